// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_dropin: include/obmalloc_kmalloc.h, as a module uses it. This
 * file alone is built with it force-included and OBM_KMALLOC_HEAP
 * "kunit-dropin" (kunit/Kbuild), so its kmalloc() family is obmalloc's,
 * written as any module writes it: each call must reach that heap (its
 * statistics move), and frees of what obmalloc did not hand out - core
 * code's kmalloc() objects, vmalloc() areas - must go where they belong.
 */

#include <linux/cleanup.h>
#include <linux/delay.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <obmalloc_internal.h>

#include "obm_test.h"

#define OBM_TEST_DROPIN_HEAP	"kunit-dropin"

struct obm_test_dropin_obj {
	u64 payload[4];
	struct rcu_head rcu;
};

/* Each kmalloc-family call of a module, as it writes them. */
static void *obm_test_dropin_kmalloc(size_t n)
{
	return kmalloc(n, GFP_KERNEL);
}

static void *obm_test_dropin_kzalloc(size_t n)
{
	return kzalloc(n, GFP_KERNEL);
}

static void *obm_test_dropin_kcalloc(size_t n)
{
	return kcalloc(n, 1, GFP_KERNEL);
}

static void *obm_test_dropin_kmalloc_array(size_t n)
{
	return kmalloc_array(1, n, GFP_KERNEL);
}

static void *obm_test_dropin_kmalloc_node(size_t n)
{
	return kmalloc_node(n, GFP_KERNEL, NUMA_NO_NODE);
}

static void *obm_test_dropin_kzalloc_node(size_t n)
{
	return kzalloc_node(n, GFP_KERNEL, numa_mem_id());
}

static void *obm_test_dropin_kcalloc_node(size_t n)
{
	return kcalloc_node(1, n, GFP_KERNEL, NUMA_NO_NODE);
}

static void *obm_test_dropin_kmalloc_array_node(size_t n)
{
	return kmalloc_array_node(n, 1, GFP_KERNEL, NUMA_NO_NODE);
}

static void *obm_test_dropin_krealloc(size_t n)
{
	return krealloc(NULL, n, GFP_KERNEL);
}

static void *obm_test_dropin_krealloc_array(size_t n)
{
	return krealloc_array(NULL, n, 1, GFP_KERNEL);
}

static void *obm_test_dropin_kmemdup(size_t n)
{
	static const u8 src[2048];

	return kmemdup(src, n, GFP_KERNEL);
}

struct obm_test_dropin_call {
	const char *name;
	void *(*alloc)(size_t n);
	bool zeroed;
};

static const struct obm_test_dropin_call obm_test_dropin_calls[] = {
	{ "kmalloc", obm_test_dropin_kmalloc, false },
	{ "kzalloc", obm_test_dropin_kzalloc, true },
	{ "kcalloc", obm_test_dropin_kcalloc, true },
	{ "kmalloc_array", obm_test_dropin_kmalloc_array, false },
	{ "kmalloc_node", obm_test_dropin_kmalloc_node, false },
	{ "kzalloc_node", obm_test_dropin_kzalloc_node, true },
	{ "kcalloc_node", obm_test_dropin_kcalloc_node, true },
	{ "kmalloc_array_node", obm_test_dropin_kmalloc_array_node, false },
	{ "krealloc", obm_test_dropin_krealloc, false },
	{ "krealloc_array", obm_test_dropin_krealloc_array, false },
	{ "kmemdup", obm_test_dropin_kmemdup, true },
};

static void obm_test_dropin_call_desc(const struct obm_test_dropin_call *c,
				      char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(obm_test_dropin_call, obm_test_dropin_calls,
		  obm_test_dropin_call_desc);

/*
 * A call of the kmalloc() family is served by the module's heap: a small
 * request is a block of it, a large one a kmalloc() object it counts;
 * kfree() gives both back, ksize() is what obmalloc allows.
 */
static void obm_test_dropin_allocates(struct kunit *test)
{
	const struct obm_test_dropin_call *c = test->param_value;
	struct obm_test_stats before, after;
	u8 *p, *big;

	/* The heap exists once an allocation that may sleep asked for it. */
	kfree(kmalloc(8, GFP_KERNEL));
	obm_test_read_named_stats(test, OBM_TEST_DROPIN_HEAP, &before);
	p = c->alloc(100);
	KUNIT_ASSERT_NOT_NULL(test, p);
	big = c->alloc(2000);
	KUNIT_ASSERT_NOT_NULL(test, big);
	obm_test_read_named_stats(test, OBM_TEST_DROPIN_HEAP, &after);
	/* Blocks callers hold, apart from what the magazines cache. */
	KUNIT_EXPECT_EQ(test, after.blocks_in_use, before.blocks_in_use + 1);
	KUNIT_EXPECT_EQ(test, after.kmalloc_allocs, before.kmalloc_allocs + 1);
	KUNIT_EXPECT_EQ(test, ksize(p), obm_usable_size(p));
	KUNIT_EXPECT_EQ(test, ksize(p), 104);
	KUNIT_EXPECT_GE(test, ksize(big), 2000);
	if (c->zeroed)
		KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, 100));
	kfree(p);
	kfree(big);
	obm_test_read_named_stats(test, OBM_TEST_DROPIN_HEAP, &after);
	KUNIT_EXPECT_EQ(test, after.blocks_in_use, before.blocks_in_use);
	KUNIT_EXPECT_EQ(test, after.double_frees + after.invalid_frees,
			before.double_frees + before.invalid_frees);
}

/* The string helpers copy what they should, into the module's heap. */
static void obm_test_dropin_strings(struct kunit *test)
{
	static const char text[] = "obmalloc drop-in";
	char *a = kstrdup(text, GFP_KERNEL);
	char *b = kstrndup(text, 8, GFP_KERNEL);
	char *c = kmemdup_nul(text, 3, GFP_KERNEL);
	char *d = kmemdup(text, sizeof(text), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_EXPECT_STREQ(test, a, text);
	KUNIT_EXPECT_STREQ(test, b, "obmalloc");
	KUNIT_EXPECT_STREQ(test, c, "obm");
	KUNIT_EXPECT_STREQ(test, d, text);
	KUNIT_EXPECT_EQ(test, ksize(a), 24);
	KUNIT_EXPECT_NULL(test, kstrdup(NULL, GFP_KERNEL));
	kfree(a);
	kfree(b);
	kfree(c);
	kfree(d);
}

/*
 * Frees of memory obmalloc did not hand out go where they belong, without
 * a report: a core kmalloc() object to kfree() (kfree_sensitive() and
 * krealloc() too), a vmalloc() area to vfree().
 */
static void obm_test_dropin_foreign_frees(struct kunit *test)
{
	unsigned long foreign = obm_test_foreign_frees(test);
	u8 *core = obm_test_core_kmalloc(64, GFP_KERNEL);
	u8 *secret = obm_test_core_kmalloc(64, GFP_KERNEL);
	u8 *grown = obm_test_core_kmalloc(64, GFP_KERNEL), *core2;
	void *area = vmalloc(3 * PAGE_SIZE);

	KUNIT_ASSERT_NOT_NULL(test, core);
	KUNIT_ASSERT_NOT_NULL(test, secret);
	KUNIT_ASSERT_NOT_NULL(test, grown);
	KUNIT_ASSERT_NOT_NULL(test, area);
	KUNIT_EXPECT_TRUE(test, folio_test_slab(virt_to_folio(core)));
	KUNIT_EXPECT_EQ(test, ksize(core), 64);
	memset(grown, 0x3c, 64);
	core2 = krealloc(grown, 200, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, core2);
	grown = core2;
	/* A kmalloc() object stays kmalloc()'s. */
	KUNIT_EXPECT_TRUE(test, folio_test_slab(virt_to_folio(grown)));
	KUNIT_EXPECT_NULL(test, memchr_inv(grown, 0x3c, 64));
	kfree(core);
	kfree_sensitive(secret);
	kfree(grown);
	kvfree(area);
	KUNIT_EXPECT_EQ(test, obm_test_foreign_frees(test), foreign);
}

/* What slab.h builds on kfree reaches obmalloc too. */
static void obm_test_dropin_free_forms(struct kunit *test)
{
	void (*free_fn)(const void *p) = kfree;
	struct obm_test_stats before, after;

	kfree(kmalloc(8, GFP_KERNEL));
	obm_test_read_named_stats(test, OBM_TEST_DROPIN_HEAP, &before);
	{
		void *scoped __free(kfree) = kmalloc(40, GFP_KERNEL);
		void *vscoped __free(kvfree) = kmalloc(48, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, scoped);
		KUNIT_ASSERT_NOT_NULL(test, vscoped);
	}
	free_fn(kmalloc(56, GFP_KERNEL));
	obm_test_read_named_stats(test, OBM_TEST_DROPIN_HEAP, &after);
	KUNIT_EXPECT_EQ(test, after.blocks_in_use, before.blocks_in_use);
	KUNIT_EXPECT_EQ(test, after.invalid_frees + after.double_frees,
			before.invalid_frees + before.double_frees);
}

/* kfree_sensitive() clears every usable byte before the block is freed. */
static void obm_test_dropin_free_sensitive(struct kunit *test)
{
	u8 *p;

	obm_test_pin_cpu(test);
	p = kmalloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0xa5, 100);
	kfree_sensitive(p);
	OPTIMIZER_HIDE_VAR(p);
	/*
	 * The block sits in this CPU's magazine now; obmalloc writes nothing
	 * into a block it caches, so what is there is what the free left.
	 */
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, 104));
}

/* Both forms of kfree_rcu(), and kvfree_rcu(): freed after a grace period, batched. */
static void obm_test_dropin_kfree_rcu(struct kunit *test)
{
	const unsigned int n = 200;
	unsigned long pending, batches, batches_before, i;
	struct obm_test_stats before, after;
	struct obm_test_dropin_obj *obj;
	void *plain, *area;

	kfree(kmalloc(8, GFP_KERNEL));
	obm_test_read_named_stats(test, OBM_TEST_DROPIN_HEAP, &before);
	obm_test_rcu_counts(test, &pending, &batches_before);
	for (i = 0; i < n; i++) {
		obj = kmalloc(sizeof(*obj), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, obj);
		kfree_rcu(obj, rcu);
	}
	plain = kmalloc(32, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, plain);
	kfree_rcu_mightsleep(plain);
	area = vmalloc(PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, area);
	kvfree_rcu_mightsleep(area);
	obj = NULL;
	kfree_rcu(obj, rcu);		/* NULL is ignored */

	/* Everything queued is freed after its grace period. */
	for (i = 0; i < 100; i++) {
		obm_test_rcu_counts(test, &pending, &batches);
		if (!pending)
			break;
		msleep(50);
	}
	KUNIT_EXPECT_EQ(test, pending, 0);
	/* Batched: far fewer grace periods than objects. */
	KUNIT_EXPECT_LT(test, batches - batches_before, n / 4);
	obm_test_drain(test, NULL);
	obm_test_read_named_stats(test, OBM_TEST_DROPIN_HEAP, &after);
	KUNIT_EXPECT_EQ(test, after.blocks_in_use, before.blocks_in_use);
}

/* Overflowing array sizes fail as kmalloc_array()'s do. */
static void obm_test_dropin_overflow(struct kunit *test)
{
	size_t huge = SIZE_MAX / 2 + 1;
	void *p = kmalloc(16, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_NULL(test, kmalloc_array(huge, 2, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, kcalloc(2, huge, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, kmalloc_array_node(huge, 4, GFP_KERNEL, NUMA_NO_NODE));
	KUNIT_EXPECT_NULL(test, krealloc_array(p, huge, 2, GFP_KERNEL));
	kfree(p);
}

/* FORTIFY_SOURCE sees each call's size, as with the kernel's kmalloc(). */
static void obm_test_dropin_fortify(struct kunit *test)
{
#if __has_builtin(__builtin_dynamic_object_size)
	size_t n = 37 + test->status;
	void *a = kmalloc(n, GFP_KERNEL);
	void *b = kcalloc(3, n, GFP_KERNEL);
	void *c = kzalloc_node(n, GFP_KERNEL, NUMA_NO_NODE);

	KUNIT_EXPECT_EQ(test, __builtin_dynamic_object_size(a, 0), n);
	KUNIT_EXPECT_EQ(test, __builtin_dynamic_object_size(b, 0), 3 * n);
	KUNIT_EXPECT_EQ(test, __builtin_dynamic_object_size(c, 0), n);
	kfree(a);
	kfree(b);
	kfree(c);
#else
	kunit_skip(test, "the compiler has no __builtin_dynamic_object_size");
#endif
}

static struct kunit_case obm_test_dropin_cases[] = {
	KUNIT_CASE_PARAM(obm_test_dropin_allocates, obm_test_dropin_call_gen_params),
	KUNIT_CASE(obm_test_dropin_strings),
	KUNIT_CASE(obm_test_dropin_foreign_frees),
	KUNIT_CASE(obm_test_dropin_free_forms),
	KUNIT_CASE(obm_test_dropin_free_sensitive),
	KUNIT_CASE(obm_test_dropin_kfree_rcu),
	KUNIT_CASE(obm_test_dropin_overflow),
	KUNIT_CASE(obm_test_dropin_fortify),
	{}
};

/*
 * The suite's heap lives until obmalloc unloads, as a module's would: give
 * back the empty pools it keeps, so that later suites start from empty
 * arena sets.
 */
static void obm_test_dropin_exit(struct kunit_suite *suite)
{
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	struct obm_heap *heap = obm_heap_get(OBM_KMALLOC_HEAP);
	struct shrinker *shrinker;
	unsigned long n;

	if (IS_ERR(heap))
		return;
	shrinker = obm_heap_shrinker(heap);
	n = shrinker->count_objects(shrinker, &sc);
	sc.nr_to_scan = n == SHRINK_EMPTY ? 0 : n;
	shrinker->scan_objects(shrinker, &sc);
}

static struct kunit_suite obm_test_dropin_suite = {
	.name = "obmalloc_dropin",
	.suite_exit = obm_test_dropin_exit,
	.test_cases = obm_test_dropin_cases,
};

kunit_test_suite(obm_test_dropin_suite);
