// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_heap: creating and destroying named heaps, their names, their
 * isolation from each other, their debugfs directories, and destroying a
 * heap that still has live blocks.
 */

#include <linux/err.h>

#include "obm_test.h"

static bool obm_test_heap_dir_exists(const char *name)
{
	char path[96], buf[64];

	snprintf(path, sizeof(path), OBM_TEST_DEBUGFS "/%s/stats", name);
	return obm_test_read_file(path, buf, sizeof(buf)) > 0;
}

/* A heap gets a debugfs directory that goes away when it is destroyed. */
static void obm_test_heap_lifecycle(struct kunit *test)
{
	struct obm_heap *heap = obm_heap_create("kunit_lifecycle");
	void *p;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, heap);
	KUNIT_EXPECT_TRUE(test, obm_test_heap_dir_exists("kunit_lifecycle"));
	p = obm_heap_alloc(heap, 77, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	obm_free(p);
	obm_heap_destroy(heap);
	KUNIT_EXPECT_FALSE(test, obm_test_heap_dir_exists("kunit_lifecycle"));

	/* The name is free again; NULL and error pointers are ignored. */
	heap = obm_heap_create("kunit_lifecycle");
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, heap);
	obm_heap_destroy(heap);
	obm_heap_destroy(NULL);
	obm_heap_destroy(ERR_PTR(-ENOMEM));
}

static const char * const obm_test_bad_names[] = {
	"", ".hidden", "a/b", "with space", "tab\t", "..",
	"abcdefghijklmnopqrstuvwxyz012345",	/* 32 characters */
	/* The files beside the heaps' directories in debugfs. */
	"drain", "magazines", "foreign_frees", "fail_arena", "reclaim",
};

static void obm_test_bad_name_desc(const char * const *name, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "'%s'", *name);
}

KUNIT_ARRAY_PARAM(obm_test_bad_name, obm_test_bad_names, obm_test_bad_name_desc);

/* Invalid heap names are refused with -EINVAL. */
static void obm_test_heap_bad_names(struct kunit *test)
{
	const char * const *name = test->param_value;

	KUNIT_EXPECT_PTR_EQ(test, obm_heap_create(*name), ERR_PTR(-EINVAL));
}

/* The longest name works; a second heap of one name is refused. */
static void obm_test_heap_names(struct kunit *test)
{
	struct obm_heap *a, *b;

	KUNIT_EXPECT_PTR_EQ(test, obm_heap_create(NULL), ERR_PTR(-EINVAL));
	a = obm_heap_create("abcdefghijklmnopqrstuvwxyz.-_01");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	b = obm_heap_create("abcdefghijklmnopqrstuvwxyz.-_01");
	KUNIT_EXPECT_PTR_EQ(test, b, ERR_PTR(-EEXIST));
	KUNIT_EXPECT_PTR_EQ(test, obm_heap_create("default"), ERR_PTR(-EEXIST));
	obm_heap_destroy(a);
}

/* Two heaps never share a page, and each counts only its own blocks. */
static void obm_test_heap_isolation(struct kunit *test)
{
	struct obm_heap *a = obm_test_heap(test);
	struct obm_heap *b = obm_heap_create("kunit_isolation");
	struct obm_test_stats s;
	void *pa[8], *pb[8];
	unsigned int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	for (i = 0; i < ARRAY_SIZE(pa); i++) {
		pa[i] = obm_heap_alloc(a, 64, GFP_KERNEL);
		pb[i] = obm_heap_alloc(b, 64, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pa[i]);
		KUNIT_ASSERT_NOT_NULL(test, pb[i]);
	}
	for (i = 0; i < ARRAY_SIZE(pa); i++)
		KUNIT_EXPECT_NE(test, obm_test_page(pa[i]), obm_test_page(pb[0]));
	obm_test_read_stats(test, a, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, ARRAY_SIZE(pa));
	/* Blocks are freed into their own heap, whatever the order. */
	for (i = 0; i < ARRAY_SIZE(pa); i++) {
		obm_free(pb[i]);
		obm_free(pa[i]);
	}
	obm_test_read_stats(test, a, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, 0);
	obm_heap_destroy(b);
}

/* The default heap serves obm_alloc() and shows it in its stats. */
static void obm_test_default_heap(struct kunit *test)
{
	struct obm_test_stats before, after;
	void *p;

	obm_test_read_stats(test, NULL, &before);
	p = obm_alloc(136, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	obm_test_read_stats(test, NULL, &after);
	KUNIT_EXPECT_EQ(test, after.blocks_in_use, before.blocks_in_use + 1);
	KUNIT_EXPECT_EQ(test, after.bytes_in_allocated_blocks,
			before.bytes_in_allocated_blocks + 136);
	obm_free(p);
	obm_test_read_stats(test, NULL, &after);
	KUNIT_EXPECT_EQ(test, after.blocks_in_use, before.blocks_in_use);
}

/* Destroying a heap with live blocks reports them and keeps everything. */
static void obm_test_heap_destroy_live(struct kunit *test)
{
	struct obm_heap *heap = obm_heap_create("kunit_live");
	void *p[3];
	unsigned int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, heap);
	p[0] = obm_heap_alloc(heap, 8, GFP_KERNEL);
	p[1] = obm_heap_alloc(heap, 8, GFP_KERNEL);
	p[2] = obm_heap_alloc(heap, 200, GFP_KERNEL);
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		obm_test_fill(p[i], 8, i);
	}

	obm_test_expect_report(test, "kunit_live", "destroy with live blocks", NULL);
	obm_heap_destroy(heap);

	/* Still there, blocks intact and freeable; destroy works after. */
	KUNIT_EXPECT_TRUE(test, obm_test_heap_dir_exists("kunit_live"));
	KUNIT_EXPECT_PTR_EQ(test, obm_heap_create("kunit_live"), ERR_PTR(-EEXIST));
	for (i = 0; i < ARRAY_SIZE(p); i++)
		KUNIT_EXPECT_TRUE(test, obm_test_check_fill(p[i], 8, i));
	for (i = 0; i < ARRAY_SIZE(p); i++)
		obm_free(p[i]);
	obm_heap_destroy(heap);
	KUNIT_EXPECT_FALSE(test, obm_test_heap_dir_exists("kunit_live"));
}

static struct kunit_case obm_heap_cases[] = {
	KUNIT_CASE(obm_test_heap_lifecycle),
	KUNIT_CASE_PARAM(obm_test_heap_bad_names, obm_test_bad_name_gen_params),
	KUNIT_CASE(obm_test_heap_names),
	KUNIT_CASE(obm_test_heap_isolation),
	KUNIT_CASE(obm_test_default_heap),
	KUNIT_CASE(obm_test_heap_destroy_live),
	{}
};

static struct kunit_suite obm_heap_suite = {
	.name = "obmalloc_heap",
	.test_cases = obm_heap_cases,
};

kunit_test_suite(obm_heap_suite);
