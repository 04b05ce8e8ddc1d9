// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_field: conditions of machines that have run for months. Here,
 * memory so fragmented that no 256 KiB block is free anywhere: a small
 * allocation must still succeed whenever kmalloc()'s would, in process and
 * in atomic context, and quietly (no allocation-failure splat).
 *
 * The test takes every free page, then gives back those with an odd frame
 * number, so the buddy allocator can merge nothing above order 0, and
 * takes any order-6 block that is still left. It holds the even pages
 * until it ends.
 *
 * Taking every page wakes kswapd, which goes on reclaiming after the
 * hoard is complete, and whose frees (obmalloc's own shrinkers give back
 * empty arenas, 256 KiB each) can leave an order-6 block free again. The
 * test first empties those caches through drop_caches,
 * takes any order-6 block that came free before each attempt, and when a
 * heap still got a full arena, says so and tries again with a new heap,
 * at most OBM_TEST_FIELD_ATTEMPTS times.
 * An obmalloc that never falls back to single-page arenas fails every
 * attempt.
 */

#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "obm_test.h"

#define OBM_TEST_ARENA_ORDER	(ilog2(OBM_TEST_ARENA_SIZE) - PAGE_SHIFT)
#define OBM_TEST_FIELD_ATTEMPTS	4

struct obm_test_hoard {
	struct list_head pages;		/* order 0, through page->lru */
	struct list_head blocks;	/* order OBM_TEST_ARENA_ORDER */
	unsigned long nr_pages, nr_blocks;
};

static void obm_test_hoard_release(void *arg)
{
	struct obm_test_hoard *hoard = arg;
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &hoard->pages, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
	list_for_each_entry_safe(page, next, &hoard->blocks, lru) {
		list_del(&page->lru);
		__free_pages(page, OBM_TEST_ARENA_ORDER);
	}
}

/*
 * Take whatever order-6 block is free: first as the arena allocation asks,
 * with reclaim and compaction, then as an atomic caller would.
 */
static void obm_test_hoard_blocks(struct obm_test_hoard *hoard)
{
	const gfp_t gfps[] = {
		GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN | __GFP_COMP,
		GFP_NOWAIT | __GFP_NOWARN | __GFP_COMP,
	};
	struct page *page;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(gfps); i++)
		while (hoard->nr_blocks < 4096 &&
		       (page = alloc_pages(gfps[i], OBM_TEST_ARENA_ORDER))) {
			list_add(&page->lru, &hoard->blocks);
			hoard->nr_blocks++;
		}
}

/* Leave the page allocator with free order-0 pages only. */
static struct obm_test_hoard *obm_test_fragment_memory(struct kunit *test)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN;
	struct obm_test_hoard *hoard;
	struct page *page, *next;
	unsigned long freed = 0;

	hoard = kunit_kzalloc(test, sizeof(*hoard), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, hoard);
	INIT_LIST_HEAD(&hoard->pages);
	INIT_LIST_HEAD(&hoard->blocks);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, obm_test_hoard_release, hoard));

	while ((page = alloc_page(gfp))) {
		list_add(&page->lru, &hoard->pages);
		hoard->nr_pages++;
	}
	list_for_each_entry_safe(page, next, &hoard->pages, lru) {
		if (!(page_to_pfn(page) & 1))
			continue;
		list_del(&page->lru);
		__free_page(page);
		freed++;
	}
	hoard->nr_pages -= freed;
	obm_test_hoard_blocks(hoard);
	kunit_info(test, "held %lu pages, gave back %lu odd ones, took %lu order-%u blocks",
		   hoard->nr_pages, freed, hoard->nr_blocks,
		   (unsigned int)OBM_TEST_ARENA_ORDER);
	KUNIT_ASSERT_GT(test, freed, 1000);
	return hoard;
}

/*
 * One attempt: a new heap in fragmented memory. Returns false, having
 * checked nothing, if an order-6 block came free and the heap got a full
 * arena; the caller then tries again.
 */
static bool obm_test_small_arenas(struct kunit *test,
				  struct obm_test_hoard *hoard)
{
	struct obm_test_sets sets;
	struct obm_test_stats s;
	struct obm_heap *heap;
	void *k, *p, *q;

	obm_test_hoard_blocks(hoard);
	/* Creating a heap takes no high-order memory either. */
	heap = obm_test_heap(test);

	/* kmalloc() succeeds here; so must obmalloc, in both contexts. */
	k = kmalloc(8, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, k);
	kfree(k);
	p = obm_heap_alloc(heap, 8, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	q = obm_heap_alloc(heap, 200, GFP_ATOMIC);	/* another class: a new pool */
	KUNIT_EXPECT_NOT_NULL(test, q);
	if (p)
		memset(p, 1, 8);
	if (q)
		memset(q, 2, 200);

	obm_test_read_sets(test, &sets);
	if (p && q && sets.small_arenas != sets.arenas) {
		kunit_info(test, "an order-%u block came free: %lu of %lu arenas are full ones; again",
			   (unsigned int)OBM_TEST_ARENA_ORDER,
			   sets.arenas - sets.small_arenas, sets.arenas);
		obm_free(p);
		obm_free(q);
		return false;
	}
	KUNIT_EXPECT_EQ(test, sets.small_arenas, sets.arenas);
	KUNIT_EXPECT_EQ(test, sets.arena_pages, 2);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.pages_held, 2);
	KUNIT_EXPECT_EQ(test, s.alloc_failures, 0);

	/* A small arena goes back as soon as it is empty, not kept. */
	obm_free(p);
	obm_free(q);
	obm_test_check_empty(test, heap);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.pages_held, 0);
	obm_test_read_sets(test, &sets);
	KUNIT_EXPECT_EQ(test, sets.arenas, 0);
	return true;
}

static void obm_test_fragmented_memory(struct kunit *test)
{
	struct obm_test_hoard *hoard;
	unsigned int attempt;

	/* The sets' reserve arena: kswapd would free it later. */
	obm_test_fresh_sets(test);
	KUNIT_ASSERT_EQ(test, 0,
			obm_test_write_file("/proc/sys/vm/drop_caches", "3"));
	hoard = obm_test_fragment_memory(test);
	for (attempt = 1; attempt <= OBM_TEST_FIELD_ATTEMPTS; attempt++)
		if (obm_test_small_arenas(test, hoard))
			return;
	KUNIT_FAIL(test, "a full arena in each of %u attempts: no fallback to single-page arenas",
		   OBM_TEST_FIELD_ATTEMPTS);
}

static struct kunit_case obm_field_cases[] = {
	KUNIT_CASE_SLOW(obm_test_fragmented_memory),
	{}
};

static struct kunit_suite obm_field_suite = {
	.name = "obmalloc_field",
	.test_cases = obm_field_cases,
};

kunit_test_suite(obm_field_suite);
