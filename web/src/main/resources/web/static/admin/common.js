// Shared by the admin pages: JSON calls to the admin API with the session's CSRF token, and DOM building that only
// ever sets text (audit records, names and model metadata are untrusted: nothing here parses them as HTML).
import { csrfFetch } from '/static/csrf.js';

/** Calls the JSON API; resolves to {ok, status, data} (data: the parsed body, or null). */
export async function api(method, url, body, headers = {}) {
  const options = { method, headers: { ...headers } };
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await csrfFetch(url, options);
  } catch {
    return { ok: false, status: 0, data: { error: 'The server cannot be reached.' } };
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  return { ok: response.ok, status: response.status, data };
}

/** The message of an API error body, whichever API shape it has. */
export function errorText(result) {
  const error = result.data && result.data.error;
  const message = typeof error === 'string' ? error : error && error.message;
  return message || `The request failed (HTTP ${result.status}).`;
}

/** Builds an element: props are properties (text, className, ...) or attributes (names with a dash, aria-*). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key.includes('-') || key === 'role' || key === 'scope') node.setAttribute(key, value === true ? '' : value);
    else node[key] = value;
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

/** A button that runs {@code action} when pressed, disabled while it runs. */
export function button(label, action, props = {}) {
  const b = el('button', { type: 'button', text: label, ...props });
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      await action();
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

/** Replaces a table's body with one row per item ({@code cells(item)} gives the cells' contents). */
export function fillTable(table, items, cells, empty = 'Nothing to show.') {
  const body = table.tBodies[0];
  body.replaceChildren();
  if (items.length === 0) {
    const columns = table.tHead.rows[0].cells.length;
    body.append(el('tr', {}, el('td', { colSpan: columns, className: 'muted', text: empty })));
    return;
  }
  for (const item of items) {
    const row = el('tr');
    cells(item).forEach((content, i) => {
      const cell = i === 0 ? el('th', { scope: 'row' }) : el('td');
      if (content instanceof Node) cell.append(content);
      else cell.textContent = content === null || content === undefined ? '' : String(content);
      row.append(cell);
    });
    body.append(row);
  }
}

/** Says what happened (role=status), or what went wrong (role=alert). */
export function say(message) {
  document.getElementById('admin-error').textContent = '';
  document.getElementById('admin-message').textContent = message;
}

export function fail(resultOrMessage) {
  document.getElementById('admin-message').textContent = '';
  document.getElementById('admin-error').textContent =
    typeof resultOrMessage === 'string' ? resultOrMessage : errorText(resultOrMessage);
}

/** Shows a secret (a new key or password) once, in the page's dismissible panel; nothing else keeps it. */
export function showSecret(user, secret) {
  const panel = document.getElementById('secret-panel');
  document.getElementById('secret-user').textContent = user;
  const value = document.getElementById('secret-value');
  value.value = secret;
  panel.hidden = false;
  value.focus();
  value.select();
}

const dismiss = document.getElementById('secret-dismiss');
if (dismiss) {
  dismiss.addEventListener('click', () => {
    document.getElementById('secret-value').value = '';
    document.getElementById('secret-panel').hidden = true;
  });
}

/** A byte count as people read it. */
export function bytes(n) {
  if (!Number.isFinite(n)) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** An ISO instant as a short local date and time; '' for none. */
export function when(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/** The users, for tables and pickers. */
export async function users() {
  const result = await api('GET', '/api/admin/users');
  if (!result.ok) {
    fail(result);
    return [];
  }
  return result.data;
}

/** Fills a select with the users' names (keeping its first option if {@code keepFirst}). */
export function userOptions(select, list, keepFirst = false) {
  const first = keepFirst ? select.options[0] : null;
  select.replaceChildren(...(first ? [first] : []), ...list.map((u) => el('option', { value: u.name, text: u.name })));
}
