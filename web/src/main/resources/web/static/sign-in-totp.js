// The sign-in page's second step: after a right password for a user with two-factor sign-in, the server answers a
// short-lived token instead of a session; this form sends it back with a code (6 digits) or a recovery code.
const form = document.getElementById('totp-form');
const error = document.getElementById('totp-error');

export function afterSignIn(answer) {
  window.location.assign(answer.totp_enrolment_required ? '/account' : '/');
}

export function secondStep(token, passwordForm) {
  passwordForm.hidden = true;
  form.hidden = false;
  form.elements.code.focus();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const code = form.elements.code.value.trim();
    const body = { token };
    body[/^[0-9]{6}$/.test(code) ? 'code' : 'recovery_code'] = code;
    let response;
    try {
      response = await fetch('/web/api/sign-in/totp', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
        credentials: 'same-origin',
      });
    } catch {
      error.textContent = 'The server cannot be reached.';
      return;
    }
    if (response.ok) {
      afterSignIn(await response.json());
    } else if (response.status === 429) {
      error.textContent = 'Too many attempts. Try again later.';
    } else {
      error.textContent = 'Wrong or expired code. After three tries, start over.';
      form.elements.code.value = '';
      form.elements.code.focus();
    }
  });
}
