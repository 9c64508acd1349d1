/* onnx_tensor.h - ONNX TensorProto <-> eb_tensor.
 *
 * Used by the importer for initialisers and tensor attributes, and by the
 * harness and tests for ONNX test-data files (input_0.pb, output_0.pb). */
#ifndef EB_ONNX_TENSOR_H
#define EB_ONNX_TENSOR_H

#include "models/tensor.h"
#include "onnx/onnx.pb-c.h"

/* Converts tp into t, copying its data into a fresh allocation the caller
 * frees with eb_tensor_free_data.  Checks that the declared dims match the
 * data held (raw_data, typed fields or external data) and that the size is
 * below memory.  External data is resolved against `dir` and refused when it
 * leaves that folder or when dir is NULL.  `what` names the tensor in
 * messages ("model.onnx: initializer 'w'"). */
eb_status eb_tensor_from_onnx(const Onnx__TensorProto *tp, const char *what, const char *dir, eb_tensor *t,
                              eb_err *err);

/* Reads a serialized TensorProto file.  *name (optional) receives a copy of
 * the tensor's name or NULL; the caller frees both. */
eb_status eb_tensor_load_pb(const char *path, eb_tensor *t, char **name, eb_err *err);

/* Writes t as a serialized TensorProto (raw_data) called `name`. */
eb_status eb_tensor_save_pb(const char *path, const eb_tensor *t, const char *name, eb_err *err);

/* Reads a whole file into a malloc'd buffer (*len bytes, then a NUL not
 * counted in *len, so a text file is also a string); refuses files larger
 * than memory.  Used for models, tensor files and result files. */
eb_status eb_read_file(const char *path, void **buf, size_t *len, eb_err *err);

#endif
