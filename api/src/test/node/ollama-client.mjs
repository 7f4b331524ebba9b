// Drives Bastion with the official ollama client. Env: BASE_URL, MODEL. Prints one JSON object.
import { Ollama } from 'ollama';

const client = new Ollama({ host: process.env.BASE_URL });
const model = process.env.MODEL;
const options = { num_predict: 5, temperature: 0, seed: 1 };
const out = {};

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

const messages = [{ role: 'user', content: 'hello there' }];
const chat = await client.chat({ model, messages, stream: false, options });
out.chat = { role: chat.message.role, content: chat.message.content, done: chat.done };

text = '';
for await (const part of await client.chat({ model, messages, stream: true, options })) text += part.message.content;
out.chatStream = { content: text };

const embed = await client.embed({ model, input: ['first', 'second'] });
out.embed = { count: embed.embeddings.length, dims: embed.embeddings[0].length, norm: Math.hypot(...embed.embeddings[0]) };

out.ps = (await client.ps()).models.map((m) => ({ name: m.name, size: m.size, expires_at: m.expires_at }));

try {
  await client.generate({ model: 'no-such-model', prompt: 'x', stream: false });
  out.unknownModel = { status: 'no error' };
} catch (e) {
  out.unknownModel = { status: e.status_code, error: e.error };
}

console.log(JSON.stringify(out));
