// Drives Bastion's MCP gateway with the official TypeScript SDK client; prints one JSON summary on stdout.
// Usage: node sdk-client.mjs http URL KEY | node sdk-client.mjs stdio COMMAND ARGS... (BASTION_API_KEY in the env)
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [mode, ...rest] = process.argv.slice(2);
const transport = mode === "http"
  ? new StreamableHTTPClientTransport(new URL(rest[0]), { requestInit: { headers: { Authorization: `Bearer ${rest[1]}` } } })
  : new StdioClientTransport({ command: rest[0], args: rest.slice(1), env: process.env, stderr: "inherit" });
const client = new Client({ name: "bastion-sdk-test", version: "1.0.0" });
const summary = {};
const errorOf = (e) => ({ code: e.code ?? null, message: String(e.message ?? e) });

await client.connect(transport);
summary.server = client.getServerVersion();
summary.protocolVersion = transport.protocolVersion ?? null;
summary.tools = (await client.listTools()).tools.map((t) => t.name).sort();
const wanted = process.env.CALL_TOOL;
if (wanted) {
  const result = await client.callTool({ name: wanted, arguments: { text: "from-sdk" } });
  summary.call = { isError: result.isError ?? false, text: result.content.map((c) => c.text).join("\n") };
}
try {
  await client.callTool({ name: "FILES__read", arguments: {} });
  summary.trick = { error: null };
} catch (e) {
  summary.trick = errorOf(e);
}
if (process.env.SLOW_TOOL) {
  const controller = new AbortController();
  const progress = [];
  try {
    await client.callTool({ name: process.env.SLOW_TOOL, arguments: { id: "sdk-" + mode } }, undefined, {
      signal: controller.signal,
      onprogress: (p) => { progress.push(p); controller.abort("enough"); },
      timeout: 20000,
    });
    summary.cancel = { aborted: false };
  } catch (e) {
    summary.cancel = { aborted: controller.signal.aborted, ...errorOf(e) };
  }
  summary.progress = progress;
  // Let the cancellation notification reach the server before the client goes away.
  await new Promise((r) => setTimeout(r, 500));
}
await client.close();
console.log(JSON.stringify(summary));
