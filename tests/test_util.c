/* test_util.c - see test_util.h. */
#include "tests/test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t eb_test_seed(void)
{
    static uint64_t seed;
    if (!seed) {
        const char *env = getenv("EB_TEST_SEED");
        seed = env && *env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
        if (!seed)
            seed = 1;
        fprintf(stderr, "test seed: %llu (re-run with EB_TEST_SEED=%llu)\n", (unsigned long long)seed,
                (unsigned long long)seed);
    }
    return seed;
}

uint64_t eb_test_rand(uint64_t *s)
{
    uint64_t x = *s ? *s : 0x9E3779B97F4A7C15ull;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

float eb_test_uniform(uint64_t *s, float lo, float hi)
{
    return lo + (hi - lo) * (float)((eb_test_rand(s) >> 40) * (1.0 / 16777216.0));
}

float eb_test_nonzero(uint64_t *s, float hi)
{
    float v = eb_test_uniform(s, 0.1f, hi);
    return eb_test_rand(s) & 1 ? v : -v;
}

int eb_test_int(uint64_t *s, int lo, int hi)
{
    return lo + (int)(eb_test_rand(s) % (uint64_t)(hi - lo + 1));
}

const char *eb_test_tmpdir(void)
{
    static char path[256];
    const char *base = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/eb-test-XXXXXX", base && *base ? base : "/tmp");
    return mkdtemp(path);
}

bool eb_test_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

bool eb_test_tensors_close(const eb_tensor *a, const eb_tensor *e, double rtol, double atol, char *why, size_t n)
{
    char sa[128], se[128];
    if (a->dtype != e->dtype || !eb_tensor_same_shape(a, e)) {
        snprintf(why, n, "got %s, expected %s", eb_tensor_describe(a, sa, sizeof sa), eb_tensor_describe(e, se, sizeof se));
        return false;
    }
    int64_t cnt = eb_tensor_numel(e);
    bool fl = eb_dtypes[e->dtype].is_float;
    for (int64_t i = 0; i < cnt; i++) {
        if (fl) {
            double x = eb_dtype_get_f64(a->dtype, a->data, i), y = eb_dtype_get_f64(e->dtype, e->data, i);
            bool ok;
            if (isnan(y) || isnan(x))
                ok = isnan(x) && isnan(y);
            else if (isinf(y) || isinf(x))
                ok = x == y;
            else
                ok = fabs(x - y) <= atol + rtol * fabs(y);
            if (!ok) {
                snprintf(why, n, "element %lld: got %.9g, expected %.9g", (long long)i, x, y);
                return false;
            }
        } else {
            int64_t x = eb_dtype_get_i64(a->dtype, a->data, i), y = eb_dtype_get_i64(e->dtype, e->data, i);
            if (x != y) {
                snprintf(why, n, "element %lld: got %lld, expected %lld", (long long)i, (long long)x, (long long)y);
                return false;
            }
        }
    }
    return true;
}
