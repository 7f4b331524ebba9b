// Drives Bastion's /v1/messages with the official @anthropic-ai/sdk client, the Bastion API key passed as its apiKey
// (sent as x-api-key by older SDKs, as a bearer token by 1.x). Env: BASE_URL, MODEL, BASTION_API_KEY, BASTION_WRONG_KEY. Prints one JSON object.
import Anthropic from '@anthropic-ai/sdk';
import { recordingFetch, unrefused } from './refusals.mjs';

const client = new Anthropic({ baseURL: process.env.BASE_URL, apiKey: process.env.BASTION_API_KEY, maxRetries: 0,
  fetch: recordingFetch });
const model = process.env.MODEL;
const params = { model, max_tokens: 5, temperature: 0, system: 'You are terse.',
  messages: [{ role: 'user', content: 'hello there' }] };
const out = {};

async function failure(call) {
  try {
    return await unrefused(await call());
  } catch (e) {
    return { class: e.constructor.name, status: e.status, type: e.error?.error?.type, message: e.error?.error?.message };
  }
}

const message = await client.messages.create(params);
out.message = { id: message.id, type: message.type, role: message.role, model: message.model,
  content: message.content.map((b) => ({ type: b.type, text: b.text })), stop_reason: message.stop_reason,
  usage: message.usage };

// the raw event stream, as a tool reading it event by event sees it
const events = [];
let text = '';
const stream = await client.messages.create({ ...params, stream: true });
for await (const event of stream) {
  events.push(event.type);
  if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
}
out.stream = { events, text };

// the SDK's helper, which assembles the final message from the events
const helper = client.messages.stream(params);
const final = await helper.finalMessage();
out.helper = { text: final.content.filter((b) => b.type === 'text').map((b) => b.text).join(''), stop_reason: final.stop_reason,
  output_tokens: final.usage.output_tokens };

out.unknownModel = await failure(() => client.messages.create({ ...params, model: 'no-such-model' }));
out.wrongKey = await failure(() => new Anthropic({ baseURL: process.env.BASE_URL, apiKey: process.env.BASTION_WRONG_KEY,
  maxRetries: 0, fetch: recordingFetch }).messages.create({ ...params, stream: true }));
console.log(JSON.stringify(out));
