// The chat page: opens a conversation, streams replies token by token, stops and regenerates them.
import { api } from '/static/chat/api.js';
import { loadMarkdown, renderMarkdown } from '/static/chat/markdown.js';
import { createSidebar } from '/static/chat/sidebar.js';
import { directTurn, replyTurn } from '/static/chat/turn.js';

// The server runs turns on stored conversations (POST .../reply) once h-webchat's endpoint is there; until then the
// page runs them itself through /api/chat.
const runTurn = document.getElementById('chat').dataset.reply === 'server' ? replyTurn : directTurn;

const $ = (id) => document.getElementById(id);
const root = $('chat');
const ui = {
  title: $('conversation-title'), model: $('model'), system: $('system-prompt'), messages: $('messages'),
  prompt: $('prompt'), composer: $('composer'), send: $('send'), stop: $('stop'), regenerate: $('regenerate'),
  status: $('chat-status'), error: $('chat-error'), newChat: $('new-chat'),
  temperature: $('opt-temperature'), numCtx: $('opt-num-ctx'), seed: $('opt-seed'), numPredict: $('opt-num-predict'),
};
const state = { id: root.dataset.conversation || null, messages: [], controller: null };

const sidebar = createSidebar({
  list: $('conversation-list'), search: $('conversation-search'), currentId: () => state.id, onError: showError,
  onDeleted: (id) => { if (id === state.id) window.location.assign('/'); },
  onRenamed: (conversation) => { if (conversation.id === state.id) ui.title.textContent = conversation.title; },
});

function showError(error) {
  ui.error.textContent = error && error.message ? error.message : String(error);
}

function options() {
  const chosen = {};
  const number = (input, parse) => (input.value.trim() === '' ? undefined : parse(input.value));
  const values = {
    temperature: number(ui.temperature, parseFloat), num_ctx: number(ui.numCtx, (v) => parseInt(v, 10)),
    seed: number(ui.seed, (v) => parseInt(v, 10)), num_predict: number(ui.numPredict, (v) => parseInt(v, 10)),
  };
  for (const [key, value] of Object.entries(values)) if (value !== undefined && !Number.isNaN(value)) chosen[key] = value;
  return chosen;
}

function showOptions(saved) {
  const set = (input, value) => { input.value = value === undefined || value === null ? '' : String(value); };
  set(ui.temperature, saved.temperature);
  set(ui.numCtx, saved.num_ctx);
  set(ui.seed, saved.seed);
  set(ui.numPredict, saved.num_predict);
}

/** One message as a list item; assistant text is Markdown, everything else is shown as text. */
function messageElement(message) {
  const li = document.createElement('li');
  li.className = `message ${message.role}`;
  const role = document.createElement('div');
  role.className = 'message-role';
  role.textContent = { user: 'You', assistant: 'Assistant', system: 'System', tool: 'Tool' }[message.role] || message.role;
  const body = document.createElement('div');
  body.className = 'message-body';
  li.append(role, body);
  fillMessage(li, message);
  return li;
}

function fillMessage(li, message) {
  const body = li.querySelector('.message-body');
  li.querySelectorAll('.thinking, .tool-call, .tool-result, .message-stats').forEach((e) => e.remove());
  if (message.thinking) li.insertBefore(collapsible('thinking', 'Thinking', message.thinking), body);
  if (message.role === 'assistant') {
    body.classList.add('markdown');
    renderMarkdown(body, message.content);
  } else if (message.role === 'tool') {
    body.replaceChildren(collapsible('tool-result', `Tool result${message.tool_name ? `: ${message.tool_name}` : ''}`,
      message.content));
  } else {
    body.textContent = message.content || '';
  }
  for (const call of message.tool_calls || []) {
    const fn = call.function || {};
    li.append(collapsible('tool-call', `Tool call: ${fn.name || 'unknown'}`, JSON.stringify(fn.arguments ?? {}, null, 2)));
  }
  for (const result of message.tool_results || []) {
    li.append(collapsible('tool-result', `Tool result${result.tool_name ? `: ${result.tool_name}` : ''}`, result.content || ''));
  }
  const stats = statsText(message);
  if (stats) {
    const p = document.createElement('p');
    p.className = 'message-stats';
    p.textContent = stats;
    li.append(p);
  }
}

function collapsible(className, summaryText, text) {
  const details = document.createElement('details');
  details.className = className;
  const summary = document.createElement('summary');
  summary.textContent = summaryText;
  const pre = document.createElement('pre');
  pre.textContent = typeof text === 'string' ? text : JSON.stringify(text, null, 2);
  details.append(summary, pre);
  return details;
}

function statsText(message) {
  const parts = [];
  if (Number.isInteger(message.generated_tokens)) parts.push(`${message.generated_tokens} tokens`);
  if (typeof message.tokens_per_second === 'number') parts.push(`${message.tokens_per_second.toFixed(1)} tokens/s`);
  if (Number.isInteger(message.credits)) parts.push(`${message.credits} credits`);
  return parts.join(' · ');
}

function renderMessages() {
  ui.messages.replaceChildren(...state.messages.filter((m) => m.role !== 'system').map(messageElement));
  ui.messages.lastElementChild?.scrollIntoView({ block: 'end' });
  updateButtons(false);
}

function updateButtons(busy) {
  ui.send.disabled = busy;
  ui.stop.hidden = !busy;
  const last = state.messages[state.messages.length - 1];
  ui.regenerate.hidden = busy || !last || last.role !== 'assistant';
}

async function loadModels(preferred) {
  try {
    const { models } = await api.models();
    ui.model.replaceChildren(...models.map((m) => new Option(m.name, m.name)));
    if (preferred && models.some((m) => m.name === preferred)) ui.model.value = preferred;
    if (!models.length) showError('No model is available to you.');
  } catch (error) {
    showError(error);
  }
}

async function openConversation(id) {
  try {
    const conversation = await api.get(id);
    state.messages = conversation.messages || [];
    ui.title.textContent = conversation.title;
    ui.system.value = conversation.system || '';
    showOptions(conversation.options || {});
    return conversation;
  } catch (error) {
    state.id = null;
    showError(error.status === 404 ? 'This conversation does not exist.' : error);
    return null;
  }
}

/** A title from the first message: one line, at most 60 characters. */
function titleFrom(text) {
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g, ' ')
    .replace(/\s+/g, ' ').trim();
  return line.length > 60 ? `${line.slice(0, 59)}…` : line || 'New chat';
}

async function ensureConversation(firstMessage) {
  if (state.id) return state.id;
  const created = await api.create({ title: titleFrom(firstMessage), model: ui.model.value, system: ui.system.value,
    options: options() });
  state.id = created.id;
  ui.title.textContent = created.title;
  window.history.replaceState(null, '', `/c/${encodeURIComponent(created.id)}`);
  sidebar.refresh();
  return state.id;
}

async function turn({ content, regenerate }) {
  ui.error.textContent = '';
  const controller = new AbortController();
  state.controller = controller;
  updateButtons(true);
  ui.status.textContent = 'Generating…';
  let reply = { role: 'assistant', content: '' };
  try {
    const id = await ensureConversation(content || '');
    if (regenerate) {
      state.messages.pop();
      ui.messages.lastElementChild?.remove();
    } else {
      const user = { role: 'user', content };
      state.messages.push(user);
      ui.messages.append(messageElement(user));
    }
    const history = state.messages.filter((m) => m.role === 'user' || m.role === 'assistant');
    const element = messageElement(reply);
    element.classList.add('streaming');
    ui.messages.append(element);
    const result = await runTurn({
      conversationId: id, history: regenerate ? history : history.slice(0, -1), content, model: ui.model.value,
      system: ui.system.value, options: options(), regenerate, signal: controller.signal,
      onUpdate: (partial) => {
        reply = { role: 'assistant', ...partial };
        fillMessage(element, reply);
        element.scrollIntoView({ block: 'end' });
      },
    });
    reply = { role: 'assistant', ...result.reply, ...result.stats };
    fillMessage(element, reply);
    element.classList.remove('streaming');
    ui.status.textContent = 'Reply complete.';
  } catch (error) {
    if (error.name === 'AbortError') {
      ui.status.textContent = 'Stopped.';
    } else {
      ui.status.textContent = '';
      showError(error);
    }
  } finally {
    ui.messages.querySelector('.streaming')?.classList.remove('streaming');
    if (reply.content || reply.thinking) state.messages.push(reply);
    state.controller = null;
    updateButtons(false);
    sidebar.refresh();
  }
}

ui.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const content = ui.prompt.value.trim();
  if (!content || state.controller) return;
  ui.prompt.value = '';
  turn({ content, regenerate: false });
});
ui.prompt.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    ui.composer.requestSubmit();
  }
});
ui.stop.addEventListener('click', () => state.controller?.abort());
ui.regenerate.addEventListener('click', () => {
  if (!state.controller) turn({ content: null, regenerate: true });
});
ui.newChat.addEventListener('click', () => window.location.assign('/'));

async function start() {
  await loadMarkdown(root.dataset.marked, root.dataset.dompurify);
  const conversation = state.id ? await openConversation(state.id) : null;
  await loadModels(conversation && conversation.model);
  renderMessages();
  await sidebar.refresh();
  root.dataset.ready = 'true';
}

start().catch(showError);
