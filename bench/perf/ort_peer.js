// ort_peer.js - ONNX Runtime (CPU) as a benchmark-time peer for make bench.
//
//   node ort_peer.js MODEL.onnx THREADS RUNS WARMUP [MIN_S]
//
// Feeds the same kind of seeded inputs edgebench uses (floats in [-1, 1),
// integers in [0, 10)), times each session.run() alone with the monotonic
// clock (at least RUNS runs and, with MIN_S, at least MIN_S seconds of
// them, as edgebench's -n and --min-time), and prints one JSON line: {"model", "threads", "median_ms", "n"}.
// Never a dependency of edgebench itself: `make bench` installs
// onnxruntime-node into build/ort.
'use strict';
const ort = require('onnxruntime-node');

function lcg(seed) {
  let s = BigInt(seed) || 1n;
  return () => {
    s = (s * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    return Number(s >> 11n) / 9007199254740992;
  };
}

function makeInput(meta, dims, rnd) {
  const n = dims.reduce((a, b) => a * b, 1);
  if (meta.type === 'int64') {
    const a = new BigInt64Array(n);
    for (let i = 0; i < n; i++) a[i] = BigInt(Math.floor(rnd() * 10));
    return new ort.Tensor('int64', a, dims);
  }
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rnd() * 2 - 1;
  return new ort.Tensor('float32', a, dims);
}

async function main() {
  const [model, threads, runs, warmup, minS] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(threads), interOpNumThreads: 1,
    executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const rnd = lcg(1);
  const feeds = {};
  for (const meta of session.inputMetadata) {
    const dims = meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
    feeds[meta.name] = makeInput(meta, dims, rnd);
  }
  for (let i = 0; i < Number(warmup); i++) await session.run(feeds);
  const ms = [];
  const minMs = Number(minS || 0) * 1e3;
  for (let total = 0; ms.length < Number(runs) || total < minMs;) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    total += ms[ms.length - 1];
  }
  ms.sort((a, b) => a - b);
  console.log(JSON.stringify({ model, threads: Number(threads), median_ms: ms[ms.length >> 1], n: ms.length }));
}

main().catch((e) => { console.error(`ort_peer: ${e.message}`); process.exit(2); });
