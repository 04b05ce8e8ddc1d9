// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_contracts: the promises kmalloc() makes that code switching to
 * obmalloc relies on - init_on_alloc and init_on_free, natural alignment
 * of power-of-two sizes, flags only kmalloc() can honour, every byte
 * obm_usable_size() reports being writable - and the free-list hardening
 * that distribution kernels expect of an allocator. krealloc()'s
 * __GFP_ZERO is in obmalloc_zero (obm_test_zero.c), with the other tests
 * that can fail only where init_on_alloc is off.
 *
 * The init_on tests can fail on make check's qemu boot (init_on_alloc=1)
 * and qemu-rt boot (init_on_free=1), where they run; they skip where both
 * are off, which is only the qemu-noinit boot, where the filter runs
 * obmalloc_zero alone.
 */

#include <linux/cgroup.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "obm_test.h"

static const size_t obm_test_contract_sizes[] = { 8, 24, 64, 104, 264, 512 };

/*
 * A block written by one caller and freed reaches the next caller as the
 * boot's init_on_alloc / init_on_free settings say: cleared.
 */
static void obm_test_init_on_alloc_free(struct kunit *test, bool magazines)
{
	struct obm_heap *heap = obm_test_heap(test);
	unsigned int i;

	if (!want_init_on_alloc(0) && !want_init_on_free())
		kunit_skip(test, "init_on_alloc and init_on_free are both off");
	obm_test_pin_cpu(test);
	if (!magazines)
		obm_test_verify_free(test);

	for (i = 0; i < ARRAY_SIZE(obm_test_contract_sizes); i++) {
		size_t size = obm_test_contract_sizes[i];
		/* On a pool's free list the first word is the link. */
		size_t skip = magazines ? 0 : sizeof(void *);
		u8 *p = obm_heap_alloc(heap, size, GFP_KERNEL), *q;

		KUNIT_ASSERT_NOT_NULL(test, p);
		memset(p, 0xa5, size);
		obm_free(p);
		if (want_init_on_free())
			KUNIT_EXPECT_TRUE_MSG(test, !memchr_inv(p + skip, 0, size - skip),
					      "size %zu: freed block not cleared", size);
		q = obm_heap_alloc(heap, size, GFP_KERNEL);
		KUNIT_ASSERT_PTR_EQ(test, q, p);
		KUNIT_EXPECT_TRUE_MSG(test, !memchr_inv(q, 0, size),
				      "size %zu: reused block not cleared", size);
		obm_free(q);
	}
}

static void obm_test_init_on_magazines(struct kunit *test)
{
	obm_test_init_on_alloc_free(test, true);
}

static void obm_test_init_on_pools(struct kunit *test)
{
	obm_test_init_on_alloc_free(test, false);
}

static const unsigned int obm_test_pow2[] = { 8, 16, 32, 64, 128, 256, 512 };

static void obm_test_pow2_desc(const unsigned int *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u bytes", *size);
}

KUNIT_ARRAY_PARAM(obm_test_pow2, obm_test_pow2, obm_test_pow2_desc);

/*
 * kmalloc() aligns a power-of-two size to itself: so does every block of
 * that size, carved or reused, over several pools.
 */
static void obm_test_pow2_aligned(struct kunit *test)
{
	const unsigned int size = *(const unsigned int *)test->param_value;
	const unsigned int n = 3 * PAGE_SIZE / size + 5;
	struct obm_heap *heap = obm_test_heap(test);
	unsigned int i, misaligned = 0;
	void **blocks;

	blocks = kunit_kcalloc(test, n, sizeof(*blocks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	for (i = 0; i < n; i++) {
		blocks[i] = obm_heap_alloc(heap, size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
	}
	for (i = 0; i < n; i += 2) {
		obm_free(blocks[i]);
		blocks[i] = obm_heap_alloc(heap, size - 1, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
	}
	for (i = 0; i < n; i++) {
		if (!IS_ALIGNED((unsigned long)blocks[i], size))
			misaligned++;
		obm_free(blocks[i]);
	}
	KUNIT_EXPECT_EQ(test, misaligned, 0);
}

static const gfp_t obm_test_kmalloc_flags[] = {
	__GFP_ACCOUNT, __GFP_DMA, __GFP_NOFAIL,
};

static void obm_test_kmalloc_flag_desc(const gfp_t *flag, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%pGg", flag);
}

KUNIT_ARRAY_PARAM(obm_test_kmalloc_flag, obm_test_kmalloc_flags,
		  obm_test_kmalloc_flag_desc);

/*
 * Flags only kmalloc() can honour send a small request to kmalloc(), with
 * no warning: counted, never in the heap's pools, freed by obm_free().
 */
static void obm_test_kmalloc_only_flags(struct kunit *test)
{
	const gfp_t flag = *(const gfp_t *)test->param_value;
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_stats before, after;
	u8 *p;

	obm_test_read_stats(test, heap, &before);
	p = obm_heap_alloc(heap, 100, GFP_KERNEL | flag);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, folio_test_slab(virt_to_folio(p)));
#ifdef CONFIG_ZONE_DMA
	if (flag & __GFP_DMA)
		KUNIT_EXPECT_EQ(test, page_zonenum(virt_to_page(p)), ZONE_DMA);
#endif
	KUNIT_EXPECT_EQ(test, obm_usable_size(p), ksize(p));
	/* Past the request only as KASAN sees it: FORTIFY knows 100 bytes. */
	OPTIMIZER_HIDE_VAR(p);
	memset(p, 0x3c, obm_usable_size(p));
	obm_test_read_stats(test, heap, &after);
	KUNIT_EXPECT_EQ(test, after.kmalloc_for_flags, before.kmalloc_for_flags + 1);
	KUNIT_EXPECT_EQ(test, after.kmalloc_allocs, before.kmalloc_allocs + 1);
	KUNIT_EXPECT_EQ(test, after.pages_held, before.pages_held);
	KUNIT_EXPECT_EQ(test, after.blocks_in_use, before.blocks_in_use);
	obm_free(p);
}

/*
 * A one-word overflow out of a block into the free block after it corrupts
 * that block's free-list link: the next allocation that reaches the link
 * reports it and abandons the rest of the list instead of handing out
 * the forged address.
 */
static void obm_test_freelist_overflow(struct kunit *test)
{
	const unsigned int size = 64;
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_stats s;
	u8 *a, *b, *c, *x, *y;

	obm_test_pin_cpu(test);
	obm_test_verify_free(test);	/* frees go straight to the pool */
	a = obm_heap_alloc(heap, size, GFP_KERNEL);
	b = obm_heap_alloc(heap, size, GFP_KERNEL);
	c = obm_heap_alloc(heap, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_PTR_EQ(test, b, a + size);
	KUNIT_ASSERT_PTR_EQ(test, c, b + size);

	/* Hardened kernels never store the raw address of the next block. */
	obm_free(b);
	obm_free(c);
	if (IS_ENABLED(CONFIG_SLAB_FREELIST_HARDENED))
		KUNIT_EXPECT_PTR_NE(test, *(void **)c, (void *)b);
	else
		KUNIT_EXPECT_PTR_EQ(test, *(void **)c, (void *)b);
	c = obm_heap_alloc(heap, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);

	/*
	 * a overflows by one word into b's link. FORTIFY_SOURCE sees a's size
	 * through obm_heap_alloc()'s __alloc_size and would refuse the
	 * overflow at build time (that it does is tested in
	 * obmalloc_contracts' fortify case): hide it.
	 */
	OPTIMIZER_HIDE_VAR(a);
	memset(a, 0x41, size + sizeof(void *));
	/* b heads the free list: its link is the one found overwritten. */
	obm_test_expect_report(test, obm_test_heap_name(test, heap), "corrupted free list", b);
	x = obm_heap_alloc(heap, size, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, x, b);
	y = obm_heap_alloc(heap, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, y);
	/* Carved fresh, not the forged 0x4141... address. */
	KUNIT_EXPECT_PTR_EQ(test, y, c + size);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.freelist_corruptions, 1);
	obm_free(a);
	obm_free(x);
	obm_free(c);
	obm_free(y);
	obm_test_check_empty(test, heap);
}

/*
 * Every byte obm_usable_size() reports is the caller's as far as obmalloc
 * and KASAN go: written in full for every size up to 4096, pool blocks and
 * kmalloc()'s alike, and after a kmalloc()'d block shrinks. KASAN (on the
 * test kernel) reports any byte that is not, which fails the run. As with
 * ksize(), FORTIFY_SOURCE allows only the bytes asked for (see
 * obm_test_fortify_sizes()): the test hides the pointer from it.
 */
static void obm_test_usable_size_writable(struct kunit *test)
{
	size_t size, usable;
	u8 *p;

	for (size = 1; size <= 4096; size++) {
		p = obm_alloc(size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		usable = obm_usable_size(p);
		KUNIT_EXPECT_GE(test, usable, size);
		OPTIMIZER_HIDE_VAR(p);
		memset(p, 0x5a, usable);
		KUNIT_EXPECT_EQ(test, p[usable - 1], 0x5a);
		obm_free(p);
	}
	p = obm_alloc(3000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	p = obm_realloc(p, 600, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	usable = obm_usable_size(p);
	KUNIT_EXPECT_GE(test, usable, 600);
	OPTIMIZER_HIDE_VAR(p);
	memset(p, 0x5a, usable);
	obm_free(p);
}

/*
 * The compiler knows each block's size as the caller asked for it
 * (__alloc_size, __realloc_size on the API), so FORTIFY_SOURCE, on in
 * Debian's kernels, bounds-checks mem*() and str*() on obmalloc blocks as
 * on kmalloc()'s: __builtin_dynamic_object_size() is what it consults.
 */
static void obm_test_fortify_sizes(struct kunit *test)
{
#if __has_builtin(__builtin_dynamic_object_size)
	struct obm_heap *heap = obm_test_heap(test);
	size_t n = 37 + test->status, k = 5 + test->status;
	struct {
		const char *how;
		void *p;
		size_t want;
	} cases[10];
	unsigned int i;

	cases[0].p = obm_heap_alloc(heap, n, GFP_KERNEL);
	cases[0].want = __builtin_dynamic_object_size(cases[0].p, 0);
	cases[1].p = obm_alloc(n, GFP_KERNEL);
	cases[1].want = __builtin_dynamic_object_size(cases[1].p, 0);
	cases[2].p = obm_zalloc(n, GFP_KERNEL);
	cases[2].want = __builtin_dynamic_object_size(cases[2].p, 0);
	cases[3].p = obm_heap_zalloc(heap, n, GFP_KERNEL);
	cases[3].want = __builtin_dynamic_object_size(cases[3].p, 0);
	cases[4].p = obm_alloc_node(n, GFP_KERNEL, NUMA_NO_NODE);
	cases[4].want = __builtin_dynamic_object_size(cases[4].p, 0);
	cases[5].p = obm_heap_alloc_node(heap, n, GFP_KERNEL, NUMA_NO_NODE);
	cases[5].want = __builtin_dynamic_object_size(cases[5].p, 0);
	cases[6].p = obm_alloc_array(k, n, GFP_KERNEL);
	cases[6].want = __builtin_dynamic_object_size(cases[6].p, 0) / k;
	cases[7].p = obm_calloc(k, n, GFP_KERNEL);
	cases[7].want = __builtin_dynamic_object_size(cases[7].p, 0) / k;
	cases[8].p = obm_heap_calloc(heap, k, n, GFP_KERNEL);
	cases[8].want = __builtin_dynamic_object_size(cases[8].p, 0) / k;
	cases[9].p = obm_alloc(n, GFP_KERNEL);
	cases[9].p = obm_realloc(cases[9].p, n + 3, GFP_KERNEL);
	cases[9].want = __builtin_dynamic_object_size(cases[9].p, 0) - 3;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		KUNIT_EXPECT_NOT_NULL_MSG(test, cases[i].p, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, cases[i].want, n, "case %u", i);
		obm_free(cases[i].p);
	}
#else
	kunit_skip(test, "the compiler has no __builtin_dynamic_object_size");
#endif
}

/*
 * __GFP_ACCOUNT as kmalloc() honours it: charged to the memory cgroup in
 * force, here one set with set_active_memcg() (tools/vm/guest/check.sh
 * makes /obmtest with the memory controller). obmalloc hands such
 * requests to kmalloc(): the memcg's usage grows by the objects' bytes.
 */
static void obm_test_memcg_account(struct kunit *test)
{
#ifdef CONFIG_MEMCG
	const unsigned int n = 256, size = 256;
	struct obm_heap *heap = obm_test_heap(test);
	struct cgroup_subsys_state *css;
	unsigned long before, after;
	struct mem_cgroup *memcg, *old;
	struct obm_test_stats s;
	struct cgroup *cgrp;
	unsigned int i;
	void **blocks;

	blocks = kunit_kcalloc(test, n, sizeof(*blocks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	cgrp = cgroup_get_from_path("/obmtest");
	if (IS_ERR(cgrp))
		kunit_skip(test, "no cgroup /obmtest (tools/vm/guest/check.sh makes it)");
	css = cgroup_get_e_css(cgrp, &memory_cgrp_subsys);
	cgroup_put(cgrp);
	KUNIT_ASSERT_NOT_NULL(test, css);
	memcg = mem_cgroup_from_css(css);
	if (!css->parent) {
		css_put(css);
		kunit_skip(test, "/obmtest has no memory controller of its own");
	}

	before = page_counter_read(&memcg->memory);
	old = set_active_memcg(memcg);
	for (i = 0; i < n; i++)
		blocks[i] = obm_heap_alloc(heap, size, GFP_KERNEL_ACCOUNT);
	set_active_memcg(old);
	after = page_counter_read(&memcg->memory);
	css_put(css);

	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
		KUNIT_EXPECT_TRUE(test, folio_test_slab(virt_to_folio(blocks[i])));
	}
	/* Charged in pages, less what a CPU's byte stock held already. */
	KUNIT_EXPECT_GE(test, (after - before) * PAGE_SIZE,
			(unsigned long)n * size - PAGE_SIZE);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.kmalloc_for_flags, n);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, 0);
	for (i = 0; i < n; i++)
		obm_free(blocks[i]);
#else
	kunit_skip(test, "no CONFIG_MEMCG");
#endif
}

static struct kunit_case obm_contracts_cases[] = {
	KUNIT_CASE(obm_test_init_on_magazines),
	KUNIT_CASE(obm_test_init_on_pools),
	KUNIT_CASE_PARAM(obm_test_pow2_aligned, obm_test_pow2_gen_params),
	KUNIT_CASE_PARAM(obm_test_kmalloc_only_flags,
			 obm_test_kmalloc_flag_gen_params),
	KUNIT_CASE(obm_test_freelist_overflow),
	KUNIT_CASE(obm_test_usable_size_writable),
	KUNIT_CASE(obm_test_fortify_sizes),
	KUNIT_CASE(obm_test_memcg_account),
	{}
};

static struct kunit_suite obm_contracts_suite = {
	.name = "obmalloc_contracts",
	.test_cases = obm_contracts_cases,
};

kunit_test_suite(obm_contracts_suite);
