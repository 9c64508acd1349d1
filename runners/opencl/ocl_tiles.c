/* ocl_tiles.c - which GEMM tile (kernels/gemm.cl) each OpenCL device gets.
 *
 * A small table keyed by device type and vendor: desktop GPUs (NVIDIA, AMD,
 * Intel) take 64 x 64 tiles of 256 work-items; mobile GPUs and anything
 * unknown 32 x 32 tiles of 64 work-items, which every OpenCL device takes;
 * CPUs (PoCL) the tile that measured best there (bench_ocl_gemm --tiles).
 * Few rows (m <= 8: a batch-1 fully connected layer) take a thin 8 x 64
 * tile, and a tile twice the rows the GEMM has is halved.  A tile the
 * device's work-group size or local memory refuses steps down the list.
 * EB_OCL_TILE=<name> forces one (bench_ocl_gemm's tuning sweep uses it). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runners/opencl/ocl_gemm.h"

/* the tiles gemm.cl instantiates (GEMM_TILE lines there): keep in step */
static const eb_ocl_tile tile_64x64 = {"64x64", 64, 64, 16, 4, 4};
static const eb_ocl_tile tile_32x64 = {"32x64", 32, 64, 16, 4, 4};
static const eb_ocl_tile tile_32x32 = {"32x32", 32, 32, 16, 4, 4};
static const eb_ocl_tile tile_8x64 = {"8x64", 8, 64, 32, 2, 4};

const eb_ocl_tile *const eb_ocl_tiles[] = {&tile_64x64, &tile_32x64, &tile_32x32, &tile_8x64, NULL};

typedef struct tile_row {
    bool cpu;           /* CL_DEVICE_TYPE_CPU */
    const char *vendor; /* a substring of the vendor (case-insensitive); NULL: any */
    const eb_ocl_tile *tile;
} tile_row;

/* first match wins */
static const tile_row table[] = {
    {true, NULL, &tile_64x64},
    {false, "nvidia", &tile_64x64},
    {false, "advanced micro", &tile_64x64},
    {false, "amd", &tile_64x64},
    {false, "intel", &tile_64x64},
    {false, NULL, &tile_32x32}, /* ARM Mali, Qualcomm Adreno, Imagination, the rest */
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
    t = &tile_32x32;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].cpu == o->is_cpu && (!table[i].vendor || strcasestr_ascii(o->info.vendor, table[i].vendor))) {
            t = table[i].tile;
            break;
        }
    if (m <= 8)
        t = &tile_8x64;
    else if (2 * m <= t->tm)
        t = &tile_32x64;
    (void)n, (void)k;
    /* else the largest the device takes; 32 x 32 (64 work-items, 4 KiB) fits
     * every OpenCL device (at least 64 work-items and 32 KiB local memory) */
    for (int i = 0; eb_ocl_tiles[i] && !fits(o, t); i++)
        if (fits(o, eb_ocl_tiles[i]))
            t = eb_ocl_tiles[i];
    return t;
}
