// The JSON API the chat page calls: the conversations API and the models the user may see. Every call goes through
// the server's security chain like any client's (state changes carry the CSRF token).
import { csrfFetch } from '/static/csrf.js';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The server's error message if it gave a plain one, else a generic one (never the raw body). */
export async function apiError(response) {
  let message = `Request failed (${response.status})`;
  try {
    const body = await response.json();
    const error = typeof body.error === 'string' ? body.error : body.error && body.error.message;
    if (typeof error === 'string' && error.length < 300) message = error;
  } catch {
    // not JSON: keep the generic message
  }
  return new ApiError(response.status, message);
}

async function call(url, options = {}) {
  const headers = options.body ? { 'Content-Type': 'application/json' } : {};
  const response = await csrfFetch(url, { ...options, headers });
  if (!response.ok) throw await apiError(response);
  return response.status === 204 ? null : response.json();
}

const base = '/web/api/conversations';
const path = (id) => `${base}/${encodeURIComponent(id)}`;

export const api = {
  list: (query) => call(`${base}?limit=100${query ? `&q=${encodeURIComponent(query)}` : ''}`),
  get: (id) => call(path(id)),
  create: (fields) => call(base, { method: 'POST', body: JSON.stringify(fields) }),
  rename: (id, title) => call(path(id), { method: 'PATCH', body: JSON.stringify({ title }) }),
  remove: (id) => call(path(id), { method: 'DELETE' }),
  append: (id, messages) => call(`${path(id)}/messages`, { method: 'POST', body: JSON.stringify({ messages }) }),
  models: () => call('/api/tags'),
  replyUrl: (id) => `${path(id)}/reply`,
};
