/* ops.c - the op table, generated from ops.def. */
#include "models/ops.h"

#include <string.h>

#include "models/shape_rules.h"

const eb_op_info eb_ops[EB_OP_COUNT] = {
    [EB_OP_UNKNOWN] = {"unknown", 0, 0, 0, 0, NULL},
#define EB_OP(e, name, mi, ma, mo, mao, impl) [EB_OP_##e] = {name, mi, ma, mo, mao, eb_shape_##impl},
#include "models/ops.def"
#undef EB_OP
};

eb_op eb_op_from_name(const char *name)
{
    for (int i = 1; i < EB_OP_COUNT; i++)
        if (strcmp(eb_ops[i].name, name) == 0)
            return (eb_op)i;
    return EB_OP_UNKNOWN;
}

const char *eb_op_name(eb_op op)
{
    return (unsigned)op < EB_OP_COUNT ? eb_ops[op].name : "invalid";
}
