/* bench_ocl_gemm.c - `make bench`'s OpenCL GEMM benchmark: the OpenCL
 * runner's GEMM (runners/opencl/ocl_compute.h, kernels/gemm.cl) against
 * CLBlast's CLBlastSgemm on the same device, fp32, row-major C = A x B.
 *
 * Square sizes 256, 512, 768 and 1024 and a few odd shapes (a batch-1
 * fully connected layer, mobilenet_v2's projection, sizes off the tiles),
 * or the m,n,k triples given on the command line.  Each point is the
 * median wall time of enqueue-to-finish over EB_BENCH_REPS (default 9)
 * runs after two warm-ups (the first call of each compiles its kernels);
 * ours and CLBlast alternate in rounds, so a slow phase of a noisy machine
 * hits both.  Ours is timed as the runner uses it: B a weight packed once
 * in prepare (eb_ocl_gemm_make), and, in its own column, B read as stored
 * at run time (eb_ocl_matmul_make, the attention matmuls); CLBlast takes B
 * as it is (it may copy and pad operands inside each call: its design, and
 * part of what a caller pays).  The ratio is our (packed) time over
 * CLBlast's: the target is at most 1.5.
 *
 * --tiles times ours with every tile of ocl_tiles.c's list (EB_OCL_TILE)
 * instead: the sweep behind the device table.  --device=N picks the device
 * in `edgebench info`'s order (0 by default).  On PoCL the device is the
 * CPU, and these are CPU timings.
 *
 * Exit status 0 when it ran (target met or not: it is reported), 1 on a
 * setup failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if EB_HAVE_OPENCL
/* ocl.h first: it sets the OpenCL version the headers target */
#include "bench/perf/bench_util.h"
#include "runners/opencl/ocl_compute.h"
#include "runners/opencl/ocl_gemm.h"

#include <clblast_c.h>

typedef struct shape {
    long m, n, k;
    const char *what;
} shape;

static const shape DEFAULT_SHAPES[] = {
    {256, 256, 256, "square"},       {512, 512, 512, "square"},
    {768, 768, 768, "square"},       {1024, 1024, 1024, "square"},
    {1, 1000, 1024, "fc, batch 1"},  {3136, 24, 144, "mobilenet_v2 projection"},
    {255, 257, 511, "odd"},          {1000, 129, 333, "odd"},
};

enum { MAX_REPS = 64, WARMUP = 2 };

typedef struct point {
    eb_ocl *o;
    long m, n, k;
    cl_mem a, b, c;
    eb_ocl_step packed, runtime;
} point;

static double time_step(point *p, const eb_ocl_step *s)
{
    double t0 = eb_bench_now_s();
    cl_int rc = eb_ocl_step_enqueue(p->o, s, NULL);
    if (rc == CL_SUCCESS)
        rc = clFinish(p->o->queue);
    if (rc != CL_SUCCESS) {
        fprintf(stderr, "bench_ocl_gemm: ours: %s\n", eb_ocl_error_name(rc));
        return NAN;
    }
    return eb_bench_now_s() - t0;
}

static double time_clblast(point *p)
{
    double t0 = eb_bench_now_s();
    CLBlastStatusCode rc =
        CLBlastSgemm(CLBlastLayoutRowMajor, CLBlastTransposeNo, CLBlastTransposeNo, (size_t)p->m, (size_t)p->n,
                     (size_t)p->k, 1.0f, p->a, 0, (size_t)p->k, p->b, 0, (size_t)p->n, 0.0f, p->c, 0, (size_t)p->n,
                     &p->o->queue, NULL);
    if (rc == CLBlastSuccess)
        rc = (CLBlastStatusCode)clFinish(p->o->queue);
    if (rc != CLBlastSuccess) {
        fprintf(stderr, "bench_ocl_gemm: CLBlastSgemm: status %d\n", (int)rc);
        return NAN;
    }
    return eb_bench_now_s() - t0;
}

static float *random_floats(size_t n, unsigned *seed)
{
    float *v = malloc(sizeof(float) * n);
    for (size_t i = 0; v && i < n; i++)
        v[i] = (float)rand_r(seed) / (float)RAND_MAX - 0.5f;
    return v;
}

/* Sets up p (buffers, both steps of ours); false on failure, said. */
static bool point_open(point *p, eb_ocl *o, long m, long n, long k)
{
    memset(p, 0, sizeof *p);
    p->o = o, p->m = m, p->n = n, p->k = k;
    unsigned seed = 1;
    float *a = random_floats((size_t)(m * k), &seed), *b = random_floats((size_t)(k * n), &seed);
    eb_err err;
    bool ok = a && b && eb_ocl_buffer(o, sizeof(float) * (size_t)(m * k), a, &p->a, &err) == EB_OK &&
              eb_ocl_buffer(o, sizeof(float) * (size_t)(k * n), b, &p->b, &err) == EB_OK &&
              eb_ocl_buffer(o, sizeof(float) * (size_t)(m * n), NULL, &p->c, &err) == EB_OK;
    eb_ocl_matmul_desc d = {.batch = 1, .m = m, .n = n, .k = k, .alpha = 1.0f};
    eb_tensor w = {.dtype = EB_DT_F32, .rank = 2, .shape = {k, n}, .data = b};
    eb_ocl_view va = {p->a, 0}, vb = {p->b, 0}, vc = {p->c, 0};
    ok = ok && eb_ocl_gemm_make(o, &d, &w, NULL, va, vc, &p->packed, &err) == EB_OK &&
         eb_ocl_matmul_make(o, &d, va, vb, vc, &p->runtime, &err) == EB_OK;
    if (!ok)
        fprintf(stderr, "bench_ocl_gemm: %ldx%ldx%ld: %s\n", m, n, k, a && b ? err.msg : "out of memory");
    free(a);
    free(b);
    return ok;
}

static void point_close(point *p)
{
    eb_ocl_step_release(&p->packed);
    eb_ocl_step_release(&p->runtime);
    if (p->a)
        clReleaseMemObject(p->a);
    if (p->b)
        clReleaseMemObject(p->b);
    if (p->c)
        clReleaseMemObject(p->c);
}

static double gflops(const point *p, double s)
{
    return 2.0 * (double)p->m * (double)p->n * (double)p->k / s * 1e-9;
}

static int reps(void)
{
    const char *e = getenv("EB_BENCH_REPS");
    int r = e ? atoi(e) : 9;
    return r < 1 ? 1 : r > MAX_REPS ? MAX_REPS : r;
}

/* ours (packed, run-time B) and CLBlast, alternating; one table row */
static bool compare_point(eb_ocl *o, const shape *sh, double *ratio)
{
    point p;
    if (!point_open(&p, o, sh->m, sh->n, sh->k)) {
        point_close(&p);
        return false;
    }
    int r = reps();
    double own[MAX_REPS], rt[MAX_REPS], blas[MAX_REPS];
    for (int i = 0; i < WARMUP; i++) {
        time_step(&p, &p.packed);
        time_step(&p, &p.runtime);
        time_clblast(&p);
    }
    for (int i = 0; i < r; i++) {
        own[i] = time_step(&p, &p.packed);
        rt[i] = time_step(&p, &p.runtime);
        blas[i] = time_clblast(&p);
    }
    double t_own = eb_bench_median(own, r), t_rt = eb_bench_median(rt, r), t_blas = eb_bench_median(blas, r);
    *ratio = t_own / t_blas;
    printf("%5ld %5ld %5ld  %-24s %-22s %9.3f %8.1f %9.3f %8.1f %9.3f %8.1f %7.2f\n", sh->m, sh->n, sh->k, sh->what,
           p.packed.method, 1e3 * t_own, gflops(&p, t_own), 1e3 * t_rt, gflops(&p, t_rt), 1e3 * t_blas,
           gflops(&p, t_blas), *ratio);
    point_close(&p);
    return true;
}

/* ours with each tile of the list: the sweep behind ocl_tiles.c's table */
static bool sweep_tiles(eb_ocl *o, const shape *sh)
{
    printf("%5ld %5ld %5ld ", sh->m, sh->n, sh->k);
    for (int t = 0; eb_ocl_tiles[t]; t++) {
        setenv("EB_OCL_TILE", eb_ocl_tiles[t]->name, 1);
        point p;
        if (!point_open(&p, o, sh->m, sh->n, sh->k)) {
            point_close(&p);
            return false;
        }
        int r = reps();
        double own[MAX_REPS];
        for (int i = 0; i < WARMUP; i++)
            time_step(&p, &p.packed);
        for (int i = 0; i < r; i++)
            own[i] = time_step(&p, &p.packed);
        printf(" %8.1f", gflops(&p, eb_bench_median(own, r)));
        point_close(&p);
    }
    unsetenv("EB_OCL_TILE");
    printf("\n");
    return true;
}

int main(int argc, char **argv)
{
    int device = 0, n_shapes = 0;
    bool tiles = false;
    shape given[32];
    for (int i = 1; i < argc; i++) {
        long m, n, k;
        if (strncmp(argv[i], "--device=", 9) == 0) {
            device = atoi(argv[i] + 9);
        } else if (strcmp(argv[i], "--tiles") == 0) {
            tiles = true;
        } else if (sscanf(argv[i], "%ld,%ld,%ld", &m, &n, &k) == 3 && m > 0 && n > 0 && k > 0 && n_shapes < 32) {
            given[n_shapes++] = (shape){m, n, k, "given"};
        } else {
            fprintf(stderr, "usage: bench_ocl_gemm [--device=N] [--tiles] [M,N,K ...]\n");
            return 1;
        }
    }
    const shape *shapes = n_shapes ? given : DEFAULT_SHAPES;
    if (!n_shapes)
        n_shapes = (int)(sizeof DEFAULT_SHAPES / sizeof DEFAULT_SHAPES[0]);

    eb_ocl o;
    eb_err err;
    if (eb_ocl_open(device, &o, &err) != EB_OK) {
        printf("OpenCL GEMM vs CLBlast: skipped: no OpenCL device %d: %s\n", device, err.msg);
        return 0;
    }
    printf("OpenCL GEMM vs CLBlast on device %d: %s (%s, %s%s), fp32, median of %d runs, wall time enqueue to "
           "finish\n",
           device, o.info.name, o.info.vendor, o.is_cpu ? "type CPU" : "type GPU",
           o.is_cpu ? ": these are CPU timings" : "", reps());
    bool ok = true;
    if (tiles) {
        printf("GFLOP/s of ours (B packed) per tile:\n    m     n     k ");
        for (int t = 0; eb_ocl_tiles[t]; t++)
            printf(" %8s", eb_ocl_tiles[t]->name);
        printf("\n");
        for (int i = 0; i < n_shapes && ok; i++)
            ok = sweep_tiles(&o, &shapes[i]);
    } else {
        printf("%5s %5s %5s  %-24s %-22s %9s %8s %9s %8s %9s %8s %7s\n", "m", "n", "k", "shape", "ours", "ours ms",
               "GFLOP/s", "rt-B ms", "GFLOP/s", "CLBlast", "GFLOP/s", "ratio");
        double worst = 0;
        for (int i = 0; i < n_shapes && ok; i++) {
            double ratio;
            ok = compare_point(&o, &shapes[i], &ratio);
            if (ok && ratio > worst)
                worst = ratio;
        }
        if (ok)
            printf("ratio = our time (B packed) / CLBlast's; worst %.2f (target <= 1.50: %s)\n", worst,
                   worst <= 1.5 ? "met" : "not met");
    }
    eb_ocl_close(&o);
    return ok ? 0 : 1;
}

#else

int main(void)
{
    printf("OpenCL GEMM vs CLBlast: skipped: the OpenCL runner is not built (OPENCL=no, or no OpenCL.pc)\n");
    return 0;
}

#endif
