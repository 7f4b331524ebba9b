// Drives Bastion with the official openai client, the API key passed as its apiKey. Env: BASE_URL, MODEL,
// BASTION_API_KEY, BASTION_WRONG_KEY. Prints one JSON object.
import OpenAI from 'openai';
import { recordingFetch, unrefused } from './refusals.mjs';

const baseURL = `${process.env.BASE_URL}/v1`;
const client = new OpenAI({ baseURL, apiKey: process.env.BASTION_API_KEY, maxRetries: 0, fetch: recordingFetch });
const model = process.env.MODEL;
const params = { model, max_tokens: 5, temperature: 0, seed: 1 };
const messages = [{ role: 'user', content: 'hello there' }];
const out = {};

// What the client surfaces for a refused call: its error class, the HTTP status and the server's error object.
async function failure(call) {
  try {
    return await unrefused(await call());
  } catch (e) {
    return { class: e.constructor.name, status: e.status, message: e.error?.message, type: e.error?.type,
      code: e.code, request_id: e.requestID };
  }
}

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

// the Responses API, whole (output_text is the SDK's own join of the output) and streamed event by event
const response = await client.responses.create({ model, input: 'hello there', instructions: 'Be terse.', max_output_tokens: 5,
  temperature: 0 });
out.response = { id: response.id, status: response.status, output_text: response.output_text, usage: response.usage };
const responseEvents = [];
let responseText = '';
let responseCompleted = null;
for await (const event of await client.responses.create({ model, input: 'hello there', instructions: 'Be terse.',
  max_output_tokens: 5, temperature: 0, stream: true })) {
  responseEvents.push(event.type);
  if (event.type === 'response.output_text.delta') responseText += event.delta;
  if (event.type === 'response.completed') responseCompleted = event.response;
}
out.responseStream = { events: responseEvents, text: responseText, output_text: responseCompleted?.output_text,
  usage: responseCompleted?.usage };

out.unknownModel = await failure(() => client.chat.completions.create({ ...params, model: 'no-such-model', messages }));

// The client will not start without some apiKey; omitting the header is its documented way to send none.
const noKey = new OpenAI({ baseURL, apiKey: 'unused', defaultHeaders: { Authorization: null }, maxRetries: 0,
  fetch: recordingFetch });
out.noKey = await failure(() => noKey.models.list());
const wrongKey = new OpenAI({ baseURL, apiKey: process.env.BASTION_WRONG_KEY, maxRetries: 0, fetch: recordingFetch });
out.wrongKey = await failure(() => wrongKey.chat.completions.create({ ...params, messages, stream: true }));

console.log(JSON.stringify(out));
