/* cpu_runner.h - what the `cpu` runner (runners/cpu/cpu_runner.c) tells
 * beyond the eb_runner interface: which ops of a prepared plan run on the
 * reference kernels, and where each value lives in the activation arena
 * (for the memory-planner tests).  Both take a plan made by
 * eb_runner_cpu.prepare; the strings and numbers belong to the plan. */
#ifndef EB_CPU_RUNNER_H
#define EB_CPU_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

#include "runners/runner.h"

extern const eb_runner eb_runner_cpu;

/* The ops of the plan that fell back to reference kernels, with counts, as
 * "Gather x1, Split x4" ("" when every node has a fast kernel). */
const char *eb_cpu_plan_fallbacks(const eb_plan *p);

/* Where graph value `value` lives: its byte offset in the plan's arena and
 * its size.  False when it has no arena storage (a constant, a value folded
 * or fused away, one that is never computed). */
bool eb_cpu_plan_value_region(const eb_plan *p, int value, size_t *offset, size_t *bytes);

/* Bytes of the arena (eb_plan_info.activation_bytes) and the sum of the
 * sizes of every buffer placed in it (what a plan without reuse needs). */
void eb_cpu_plan_arena(const eb_plan *p, size_t *arena, size_t *sum_of_buffers);

#endif
