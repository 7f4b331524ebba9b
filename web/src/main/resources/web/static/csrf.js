// The session's CSRF token, from <meta name="csrf-token">, sent back in X-CSRF-Token on every state-changing request
// this page makes: htmx requests (all of them; the server ignores it on reads) and fetch() through csrfFetch.
const meta = document.querySelector('meta[name="csrf-token"]');

export function csrfToken() {
  return meta ? meta.content : '';
}

/** fetch() on this origin with the CSRF header added. */
export function csrfFetch(url, options = {}) {
  const headers = new Headers(options.headers || {});
  if (csrfToken()) headers.set('X-CSRF-Token', csrfToken());
  return fetch(url, { ...options, headers, credentials: 'same-origin' });
}

document.addEventListener('htmx:configRequest', (event) => {
  if (csrfToken()) event.detail.headers['X-CSRF-Token'] = csrfToken();
});
