// The account page: password change and two-factor enrolment through /web/api/account/... (JSON bodies, so a small
// module rather than htmx forms). The QR code is an <img> of the server's PNG: no script draws it.
import { csrfFetch } from '/static/csrf.js';

const $ = (id) => document.getElementById(id);

function postJson(url, body) {
  return csrfFetch(url, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}),
  });
}

async function errorOf(response, fallback) {
  if (response.status === 429) return 'Too many attempts. Try again later.';
  try {
    const body = await response.json();
    const error = typeof body.error === 'string' ? body.error : body.error && body.error.message;
    return error || fallback;
  } catch {
    return fallback;
  }
}

function field(form, name) {
  return form.elements[name].value;
}

const passwordForm = $('password-form');
passwordForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const error = $('password-error');
  error.textContent = '';
  if (field(passwordForm, 'new') !== field(passwordForm, 'repeat')) {
    error.textContent = 'The two new passwords differ.';
    return;
  }
  const response = await postJson('/web/api/account/password',
    { current: field(passwordForm, 'current'), new: field(passwordForm, 'new') });
  if (response.ok) {
    // The server rotated this session's cookie; the reloaded page carries the new CSRF token.
    window.location.assign('/account?done=password');
    return;
  }
  error.textContent = await errorOf(response, 'The password could not be changed.');
});

const start = $('totp-start');
if (start) {
  start.addEventListener('click', async () => {
    $('totp-start-error').textContent = '';
    const response = await postJson('/web/api/account/totp/setup');
    if (!response.ok) {
      $('totp-start-error').textContent = await errorOf(response, 'Two-factor sign-in could not be set up.');
      return;
    }
    const enrolment = await response.json();
    $('totp-secret').textContent = enrolment.secret.match(/.{1,4}/g).join(' ');
    const qr = $('totp-qr');
    qr.src = enrolment.qr_code + '?t=' + Date.now();
    qr.hidden = false;
    start.hidden = true;
    $('totp-enrol').hidden = false;
    $('totp-confirm-code').focus();
  });

  const confirm = $('totp-confirm-form');
  confirm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = $('totp-confirm-error');
    error.textContent = '';
    const response = await postJson('/web/api/account/totp/confirm', { code: field(confirm, 'code').trim() });
    if (!response.ok) {
      error.textContent = response.status === 403
        ? 'Wrong code. Check that the time on your phone is right, then try the next code.'
        : await errorOf(response, 'Two-factor sign-in could not be turned on.');
      return;
    }
    const { recovery_codes: codes } = await response.json();
    const list = $('totp-recovery-codes');
    list.replaceChildren(...codes.map((code) => {
      const item = document.createElement('li');
      item.textContent = code;
      return item;
    }));
    $('totp-enrol').hidden = true;
    $('totp-recovery').hidden = false;
    $('totp-recovery-heading').focus();
  });
}

const disable = $('totp-disable-form');
if (disable) {
  disable.addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = $('totp-disable-error');
    error.textContent = '';
    const code = field(disable, 'code').trim();
    const body = { password: field(disable, 'password') };
    body[/^[0-9]{6}$/.test(code) ? 'code' : 'recovery_code'] = code;
    const response = await postJson('/web/api/account/totp/disable', body);
    if (response.ok) {
      window.location.assign('/account?done=totp-off');
      return;
    }
    error.textContent = await errorOf(response, 'Two-factor sign-in could not be turned off.');
  });
}
