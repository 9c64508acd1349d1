/* evaluate.h - the task metric of a zoo model on its dataset.
 *
 * Runs a prepared plan over the first `count` test images (in batches of
 * the graph's batch size), counts top-1 hits against the labels, and keeps
 * every output so that drift against the baseline can be measured on the
 * same real images. */
#ifndef EB_EVALUATE_H
#define EB_EVALUATE_H

#include <stdbool.h>
#include <stdint.h>

#include "models/zoo.h"
#include "reports/record.h"
#include "runners/runner.h"

/* eb_task_metric, the record's figure, is declared in reports/record.h. */

/* Loads the dataset of e (a clear message naming the Debian package when
 * its files are missing).  Free with eb_dataset_free. */
eb_status eb_evaluate_open(const eb_zoo_entry *e, eb_dataset *ds, eb_err *err);

/* The training split of e's dataset, for calibration: the test files'
 * names with "t10k-" read as "train-" (the MNIST family's naming); the
 * paths go to images/labels.  EB_EUNSUPPORTED when the names do not follow
 * it or the files are missing. */
eb_status eb_evaluate_open_train(const eb_zoo_entry *e, eb_dataset *ds, char *images, size_t n, eb_err *err);

/* Fills in[0] with the `index`-th batch of images: images index*B ..
 * (index+1)*B - 1 for the model's batch B (batch 0 is the timing input). */
eb_status eb_evaluate_batch(const eb_graph *g, const eb_zoo_entry *e, const eb_dataset *ds, int64_t index,
                            eb_tensor *in, eb_err *err);

/* Evaluates on min(count, test set) images rounded down to whole batches.
 * outs[k] receives output k of every batch, concatenated on axis 0
 * (allocated here; free with eb_tensor_free_data).  Fills *tm. */
eb_status eb_evaluate(const eb_runner *r, eb_plan *plan, const eb_graph *g, const eb_zoo_entry *e,
                      const eb_dataset *ds, int64_t count, eb_tensor *outs, eb_task_metric *tm, eb_err *err);

#endif
