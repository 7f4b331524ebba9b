// API keys: create (the secret is shown once, in a panel nothing else keeps), list per user, revoke.
import { api, button, fail, fillTable, say, showSecret, userOptions, users, when } from '/static/admin/common.js';

const table = document.getElementById('keys');
const form = document.getElementById('create-key');
const filter = document.getElementById('key-filter');

async function refresh() {
  const user = filter.value;
  const result = await api('GET', `/api/admin/keys${user ? `?user=${encodeURIComponent(user)}` : ''}`);
  if (!result.ok) {
    fail(result);
    return;
  }
  fillTable(table, result.data, (k) => [
    k.prefix,
    k.user,
    k.name || '',
    k.scopes.join(', '),
    when(k.created_at),
    when(k.expires_at) || 'never',
    when(k.last_used_at) || 'never',
    k.revoked ? 'revoked' : 'active',
    k.revoked ? '' : button('Revoke', () => revoke(k), { 'aria-label': `Revoke key ${k.prefix} of ${k.user}` }),
  ], 'No keys.');
}

async function revoke(key) {
  if (!window.confirm(`Revoke key ${key.prefix} of ${key.user}? Clients using it stop working at once.`)) return;
  const result = await api('DELETE', `/api/admin/keys/${encodeURIComponent(key.prefix)}`);
  if (!result.ok) {
    fail(result);
    return;
  }
  say(`Key ${key.prefix} revoked.`);
  await refresh();
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const scopes = [...form.querySelectorAll('input[name=scopes]:checked')].map((box) => box.value);
  const body = { user: form.elements.user.value, scopes };
  if (form.elements.name.value.trim()) body.name = form.elements.name.value.trim();
  if (form.elements.expires.value) body.expires_at = `${form.elements.expires.value}T00:00:00Z`;
  const result = await api('POST', '/api/admin/keys', body);
  if (!result.ok) {
    fail(result);
    return;
  }
  say(`Key ${result.data.prefix} created for ${result.data.user}.`);
  showSecret(result.data.user, result.data.key);
  form.elements.name.value = '';
  await refresh();
});

filter.addEventListener('change', refresh);

users().then((list) => {
  userOptions(form.elements.user, list.filter((u) => !u.disabled));
  userOptions(filter, list, true);
  refresh();
});
