// Users: create (with an optional first password), disable/enable, role, password reset (a generated one shown once).
import { api, button, fail, fillTable, say, showSecret, users, when } from '/static/admin/common.js';

const table = document.getElementById('users');
const form = document.getElementById('create-user');
const path = (name) => `/api/admin/users/${encodeURIComponent(name)}`;

async function refresh() {
  const list = await users();
  fillTable(table, list, (u) => [
    u.name,
    u.role,
    u.disabled ? 'disabled' : 'active',
    when(u.created_at),
    actions(u),
  ], 'No users.');
}

function actions(u) {
  const span = document.createElement('span');
  span.className = 'actions';
  span.append(
    button(u.disabled ? 'Enable' : 'Disable', () => change(`${path(u.name)}/${u.disabled ? 'enable' : 'disable'}`, undefined,
      `${u.name} is ${u.disabled ? 'enabled' : 'disabled'}.`), { 'aria-label': `${u.disabled ? 'Enable' : 'Disable'} ${u.name}` }),
    button(u.role === 'admin' ? 'Make user' : 'Make admin', () => change(`${path(u.name)}/role`,
      { role: u.role === 'admin' ? 'user' : 'admin' }, `${u.name}'s role changed.`),
    { 'aria-label': `${u.role === 'admin' ? 'Make user' : 'Make admin'}: ${u.name}` }),
    button('Reset password', () => reset(u.name), { 'aria-label': `Reset the password of ${u.name}` }),
  );
  return span;
}

async function change(url, body, done) {
  const result = await api('POST', url, body);
  if (!result.ok) {
    fail(result);
    return;
  }
  say(done);
  await refresh();
}

async function reset(name) {
  if (!window.confirm(`Reset the password of ${name}? They are signed out everywhere.`)) return;
  const result = await api('POST', `${path(name)}/password`);
  if (!result.ok) {
    fail(result);
    return;
  }
  say(`${name}'s password was reset; their sessions have ended.`);
  showSecret(name, result.data.password);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = form.elements.name.value.trim();
  const password = form.elements.password.value;
  const created = await api('POST', '/api/admin/users', { name, role: form.elements.role.value });
  if (!created.ok) {
    fail(created);
    return;
  }
  if (password) {
    const set = await api('POST', `${path(name)}/password`, { password });
    if (!set.ok) {
      fail(`User ${name} was created, but the password was refused: ${set.data && set.data.error}`);
      await refresh();
      return;
    }
  }
  form.reset();
  say(`User ${name} created.`);
  await refresh();
});

refresh();
