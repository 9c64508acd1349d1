/* inputs.c - seeded random inputs (xorshift64*, platform independent). */
#include "bench/inputs.h"

#include <stdio.h>
#include <string.h>

#include "models/onnx_tensor.h"

static uint64_t next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1Dull;
}

eb_status eb_inputs_random(const eb_graph *g, uint64_t seed, eb_tensor *in, eb_err *err)
{
    memset(in, 0, (size_t)g->n_inputs * sizeof *in);
    for (int i = 0; i < g->n_inputs; i++) {
        const eb_value *v = &g->values[g->inputs[i]];
        uint64_t s = seed * 0x9E3779B97F4A7C15ull + (uint64_t)i + 1; /* each input its own stream */
        eb_tensor_copy_meta(&in[i], &v->t);
        eb_status st = eb_tensor_alloc(&in[i], v->name, err);
        if (st != EB_OK) {
            eb_inputs_free(in, i);
            return st;
        }
        int64_t n = eb_tensor_numel(&in[i]);
        for (int64_t k = 0; k < n; k++) {
            uint64_t r = next(&s);
            if (eb_dtypes[v->t.dtype].is_float)
                eb_dtype_set_f64(v->t.dtype, in[i].data, k, (double)(r >> 11) * (2.0 / 9007199254740992.0) - 1.0);
            else if (v->t.dtype == EB_DT_BOOL)
                eb_dtype_set_i64(v->t.dtype, in[i].data, k, (int64_t)(r >> 63));
            else
                eb_dtype_set_i64(v->t.dtype, in[i].data, k, (int64_t)((r >> 32) % 10));
        }
    }
    return EB_OK;
}

void eb_inputs_free(eb_tensor *in, int n)
{
    for (int i = 0; i < n; i++)
        eb_tensor_free_data(&in[i]);
}

eb_status eb_inputs_load_files(const eb_graph *g, const char *dir, eb_tensor *in, eb_err *err)
{
    memset(in, 0, (size_t)g->n_inputs * sizeof *in);
    for (int i = 0; i < g->n_inputs; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/input_%d.pb", dir, i);
        eb_status st = eb_tensor_load_pb(path, &in[i], NULL, err);
        const eb_tensor *want = &g->values[g->inputs[i]].t;
        if (st == EB_OK && (in[i].dtype != want->dtype || !eb_tensor_same_shape(&in[i], want))) {
            char a[128], b[128];
            st = eb_errf(err, EB_EINVAL, "%s: %s, but input '%s' is %s", path, eb_tensor_describe(&in[i], a, sizeof a),
                         g->values[g->inputs[i]].name, eb_tensor_describe(want, b, sizeof b));
            i++; /* free this one too */
        }
        if (st != EB_OK) {
            eb_inputs_free(in, i);
            return st;
        }
    }
    return EB_OK;
}

eb_status eb_inputs_bind_files(eb_graph *g, const char *dir, eb_err *err)
{
    for (int i = 0; i < g->n_inputs; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/input_%d.pb", dir, i);
        eb_tensor t = {0};
        eb_status st = eb_tensor_load_pb(path, &t, NULL, err);
        if (st == EB_OK)
            st = eb_graph_bind_input(g, i, &t, false, err);
        eb_tensor_free_data(&t);
        if (st != EB_OK)
            return st;
    }
    return EB_OK;
}

