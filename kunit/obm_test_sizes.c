// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_sizes: every request size, the class boundaries, zero and huge
 * requests, and what goes to kmalloc().
 */

#include <linux/slab.h>

#include "obm_test.h"

#define OBM_TEST_NO_CLASS	UINT_MAX

/* Sizes 1..OBM_SMALL_MAX as parameters, encoded in the pointer. */
static const void *obm_test_size_gen(const void *prev, char *desc)
{
	uintptr_t size = (uintptr_t)prev + 1;

	if (size > OBM_SMALL_MAX)
		return NULL;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %lu", (unsigned long)size);
	return (const void *)size;
}

/*
 * One heap serves every size: a heap per case would give each of the 512
 * cases a heap's creation and teardown (grace periods), most of the
 * suite's time under TCG. Each case frees what it took, even when it
 * fails, so the next finds its class as it was.
 */
#define OBM_TEST_SIZES_HEAP	"kunit-sizes"
static struct obm_heap *obm_test_sizes_heap;

static int obm_test_sizes_init(struct kunit_suite *suite)
{
	obm_test_sizes_heap = obm_heap_create(OBM_TEST_SIZES_HEAP);
	return PTR_ERR_OR_ZERO(obm_test_sizes_heap);
}

static void obm_test_sizes_exit(struct kunit_suite *suite)
{
	obm_heap_destroy(obm_test_sizes_heap);
}

/* Each size: allocated, aligned, sized to its class, written and read. */
static void obm_test_every_size(struct kunit *test)
{
	size_t size = (uintptr_t)test->param_value;
	struct obm_heap *heap = obm_test_sizes_heap;
	struct obm_test_class before, row;
	void *p, *q;

	obm_test_use_heap(test, heap, OBM_TEST_SIZES_HEAP);
	obm_test_read_class(test, heap, (size - 1) / OBM_ALIGNMENT, &before);
	p = obm_heap_alloc(heap, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, obm_test_free_action, p));
	q = obm_heap_alloc(heap, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, obm_test_free_action, q));
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p, OBM_ALIGNMENT));
	KUNIT_EXPECT_EQ(test, obm_usable_size(p), round_up(size, OBM_ALIGNMENT));

	/* Fill the whole usable size of both: neither may overlap the other. */
	obm_test_fill(p, obm_usable_size(p), 1);
	obm_test_fill(q, obm_usable_size(q), 2);
	KUNIT_EXPECT_TRUE(test, obm_test_check_fill(p, obm_usable_size(p), 1));
	KUNIT_EXPECT_TRUE(test, obm_test_check_fill(q, obm_usable_size(q), 2));

	obm_test_read_class(test, heap, (size - 1) / OBM_ALIGNMENT, &row);
	KUNIT_EXPECT_TRUE(test, row.present);
	KUNIT_EXPECT_EQ(test, row.size, round_up(size, OBM_ALIGNMENT));
	KUNIT_EXPECT_EQ(test, row.blocks_used, before.blocks_used + 2);
}

struct obm_test_boundary {
	size_t size;
	unsigned int class_idx;	/* OBM_TEST_NO_CLASS: served by kmalloc */
	size_t usable;
};

static const struct obm_test_boundary obm_test_boundaries[] = {
	{ 1, 0, 8 }, { 8, 0, 8 }, { 9, 1, 16 }, { 16, 1, 16 }, { 17, 2, 24 },
	{ 504, 62, 504 }, { 505, 63, 512 }, { 512, 63, 512 },
	{ 513, OBM_TEST_NO_CLASS, 0 }, { 4096, OBM_TEST_NO_CLASS, 0 },
};

static void obm_test_boundary_desc(const struct obm_test_boundary *b,
				   char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %zu", b->size);
}

KUNIT_ARRAY_PARAM(obm_test_boundary, obm_test_boundaries,
		  obm_test_boundary_desc);

/* The sizes either side of a class edge land in the right class. */
static void obm_test_class_boundaries(struct kunit *test)
{
	const struct obm_test_boundary *b = test->param_value;
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_stats s;
	struct obm_test_class row;
	void *p;

	p = obm_heap_alloc(heap, b->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	obm_test_read_stats(test, heap, &s);
	if (b->class_idx == OBM_TEST_NO_CLASS) {
		/* kmalloc()ed: not in any pool, at least as big as asked. */
		KUNIT_EXPECT_EQ(test, s.blocks_in_use, 0);
		KUNIT_EXPECT_EQ(test, s.pages_held, 0);
		KUNIT_EXPECT_GE(test, obm_usable_size(p), b->size);
		KUNIT_EXPECT_EQ(test, obm_usable_size(p), ksize(p));
	} else {
		obm_test_read_class(test, heap, b->class_idx, &row);
		KUNIT_EXPECT_EQ(test, row.blocks_used, 1);
		KUNIT_EXPECT_EQ(test, s.blocks_in_use, 1);
		KUNIT_EXPECT_EQ(test, obm_usable_size(p), b->usable);
	}
	obm_test_fill(p, b->size, b->size);
	KUNIT_EXPECT_TRUE(test, obm_test_check_fill(p, b->size, b->size));
	obm_free(p);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, 0);
}

/* Size 0 gives ZERO_SIZE_PTR; freeing it and NULL does nothing. */
static void obm_test_zero_size(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_stats s;

	KUNIT_EXPECT_PTR_EQ(test, obm_heap_alloc(heap, 0, GFP_KERNEL),
			    ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, obm_alloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, obm_zalloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, obm_usable_size(ZERO_SIZE_PTR), 0);
	KUNIT_EXPECT_EQ(test, obm_usable_size(NULL), 0);
	obm_free(ZERO_SIZE_PTR);
	obm_free(NULL);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.pages_held, 0);
	KUNIT_EXPECT_EQ(test, s.invalid_frees + s.double_frees, 0);
}

/* A request too big for kmalloc fails cleanly and is counted. */
static void obm_test_huge_fails(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_stats s;

	KUNIT_EXPECT_NULL(test, obm_heap_alloc(heap, KMALLOC_MAX_SIZE + 1,
					       GFP_KERNEL | __GFP_NOWARN));
	KUNIT_EXPECT_NULL(test, obm_heap_alloc(heap, SIZE_MAX,
					       GFP_KERNEL | __GFP_NOWARN));
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.alloc_failures, 2);
	KUNIT_EXPECT_EQ(test, s.pages_held, 0);
}

/* Large blocks work end to end: big kmalloc pages too. */
static void obm_test_large_blocks(struct kunit *test)
{
	static const size_t sizes[] = { 513, 1000, 8192, 65536, 1 << 20 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *p = obm_alloc(sizes[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_GE(test, obm_usable_size(p), sizes[i]);
		obm_test_fill(p, sizes[i], i);
		KUNIT_EXPECT_TRUE(test, obm_test_check_fill(p, sizes[i], i));
		obm_free(p);
	}
}

/* Many blocks of every class at once: distinct, aligned, intact. */
static void obm_test_blocks_disjoint(struct kunit *test)
{
	const unsigned int per_class = 20;
	struct obm_heap *heap = obm_test_heap(test);
	unsigned int i, n = OBM_NR_CLASSES * per_class;
	void **blocks = kunit_kcalloc(test, n, sizeof(*blocks), GFP_KERNEL);
	size_t *sizes = kunit_kcalloc(test, n, sizeof(*sizes), GFP_KERNEL);
	struct obm_test_ledger ledger = { };

	KUNIT_ASSERT_NOT_NULL(test, blocks);
	KUNIT_ASSERT_NOT_NULL(test, sizes);
	for (i = 0; i < n; i++) {
		size_t size = (i % OBM_NR_CLASSES + 1) * OBM_ALIGNMENT;

		sizes[i] = size;
		blocks[i] = obm_heap_alloc(heap, size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)blocks[i],
						   OBM_ALIGNMENT));
		obm_test_fill(blocks[i], size, i);
	}
	for (i = 0; i < n; i++) {
		size_t size = (i % OBM_NR_CLASSES + 1) * OBM_ALIGNMENT;

		KUNIT_EXPECT_TRUE_MSG(test, obm_test_check_fill(blocks[i], size, i),
				      "block %u of %zu bytes overwritten", i, size);
	}
	ledger.blocks = blocks;
	ledger.sizes = sizes;
	ledger.nr = n;
	obm_test_ledger_check(test, heap, &ledger);
	for (i = 0; i < n; i++)
		obm_free(blocks[i]);
	obm_test_check_empty(test, heap);
}

static struct kunit_case obm_sizes_cases[] = {
	KUNIT_CASE_PARAM(obm_test_every_size, obm_test_size_gen),
	KUNIT_CASE_PARAM(obm_test_class_boundaries, obm_test_boundary_gen_params),
	KUNIT_CASE(obm_test_zero_size),
	KUNIT_CASE(obm_test_huge_fails),
	KUNIT_CASE(obm_test_large_blocks),
	KUNIT_CASE(obm_test_blocks_disjoint),
	{}
};

static struct kunit_suite obm_sizes_suite = {
	.name = "obmalloc_sizes",
	.suite_init = obm_test_sizes_init,
	.suite_exit = obm_test_sizes_exit,
	.test_cases = obm_sizes_cases,
};

kunit_test_suite(obm_sizes_suite);
