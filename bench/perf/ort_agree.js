// ort_agree.js - runs one ONNX file in ONNX Runtime (CPU) on raw float32
// inputs and writes the raw float32 output, for make bench's agreement
// check of an exported model (bench_e2e.sh compares it with edgebench).
//
//   node ort_agree.js MODEL.onnx INPUT.f32 DIMS(comma-separated) OUTPUT.f32
//
// DIMS prefixed with "int64:" reads INPUT as raw int64 instead (token ids,
// bench_sweep.sh).
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [model, input, dims, output] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  const buf = fs.readFileSync(input);
  const i64 = dims.startsWith('int64:');
  const shape = dims.replace(/^int64:/, '').split(',').map(Number);
  const x = i64 ? new BigInt64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length))
    : new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const feeds = { [session.inputNames[0]]: new ort.Tensor(i64 ? 'int64' : 'float32', x, shape) };
  const out = await session.run(feeds);
  const y = out[session.outputNames[0]].data;
  fs.writeFileSync(output, Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

main().catch((e) => { console.error(`ort_agree: ${e.message}`); process.exit(2); });
