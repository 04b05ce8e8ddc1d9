// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_trace: the obmalloc:obm_alloc and obmalloc:obm_free events
 * fire for a known sequence of calls (a pool block, a block that goes to
 * kmalloc(), a realloc that moves, their frees), exactly once each, in
 * order, with the documented arguments. The test attaches its own probes
 * to the tracepoints (tracefs files cannot be written from the kernel);
 * the text format is checked by the VM scenario tools/vm/guest/trace.sh,
 * through tracefs, as a user would read it.
 */

#include <linux/kallsyms.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "obm_test.h"
#include "../module/obm_trace.h"

#define OBM_TEST_TRACE_MAX	16

struct obm_test_event {
	bool		alloc;
	char		call_site[KSYM_SYMBOL_LEN];
	const void	*ptr;
	char		heap[OBM_HEAP_NAME_MAX + 1];
	size_t		bytes_req, bytes_alloc;
	gfp_t		gfp;
};

struct obm_test_trace {
	struct obm_test_event	events[OBM_TEST_TRACE_MAX];
	unsigned int		nr;
	struct task_struct	*task;	/* only this test's calls */
};

static void obm_test_probe_alloc(void *data, unsigned long call_site,
				 const void *ptr, const char *heap,
				 size_t bytes_req, size_t bytes_alloc, gfp_t gfp)
{
	struct obm_test_trace *t = data;
	struct obm_test_event *e;

	if (current != t->task || t->nr == OBM_TEST_TRACE_MAX)
		return;
	e = &t->events[t->nr++];
	e->alloc = true;
	sprint_symbol_no_offset(e->call_site, call_site);
	e->ptr = ptr;
	strscpy(e->heap, heap, sizeof(e->heap));
	e->bytes_req = bytes_req;
	e->bytes_alloc = bytes_alloc;
	e->gfp = gfp;
}

static void obm_test_probe_free(void *data, unsigned long call_site,
				const void *ptr, const char *heap)
{
	struct obm_test_trace *t = data;
	struct obm_test_event *e;

	if (current != t->task || t->nr == OBM_TEST_TRACE_MAX)
		return;
	e = &t->events[t->nr++];
	sprint_symbol_no_offset(e->call_site, call_site);
	e->ptr = ptr;
	strscpy(e->heap, heap, sizeof(e->heap));
}

static void obm_test_trace_detach(void *data)
{
	unregister_trace_obm_alloc(obm_test_probe_alloc, data);
	unregister_trace_obm_free(obm_test_probe_free, data);
	tracepoint_synchronize_unregister();
}

static void obm_test_expect_event(struct kunit *test, struct obm_test_trace *t,
				  unsigned int i, bool alloc, const void *ptr,
				  const char *heap, size_t req, size_t got)
{
	struct obm_test_event *e = &t->events[i];

	KUNIT_ASSERT_LT_MSG(test, i, t->nr, "event %u missing", i);
	KUNIT_EXPECT_EQ_MSG(test, e->alloc, alloc, "event %u", i);
	KUNIT_EXPECT_STREQ_MSG(test, e->call_site,
			       "obm_test_trace_events [obmalloc_kunit]",
			       "event %u", i);
	KUNIT_EXPECT_PTR_EQ_MSG(test, e->ptr, ptr, "event %u", i);
	KUNIT_EXPECT_STREQ_MSG(test, e->heap, heap, "event %u", i);
	if (!alloc)
		return;
	KUNIT_EXPECT_EQ_MSG(test, e->bytes_req, req, "event %u", i);
	KUNIT_EXPECT_EQ_MSG(test, e->bytes_alloc, got, "event %u", i);
	KUNIT_EXPECT_EQ_MSG(test, (__force unsigned long)e->gfp,
			    (__force unsigned long)GFP_KERNEL, "event %u", i);
}

static void obm_test_trace_events(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	const char *name = obm_test_heap_name(test, heap);
	struct obm_test_trace *t;
	void *p, *q, *r;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->task = current;
	KUNIT_ASSERT_EQ(test, 0, register_trace_obm_alloc(obm_test_probe_alloc, t));
	KUNIT_ASSERT_EQ(test, 0, register_trace_obm_free(obm_test_probe_free, t));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, obm_test_trace_detach, t));

	p = obm_heap_alloc(heap, 100, GFP_KERNEL);
	q = obm_heap_alloc(heap, 600, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	r = obm_realloc(p, 300, GFP_KERNEL);	/* another class: it moves */
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_PTR_NE(test, r, p);
	/* Same class: in place, no event. */
	KUNIT_EXPECT_PTR_EQ(test, obm_realloc(r, 296, GFP_KERNEL), r);
	obm_free(r);
	obm_free(q);
	obm_free(NULL);				/* no event, as kfree(NULL) */

	KUNIT_EXPECT_EQ(test, t->nr, 6);
	obm_test_expect_event(test, t, 0, true, p, name, 100, 104);
	obm_test_expect_event(test, t, 1, true, q, name, 600,
			      kmalloc_size_roundup(600));
	obm_test_expect_event(test, t, 2, true, r, name, 300, 304);
	obm_test_expect_event(test, t, 3, false, p, name, 0, 0);
	obm_test_expect_event(test, t, 4, false, r, name, 0, 0);
	obm_test_expect_event(test, t, 5, false, q, "(kmalloc)", 0, 0);
}

static struct kunit_case obm_trace_cases[] = {
	KUNIT_CASE(obm_test_trace_events),
	{}
};

static struct kunit_suite obm_trace_suite = {
	.name = "obmalloc_trace",
	.test_cases = obm_trace_cases,
};

kunit_test_suite(obm_trace_suite);
