// Models: every namespace's models with owner, size and quantization; details; delete (confirmed); import.
import { api, button, bytes, el, fail, fillTable, say, when } from '/static/admin/common.js';

const table = document.getElementById('models');
const details = document.getElementById('model-details');
const form = document.getElementById('import-model');

async function refresh() {
  const result = await api('GET', '/api/admin/models');
  if (!result.ok) {
    fail(result);
    return;
  }
  fillTable(table, result.data.models, (m) => {
    const d = m.details || {};
    const actions = el('span', { className: 'actions' },
      button('Details', () => show(m.name), { 'aria-label': `Details of ${m.name}` }),
      button('Delete', () => remove(m.name), { className: 'danger', 'aria-label': `Delete ${m.name}` }));
    return [m.name, m.owner || 'shared', bytes(m.size), d.quantization_level || '', d.family || '',
      d.parameter_size || '', when(m.modified_at), actions];
  }, 'The store holds no models.');
}

async function show(name) {
  const result = await api('POST', '/api/show', { model: name });
  if (!result.ok) {
    fail(result);
    return;
  }
  const info = result.data;
  document.getElementById('model-details-title').textContent = name;
  const list = document.getElementById('model-details-list');
  list.replaceChildren();
  const facts = { ...(info.details || {}), capabilities: (info.capabilities || []).join(', '),
    parameters: info.parameters || '', system: info.system || '', license: info.license || '' };
  for (const [key, value] of Object.entries(facts)) {
    if (value === '' || value === null || value === undefined) continue;
    list.append(el('dt', { text: key.replaceAll('_', ' ') }),
      el('dd', { text: Array.isArray(value) ? value.join(', ') : String(value) }));
  }
  document.getElementById('model-details-modelfile').textContent = info.modelfile || '';
  details.hidden = false;
  document.getElementById('model-details-close').focus();
}

async function remove(name) {
  if (!window.confirm(`Delete the model ${name}? This cannot be undone.`)) return;
  const result = await api('DELETE', '/api/delete', { model: name });
  if (!result.ok) {
    fail(result);
    return;
  }
  say(`Model ${name} deleted.`);
  details.hidden = true;
  await refresh();
}

document.getElementById('model-details-close').addEventListener('click', () => {
  details.hidden = true;
});

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  say('Importing…');
  const result = await api('POST', '/api/admin/models/import',
    { path: form.elements.path.value.trim(), name: form.elements.name.value.trim() });
  if (!result.ok) {
    fail(result);
    return;
  }
  form.reset();
  say(`Imported as ${result.data.name}.`);
  await refresh();
});

refresh();
