// The ollama client's pull() and push() with progress streaming against Bastion (server B), which moves models
// to and from server A. Env: BASE_URL, BASTION_API_KEY, PULL_MODEL, PUSH_MODEL. Prints one JSON object.
import { Ollama } from 'ollama';

const client = new Ollama({ host: process.env.BASE_URL, headers: { Authorization: 'Bearer ' + process.env.BASTION_API_KEY } });
const out = {};

async function collect(stream) {
  const parts = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

const pulled = await collect(await client.pull({ model: process.env.PULL_MODEL, insecure: true, stream: true }));
out.pullStatuses = pulled.map((p) => p.status);
out.pullProgress = pulled.filter((p) => p.digest && p.total > 0 && p.completed === p.total).length;
out.pullOnce = (await client.pull({ model: process.env.PULL_MODEL, insecure: true, stream: false })).status;
const pushed = await collect(await client.push({ model: process.env.PUSH_MODEL, insecure: true, stream: true }));
out.pushStatuses = pushed.map((p) => p.status);
try {
  await client.pull({ model: '127.0.0.1:1/../etc', insecure: true, stream: false });
  out.badName = 'no error';
} catch (e) {
  out.badName = e.message;
}
console.log(JSON.stringify(out));
