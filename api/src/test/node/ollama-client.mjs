// Drives Bastion with the official ollama client, passing the API key the way its users do (an Authorization header).
// Env: BASE_URL, MODEL, BASTION_API_KEY (models:use), BASTION_MANAGE_KEY (models:use models:manage),
// BASTION_WRONG_KEY. Prints one JSON object.
import { Ollama } from 'ollama';
import { recordingFetch, unrefused } from './refusals.mjs';

const host = process.env.BASE_URL;
const withKey = (key) => new Ollama({ host, headers: { Authorization: 'Bearer ' + key }, fetch: recordingFetch });
const client = withKey(process.env.BASTION_API_KEY);
const model = process.env.MODEL;
const options = { num_predict: 5, temperature: 0, seed: 1 };
const messages = [{ role: 'user', content: 'hello there' }];
const out = {};

// What the client surfaces for a refused call: its error class, the HTTP status and the server's message.
async function failure(call) {
  try {
    return await unrefused(await call());
  } catch (e) {
    return { class: e.constructor.name, status: e.status_code, error: e.error };
  }
}

out.version = (await client.version()).version;
out.list = (await client.list()).models.map((m) => m.name);

const gen = await client.generate({ model, prompt: 'hello there', stream: false, options });
out.generate = { response: gen.response, done: gen.done, done_reason: gen.done_reason, eval_count: gen.eval_count };

let text = '';
let chunks = 0;
let last;
for await (const part of await client.generate({ model, prompt: 'hello there', stream: true, options })) {
  text += part.response;
  chunks += part.done ? 0 : 1;
  last = part;
}
out.generateStream = { response: text, chunks, done: last.done, done_reason: last.done_reason, eval_count: last.eval_count };

const chat = await client.chat({ model, messages, stream: false, options });
out.chat = { role: chat.message.role, content: chat.message.content, done: chat.done };

text = '';
for await (const part of await client.chat({ model, messages, stream: true, options })) text += part.message.content;
out.chatStream = { content: text };

const embed = await client.embed({ model, input: ['first', 'second'] });
out.embed = { count: embed.embeddings.length, dims: embed.embeddings[0].length, norm: Math.hypot(...embed.embeddings[0]) };

const show = await client.show({ model });
out.show = { family: show.details.family, format: show.details.format, modelfile: show.modelfile };

out.ps = (await client.ps()).models.map((m) => ({ name: m.name, size: m.size, expires_at: m.expires_at }));

out.unknownModel = await failure(() => client.generate({ model: 'no-such-model', prompt: 'x', stream: false }));

out.noKey = await failure(() => new Ollama({ host, fetch: recordingFetch }).list());
out.wrongKey = await failure(() => withKey(process.env.BASTION_WRONG_KEY).chat({ model, messages, stream: true, options }));

// The models:use key may not delete even a copy its own user made; a models:manage key may.
const manager = withKey(process.env.BASTION_MANAGE_KEY);
await manager.copy({ source: model, destination: 'tiny-copy' });
out.deleteWithUseKey = await failure(() => client.delete({ model: 'tiny-copy' }));
out.listAfterRefusedDelete = (await client.list()).models.map((m) => m.name);
out.deleteWithManageKey = await manager.delete({ model: 'tiny-copy' });
out.listAfterDelete = (await client.list()).models.map((m) => m.name);

console.log(JSON.stringify(out));
