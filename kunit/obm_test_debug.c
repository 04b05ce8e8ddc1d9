// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_debug: debug heaps, set up through the debug= parameter as a
 * user would (slub_debug's syntax), catch a one-byte overflow, a write
 * after free, a double free and a leak, each reported with the block's
 * offset and its allocation (and free) stack, and stay usable afterwards;
 * the objects file groups live blocks by stack and stats counts the bytes
 * requested. Each provoked report is announced (obm_test_expect_report()).
 *
 * The stacks are checked by name: the blocks are allocated and freed by
 * the noinline helpers below, whose names must appear in the stack depot
 * entries obmalloc saved (CONFIG_KALLSYMS).
 */

#include <linux/ctype.h>
#include <linux/mm.h>
#include <linux/poison.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/stackdepot.h>
#include <linux/string.h>
#include <obmalloc_internal.h>

#include "obm_test.h"

#define OBM_TEST_STACK_BUF	2048
#define OBM_TEST_STATS_MAX	4096

/* Not tail calls: each must stay a frame of the stacks obmalloc saves. */
static noinline void *obm_test_debug_alloc(struct obm_heap *heap, size_t size)
{
	void *p = obm_heap_alloc(heap, size, GFP_KERNEL);

	barrier();
	return p;
}

/* Not the same code as the above, or the compiler may fold the two. */
static noinline void *obm_test_debug_alloc_other(struct obm_heap *heap,
						 size_t size)
{
	void *p = obm_heap_alloc(heap, size, GFP_KERNEL | __GFP_NOWARN);

	barrier();
	return p;
}

static noinline void obm_test_debug_free(const void *p)
{
	obm_free(p);
	barrier();
}

/* Whether the depot's stack @handle has a frame in function @name. */
static bool obm_test_stack_has(struct kunit *test, u32 handle,
			       const char *name)
{
	char *buf = kunit_kzalloc(test, OBM_TEST_STACK_BUF, GFP_KERNEL);
	char frame[64];

	KUNIT_ASSERT_NOT_NULL(test, buf);
	if (!handle)
		return false;
	stack_depot_snprint(handle, buf, OBM_TEST_STACK_BUF, 0);
	/* "name+0x..": not a longer name that starts the same. */
	snprintf(frame, sizeof(frame), "%s+", name);
	return strstr(buf, frame);
}

/* The report made since @before, which must be about @heap and @kind. */
static void obm_test_last_report(struct kunit *test, struct obm_heap *heap,
				 const struct obm_report_record *before,
				 const char *kind,
				 struct obm_report_record *rec)
{
	obm_last_report(rec);
	KUNIT_ASSERT_EQ(test, rec->seq, before->seq + 1);
	KUNIT_EXPECT_STREQ(test, rec->heap, obm_test_heap_name(test, heap));
	KUNIT_EXPECT_STREQ(test, rec->kind, kind);
}

struct obm_test_debug_param_case {
	const char *param;	/* written to debug= */
	const char *flags;	/* what <heap>/debug of kunit-dbgparam shows */
};

static const struct obm_test_debug_param_case obm_test_debug_params[] = {
	{ "FZPU", "FZPU" },
	{ "zp", "ZP" },
	{ "-", "-" },
	{ "U,kunit-other", "-" },
	{ "Z,kunit-other,kunit-dbgparam", "Z" },
	{ "F,kunit-other;PU,kunit-dbgparam", "PU" },
	{ "P;F,kunit-dbgparam", "P" },
	{ "uf,kunit-dbgparam;Z", "FU" },
};

static void obm_test_debug_param_desc(const struct obm_test_debug_param_case *c,
				      char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "debug=%s", c->param);
}

KUNIT_ARRAY_PARAM(obm_test_debug_param, obm_test_debug_params,
		  obm_test_debug_param_desc);

static void obm_test_debug_param_reset(void *unused)
{
	obm_test_write_file(OBM_TEST_DEBUG_PARAM, "-");
}

static void obm_test_destroy_action(void *heap)
{
	obm_heap_destroy(heap);
}

/* debug= gives a heap created afterwards the flags of its group. */
static void obm_test_debug_param(struct kunit *test)
{
	const struct obm_test_debug_param_case *c = test->param_value;
	char path[96], flags[16];
	struct obm_heap *heap;

	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, obm_test_debug_param_reset, NULL));
	KUNIT_ASSERT_EQ(test, 0, obm_test_write_file(OBM_TEST_DEBUG_PARAM, c->param));
	heap = obm_heap_create("kunit-dbgparam");
	obm_test_debug_param_reset(NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, heap);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, obm_test_destroy_action, heap));
	snprintf(path, sizeof(path), OBM_TEST_DEBUGFS "/kunit-dbgparam/debug");
	KUNIT_ASSERT_GT(test, obm_test_read_file(path, flags, sizeof(flags)), 0);
	KUNIT_EXPECT_STREQ(test, strim(flags), c->flags);
}

static const char * const obm_test_debug_bad_params[] = {
	"FX", ",kunit-a", "F,", "F,kunit-a,", "F;;Z", "F,kunit-a;,b",
};

static void obm_test_debug_bad_param_desc(const char * const *param, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "debug=%s", *param);
}

KUNIT_ARRAY_PARAM(obm_test_debug_bad_param, obm_test_debug_bad_params,
		  obm_test_debug_bad_param_desc);

/* A malformed debug= is refused and the previous value kept. */
static void obm_test_debug_bad_param(struct kunit *test)
{
	const char * const *param = test->param_value;
	char value[64];

	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, obm_test_debug_param_reset, NULL));
	KUNIT_ASSERT_EQ(test, 0, obm_test_write_file(OBM_TEST_DEBUG_PARAM, "P"));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			obm_test_write_file(OBM_TEST_DEBUG_PARAM, *param));
	KUNIT_ASSERT_GT(test, obm_test_read_file(OBM_TEST_DEBUG_PARAM, value,
						 sizeof(value)), 0);
	KUNIT_EXPECT_STREQ(test, strim(value), "P");
}

static const size_t obm_test_redzone_sizes[] = { 1, 24, 100, 260, 504 };

static void obm_test_size_desc(const size_t *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%zu bytes", *size);
}

KUNIT_ARRAY_PARAM(obm_test_redzone, obm_test_redzone_sizes, obm_test_size_desc);

/*
 * One byte written past the request is reported on free with its offset
 * and both stacks; the heap carries on.
 */
static void obm_test_debug_overflow(struct kunit *test)
{
	struct obm_heap *heap = obm_test_debug_heap(test, "FZPU");
	size_t size = *(const size_t *)test->param_value;
	struct obm_report_record before, rec;
	struct obm_test_stats stats;
	u8 *p, *q;

	p = obm_test_debug_alloc(heap, size);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, obm_usable_size(p), size);
	memset(p, 0x11, size);		/* the whole request is the caller's */
	p[size] = 0;

	obm_last_report(&before);
	obm_test_expect_report(test, obm_test_heap_name(test, heap),
			       "red zone overwritten", p);
	obm_test_debug_free(p);
	obm_test_last_report(test, heap, &before, "red zone overwritten", &rec);
	KUNIT_EXPECT_PTR_EQ(test, rec.block, (const void *)p);
	KUNIT_EXPECT_EQ(test, rec.bad_offset, (long)size);
	KUNIT_EXPECT_EQ(test, rec.pool_offset, (unsigned long)p & ~PAGE_MASK);
	KUNIT_EXPECT_EQ(test, rec.requested, size);
	KUNIT_EXPECT_TRUE(test, obm_test_stack_has(test, rec.alloc_stack,
						   "obm_test_debug_alloc"));
	obm_test_read_stats(test, heap, &stats);
	KUNIT_EXPECT_EQ(test, stats.redzone_overwrites, 1);
	KUNIT_EXPECT_EQ(test, stats.blocks_in_use, 0);

	/* The same block comes back, whole and with a clean red zone. */
	q = obm_test_debug_alloc(heap, size);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	memset(q, 0x22, size);
	obm_last_report(&before);
	obm_test_debug_free(q);
	obm_last_report(&rec);
	KUNIT_EXPECT_EQ(test, rec.seq, before.seq);
}

static const size_t obm_test_pow2_sizes[] = { 8, 16, 32, 64, 128, 256 };

KUNIT_ARRAY_PARAM(obm_test_pow2, obm_test_pow2_sizes, obm_test_size_desc);

/*
 * Red zones keep kmalloc()'s natural alignment of power-of-two sizes, and
 * still catch the byte past the request.
 */
static void obm_test_debug_redzone_alignment(struct kunit *test)
{
	struct obm_heap *heap = obm_test_debug_heap(test, "Z");
	size_t size = *(const size_t *)test->param_value;
	struct obm_report_record before, rec;
	u8 *p[3];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = obm_test_debug_alloc(heap, size);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p[i], size));
		KUNIT_EXPECT_EQ(test, obm_usable_size(p[i]), size);
	}
	p[1][size] = 0;
	obm_last_report(&before);
	obm_test_expect_report(test, obm_test_heap_name(test, heap),
			       "red zone overwritten", p[1]);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		obm_test_debug_free(p[i]);
	obm_test_last_report(test, heap, &before, "red zone overwritten", &rec);
	KUNIT_EXPECT_PTR_EQ(test, rec.block, (const void *)p[1]);
	KUNIT_EXPECT_EQ(test, rec.bad_offset, (long)size);
}

/* Above 504 bytes a red zone does not fit a class: kmalloc() serves it. */
static void obm_test_debug_redzone_kmalloc(struct kunit *test)
{
	struct obm_heap *heap = obm_test_debug_heap(test, "Z");
	struct obm_test_stats stats;
	void *p = obm_test_debug_alloc(heap, 505);

	KUNIT_ASSERT_NOT_NULL(test, p);
	obm_test_read_stats(test, heap, &stats);
	KUNIT_EXPECT_EQ(test, stats.kmalloc_allocs, 1);
	KUNIT_EXPECT_EQ(test, stats.blocks_in_use, 0);
	obm_free(p);
}

/*
 * A write into a freed block is reported when the block is handed out
 * again, with the offset and the stacks of its previous life.
 */
static void obm_test_debug_write_after_free(struct kunit *test)
{
	struct obm_heap *heap = obm_test_debug_heap(test, "PU");
	struct obm_report_record before, rec;
	struct obm_test_stats stats;
	u8 *keep, *p, *q;
	size_t i;

	obm_test_pin_cpu(test);		/* one node's pools */
	keep = obm_test_debug_alloc(heap, 64);	/* keeps the pool */
	p = obm_test_debug_alloc(heap, 64);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	KUNIT_ASSERT_NOT_NULL(test, p);
	obm_test_debug_free(p);
	KUNIT_EXPECT_EQ(test, p[63], POISON_FREE);
	p[40] = 0x41;

	obm_last_report(&before);
	/* Reported on the allocation that hands p out again. */
	obm_test_expect_report(test, obm_test_heap_name(test, heap),
			       "write after free", p);
	q = obm_test_debug_alloc_other(heap, 64);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	obm_test_last_report(test, heap, &before, "write after free", &rec);
	KUNIT_EXPECT_PTR_EQ(test, rec.block, (const void *)p);
	KUNIT_EXPECT_EQ(test, rec.bad_offset, 40);
	KUNIT_EXPECT_TRUE(test, obm_test_stack_has(test, rec.alloc_stack,
						   "obm_test_debug_alloc"));
	KUNIT_EXPECT_TRUE(test, obm_test_stack_has(test, rec.free_stack,
						   "obm_test_debug_free"));
	obm_test_read_stats(test, heap, &stats);
	KUNIT_EXPECT_EQ(test, stats.writes_after_free, 1);

	/* Handed out all the same, filled as a new block: zeroed or 0x5a. */
	for (i = 0; i < 64; i++)
		if (q[i] != (want_init_on_alloc(GFP_KERNEL) ? 0 : POISON_INUSE))
			break;
	KUNIT_EXPECT_EQ(test, i, 64);
	obm_test_debug_free(q);
	obm_test_debug_free(keep);
}

/* How the pool of a block written after its free comes back into use. */
enum obm_test_waf_shape {
	/* The block was its pool's last: the pool empties, serves again. */
	OBM_WAF_SAME_CLASS,
	/* The emptied pool serves another class. */
	OBM_WAF_OTHER_CLASS,
	/* The block was its arena's last: the arena is released. */
	OBM_WAF_ARENA,
};

static const enum obm_test_waf_shape obm_test_waf_shapes[] = {
	OBM_WAF_SAME_CLASS, OBM_WAF_OTHER_CLASS, OBM_WAF_ARENA,
};

static void obm_test_waf_desc(const enum obm_test_waf_shape *shape,
			      char *desc)
{
	static const char * const names[] = {
		"pool reused by its class", "pool taken by another class",
		"arena released",
	};

	strscpy(desc, names[*shape], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(obm_test_waf, obm_test_waf_shapes, obm_test_waf_desc);

/*
 * A write after free into the last live block of its pool: freeing it
 * empties the pool, which must not forget the block's poison when it
 * comes back into use or its arena is released.
 */
static void obm_test_debug_write_after_free_emptied(struct kunit *test)
{
	const enum obm_test_waf_shape *shape = test->param_value;
	struct obm_heap *heap = obm_test_debug_heap(test, "PU");
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	struct obm_report_record before, rec;
	struct obm_test_stats stats;
	struct shrinker *shrinker;
	u8 *p, *q = NULL;

	obm_test_pin_cpu(test);		/* one node's set */
	p = obm_test_debug_alloc(heap, 64);
	KUNIT_ASSERT_NOT_NULL(test, p);
	obm_test_read_stats(test, heap, &stats);
	KUNIT_ASSERT_EQ(test, stats.pools_in_use, 1);
	KUNIT_ASSERT_EQ(test, stats.arenas_current, 1);
	obm_test_debug_free(p);
	obm_test_read_stats(test, heap, &stats);
	KUNIT_ASSERT_EQ(test, stats.pools_in_use, 0);
	p[40] = 0x41;

	obm_last_report(&before);
	obm_test_expect_report(test, obm_test_heap_name(test, heap),
			       "write after free", p);
	switch (*shape) {
	case OBM_WAF_SAME_CLASS:
		q = obm_test_debug_alloc_other(heap, 64);
		break;
	case OBM_WAF_OTHER_CLASS:
		q = obm_test_debug_alloc_other(heap, 200);
		break;
	case OBM_WAF_ARENA:
		shrinker = obm_heap_shrinker(heap);
		sc.nr_to_scan = shrinker->count_objects(shrinker, &sc);
		KUNIT_ASSERT_NE(test, sc.nr_to_scan, SHRINK_EMPTY);
		shrinker->scan_objects(shrinker, &sc);
		obm_test_read_stats(test, heap, &stats);
		KUNIT_EXPECT_EQ(test, stats.arenas_current, 0);
		break;
	}
	obm_test_last_report(test, heap, &before, "write after free", &rec);
	KUNIT_EXPECT_PTR_EQ(test, rec.block, (const void *)p);
	KUNIT_EXPECT_EQ(test, rec.bad_offset, 40);
	KUNIT_EXPECT_TRUE(test, obm_test_stack_has(test, rec.free_stack,
						   "obm_test_debug_free"));
	obm_test_read_stats(test, heap, &stats);
	KUNIT_EXPECT_EQ(test, stats.writes_after_free, 1);
	if (q)
		obm_test_debug_free(q);
}

/*
 * A block freed twice is caught even when it is not the head of its
 * pool's free list, without F: its record says it is free.
 */
static void obm_test_debug_double_free(struct kunit *test)
{
	struct obm_heap *heap = obm_test_debug_heap(test, "U");
	struct obm_report_record before, rec;
	struct obm_test_stats stats;
	void *keep, *a, *b, *c;

	keep = obm_test_debug_alloc(heap, 48);	/* keeps the pool */
	a = obm_test_debug_alloc(heap, 48);
	b = obm_test_debug_alloc(heap, 48);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	obm_test_debug_free(a);
	obm_test_debug_free(b);		/* b is the head now, a behind it */

	obm_last_report(&before);
	obm_test_expect_report(test, obm_test_heap_name(test, heap), "double free", a);
	obm_test_debug_free(a);
	obm_test_last_report(test, heap, &before, "double free", &rec);
	KUNIT_EXPECT_PTR_EQ(test, rec.block, (const void *)a);
	KUNIT_EXPECT_EQ(test, rec.pool_offset, (unsigned long)a & ~PAGE_MASK);
	KUNIT_EXPECT_TRUE(test, obm_test_stack_has(test, rec.alloc_stack,
						   "obm_test_debug_alloc"));
	KUNIT_EXPECT_TRUE(test, obm_test_stack_has(test, rec.free_stack,
						   "obm_test_debug_free"));
	obm_test_read_stats(test, heap, &stats);
	KUNIT_EXPECT_EQ(test, stats.double_frees, 1);

	/* The free list is intact: two different blocks come back. */
	b = obm_test_debug_alloc(heap, 48);
	c = obm_test_debug_alloc(heap, 48);
	KUNIT_EXPECT_PTR_NE(test, b, c);
	obm_test_debug_free(b);
	obm_test_debug_free(c);
	obm_test_debug_free(keep);
}

/* A pointer into a block of a debug heap names the block and its owner. */
static void obm_test_debug_interior(struct kunit *test)
{
	struct obm_heap *heap = obm_test_debug_heap(test, "U");
	struct obm_report_record before, rec;
	u8 *p = obm_test_debug_alloc(heap, 48);

	KUNIT_ASSERT_NOT_NULL(test, p);
	obm_last_report(&before);
	obm_test_expect_report(test, obm_test_heap_name(test, heap),
			       "interior pointer", p + 8);
	obm_free(p + 8);
	obm_test_last_report(test, heap, &before, "interior pointer", &rec);
	KUNIT_EXPECT_PTR_EQ(test, rec.block, (const void *)p);
	KUNIT_EXPECT_EQ(test, rec.bad_offset, 8);
	KUNIT_EXPECT_EQ(test, rec.requested, 48);
	KUNIT_EXPECT_TRUE(test, obm_test_stack_has(test, rec.alloc_stack,
						   "obm_test_debug_alloc"));
	obm_test_debug_free(p);
}

/* Destroying a heap with a live block names the block and its allocator. */
static void obm_test_debug_leak(struct kunit *test)
{
	struct obm_heap *heap = obm_test_debug_heap(test, "U");
	struct obm_report_record before, rec;
	void *leak, *other;

	other = obm_test_debug_alloc_other(heap, 200);
	leak = obm_test_debug_alloc(heap, 40);
	KUNIT_ASSERT_NOT_NULL(test, leak);
	KUNIT_ASSERT_NOT_NULL(test, other);
	obm_test_debug_free(other);

	obm_last_report(&before);
	obm_test_expect_report(test, obm_test_heap_name(test, heap),
			       "destroy with live blocks", NULL);
	obm_heap_destroy(heap);		/* refuses, and reports */
	obm_last_report(&rec);
	KUNIT_ASSERT_EQ(test, rec.seq, before.seq + 1);
	KUNIT_EXPECT_STREQ(test, rec.kind, "destroy with live blocks");
	KUNIT_EXPECT_PTR_EQ(test, rec.block, (const void *)leak);
	KUNIT_EXPECT_EQ(test, rec.pool_offset, (unsigned long)leak & ~PAGE_MASK);
	KUNIT_EXPECT_EQ(test, rec.requested, 40);
	KUNIT_EXPECT_TRUE(test, obm_test_stack_has(test, rec.alloc_stack,
						   "obm_test_debug_alloc"));
	KUNIT_EXPECT_FALSE(test, obm_test_stack_has(test, rec.alloc_stack,
						    "obm_test_debug_alloc_other"));

	/* The heap is still there and works; the test's action destroys it. */
	obm_test_debug_free(leak);
}

/*
 * Whether the objects file has a group with these figures, and whether a
 * frame of its stack is in function @name.
 */
static bool obm_test_objects_group(struct kunit *test, const char *text,
				   unsigned long blocks, unsigned long bytes,
				   unsigned long requested, const char *name)
{
	char *copy = kunit_kstrdup(test, text, GFP_KERNEL);
	bool in_group = false, found = false;
	unsigned long b, y, r;
	char frame[64];
	char *line;

	KUNIT_ASSERT_NOT_NULL(test, copy);
	snprintf(frame, sizeof(frame), " %s+", name);
	while ((line = strsep(&copy, "\n")) && *line) {
		if (!isdigit(line[0])) {	/* a frame of the current group */
			if (in_group && strstr(line, frame))
				return true;
			continue;
		}
		in_group = sscanf(line, "%lu %lu %lu", &b, &y, &r) == 3 &&
			   b == blocks && y == bytes && r == requested;
		found |= in_group;
	}
	KUNIT_EXPECT_TRUE_MSG(test, found, "no group %lu %lu %lu in:\n%s",
			      blocks, bytes, requested, text);
	return false;
}

/* objects groups live blocks by allocation stack, biggest first. */
static void obm_test_debug_objects(struct kunit *test)
{
	struct obm_heap *heap = obm_test_debug_heap(test, "U");
	char *text, *first, *second;
	void *a[3], *b[2];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(a); i++) {
		a[i] = obm_test_debug_alloc(heap, 36);		/* class 40 */
		KUNIT_ASSERT_NOT_NULL(test, a[i]);
		KUNIT_ASSERT_EQ(test, 0,
				kunit_add_action_or_reset(test, obm_test_free_action,
							  a[i]));
	}
	for (i = 0; i < ARRAY_SIZE(b); i++) {
		b[i] = obm_test_debug_alloc_other(heap, 198);	/* class 200 */
		KUNIT_ASSERT_NOT_NULL(test, b[i]);
		KUNIT_ASSERT_EQ(test, 0,
				kunit_add_action_or_reset(test, obm_test_free_action,
							  b[i]));
	}

	text = obm_test_read_heap_file(test, heap, "objects");
	KUNIT_ASSERT_TRUE(test, str_has_prefix(text, "blocks  bytes  requested  allocated by\n"));
	/* 400 bytes before 120. */
	first = strstr(text, " obm_test_debug_alloc_other+");
	second = strstr(text, " obm_test_debug_alloc+");
	KUNIT_ASSERT_NOT_NULL(test, first);
	KUNIT_ASSERT_NOT_NULL(test, second);
	KUNIT_EXPECT_LT(test, (unsigned long)first, (unsigned long)second);
	KUNIT_EXPECT_TRUE(test, obm_test_objects_group(test, text, 3, 120, 108,
						       "obm_test_debug_alloc"));
	KUNIT_EXPECT_TRUE(test, obm_test_objects_group(test, text, 2, 400, 396,
						       "obm_test_debug_alloc_other"));
}

/* stats: the bytes requested, and those lost to rounding up to a class. */
static void obm_test_debug_requested(struct kunit *test)
{
	static const size_t sizes[] = { 1, 9, 100, 260 };
	struct obm_heap *heap = obm_test_debug_heap(test, "F");
	struct obm_test_stats stats;
	size_t requested = 0, held = 0;
	void *p[ARRAY_SIZE(sizes)];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = obm_test_debug_alloc(heap, sizes[i]);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		KUNIT_ASSERT_EQ(test, 0,
				kunit_add_action_or_reset(test, obm_test_free_action,
							  p[i]));
		requested += sizes[i];
		held += obm_usable_size(p[i]);
	}
	obm_test_read_stats(test, heap, &stats);
	KUNIT_EXPECT_EQ(test, stats.requests_tracked, 1);
	KUNIT_EXPECT_EQ(test, stats.bytes_requested, requested);
	KUNIT_EXPECT_EQ(test, stats.bytes_in_allocated_blocks, held);
	KUNIT_EXPECT_EQ(test, stats.bytes_lost_to_rounding, held - requested);
	KUNIT_EXPECT_GT(test, stats.bytes_in_debug_records, 0);
}

/*
 * A debug heap's blocks never sit in the per-CPU magazines, while a plain
 * heap alive at the same time keeps using them.
 */
static void obm_test_debug_no_magazines(struct kunit *test)
{
	struct obm_heap *plain = obm_heap_create("kunit-dbgplain");
	struct obm_heap *heap = obm_test_debug_heap(test, "P");
	char *text = kunit_kzalloc(test, OBM_TEST_STATS_MAX, GFP_KERNEL);
	struct obm_test_stats stats;
	unsigned long n;
	char *cached;
	int fields;
	void *p, *q;

	KUNIT_ASSERT_NOT_NULL(test, text);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, plain);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, obm_test_destroy_action, plain));
	p = obm_test_debug_alloc(heap, 32);
	q = obm_heap_alloc(plain, 32, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	obm_test_debug_free(p);
	obm_free(q);
	obm_test_read_stats(test, heap, &stats);
	KUNIT_EXPECT_EQ(test, stats.blocks_cached, 0);
	KUNIT_EXPECT_EQ(test, stats.bytes_in_magazines, 0);
	KUNIT_EXPECT_EQ(test, stats.requests_tracked, 1);

	/* The plain heap's free went to a magazine, not to its pool. */
	KUNIT_ASSERT_GT(test, obm_test_read_file(OBM_TEST_DEBUGFS "/kunit-dbgplain/stats",
						 text, OBM_TEST_STATS_MAX), 0);
	cached = strstr(text, "\nblocks_cached ");
	KUNIT_ASSERT_NOT_NULL(test, cached);
	fields = sscanf(cached, "\nblocks_cached %lu", &n);
	KUNIT_ASSERT_EQ(test, fields, 1);
	KUNIT_EXPECT_NE(test, n, 0);
}

static struct kunit_case obm_debug_cases[] = {
	KUNIT_CASE_PARAM(obm_test_debug_param, obm_test_debug_param_gen_params),
	KUNIT_CASE_PARAM(obm_test_debug_bad_param,
			 obm_test_debug_bad_param_gen_params),
	KUNIT_CASE_PARAM(obm_test_debug_overflow, obm_test_redzone_gen_params),
	KUNIT_CASE_PARAM(obm_test_debug_redzone_alignment, obm_test_pow2_gen_params),
	KUNIT_CASE(obm_test_debug_redzone_kmalloc),
	KUNIT_CASE(obm_test_debug_write_after_free),
	KUNIT_CASE_PARAM(obm_test_debug_write_after_free_emptied,
			 obm_test_waf_gen_params),
	KUNIT_CASE(obm_test_debug_double_free),
	KUNIT_CASE(obm_test_debug_interior),
	KUNIT_CASE(obm_test_debug_leak),
	KUNIT_CASE(obm_test_debug_objects),
	KUNIT_CASE(obm_test_debug_requested),
	KUNIT_CASE(obm_test_debug_no_magazines),
	{}
};

static struct kunit_suite obm_debug_suite = {
	.name = "obmalloc_debug",
	.test_cases = obm_debug_cases,
};

kunit_test_suites(&obm_debug_suite);
