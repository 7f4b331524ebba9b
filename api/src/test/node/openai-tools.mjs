// The openai client's tool-calling flow against Bastion, as OpenAI's function-calling guide runs it: the model calls
// get_weather, the script runs it and answers with a tool message by tool_call_id; streamed, the deltas are
// accumulated by index, and by the SDK's own stream helper. Env: BASE_URL, MODEL, BASTION_API_KEY. Prints one JSON object.
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: `${process.env.BASE_URL}/v1`, apiKey: process.env.BASTION_API_KEY, maxRetries: 0 });
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
const first = await client.chat.completions.create({ model, messages, tools });
const message = first.choices[0].message;
out.first = { finish_reason: first.choices[0].finish_reason, content: message.content, tool_calls: message.tool_calls };
messages.push(message);
for (const call of message.tool_calls) {
  messages.push({ role: 'tool', tool_call_id: call.id, content: weather(JSON.parse(call.function.arguments)) });
}
const answer = await client.chat.completions.create({ model, messages, tools });
out.answer = { finish_reason: answer.choices[0].finish_reason, content: answer.choices[0].message.content };

const calls = [];
let finish = null;
const stream = await client.chat.completions.create({ model, messages: messages.slice(0, 1), tools, stream: true });
for await (const chunk of stream) {
  const choice = chunk.choices[0];
  if (!choice) continue;
  for (const d of choice.delta.tool_calls ?? []) {
    calls[d.index] ??= { id: d.id, name: '', arguments: '' };
    calls[d.index].name += d.function?.name ?? '';
    calls[d.index].arguments += d.function?.arguments ?? '';
  }
  finish = choice.finish_reason ?? finish;
}
out.streamed = { finish_reason: finish, calls };

const helper = await client.chat.completions.stream({ model, messages: messages.slice(0, 1), tools }).finalChatCompletion();
out.helper = { finish_reason: helper.choices[0].finish_reason, tool_calls: helper.choices[0].message.tool_calls };

console.log(JSON.stringify(out));
