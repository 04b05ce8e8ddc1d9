// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_zero: __GFP_ZERO and obm_zalloc() clear a block a caller left
 * dirty, in every place obmalloc clears one: a block from this CPU's
 * magazine and from its pool's free list, the default heap, a poisoning
 * debug heap, and krealloc()'s contract for the bytes past a shrunk or a
 * moved block. Each test first writes a pattern into a block and frees
 * it, then takes that same block back (the CPU pinned, the same class:
 * the magazine top or the free-list head) with __GFP_ZERO, asserts it got
 * it, and checks every usable byte.
 *
 * Such a test can fail only where nothing else clears the block: with
 * init_on_alloc=1 every block is zeroed whatever the flags, and with
 * init_on_free=1 every block is cleared when it is freed (but in a
 * poisoning debug heap, and but a block's spare bytes on realloc). Each
 * test requires the boot where it can fail and skips elsewhere, naming
 * the option. make check boots the standard kernel a third time
 * (qemu-noinit: init_on_alloc=0 init_on_free=0, kunit.filter_glob running
 * this suite alone), where no test here may skip; tools/vm/results.py
 * allows exactly these skips on the qemu (init_on_alloc=1) and qemu-rt
 * (init_on_free=1) boots. With obmalloc mutated to ignore __GFP_ZERO
 * (tools/vm/check's OBM_MUTATE=ignore_gfp_zero) every test here fails on
 * qemu-noinit.
 */

#include <linux/mm.h>
#include <linux/string.h>

#include "obm_test.h"

#define OBM_TEST_DIRT		0xa5
#define OBM_TEST_ZERO_BOOT	"runs on the init_on_alloc=0 init_on_free=0 boot"

/*
 * Skip unless this boot leaves the clearing to __GFP_ZERO. @free_clears:
 * whether init_on_free=1 would clear the block too. The reasons start with
 * the option: tools/vm/results.py matches them.
 */
static void obm_test_zero_needs(struct kunit *test, bool free_clears)
{
	if (want_init_on_alloc(0))
		kunit_skip(test, "init_on_alloc=1 zeroes every block; " OBM_TEST_ZERO_BOOT);
	if (free_clears && want_init_on_free())
		kunit_skip(test, "init_on_free=1 clears every freed block; " OBM_TEST_ZERO_BOOT);
}

/*
 * A block of @size from @heap (NULL: the default heap), every usable byte
 * written, then freed: the next allocation of its class on this CPU takes
 * it back, from the magazine top or the head of its pool's free list.
 */
static void *obm_test_dirty_block(struct kunit *test, struct obm_heap *heap,
				  size_t size)
{
	void *p = heap ? obm_heap_alloc(heap, size, GFP_KERNEL) :
			 obm_alloc(size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	/* Every byte obmalloc allows; FORTIFY knows only the request. */
	OPTIMIZER_HIDE_VAR(p);
	memset(p, OBM_TEST_DIRT, obm_usable_size(p));
	obm_free(p);
	return p;
}

/* Bytes @from..@to of @q, a block for a request of @size, are zero. */
static void obm_test_expect_zero(struct kunit *test, const u8 *q, size_t from,
				 size_t to, size_t size)
{
	const u8 *bad = memchr_inv(q + from, 0, to - from);

	KUNIT_EXPECT_TRUE_MSG(test, !bad,
			      "%zu-byte request: byte %td of %zu is 0x%02x, not zero",
			      size, bad ? bad - q : 0, to, bad ? *bad : 0);
}

static const char * const obm_test_zero_paths[] = { "magazines", "pools" };

static void obm_test_zero_path_desc(const char * const *path, char *desc)
{
	strscpy(desc, *path, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(obm_test_zero_path, obm_test_zero_paths,
		  obm_test_zero_path_desc);

/*
 * __GFP_ZERO clears a reused dirty block, one size per 72 bytes up to
 * OBM_SMALL_MAX: through this CPU's magazine, and from its pool's free
 * list (verify_free turns the magazines off), where its first word holds
 * the link.
 */
static void obm_test_gfp_zero_reused(struct kunit *test)
{
	const char * const *path = test->param_value;
	struct obm_heap *heap;
	unsigned int size;

	obm_test_zero_needs(test, true);
	heap = obm_test_heap(test);
	obm_test_pin_cpu(test);
	if (!strcmp(*path, "pools"))
		obm_test_verify_free(test);

	for (size = 8; size <= OBM_SMALL_MAX; size += 72) {
		void *p = obm_test_dirty_block(test, heap, size);
		u8 *q = obm_heap_alloc(heap, size, GFP_KERNEL | __GFP_ZERO);

		KUNIT_ASSERT_PTR_EQ(test, (void *)q, p);
		obm_test_expect_zero(test, q, 0, obm_usable_size(q), size);
		obm_free(q);
	}
}

/* obm_zalloc() clears a reused dirty block of the default heap. */
static void obm_test_zalloc(struct kunit *test)
{
	void *p;
	u8 *q;

	obm_test_zero_needs(test, true);
	obm_test_pin_cpu(test);
	p = obm_test_dirty_block(test, NULL, 200);
	q = obm_zalloc(200, GFP_KERNEL);
	KUNIT_ASSERT_PTR_EQ(test, (void *)q, p);
	obm_test_expect_zero(test, q, 0, obm_usable_size(q), 200);
	obm_free(q);
}

/*
 * A debug heap that poisons (debug=P) fills a freed block with POISON_FREE
 * instead of init_on_free's zeros, and a block handed out without
 * __GFP_ZERO with POISON_INUSE: only init_on_alloc=1 keeps this from
 * failing when __GFP_ZERO is ignored.
 */
static void obm_test_zero_debug_heap(struct kunit *test)
{
	struct obm_heap *heap;
	void *p;
	u8 *q;

	obm_test_zero_needs(test, false);
	heap = obm_test_debug_heap(test, "P");
	obm_test_pin_cpu(test);
	p = obm_test_dirty_block(test, heap, 100);
	q = obm_heap_alloc(heap, 100, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_PTR_EQ(test, (void *)q, p);
	obm_test_expect_zero(test, q, 0, obm_usable_size(q), 100);
	obm_free(q);
}

/*
 * krealloc()'s __GFP_ZERO contract: a block shrunk in place and grown back
 * in place, both with __GFP_ZERO, has zeros past the smaller size. The
 * whole block is written first; init_on_free does not touch a live block,
 * so only init_on_alloc=1 keeps this from failing.
 */
static void obm_test_realloc_gfp_zero(struct kunit *test, size_t big,
				      size_t small)
{
	u8 *p = obm_zalloc(big, GFP_KERNEL), *q, *r;

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0xff, big);
	q = obm_realloc(p, small, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	r = obm_realloc(q, big, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_PTR_EQ(test, r, p);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(r, 0xff, small));
	KUNIT_EXPECT_TRUE_MSG(test, !memchr_inv(r + small, 0, big - small),
			      "%zu -> %zu -> %zu: spare bytes not zero", big,
			      small, big);
	obm_free(r);
}

static void obm_test_realloc_zero_spare(struct kunit *test)
{
	obm_test_zero_needs(test, false);
	obm_test_realloc_gfp_zero(test, 104, 80);	/* a pool block */
	obm_test_realloc_gfp_zero(test, 3000, 2100);	/* kmalloc-4k */
}

/*
 * The same contract when the block moves: the new block, a reused dirty
 * one, holds the old contents and zeros after them.
 */
static void obm_test_zero_realloc_grow(struct kunit *test)
{
	const size_t small = 64, big = 200;
	struct obm_heap *heap;
	void *dirty;
	u8 *p, *q;

	obm_test_zero_needs(test, true);
	heap = obm_test_heap(test);
	obm_test_pin_cpu(test);
	dirty = obm_test_dirty_block(test, heap, big);
	p = obm_heap_alloc(heap, small, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	obm_test_fill(p, small, 7);
	q = obm_realloc(p, big, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_PTR_EQ(test, (void *)q, dirty);
	KUNIT_EXPECT_TRUE(test, obm_test_check_fill(q, small, 7));
	obm_test_expect_zero(test, q, small, obm_usable_size(q), big);
	obm_free(q);
}

static struct kunit_case obm_zero_cases[] = {
	KUNIT_CASE_PARAM(obm_test_gfp_zero_reused, obm_test_zero_path_gen_params),
	KUNIT_CASE(obm_test_zalloc),
	KUNIT_CASE(obm_test_zero_debug_heap),
	KUNIT_CASE(obm_test_realloc_zero_spare),
	KUNIT_CASE(obm_test_zero_realloc_grow),
	{}
};

static struct kunit_suite obm_zero_suite = {
	.name = "obmalloc_zero",
	.test_cases = obm_zero_cases,
};

kunit_test_suite(obm_zero_suite);
