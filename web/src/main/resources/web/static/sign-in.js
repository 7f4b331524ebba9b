// The sign-in form: posts JSON to /web/api/sign-in and goes to the chat. One message for every failed attempt, as the
// server gives one answer for an unknown user and a wrong password.
import { afterSignIn, secondStep } from '/static/sign-in-totp.js';

const form = document.getElementById('sign-in-form');
const error = document.getElementById('sign-in-error');

async function signIn(event) {
  event.preventDefault();
  error.textContent = '';
  const body = JSON.stringify({ user: form.elements.user.value, password: form.elements.password.value });
  let response;
  try {
    response = await fetch('/web/api/sign-in', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body, credentials: 'same-origin',
    });
  } catch {
    error.textContent = 'The server cannot be reached.';
    return;
  }
  if (response.ok) {
    // A user with two-factor sign-in gets a token for the second step instead of a session.
    const answer = await response.json();
    if (answer.second_factor) secondStep(answer.token, form);
    else afterSignIn(answer);
  } else if (response.status === 429) {
    error.textContent = 'Too many attempts. Try again later.';
  } else {
    error.textContent = 'Wrong user name or password.';
    form.elements.password.value = '';
    form.elements.password.focus();
  }
}

if (form) form.addEventListener('submit', signIn);
