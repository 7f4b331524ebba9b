// One chat turn, streamed token by token. Two ways to run it:
// - replyTurn: the server's POST /web/api/conversations/{id}/reply runs the turn on the stored conversation and stores
//   the reply with its counts and credits (also when the browser stops it);
// - directTurn: the page calls /api/chat itself and appends both messages through /messages, for a server without
//   the reply endpoint.
import { csrfFetch } from '/static/csrf.js';
import { api, apiError } from '/static/chat/api.js';

/** Reads an NDJSON body, one batch of parsed lines per network read, so the page redraws as tokens arrive. */
async function* ndjson(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    const lines = buffer.split('\n');
    buffer = lines.pop();
    yield lines.filter((line) => line.trim()).map((line) => JSON.parse(line));
  }
  if (buffer.trim()) yield [JSON.parse(buffer)];
}

/** Accumulates the chunks of /api/chat's stream into the reply so far; returns the final chunk. */
async function consume(response, reply, onUpdate) {
  let final = null;
  for await (const batch of ndjson(response)) {
    for (const chunk of batch) {
      if (chunk.error) throw new Error(typeof chunk.error === 'string' ? chunk.error : 'the generation failed');
      const message = chunk.message || {};
      if (message.content) reply.content += message.content;
      if (message.thinking) reply.thinking += message.thinking;
      if (Array.isArray(message.tool_calls)) reply.tool_calls.push(...message.tool_calls);
      if (message.role === 'tool') reply.tool_results.push(message);
      if (chunk.done) final = chunk;
    }
    onUpdate(reply);
  }
  return final;
}

/** Counts of a finished turn, as the conversations API stores them. */
export function statsOf(final) {
  if (!final) return {};
  const stats = {};
  if (Number.isInteger(final.prompt_eval_count)) stats.prompt_tokens = final.prompt_eval_count;
  if (Number.isInteger(final.eval_count)) stats.generated_tokens = final.eval_count;
  if (final.eval_count > 0 && final.eval_duration > 0) {
    stats.tokens_per_second = Math.round((final.eval_count / (final.eval_duration / 1e9)) * 100) / 100;
  }
  const credits = final.credits ?? final.credits_charged;
  if (Number.isInteger(credits)) stats.credits = credits;
  return stats;
}

const emptyReply = () => ({ content: '', thinking: '', tool_calls: [], tool_results: [] });

export async function replyTurn({ conversationId, content, model, system, options, regenerate, signal, onUpdate }) {
  const body = { model, system, options };
  if (regenerate) body.regenerate = true;
  else body.content = content;
  const response = await csrfFetch(api.replyUrl(conversationId), {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal,
  });
  if (!response.ok) throw await apiError(response);
  const reply = emptyReply();
  const final = await consume(response, reply, onUpdate);
  return { reply, stats: statsOf(final) };
}

export async function directTurn({ conversationId, history, content, model, system, options, regenerate, signal, onUpdate }) {
  const messages = system ? [{ role: 'system', content: system }] : [];
  messages.push(...history.map((m) => ({ role: m.role, content: m.content || '' })));
  if (!regenerate) {
    await api.append(conversationId, [{ role: 'user', content }]);
    messages.push({ role: 'user', content });
  }
  const reply = emptyReply();
  let final = null;
  try {
    const response = await csrfFetch('/api/chat', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model, messages, options, stream: true }), signal,
    });
    if (!response.ok) throw await apiError(response);
    final = await consume(response, reply, onUpdate);
  } finally {
    // What was generated is kept, also when the turn was stopped.
    if (reply.content || reply.thinking || final) {
      const stored = { role: 'assistant', content: reply.content, ...statsOf(final) };
      if (reply.thinking) stored.thinking = reply.thinking;
      if (reply.tool_calls.length) stored.tool_calls = reply.tool_calls;
      await api.append(conversationId, [stored]).catch(() => {});
    }
  }
  return { reply, stats: statsOf(final) };
}
