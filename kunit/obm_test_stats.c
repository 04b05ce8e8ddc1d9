// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_stats: the debugfs figures add up exactly and match what the
 * test allocated, by class, and the pages under its blocks.
 */

#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/page_ref.h>
#include <linux/prandom.h>
#include <linux/sort.h>

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
	KUNIT_EXPECT_EQ(test, s.pages_held, 1);
	KUNIT_EXPECT_EQ(test, s.arena_pages, 1);
	KUNIT_EXPECT_EQ(test, s.pools_in_use, 1);
	KUNIT_EXPECT_EQ(test, s.unused_pools, 0);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, 3);
	KUNIT_EXPECT_EQ(test, s.bytes_in_allocated_blocks, 3 * size);
	KUNIT_EXPECT_EQ(test, s.bytes_in_available_blocks, (per_pool - 3) * size);
	KUNIT_EXPECT_EQ(test, s.bytes_lost_to_pool_headers, s.pool_header_size);
	KUNIT_EXPECT_EQ(test, s.bytes_lost_to_quantization,
			(s.pool_size - s.pool_header_size) % size);
	KUNIT_EXPECT_EQ(test, s.total_bytes, s.pool_size);
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

	/*
	 * One CPU's magazine refills from one pool: on two CPUs, two refills
	 * of the 512-byte class could take all 8 blocks of its pool.
	 */
	obm_test_pin_cpu(test);
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
				classes[i].blocks_cached, PAGE_SIZE / size);
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
	struct obm_test_ledger ledger = { };
	struct rnd_state rnd;
	unsigned int i, round;
	void **blocks;
	size_t *sizes;

	blocks = kunit_kcalloc(test, n, sizeof(*blocks), GFP_KERNEL);
	sizes = kunit_kcalloc(test, n, sizeof(*sizes), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	KUNIT_ASSERT_NOT_NULL(test, sizes);
	ledger.blocks = blocks;
	ledger.sizes = sizes;
	ledger.nr = n;
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
				sizes[i] = size;
				live_bytes += obm_usable_size(blocks[i]);
				live++;
			}
		}
		obm_test_read_stats(test, heap, &s);
		KUNIT_EXPECT_EQ(test, s.blocks_in_use, live);
		KUNIT_EXPECT_EQ(test, s.bytes_in_allocated_blocks, live_bytes);
		obm_test_ledger_check(test, heap, &ledger);
	}
	for (i = 0; i < n; i++)
		obm_free(blocks[i]);
	obm_test_check_empty(test, heap);
}

/*
 * The figures against what obmalloc does not compute: a ledger the test
 * keeps of every block it holds (obm_test_ledger_check(): per class, and
 * the pages under the blocks as the page allocator sees them), after a
 * random mix with two thirds freed, which leaves holes in most pools.
 */
static void obm_test_stats_ledger(struct kunit *test)
{
	const unsigned int n = 4000;
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_ledger *ledger = obm_test_ledger(test, n);
	struct rnd_state rnd;
	unsigned int i;

	prandom_seed_state(&rnd, 7);
	for (i = 0; i < n; i++)
		obm_test_ledger_alloc(test, ledger, heap,
				      1 + prandom_u32_state(&rnd) % OBM_SMALL_MAX);
	for (i = 0; i < n; i++)
		if (prandom_u32_state(&rnd) % 3)
			obm_test_ledger_free(ledger, i);
	obm_test_ledger_check(test, heap, ledger);
}

/*
 * The fullness file sorts pools by how full they are: with the caches off,
 * fill three pools of 64-byte blocks, then leave one block in one (1%:
 * under 10%), half in another (50%: under 60%) and the third full.
 */
static void obm_test_stats_fullness(struct kunit *test)
{
	const unsigned int size = 64, per_pool = PAGE_SIZE / size;
	const unsigned int nr = 3 * per_pool;
	const unsigned int keep[3] = { 1, per_pool / 2, per_pool };
	struct obm_heap *heap = obm_test_heap(test);
	unsigned long pages[3] = { 0 }, row[12], idx;
	unsigned int kept[3] = { 0 }, i, pool;
	int fields;
	char *text, *line;
	void **p;

	obm_test_verify_free(test);
	p = kunit_kcalloc(test, nr, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < nr; i++) {
		p[i] = obm_heap_alloc(heap, size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	/* Which of three pages each block is in, as the test sees it. */
	for (i = 0; i < nr; i++) {
		unsigned long page = (unsigned long)p[i] & PAGE_MASK;

		for (pool = 0; pool < 3 && pages[pool] && pages[pool] != page; pool++)
			;
		KUNIT_ASSERT_LT(test, pool, 3);
		pages[pool] = page;
		if (kept[pool] < keep[pool]) {
			kept[pool]++;
			continue;
		}
		obm_free(p[i]);
		p[i] = NULL;
	}
	KUNIT_ASSERT_EQ(test, kept[2], per_pool);

	text = obm_test_read_heap_file(test, heap, "fullness");
	line = strsep(&text, "\n");
	KUNIT_ASSERT_STREQ(test, line,
			   "class  size  10%  20%  30%  40%  50%  60%  70%  80%  90%  99%  100%");
	line = strsep(&text, "\n");
	fields = sscanf(line, "%lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu",
			&idx, &row[0], &row[1], &row[2], &row[3], &row[4], &row[5],
			&row[6], &row[7], &row[8], &row[9], &row[10], &row[11]);
	KUNIT_ASSERT_EQ_MSG(test, fields, 13, "bad line '%s'", line);
	KUNIT_EXPECT_EQ(test, idx, size / 8 - 1);
	KUNIT_EXPECT_EQ(test, row[0], size);
	/* One pool each under 10% (1 of 64), under 60% (32 of 64), full. */
	for (i = 1; i <= 11; i++)
		KUNIT_EXPECT_EQ_MSG(test, row[i], i == 1 || i == 6 || i == 11,
				    "column %u", i);
	/* No other class has pools. */
	KUNIT_EXPECT_STREQ(test, strsep(&text, "\n"), "");
	for (i = 0; i < nr; i++)
		obm_free(p[i]);
}

static struct kunit_case obm_stats_cases[] = {
	KUNIT_CASE(obm_test_stats_one_pool),
	KUNIT_CASE(obm_test_stats_classes_rows),
	KUNIT_CASE(obm_test_stats_random_mix),
	KUNIT_CASE(obm_test_stats_ledger),
	KUNIT_CASE(obm_test_stats_fullness),
	{}
};

static struct kunit_suite obm_stats_suite = {
	.name = "obmalloc_stats",
	.test_cases = obm_stats_cases,
};

kunit_test_suite(obm_stats_suite);
