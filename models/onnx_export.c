/* onnx_export.c - eb_graph -> ONNX ModelProto, with compressed constants and
 * quantized nodes lowered to QDQ (what and why: onnx_export.h).
 *
 * The protobuf structs are filled in memory and packed by the protobuf-c
 * code generated from onnx/onnx.proto; every string and array they point
 * to is either the graph's own (read-only) or allocated from a pool freed
 * in one go at the end. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "models/onnx_export.h"
#include "models/storage.h"
#include "onnx/onnx.pb-c.h"

enum { ONNX_FLOAT = 1, ONNX_UINT8 = 2, ONNX_INT64 = 7, ONNX_FLOAT16 = 10 };

typedef struct exporter {
    const eb_graph *g;
    const char *path;
    eb_err *err;
    void **pool;
    size_t n_pool, cap_pool;
    Onnx__NodeProto **nodes;
    size_t n_nodes, cap_nodes;
    Onnx__TensorProto **inits;
    size_t n_inits, cap_inits;
    int need_opset; /* what the lowering needs of the default domain */
    int n_fresh;    /* counter for generated names */
    char **made;    /* the names generated so far (in pool) */
    size_t n_made, cap_made;
} exporter;

static void *palloc(exporter *ex, size_t n)
{
    if (ex->n_pool == ex->cap_pool) {
        size_t cap = ex->cap_pool ? 2 * ex->cap_pool : 256;
        void **p = realloc(ex->pool, cap * sizeof *p);
        if (!p)
            return NULL;
        ex->pool = p;
        ex->cap_pool = cap;
    }
    void *m = calloc(1, n ? n : 1);
    if (m)
        ex->pool[ex->n_pool++] = m;
    return m;
}

static eb_status oom(exporter *ex)
{
    return eb_errf(ex->err, EB_ENOMEM, "%s: out of memory while exporting", ex->path);
}

static bool name_taken(const exporter *ex, const char *s)
{
    if (eb_graph_find_value(ex->g, s) >= 0)
        return true;
    for (size_t i = 0; i < ex->n_made; i++)
        if (strcmp(ex->made[i], s) == 0)
            return true;
    return false;
}

/* A name no value of the graph and no name generated before has
 * ("<base>_<tag>", numbered on a clash): a value two quantized layers
 * read gets a Q/DQ pair, and names, for each. */
static char *fresh_name(exporter *ex, const char *base, const char *tag)
{
    size_t len = strlen(base) + strlen(tag) + 24;
    char *s = palloc(ex, len);
    if (!s)
        return NULL;
    snprintf(s, len, "%s_%s", base, tag);
    while (name_taken(ex, s))
        snprintf(s, len, "%s_%s%d", base, tag, ++ex->n_fresh);
    if (ex->n_made == ex->cap_made) {
        size_t cap = ex->cap_made ? 2 * ex->cap_made : 64;
        char **m = realloc(ex->made, cap * sizeof *m);
        if (!m)
            return NULL;
        ex->made = m;
        ex->cap_made = cap;
    }
    ex->made[ex->n_made++] = s;
    return s;
}

static eb_status push_node(exporter *ex, Onnx__NodeProto *np)
{
    if (ex->n_nodes == ex->cap_nodes) {
        size_t cap = ex->cap_nodes ? 2 * ex->cap_nodes : 64;
        Onnx__NodeProto **p = realloc(ex->nodes, cap * sizeof *p);
        if (!p)
            return oom(ex);
        ex->nodes = p;
        ex->cap_nodes = cap;
    }
    ex->nodes[ex->n_nodes++] = np;
    return EB_OK;
}

/* An initializer named `name` of ONNX type `onnx_type`, dims, raw bytes
 * (borrowed: they must outlive the pack). */
static eb_status push_init(exporter *ex, const char *name, int onnx_type, int rank, const int64_t *dims,
                           const void *data, size_t nbytes)
{
    Onnx__TensorProto *tp = palloc(ex, sizeof *tp);
    int64_t *d = palloc(ex, (size_t)(rank + 1) * sizeof *d);
    if (!tp || !d)
        return oom(ex);
    onnx__tensor_proto__init(tp);
    for (int i = 0; i < rank; i++)
        d[i] = dims[i];
    tp->n_dims = (size_t)rank;
    tp->dims = d;
    tp->has_data_type = 1;
    tp->data_type = onnx_type;
    tp->name = (char *)name;
    tp->has_raw_data = 1;
    tp->raw_data.len = nbytes;
    tp->raw_data.data = (uint8_t *)data;
    if (ex->n_inits == ex->cap_inits) {
        size_t cap = ex->cap_inits ? 2 * ex->cap_inits : 64;
        Onnx__TensorProto **p = realloc(ex->inits, cap * sizeof *p);
        if (!p)
            return oom(ex);
        ex->inits = p;
        ex->cap_inits = cap;
    }
    ex->inits[ex->n_inits++] = tp;
    return EB_OK;
}

static Onnx__AttributeProto *attr_int(exporter *ex, const char *name, int64_t v)
{
    Onnx__AttributeProto *a = palloc(ex, sizeof *a);
    if (!a)
        return NULL;
    onnx__attribute_proto__init(a);
    a->name = (char *)name;
    a->has_type = 1;
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    a->has_i = 1;
    a->i = v;
    return a;
}

/* A default-domain node op(ins) -> outs with up to two int attributes
 * (NULL names: none). */
static eb_status push_simple(exporter *ex, const char *op, int n_in, const char *const *ins, int n_out,
                             const char *const *outs, const char *a1, int64_t v1, const char *a2, int64_t v2)
{
    Onnx__NodeProto *np = palloc(ex, sizeof *np);
    char **in = palloc(ex, (size_t)(n_in + 1) * sizeof *in);
    char **out = palloc(ex, (size_t)(n_out + 1) * sizeof *out);
    Onnx__AttributeProto **at = palloc(ex, 3 * sizeof *at);
    if (!np || !in || !out || !at)
        return oom(ex);
    onnx__node_proto__init(np);
    np->op_type = (char *)op;
    np->name = fresh_name(ex, outs[0], op);
    if (!np->name)
        return oom(ex);
    for (int i = 0; i < n_in; i++)
        in[i] = (char *)ins[i];
    for (int i = 0; i < n_out; i++)
        out[i] = (char *)outs[i];
    np->n_input = (size_t)n_in;
    np->input = in;
    np->n_output = (size_t)n_out;
    np->output = out;
    if (a1 && !(at[np->n_attribute++] = attr_int(ex, a1, v1)))
        return oom(ex);
    if (a2 && !(at[np->n_attribute++] = attr_int(ex, a2, v2)))
        return oom(ex);
    np->attribute = at;
    return push_node(ex, np);
}

static void need(exporter *ex, int opset)
{
    if (opset > ex->need_opset)
        ex->need_opset = opset;
}

/* Quantized weight: stored integers + scales + zero points +
 * DequantizeLinear producing the f32 weight under v's name.  Groups that
 * run along several dims (a Conv weight's whole reduction) are written on
 * the view with those dims flattened, and a Reshape restores the shape. */
static eb_status lower_quant(exporter *ex, const eb_value *v)
{
    eb_tensor view = v->t; /* the tensor as the DequantizeLinear sees it */
    const eb_tensor *t = &view;
    const eb_storage_quant *q = &t->storage->u.quant;
    bool flat = q->group > 0 && q->group_dims > 1;
    if (flat) {
        int a = q->axis, gd = q->group_dims, r = 0;
        int64_t len = 1;
        for (int d = 0; d < v->t.rank; d++) {
            if (d < a || d >= a + gd)
                view.shape[r++] = v->t.shape[d];
            else if ((len *= v->t.shape[d]), d == a + gd - 1)
                view.shape[r++] = len;
        }
        view.rank = r;
    }
    int onnx_q = eb_dtypes[q->stored].onnx;
    int64_t numel = eb_tensor_numel(t);
    char *qn = fresh_name(ex, v->name, "quantized"), *sn = fresh_name(ex, v->name, "scale"),
         *zn = fresh_name(ex, v->name, "zero_point");
    if (!qn || !sn || !zn)
        return oom(ex);
    eb_status st = push_init(ex, qn, onnx_q, t->rank, t->shape, q->data, eb_dtype_nbytes(q->stored, numel));
    if (st != EB_OK)
        return st;
    /* zero points in the stored type; scales as they are */
    void *zp = palloc(ex, eb_dtype_nbytes(q->stored, q->n_scales) + 1);
    if (!zp)
        return oom(ex);
    for (int64_t i = 0; i < q->n_scales; i++) {
        if (q->stored == EB_DT_I4) {
            uint8_t nib = (uint8_t)(q->zero_point[i] & 0xF);
            ((uint8_t *)zp)[i / 2] |= (uint8_t)(i % 2 ? nib << 4 : nib);
        } else {
            eb_dtype_set_i64(q->stored, zp, i, q->zero_point[i]);
        }
    }
    int axis = q->axis < 0 && q->group ? t->rank - 1 : q->axis;
    int64_t sdims[EB_MAX_RANK];
    int srank;
    if (q->group) { /* laid out like the tensor with `axis` shrunk by group */
        srank = t->rank;
        memcpy(sdims, t->shape, sizeof sdims);
        sdims[axis] /= q->group;
        need(ex, 21);
    } else if (axis >= 0) {
        srank = 1;
        sdims[0] = q->n_scales;
        need(ex, 13);
    } else {
        srank = 0;
    }
    if (q->stored == EB_DT_I4)
        need(ex, 21);
    if ((st = push_init(ex, sn, ONNX_FLOAT, srank, sdims, q->scale, (size_t)q->n_scales * sizeof(float))) != EB_OK ||
        (st = push_init(ex, zn, onnx_q, srank, sdims, zp, eb_dtype_nbytes(q->stored, q->n_scales))) != EB_OK)
        return st;
    char *dq = flat ? fresh_name(ex, v->name, "dequantized") : v->name, *shp = flat ? fresh_name(ex, v->name, "shape") : NULL;
    if (!dq || (flat && !shp))
        return oom(ex);
    const char *ins[3] = {qn, sn, zn}, *outs[1] = {dq};
    st = push_simple(ex, "DequantizeLinear", 3, ins, 1, outs, axis >= 0 ? "axis" : NULL, axis,
                     q->group ? "block_size" : NULL, q->group);
    if (st != EB_OK || !flat)
        return st;
    int64_t rank = v->t.rank;
    if ((st = push_init(ex, shp, ONNX_INT64, 1, &rank, v->t.shape, (size_t)rank * sizeof(int64_t))) != EB_OK)
        return st;
    const char *rin[2] = {dq, shp}, *rout[1] = {v->name};
    return push_simple(ex, "Reshape", 2, rin, 1, rout, NULL, 0, NULL, 0);
}

/* One constant value: an initializer, lowered when it is compressed. */
static eb_status export_const(exporter *ex, const eb_value *v)
{
    const eb_tensor *t = &v->t;
    eb_storage_kind kind = eb_tensor_storage_kind(t);
    int onnx = eb_dtypes[t->dtype].onnx;
    if (onnx < 0)
        return eb_errf(ex->err, EB_EUNSUPPORTED, "%s: constant '%s' has dtype %s, which ONNX lacks", ex->path, v->name,
                       eb_dtype_name(t->dtype));
    int64_t numel = eb_tensor_numel(t);
    switch (kind) {
    case EB_STORAGE_DENSE:
        return push_init(ex, v->name, onnx, t->rank, t->shape, t->data, eb_tensor_nbytes(t));
    case EB_STORAGE_QUANT:
        return lower_quant(ex, v);
    case EB_STORAGE_F16: {
        char *hn = fresh_name(ex, v->name, "f16");
        if (!hn)
            return oom(ex);
        eb_status st = push_init(ex, hn, ONNX_FLOAT16, t->rank, t->shape, t->storage->u.f16.data,
                                 (size_t)numel * sizeof(uint16_t));
        const char *ins[1] = {hn}, *outs[1] = {v->name};
        return st != EB_OK ? st : push_simple(ex, "Cast", 1, ins, 1, outs, "to", ONNX_FLOAT, NULL, 0);
    }
    default: { /* CSR, N:M: dense floats, the pruned weights as zeros */
        float *d = palloc(ex, (size_t)numel * sizeof *d);
        if (!d)
            return oom(ex);
        eb_status st = eb_storage_to_dense(t, d, ex->err);
        if (st != EB_OK)
            return st;
        return push_init(ex, v->name, ONNX_FLOAT, t->rank, t->shape, d, (size_t)numel * sizeof *d);
    }
    }
}

/* u8 scalar zero point and f32 scalar scale initializers. */
static eb_status qparams(exporter *ex, const char *base, const char *tag, float scale, int32_t zero, char **sn,
                         char **zn)
{
    char tg[64];
    snprintf(tg, sizeof tg, "%s_scale", tag);
    *sn = fresh_name(ex, base, tg);
    snprintf(tg, sizeof tg, "%s_zero_point", tag);
    *zn = fresh_name(ex, base, tg);
    float *s = palloc(ex, sizeof *s);
    uint8_t *z = palloc(ex, 1);
    if (!*sn || !*zn || !s || !z)
        return oom(ex);
    *s = scale;
    *z = (uint8_t)zero;
    eb_status st = push_init(ex, *sn, ONNX_FLOAT, 0, NULL, s, sizeof *s);
    return st != EB_OK ? st : push_init(ex, *zn, ONNX_UINT8, 0, NULL, z, 1);
}

/* Q -> DQ of `x` with the given grid; *y is the dequantized name. */
static eb_status qdq(exporter *ex, const char *x, const char *tag, float scale, int32_t zero, char **y)
{
    char *sn, *zn;
    eb_status st = qparams(ex, x, tag, scale, zero, &sn, &zn);
    if (st != EB_OK)
        return st;
    char tq[64], tdq[64];
    snprintf(tq, sizeof tq, "%s_q", tag);
    snprintf(tdq, sizeof tdq, "%s_dq", tag);
    char *qn = fresh_name(ex, x, tq);
    *y = fresh_name(ex, x, tdq);
    if (!qn || !*y)
        return oom(ex);
    const char *i1[3] = {x, sn, zn}, *o1[1] = {qn}, *i2[3] = {qn, sn, zn}, *o2[1] = {*y};
    need(ex, 10);
    if ((st = push_simple(ex, "QuantizeLinear", 3, i1, 1, o1, NULL, 0, NULL, 0)) != EB_OK)
        return st;
    return push_simple(ex, "DequantizeLinear", 3, i2, 1, o2, NULL, 0, NULL, 0);
}

static eb_status export_attr(exporter *ex, const eb_node *n, const eb_attr *a, Onnx__AttributeProto **out)
{
    Onnx__AttributeProto *ap = palloc(ex, sizeof *ap);
    if (!ap)
        return oom(ex);
    onnx__attribute_proto__init(ap);
    ap->name = a->name;
    ap->has_type = 1;
    switch (a->type) {
    case EB_ATTR_FLOAT:
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
        ap->has_f = 1;
        ap->f = a->f;
        break;
    case EB_ATTR_INT:
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
        ap->has_i = 1;
        ap->i = a->i;
        break;
    case EB_ATTR_STRING:
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
        ap->has_s = 1;
        ap->s.data = (uint8_t *)a->s;
        ap->s.len = strlen(a->s);
        break;
    case EB_ATTR_FLOATS:
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
        ap->n_floats = a->n;
        ap->floats = a->floats;
        break;
    case EB_ATTR_INTS:
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
        ap->n_ints = a->n;
        ap->ints = a->ints;
        break;
    case EB_ATTR_STRINGS: {
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS;
        ProtobufCBinaryData *s = palloc(ex, (a->n + 1) * sizeof *s);
        if (!s)
            return oom(ex);
        for (size_t i = 0; i < a->n; i++) {
            s[i].data = (uint8_t *)a->strings[i];
            s[i].len = strlen(a->strings[i]);
        }
        ap->n_strings = a->n;
        ap->strings = s;
        break;
    }
    case EB_ATTR_TENSOR: {
        if (a->t->storage || eb_dtypes[a->t->dtype].onnx < 0)
            return eb_errf(ex->err, EB_EUNSUPPORTED, "%s: node '%s': tensor attribute '%s' cannot be written", ex->path,
                           n->name, a->name);
        Onnx__TensorProto *tp = palloc(ex, sizeof *tp);
        int64_t *d = palloc(ex, (size_t)(a->t->rank + 1) * sizeof *d);
        if (!tp || !d)
            return oom(ex);
        onnx__tensor_proto__init(tp);
        for (int i = 0; i < a->t->rank; i++)
            d[i] = a->t->shape[i];
        tp->n_dims = (size_t)a->t->rank;
        tp->dims = d;
        tp->has_data_type = 1;
        tp->data_type = eb_dtypes[a->t->dtype].onnx;
        tp->has_raw_data = 1;
        tp->raw_data.len = eb_tensor_nbytes(a->t);
        tp->raw_data.data = a->t->data;
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
        ap->t = tp;
        break;
    }
    default:
        return eb_errf(ex->err, EB_EUNSUPPORTED, "%s: node '%s': attribute '%s' (a graph or an unsupported kind) cannot be written",
                       ex->path, n->name, a->name);
    }
    *out = ap;
    return EB_OK;
}

static const char *vname(const eb_graph *g, int idx)
{
    return idx < 0 ? "" : g->values[idx].name;
}

/* One node of the graph, with the QDQ of its eb_node_quant around it. */
static eb_status export_node(exporter *ex, const eb_node *n)
{
    const eb_graph *g = ex->g;
    Onnx__NodeProto *np = palloc(ex, sizeof *np);
    char **in = palloc(ex, (size_t)(n->n_in + 1) * sizeof *in);
    char **out = palloc(ex, (size_t)(n->n_out + 1) * sizeof *out);
    Onnx__AttributeProto **at = palloc(ex, (size_t)(n->n_attrs + 1) * sizeof *at);
    if (!np || !in || !out || !at)
        return oom(ex);
    onnx__node_proto__init(np);
    const char *colon = strrchr(n->op_type, ':');
    if (colon) {
        char *dom = palloc(ex, (size_t)(colon - n->op_type) + 1);
        if (!dom)
            return oom(ex);
        memcpy(dom, n->op_type, (size_t)(colon - n->op_type));
        np->domain = dom;
        np->op_type = (char *)colon + 1;
    } else {
        np->op_type = n->op_type;
    }
    np->name = n->name;
    for (int k = 0; k < n->n_in; k++)
        in[k] = (char *)vname(g, n->in[k]);
    for (int k = 0; k < n->n_out; k++)
        out[k] = (char *)vname(g, n->out[k]);
    np->n_input = (size_t)n->n_in;
    np->input = in;
    np->n_output = (size_t)n->n_out;
    np->output = out;
    for (int k = 0; k < n->n_attrs; k++) {
        eb_status st = export_attr(ex, n, &n->attrs[k], &at[k]);
        if (st != EB_OK)
            return st;
    }
    np->n_attribute = (size_t)n->n_attrs;
    np->attribute = at;

    const eb_node_quant *nq = n->quant;
    eb_status st;
    if (nq && nq->act != EB_ACT_FLOAT && n->n_in > 0 && n->in[0] >= 0) {
        const char *x = in[0];
        char *y;
        if (nq->act == EB_ACT_STATIC) {
            if ((st = qdq(ex, x, "in", nq->in_scale, nq->in_zero, &y)) != EB_OK)
                return st;
        } else {
            char *qn = fresh_name(ex, x, "dyn_q"), *sn = fresh_name(ex, x, "dyn_scale"),
                 *zn = fresh_name(ex, x, "dyn_zero_point");
            y = fresh_name(ex, x, "dyn_dq");
            if (!qn || !sn || !zn || !y)
                return oom(ex);
            const char *i1[1] = {x}, *o1[3] = {qn, sn, zn}, *i2[3] = {qn, sn, zn}, *o2[1] = {y};
            need(ex, 11);
            if ((st = push_simple(ex, "DynamicQuantizeLinear", 1, i1, 3, o1, NULL, 0, NULL, 0)) != EB_OK ||
                (st = push_simple(ex, "DequantizeLinear", 3, i2, 1, o2, NULL, 0, NULL, 0)) != EB_OK)
                return st;
        }
        in[0] = y;
    }
    if (nq && nq->act == EB_ACT_STATIC && nq->requant && n->n_out > 0 && n->out[0] >= 0) {
        /* the node writes a fresh name; Q -> DQ gives back the original */
        const char *orig = out[0];
        if (!(out[0] = fresh_name(ex, orig, "float")))
            return oom(ex);
        if ((st = push_node(ex, np)) != EB_OK)
            return st;
        char *sn, *zn;
        if ((st = qparams(ex, orig, "out", nq->out_scale, nq->out_zero, &sn, &zn)) != EB_OK)
            return st;
        char *qn = fresh_name(ex, orig, "out_q");
        if (!qn)
            return oom(ex);
        const char *i1[3] = {out[0], sn, zn}, *o1[1] = {qn}, *i2[3] = {qn, sn, zn}, *o2[1] = {orig};
        if ((st = push_simple(ex, "QuantizeLinear", 3, i1, 1, o1, NULL, 0, NULL, 0)) != EB_OK)
            return st;
        return push_simple(ex, "DequantizeLinear", 3, i2, 1, o2, NULL, 0, NULL, 0);
    }
    return push_node(ex, np);
}

/* with_dims false: the rank only, every dim unknown (outputs, whose
 * inferred dims hold the batch bound at load time) */
static Onnx__ValueInfoProto *value_info(exporter *ex, const eb_value *v, bool with_dims)
{
    Onnx__ValueInfoProto *vi = palloc(ex, sizeof *vi);
    Onnx__TypeProto *tp = palloc(ex, sizeof *tp);
    Onnx__TypeProto__Tensor *tt = palloc(ex, sizeof *tt);
    if (!vi || !tp || !tt)
        return NULL;
    onnx__value_info_proto__init(vi);
    onnx__type_proto__init(tp);
    onnx__type_proto__tensor__init(tt);
    vi->name = v->name;
    vi->type = tp;
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    tt->has_elem_type = 1;
    tt->elem_type = eb_dtypes[v->t.dtype].onnx;
    if (v->t.rank >= 0) {
        Onnx__TensorShapeProto *sp = palloc(ex, sizeof *sp);
        Onnx__TensorShapeProto__Dimension **dims = palloc(ex, (size_t)(v->t.rank + 1) * sizeof *dims);
        if (!sp || !dims)
            return NULL;
        onnx__tensor_shape_proto__init(sp);
        for (int d = 0; d < v->t.rank; d++) {
            Onnx__TensorShapeProto__Dimension *dm = palloc(ex, sizeof *dm);
            if (!dm)
                return NULL;
            onnx__tensor_shape_proto__dimension__init(dm);
            if (!with_dims) {
                dm->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE__NOT_SET;
            } else if (v->dim_param[d]) {
                dm->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
                dm->dim_param = v->dim_param[d];
            } else {
                dm->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
                dm->dim_value = v->t.shape[d];
            }
            dims[d] = dm;
        }
        sp->n_dim = (size_t)v->t.rank;
        sp->dim = dims;
        tt->shape = sp;
    }
    return vi;
}

/* Ops whose inputs or attributes changed meaning at opset `since`: a graph
 * written for an older opset cannot simply be relabelled past it. */
static const struct { const char *op; int since; } changed_ops[] = {
    {"Squeeze", 13},    {"Unsqueeze", 13},  {"Split", 13},      {"ReduceSum", 13},       {"ReduceMean", 18},
    {"ReduceMax", 18},  {"ReduceMin", 18},  {"ReduceProd", 18}, {"ReduceL1", 18},        {"ReduceL2", 18},
    {"ReduceLogSum", 18}, {"ReduceLogSumExp", 18}, {"ReduceSumSquare", 18}, {"Resize", 13}, {"Pad", 18},
};

static eb_status check_opset_raise(exporter *ex, int from, int to)
{
    for (int i = 0; i < ex->g->n_nodes; i++) {
        const eb_node *n = &ex->g->nodes[i];
        if (n->folded || strchr(n->op_type, ':'))
            continue;
        for (size_t k = 0; k < sizeof changed_ops / sizeof changed_ops[0]; k++)
            if (strcmp(n->op_type, changed_ops[k].op) == 0 && from < changed_ops[k].since && to >= changed_ops[k].since)
                return eb_errf(ex->err, EB_EUNSUPPORTED,
                               "%s: the quantized graph needs opset %d, but node '%s' (%s) is written for opset %d and its "
                               "signature changed at %d; not exported",
                               ex->path, to, n->name, n->op_type, from, changed_ops[k].since);
    }
    return EB_OK;
}

/* Writes the packed bytes to a fresh temporary file beside path, then
 * renames it over path. */
static eb_status write_atomic(const char *path, const uint8_t *buf, size_t len, eb_err *err)
{
    size_t plen = strlen(path) + 16;
    char *tmp = malloc(plen);
    if (!tmp)
        return eb_errf(err, EB_ENOMEM, "%s: out of memory", path);
    snprintf(tmp, plen, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp); /* O_CREAT | O_EXCL: never follows a planted link */
    if (fd < 0) {
        eb_status st = eb_errf(err, EB_EIO, "%s: cannot create a temporary file: %s", path, strerror(errno));
        free(tmp);
        return st;
    }
    size_t off = 0;
    int ok = fchmod(fd, 0644) == 0;
    while (ok && off < len) {
        ssize_t w = write(fd, buf + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        if (ok)
            off += (size_t)w;
    }
    int e = errno;
    if (close(fd) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
        e = errno;
    }
    if (!ok)
        unlink(tmp);
    free(tmp);
    return ok ? EB_OK : eb_errf(err, EB_EIO, "%s: cannot write: %s", path, strerror(e));
}

static eb_status build_and_write(exporter *ex)
{
    const eb_graph *g = ex->g;
    eb_status st;
    /* constants: initialisers and the outputs of folded nodes */
    for (int i = 0; i < g->n_values; i++) {
        const eb_value *v = &g->values[i];
        if (!v->is_const || v->is_input || (v->producer >= 0 && !g->nodes[v->producer].folded))
            continue;
        if (!v->t.data && !v->t.storage)
            continue; /* a folded value nothing computed (an unused output) */
        if ((st = export_const(ex, v)) != EB_OK)
            return st;
    }
    for (int i = 0; i < g->n_nodes; i++)
        if (!g->nodes[i].folded && (st = export_node(ex, &g->nodes[i])) != EB_OK)
            return st;

    int opset = (int)g->opset;
    if (ex->need_opset > opset) {
        if ((st = check_opset_raise(ex, opset, ex->need_opset)) != EB_OK)
            return st;
        opset = ex->need_opset;
    }
    /* the IR version each opset requires (onnx/helper.py's table) */
    int64_t ir = g->ir_version;
    int64_t ir_need = opset >= 21 ? 10 : opset >= 19 ? 9 : opset >= 15 ? 8 : opset >= 13 ? 7 : opset >= 12 ? 7 : 3;
    if (ir < ir_need)
        ir = ir_need;

    Onnx__GraphProto gp = ONNX__GRAPH_PROTO__INIT;
    gp.name = "edgebench";
    gp.n_node = ex->n_nodes;
    gp.node = ex->nodes;
    gp.n_initializer = ex->n_inits;
    gp.initializer = ex->inits;
    Onnx__ValueInfoProto **ins = palloc(ex, (size_t)(g->n_inputs + 1) * sizeof *ins);
    Onnx__ValueInfoProto **outs = palloc(ex, (size_t)(g->n_outputs + 1) * sizeof *outs);
    if (!ins || !outs)
        return oom(ex);
    for (int i = 0; i < g->n_inputs; i++)
        if (!(ins[i] = value_info(ex, &g->values[g->inputs[i]], true)))
            return oom(ex);
    /* outputs: dtype and rank; inferred dims hold the bound batch */
    for (int i = 0; i < g->n_outputs; i++)
        if (!(outs[i] = value_info(ex, &g->values[g->outputs[i]], false)))
            return oom(ex);
    gp.n_input = (size_t)g->n_inputs;
    if (ir < 4) { /* before IR 4 every initializer is also listed as an input */
        ins = palloc(ex, (size_t)g->n_inputs * sizeof *ins + (ex->n_inits + 1) * sizeof *ins);
        if (!ins)
            return oom(ex);
        for (int i = 0; i < g->n_inputs; i++)
            ins[i] = value_info(ex, &g->values[g->inputs[i]], true);
        for (size_t i = 0; i < ex->n_inits; i++) {
            const Onnx__TensorProto *tp = ex->inits[i];
            eb_value iv = {.name = tp->name, .t = {.dtype = eb_dtype_from_onnx(tp->data_type), .rank = (int)tp->n_dims}};
            for (size_t d = 0; d < tp->n_dims; d++)
                iv.t.shape[d] = tp->dims[d];
            Onnx__ValueInfoProto *vi = value_info(ex, &iv, true);
            if (!vi)
                return oom(ex);
            vi->type->tensor_type->elem_type = tp->data_type;
            ins[gp.n_input++] = vi;
        }
        for (int i = 0; i < g->n_inputs; i++)
            if (!ins[i])
                return oom(ex);
    }
    gp.input = ins;
    gp.n_output = (size_t)g->n_outputs;
    gp.output = outs;

    /* opset imports: the default domain, then each other domain a node uses */
    Onnx__OperatorSetIdProto **ops = palloc(ex, (size_t)(g->n_nodes + 2) * sizeof *ops);
    if (!ops)
        return oom(ex);
    size_t n_ops = 0;
    Onnx__OperatorSetIdProto *def = palloc(ex, sizeof *def);
    if (!def)
        return oom(ex);
    onnx__operator_set_id_proto__init(def);
    def->domain = "";
    def->has_version = 1;
    def->version = opset;
    ops[n_ops++] = def;
    for (size_t i = 0; i < ex->n_nodes; i++) {
        const char *dom = ex->nodes[i]->domain;
        if (!dom || !*dom)
            continue;
        bool seen = false;
        for (size_t k = 0; k < n_ops && !seen; k++)
            seen = strcmp(ops[k]->domain, dom) == 0;
        if (seen)
            continue;
        int ver = 1;
        for (int k = 0; k < g->n_nodes; k++) {
            const char *c = strrchr(g->nodes[k].op_type, ':');
            if (c && (size_t)(c - g->nodes[k].op_type) == strlen(dom) && strncmp(g->nodes[k].op_type, dom, strlen(dom)) == 0)
                ver = g->nodes[k].opset;
        }
        Onnx__OperatorSetIdProto *o = palloc(ex, sizeof *o);
        if (!o)
            return oom(ex);
        onnx__operator_set_id_proto__init(o);
        o->domain = (char *)dom;
        o->has_version = 1;
        o->version = ver;
        ops[n_ops++] = o;
    }

    Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
    m.has_ir_version = 1;
    m.ir_version = ir;
    m.producer_name = "edgebench";
    m.graph = &gp;
    m.n_opset_import = n_ops;
    m.opset_import = ops;
    size_t len = onnx__model_proto__get_packed_size(&m);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return oom(ex);
    onnx__model_proto__pack(&m, buf);
    st = write_atomic(ex->path, buf, len, ex->err);
    free(buf);
    return st;
}

eb_status eb_graph_save(const eb_graph *g, const char *path, eb_err *err)
{
    exporter ex = {.g = g, .path = path, .err = err};
    eb_status st = build_and_write(&ex);
    for (size_t i = 0; i < ex.n_pool; i++)
        free(ex.pool[i]);
    free(ex.pool);
    free(ex.made);
    free(ex.nodes);
    free(ex.inits);
    return st;
}
