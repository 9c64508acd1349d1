/* onnx_export.h - eb_graph -> ONNX ModelProto file (--save-model).
 *
 * The inverse of onnx_import.c, for graphs the transforms compressed: the
 * file is a plain ONNX model that any runtime loads.  Compressed constants
 * and quantized nodes are lowered to standard ops (QDQ):
 *   - EB_STORAGE_QUANT weight -> int8/uint8/int4 initializer + scale and
 *     zero point initializers + DequantizeLinear (axis; block_size for
 *     groups) producing the float weight under its original name;
 *   - EB_STORAGE_F16 -> float16 initializer + Cast(to=FLOAT);
 *   - CSR and N:M -> the dense float initializer: ONNX has no sparse
 *     weight op that runtimes run, so sparsity is kept as zeros only;
 *   - a node with eb_node_quant STATIC -> QuantizeLinear/DequantizeLinear
 *     (u8, in_scale/in_zero) on its activation input, and with `requant`
 *     a second pair (out_scale/out_zero) on its output; DYNAMIC ->
 *     DynamicQuantizeLinear -> DequantizeLinear on its activation input.
 * Folded nodes are not written: their outputs become initializers.  The
 * default-domain opset is kept unless the lowering needs a newer one
 * (per-axis DequantizeLinear: 13; int4 or block_size: 21); raising it over
 * an op whose signature changed in between is refused (EB_EUNSUPPORTED).
 * Graph inputs keep their names, dtypes and shapes, symbolic dims included. */
#ifndef EB_ONNX_EXPORT_H
#define EB_ONNX_EXPORT_H

#include "models/graph.h"

/* Writes g to `path`: to a new temporary file in the same folder (created
 * with O_EXCL, so no symlink is followed), then renamed over path.  g must
 * have been through eb_graph_infer_shapes (dtypes of outputs, folding).
 * EB_EIO / EB_ENOMEM / EB_EUNSUPPORTED with a message naming path. */
eb_status eb_graph_save(const eb_graph *g, const char *path, eb_err *err);

#endif
