// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc arenas and arena sets: where pool pages come from.
 *
 * Each NUMA node has one arena set, shared by every heap (a debug heap
 * has sets of its own, see obm_debug.c). An arena is 256 KiB of pages
 * from that node, split into one-page pools; its descriptor, with every
 * pool's header, is kmalloc()ed apart, so all its pages hold blocks. A
 * heap takes pools one at a time and gives each back when it is empty,
 * so a heap holds pages, never whole arenas, and one arena serves many
 * heaps - one pool, one heap.
 *
 * Fullest first: a set keeps its arenas with free pools on a list sorted
 * by ascending free pools and takes from the front, so the emptiest
 * arenas drain and can be given back (pymalloc's rule since CPython 3.8);
 * nfp2lasta[n], the last arena with n free pools, reorders in O(1).
 *
 * Empty arenas. One per set is kept in reserve, so that a loop that
 * allocates and frees one object does not bounce an order-6 allocation
 * off the page allocator. Further empty arenas are released by the set's
 * trim work, arena_trim_ms after the first of them emptied (or by
 * the sets' shrinker, sooner, under memory pressure): a burst that comes
 * back within that time, such as a batch allocated and freed in a loop,
 * finds its arenas instead of asking for new ones each time. Released at
 * once, they came back as other pages every time (the buddy allocator
 * files a freed block that is likely to merge at the tail of its list),
 * never in any CPU cache, and under User-Mode Linux never yet touched.
 *
 * Reuse across heaps. A pool given back keeps its last owner's id and an
 * RCU grace-period cookie; pools wait in their arena's list, oldest
 * first. The heap that gave a pool back may take it again at once; any
 * other heap only once a grace period has passed since. So a block pointer
 * that a heap's user still holds after freeing it (a use after free, a
 * stale lockless reader) cannot reach another heap's object of another
 * type before every RCU reader of the old pool is gone, where SLUB hands a
 * cache's freed slab page to any other cache through the page allocator
 * at once (the cross-cache reuse exploits rely on). It costs nothing in
 * memory: a pool not yet eligible is simply not taken, and uncarved pools
 * and other arenas are.
 *
 * Fragmented memory. The order-6 allocation is tried as SLUB tries its
 * preferred slab order: without direct reclaim, retries or a warning.
 * When it fails the arena is a single page allocated with the caller's
 * own flags, so a small allocation succeeds whenever kmalloc()'s would.
 *
 * Stray frees. Arena pages are split into order-0 pages, each holding a
 * large extra reference: kfree() of one of our blocks (a module half
 * moved from kmalloc) sees a non-slab page, warns (order 0) and drops a
 * reference, which then never frees the page; ksize() warns and returns
 * 0. obm_arena_check_strays() notices the missing references under the
 * class lock when the pool next changes (blocks taken from it, no longer
 * full, empty), reports them against the heap and the pool, and restores
 * them; the block so freed stays allocated.
 *
 * Registry: obm_arena_registry maps each full arena's 256 KiB physical
 * region, obm_small_arena_registry each single-page arena's page frame, to
 * the arena, so a free learns from the address alone whether a pointer
 * is ours. Per CPU, obm_arena_hints caches the arenas looked up last,
 * each in the slot of the 256 KiB virtual region its first byte is in. A
 * released arena leaves the registry before its pages are freed, is
 * cleared from every CPU's hints a grace period later, and its descriptor
 * is freed a grace period after that.
 *
 * Locking: a set's lock (irqs off: callers hold a class lock) protects its
 * arenas' lists and counts; the page allocator is called with no spinlock
 * held, from obm_set_grow(). Lock order: obm_internal.h.
 */

#define pr_fmt(fmt) "obmalloc: " fmt

#include <linux/kmemleak.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <obmalloc_internal.h>

#include "obm_fastpath.h"

/* Arenas considered for a pool before the set grows instead. */
#define OBM_SET_SCAN		8
/* Extra references on each arena page (see "Stray frees" above). */
#define OBM_PAGE_REF_BIAS	((int)BIT(20))

static DEFINE_XARRAY_FLAGS(obm_arena_registry, XA_FLAGS_LOCK_IRQ);
static DEFINE_XARRAY_FLAGS(obm_small_arena_registry, XA_FLAGS_LOCK_IRQ);

struct obm_arena_hints __percpu *obm_arena_hints __read_mostly;

/* The shared sets, one per possible node. */
static struct obm_arena_set **obm_sets;
/* Pages of leaked heaps' pools kept at unload, reported then. */
static unsigned long obm_arena_pages_leaked;

/**
 * obm_node_set() - The shared arena set of a node.
 * @nid: A possible node.
 *
 * Return: The set.
 */
struct obm_arena_set *obm_node_set(int nid)
{
	return obm_sets[nid];
}

static unsigned long obm_arena_index(const void *p)
{
	return __pa(p) >> OBM_ARENA_SHIFT;
}

static unsigned long obm_small_arena_index(const void *p)
{
	return PHYS_PFN(__pa(p));
}

static struct xarray *obm_arena_xa(const struct obm_arena *arena,
				   unsigned long *index)
{
	if (arena->nr_pools == OBM_POOLS_PER_ARENA) {
		*index = obm_arena_index((void *)arena->base);
		return &obm_arena_registry;
	}
	*index = obm_small_arena_index((void *)arena->base);
	return &obm_small_arena_registry;
}

/**
 * obm_arena_lookup_slow() - Find an arena in the registry.
 * @p: A pointer that is not in this CPU's hinted arena.
 *
 * The part of obm_arena_lookup() that misses the hints; remembers the
 * arena found in this CPU's hint slot for its first byte, so that two
 * arenas that share a region (unaligned, as under UML) do not evict each
 * other there.
 *
 * Context: In an RCU read-side section.
 * Return: The arena, or NULL if @p is in none.
 */
struct obm_arena *obm_arena_lookup_slow(const void *p)
{
	struct obm_arena *arena;

	if (!virt_addr_valid(p))
		return NULL;
	arena = xa_load(&obm_arena_registry, obm_arena_index(p));
	if (!arena)
		arena = xa_load(&obm_small_arena_registry,
				obm_small_arena_index(p));
	if (arena)
		this_cpu_write(obm_arena_hints->slot[obm_arena_hint_slot(arena->base)],
			       arena);
	return arena;
}

/**
 * obm_arena_descriptor_size() - Bytes of an arena descriptor.
 * @nr_pools: Pools in the arena.
 *
 * Return: The size passed to kmalloc().
 */
size_t obm_arena_descriptor_size(unsigned int nr_pools)
{
	return struct_size_t(struct obm_arena, pools, nr_pools);
}

static void obm_arena_free_descriptor(struct rcu_head *rcu)
{
	struct obm_arena *arena = container_of(rcu, struct obm_arena, rcu);

	obm_debug_arena_free_tracks(arena);
	kfree(arena);
}

/* One grace period after the arena left the registry. */
static void obm_arena_forget(struct rcu_head *rcu)
{
	struct obm_arena *arena = container_of(rcu, struct obm_arena, rcu);
	unsigned int cpu;

	/* Hints sit in the slot of the arena's first byte only. */
	for_each_possible_cpu(cpu) {
		struct obm_arena **slot = per_cpu_ptr(obm_arena_hints, cpu)->slot;

		cmpxchg(&slot[obm_arena_hint_slot(arena->base)], arena, NULL);
	}
	call_rcu(&arena->rcu, obm_arena_free_descriptor);
}

/**
 * obm_arenas_wait_freed() - Wait until released arenas' descriptors are gone.
 *
 * After this, no CPU's hint and no lookup can reach an arena released
 * before the call.
 *
 * Context: Process context; sleeps.
 */
void obm_arenas_wait_freed(void)
{
	/* The first barrier runs obm_arena_forget(), which queues the free. */
	rcu_barrier();
	rcu_barrier();
}

static int obm_arena_register(struct obm_arena *arena, gfp_t gfp)
{
	unsigned long index, flags;
	struct xarray *xa = obm_arena_xa(arena, &index);
	int err;

	xa_lock_irqsave(xa, flags);
	err = __xa_insert(xa, index, arena, gfp);
	xa_unlock_irqrestore(xa, flags);
	/* -EBUSY would mean the page allocator handed out live pages. */
	WARN_ON_ONCE(err == -EBUSY);
	return err;
}

static void obm_arena_unregister(struct obm_arena *arena)
{
	unsigned long index, flags;
	struct xarray *xa = obm_arena_xa(arena, &index);

	xa_lock_irqsave(xa, flags);
	__xa_erase(xa, index);
	xa_unlock_irqrestore(xa, flags);
}

/*
 * The arena's pages on @nid: the full order if the page allocator has it
 * at hand, else one page with the caller's flags (see the top of this
 * file). Split into order-0 pages, each with the stray-free bias.
 */
static struct page *obm_arena_pages(int nid, gfp_t gfp, unsigned int *order)
{
	gfp_t try_gfp = gfp | __GFP_NOWARN | __GFP_NORETRY | __GFP_THISNODE;
	struct page *page;
	unsigned int i;

	if (try_gfp & __GFP_DIRECT_RECLAIM)
		try_gfp = (try_gfp | __GFP_NOMEMALLOC) & ~__GFP_DIRECT_RECLAIM;
	*order = OBM_ARENA_ORDER;
	page = alloc_pages_node(nid, try_gfp, OBM_ARENA_ORDER);
	if (page) {
		split_page(page, OBM_ARENA_ORDER);
	} else {
		*order = 0;
		page = alloc_pages_node(nid, gfp, 0);
		if (!page)
			return NULL;
	}
	for (i = 0; i < (1U << *order); i++)
		page_ref_add(page + i, OBM_PAGE_REF_BIAS);
	return page;
}

/*
 * Give one arena page back. Its references should be ours alone, one and
 * the bias; fewer means kfree() dropped some after the last check (counted
 * as strays); more means someone else holds the page, which then stays
 * allocated rather than be freed under them.
 */
static unsigned long obm_arena_free_page(struct page *page)
{
	int refs = page_ref_count(page);
	unsigned long strays = 0;

	if (refs > OBM_PAGE_REF_BIAS + 1) {
		pr_warn_once("arena page %p has %d references, not %d: left allocated\n",
			     page_address(page), refs, OBM_PAGE_REF_BIAS + 1);
		return 0;
	}
	if (refs <= 0)
		return 0;	/* freed by strays already: not ours to free */
	strays = OBM_PAGE_REF_BIAS + 1 - refs;
	page_ref_sub(page, refs - 1);
	__free_page(page);
	return strays;
}

/* Free an arena's pages; return the stray frees not noticed before. */
static unsigned long obm_arena_free_pages(struct obm_arena *arena)
{
	struct page *page = virt_to_page((void *)arena->base);
	unsigned long strays = 0;
	unsigned int i;

	for (i = 0; i < arena->nr_pools; i++)
		strays += obm_arena_free_page(page + i);
	if (strays)
		pr_warn("arena %p: %lu page references dropped by kfree() and kin since the last check\n",
			(void *)arena->base, strays);
	return strays;
}

/**
 * obm_arena_check_strays() - Notice blocks of a pool freed with kfree().
 * @heap: The pool's heap.
 * @pool: A pool of @heap.
 *
 * kfree(), kvfree(), kfree_sensitive() and kfree_rcu() of a block of ours
 * each drop one reference on the block's page (see the top of this file).
 * Reports how many went since the last check, counts them, puts back what
 * kfree() subtracted from the node's slab statistics, and restores the
 * references. The blocks stay allocated: obmalloc cannot tell which ones
 * were freed.
 *
 * Context: Caller holds the class lock of @pool.
 */
void obm_arena_check_strays(struct obm_heap *heap, struct obm_pool *pool)
{
	struct page *page = virt_to_page(obm_pool_base(pool));
	int missing = OBM_PAGE_REF_BIAS + 1 - page_ref_count(page);

	obm_assert_class_locked(heap, pool, pool->class_idx);
	if (likely(missing <= 0))
		return;
	page_ref_add(page, missing);
	mod_node_page_state(page_pgdat(page), NR_SLAB_UNRECLAIMABLE_B,
			    missing * PAGE_SIZE);
	atomic_long_add(missing, &heap->stray_frees);
	obm_report(heap, "stray kfree",
		   "%d block(s) of pool %p (class %u, %u-byte blocks) freed by kfree(), kvfree(), kfree_sensitive(), kfree_rcu() or krealloc(): left allocated, never reused",
		   missing, obm_pool_base(pool), pool->class_idx,
		   obm_class_size(pool->class_idx));
}

static void obm_set_trim(struct work_struct *work);

/**
 * obm_set_create() - Create an arena set.
 * @owner: NULL for a node's shared set, else the debug heap it is for.
 * @nid: The node its pages come from.
 *
 * Context: Process context; sleeps.
 * Return: The set, or NULL.
 */
struct obm_arena_set *obm_set_create(struct obm_heap *owner, int nid)
{
	struct obm_arena_set *set = kzalloc(sizeof(*set), GFP_KERNEL);

	if (!set)
		return NULL;
	spin_lock_init(&set->lock);
	set->nid = nid;
	set->owner = owner;
	INIT_LIST_HEAD(&set->usable);
	INIT_LIST_HEAD(&set->arenas);
	INIT_DELAYED_WORK(&set->trim, obm_set_trim);
	return set;
}

/*
 * A new arena for @set, registered, on none of the set's lists. Nothing
 * is leaked on failure.
 */
static struct obm_arena *obm_arena_new(struct obm_arena_set *set, gfp_t gfp)
{
	struct obm_arena *arena;
	unsigned int order, i;
	struct page *page;

	if (obm_should_fail_arena())
		return NULL;
	page = obm_arena_pages(set->nid, gfp, &order);
	if (!page)
		return NULL;
	arena = kzalloc_node(obm_arena_descriptor_size(1U << order), gfp,
			     set->nid);
	if (!arena)
		goto free_pages;

	arena->base = (unsigned long)page_address(page);
	arena->size = PAGE_SIZE << order;
	arena->nr_pools = 1U << order;
	arena->nr_free_pools = arena->nr_pools;
	arena->nid = set->nid;
	arena->set = set;
	INIT_LIST_HEAD(&arena->usable_link);
	INIT_LIST_HEAD(&arena->free_pools);
	INIT_LIST_HEAD(&arena->set_link);
	for (i = 0; i < arena->nr_pools; i++) {
		INIT_LIST_HEAD(&arena->pools[i].link);
		arena->pools[i].class_idx = OBM_POOL_UNUSED;
		arena->pools[i].last_class = OBM_POOL_UNUSED;
		arena->pools[i].index = i;
	}
	if (set->owner && obm_debug_arena_tracks(arena, gfp))
		goto free_arena;
	if (obm_arena_register(arena, gfp))
		goto free_arena;
	return arena;

free_arena:
	obm_debug_arena_free_tracks(arena);
	kfree(arena);
free_pages:
	for (i = 0; i < (1U << order); i++)
		obm_arena_free_page(page + i);
	return NULL;
}

static struct obm_arena *obm_arena_prev(struct obm_arena_set *set,
					struct obm_arena *arena)
{
	if (list_is_first(&arena->usable_link, &set->usable))
		return NULL;
	return list_prev_entry(arena, usable_link);
}

/*
 * Put an arena that is on no list at its rank: after every arena with as
 * many free pools or fewer, before any with more.
 */
static void obm_arena_insert_ranked(struct obm_arena_set *set,
				    struct obm_arena *arena)
{
	unsigned int nf = arena->nr_free_pools, k;
	struct obm_arena *after = NULL;

	for (k = nf; k > 0 && !after; k--)
		after = set->nfp2lasta[k];
	if (after)
		list_add(&arena->usable_link, &after->usable_link);
	else
		list_add(&arena->usable_link, &set->usable);
	set->nfp2lasta[nf] = arena;
}

/* Take an arena off the usable list, keeping nfp2lasta[] right. */
static void obm_arena_unlink(struct obm_arena_set *set,
			     struct obm_arena *arena)
{
	unsigned int nf = arena->nr_free_pools;
	struct obm_arena *prev;

	if (set->nfp2lasta[nf] == arena) {
		prev = obm_arena_prev(set, arena);
		set->nfp2lasta[nf] = prev && prev->nr_free_pools == nf ?
				     prev : NULL;
	}
	list_del_init(&arena->usable_link);
}

/* Unregister and free an empty arena the caller has unlinked. */
static void obm_arena_release(struct obm_arena_set *set,
			      struct obm_arena *arena)
{
	lockdep_assert_held(&set->lock);
	obm_arena_unregister(arena);
	/* Hint slots still point here until obm_arena_forget(): fail them. */
	WRITE_ONCE(arena->size, 0);
	list_del(&arena->set_link);
	set->nr_free_pools -= arena->nr_free_pools;
	set->arena_pages -= arena->nr_pools;
	if (arena->nr_pools < OBM_POOLS_PER_ARENA)
		set->small_arenas--;
	set->arenas_reclaimed++;
	if (arena->tracks)
		obm_debug_arena_release(arena);
	/*
	 * The pages go back at once; only the descriptor, which lockless
	 * lookups and the hints dereference, waits for RCU.
	 */
	set->stray_frees += obm_arena_free_pages(arena);
	/*
	 * Freed by a shrinker in kswapd or direct reclaim: tell reclaim, as
	 * SLUB does for slab pages, or kswapd, seeing no progress, gives up
	 * on the node and direct reclaim heads for the OOM killer.
	 */
	if (in_task())
		obm_account_reclaimed_pages(arena->nr_pools);
	call_rcu(&arena->rcu, obm_arena_forget);
}

/*
 * @pool, of @arena (on no usable list), is taken: count it, publish its
 * header if it is newly carved, and rank the arena again if it has free
 * pools left.
 */
static void obm_arena_took(struct obm_arena_set *set, struct obm_arena *arena,
			   struct obm_pool *pool)
{
	lockdep_assert_held(&set->lock);
	if (pool->index == arena->nr_carved)
		/* Publish the header before lockless readers trust it. */
		smp_store_release(&arena->nr_carved, arena->nr_carved + 1);
	arena->nr_free_pools--;
	set->nr_free_pools--;
	if (arena->nr_free_pools)
		obm_arena_insert_ranked(set, arena);
}

/**
 * obm_set_grow() - Give a set one more arena, and its first pool to the
 *                  caller.
 * @set: The set.
 * @gfp: The caller's flags, without __GFP_ZERO.
 *
 * The caller gets a pool of the new arena, so a grow always makes
 * progress for the heap that asked, whatever other CPUs take meanwhile
 * and whether a grace period has passed since other heaps gave pools
 * back (obm_arena_pick()): a heap that could not take those, and grew,
 * would otherwise find the new arena as out of reach as ever.
 *
 * Context: No obmalloc spinlock held; sleeps only if @gfp allows.
 * Return: The pool, on no list, its heap not set; or NULL.
 */
struct obm_pool *obm_set_grow(struct obm_arena_set *set, gfp_t gfp)
{
	struct obm_arena *arena = obm_arena_new(set, gfp);
	unsigned long flags, held;
	struct obm_pool *pool;

	if (!arena)
		return NULL;
	spin_lock_irqsave(&set->lock, flags);
	list_add_tail(&arena->set_link, &set->arenas);
	set->nr_free_pools += arena->nr_pools;
	set->arena_pages += arena->nr_pools;
	if (arena->nr_pools < OBM_POOLS_PER_ARENA) {
		set->small_arenas++;
		set->small_arenas_allocated++;
	}
	set->arenas_allocated++;
	held = set->arenas_allocated - set->arenas_reclaimed;
	if (held > set->arenas_highwater)
		set->arenas_highwater = held;
	pool = &arena->pools[0];
	obm_arena_took(set, arena, pool);
	spin_unlock_irqrestore(&set->lock, flags);
	return pool;
}

/*
 * A pool of @arena that @heap may take: the oldest given back if it was
 * @heap's or a grace period has passed since, else one never carved.
 */
static struct obm_pool *obm_arena_pick(struct obm_arena_set *set,
				       struct obm_arena *arena,
				       const struct obm_heap *heap)
{
	struct obm_pool *pool;

	pool = list_first_entry_or_null(&arena->free_pools, struct obm_pool,
					link);
	if (pool && (set->owner || pool->last_heap == heap->id ||
		     poll_state_synchronize_rcu(pool->gp))) {
		list_del_init(&pool->link);
		return pool;
	}
	if (arena->nr_carved < arena->nr_pools)
		return &arena->pools[arena->nr_carved];
	return NULL;
}

/**
 * obm_set_take_pool() - Give a heap a pool, from the fullest arena that can.
 * @set: The set.
 * @heap: The heap.
 *
 * The pool's owned fields are the caller's to set (obm_pool.c); it is on
 * no list, with @heap not yet named in it.
 *
 * Context: Any; takes the set lock.
 * Return: The pool, or NULL if the set has none for @heap: grow it.
 */
struct obm_pool *obm_set_take_pool(struct obm_arena_set *set,
				   struct obm_heap *heap)
{
	struct obm_pool *pool = NULL;
	struct obm_arena *arena;
	unsigned int scanned = 0;
	unsigned long flags;

	spin_lock_irqsave(&set->lock, flags);
	list_for_each_entry(arena, &set->usable, usable_link) {
		pool = obm_arena_pick(set, arena, heap);
		if (pool || ++scanned == OBM_SET_SCAN)
			break;
	}
	if (!pool) {
		spin_unlock_irqrestore(&set->lock, flags);
		return NULL;
	}
	obm_arena_unlink(set, arena);
	obm_arena_took(set, arena, pool);
	spin_unlock_irqrestore(&set->lock, flags);
	return pool;
}

/*
 * One more free pool in @arena: move it to its new rank, in O(1). The list
 * is sorted by ascending nr_free_pools and the arena must end up after
 * every arena with its new count and before any with more.
 */
static void obm_arena_rank_up(struct obm_arena_set *set,
			      struct obm_arena *arena)
{
	unsigned int nf = arena->nr_free_pools;
	struct obm_arena *last_same, *prev, *target;

	arena->nr_free_pools = nf + 1;
	if (nf == 0) {
		/* It was full and off the list; nf == 1 is the lowest rank. */
		list_add(&arena->usable_link, &set->usable);
		if (!set->nfp2lasta[1])
			set->nfp2lasta[1] = arena;
		return;
	}

	last_same = set->nfp2lasta[nf];
	if (last_same == arena) {
		prev = obm_arena_prev(set, arena);
		set->nfp2lasta[nf] = prev && prev->nr_free_pools == nf ?
				     prev : NULL;
	}

	target = set->nfp2lasta[nf + 1];
	if (!target && last_same != arena)
		target = last_same;
	if (target)
		list_move(&arena->usable_link, &target->usable_link);
	set->nfp2lasta[nf + 1] = arena;
}

/**
 * obm_set_put_pool() - Give an empty pool back to its set.
 * @set: The set.
 * @pool: A pool with no block in use, on no list, its class unset.
 *
 * Releases the arena if all its pools are now free and it is a small
 * arena or the set already holds another empty arena; a debug heap's set
 * keeps its empty arenas.
 *
 * Context: Any; takes the set lock.
 */
void obm_set_put_pool(struct obm_arena_set *set, struct obm_pool *pool)
{
	struct obm_arena *arena = obm_pool_arena(pool);
	struct obm_arena *prev;
	unsigned long flags;

	spin_lock_irqsave(&set->lock, flags);
	pool->last_heap = pool->heap->id;
	WRITE_ONCE(pool->heap, NULL);
	pool->gp = get_state_synchronize_rcu();
	list_add_tail(&pool->link, &arena->free_pools);
	set->nr_free_pools++;
	obm_arena_rank_up(set, arena);

	if (arena->nr_free_pools == arena->nr_pools && !set->owner) {
		prev = obm_arena_prev(set, arena);
		if (arena->nr_pools < OBM_POOLS_PER_ARENA) {
			obm_arena_unlink(set, arena);
			obm_arena_release(set, arena);
		} else if (prev && prev->nr_free_pools == OBM_POOLS_PER_ARENA) {
			/* Not the only empty arena: trimmed in a while. */
			queue_delayed_work(system_unbound_wq, &set->trim,
					   msecs_to_jiffies(READ_ONCE(obm_arena_trim_ms)));
		}
	}
	spin_unlock_irqrestore(&set->lock, flags);
}

/**
 * obm_set_empty_pages() - Pages held in arenas with no pool in use.
 * @set: The set.
 *
 * Return: The page count.
 */
unsigned long obm_set_empty_pages(struct obm_arena_set *set)
{
	unsigned long flags, pages = 0;
	struct obm_arena *arena;

	spin_lock_irqsave(&set->lock, flags);
	list_for_each_entry_reverse(arena, &set->usable, usable_link) {
		if (arena->nr_free_pools != arena->nr_pools)
			break;
		pages += arena->nr_pools;
	}
	spin_unlock_irqrestore(&set->lock, flags);
	return pages;
}

/* Release a set's empty arenas but @keep of them; the pages released. */
static unsigned long obm_set_release_empties(struct obm_arena_set *set,
					     unsigned int keep)
{
	unsigned long flags, pages = 0;
	struct obm_arena *arena, *prev;

	spin_lock_irqsave(&set->lock, flags);
	/* Empty arenas sort last. */
	list_for_each_entry_safe_reverse(arena, prev, &set->usable,
					 usable_link) {
		if (arena->nr_free_pools != arena->nr_pools)
			break;
		if (keep) {
			keep--;
			continue;
		}
		obm_arena_unlink(set, arena);
		obm_arena_release(set, arena);
		pages += arena->nr_pools;
	}
	spin_unlock_irqrestore(&set->lock, flags);
	return pages;
}

/**
 * obm_set_release_empty() - Release a set's arenas with no pool in use.
 * @set: The set.
 *
 * Gives the reserve arena back too.
 *
 * Context: Any; takes the set lock.
 * Return: The number of pages given back.
 */
unsigned long obm_set_release_empty(struct obm_arena_set *set)
{
	return obm_set_release_empties(set, 0);
}

/**
 * obm_set_release_surplus() - Release a set's empty arenas but the reserve.
 * @set: The set.
 *
 * Context: Any; takes the set lock.
 * Return: The number of pages given back.
 */
unsigned long obm_set_release_surplus(struct obm_arena_set *set)
{
	return obm_set_release_empties(set, 1);
}

/* The set's trim work, a while after an arena emptied beside another. */
static void obm_set_trim(struct work_struct *work)
{
	obm_set_release_surplus(container_of(to_delayed_work(work),
					     struct obm_arena_set, trim));
}

/**
 * obm_sets_trim_flush() - Run the shared sets' pending trims now.
 *
 * For the KUnit tests, which would otherwise wait arena_trim_ms to see
 * the surplus empty arenas go.
 *
 * Context: Process context; sleeps.
 */
void obm_sets_trim_flush(void)
{
	int nid;

	for_each_node(nid)
		flush_delayed_work(&obm_sets[nid]->trim);
}
EXPORT_SYMBOL_NS_GPL(obm_sets_trim_flush, OBM_NS_INTERNAL);

/**
 * obm_set_read_stats() - Add a set's figures to a snapshot.
 * @set: The set.
 * @st: Added to (zero it first for one set).
 */
void obm_set_read_stats(struct obm_arena_set *set, struct obm_set_stats *st)
{
	struct obm_arena *arena;
	unsigned long flags, held;

	spin_lock_irqsave(&set->lock, flags);
	held = set->arenas_allocated - set->arenas_reclaimed;
	st->arenas_allocated += set->arenas_allocated;
	st->arenas_reclaimed += set->arenas_reclaimed;
	st->arenas_highwater += set->arenas_highwater;
	st->arena_pages += set->arena_pages;
	st->small_arenas += set->small_arenas;
	st->small_arenas_allocated += set->small_arenas_allocated;
	st->free_pools += set->nr_free_pools;
	st->stray_frees += set->stray_frees;
	list_for_each_entry_reverse(arena, &set->usable, usable_link) {
		if (arena->nr_free_pools != arena->nr_pools)
			break;
		st->empty_arenas++;
	}
	st->descriptor_bytes +=
		(held - set->small_arenas) *
		kmalloc_size_roundup(obm_arena_descriptor_size(OBM_POOLS_PER_ARENA)) +
		set->small_arenas *
		kmalloc_size_roundup(obm_arena_descriptor_size(1));
	spin_unlock_irqrestore(&set->lock, flags);
}

/*
 * At unload, an arena with pools of a leaked heap: its blocks may still be
 * in use, so those pools' pages stay; every other page goes back. Return
 * the pages kept.
 */
static unsigned long obm_arena_trim_leaked(struct obm_arena *arena)
{
	struct page *page = virt_to_page((void *)arena->base);
	unsigned long kept = 0;
	unsigned int i;

	for (i = 0; i < arena->nr_pools; i++) {
		if (i < arena->nr_carved && arena->pools[i].heap)
			kept++;
		else
			obm_arena_free_page(page + i);
	}
	return kept;
}

/**
 * obm_set_destroy() - Release a set's arenas and free it.
 * @set: A set no heap uses any more.
 *
 * Pools still in use (a leaked heap's) keep their pages, their arena's
 * descriptor and registration, as their blocks may still be in use; the
 * arena's other pages go back. The pages kept are counted and reported.
 *
 * Context: Process context.
 */
void obm_set_destroy(struct obm_arena_set *set)
{
	struct obm_arena *arena, *next;
	unsigned long flags, kept = 0;

	cancel_delayed_work_sync(&set->trim);
	spin_lock_irqsave(&set->lock, flags);
	list_for_each_entry_safe(arena, next, &set->arenas, set_link) {
		if (arena->nr_free_pools != arena->nr_pools) {
			kept += obm_arena_trim_leaked(arena);
			continue;
		}
		obm_arena_unlink(set, arena);
		obm_arena_release(set, arena);
	}
	spin_unlock_irqrestore(&set->lock, flags);
	if (kept) {
		pr_err("node %d: %lu pages with pools of leaked heaps left allocated\n",
		       set->nid, kept);
		obm_arena_pages_leaked += kept;
		/* Reachable from nothing now; the pages are reported above. */
		kmemleak_not_leak(set);
	} else {
		kfree(set);
	}
}

/**
 * obm_arenas_init() - Create the lookup hints and every possible node's
 *                     shared set.
 *
 * Return: 0 or -ENOMEM.
 */
int obm_arenas_init(void)
{
	int nid;

	obm_arena_hints = alloc_percpu(struct obm_arena_hints);
	if (!obm_arena_hints)
		return -ENOMEM;
	obm_sets = kcalloc(nr_node_ids, sizeof(*obm_sets), GFP_KERNEL);
	if (!obm_sets) {
		free_percpu(obm_arena_hints);
		return -ENOMEM;
	}
	for_each_node(nid) {
		obm_sets[nid] = obm_set_create(NULL, nid);
		if (!obm_sets[nid]) {
			obm_arenas_exit();
			return -ENOMEM;
		}
	}
	return 0;
}

/**
 * obm_arenas_exit() - Release the shared sets at module exit.
 *
 * Every heap is gone. Arenas still registered hold pools of heaps a client
 * leaked: they stay allocated, reported by obm_set_destroy(), and are no
 * longer reachable from anything of ours, so kmemleak is told they are
 * not a leak of obmalloc's (the client's blocks stay tracked).
 *
 * Context: Module exit or a failed init.
 */
void obm_arenas_exit(void)
{
	struct obm_arena *arena;
	unsigned long index;
	int nid;

	for_each_node(nid)
		if (obm_sets[nid])
			obm_set_destroy(obm_sets[nid]);
	obm_arenas_wait_freed();
	pr_info("unloaded: %lu pages left allocated\n", obm_arena_pages_leaked);
	xa_for_each(&obm_arena_registry, index, arena)
		kmemleak_not_leak(arena);
	xa_for_each(&obm_small_arena_registry, index, arena)
		kmemleak_not_leak(arena);
	xa_destroy(&obm_arena_registry);
	xa_destroy(&obm_small_arena_registry);
	kfree(obm_sets);
	/* No lookup is left, and obm_arena_forget() ran for every release. */
	free_percpu(obm_arena_hints);
}
