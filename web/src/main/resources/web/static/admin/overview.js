// The admin landing page: a figure for each section, read from the same API as the sections.
import { api } from '/static/admin/common.js';

function figure(path, text) {
  const node = document.querySelector(`[data-figure="${path}"]`);
  if (node) node.textContent = text;
}

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

api('GET', '/api/admin/users').then((r) => r.ok && figure('/admin/users',
  `${plural(r.data.length, 'user', 'users')}, ${r.data.filter((u) => u.disabled).length} disabled`));
api('GET', '/api/admin/keys').then((r) => r.ok && figure('/admin/keys',
  plural(r.data.filter((k) => !k.revoked).length, 'active key', 'active keys')));
api('GET', '/api/admin/models').then((r) => r.ok && figure('/admin/models', plural(r.data.models.length, 'model', 'models')));
api('GET', '/api/ps').then((r) => r.ok && figure('/admin/running', plural(r.data.models.length, 'model loaded', 'models loaded')));
api('GET', '/api/admin/audit?limit=1').then((r) => r.ok && figure('/admin/audit', r.data.records.length
  ? `last record #${r.data.records[0].seq}, ${r.data.records[0].action}` : 'empty'));
api('GET', '/api/credits').then((r) => r.ok && figure('/admin/credits', r.data.enabled ? 'metering on' : 'metering off'));
