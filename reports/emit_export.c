/* emit_export.c - a run's document in a dashboard format (export.h): its
 * results become points, named with the document's machine, then the
 * format's writer.  `run` reaches it through eb_emit_file/eb_emit_stream
 * (emit_file.c), so -o and --format work as for the other formats. */
#include <stdlib.h>

#include "reports/emit.h"
#include "reports/export.h"

eb_status eb_emit_export(FILE *f, eb_format fmt, const eb_report_doc *d, eb_err *err)
{
    const eb_provenance *pv = d->prov;
    eb_export_point *pts;
    eb_status st = eb_export_points_from_results(d->results, d->n_results, pv ? pv->device.hostname : NULL,
                                                 pv ? pv->git_commit : NULL, pv ? pv->start_time : NULL, &pts, err);
    if (st != EB_OK)
        return st;
    switch (fmt) {
    case EB_FMT_GAB: st = eb_emit_gab(f, pts, d->n_results, err); break;
    case EB_FMT_BMF: st = eb_emit_bmf(f, pts, d->n_results, err); break;
    case EB_FMT_OPENMETRICS: st = eb_emit_openmetrics(f, pts, d->n_results, false, err); break;
    default: st = eb_errf(err, EB_EINVAL, "not a dashboard format"); break;
    }
    free(pts);
    return st;
}
