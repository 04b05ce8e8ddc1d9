// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_stats: the debugfs figures add up exactly and match what the
 * test allocated. obmalloc_fault: injected arena failures return NULL,
 * count, and leak nothing.
 */

#include <linux/irqflags.h>
#include <linux/prandom.h>

#include "obm_test.h"

/* One pool of one class: every figure is known in advance. */
static void obm_test_stats_one_pool(struct kunit *test)
{
	const unsigned int size = 24;
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_stats s;
	unsigned long per_pool;
	void *p[3];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = obm_heap_alloc(heap, size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	obm_test_drain(test, heap);
	obm_test_read_stats(test, heap, &s);
	per_pool = (s.pool_size - s.pool_header_size) / size;
	KUNIT_EXPECT_EQ(test, s.arena_size, OBM_TEST_ARENA_SIZE);
	KUNIT_EXPECT_EQ(test, s.pool_size, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, s.arenas_current, 1);
	KUNIT_EXPECT_EQ(test, s.arenas_allocated_total, 1);
	KUNIT_EXPECT_EQ(test, s.arenas_highwater, 1);
	KUNIT_EXPECT_EQ(test, s.pools_in_use, 1);
	KUNIT_EXPECT_EQ(test, s.unused_pools, s.arena_size / s.pool_size - 1);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, 3);
	KUNIT_EXPECT_EQ(test, s.bytes_in_allocated_blocks, 3 * size);
	KUNIT_EXPECT_EQ(test, s.bytes_in_available_blocks, (per_pool - 3) * size);
	KUNIT_EXPECT_EQ(test, s.bytes_lost_to_pool_headers, s.pool_header_size);
	KUNIT_EXPECT_EQ(test, s.bytes_lost_to_quantization,
			(s.pool_size - s.pool_header_size) % size);
	KUNIT_EXPECT_EQ(test, s.total_bytes, s.arena_size);
	obm_test_check_totals(test, heap);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		obm_free(p[i]);
}

/* The classes file lists exactly the classes in use, with exact counts. */
static void obm_test_stats_classes_rows(struct kunit *test)
{
	static const unsigned int sizes[] = { 8, 48, 48, 400, 512, 512, 512 };
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_class *classes;
	void *p[ARRAY_SIZE(sizes)];
	unsigned int i;

	classes = kunit_kcalloc(test, OBM_NR_CLASSES, sizeof(*classes), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, classes);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = obm_heap_alloc(heap, sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	obm_test_read_classes(test, heap, classes);
	for (i = 0; i < OBM_NR_CLASSES; i++) {
		unsigned int size = (i + 1) * OBM_ALIGNMENT, j, n = 0;

		for (j = 0; j < ARRAY_SIZE(sizes); j++)
			n += sizes[j] == size;
		KUNIT_EXPECT_EQ_MSG(test, classes[i].present, n > 0, "class %u", i);
		if (!n)
			continue;
		KUNIT_EXPECT_EQ(test, classes[i].size, size);
		KUNIT_EXPECT_EQ(test, classes[i].pools, 1);
		KUNIT_EXPECT_EQ(test, classes[i].full_pools, 0);
		KUNIT_EXPECT_EQ(test, classes[i].blocks_used, n);
		KUNIT_EXPECT_EQ(test, classes[i].blocks_used + classes[i].blocks_avail +
				classes[i].blocks_cached, (PAGE_SIZE - 48) / size);
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		obm_free(p[i]);
}

/* A random mix of sizes, lifetimes and frees: the totals stay exact. */
static void obm_test_stats_random_mix(struct kunit *test)
{
	const unsigned int n = 3000;
	struct obm_heap *heap = obm_test_heap(test);
	unsigned long live_bytes = 0, live = 0;
	struct obm_test_stats s;
	struct rnd_state rnd;
	unsigned int i, round;
	void **blocks;

	blocks = kunit_kcalloc(test, n, sizeof(*blocks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	prandom_seed_state(&rnd, 512);
	for (round = 0; round < 4; round++) {
		for (i = 0; i < n; i++) {
			if (blocks[i] && prandom_u32_state(&rnd) % 2) {
				live_bytes -= obm_usable_size(blocks[i]);
				live--;
				obm_free(blocks[i]);
				blocks[i] = NULL;
			} else if (!blocks[i]) {
				size_t size = 1 + prandom_u32_state(&rnd) % OBM_SMALL_MAX;

				blocks[i] = obm_heap_alloc(heap, size, GFP_KERNEL);
				KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
				live_bytes += obm_usable_size(blocks[i]);
				live++;
			}
		}
		obm_test_read_stats(test, heap, &s);
		KUNIT_EXPECT_EQ(test, s.blocks_in_use, live);
		KUNIT_EXPECT_EQ(test, s.bytes_in_allocated_blocks, live_bytes);
		obm_test_check_totals(test, heap);
	}
	for (i = 0; i < n; i++)
		obm_free(blocks[i]);
	obm_test_check_totals(test, heap);
	obm_test_drain(test, heap);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, 0);
	KUNIT_EXPECT_EQ(test, s.blocks_cached, 0);
	KUNIT_EXPECT_EQ(test, s.bytes_in_allocated_blocks, 0);
	KUNIT_EXPECT_EQ(test, s.arenas_current, 1);
	obm_test_check_totals(test, heap);
}

static struct kunit_case obm_stats_cases[] = {
	KUNIT_CASE(obm_test_stats_one_pool),
	KUNIT_CASE(obm_test_stats_classes_rows),
	KUNIT_CASE(obm_test_stats_random_mix),
	{}
};

static struct kunit_suite obm_stats_suite = {
	.name = "obmalloc_stats",
	.test_cases = obm_stats_cases,
};

/* An injected arena failure returns NULL, is counted, leaks nothing. */
static void obm_test_fault_arena_fails(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_stats s;
	void *p;

	obm_test_fail_arenas(test, 1);
	KUNIT_EXPECT_NULL(test, obm_heap_alloc(heap, 64, GFP_KERNEL));
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.alloc_failures, 1);
	KUNIT_EXPECT_EQ(test, s.arenas_allocated_total, 0);
	KUNIT_EXPECT_EQ(test, s.total_bytes, 0);

	/* Only one failure was asked for: the next allocation works. */
	p = obm_heap_alloc(heap, 64, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	obm_free(p);
	obm_test_check_totals(test, heap);
}

/* The same in atomic context: NULL at once, no sleep. */
static void obm_test_fault_atomic(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_stats s;
	unsigned long flags;
	void *p;

	obm_test_fail_arenas(test, 2);
	local_irq_save(flags);
	p = obm_heap_alloc(heap, 300, GFP_ATOMIC);
	local_irq_restore(flags);
	KUNIT_EXPECT_NULL(test, p);
	KUNIT_EXPECT_NULL(test, obm_heap_alloc(heap, 300, GFP_NOWAIT));
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.alloc_failures, 2);
	KUNIT_EXPECT_EQ(test, s.arenas_current, 0);
}

/* Failing arenas do not affect blocks that existing arenas can serve. */
static void obm_test_fault_existing_arena(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_stats s;
	void *p, *q, *r;

	p = obm_heap_alloc(heap, 16, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	obm_test_fail_arenas(test, 100);
	q = obm_heap_alloc(heap, 16, GFP_KERNEL);	/* same pool */
	r = obm_heap_alloc(heap, 480, GFP_KERNEL);	/* new pool, same arena */
	KUNIT_EXPECT_NOT_NULL(test, q);
	KUNIT_EXPECT_NOT_NULL(test, r);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.alloc_failures, 0);
	KUNIT_EXPECT_EQ(test, s.arenas_allocated_total, 1);
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

	obm_test_pin_cpu(test);

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
	KUNIT_EXPECT_EQ(test, s.arenas_current, 1);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, per_arena);
	KUNIT_EXPECT_EQ(test, s.alloc_failures, 1);
	KUNIT_EXPECT_EQ(test, s.unused_pools, 0);

	blocks[per_arena] = obm_heap_alloc(heap, 512, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, blocks[per_arena]);
	for (i = 0; i < per_arena; i++)
		KUNIT_EXPECT_TRUE(test, obm_test_check_fill(blocks[i], 512, i));
	for (i = 0; i < n; i++)
		obm_free(blocks[i]);
	obm_test_check_totals(test, heap);
}

static struct kunit_case obm_fault_cases[] = {
	KUNIT_CASE(obm_test_fault_arena_fails),
	KUNIT_CASE(obm_test_fault_atomic),
	KUNIT_CASE(obm_test_fault_existing_arena),
	KUNIT_CASE(obm_test_fault_mid_batch),
	{}
};

static struct kunit_suite obm_fault_suite = {
	.name = "obmalloc_fault",
	.test_cases = obm_fault_cases,
};

kunit_test_suites(&obm_stats_suite, &obm_fault_suite);
