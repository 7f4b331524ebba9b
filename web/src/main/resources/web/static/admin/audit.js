// The audit log: filtered pages, newest first (older pages continue from the last seq shown), and chain verification.
import { api, fail, fillTable, when } from '/static/admin/common.js';

const table = document.getElementById('audit');
const form = document.getElementById('audit-filter');
const older = document.getElementById('audit-older');
const newest = document.getElementById('audit-newest');
const verdict = document.getElementById('verify-result');
let next = null;

async function load(before) {
  const query = new URLSearchParams();
  for (const field of ['user', 'action', 'outcome', 'limit']) {
    const value = form.elements[field].value.trim();
    if (value) query.set(field, value);
  }
  if (before) query.set('before', before);
  const result = await api('GET', `/api/admin/audit?${query}`);
  if (!result.ok) {
    fail(result);
    return;
  }
  fillTable(table, result.data.records, (r) => [r.seq, when(r.time), r.actor || '', r.action, r.target || '',
    r.outcome, Object.entries(r.details || {}).map(([k, v]) => `${k}=${v}`).join(', ')], 'No matching records.');
  next = result.data.next_before;
  older.disabled = !next;
  newest.disabled = !before;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  load(null);
});
older.addEventListener('click', () => load(next));
newest.addEventListener('click', () => load(null));

document.getElementById('verify-chain').addEventListener('click', async () => {
  verdict.textContent = 'Verifying…';
  verdict.className = '';
  const result = await api('POST', '/api/admin/audit/verify');
  if (!result.ok) {
    verdict.textContent = '';
    fail(result);
    return;
  }
  const v = result.data;
  if (v.ok) {
    verdict.textContent = `Chain intact: ${v.records} records verified.`;
    verdict.className = 'good';
  } else {
    const where = v.bad_seq ? ` at record ${v.bad_seq} (line ${v.bad_line})` : v.bad_line ? ` at line ${v.bad_line}` : '';
    verdict.textContent = `Chain broken${where}: ${v.problem}`;
    verdict.className = 'bad';
  }
  load(null);
});

load(null);
