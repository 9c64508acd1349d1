/* emit_csv.c - one CSV row per result (RFC 4180 quoting), for
 * spreadsheets; raw samples stay in the JSON.  Counts and byte sizes are
 * printed as integers (never 1.43114e+07), measurements with 6
 * significant digits, and a missing value as an empty cell. */
#include <stdio.h>
#include <string.h>

#include "reports/emit_text.h"

static void csv_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_num(FILE *f, bool have, double v)
{
    if (have)
        fprintf(f, ",%.6g", v);
    else
        fputs(",", f);
}

void eb_emit_csv(FILE *f, const eb_report_doc *d)
{
    fputs("model,variant,runner,threads,prune,quant,device,status,n,median_ms,p90_ms,p99_ms,mean_ms,min_ms,max_ms,"
          "cv,unstable,ci95_low_ms,ci95_high_ms,drift_max_abs,drift_mean_abs,drift_rel_l2,drift_cosine,drift_snr_db,"
          "top1_agreement,peak_rss_bytes,weight_bytes,activation_bytes,params,flops,gflops_per_s,"
          "task_metric,task_dataset,task_value,task_correct,task_count,task_delta,reference_fallbacks,fusions,"
          "model_sha256,start_time,error\n",
          f);
    for (int i = 0; i < d->n_results; i++) {
        const eb_result *r = &d->results[i];
        const eb_latency_stats *s = &r->latency;
        bool lat = r->n_samples > 0, dr = r->drift.available;
        csv_str(f, r->model_name);
        fputc(',', f);
        csv_str(f, r->variant.spec);
        fprintf(f, ",%s,%d,%s,%s,%s,%s,%d", r->variant.runner, r->variant.threads, r->variant.prune,
                r->variant.quant, r->device, eb_result_status_name(r->status), r->n_samples);
        csv_num(f, lat, s->median);
        csv_num(f, lat && s->p90_available, s->p90);
        csv_num(f, lat && s->p99_available, s->p99);
        csv_num(f, lat, s->mean);
        csv_num(f, lat, s->min);
        csv_num(f, lat, s->max);
        csv_num(f, lat, s->cv);
        fprintf(f, ",%s", lat ? (s->unstable ? "true" : "false") : "");
        csv_num(f, lat && s->ci_available, s->ci_low);
        csv_num(f, lat && s->ci_available, s->ci_high);
        csv_num(f, dr, r->drift.max_abs);
        csv_num(f, dr, r->drift.mean_abs);
        csv_num(f, dr, r->drift.rel_l2);
        csv_num(f, dr, r->drift.cosine);
        csv_num(f, dr && r->drift.snr_db < 1e300, r->drift.snr_db);
        csv_num(f, dr && r->drift.has_top1, r->drift.top1_agreement);
        if (r->peak_rss_bytes > 0)
            fprintf(f, ",%llu", (unsigned long long)r->peak_rss_bytes);
        else
            fputc(',', f);
        fprintf(f, ",%llu,%llu,%lld,%lld", (unsigned long long)r->weight_bytes,
                (unsigned long long)r->activation_bytes, (long long)r->cost.params, (long long)r->cost.flops);
        csv_num(f, lat, r->gflops_per_s);
        const eb_task_metric *t = &r->task;
        fputc(',', f);
        csv_str(f, t->available ? t->metric : "");
        fputc(',', f);
        csv_str(f, t->available ? t->dataset : "");
        csv_num(f, t->available, t->value);
        if (t->available)
            fprintf(f, ",%lld,%lld", (long long)t->correct, (long long)t->count);
        else
            fputs(",,", f);
        csv_num(f, t->available && t->has_delta, t->delta);
        fputc(',', f);
        csv_str(f, r->fallbacks);
        fputc(',', f);
        csv_str(f, r->fusions);
        fputc(',', f);
        csv_str(f, r->model_sha256);
        fputc(',', f);
        csv_str(f, d->prov ? d->prov->start_time : "");
        fputc(',', f);
        csv_str(f, r->error);
        fputc('\n', f);
    }
}
