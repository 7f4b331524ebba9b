// The ollama client's tool-calling flow against Bastion: the model calls get_weather (non-streamed and streamed), the
// script runs it and sends the result back; then a server-side tool (Bastion's "mcp" opt-in) streamed.
// Env: BASE_URL, MODEL, BASTION_API_KEY. Prints one JSON object.
import { Ollama } from 'ollama';

const client = new Ollama({ host: process.env.BASE_URL, headers: { Authorization: 'Bearer ' + process.env.BASTION_API_KEY } });
const model = process.env.MODEL;
const tools = [{
  type: 'function',
  function: {
    name: 'get_weather', description: 'The weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
}];
const weather = ({ city }) => `sunny in ${city}`;
const out = {};

const messages = [{ role: 'user', content: 'Weather in Paris?' }];
const first = await client.chat({ model, messages, tools, stream: false });
out.calls = first.message.tool_calls;
messages.push(first.message);
for (const call of first.message.tool_calls) {
  messages.push({ role: 'tool', content: weather(call.function.arguments), tool_name: call.function.name });
}
const answer = await client.chat({ model, messages, tools, stream: false });
out.answer = answer.message.content;

const streamedCalls = [];
let text = '';
for await (const part of await client.chat({ model, messages: messages.slice(0, 1), tools, stream: true })) {
  if (part.message.tool_calls) streamedCalls.push(...part.message.tool_calls);
  text += part.message.content;
}
out.streamed = { calls: streamedCalls, content: text };

const steps = [];
const serverSide = [{ type: 'mcp', mcp: { tools: ['files__*'] } }];
for await (const part of await client.chat({ model, messages: [{ role: 'user', content: 'Read my notes' }], tools: serverSide, stream: true })) {
  steps.push(part.message);
}
out.serverSide = steps;

console.log(JSON.stringify(out));
