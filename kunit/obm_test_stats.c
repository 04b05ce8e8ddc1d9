// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_stats: the debugfs figures add up exactly and match what the
 * test allocated, by class, and the pages under its blocks.
 * obmalloc_fault: injected arena failures return NULL, count, and leak
 * nothing.
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

static int obm_test_cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* The number of distinct values in @v, which it sorts. */
static unsigned int obm_test_distinct(unsigned long *v, unsigned int n)
{
	unsigned int i, distinct = 0;

	sort(v, n, sizeof(*v), obm_test_cmp_ulong, NULL);
	for (i = 0; i < n; i++)
		distinct += !i || v[i] != v[i - 1];
	return distinct;
}

/*
 * The figures against what obmalloc does not compute: a ledger the test
 * keeps of every block it holds, by class (the request rounded up to a
 * multiple of 8 bytes, the documented classes), against the classes file
 * and stats; and the page allocator's view of the pages under those
 * blocks (struct page: distinct pages, and the compound allocations they
 * belong to, each allocated, not a slab, of an arena's order or a single
 * page) against pools_in_use, arenas_current and arena_pages.
 */
static void obm_test_stats_ledger(struct kunit *test)
{
	const unsigned int n = 4000;
	const size_t max_size = 512;
	struct obm_heap *heap = obm_test_heap(test);
	unsigned long ledger_blocks[OBM_NR_CLASSES] = { 0 };
	unsigned long live = 0, live_bytes = 0, head_pages = 0;
	unsigned long *pfns, *heads, arena_pages_per_arena;
	u16 *sizes;
	unsigned int i, nr_pages, nr_heads;
	struct obm_test_class *classes;
	struct obm_test_stats s;
	struct rnd_state rnd;
	void **blocks;

	blocks = kunit_kcalloc(test, n, sizeof(*blocks), GFP_KERNEL);
	pfns = kunit_kcalloc(test, n, sizeof(*pfns), GFP_KERNEL);
	heads = kunit_kcalloc(test, n, sizeof(*heads), GFP_KERNEL);
	sizes = kunit_kcalloc(test, n, sizeof(*sizes), GFP_KERNEL);
	classes = kunit_kcalloc(test, OBM_NR_CLASSES, sizeof(*classes), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	KUNIT_ASSERT_NOT_NULL(test, pfns);
	KUNIT_ASSERT_NOT_NULL(test, heads);
	KUNIT_ASSERT_NOT_NULL(test, sizes);
	KUNIT_ASSERT_NOT_NULL(test, classes);
	prandom_seed_state(&rnd, 7);
	for (i = 0; i < n; i++) {
		sizes[i] = 1 + prandom_u32_state(&rnd) % max_size;
		blocks[i] = obm_heap_alloc(heap, sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
	}
	/* Free about two thirds, leaving holes in most pools. */
	for (i = 0; i < n; i++) {
		size_t class_size = round_up(sizes[i], 8);

		if (prandom_u32_state(&rnd) % 3) {
			obm_free(blocks[i]);
			blocks[i] = NULL;
			continue;
		}
		ledger_blocks[class_size / 8 - 1]++;
		live++;
		live_bytes += class_size;
	}
	obm_test_drain(test, heap);

	obm_test_read_classes(test, heap, classes);
	for (i = 0; i < OBM_NR_CLASSES; i++) {
		KUNIT_EXPECT_EQ_MSG(test, classes[i].blocks_used, ledger_blocks[i],
				    "class of %u bytes", (i + 1) * 8);
		KUNIT_EXPECT_EQ(test, classes[i].blocks_cached, 0);
		if (classes[i].present)
			KUNIT_EXPECT_EQ(test, classes[i].size, (i + 1) * 8);
	}
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, live);
	KUNIT_EXPECT_EQ(test, s.bytes_in_allocated_blocks, live_bytes);

	nr_pages = 0;
	for (i = 0; i < n; i++) {
		struct page *page, *head;

		if (!blocks[i])
			continue;
		page = virt_to_page(blocks[i]);
		head = compound_head(page);
		pfns[nr_pages] = page_to_pfn(page);
		heads[nr_pages++] = page_to_pfn(head);
	}
	KUNIT_ASSERT_EQ(test, nr_pages, live);
	/* A pool is one page: the pages under the live blocks are the pools. */
	KUNIT_EXPECT_EQ(test, obm_test_distinct(pfns, nr_pages), s.pools_in_use);
	nr_heads = obm_test_distinct(heads, nr_pages);
	arena_pages_per_arena = s.arena_size / s.pool_size;
	for (i = 0; i < nr_pages; i++) {
		struct page *head = pfn_to_page(heads[i]);
		unsigned long pages = 1UL << compound_order(head);

		if (i && heads[i] == heads[i - 1])
			continue;
		KUNIT_EXPECT_GT(test, page_ref_count(head), 0);
		KUNIT_EXPECT_FALSE(test, PageSlab(head));
		KUNIT_EXPECT_TRUE(test, pages == arena_pages_per_arena || pages == 1);
		head_pages += pages;
	}
	/* Besides the arenas in use, at most the one kept in reserve. */
	KUNIT_EXPECT_TRUE_MSG(test, s.arenas_current == nr_heads ||
			      s.arenas_current == nr_heads + 1,
			      "arenas_current %lu, arenas under live blocks %u",
			      s.arenas_current, nr_heads);
	KUNIT_EXPECT_EQ(test, s.arena_pages - head_pages,
			(s.arenas_current - nr_heads) * arena_pages_per_arena);

	for (i = 0; i < n; i++)
		obm_free(blocks[i]);
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
	flags = obm_test_atomic_begin();
	p = obm_heap_alloc(heap, 300, GFP_ATOMIC);
	obm_test_atomic_end(flags);
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
