// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc's trace events (obm_trace.h): defined here, once. The calls
 * are in obm_heap.c, at the exported entry points.
 */

#define CREATE_TRACE_POINTS
#include "obm_trace.h"

/* For obmalloc's KUnit suite, which attaches its own probes. */
EXPORT_TRACEPOINT_SYMBOL_GPL(obm_alloc);
EXPORT_TRACEPOINT_SYMBOL_GPL(obm_free);
