// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_pool: blocks within one pool - lazy carving, the free list,
 * filling a pool and spilling into the next, and pools changing class.
 */

#include "obm_test.h"

/* Blocks of one class per pool, from the geometry in the stats file. */
static unsigned int obm_test_blocks_per_pool(struct kunit *test,
					     struct obm_heap *heap,
					     unsigned int size)
{
	struct obm_test_stats s;

	obm_test_read_stats(test, heap, &s);
	return (s.pool_size - s.pool_header_size) / size;
}

/* A pool takes exactly blocks_per_pool blocks; the next goes elsewhere. */
static void obm_test_pool_fill_then_spill(struct kunit *test)
{
	const unsigned int size = 64;
	struct obm_heap *heap = obm_test_heap(test);
	unsigned int i, per_pool = obm_test_blocks_per_pool(test, heap, size);
	struct obm_test_class row;
	void **blocks;

	obm_test_pin_cpu(test);
	blocks = kunit_kcalloc(test, per_pool + 1, sizeof(*blocks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	KUNIT_ASSERT_EQ(test, per_pool, PAGE_SIZE / size);

	for (i = 0; i < per_pool; i++) {
		blocks[i] = obm_heap_alloc(heap, size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
		KUNIT_EXPECT_EQ(test, obm_test_page(blocks[i]),
				obm_test_page(blocks[0]));
	}
	obm_test_drain(test, heap);
	obm_test_read_class(test, heap, size / OBM_ALIGNMENT - 1, &row);
	KUNIT_EXPECT_EQ(test, row.pools, 1);
	KUNIT_EXPECT_EQ(test, row.full_pools, 1);
	KUNIT_EXPECT_EQ(test, row.blocks_used, per_pool);
	KUNIT_EXPECT_EQ(test, row.blocks_avail, 0);

	blocks[per_pool] = obm_heap_alloc(heap, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks[per_pool]);
	KUNIT_EXPECT_NE(test, obm_test_page(blocks[per_pool]),
			obm_test_page(blocks[0]));
	obm_test_drain(test, heap);
	obm_test_read_class(test, heap, size / OBM_ALIGNMENT - 1, &row);
	KUNIT_EXPECT_EQ(test, row.pools, 2);
	KUNIT_EXPECT_EQ(test, row.full_pools, 1);
	KUNIT_EXPECT_EQ(test, row.blocks_avail, per_pool - 1);

	for (i = 0; i <= per_pool; i++)
		obm_free(blocks[i]);
	obm_test_check_empty(test, heap);
}

/* A new pool hands out blocks in address order, from the start of its page. */
static void obm_test_pool_lazy_carving(struct kunit *test)
{
	const unsigned int size = 24;
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_stats s;
	char *blocks[5];
	unsigned int i;

	obm_test_pin_cpu(test);
	obm_test_read_stats(test, heap, &s);
	for (i = 0; i < ARRAY_SIZE(blocks); i++) {
		blocks[i] = obm_heap_alloc(heap, size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
	}
	KUNIT_EXPECT_EQ(test, (unsigned long)blocks[0] & ~PAGE_MASK,
			s.pool_header_size);
	for (i = 1; i < ARRAY_SIZE(blocks); i++)
		KUNIT_EXPECT_PTR_EQ(test, blocks[i], blocks[i - 1] + size);
	for (i = 0; i < ARRAY_SIZE(blocks); i++)
		obm_free(blocks[i]);
}

/* Freed blocks are reused last-in, first-out, before carving more. */
static void obm_test_pool_free_list_lifo(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_class row;
	void *a, *b, *c, *d;

	/* Without verify_free, the magazines would absorb the frees. */
	obm_test_verify_free(test);
	obm_test_pin_cpu(test);		/* one node's pools */
	a = obm_heap_alloc(heap, 40, GFP_KERNEL);
	b = obm_heap_alloc(heap, 40, GFP_KERNEL);
	c = obm_heap_alloc(heap, 40, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	obm_free(a);
	obm_free(c);
	/* The frees reached the pool: one block used, none cached. */
	obm_test_read_class(test, heap, 40 / OBM_ALIGNMENT - 1, &row);
	KUNIT_EXPECT_EQ(test, row.blocks_used, 1);
	KUNIT_EXPECT_EQ(test, row.blocks_cached, 0);
	KUNIT_EXPECT_PTR_EQ(test, obm_heap_alloc(heap, 40, GFP_KERNEL), c);
	KUNIT_EXPECT_PTR_EQ(test, obm_heap_alloc(heap, 33, GFP_KERNEL), a);
	d = obm_heap_alloc(heap, 40, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, d, (char *)c + 40);
	obm_free(a);
	obm_free(b);
	obm_free(c);
	obm_free(d);
}

/* A full pool that gets a block back is used again at once. */
static void obm_test_pool_full_to_partial(struct kunit *test)
{
	const unsigned int size = 256;
	struct obm_heap *heap = obm_test_heap(test);
	unsigned int i, per_pool = obm_test_blocks_per_pool(test, heap, size);
	struct obm_test_class row;
	void **blocks;

	obm_test_pin_cpu(test);
	blocks = kunit_kcalloc(test, per_pool, sizeof(*blocks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	for (i = 0; i < per_pool; i++) {
		blocks[i] = obm_heap_alloc(heap, size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
	}
	obm_test_drain(test, heap);
	obm_test_read_class(test, heap, size / OBM_ALIGNMENT - 1, &row);
	KUNIT_ASSERT_EQ(test, row.pools, 1);
	KUNIT_ASSERT_EQ(test, row.full_pools, 1);
	/* To the magazine, then by the drain to the full pool. */
	obm_free(blocks[3]);
	obm_test_drain(test, heap);
	obm_test_read_class(test, heap, size / OBM_ALIGNMENT - 1, &row);
	KUNIT_EXPECT_EQ(test, row.pools, 1);
	KUNIT_EXPECT_EQ(test, row.full_pools, 0);
	KUNIT_EXPECT_EQ(test, row.blocks_avail, 1);
	KUNIT_EXPECT_PTR_EQ(test, obm_heap_alloc(heap, size, GFP_KERNEL),
			    blocks[3]);
	for (i = 0; i < per_pool; i++)
		obm_free(blocks[i]);
}

/* An emptied pool leaves its class and can serve another class. */
static void obm_test_pool_changes_class(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_class row;
	struct obm_test_stats s;
	void *p, *q;

	obm_test_pin_cpu(test);
	p = obm_heap_alloc(heap, 100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	obm_free(p);
	obm_test_drain(test, heap);
	obm_test_read_class(test, heap, 100 / OBM_ALIGNMENT, &row);
	KUNIT_EXPECT_FALSE(test, row.present);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.pools_in_use, 0);
	/* The heap keeps the pool it emptied, and reuses it first. */
	KUNIT_EXPECT_EQ(test, s.unused_pools, 1);

	q = obm_heap_alloc(heap, 300, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, obm_test_page(q), obm_test_page(p));
	obm_test_drain(test, heap);
	obm_test_read_class(test, heap, 300 / OBM_ALIGNMENT, &row);
	KUNIT_EXPECT_EQ(test, row.pools, 1);
	obm_free(q);
	obm_test_check_empty(test, heap);
}

static struct kunit_case obm_pool_cases[] = {
	KUNIT_CASE(obm_test_pool_fill_then_spill),
	KUNIT_CASE(obm_test_pool_lazy_carving),
	KUNIT_CASE(obm_test_pool_free_list_lifo),
	KUNIT_CASE(obm_test_pool_full_to_partial),
	KUNIT_CASE(obm_test_pool_changes_class),
	{}
};

static struct kunit_suite obm_pool_suite = {
	.name = "obmalloc_pool",
	.test_cases = obm_pool_cases,
};

kunit_test_suite(obm_pool_suite);
