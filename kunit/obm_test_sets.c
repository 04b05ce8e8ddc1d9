// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_sets: heaps own pools, arenas are shared per NUMA node.
 *
 * What a user can see from outside: which page each block is on (the
 * page allocator's struct page), the heaps' stats and the root files
 * sets and arenas. The tests keep their own ledger of the blocks they
 * hold and check obmalloc's figures and the pages against it.
 */

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/prandom.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <obmalloc_internal.h>

#include "obm_test.h"

MODULE_IMPORT_NS(OBM_NS_INTERNAL);

static int obm_test_ulong_cmp(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* Distinct pages under @n blocks. */
static unsigned long obm_test_distinct_pages(struct kunit *test,
					     void * const *blocks,
					     unsigned int n)
{
	unsigned long *pages, distinct = 0;
	unsigned int i, k = 0;

	pages = kunit_kcalloc(test, n ?: 1, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	for (i = 0; i < n; i++)
		if (blocks[i])
			pages[k++] = obm_test_page(blocks[i]);
	sort(pages, k, sizeof(*pages), obm_test_ulong_cmp, NULL);
	for (i = 0; i < k; i++)
		if (!i || pages[i] != pages[i - 1])
			distinct++;
	return distinct;
}

/*
 * A new heap with one live block holds one page: its pool, in an arena
 * another heap uses already, whose uncarved pools any heap may take. The
 * set does not grow, and the heap's own memory (descriptor, magazines)
 * is counted apart.
 */
static void obm_test_sets_one_block_one_page(struct kunit *test)
{
	struct obm_test_sets before, after;
	struct obm_heap *a, *b;
	struct obm_test_stats s;
	void *p, *q;

	obm_test_fresh_sets(test);
	a = obm_test_heap(test);
	p = obm_heap_alloc(a, 100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	kunit_add_action_or_reset(test, obm_test_free_action, p);
	obm_test_read_sets(test, &before);
	b = obm_heap_create("kunit-one-page");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	q = obm_heap_alloc(b, 100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, obm_test_arena(q), obm_test_arena(p));
	KUNIT_EXPECT_NE(test, obm_test_page(q), obm_test_page(p));
	obm_test_read_sets(test, &after);
	KUNIT_EXPECT_EQ(test, after.arena_pages, before.arena_pages);
	KUNIT_EXPECT_EQ(test, after.free_pools, before.free_pools - 1);
	obm_test_read_stats(test, a, &s);
	KUNIT_EXPECT_EQ(test, s.pages_held, 1);
	obm_free(q);
	obm_heap_destroy(b);
	obm_test_read_stats(test, a, &s);
	KUNIT_EXPECT_EQ(test, s.pools_in_use, 1);
	KUNIT_EXPECT_EQ(test, s.total_bytes, s.pool_size);
	KUNIT_EXPECT_EQ(test, s.arenas_shared, 1);
	KUNIT_EXPECT_GT(test, s.bytes_in_heap_descriptor, 0);
}

/*
 * Many heaps with one block each of a few sizes share arenas: the pages
 * they hold are exactly the distinct pages under their blocks, no page is
 * under two heaps' blocks, and the sets grew by what those pages need.
 */
#define OBM_TEST_SMALL_HEAPS	32
#define OBM_TEST_SMALL_SIZES	5

static void obm_test_sets_many_small_heaps(struct kunit *test)
{
	static const unsigned int sizes[OBM_TEST_SMALL_SIZES] = {
		8, 24, 96, 264, 512
	};
	unsigned int nr = OBM_TEST_SMALL_HEAPS * OBM_TEST_SMALL_SIZES, i, j;
	struct obm_test_sets before, after;
	unsigned long held = 0;
	void **blocks;

	blocks = kunit_kcalloc(test, nr, sizeof(*blocks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	obm_test_read_sets(test, &before);
	for (i = 0; i < OBM_TEST_SMALL_HEAPS; i++) {
		struct obm_heap *heap = obm_test_heap(test);
		struct obm_test_stats s;

		for (j = 0; j < OBM_TEST_SMALL_SIZES; j++) {
			void *p = obm_heap_alloc(heap, sizes[j], GFP_KERNEL);

			KUNIT_ASSERT_NOT_NULL(test, p);
			kunit_add_action_or_reset(test, obm_test_free_action, p);
			blocks[i * OBM_TEST_SMALL_SIZES + j] = p;
		}
		obm_test_read_stats(test, heap, &s);
		KUNIT_EXPECT_EQ(test, s.pages_held, OBM_TEST_SMALL_SIZES);
		held += s.pages_held;
	}
	/* One pool per heap and size: no page under two heaps' blocks. */
	KUNIT_EXPECT_EQ(test, obm_test_distinct_pages(test, blocks, nr), nr);
	obm_test_read_sets(test, &after);
	/* The sets grew by whole arenas, and only as far as the pools need. */
	KUNIT_EXPECT_LE(test, after.arena_pages - before.arena_pages,
			round_up(held, OBM_TEST_ARENA_SIZE / PAGE_SIZE));
}

struct obm_test_owner {
	struct task_struct *task;
	struct obm_heap *heap;
	char name[OBM_HEAP_NAME_MAX + 1];
	void **blocks;
	unsigned int nr;
	unsigned long seed;
	unsigned int bad;
	unsigned int recreated;
	int error;
};

#define OBM_TEST_OWNER_BLOCKS	512
#define OBM_TEST_OWNER_ROUNDS	12

static struct completion obm_test_owner_round[OBM_TEST_OWNER_ROUNDS + 1];
static atomic_t obm_test_owner_left;
static DECLARE_WAIT_QUEUE_HEAD(obm_test_owner_wq);

/*
 * One owner: per round, frees and reallocates a random part of its
 * blocks; every third round frees all, destroys its heap and makes a new
 * one of the same name. Between rounds it waits for the checker.
 */
static int obm_test_owner_fn(void *arg)
{
	struct obm_test_owner *o = arg;
	unsigned int round, i;

	for (round = 0; round < OBM_TEST_OWNER_ROUNDS; round++) {
		bool recreate = round % 3 == 2;

		for (i = 0; i < OBM_TEST_OWNER_BLOCKS; i++) {
			u32 r = (o->seed = o->seed * 6364136223846793005ULL + 1) >> 33;
			size_t size = 1 + r % OBM_SMALL_MAX;

			if (o->blocks[i] && (recreate || r % 2)) {
				unsigned long seed = (unsigned long)o->blocks[i];

				if (!obm_test_check_fill(o->blocks[i], 8, seed))
					o->bad++;
				obm_free(o->blocks[i]);
				o->blocks[i] = NULL;
			}
			if (recreate)
				continue;
			if (!o->blocks[i]) {
				o->blocks[i] = obm_heap_alloc(o->heap, size, GFP_KERNEL);
				if (o->blocks[i])
					obm_test_fill(o->blocks[i], 8, (unsigned long)o->blocks[i]);
			}
		}
		if (recreate) {
			obm_heap_destroy(o->heap);
			o->heap = obm_heap_create(o->name);
			if (IS_ERR(o->heap)) {
				o->error = PTR_ERR(o->heap);
				o->heap = NULL;
			}
			o->recreated++;
		}
		if (atomic_dec_and_test(&obm_test_owner_left))
			wake_up(&obm_test_owner_wq);
		wait_for_completion(&obm_test_owner_round[round]);
		if (!o->heap)
			break;
	}
	return 0;
}

/*
 * Heaps on every CPU allocate, free, and are destroyed and created again,
 * all at once; after every round, no page is under two heaps' blocks.
 */
static void obm_test_sets_ownership_concurrent(struct kunit *test)
{
	unsigned int nr = num_online_cpus() + 1, i, round, b, total;
	struct obm_test_owner *owners;
	unsigned long *pages, *heaps;

	owners = kunit_kcalloc(test, nr, sizeof(*owners), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, owners);
	total = nr * OBM_TEST_OWNER_BLOCKS;
	pages = kunit_kcalloc(test, total, sizeof(*pages), GFP_KERNEL);
	heaps = kunit_kcalloc(test, total, sizeof(*heaps), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_ASSERT_NOT_NULL(test, heaps);
	for (round = 0; round <= OBM_TEST_OWNER_ROUNDS; round++)
		init_completion(&obm_test_owner_round[round]);
	atomic_set(&obm_test_owner_left, nr);
	for (i = 0; i < nr; i++) {
		struct obm_test_owner *o = &owners[i];

		snprintf(o->name, sizeof(o->name), "kunit-own-%u", i);
		o->heap = obm_heap_create(o->name);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, o->heap);
		o->blocks = kunit_kcalloc(test, OBM_TEST_OWNER_BLOCKS,
					  sizeof(void *), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, o->blocks);
		o->seed = i + 1;
		o->task = kthread_run(obm_test_owner_fn, o, "obm-own/%u", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(o->task));
		get_task_struct(o->task);
	}
	for (round = 0; round < OBM_TEST_OWNER_ROUNDS; round++) {
		unsigned int k = 0;

		wait_event(obm_test_owner_wq, !atomic_read(&obm_test_owner_left));
		for (i = 0; i < nr; i++)
			for (b = 0; b < OBM_TEST_OWNER_BLOCKS; b++)
				if (owners[i].blocks[b]) {
					pages[k] = obm_test_page(owners[i].blocks[b]);
					heaps[k++] = i;
				}
		/* Every page's blocks belong to one owner. */
		for (i = 0; i < k; i++)
			for (b = i + 1; b < k; b++)
				if (pages[i] == pages[b] && heaps[i] != heaps[b])
					KUNIT_FAIL(test, "round %u: one page, heaps %lu and %lu",
						   round, heaps[i], heaps[b]);
		atomic_set(&obm_test_owner_left, nr);
		complete_all(&obm_test_owner_round[round]);
	}
	for (i = 0; i < nr; i++) {
		struct obm_test_owner *o = &owners[i];

		kthread_stop(o->task);
		put_task_struct(o->task);
		KUNIT_EXPECT_EQ(test, o->error, 0);
		KUNIT_EXPECT_EQ(test, o->bad, 0);
		KUNIT_EXPECT_EQ(test, o->recreated, OBM_TEST_OWNER_ROUNDS / 3);
		for (b = 0; b < OBM_TEST_OWNER_BLOCKS; b++)
			obm_free(o->blocks[b]);
		obm_heap_destroy(o->heap);
	}
}

#define OBM_TEST_REUSE_POOLS	6

/*
 * A pool a heap gives back passes to another heap only after an RCU
 * grace period; the heap that gave it back takes it again at once. With
 * verify_free on, frees go straight to the pools, so pools empty as the
 * test frees.
 */
static void obm_test_sets_reuse_policy(struct kunit *test)
{
	unsigned int per_pool = PAGE_SIZE / 512, n = OBM_TEST_REUSE_POOLS * per_pool;
	struct obm_heap *a = obm_test_heap(test), *b;
	void **mine, **theirs;
	unsigned long *pages;
	unsigned int i, j;

	obm_test_verify_free(test);
	obm_test_pin_cpu(test);		/* one node's set */
	b = obm_heap_create("kunit-reuse-b");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	mine = kunit_kcalloc(test, n, sizeof(*mine), GFP_KERNEL);
	theirs = kunit_kcalloc(test, n, sizeof(*theirs), GFP_KERNEL);
	pages = kunit_kcalloc(test, OBM_TEST_REUSE_POOLS, sizeof(*pages),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mine);
	KUNIT_ASSERT_NOT_NULL(test, theirs);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	for (i = 0; i < n; i++) {
		mine[i] = obm_heap_alloc(a, 512, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, mine[i]);
		if (i % per_pool == 0)
			pages[i / per_pool] = obm_test_page(mine[i]);
	}

	/*
	 * In one read-side section: the pools heap a gives back may not
	 * reach heap b, whatever b asks for.
	 */
	rcu_read_lock();
	for (i = 0; i < n; i++)
		obm_free(mine[i]);
	for (i = 0; i < n; i++)
		theirs[i] = obm_heap_alloc(b, 512, GFP_ATOMIC | __GFP_NOWARN);
	rcu_read_unlock();
	for (i = 0; i < n; i++) {
		if (!theirs[i])
			continue;
		for (j = 0; j < OBM_TEST_REUSE_POOLS; j++)
			KUNIT_EXPECT_NE_MSG(test, obm_test_page(theirs[i]), pages[j],
					    "heap b got a page heap a gave back within the grace period");
		obm_free(theirs[i]);
	}
	obm_heap_destroy(b);

	/* The heap that gave them back has the first claim, at once. */
	rcu_read_lock();
	for (i = 0; i < per_pool; i++)
		mine[i] = obm_heap_alloc(a, 512, GFP_ATOMIC);
	rcu_read_unlock();
	for (i = 0; i < per_pool; i++) {
		bool own = false;

		KUNIT_ASSERT_NOT_NULL(test, mine[i]);
		for (j = 0; j < OBM_TEST_REUSE_POOLS; j++)
			own |= obm_test_page(mine[i]) == pages[j];
		KUNIT_EXPECT_TRUE_MSG(test, own, "heap a did not get its own pool back");
		obm_free(mine[i]);
	}
}

/*
 * An arena whose every pool another heap gave back within the current
 * grace period is out of a new heap's reach; a new heap that needs a pool
 * then grows the set and must get one of the new arena, even while that
 * arena looks surplus beside the empty one and the grace period cannot
 * end (the test holds it open): no retrying forever.
 */
static void obm_test_sets_grow_within_grace_period(struct kunit *test)
{
	unsigned int per_pool = PAGE_SIZE / 512, i;
	unsigned int n = OBM_TEST_ARENA_SIZE / PAGE_SIZE * per_pool;
	struct obm_heap *a = obm_test_heap(test), *b = obm_test_heap(test);
	struct shrink_control sc = { .gfp_mask = GFP_ATOMIC, .nr_to_scan = 1 };
	struct shrinker *shrinker = obm_heap_shrinker(a);
	unsigned long first;
	void **blocks, *p;

	/* Frees straight to the pools, so a's pools empty as it frees. */
	obm_test_verify_free(test);
	obm_test_fresh_sets(test);
	blocks = kunit_kcalloc(test, n, sizeof(*blocks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	for (i = 0; i < n; i++) {
		blocks[i] = obm_heap_alloc(a, 512, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
	}
	first = obm_test_arena(blocks[0]);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, obm_test_arena(blocks[i]), first);

	rcu_read_lock();
	for (i = 0; i < n; i++)
		obm_free(blocks[i]);
	/* a's kept pools too: giving them back needs no drain, no sleep. */
	shrinker->scan_objects(shrinker, &sc);
	p = obm_heap_alloc(b, 512, GFP_ATOMIC);
	rcu_read_unlock();
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_NE(test, obm_test_arena(p), first);
	obm_free(p);
}

/*
 * NUMA: a block asked for on a node is on that node; a plain allocation
 * is on the allocating CPU's node. Needs a machine with two nodes (the
 * standard flavour's boot of make check).
 */
static void obm_test_sets_numa_placement(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	unsigned int cpu;
	int nid;

	if (num_node_state(N_MEMORY) < 2)
		kunit_skip(test,
			   "one node with memory: placement needs two (the qemu boot has two)");
	for_each_node_state(nid, N_MEMORY) {
		void *p = obm_heap_alloc_node(heap, 64, GFP_KERNEL, nid);

		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, page_to_nid(virt_to_page(p)), nid);
		obm_free(p);
	}
	for_each_online_cpu(cpu) {
		void *p;

		if (set_cpus_allowed_ptr(current, cpumask_of(cpu)))
			continue;
		p = obm_heap_alloc(heap, 64, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, page_to_nid(virt_to_page(p)),
				cpu_to_mem(cpu));
		obm_free(p);
	}
}

/*
 * A heap destroyed while others hold blocks: theirs stay intact and
 * theirs alone; the destroyed heap's pages go back.
 */
static void obm_test_sets_destroy_with_others(struct kunit *test)
{
	struct obm_heap *a, *b = obm_test_heap(test);
	unsigned int n = 2000, i;
	struct obm_test_stats s;
	void **ab, **bb;

	a = obm_heap_create("kunit-destroyed");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	ab = kunit_kcalloc(test, n, sizeof(*ab), GFP_KERNEL);
	bb = kunit_kcalloc(test, n, sizeof(*bb), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ab);
	KUNIT_ASSERT_NOT_NULL(test, bb);
	for (i = 0; i < n; i++) {
		size_t size = 1 + (i * 37) % OBM_SMALL_MAX;

		ab[i] = obm_heap_alloc(a, size, GFP_KERNEL);
		bb[i] = obm_heap_alloc(b, size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, ab[i]);
		KUNIT_ASSERT_NOT_NULL(test, bb[i]);
		obm_test_fill(ab[i], size, i);
		obm_test_fill(bb[i], size, n + i);
	}
	for (i = 0; i < n; i++)
		obm_free(ab[i]);
	obm_heap_destroy(a);
	for (i = 0; i < n; i++) {
		size_t size = 1 + (i * 37) % OBM_SMALL_MAX;

		KUNIT_EXPECT_TRUE(test, obm_test_check_fill(bb[i], size, n + i));
		obm_free(bb[i]);
	}
	obm_test_drain(test, b);
	obm_test_read_stats(test, b, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, 0);
	KUNIT_EXPECT_EQ(test, s.pools_in_use, 0);
}

/*
 * Empty arenas go back: a heap fills several arenas' worth of pools,
 * frees them all, its shrinker gives its kept pools back, and the sets'
 * shrinker releases every empty arena, the reserve included.
 */
static void obm_test_sets_reclaim_arenas(struct kunit *test)
{
	unsigned int n = 3 * (OBM_TEST_ARENA_SIZE / PAGE_SIZE) * (PAGE_SIZE / 512);
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	struct obm_heap *heap = obm_test_heap(test);
	struct shrinker *sets = obm_sets_shrinker_get();
	struct shrinker *own = obm_heap_shrinker(heap);
	struct obm_test_sets before, full, after;
	unsigned int i;
	void **blocks;

	blocks = kvcalloc(n, sizeof(*blocks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	/* Earlier tests' surplus empty arenas would be filled first. */
	obm_sets_trim_flush();
	obm_test_read_sets(test, &before);
	for (i = 0; i < n; i++) {
		blocks[i] = obm_heap_alloc(heap, 512, GFP_KERNEL);
		if (!blocks[i])
			break;
	}
	obm_test_read_sets(test, &full);
	for (i = 0; i < n; i++)
		obm_free(blocks[i]);
	kvfree(blocks);
	KUNIT_ASSERT_EQ(test, i, n);
	KUNIT_EXPECT_GE(test, full.arenas, before.arenas + 2);

	obm_test_drain(test, heap);
	sc.nr_to_scan = own->count_objects(own, &sc);
	if (sc.nr_to_scan != SHRINK_EMPTY)
		own->scan_objects(own, &sc);
	sc.nr_to_scan = sets->count_objects(sets, &sc);
	KUNIT_ASSERT_NE(test, sc.nr_to_scan, SHRINK_EMPTY);
	KUNIT_EXPECT_GT(test, sets->scan_objects(sets, &sc), 0);
	obm_test_read_sets(test, &after);
	KUNIT_EXPECT_EQ(test, after.empty_arenas, 0);
	KUNIT_EXPECT_LE(test, after.arenas, before.arenas);
	KUNIT_EXPECT_EQ(test, sets->count_objects(sets, &sc), SHRINK_EMPTY);
}

static struct kunit_case obm_test_sets_cases[] = {
	KUNIT_CASE(obm_test_sets_one_block_one_page),
	KUNIT_CASE(obm_test_sets_many_small_heaps),
	KUNIT_CASE_SLOW(obm_test_sets_ownership_concurrent),
	KUNIT_CASE(obm_test_sets_reuse_policy),
	KUNIT_CASE(obm_test_sets_grow_within_grace_period),
	KUNIT_CASE(obm_test_sets_numa_placement),
	KUNIT_CASE(obm_test_sets_destroy_with_others),
	KUNIT_CASE(obm_test_sets_reclaim_arenas),
	{}
};

static struct kunit_suite obm_test_sets_suite = {
	.name = "obmalloc_sets",
	.test_cases = obm_test_sets_cases,
};

kunit_test_suite(obm_test_sets_suite);
