// For calls a test expects to be refused: when one is not, what came back instead, so a failing run explains itself.
// Every client of a script passes recordingFetch as its fetch; it notes which of the test's keys each request sent
// (by name, never the key) and the HTTP status, which the clients expose only on errors.
const testKeys = { use: process.env.BASTION_API_KEY, manage: process.env.BASTION_MANAGE_KEY,
  wrong: process.env.BASTION_WRONG_KEY };
let last = {};

function keyName(value) {
  if (value == null) return 'none';
  const name = Object.keys(testKeys).find((k) => testKeys[k] && testKeys[k] === value);
  return name ?? 'other'; // e.g. an SDK's fallback to its own environment variable
}

export async function recordingFetch(url, init) {
  const headers = new Headers(init?.headers);
  const authorization = headers.get('authorization');
  last = { url: String(url), method: init?.method ?? 'GET',
    authorization: keyName(authorization?.replace(/^Bearer\s+/i, '') ?? null), x_api_key: keyName(headers.get('x-api-key')) };
  const response = await fetch(url, init);
  last.status = response.status;
  last.request_id = response.headers.get('x-request-id');
  return response;
}

// A call that resolved: the last request's record, and the result's parts (a stream drained) with the first of them.
export async function unrefused(result) {
  const seen = last;
  let parts = 0;
  let first = result;
  if (result && typeof result[Symbol.asyncIterator] === 'function') {
    first = undefined;
    for await (const part of result) if (parts++ === 0) first = part;
  }
  return { error: 'no error', ...seen, parts, first: JSON.stringify(first)?.slice(0, 300) };
}
