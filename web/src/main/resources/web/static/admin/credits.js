// Credits: every user's balance, grants (with an idempotency key, so a retried grant applies once) and usage.
import { api, fail, fillTable, say, userOptions, users } from '/static/admin/common.js';

const balances = document.getElementById('balances');
const grant = document.getElementById('grant');
const usageForm = document.getElementById('usage-filter');
const usage = document.getElementById('usage');

async function refresh() {
  const list = await users();
  userOptions(grant.elements.user, list);
  const views = await Promise.all(list.map(async (u) => {
    const result = await api('GET', `/api/credits/${encodeURIComponent(u.name)}`);
    return { user: u, view: result.ok ? result.data : null };
  }));
  const on = views.some((v) => v.view && v.view.enabled);
  document.getElementById('credits-state').textContent = on ? 'Credits are on: generations, embeddings and tool calls are metered.'
    : 'Credits are off (BASTION_CREDITS): balances are kept, nothing is charged.';
  fillTable(balances, views, (v) => [v.user.name, v.user.role, v.view ? v.view.balance : '?', v.view ? v.view.reserved : '?'],
    'No users.');
}

async function loadUsage() {
  const query = new URLSearchParams({ group_by: 'user,model' });
  if (usageForm.elements.from.value) query.set('from', usageForm.elements.from.value);
  if (usageForm.elements.to.value) query.set('to', usageForm.elements.to.value);
  const result = await api('GET', `/api/usage?${query}`);
  if (!result.ok) {
    fail(result);
    return;
  }
  fillTable(usage, result.data, (u) => [u.user, u.model, u.requests, u.prompt_tokens, u.generated_tokens, u.credits],
    'No usage in this period.');
}

grant.addEventListener('submit', async (event) => {
  event.preventDefault();
  const amount = Number(grant.elements.amount.value);
  if (!Number.isInteger(amount) || amount < 1) {
    fail('The amount must be a whole number of at least 1.');
    return;
  }
  const user = grant.elements.user.value;
  const result = await api('POST', '/api/credits/grant', { user, amount }, { 'Idempotency-Key': crypto.randomUUID() });
  if (!result.ok) {
    fail(result);
    return;
  }
  grant.elements.amount.value = '';
  say(`Granted ${amount} credits to ${user}; balance ${result.data.balance}.`);
  await refresh();
});

usageForm.addEventListener('submit', (event) => {
  event.preventDefault();
  loadUsage();
});

refresh();
loadUsage();
