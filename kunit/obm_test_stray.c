// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_stray: an obmalloc block handed to the slab API by mistake -
 * kfree(), kfree_sensitive(), kvfree(), kfree_rcu(), krealloc(), ksize() -
 * as code half moved from kmalloc, or core code freeing what a module
 * allocated, does. The kernel sees a page that is not a slab page: kfree()
 * warns once per boot (free_large_kmalloc(), order 0) and drops a page
 * reference, ksize() warns and says 0. No page holding other blocks may be
 * freed or reused: after the page allocator has been churned, every
 * neighbour keeps its contents, obmalloc reports the stray free against
 * the heap and the pool, and the heap keeps working.
 *
 * The block freed by mistake is one at the start of its page, so that
 * KASAN's own check of the kfree() (is it a page start?) passes and the
 * kernel's report is the warning a distribution kernel gives. The test
 * then frees it properly, re-registering it with kmemleak, which the
 * kfree() made forget it.
 */

#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "obm_test.h"

#define OBM_TEST_STRAY_SIZE	64
#define OBM_TEST_STRAY_BLOCKS	(2 * PAGE_SIZE / OBM_TEST_STRAY_SIZE)

struct obm_test_stray_obj {
	struct rcu_head rcu;
	u8 rest[OBM_TEST_STRAY_SIZE - sizeof(struct rcu_head)];
};

enum obm_test_stray_call {
	OBM_STRAY_KFREE,
	OBM_STRAY_KFREE_SENSITIVE,
	OBM_STRAY_KVFREE,
	OBM_STRAY_KFREE_RCU,
	OBM_STRAY_KREALLOC,
	OBM_STRAY_KSIZE,
};

static const char * const obm_test_stray_names[] = {
	"kfree", "kfree_sensitive", "kvfree", "kfree_rcu", "krealloc", "ksize",
};

static const enum obm_test_stray_call obm_test_stray_calls[] = {
	OBM_STRAY_KFREE, OBM_STRAY_KFREE_SENSITIVE, OBM_STRAY_KVFREE,
	OBM_STRAY_KFREE_RCU, OBM_STRAY_KREALLOC, OBM_STRAY_KSIZE,
};

static void obm_test_stray_desc(const enum obm_test_stray_call *call,
				char *desc)
{
	strscpy(desc, obm_test_stray_names[*call], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(obm_test_stray, obm_test_stray_calls, obm_test_stray_desc);

/* Hand @p to the slab API the way @call does; return what krealloc() made. */
static void *obm_test_stray_call(struct kunit *test,
				 enum obm_test_stray_call call, void *p)
{
	void *q = NULL;

	switch (call) {
	case OBM_STRAY_KFREE:
		kfree(p);
		break;
	case OBM_STRAY_KFREE_SENSITIVE:
		kfree_sensitive(p);
		break;
	case OBM_STRAY_KVFREE:
		kvfree(p);
		break;
	case OBM_STRAY_KFREE_RCU:
		kfree_rcu((struct obm_test_stray_obj *)p, rcu);
		/* kfree_rcu() batches for seconds: wait for its frees. */
		kvfree_rcu_barrier();
		break;
	case OBM_STRAY_KREALLOC:
		q = krealloc(p, 2 * OBM_TEST_STRAY_SIZE, GFP_KERNEL);
		KUNIT_EXPECT_NOT_NULL(test, q);
		break;
	case OBM_STRAY_KSIZE:
		KUNIT_EXPECT_EQ(test, ksize(p), 0);
		break;
	}
	return q;
}

/*
 * Pin the test to its CPU and fill @heap with OBM_TEST_STRAY_BLOCKS
 * blocks, each holding its pattern; return them and, in @victim, the
 * first block after block 0 that starts a page with a whole pool of
 * blocks from it on.
 */
static void **obm_test_stray_blocks(struct kunit *test, struct obm_heap *heap,
				    unsigned int *victim)
{
	const unsigned int per_pool = PAGE_SIZE / OBM_TEST_STRAY_SIZE;
	unsigned int i;
	void **blocks;

	blocks = kunit_kcalloc(test, OBM_TEST_STRAY_BLOCKS, sizeof(*blocks),
			       GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	obm_test_pin_cpu(test);
	*victim = OBM_TEST_STRAY_BLOCKS;
	for (i = 0; i < OBM_TEST_STRAY_BLOCKS; i++) {
		blocks[i] = obm_heap_alloc(heap, OBM_TEST_STRAY_SIZE, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
		obm_test_fill(blocks[i], OBM_TEST_STRAY_SIZE, i);
		if (i && *victim == OBM_TEST_STRAY_BLOCKS &&
		    !((unsigned long)blocks[i] & ~PAGE_MASK) &&
		    i + per_pool <= OBM_TEST_STRAY_BLOCKS)
			*victim = i;
	}
	KUNIT_ASSERT_LT(test, *victim, OBM_TEST_STRAY_BLOCKS);
	return blocks;
}

static void obm_test_stray_free(struct kunit *test)
{
	enum obm_test_stray_call call =
		*(const enum obm_test_stray_call *)test->param_value;
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_stats s;
	bool frees = call != OBM_STRAY_KSIZE;
	unsigned int i, victim;
	void **blocks, *stray, *q;

	blocks = obm_test_stray_blocks(test, heap, &victim);
	stray = blocks[victim];

	kunit_info(test, "obmalloc-test: allow kernel warning in free_large_kmalloc\n");
	kunit_info(test, "obmalloc-test: allow kernel warning in __ksize\n");
	q = obm_test_stray_call(test, call, stray);
	obm_test_churn_pages(test, 32);

	/* Nothing else was damaged: every neighbour holds its pattern. */
	for (i = 0; i < OBM_TEST_STRAY_BLOCKS; i++)
		if (i != victim)
			KUNIT_EXPECT_TRUE_MSG(test,
					      obm_test_check_fill(blocks[i],
								  OBM_TEST_STRAY_SIZE, i),
					      "block %u overwritten", i);
	/* The page is still allocated, and still the heap's. */
	KUNIT_EXPECT_GT(test, page_ref_count(virt_to_page(stray)), 0);
	KUNIT_EXPECT_EQ(test, obm_usable_size(stray), OBM_TEST_STRAY_SIZE);

	/* The pool's next change, from full to partly used, notices it. */
	if (frees)
		obm_test_expect_report(test, obm_test_heap_name(test, heap),
				       "stray kfree",
				       (void *)obm_test_page(stray));
	for (i = 0; i < OBM_TEST_STRAY_BLOCKS; i++)
		if (i != victim)
			obm_free(blocks[i]);
	obm_test_drain(test, heap);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.stray_frees, frees ? 1 : 0);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, 1);

	/* The heap keeps working, the stray block included. */
	for (i = 0; i < OBM_TEST_STRAY_BLOCKS; i++) {
		blocks[i] = obm_heap_alloc(heap, OBM_TEST_STRAY_SIZE, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
		KUNIT_EXPECT_PTR_NE(test, blocks[i], stray);
	}
	for (i = 0; i < OBM_TEST_STRAY_BLOCKS; i++)
		obm_free(blocks[i]);
	if (frees)
		kmemleak_alloc(stray, OBM_TEST_STRAY_SIZE, 1, GFP_KERNEL);
	obm_free(stray);
	kfree(q);
	obm_test_check_empty(test, heap);
}

/*
 * A stray kfree() into a pool that is neither full nor taken from again:
 * the pool emptying, once its owner frees the block properly too, is
 * when the dropped reference is noticed, before the page can serve
 * another heap.
 */
static void obm_test_stray_free_partial_pool(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_stats s;
	unsigned int i, victim;
	void **blocks, *stray;

	blocks = obm_test_stray_blocks(test, heap, &victim);
	stray = blocks[victim];
	/* The pool has room: one of its blocks is back in it. */
	KUNIT_ASSERT_EQ(test, obm_test_page(blocks[victim + 1]),
			obm_test_page(stray));
	obm_free(blocks[victim + 1]);
	blocks[victim + 1] = NULL;
	obm_test_drain(test, heap);

	kunit_info(test, "obmalloc-test: allow kernel warning in free_large_kmalloc\n");
	kfree(stray);
	obm_test_expect_report(test, obm_test_heap_name(test, heap),
			       "stray kfree", (void *)obm_test_page(stray));
	for (i = 0; i < OBM_TEST_STRAY_BLOCKS; i++)
		if (i != victim && blocks[i])
			obm_free(blocks[i]);
	kmemleak_alloc(stray, OBM_TEST_STRAY_SIZE, 1, GFP_KERNEL);
	obm_free(stray);
	obm_test_drain(test, heap);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.stray_frees, 1);
	obm_test_check_empty(test, heap);
}

static struct kunit_case obm_test_stray_cases[] = {
	KUNIT_CASE_PARAM(obm_test_stray_free, obm_test_stray_gen_params),
	KUNIT_CASE(obm_test_stray_free_partial_pool),
	{}
};

static struct kunit_suite obm_test_stray_suite = {
	.name = "obmalloc_stray",
	.test_cases = obm_test_stray_cases,
};

kunit_test_suite(obm_test_stray_suite);
