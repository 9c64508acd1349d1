/* evaluate.c - top-1 accuracy of a zoo model on its test images. */
#include "bench/evaluate.h"
#include "bench/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

eb_status eb_evaluate_open(const eb_zoo_entry *e, eb_dataset *ds, eb_err *err)
{
    return eb_dataset_load_idx(e->test_images, e->test_labels, e->debian_package, ds, err);
}

static int64_t batch_of(const eb_graph *g)
{
    const eb_tensor *t = &g->values[g->inputs[0]].t;
    return t->rank > 0 ? t->shape[0] : 1;
}

eb_status eb_evaluate_open_train(const eb_zoo_entry *e, eb_dataset *ds, char *images, size_t n, eb_err *err)
{
    char labels[256];
    const char *ti = strstr(e->test_images, "t10k-"), *tl = strstr(e->test_labels, "t10k-");
    if (!ti || !tl)
        return eb_errf(err, EB_EUNSUPPORTED, "%s: no training split is known for %s (its test files are not named t10k-*)",
                       e->name, e->dataset);
    snprintf(images, n, "%.*strain-%s", (int)(ti - e->test_images), e->test_images, ti + 5);
    snprintf(labels, sizeof labels, "%.*strain-%s", (int)(tl - e->test_labels), e->test_labels, tl + 5);
    eb_status st = eb_dataset_load_idx(images, labels, e->debian_package, ds, err);
    return st == EB_OK ? EB_OK : eb_err_prefix(err, EB_EUNSUPPORTED, "calibration needs the training split");
}

eb_status eb_evaluate_batch(const eb_graph *g, const eb_zoo_entry *e, const eb_dataset *ds, int64_t index,
                            eb_tensor *in, eb_err *err)
{
    if (g->n_inputs != 1)
        return eb_errf(err, EB_EINVAL, "%s: a dataset model takes one input, this one takes %d", e->name, g->n_inputs);
    int64_t b = batch_of(g);
    if ((index + 1) * b > ds->count)
        return eb_errf(err, EB_EINVAL, "%s: batch %lld of %lld images is beyond the %lld the split has", e->name,
                       (long long)index, (long long)b, (long long)ds->count);
    return eb_dataset_fill(ds, index * b, b, &e->pre, in, err);
}

/* Index of the first maximum of row[0..n). */
static int64_t argmax(const float *row, int64_t n)
{
    int64_t best = 0;
    for (int64_t i = 1; i < n; i++)
        if (row[i] > row[best])
            best = i;
    return best;
}

eb_status eb_evaluate(const eb_runner *r, eb_plan *plan, const eb_graph *g, const eb_zoo_entry *e,
                      const eb_dataset *ds, int64_t count, eb_tensor *outs, eb_task_metric *tm, eb_err *err)
{
    int64_t batch = batch_of(g);
    if (count > ds->count)
        count = ds->count;
    int64_t batches = batch > 0 ? count / batch : 0;
    const eb_tensor *logits_meta = &g->values[g->outputs[0]].t;
    if (batches == 0 || logits_meta->dtype != EB_DT_F32 || logits_meta->rank != 2 || logits_meta->shape[0] != batch)
        return eb_errf(err, EB_EINVAL, "%s: cannot evaluate: need f32 scores [batch, classes] and at least one batch",
                       e->name);
    int n_out = g->n_outputs;
    eb_tensor in = g->values[g->inputs[0]].t, *step = calloc((size_t)n_out, sizeof *step);
    in.data = NULL;
    eb_status st = step ? eb_tensor_alloc(&in, "input", err) : eb_errf(err, EB_ENOMEM, "out of memory");
    int made = 0;
    for (; st == EB_OK && made < n_out; made++) {
        eb_tensor_copy_meta(&step[made], &g->values[g->outputs[made]].t);
        eb_tensor_copy_meta(&outs[made], &step[made]);
        outs[made].shape[0] = batches * step[made].shape[0];
        if ((st = eb_tensor_alloc(&step[made], "output", err)) == EB_OK &&
            (st = eb_tensor_alloc(&outs[made], "outputs", err)) != EB_OK)
            eb_tensor_free_data(&step[made]);
    }
    int64_t correct = 0, classes = logits_meta->shape[1];
    for (int64_t b = 0; st == EB_OK && b < batches; b++) {
        eb_progress_note(EB_PHASE_EVAL, b * batch, batches * batch);
        if ((st = eb_dataset_fill(ds, b * batch, batch, &e->pre, &in, err)) != EB_OK ||
            (st = r->run(plan, &in, step, err)) != EB_OK)
            break;
        for (int k = 0; k < n_out; k++) {
            size_t nb = eb_tensor_nbytes(&step[k]);
            memcpy((char *)outs[k].data + (size_t)b * nb, step[k].data, nb);
        }
        const float *scores = step[0].data;
        for (int64_t i = 0; i < batch; i++)
            correct += argmax(scores + i * classes, classes) == ds->labels[b * batch + i];
    }
    for (int k = 0; k < made; k++) {
        eb_tensor_free_data(&step[k]);
        if (st != EB_OK)
            eb_tensor_free_data(&outs[k]);
    }
    free(step);
    eb_tensor_free_data(&in);
    if (st != EB_OK)
        return st;
    tm->available = true;
    snprintf(tm->metric, sizeof tm->metric, "%s", e->metric);
    snprintf(tm->dataset, sizeof tm->dataset, "%s", e->dataset);
    tm->correct = correct;
    tm->count = batches * batch;
    tm->value = (double)correct / (double)tm->count;
    tm->reference = e->pytorch_accuracy;
    return EB_OK;
}
