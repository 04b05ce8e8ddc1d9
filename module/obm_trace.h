/* SPDX-License-Identifier: GPL-2.0 */
/*
 * obmalloc's trace events, in the "obmalloc" system: obm_alloc and
 * obm_free, shaped as kmem's kmalloc and kfree (the same field names and
 * formats, plus the heap's name), so scripts written for kmem adapt by a
 * rename:
 *
 *   obmalloc:obm_alloc  call_site=%pS ptr=%p heap=%s bytes_req=%zu
 *                       bytes_alloc=%zu gfp_flags=%s
 *   obmalloc:obm_free   call_site=%pS ptr=%p heap=%s
 *
 * call_site is the caller of the exported function (obm_alloc(),
 * obm_heap_alloc(), obm_zalloc(), obm_realloc(), obm_free()). Every
 * allocation call is an event, as every kmalloc() is, failures (ptr
 * NULL) and zero-size requests (ZERO_SIZE_PTR, bytes_alloc 0) included;
 * obm_realloc() that moves a block is an obm_alloc of the new block and an
 * obm_free of the old, and one that keeps it in place is no event, as
 * with krealloc(). A block that went to kmalloc() shows the heap that
 * asked when allocated, and "(kmalloc)" when freed or resized: obmalloc
 * does not record which heap a kmalloc()ed block came from.
 *
 * The heap's name is copied into the event (at most 31 bytes), not
 * referenced: a heap may be destroyed before the trace is read.
 *
 * Defined by obm_trace.c, the only file with CREATE_TRACE_POINTS.
 * Disabled events cost a static branch each (see README, Benchmark).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM obmalloc

#if !defined(_OBM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _OBM_TRACE_H

#include <linux/tracepoint.h>
#include <trace/events/mmflags.h>

#include <obmalloc.h>

TRACE_EVENT(obm_alloc,
	    TP_PROTO(unsigned long call_site, const void *ptr,
		     const char *heap, size_t bytes_req, size_t bytes_alloc,
		     gfp_t gfp_flags),
	    TP_ARGS(call_site, ptr, heap, bytes_req, bytes_alloc, gfp_flags),
	    TP_STRUCT__entry(__field(unsigned long, call_site)
			     __field(const void *, ptr)
			     __array(char, heap, OBM_HEAP_NAME_MAX + 1)
			     __field(size_t, bytes_req)
			     __field(size_t, bytes_alloc)
			     __field(unsigned long, gfp_flags)),
	    TP_fast_assign(__entry->call_site = call_site;
			   __entry->ptr = ptr;
			   strscpy(__entry->heap, heap, sizeof(__entry->heap));
			   __entry->bytes_req = bytes_req;
			   __entry->bytes_alloc = bytes_alloc;
			   __entry->gfp_flags = (__force unsigned long)gfp_flags;),
	    TP_printk("call_site=%pS ptr=%p heap=%s bytes_req=%zu bytes_alloc=%zu gfp_flags=%s",
		      (void *)__entry->call_site, __entry->ptr, __entry->heap,
		      __entry->bytes_req, __entry->bytes_alloc,
		      show_gfp_flags(__entry->gfp_flags))
);

TRACE_EVENT(obm_free,
	    TP_PROTO(unsigned long call_site, const void *ptr,
		     const char *heap),
	    TP_ARGS(call_site, ptr, heap),
	    TP_STRUCT__entry(__field(unsigned long, call_site)
			     __field(const void *, ptr)
			     __array(char, heap, OBM_HEAP_NAME_MAX + 1)),
	    TP_fast_assign(__entry->call_site = call_site;
			   __entry->ptr = ptr;
			   strscpy(__entry->heap, heap, sizeof(__entry->heap));),
	    TP_printk("call_site=%pS ptr=%p heap=%s",
		      (void *)__entry->call_site, __entry->ptr, __entry->heap)
);

#endif /* _OBM_TRACE_H */

/* The events are defined outside include/trace/events: say where. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE obm_trace
#include <trace/define_trace.h>
