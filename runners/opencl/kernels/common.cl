/* common.cl - helpers every edgebench OpenCL kernel may call; first in the
 * program (kernels.def).  OpenCL C 1.2: no fp16 arithmetic is assumed
 * (half data is read with vload_half, computed in float). */

/* The activations an epilogue can apply (eb_ocl_act in ocl.h). */
#define EB_ACT_NONE 0
#define EB_ACT_RELU 1
#define EB_ACT_CLIP 2

float eb_act(float x, int act, float lo, float hi)
{
    if (act == EB_ACT_RELU)
        return fmax(x, 0.0f);
    if (act == EB_ACT_CLIP)
        return fmin(fmax(x, lo), hi);
    return x;
}
