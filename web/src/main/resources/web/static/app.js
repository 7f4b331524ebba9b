// Every page: the sign-out button. (Page-specific scripts are separate modules.)
import { csrfFetch } from '/static/csrf.js';

const signOut = document.getElementById('sign-out');
if (signOut) {
  signOut.addEventListener('click', async () => {
    try {
      await csrfFetch('/web/api/sign-out', { method: 'POST' });
    } finally {
      window.location.assign('/sign-in');
    }
  });
}
