/* inputs.h - input tensors for a run: deterministic seeded random data
 * matching each graph input's dtype and shape. */
#ifndef EB_INPUTS_H
#define EB_INPUTS_H

#include <stdint.h>

#include "models/graph.h"

/* Allocates and fills in[0..g->n_inputs) from `seed`: floats uniform in
 * [-1, 1), integers in [0, 10) (valid ids for any vocabulary or class
 * count of ten or more), bools 0/1.  The same seed gives the same data on
 * every machine.  Free with eb_inputs_free. */
eb_status eb_inputs_random(const eb_graph *g, uint64_t seed, eb_tensor *in, eb_err *err);
void eb_inputs_free(eb_tensor *in, int n);

/* --inputs DIR: fixes the graph's input shapes from DIR/input_N.pb before
 * shape inference (so symbolic dims take the files' sizes); fails when a
 * file is missing or its dtype or rank does not fit the input. */
eb_status eb_inputs_bind_files(eb_graph *g, const char *dir, eb_err *err);
/* Loads DIR/input_N.pb into in[0..g->n_inputs), checking dtype and shape
 * against the inferred graph.  Free with eb_inputs_free. */
eb_status eb_inputs_load_files(const eb_graph *g, const char *dir, eb_tensor *in, eb_err *err);

#endif
