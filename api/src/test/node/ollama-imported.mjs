// Drives Bastion with the official ollama client on a model imported from an Ollama models directory: lists it, shows
// its template and parameters, and chats with it (streamed and not). Env: BASE_URL, MODEL, BASTION_API_KEY.
// Prints one JSON object.
import { Ollama } from 'ollama';

const client = new Ollama({ host: process.env.BASE_URL, headers: { Authorization: 'Bearer ' + process.env.BASTION_API_KEY } });
const model = process.env.MODEL;
const options = { num_predict: 8, temperature: 0, seed: 1 };
const messages = [{ role: 'user', content: 'Once upon a time' }];
const out = {};

out.list = (await client.list()).models.map((m) => ({ name: m.name, size: m.size, format: m.details.format }));

const show = await client.show({ model });
out.show = { template: show.template, parameters: show.parameters, system: show.system, license: show.license,
  modelfile: show.modelfile, format: show.details.format, family: show.details.family };

const chat = await client.chat({ model, messages, stream: false, options });
out.chat = { role: chat.message.role, content: chat.message.content, done: chat.done, eval_count: chat.eval_count,
  prompt_eval_count: chat.prompt_eval_count };

let text = '';
let chunks = 0;
let last;
for await (const part of await client.chat({ model, messages, stream: true, options })) {
  text += part.message.content;
  chunks += part.done ? 0 : 1;
  last = part;
}
out.chatStream = { content: text, chunks, done: last.done, eval_count: last.eval_count };

console.log(JSON.stringify(out));
