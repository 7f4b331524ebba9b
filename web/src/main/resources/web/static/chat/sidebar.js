// The conversation list: search, rename in place, delete, all through the conversations API.
import { api } from '/static/chat/api.js';

export function createSidebar({ list, search, currentId, onError, onDeleted, onRenamed }) {
  let query = '';
  let timer = null;

  async function refresh() {
    try {
      const page = await api.list(query);
      render(page.conversations);
    } catch (error) {
      onError(error);
    }
  }

  function render(conversations) {
    list.replaceChildren(...conversations.map(item));
    if (!conversations.length) {
      const empty = document.createElement('li');
      empty.className = 'muted empty';
      empty.textContent = query ? 'No conversation matches.' : 'No conversations yet.';
      list.append(empty);
    }
  }

  function item(conversation) {
    const li = document.createElement('li');
    li.className = 'conversation-item';
    li.dataset.id = conversation.id;
    const link = document.createElement('a');
    link.href = `/c/${encodeURIComponent(conversation.id)}`;
    link.className = 'conversation-link';
    link.textContent = conversation.title;
    if (conversation.id === currentId()) link.setAttribute('aria-current', 'page');
    const rename = button('Rename', `Rename ${conversation.title}`, 'rename', () => startRename(li, conversation));
    const remove = button('Delete', `Delete ${conversation.title}`, 'delete danger', () => confirmDelete(conversation));
    li.append(link, rename, remove);
    return li;
  }

  function button(text, label, className, onClick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = `small ${className}`;
    b.textContent = text;
    b.setAttribute('aria-label', label);
    b.addEventListener('click', onClick);
    return b;
  }

  function startRename(li, conversation) {
    const form = document.createElement('form');
    form.className = 'rename-form';
    const label = document.createElement('label');
    label.className = 'visually-hidden';
    label.htmlFor = `rename-${conversation.id}`;
    label.textContent = 'New title';
    const input = document.createElement('input');
    input.id = `rename-${conversation.id}`;
    input.value = conversation.title;
    input.maxLength = 200;
    const save = document.createElement('button');
    save.type = 'submit';
    save.className = 'small';
    save.textContent = 'Save';
    form.append(label, input, save);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const renamed = await api.rename(conversation.id, input.value.trim());
        onRenamed(renamed);
        await refresh();
      } catch (error) {
        onError(error);
      }
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') refresh();
    });
    li.replaceChildren(form);
    input.focus();
    input.select();
  }

  async function confirmDelete(conversation) {
    if (!window.confirm(`Delete "${conversation.title}"?`)) return;
    try {
      await api.remove(conversation.id);
      onDeleted(conversation.id);
      await refresh();
    } catch (error) {
      onError(error);
    }
  }

  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      query = search.value.trim();
      refresh();
    }, 250);
  });

  return { refresh };
}
