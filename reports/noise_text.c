/* noise_text.c - the table's flag lines (noise_text.h). */
#include "reports/emit_text.h"
#include "reports/noise_json.h"
#include "reports/noise_text.h"

void eb_noise_table_lines(FILE *f, int indent, const eb_result *r)
{
    const eb_sentinel *s = &r->noise.sentinel;
    const eb_cache_audit *a = &r->noise.cache;
    char x[32], y[32];
    if (s->available && s->speed_changed)
        fprintf(f, "%*s%s: the sentinel took %s before and %s after (%+.0f%%, beyond %.0f%%)%s: "
                   "the machine's speed changed during this variant\n",
                indent, "", EB_FLAG_SPEED_CHANGED, eb_duration_cell(s->before_ms, x, sizeof x),
                eb_duration_cell(s->after_ms, y, sizeof y), s->change * 100, s->threshold * 100,
                s->simulated ? " [simulated: EB_TEST_SENTINEL_MS]" : "");
    if (a->available && a->flagged)
        fprintf(f, "%*s%s: %s on a repeated input, %s on distinct ones (%.0f%% faster, beyond %.0f%%): "
                   "it may cache results (--audit cache)\n",
                indent, "", EB_FLAG_CACHE, eb_duration_cell(a->same_median_ms, x, sizeof x),
                eb_duration_cell(a->distinct_median_ms, y, sizeof y), (1 - a->ratio) * 100, a->threshold * 100);
}
