/* ocl_tiles.c - which GEMM tile (kernels/gemm.cl) each OpenCL device gets.
 *
 * A small table keyed by device type and vendor: desktop GPUs (NVIDIA, AMD,
 * Intel) take 64 x 64 local-memory tiles of 256 work-items; mobile GPUs and
 * anything unknown 32 x 32 tiles of 64 work-items, which every OpenCL
 * device takes; CPUs (PoCL) the flat 8 x 16 tile (a work-item per tile, no
 * local memory), which measured best there (bench_ocl_gemm --tiles).  Few
 * rows (a batch-1 fully connected layer) take the row's thin tile, and a
 * 64 x 64 tile twice the rows the GEMM has is halved.  A tile the device's
 * work-group size or local memory refuses gives way to the largest that
 * fits.  EB_OCL_TILE=<name> forces one (the bench's tuning sweep uses it);
 * the step's method text names the tile taken. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runners/opencl/ocl_gemm.h"

/* the tiles gemm.cl instantiates (GEMM_TILE lines there): keep in step */
static const eb_ocl_tile tile_64x64 = {"64x64", 64, 64, 16, 4, 4};
static const eb_ocl_tile tile_32x64 = {"32x64", 32, 64, 16, 4, 4};
static const eb_ocl_tile tile_32x32 = {"32x32", 32, 32, 16, 4, 4};
static const eb_ocl_tile tile_8x64 = {"8x64", 8, 64, 32, 2, 4};
/* flat ones (GEMM_FLAT lines): a work-item per tile, no local memory */
static const eb_ocl_tile tile_f4x16 = {"f4x16", 4, 16, 1, 4, 16};
static const eb_ocl_tile tile_f8x16 = {"f8x16", 8, 16, 1, 8, 16};
static const eb_ocl_tile tile_f4x8 = {"f4x8", 4, 8, 1, 4, 8};
static const eb_ocl_tile tile_f1x32 = {"f1x32", 1, 32, 1, 1, 32};
static const eb_ocl_tile tile_f4x32 = {"f4x32", 4, 32, 1, 4, 32};

const eb_ocl_tile *const eb_ocl_tiles[] = {&tile_64x64, &tile_32x64, &tile_32x32, &tile_8x64,
                                           &tile_f4x16, &tile_f8x16, &tile_f4x8,  &tile_f1x32,
                                           &tile_f4x32, NULL};

typedef struct tile_row {
    bool cpu;           /* CL_DEVICE_TYPE_CPU */
    const char *vendor; /* a substring of the vendor (case-insensitive); NULL: any */
    const eb_ocl_tile *tile;
    const eb_ocl_tile *thin; /* for m <= thin_m rows (batch-1 fully connected layers) */
    int thin_m;
} tile_row;

/* first match wins; the CPU row from bench_ocl_gemm --tiles on PoCL (AMD
 * EPYC, AVX-512): the flat tiles ran 4-5x the local-memory ones there */
static const tile_row table[] = {
    {true, NULL, &tile_f8x16, &tile_f1x32, 2},
    {false, "nvidia", &tile_64x64, &tile_8x64, 8},
    {false, "advanced micro", &tile_64x64, &tile_8x64, 8},
    {false, "amd", &tile_64x64, &tile_8x64, 8},
    {false, "intel", &tile_64x64, &tile_8x64, 8},
    {false, NULL, &tile_32x32, &tile_8x64, 8}, /* ARM Mali, Qualcomm Adreno, Imagination, the rest */
};

const eb_ocl_tile *eb_ocl_tile_named(const char *name)
{
    for (int i = 0; eb_ocl_tiles[i]; i++)
        if (strcmp(eb_ocl_tiles[i]->name, name) == 0)
            return eb_ocl_tiles[i];
    return NULL;
}

static bool fits(const eb_ocl *o, const eb_ocl_tile *t)
{
    size_t wg = (size_t)(t->tn / t->rn) * (size_t)(t->tm / t->rm);
    size_t local = sizeof(float) * (size_t)t->tk * (size_t)(t->tm + t->tn);
    return (o->max_work_group == 0 || wg <= o->max_work_group) &&
           (o->local_mem_bytes == 0 || local <= o->local_mem_bytes);
}

static const char *strcasestr_ascii(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return hay;
    return NULL;
}

const eb_ocl_tile *eb_ocl_tile_pick(const eb_ocl *o, int64_t m, int64_t n, int64_t k)
{
    const char *forced = getenv("EB_OCL_TILE");
    const eb_ocl_tile *t = forced ? eb_ocl_tile_named(forced) : NULL;
    if (t && fits(o, t))
        return t;
    const tile_row *row = &table[sizeof table / sizeof table[0] - 1];
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].cpu == o->is_cpu && (!table[i].vendor || strcasestr_ascii(o->info.vendor, table[i].vendor))) {
            row = &table[i];
            break;
        }
    t = m <= row->thin_m ? row->thin : row->tile;
    if (t == &tile_64x64 && 2 * m <= t->tm)
        t = &tile_32x64;
    (void)n, (void)k;
    /* else the largest the device takes; 32 x 32 (64 work-items, 4 KiB) fits
     * every OpenCL device (at least 64 work-items and 32 KiB local memory) */
    for (int i = 0; eb_ocl_tiles[i] && !fits(o, t); i++)
        if (fits(o, eb_ocl_tiles[i]))
            t = eb_ocl_tiles[i];
    return t;
}
