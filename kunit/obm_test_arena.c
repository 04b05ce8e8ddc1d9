// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_arena: a node's shared arenas are filled fullest first,
 * emptied and given back, with one empty arena kept in reserve.
 *
 * The tests work in whole pools of the 512-byte class: a pool holds
 * (page - header) / 512 blocks, and allocating that many blocks when the
 * class has no partly used pool and no cached block takes exactly one new
 * pool (a per-CPU refill never takes from two pools). After freeing, they
 * drain the per-CPU caches so that freed pools really go back.
 */

#include <linux/prandom.h>
#include <linux/preempt.h>
#include <linux/shrinker.h>
#include <obmalloc_internal.h>

#include "obm_test.h"

MODULE_IMPORT_NS(OBM_NS_INTERNAL);

#define OBM_TEST_BIG	512

struct obm_test_pool_rec {
	void *blocks[16];
	unsigned int n;
};

static unsigned int obm_test_big_per_pool(struct kunit *test,
					  struct obm_heap *heap)
{
	struct obm_test_stats s;
	unsigned int n;

	obm_test_read_stats(test, heap, &s);
	n = (s.pool_size - s.pool_header_size) / OBM_TEST_BIG;
	KUNIT_ASSERT_LE(test, n, 16);
	return n;
}

static unsigned int obm_test_pools_per_arena(struct kunit *test,
					     struct obm_heap *heap)
{
	struct obm_test_stats s;

	obm_test_read_stats(test, heap, &s);
	return s.arena_size / s.pool_size;
}

/*
 * Take one whole new pool of the 512-byte class. On one CPU throughout:
 * two CPUs' refills would split the pool between their magazines.
 */
static void obm_test_take_pool(struct kunit *test, struct obm_heap *heap,
			       struct obm_test_pool_rec *rec, unsigned int n)
{
	unsigned int i;

	rec->n = n;
	migrate_disable();
	for (i = 0; i < n; i++)
		rec->blocks[i] = obm_heap_alloc(heap, OBM_TEST_BIG, GFP_KERNEL);
	migrate_enable();
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_NOT_NULL(test, rec->blocks[i]);
		KUNIT_ASSERT_EQ(test, obm_test_page(rec->blocks[i]),
				obm_test_page(rec->blocks[0]));
	}
}

static void obm_test_put_pool(struct obm_test_pool_rec *rec)
{
	unsigned int i;

	for (i = 0; i < rec->n; i++)
		obm_free(rec->blocks[i]);
	rec->n = 0;
}

static struct obm_test_pool_rec *obm_test_recs(struct kunit *test,
					       unsigned int n)
{
	struct obm_test_pool_rec *recs;

	recs = kunit_kcalloc(test, n, sizeof(*recs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, recs);
	return recs;
}

/*
 * Three arenas filled, then emptied: the two pools the heap keeps hold one
 * arena; the two others stay until the sets' trim, which releases one and
 * keeps the other in reserve; the heap's shrinker gives the kept pools
 * back and that arena goes too. A whole arena's pools are one naturally
 * aligned 256 KiB region.
 */
static void obm_test_arena_fill_and_release(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	unsigned int per_pool = obm_test_big_per_pool(test, heap);
	unsigned int ppa = obm_test_pools_per_arena(test, heap);
	unsigned int pools = 3 * ppa;
	struct obm_test_pool_rec *recs = obm_test_recs(test, pools);
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	struct shrinker *shrinker = obm_heap_shrinker(heap);
	struct obm_test_sets sets, start;
	struct obm_test_stats s;
	unsigned int i;

	obm_test_fresh_sets(test);
	obm_test_hold_trim(test);
	obm_test_read_sets(test, &start);
	for (i = 0; i < pools; i++) {
		obm_test_take_pool(test, heap, &recs[i], per_pool);
		KUNIT_EXPECT_EQ(test, obm_test_arena(recs[i].blocks[0]),
				obm_test_arena(recs[i - i % ppa].blocks[0]));
	}
	obm_test_read_sets(test, &sets);
	KUNIT_EXPECT_EQ(test, sets.arenas, 3);
	KUNIT_EXPECT_EQ(test, sets.allocated - start.allocated, 3);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.pools_in_use, pools);
	KUNIT_EXPECT_EQ(test, s.pages_held, pools);

	for (i = 0; i < pools; i++)
		obm_test_put_pool(&recs[i]);
	obm_test_drain_caches(test, heap);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.pools_in_use, 0);
	KUNIT_EXPECT_EQ(test, s.unused_pools, 2);
	obm_test_read_sets(test, &sets);
	KUNIT_EXPECT_EQ(test, sets.arenas, 3);
	KUNIT_EXPECT_EQ(test, sets.empty_arenas, 2);
	KUNIT_EXPECT_EQ(test, sets.reclaimed - start.reclaimed, 0);
	obm_sets_trim_flush();
	obm_test_read_sets(test, &sets);
	KUNIT_EXPECT_EQ(test, sets.arenas, 2);
	KUNIT_EXPECT_EQ(test, sets.reclaimed - start.reclaimed, 1);

	sc.nr_to_scan = shrinker->count_objects(shrinker, &sc);
	KUNIT_EXPECT_EQ(test, sc.nr_to_scan, 2);
	KUNIT_EXPECT_EQ(test, shrinker->scan_objects(shrinker, &sc), 2);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.pages_held, 0);
	obm_test_read_sets(test, &sets);
	KUNIT_EXPECT_EQ(test, sets.arenas, 1);
	KUNIT_EXPECT_EQ(test, sets.reclaimed - start.reclaimed, 2);
}

/* Allocating and freeing one object in a loop reuses one arena. */
static void obm_test_arena_reserve_no_thrash(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_sets sets, start;
	struct obm_test_stats s;
	unsigned int i;

	obm_test_fresh_sets(test);
	obm_test_read_sets(test, &start);
	/*
	 * With verify_free each free goes straight to its pool, so the pool
	 * empties every time: the kept pools and the reserve, not the
	 * magazines, are what keep the arena.
	 */
	obm_test_verify_free(test);
	for (i = 0; i < 200; i++) {
		void *p = obm_heap_alloc(heap, 8 + i % 500, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		obm_free(p);
		obm_test_read_stats(test, heap, &s);
		KUNIT_ASSERT_EQ(test, s.pools_in_use, 0);
	}
	obm_test_read_sets(test, &sets);
	KUNIT_EXPECT_EQ(test, sets.allocated - start.allocated, 1);
	KUNIT_EXPECT_EQ(test, sets.reclaimed - start.reclaimed, 0);
	KUNIT_EXPECT_EQ(test, sets.arenas, 1);
}

/* New pools come from the arena with the fewest free pools. */
static void obm_test_arena_fullest_first(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	unsigned int per_pool = obm_test_big_per_pool(test, heap);
	unsigned int ppa = obm_test_pools_per_arena(test, heap);
	struct obm_test_pool_rec *recs = obm_test_recs(test, 2 * ppa + 4);
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	struct shrinker *shrinker = obm_heap_shrinker(heap);
	unsigned long a, b;
	unsigned int i;

	obm_test_fresh_sets(test);
	for (i = 0; i < 2 * ppa; i++)
		obm_test_take_pool(test, heap, &recs[i], per_pool);
	a = obm_test_arena(recs[0].blocks[0]);
	b = obm_test_arena(recs[ppa].blocks[0]);
	KUNIT_ASSERT_NE(test, a, b);
	for (i = 0; i < 2 * ppa; i++)
		KUNIT_ASSERT_EQ(test, obm_test_arena(recs[i].blocks[0]),
				i < ppa ? a : b);

	/*
	 * a keeps 1 pool in use, b keeps ppa - 10; the heap's two kept empty
	 * pools go back to their sets, so the counts are the arenas' own.
	 */
	for (i = 1; i < ppa; i++)
		obm_test_put_pool(&recs[i]);
	for (i = ppa; i < ppa + 10; i++)
		obm_test_put_pool(&recs[i]);
	obm_test_drain(test, heap);
	sc.nr_to_scan = shrinker->count_objects(shrinker, &sc);
	shrinker->scan_objects(shrinker, &sc);
	obm_test_take_pool(test, heap, &recs[2 * ppa], per_pool);
	KUNIT_EXPECT_EQ(test, obm_test_arena(recs[2 * ppa].blocks[0]), b);

	/* Empty b entirely: it becomes the reserve, a is now the fuller. */
	obm_test_put_pool(&recs[2 * ppa]);
	for (i = ppa + 10; i < 2 * ppa; i++)
		obm_test_put_pool(&recs[i]);
	obm_test_drain(test, heap);
	sc.nr_to_scan = shrinker->count_objects(shrinker, &sc);
	shrinker->scan_objects(shrinker, &sc);
	obm_test_take_pool(test, heap, &recs[2 * ppa + 1], per_pool);
	KUNIT_EXPECT_EQ(test, obm_test_arena(recs[2 * ppa + 1].blocks[0]), a);

	obm_test_put_pool(&recs[0]);
	obm_test_put_pool(&recs[2 * ppa + 1]);
}

struct obm_test_arena_model {
	unsigned long base;
	unsigned int used;
};

static struct obm_test_arena_model *
obm_test_model_find(struct obm_test_arena_model *m, unsigned int n,
		    unsigned long base)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (m[i].base == base)
			return &m[i];
	return NULL;
}

/*
 * A random walk of whole-pool allocations and frees over several arenas,
 * checked step by step against a model: a new pool is one of the heap's
 * two kept empty pools, the last kept first, else from an arena with the
 * fewest free pools; an arena is released exactly when it empties while
 * another empty arena exists.
 */
static void obm_test_arena_order_model(struct kunit *test)
{
	const unsigned int max_pools = 4 * 64, steps = 600, max_arenas = 16;
	struct obm_heap *heap = obm_test_heap(test);
	unsigned int per_pool = obm_test_big_per_pool(test, heap);
	unsigned int ppa = obm_test_pools_per_arena(test, heap);
	struct obm_test_pool_rec *recs = obm_test_recs(test, max_pools);
	unsigned long kept[2];
	struct obm_test_sets sets;
	unsigned int nm = 0, nrec = 0, nkept = 0, step, i;
	struct obm_test_arena_model *model, *m;
	struct obm_test_stats s;
	struct rnd_state rnd;

	model = kunit_kcalloc(test, max_arenas, sizeof(*model), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, model);
	prandom_seed_state(&rnd, 20261121);
	obm_test_fresh_sets(test);

	for (step = 0; step < steps; step++) {
		bool alloc = nrec == 0 ||
			     (nrec < max_pools && prandom_u32_state(&rnd) % 100 < 55);

		if (alloc) {
			unsigned int min_free = UINT_MAX;
			unsigned long base;

			for (i = 0; i < nm; i++)
				if (model[i].used < ppa)
					min_free = min(min_free, ppa - model[i].used);
			obm_test_take_pool(test, heap, &recs[nrec], per_pool);
			base = obm_test_arena(recs[nrec].blocks[0]);
			if (nkept) {
				KUNIT_ASSERT_EQ_MSG(test, obm_test_page(recs[nrec].blocks[0]),
						    kept[--nkept],
						    "step %u: not the last kept pool", step);
				nrec++;
				continue;
			}
			nrec++;
			m = obm_test_model_find(model, nm, base);
			if (!m) {
				KUNIT_ASSERT_EQ_MSG(test, min_free, UINT_MAX,
						    "step %u: new arena while one had free pools",
						    step);
				KUNIT_ASSERT_LT(test, nm, max_arenas);
				m = &model[nm++];
				m->base = base;
				m->used = 0;
			} else {
				KUNIT_ASSERT_EQ_MSG(test, ppa - m->used, min_free,
						    "step %u: pool not from the fullest arena",
						    step);
			}
			m->used++;
		} else {
			unsigned int victim = prandom_u32_state(&rnd) % nrec;
			unsigned long base = obm_test_arena(recs[victim].blocks[0]);
			unsigned long page = obm_test_page(recs[victim].blocks[0]);

			obm_test_put_pool(&recs[victim]);
			obm_test_drain(test, heap);
			recs[victim] = recs[--nrec];
			if (nkept < 2) {
				kept[nkept++] = page;
				continue;
			}
			m = obm_test_model_find(model, nm, base);
			KUNIT_ASSERT_NOT_NULL(test, m);
			if (--m->used == 0) {
				for (i = 0; i < nm; i++)
					if (&model[i] != m && !model[i].used)
						break;
				if (i < nm)	/* a second empty arena: released */
					*m = model[--nm];
			}
		}
	}
	obm_test_read_sets(test, &sets);
	KUNIT_EXPECT_EQ(test, sets.arenas, nm);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.pools_in_use, nrec);
	KUNIT_EXPECT_EQ(test, s.unused_pools, nkept);
	while (nrec)
		obm_test_put_pool(&recs[--nrec]);
}

static struct kunit_case obm_arena_cases[] = {
	KUNIT_CASE(obm_test_arena_fill_and_release),
	KUNIT_CASE(obm_test_arena_reserve_no_thrash),
	KUNIT_CASE(obm_test_arena_fullest_first),
	KUNIT_CASE(obm_test_arena_order_model),
	{}
};

static struct kunit_suite obm_arena_suite = {
	.name = "obmalloc_arena",
	.test_cases = obm_arena_cases,
};

kunit_test_suite(obm_arena_suite);
