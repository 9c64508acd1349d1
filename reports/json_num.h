/* json_num.h - a JSON number into an integer field.  Result files are
 * untrusted input, and a C cast of a double outside the range of its
 * target type (threads: 1e300, bytes: -5) is undefined behaviour, which
 * UBSan reports and an optimiser may turn into anything.  These clamp to
 * the type's range instead, and give `def` for NaN (a loader's "absent"). */
#ifndef EB_JSON_NUM_H
#define EB_JSON_NUM_H

#include <limits.h>
#include <math.h>
#include <stdint.h>

static inline int eb_json_int(double v, int def)
{
    if (isnan(v))
        return def;
    return v >= (double)INT_MAX ? INT_MAX : v <= (double)INT_MIN ? INT_MIN : (int)v;
}

static inline int64_t eb_json_i64(double v, int64_t def)
{
    if (isnan(v))
        return def;
    /* 2^63 is exact as a double; INT64_MAX is not */
    return v >= 9223372036854775808.0 ? INT64_MAX : v <= -9223372036854775808.0 ? INT64_MIN : (int64_t)v;
}

/* negative numbers give 0 */
static inline uint64_t eb_json_u64(double v, uint64_t def)
{
    if (isnan(v))
        return def;
    return v >= 18446744073709551616.0 ? UINT64_MAX : v <= 0 ? 0 : (uint64_t)v;
}

#endif
