/* ref_rnn.h - the activation functions of the recurrent ops (LSTM, GRU,
 * RNN), shared by the reference kernel (ref_rnn.c) and any runner kernel
 * that must compute them the same way. */
#ifndef EB_REF_RNN_H
#define EB_REF_RNN_H

#include "models/op_params.h"

/* a applied to x, in double. */
double eb_rnn_activate(const eb_rnn_act *a, double x);

#endif
