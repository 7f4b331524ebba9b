// A deliberately badly behaved MCP server over stdio, for UpstreamSourceTest: it writes noise to stdout and stderr,
// never answers "hang", answers "garbage" with a malformed result, offers a tool whose name Bastion must skip, records
// the notifications/cancelled it receives (tool "cancelled" returns them), and announces a new tool on request.
import { createInterface } from "node:readline";

const cancelled = [];
let extraTool = false;
const send = (message) => process.stdout.write(JSON.stringify(message) + "\n");
const text = (value) => ({ content: [{ type: "text", text: value }] });
const tool = (name) => ({ name, description: name, inputSchema: { type: "object" } });

process.stdout.write("peer starting: this line is not JSON-RPC\n");
process.stderr.write("some diagnostics on stderr\n");

createInterface({ input: process.stdin }).on("line", (line) => {
  const message = JSON.parse(line);
  const { id, method, params } = message;
  if (method === "notifications/cancelled") {
    cancelled.push(params.requestId);
    return;
  }
  if (id === undefined) return;
  if (method === "initialize") {
    send({ jsonrpc: "2.0", id, result: {
      protocolVersion: params.protocolVersion,
      capabilities: { tools: { listChanged: true } },
      serverInfo: { name: "misbehaving-peer", version: "1.0.0" } } });
  } else if (method === "tools/list") {
    const tools = ["echo", "hang", "garbage", "cancelled", "add-tool", "bad name!", "x".repeat(200)].map(tool);
    if (extraTool) tools.push(tool("added"));
    send({ jsonrpc: "2.0", id, result: { tools } });
  } else if (method === "tools/call") {
    const name = params.name;
    if (name === "hang") return;
    if (name === "garbage") {
      process.stdout.write("{\"jsonrpc\": \"2.0\", \"id\": " + id + ", \"result\": {broken\n");
      send({ jsonrpc: "2.0", id, result: { content: "not a list of blocks", isError: "maybe" } });
      return;
    }
    if (name === "cancelled") return send({ jsonrpc: "2.0", id, result: text(JSON.stringify(cancelled)) });
    if (name === "add-tool") {
      extraTool = true;
      send({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
      return send({ jsonrpc: "2.0", id, result: text("added") });
    }
    process.stdout.write("noise before the answer\n");
    send({ jsonrpc: "2.0", id, result: text("echo: " + (params.arguments?.message ?? "")) });
  } else if (method === "ping") {
    send({ jsonrpc: "2.0", id, result: {} });
  } else {
    send({ jsonrpc: "2.0", id, error: { code: -32601, message: "method not found" } });
  }
});
