// Drives Bastion with the official openai client. Env: BASE_URL, MODEL. Prints one JSON object.
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: `${process.env.BASE_URL}/v1`, apiKey: 'not-needed', maxRetries: 0 });
const model = process.env.MODEL;
const params = { model, max_tokens: 5, temperature: 0, seed: 1 };
const messages = [{ role: 'user', content: 'hello there' }];
const out = {};

out.models = [];
for await (const m of client.models.list()) out.models.push(m.id);
out.model = (await client.models.retrieve(model)).id;

const chat = await client.chat.completions.create({ ...params, messages });
out.chat = { content: chat.choices[0].message.content, finish_reason: chat.choices[0].finish_reason, usage: chat.usage };

let text = '';
let usage = null;
let finish = null;
const stream = await client.chat.completions.create({ ...params, messages, stream: true, stream_options: { include_usage: true } });
for await (const chunk of stream) {
  if (chunk.choices.length > 0) {
    text += chunk.choices[0].delta.content ?? '';
    finish = chunk.choices[0].finish_reason ?? finish;
  }
  if (chunk.usage) usage = chunk.usage;
}
out.chatStream = { content: text, finish_reason: finish, usage };

const completion = await client.completions.create({ ...params, prompt: 'hello there' });
out.completion = { text: completion.choices[0].text, usage: completion.usage };

const emb = await client.embeddings.create({ model, input: ['first', 'second'] });
out.embeddings = { count: emb.data.length, dims: emb.data[0].embedding.length };

try {
  await client.chat.completions.create({ ...params, model: 'no-such-model', messages });
  out.unknownModel = { status: 'no error' };
} catch (e) {
  out.unknownModel = { status: e.status, message: e.error?.message, type: e.error?.type };
}

console.log(JSON.stringify(out));
