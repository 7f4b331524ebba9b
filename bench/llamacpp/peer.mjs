// llama.cpp as a benchmark peer: node-llama-cpp's prebuilt CPU build, driven by bin/bench's PeerBench over stdin and
// stdout, one JSON request per line and one JSON answer per line. Token ids go in directly (no tokenizer involved),
// so the peer runs exactly the work Bastion runs.
//   {"cmd":"load","model":"/path.gguf","threads":2,"context":1024,"batch":512}  -> {"ok":true,"ms":...}
//   {"cmd":"prefill","tokens":[...]}                 -> {"ok":true,"ms":...}   (a fresh sequence, timed)
//   {"cmd":"decode","prefix":[...],"tokens":[...]}   -> {"ok":true,"ms":...}   (prefix untimed, then one token per step)
//   {"cmd":"probs","tokens":[...],"top":N}           -> {"ok":true,"probs":[[[id,p],...] per position]}
//   {"cmd":"unload"}                                 -> {"ok":true}
import {getLlama, LlamaLogLevel} from "node-llama-cpp";
import readline from "node:readline";

const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
let model = null, context = null, sequence = null;

async function fresh() {
    await sequence.clearHistory();
}

async function handle(req) {
    switch (req.cmd) {
        case "load": {
            const start = performance.now();
            model = await llama.loadModel({modelPath: req.model, gpuLayers: 0, useMmap: true});
            context = await model.createContext({
                contextSize: req.context, batchSize: req.batch, threads: req.threads, flashAttention: false,
                sequences: 1,
            });
            sequence = context.getSequence();
            return {ok: true, ms: performance.now() - start};
        }
        case "prefill": {
            await fresh();
            const start = performance.now();
            await sequence.evaluateWithoutGeneratingNewTokens(req.tokens);
            return {ok: true, ms: performance.now() - start};
        }
        case "decode": {
            await fresh();
            await sequence.evaluateWithoutGeneratingNewTokens(req.prefix);
            const start = performance.now();
            for (const token of req.tokens) await sequence.evaluateWithoutGeneratingNewTokens([token]);
            return {ok: true, ms: performance.now() - start};
        }
        case "probs": {
            await fresh();
            const input = req.tokens.map(token => [token, {
                generateNext: {probabilities: true, options: {temperature: 1, topK: 0, topP: 1, minP: 0}},
            }]);
            const out = await sequence.controlledEvaluate(input);
            const probs = out.map(item => {
                const all = [...(item?.next?.probabilities ?? new Map()).entries()];
                all.sort((a, b) => b[1] - a[1]);
                return all.slice(0, req.top ?? 32);
            });
            return {ok: true, probs};
        }
        case "unload": {
            await context?.dispose();
            await model?.dispose();
            model = context = sequence = null;
            return {ok: true};
        }
        default:
            return {ok: false, error: "unknown command " + req.cmd};
    }
}

const lines = readline.createInterface({input: process.stdin});
for await (const line of lines) {
    if (!line.trim()) continue;
    let answer;
    try {
        answer = await handle(JSON.parse(line));
    } catch (e) {
        answer = {ok: false, error: String(e?.message ?? e)};
    }
    process.stdout.write(JSON.stringify(answer) + "\n");
}
await context?.dispose();
await model?.dispose();
