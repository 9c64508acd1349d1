// ort_agree.js - runs one ONNX file in ONNX Runtime (CPU) on raw float32
// inputs and writes the raw float32 output, for make bench's agreement
// check of an exported model (bench_e2e.sh compares it with edgebench).
//
//   node ort_agree.js MODEL.onnx INPUT.f32 DIMS(comma-separated) OUTPUT.f32
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [model, input, dims, output] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  const buf = fs.readFileSync(input);
  const x = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, dims.split(',').map(Number)) };
  const out = await session.run(feeds);
  const y = out[session.outputNames[0]].data;
  fs.writeFileSync(output, Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

main().catch((e) => { console.error(`ort_agree: ${e.message}`); process.exit(2); });
