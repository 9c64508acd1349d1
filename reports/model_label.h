/* model_label.h - which results measured the same model, and a short name
 * for a model that tells it apart from the others in view.
 *
 * A result names its model by file name ("net" for .../net.onnx), and two
 * different models may share that name.  A model's identity is its name
 * and its SHA-256 (its path, where a result lacks the digest).  The label
 * is the name when no other model in view shares it (a result of the same
 * path with another digest is that model, changed, not another one); else
 * the name under
 * its parent folder ("a/net") when that tells them apart; else the name
 * with the first 8 hex digits of its SHA-256 ("net@1a2b3c4d"). */
#ifndef EB_MODEL_LABEL_H
#define EB_MODEL_LABEL_H

#include <stdbool.h>
#include <stddef.h>

#include "reports/results_load.h"

/* Same name, and the same SHA-256 (or, when either lacks one, the same
 * path). */
bool eb_same_model(const eb_result *a, const eb_result *b);

/* The label of r's model among every result of sets[0..n_sets). */
void eb_model_label(const eb_result *r, const eb_result_set *const *sets, int n_sets, char *buf, size_t len);

#endif
