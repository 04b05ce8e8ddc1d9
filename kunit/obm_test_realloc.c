// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_realloc: growing, shrinking, staying in place (pymalloc's
 * three-quarters rule), NULL and zero sizes, and crossing into kmalloc().
 */

#include <linux/slab.h>

#include "obm_test.h"

static void *obm_test_filled(struct kunit *test, struct obm_heap *heap,
			     size_t size, unsigned long seed)
{
	void *p = obm_heap_alloc(heap, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	obm_test_fill(p, size, seed);
	return p;
}

/* Growing moves to a bigger class of the same heap and keeps the data. */
static void obm_test_realloc_grow(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	void *p = obm_test_filled(test, heap, 16, 1), *q;
	struct obm_test_class row;

	q = obm_realloc(p, 100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_NE(test, p, q);
	KUNIT_EXPECT_EQ(test, obm_usable_size(q), 104);
	KUNIT_EXPECT_TRUE(test, obm_test_check_fill(q, 16, 1));
	obm_test_drain(test, heap);
	obm_test_read_class(test, heap, 100 / OBM_ALIGNMENT, &row);
	KUNIT_EXPECT_EQ(test, row.blocks_used, 1);
	obm_test_read_class(test, heap, 1, &row);
	KUNIT_EXPECT_FALSE(test, row.present);
	obm_free(q);
}

/* Shrinking by less than a quarter stays in place. */
static void obm_test_realloc_shrink_in_place(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	void *p = obm_test_filled(test, heap, 400, 2);

	KUNIT_EXPECT_PTR_EQ(test, obm_realloc(p, 301, GFP_KERNEL), p);
	KUNIT_EXPECT_PTR_EQ(test, obm_realloc(p, 400, GFP_KERNEL), p);
	KUNIT_EXPECT_TRUE(test, obm_test_check_fill(p, 301, 2));
	obm_free(p);
}

/* Shrinking below three quarters moves to a smaller class. */
static void obm_test_realloc_shrink_moves(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	void *p = obm_test_filled(test, heap, 512, 3), *q;

	q = obm_realloc(p, 100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_NE(test, p, q);
	KUNIT_EXPECT_EQ(test, obm_usable_size(q), 104);
	KUNIT_EXPECT_TRUE(test, obm_test_check_fill(q, 100, 3));
	obm_free(q);
}

/* A size that maps to the same class never moves, however small. */
static void obm_test_realloc_same_class(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	void *p = obm_test_filled(test, heap, 8, 4);
	void *q = obm_test_filled(test, heap, 16, 5);

	KUNIT_EXPECT_PTR_EQ(test, obm_realloc(p, 1, GFP_KERNEL), p);
	KUNIT_EXPECT_PTR_EQ(test, obm_realloc(q, 9, GFP_KERNEL), q);
	KUNIT_EXPECT_TRUE(test, obm_test_check_fill(p, 1, 4));
	obm_free(p);
	obm_free(q);
}

/* NULL and ZERO_SIZE_PTR allocate; size 0 frees. */
static void obm_test_realloc_null_and_zero(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_stats s;
	void *p, *q;

	p = obm_realloc(NULL, 24, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, obm_usable_size(p), 24);
	q = obm_realloc(ZERO_SIZE_PTR, 40, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, obm_usable_size(q), 40);
	KUNIT_EXPECT_PTR_EQ(test, obm_realloc(p, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, obm_realloc(q, 0, GFP_KERNEL), ZERO_SIZE_PTR);

	p = obm_test_filled(test, heap, 64, 6);
	KUNIT_EXPECT_PTR_EQ(test, obm_realloc(p, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, 0);
	KUNIT_EXPECT_EQ(test, s.double_frees + s.invalid_frees, 0);
}

/* Small to large goes to kmalloc(); large stays with krealloc(). */
static void obm_test_realloc_to_kmalloc(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	void *p = obm_test_filled(test, heap, 500, 7), *q, *r;
	struct obm_test_stats s;

	q = obm_realloc(p, 3000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_GE(test, obm_usable_size(q), 3000);
	KUNIT_EXPECT_EQ(test, obm_usable_size(q), ksize(q));
	KUNIT_EXPECT_TRUE(test, obm_test_check_fill(q, 500, 7));
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, 0);

	obm_test_fill(q, 3000, 8);
	r = obm_realloc(q, 200, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_TRUE(test, obm_test_check_fill(r, 200, 8));
	KUNIT_EXPECT_GE(test, obm_usable_size(r), 200);
	obm_free(r);
}

/* A failed realloc returns NULL and leaves the block as it was. */
static void obm_test_realloc_failure_keeps_block(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	void *p = obm_test_filled(test, heap, 48, 9);
	struct obm_test_stats s;

	KUNIT_EXPECT_NULL(test, obm_realloc(p, KMALLOC_MAX_SIZE + 1,
					    GFP_KERNEL | __GFP_NOWARN));
	KUNIT_EXPECT_EQ(test, obm_usable_size(p), 48);
	KUNIT_EXPECT_TRUE(test, obm_test_check_fill(p, 48, 9));
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, 1);
	obm_free(p);
}

static struct kunit_case obm_realloc_cases[] = {
	KUNIT_CASE(obm_test_realloc_grow),
	KUNIT_CASE(obm_test_realloc_shrink_in_place),
	KUNIT_CASE(obm_test_realloc_shrink_moves),
	KUNIT_CASE(obm_test_realloc_same_class),
	KUNIT_CASE(obm_test_realloc_null_and_zero),
	KUNIT_CASE(obm_test_realloc_to_kmalloc),
	KUNIT_CASE(obm_test_realloc_failure_keeps_block),
	{}
};

static struct kunit_suite obm_realloc_suite = {
	.name = "obmalloc_realloc",
	.test_cases = obm_realloc_cases,
};

kunit_test_suite(obm_realloc_suite);
