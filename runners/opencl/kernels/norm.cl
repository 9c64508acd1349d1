/* norm.cl - normalisations and reductions of the OpenCL runner: Softmax and
 * LogSoftmax along one axis, LayerNormalization, BatchNormalization
 * (inference, per channel) and the Reduce ops.  One work item per run
 * reduced (a row of Softmax or LayerNorm, an output of a Reduce); sums are
 * compensated (Kahan) so that fp32 accumulation stays close to the
 * reference kernels' double. */

/* x [outer, len, inner]: work item (o, k) normalises the run o*len*inner + k + j*inner */
kernel void eb_softmax(global const float *x, global float *y, int outer, int len, int inner, int log_out)
{
    int i = get_global_id(0);
    if (i >= outer * inner)
        return;
    int base = (i / inner) * len * inner + i % inner;
    float m = -INFINITY;
    for (int j = 0; j < len; j++)
        m = fmax(m, x[base + j * inner]);
    float s = 0, c = 0;
    for (int j = 0; j < len; j++) {
        float t = exp(x[base + j * inner] - m) - c, u = s + t;
        c = (u - s) - t;
        s = u;
    }
    if (log_out) {
        float ls = log(s);
        for (int j = 0; j < len; j++)
            y[base + j * inner] = (x[base + j * inner] - m) - ls;
    } else {
        for (int j = 0; j < len; j++)
            y[base + j * inner] = exp(x[base + j * inner] - m) / s;
    }
}

/* x [rows, len]; scale and bias [len] (bias optional: has_bias 0) */
kernel void eb_layer_norm(global const float *x, global const float *scale, global const float *bias,
                          global float *y, int rows, int len, float eps, int has_bias)
{
    int r = get_global_id(0);
    if (r >= rows)
        return;
    global const float *row = x + (size_t)r * len;
    float s = 0, c = 0;
    for (int j = 0; j < len; j++) {
        float t = row[j] - c, u = s + t;
        c = (u - s) - t;
        s = u;
    }
    float mean = s / len, q = 0;
    c = 0;
    for (int j = 0; j < len; j++) {
        float d = row[j] - mean, t = d * d - c, u = q + t;
        c = (u - q) - t;
        q = u;
    }
    float inv = 1 / sqrt(q / len + eps);
    for (int j = 0; j < len; j++) {
        float v = (row[j] - mean) * inv * scale[j];
        y[(size_t)r * len + j] = has_bias ? v + bias[j] : v;
    }
}

/* y = (x - mean[c]) * a[c] + b[c], p = [mean | a | b] each `channels` long,
 * x [batch, channels, inner] */
kernel void eb_batch_norm(global const float *x, global const float *p, global float *y, int n, int channels,
                          int inner)
{
    int i = get_global_id(0);
    if (i >= n)
        return;
    int ch = (i / inner) % channels;
    y[i] = (x[i] - p[ch]) * p[channels + ch] + p[2 * channels + ch];
}

/* Output i: the kept coordinates over kdims/kstr give its base in x, the
 * reduced ones over rdims/rstr (rcount of them) the elements reduced.
 * op: 0 Sum, 1 Mean, 2 Max, 3 Min, 4 Prod, 5 L1, 6 L2, 7 LogSum, 8 LogSumExp,
 * 9 SumSquare (ocl_plan_norm.c) */
kernel void eb_reduce(global const float *x, global float *y, int n, int op, int krank, int8 kdims, int8 kstr,
                      int rrank, int8 rdims, int8 rstr, int rcount)
{
    int i = get_global_id(0);
    if (i >= n)
        return;
    int kd[8], ks[8], rd[8], rs[8];
    vstore8(kdims, 0, kd);
    vstore8(kstr, 0, ks);
    vstore8(rdims, 0, rd);
    vstore8(rstr, 0, rs);
    int base = 0, r = i;
    for (int k = krank - 1; k >= 0; k--) {
        base += (r % kd[k]) * ks[k];
        r /= kd[k];
    }
    float m = -INFINITY;
    if (op == 8)
        for (int j = 0; j < rcount; j++) {
            int off = base, q = j;
            for (int k = rrank - 1; k >= 0; k--) {
                off += (q % rd[k]) * rs[k];
                q /= rd[k];
            }
            float v = x[off];
            m = isnan(v) || v > m ? v : m;
        }
    float acc = op == 2 ? -INFINITY : op == 3 ? INFINITY : op == 4 ? 1 : 0, c = 0;
    for (int j = 0; j < rcount; j++) {
        int off = base, q = j;
        for (int k = rrank - 1; k >= 0; k--) {
            off += (q % rd[k]) * rs[k];
            q /= rd[k];
        }
        float v = x[off];
        switch (op) {
        case 2: acc = isnan(v) || v > acc ? v : acc; continue;
        case 3: acc = isnan(v) || v < acc ? v : acc; continue;
        case 4: acc *= v; continue;
        case 5: v = fabs(v); break;
        case 6:
        case 9: v = v * v; break;
        case 8: v = exp(v - m); break;
        default: break;
        }
        float t = v - c, u = acc + t;
        c = isfinite(u) ? (u - acc) - t : 0; /* an infinity must not turn the compensation into NaN */
        acc = u;
    }
    switch (op) {
    case 1: acc /= rcount; break;
    case 6: acc = sqrt(acc); break;
    case 7: acc = log(acc); break;
    case 8: acc = isinf(m) || isnan(m) ? m : m + log(acc); break;
    default: break;
    }
    y[i] = acc;
}
