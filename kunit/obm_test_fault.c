// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_fault: allocations failing where obmalloc allocates - an
 * arena (fail_arena), and every kmalloc() of its own (failslab's fail-nth:
 * a heap's descriptor, a class, a CPU's magazines, a debug heap's block
 * records) - return NULL or -ENOMEM, are counted, and leak nothing
 * (kmemleak scans after the suites), or, where obmalloc can do without
 * the memory (a magazine), still succeed.
 */

#include <linux/irqflags.h>
#include <linux/sched.h>

#include "obm_test.h"

/* An injected arena failure returns NULL, is counted, leaks nothing. */
static void obm_test_fault_arena_fails(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_stats s;
	void *p;

	obm_test_fresh_sets(test);
	obm_test_fail_arenas(test, 1);
	KUNIT_EXPECT_NULL(test, obm_heap_alloc(heap, 64, GFP_KERNEL));
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.alloc_failures, 1);
	KUNIT_EXPECT_EQ(test, s.pages_held, 0);
	KUNIT_EXPECT_EQ(test, s.total_bytes, 0);

	/* Only one failure was asked for: the next allocation works. */
	p = obm_heap_alloc(heap, 64, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	obm_free(p);
	obm_test_check_empty(test, heap);
}

/* The same in atomic context: NULL at once, no sleep. */
static void obm_test_fault_atomic(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_stats s;
	unsigned long flags;
	void *p;

	obm_test_fresh_sets(test);
	obm_test_fail_arenas(test, 2);
	flags = obm_test_atomic_begin();
	p = obm_heap_alloc(heap, 300, GFP_ATOMIC);
	obm_test_atomic_end(flags);
	KUNIT_EXPECT_NULL(test, p);
	KUNIT_EXPECT_NULL(test, obm_heap_alloc(heap, 300, GFP_NOWAIT));
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.alloc_failures, 2);
	KUNIT_EXPECT_EQ(test, s.pages_held, 0);
}

/* Failing arenas do not affect blocks that existing arenas can serve. */
static void obm_test_fault_existing_arena(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_stats s;
	void *p, *q, *r;

	obm_test_fresh_sets(test);
	p = obm_heap_alloc(heap, 16, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	obm_test_fail_arenas(test, 100);
	q = obm_heap_alloc(heap, 16, GFP_KERNEL);	/* same pool */
	r = obm_heap_alloc(heap, 480, GFP_KERNEL);	/* new pool, same arena */
	KUNIT_EXPECT_NOT_NULL(test, q);
	KUNIT_EXPECT_NOT_NULL(test, r);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.alloc_failures, 0);
	KUNIT_EXPECT_EQ(test, s.pages_held, 2);
	obm_free(p);
	obm_free(q);
	obm_free(r);
}

/* Running out of arenas part way through a batch breaks nothing. */
static void obm_test_fault_mid_batch(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	unsigned int i, n, per_arena;
	struct obm_test_stats s;
	void **blocks;

	obm_test_fresh_sets(test);
	obm_test_read_stats(test, heap, &s);
	per_arena = s.arena_size / s.pool_size *
		    ((s.pool_size - s.pool_header_size) / 512);
	n = per_arena + 1;
	blocks = kunit_kcalloc(test, n, sizeof(*blocks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	for (i = 0; i < per_arena; i++) {
		blocks[i] = obm_heap_alloc(heap, 512, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
		obm_test_fill(blocks[i], 512, i);
	}
	/* The arena is full: the next block needs one, and it fails. */
	obm_test_fail_arenas(test, 1);
	KUNIT_EXPECT_NULL(test, obm_heap_alloc(heap, 512, GFP_KERNEL | __GFP_NOWARN));
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.pages_held, s.arena_size / s.pool_size);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, per_arena);
	KUNIT_EXPECT_EQ(test, s.alloc_failures, 1);
	KUNIT_EXPECT_EQ(test, s.unused_pools, 0);

	blocks[per_arena] = obm_heap_alloc(heap, 512, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, blocks[per_arena]);
	for (i = 0; i < per_arena; i++)
		KUNIT_EXPECT_TRUE(test, obm_test_check_fill(blocks[i], 512, i));
	for (i = 0; i < n; i++)
		obm_free(blocks[i]);
	obm_test_check_empty(test, heap);
}

/* More fail-nth points than any of the calls below passes. */
#define OBM_TEST_FAIL_NTH_MAX	64

/* The task's fail-nth (Documentation/fault-injection), where it exists. */
static void obm_test_fail_nth(unsigned int n)
{
#ifdef CONFIG_FAULT_INJECTION
	current->fail_nth = n;
#endif
}

/* Whether the fail-nth set has not come yet. */
static bool obm_test_fail_nth_pending(void)
{
#ifdef CONFIG_FAULT_INJECTION
	return current->fail_nth;
#else
	return false;
#endif
}

static void obm_test_failslab_off(void *unused)
{
	obm_test_fail_nth(0);
}

/*
 * fail-nth must fail GFP_KERNEL kmalloc()s too: failslab ignores them by
 * default, and its debugfs switch takes no write from the kernel, so
 * tools/vm/guest/check.sh turns ignore-gfp-wait off. Probed here with one
 * kmalloc(); skip loudly where the kernel cannot.
 */
static void obm_test_failslab_on(struct kunit *test)
{
	void *probe;

	if (!IS_ENABLED(CONFIG_FAILSLAB))
		kunit_skip(test, "no CONFIG_FAILSLAB");
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, obm_test_failslab_off, NULL));
	obm_test_fail_nth(1);
	probe = kmalloc(8, GFP_KERNEL | __GFP_NOWARN);
	obm_test_fail_nth(0);
	kfree(probe);
	if (probe)
		kunit_skip(test, "failslab ignores GFP_KERNEL: ignore-gfp-wait is not N");
}

/*
 * Creating a heap with its n-th kmalloc() failing, for every n until one
 * creation needs fewer: -ENOMEM each time (or a heap, if the failure hit
 * something a heap can do without, as its debugfs files), nothing leaked.
 */
static void obm_test_fault_failslab_create(struct kunit *test)
{
	unsigned int n, failed = 0;
	struct obm_heap *heap;
	bool done = false;

	obm_test_failslab_on(test);
	for (n = 1; n <= OBM_TEST_FAIL_NTH_MAX && !done; n++) {
		obm_test_fail_nth(n);
		heap = obm_heap_create("kunit-failslab");
		done = obm_test_fail_nth_pending();	/* the n-th never came */
		obm_test_fail_nth(0);
		if (IS_ERR(heap)) {
			KUNIT_EXPECT_EQ(test, PTR_ERR(heap), -ENOMEM);
			failed++;
			continue;
		}
		obm_heap_destroy(heap);
	}
	KUNIT_EXPECT_TRUE_MSG(test, done, "more than %u kmalloc()s in obm_heap_create()",
			      OBM_TEST_FAIL_NTH_MAX);
	KUNIT_EXPECT_GE(test, failed, 3);
}

/*
 * A heap's first allocation on a CPU allocates its class, the CPU's cache
 * and the class's magazine (and, with fresh sets, an arena descriptor):
 * with each of those failing in turn, the allocation returns NULL and
 * counts it, or - where only a magazine could not be had - still
 * succeeds from the pool, leaving the CPU without magazine memory.
 */
static void obm_test_fault_failslab_first_alloc(struct kunit *test)
{
	unsigned int n, failed = 0, without_magazine = 0;
	struct obm_test_stats s;
	bool done = false;

	obm_test_failslab_on(test);
	obm_test_fresh_sets(test);
	for (n = 1; n <= OBM_TEST_FAIL_NTH_MAX && !done; n++) {
		struct obm_heap *heap = obm_heap_create("kunit-failslab-alloc");
		void *p;

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, heap);
		obm_test_fail_nth(n);
		p = obm_heap_alloc(heap, 200, GFP_KERNEL);
		done = obm_test_fail_nth_pending();
		obm_test_fail_nth(0);
		obm_test_read_named_stats(test, "kunit-failslab-alloc", &s);
		if (!p) {
			KUNIT_EXPECT_EQ(test, s.alloc_failures, 1);
			failed++;
		} else if (!s.bytes_in_magazines) {
			without_magazine++;
		}
		obm_free(p);
		obm_heap_destroy(heap);
	}
	KUNIT_EXPECT_TRUE(test, done);
	KUNIT_EXPECT_GE(test, failed, 1);
	KUNIT_EXPECT_GE(test, without_magazine, 1);
}

/*
 * A debug heap's first allocation makes its class, an arena of its own
 * set and the arena's block records, each where allocating is allowed:
 * with each kmalloc() failing in turn, in a new heap each time, the
 * allocation fails cleanly (counted, nothing leaked), or succeeds where
 * the failure hit an allocation of the kernel's own (kmemleak's record
 * of an object falls back to its pool). Records: one array per arena, one
 * per pool, so this passes many fail-nth points.
 */
static void obm_test_fault_failslab_records(struct kunit *test)
{
	unsigned int n, failed = 0;
	struct obm_test_stats s;
	bool done = false;

	obm_test_failslab_on(test);
	for (n = 1; n <= OBM_TEST_FAIL_NTH_MAX * 8 && !done; n++) {
		struct obm_heap *heap;
		void *p;

		KUNIT_ASSERT_EQ(test, 0,
				obm_test_write_file(OBM_TEST_DEBUG_PARAM,
						    "F,kunit-failslab-rec"));
		heap = obm_heap_create("kunit-failslab-rec");
		obm_test_write_file(OBM_TEST_DEBUG_PARAM, "-");
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, heap);
		obm_test_fail_nth(n);
		p = obm_heap_alloc(heap, 64, GFP_KERNEL);
		done = obm_test_fail_nth_pending();
		obm_test_fail_nth(0);
		obm_test_read_named_stats(test, "kunit-failslab-rec", &s);
		if (!p) {
			KUNIT_EXPECT_EQ(test, s.alloc_failures, 1);
			KUNIT_EXPECT_EQ(test, s.blocks_in_use, 0);
			failed++;
		}
		obm_free(p);
		obm_heap_destroy(heap);
	}
	KUNIT_EXPECT_TRUE(test, done);
	KUNIT_EXPECT_GE(test, failed, 3);
}

static struct kunit_case obm_fault_cases[] = {
	KUNIT_CASE(obm_test_fault_arena_fails),
	KUNIT_CASE(obm_test_fault_atomic),
	KUNIT_CASE(obm_test_fault_existing_arena),
	KUNIT_CASE(obm_test_fault_mid_batch),
	KUNIT_CASE(obm_test_fault_failslab_create),
	KUNIT_CASE(obm_test_fault_failslab_first_alloc),
	KUNIT_CASE(obm_test_fault_failslab_records),
	{}
};

static struct kunit_suite obm_fault_suite = {
	.name = "obmalloc_fault",
	.test_cases = obm_fault_cases,
};

kunit_test_suite(obm_fault_suite);
