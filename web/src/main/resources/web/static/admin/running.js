// Running models (/api/ps) and unloading one the way Ollama does: a generate request with keep_alive 0.
import { api, bytes, button, fail, fillTable, say, when } from '/static/admin/common.js';

const table = document.getElementById('running');

async function refresh() {
  const result = await api('GET', '/api/ps');
  if (!result.ok) {
    fail(result);
    return;
  }
  fillTable(table, result.data.models, (m) => [m.name, bytes(m.size), m.context_length || '', when(m.expires_at),
    button('Unload', () => unload(m.name), { 'aria-label': `Unload ${m.name}` })], 'No model is loaded.');
}

async function unload(name) {
  const result = await api('POST', '/api/generate', { model: name, keep_alive: 0 });
  if (!result.ok) {
    fail(result);
    return;
  }
  say(`${name} unloaded.`);
  await refresh();
}

document.getElementById('refresh-running').addEventListener('click', refresh);
refresh();
