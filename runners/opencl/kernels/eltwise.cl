/* eltwise.cl - elementwise kernels of the OpenCL runner: binary ops with
 * numpy broadcasting (up to rank 8, by strides: a broadcast dim has stride
 * 0), comparisons and logical ops (bool out), unary activations and math,
 * Not, and Where.  A binary or unary op takes the unary op after it along
 * (Add+Relu, Mul+Sigmoid): one pass, the intermediate never written.  One work item per output
 * element.  The op codes are ocl_plan_eltwise.c's (keep them in step: the
 * tests compare every op with the reference kernels). */

/* Offsets of output element i in up to three operands, from the output's
 * dims and each operand's strides. */
inline void eb_offsets(int i, int rank, int8 dims, int8 s0, int8 s1, int8 s2, int *o0, int *o1, int *o2)
{
    int d[8], a[8], b[8], c[8];
    vstore8(dims, 0, d);
    vstore8(s0, 0, a);
    vstore8(s1, 0, b);
    vstore8(s2, 0, c);
    int r = i, x = 0, y = 0, z = 0;
    for (int k = rank - 1; k >= 0; k--) {
        int q = r % d[k];
        r /= d[k];
        x += q * a[k];
        y += q * b[k];
        z += q * c[k];
    }
    *o0 = x;
    *o1 = y;
    *o2 = z;
}

inline float eb_binop(int op, float a, float b)
{
    switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a / b;
    case 4: return pow(a, b);
    case 5: return isnan(a) || isnan(b) ? a + b : (a > b ? a : b); /* Max: NaN propagates */
    case 6: return isnan(a) || isnan(b) ? a + b : (a < b ? a : b); /* Min */
    case 7: return (a + b) * 0.5f;                                 /* Mean of two */
    case 8: return a < 0 ? a * b : a;                              /* PRelu: b the slope */
    default: return 0;
    }
}

inline float eb_clamp01(float v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v; /* NaN passes */
}

inline float eb_unop(int op, float x, float p0, float p1)
{
    switch (op) {
    case 0: return x < 0 ? 0 : x;                                   /* Relu */
    case 1: return x < 0 ? p0 * x : x;                              /* LeakyRelu */
    case 2: { float v = x < p0 ? p0 : x; return v > p1 ? p1 : v; }  /* Clip */
    case 3: return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)); /* Sigmoid */
    case 4: return eb_clamp01(p0 * x + p1);                         /* HardSigmoid */
    case 5: return x * eb_clamp01(x / 6 + 0.5f);                    /* HardSwish */
    case 6: return tanh(x);
    case 7: return erf(x);
    case 8: return 0.5f * x * (1 + erf(x * M_SQRT1_2_F));           /* Gelu */
    case 9: return 0.5f * x * (1 + tanh(0.7978845608f * (x + 0.044715f * x * x * x))); /* Gelu tanh */
    case 10: return sqrt(x);
    case 11: return -x;
    case 12: return fabs(x);
    case 13: return exp(x);
    case 14: return log(x);
    case 15: return 1 / x;                                          /* Reciprocal */
    case 16: return floor(x);
    case 17: return ceil(x);
    case 18: return rint(x);                                        /* Round: half to even */
    case 19: return x > 0 ? 1 : x < 0 ? -1 : x;                     /* Sign */
    case 20: return sin(x);
    case 21: return cos(x);
    case 22: return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));     /* Softplus */
    case 23: return x < 0 ? p0 * expm1(x) : x;                      /* Elu */
    case 24: return x <= 0 ? p1 * p0 * expm1(x) : p1 * x;           /* Selu: p0 alpha, p1 gamma */
    case 25: return x / (1 + fabs(x));                              /* Softsign */
    case 26: return x > 0 ? x : p0 * expm1(x / p0);                 /* Celu */
    case 27: return x > p0 ? x : 0;                                 /* ThresholdedRelu */
    case 28: return x * (x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))); /* x * Sigmoid (SiLU) */
    default: return 0;
    }
}

/* post >= 0: the unary op (eb_unop) of the node fused after this one, with
 * its parameters q0, q1 (an elementwise chain: Add+Relu) */
kernel void eb_binary(global const float *a, global const float *b, global float *y, int n, int op, int rank,
                      int8 dims, int8 sa, int8 sb, int post, float q0, float q1)
{
    int i = get_global_id(0);
    if (i >= n)
        return;
    int oa, ob, unused;
    eb_offsets(i, rank, dims, sa, sb, sa, &oa, &ob, &unused);
    float v = eb_binop(op, a[oa], b[ob]);
    y[i] = post >= 0 ? eb_unop(post, v, q0, q1) : v;
}

kernel void eb_unary(global const float *x, global float *y, int n, int op, float p0, float p1, int post, float q0,
                     float q1)
{
    int i = get_global_id(0);
    if (i >= n)
        return;
    float v = eb_unop(op, x[i], p0, p1);
    y[i] = post >= 0 ? eb_unop(post, v, q0, q1) : v;
}

/* Comparisons of f32 (op 0 Equal, 1 Less, 2 LessOrEqual, 3 Greater,
 * 4 GreaterOrEqual) and the logical ops of bools (5 And, 6 Or, 7 Xor), bool
 * bytes out, both broadcasting */
kernel void eb_compare(global const float *a, global const float *b, global uchar *y, int n, int op, int rank,
                       int8 dims, int8 sa, int8 sb)
{
    int i = get_global_id(0);
    if (i >= n)
        return;
    int oa, ob, unused;
    eb_offsets(i, rank, dims, sa, sb, sa, &oa, &ob, &unused);
    float x = a[oa], z = b[ob];
    y[i] = op == 0 ? x == z : op == 1 ? x < z : op == 2 ? x <= z : op == 3 ? x > z : x >= z;
}

kernel void eb_logic(global const uchar *a, global const uchar *b, global uchar *y, int n, int op, int rank,
                     int8 dims, int8 sa, int8 sb)
{
    int i = get_global_id(0);
    if (i >= n)
        return;
    int oa, ob, unused;
    eb_offsets(i, rank, dims, sa, sb, sa, &oa, &ob, &unused);
    bool x = a[oa] != 0, z = b[ob] != 0;
    y[i] = op == 5 ? x && z : op == 6 ? x || z : x != z;
}

kernel void eb_not(global const uchar *x, global uchar *y, int n)
{
    int i = get_global_id(0);
    if (i < n)
        y[i] = !x[i];
}

/* Where: cond (bool bytes), x and y broadcast to the output */
kernel void eb_where(global const uchar *c, global const float *x, global const float *y, global float *out, int n,
                     int rank, int8 dims, int8 sc, int8 sx, int8 sy)
{
    int i = get_global_id(0);
    if (i >= n)
        return;
    int oc, ox, oy;
    eb_offsets(i, rank, dims, sc, sx, sy, &oc, &ox, &oy);
    out[i] = c[oc] ? x[ox] : y[oy];
}
