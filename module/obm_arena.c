// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc arenas: 256 KiB of pages, split into one-page pools.
 *
 * An arena is one naturally aligned alloc_pages() allocation of order
 * OBM_ARENA_ORDER (6 on 4 KiB pages). Its descriptor, with the header of
 * every pool, is kmalloc()ed separately, so all of its pages hold blocks.
 * Pools are carved lazily, in address order; a pool whose last block is
 * freed goes on the arena's free_pools list and may then serve any size
 * class.
 *
 * Fragmented memory. The order-6 allocation is tried as SLUB tries its
 * preferred slab order: without direct reclaim, retries or a warning. When
 * it fails, the arena is a single page allocated with the caller's own gfp
 * flags, so a small allocation succeeds whenever kmalloc()'s would, and
 * only that final failure warns (never under __GFP_NOWARN). Such a small
 * arena is given back as soon as its pool is empty.
 *
 * Fullest first: a heap keeps the arenas that have free pools on
 * usable_arenas, sorted by ascending nr_free_pools, and takes pools from
 * the head only. Emptier arenas thus drain and can be given back to the
 * page allocator, which is what made CPython 3.8 release arenas. Freeing a
 * pool moves its arena by at most one rank; nfp2lasta[n], the last arena
 * with n free pools, says where to in O(1). An empty full-size arena is
 * released, except that one per heap is kept in reserve so that a loop
 * allocating and freeing a single object does not bounce an order-6
 * allocation off the page allocator.
 *
 * Registry: obm_arena_registry maps each full arena's 256 KiB region, and
 * obm_small_arena_registry each single-page arena's page frame, to the
 * arena, so obm_free() learns from the address alone, under RCU and
 * without reading memory it does not own, whether a pointer is ours. One
 * entry per full arena keeps arena churn cheap (64 entries each made
 * 128..512-byte batches up to 1.5x slower, measured under UML); the
 * second registry is only consulted when the first has nothing. A
 * released arena leaves
 * the registry before its pages are freed; its descriptor is freed two
 * grace periods later (see obm_arena_hints).
 *
 * Locking: see obm_internal.h. Everything that changes an arena runs under
 * its heap's arena_lock, with irqs off and the class lock held. The page
 * allocator is only called from obm_arena_new(), with no spinlock held.
 */

#include <linux/kmemleak.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "obm_internal.h"

/* Full arenas by 256 KiB region; single-page arenas by page frame. */
static DEFINE_XARRAY_FLAGS(obm_arena_registry, XA_FLAGS_LOCK_IRQ);
static DEFINE_XARRAY_FLAGS(obm_small_arena_registry, XA_FLAGS_LOCK_IRQ);

/*
 * The arenas this CPU looked up last, direct-mapped by virtual arena
 * number (obm_arena_hint_slot()): most frees hit, and a hit is one load
 * and a compare where the xarray walk costs about 20 ns (measured under
 * UML, a third of an alloc-free pair); 32 slots keep frees spread over
 * that many arenas hitting. A released arena is cleared from every CPU's
 * slots one grace period after it left the registry, which is after any
 * lookup that could still store it has finished, and its descriptor is
 * freed one grace period after that, when no CPU can still be using a
 * slot it read before the clearing.
 */
DEFINE_PER_CPU(struct obm_arena_hints, obm_arena_hints);

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
 * arena found in this CPU's hint slot for @p.
 *
 * Context: Caller holds rcu_read_lock().
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
		this_cpu_write(obm_arena_hints.slot[obm_arena_hint_slot(p)], arena);
	return arena;
}

/* The descriptor and, in a debug heap, its pools' block records. */
static void obm_arena_free(struct obm_arena *arena)
{
	unsigned int i;

	if (arena->tracks) {
		for (i = 0; i < arena->nr_pools; i++)
			kfree(arena->tracks[i]);
		kfree(arena->tracks);
	}
	kfree(arena);
}

static void obm_arena_free_descriptor(struct rcu_head *rcu)
{
	obm_arena_free(container_of(rcu, struct obm_arena, rcu));
}

/*
 * A debug heap's arena gets a record per block of every pool (struct
 * obm_track), allocated here with the caller's flags, where allocating is
 * allowed, rather than when a pool is carved under the class lock.
 */
static int obm_arena_alloc_tracks(struct obm_heap *heap,
				  struct obm_arena *arena, gfp_t gfp)
{
	size_t size = obm_track_array_size(heap);
	unsigned int i;

	arena->tracks = kcalloc(arena->nr_pools, sizeof(*arena->tracks), gfp);
	if (!arena->tracks)
		return -ENOMEM;
	for (i = 0; i < arena->nr_pools; i++) {
		arena->tracks[i] = kzalloc(size, gfp);
		if (!arena->tracks[i])
			return -ENOMEM;
	}
	return 0;
}

/* One grace period after the arena left the registry. */
static void obm_arena_forget(struct rcu_head *rcu)
{
	struct obm_arena *arena = container_of(rcu, struct obm_arena, rcu);
	void *first = (void *)arena->base;
	void *last = (void *)(arena->base + OBM_ARENA_SIZE - 1);
	unsigned int cpu;

	/* An arena not aligned in virtual memory (UML) spans two slots. */
	for_each_possible_cpu(cpu) {
		struct obm_arena **slot = per_cpu_ptr(&obm_arena_hints, cpu)->slot;

		cmpxchg(&slot[obm_arena_hint_slot(first)], arena, NULL);
		cmpxchg(&slot[obm_arena_hint_slot(last)], arena, NULL);
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

/**
 * obm_arena_descriptor_size() - Bytes of an arena descriptor.
 * @nr_pools: Pools in the arena.
 *
 * Return: The size passed to kmalloc().
 */
size_t obm_arena_descriptor_size(unsigned int nr_pools)
{
	return sizeof(struct obm_arena) + nr_pools * sizeof(struct obm_pool);
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
 * The arena's pages: the full order if the page allocator has it at hand,
 * else one page with the caller's flags (see the top of this file).
 */
static struct page *obm_arena_pages(gfp_t gfp, unsigned int *order)
{
	gfp_t try_gfp = gfp | __GFP_COMP | __GFP_NOWARN | __GFP_NORETRY;
	struct page *page;

	if (try_gfp & __GFP_DIRECT_RECLAIM)
		try_gfp = (try_gfp | __GFP_NOMEMALLOC) & ~__GFP_DIRECT_RECLAIM;
	page = alloc_pages(try_gfp, OBM_ARENA_ORDER);
	if (page) {
		*order = OBM_ARENA_ORDER;
		return page;
	}
	*order = 0;
	return alloc_pages(gfp, 0);
}

/**
 * obm_arena_new() - Allocate an arena for a heap.
 * @heap: The heap it will belong to.
 * @gfp: The caller's sanitized gfp flags (no __GFP_ZERO).
 *
 * The arena is registered but not yet on the heap's lists; see
 * obm_arena_add(). Nothing is leaked on failure.
 *
 * Context: No obmalloc spinlock held; sleeps only if @gfp allows it.
 * Return: The arena, or NULL.
 */
struct obm_arena *obm_arena_new(struct obm_heap *heap, gfp_t gfp)
{
	struct obm_arena *arena;
	unsigned int order, i;
	struct page *page;

	if (obm_should_fail_arena())
		return NULL;

	page = obm_arena_pages(gfp, &order);
	if (!page)
		return NULL;
	arena = kzalloc(obm_arena_descriptor_size(1U << order), gfp);
	if (!arena)
		goto free_pages;

	arena->base = (unsigned long)page_address(page);
	arena->size = PAGE_SIZE << order;
	arena->heap = heap;
	INIT_LIST_HEAD(&arena->usable_link);
	INIT_LIST_HEAD(&arena->free_pools);
	INIT_LIST_HEAD(&arena->heap_link);
	arena->nr_pools = 1U << order;
	arena->nr_free_pools = arena->nr_pools;
	for (i = 0; i < arena->nr_pools; i++) {
		struct obm_pool *pool = &arena->pools[i];

		INIT_LIST_HEAD(&pool->link);
		pool->arena = arena;
		pool->base = (void *)(arena->base + i * OBM_POOL_SIZE);
		pool->class_idx = OBM_POOL_UNUSED;
	}
	if (heap->debug_flags && obm_arena_alloc_tracks(heap, arena, gfp))
		goto free_arena;
	if (obm_arena_register(arena, gfp))
		goto free_arena;
	return arena;

free_arena:
	obm_arena_free(arena);
free_pages:
	__free_pages(page, order);
	return NULL;
}

static struct obm_arena *obm_arena_prev(struct obm_heap *heap,
					struct obm_arena *arena)
{
	if (list_is_first(&arena->usable_link, &heap->usable_arenas))
		return NULL;
	return list_prev_entry(arena, usable_link);
}

/*
 * Put an arena that is on no list at its rank: after every arena with as
 * many free pools or fewer, before any with more.
 */
static void obm_arena_insert_ranked(struct obm_heap *heap,
				    struct obm_arena *arena)
{
	unsigned int nf = arena->nr_free_pools, k;
	struct obm_arena *after = NULL;

	for (k = nf; k > 0 && !after; k--)
		after = heap->nfp2lasta[k];
	if (after)
		list_add(&arena->usable_link, &after->usable_link);
	else
		list_add(&arena->usable_link, &heap->usable_arenas);
	heap->nfp2lasta[nf] = arena;
}

/* Take an arena off usable_arenas, keeping nfp2lasta[] right. */
static void obm_arena_unlink(struct obm_heap *heap, struct obm_arena *arena)
{
	unsigned int nf = arena->nr_free_pools;
	struct obm_arena *prev;

	if (heap->nfp2lasta[nf] == arena) {
		prev = obm_arena_prev(heap, arena);
		heap->nfp2lasta[nf] = prev && prev->nr_free_pools == nf ?
				      prev : NULL;
	}
	list_del_init(&arena->usable_link);
}

/**
 * obm_arena_add() - Put a new arena on its heap's lists.
 * @heap: The heap.
 * @arena: From obm_arena_new(); all its pools are free.
 *
 * Context: Any; takes the arena lock.
 */
void obm_arena_add(struct obm_heap *heap, struct obm_arena *arena)
{
	unsigned long flags, current_arenas;

	spin_lock_irqsave(&heap->arena_lock, flags);
	obm_arena_insert_ranked(heap, arena);
	list_add_tail(&arena->heap_link, &heap->arenas);
	heap->nr_free_pools += arena->nr_pools;
	heap->arena_pages += arena->nr_pools;
	if (arena->nr_pools < OBM_POOLS_PER_ARENA) {
		heap->small_arenas++;
		heap->small_arenas_allocated++;
	}
	heap->arenas_allocated++;
	current_arenas = obm_arenas_current(heap);
	if (current_arenas > heap->arenas_highwater)
		heap->arenas_highwater = current_arenas;
	spin_unlock_irqrestore(&heap->arena_lock, flags);
}

/* Unregister and free an arena; the caller has unlinked it. */
static void obm_arena_release(struct obm_heap *heap, struct obm_arena *arena)
{
	WRITE_ONCE(arena->dead, true);
	obm_arena_unregister(arena);
	list_del(&arena->heap_link);
	heap->nr_free_pools -= arena->nr_free_pools;
	heap->arena_pages -= arena->nr_pools;
	if (arena->nr_pools < OBM_POOLS_PER_ARENA)
		heap->small_arenas--;
	heap->arenas_reclaimed++;
	/*
	 * The pages go back at once: deferring them by a grace period piles
	 * up order-6 blocks when a heap's live set swings by many arenas
	 * (measured: 3-9x slower 512-byte batches). Only the descriptor, which
	 * lockless lookups and the hints dereference, waits for RCU.
	 */
	__free_pages(virt_to_page((void *)arena->base), get_order(arena->size));
	/*
	 * Freed by a shrinker in kswapd or direct reclaim: tell reclaim, as
	 * SLUB does for slab pages, or kswapd, seeing no progress, gives up
	 * on the node after MAX_RECLAIM_RETRIES runs and direct reclaim
	 * heads for the OOM killer.
	 */
	if (in_task())
		obm_account_reclaimed_pages(arena->nr_pools);
	call_rcu(&arena->rcu, obm_arena_forget);
}

/**
 * obm_arena_take_pool() - Give a class a pool from the fullest arena.
 * @heap: The heap.
 * @class: The class, whose lock the caller holds.
 * @class_idx: Its index.
 *
 * The pool is initialised for @class but not put on any list.
 *
 * Return: The pool, or NULL if the heap has no free pool.
 */
struct obm_pool *obm_arena_take_pool(struct obm_heap *heap,
				     struct obm_class *class,
				     unsigned int class_idx)
{
	struct obm_arena *arena;
	struct obm_pool *pool;
	unsigned int nf;
	bool carved = false;

	lockdep_assert_held(&class->lock);
	spin_lock(&heap->arena_lock);
	arena = list_first_entry_or_null(&heap->usable_arenas,
					 struct obm_arena, usable_link);
	if (!arena) {
		spin_unlock(&heap->arena_lock);
		return NULL;
	}

	pool = list_first_entry_or_null(&arena->free_pools,
					struct obm_pool, link);
	if (pool) {
		list_del(&pool->link);
	} else {
		pool = &arena->pools[arena->nr_carved];
		carved = true;
	}
	obm_pool_init(pool, class, class_idx);
	if (carved)
		/* Publish the header before lockless readers trust it. */
		smp_store_release(&arena->nr_carved, arena->nr_carved + 1);

	/*
	 * The head arena has the fewest free pools, so one fewer keeps the
	 * list sorted; it is the only arena that can then have nf - 1.
	 */
	nf = arena->nr_free_pools;
	if (heap->nfp2lasta[nf] == arena)
		heap->nfp2lasta[nf] = NULL;
	arena->nr_free_pools = --nf;
	if (nf == 0) {
		list_del_init(&arena->usable_link);
	} else {
		WARN_ON_ONCE(heap->nfp2lasta[nf]);
		heap->nfp2lasta[nf] = arena;
	}
	heap->nr_free_pools--;
	class->nr_pools++;
	spin_unlock(&heap->arena_lock);
	return pool;
}

/*
 * One more free pool in @arena: move it to its new rank, in O(1). The list
 * is sorted by ascending nr_free_pools and the arena must end up after
 * every arena with its new count and before any with more.
 */
static void obm_arena_rank_up(struct obm_heap *heap, struct obm_arena *arena)
{
	unsigned int nf = arena->nr_free_pools;
	struct obm_arena *last_same, *prev, *target;

	arena->nr_free_pools = nf + 1;
	if (nf == 0) {
		/* It was full and off the list; nf == 1 is the lowest rank. */
		list_add(&arena->usable_link, &heap->usable_arenas);
		if (!heap->nfp2lasta[1])
			heap->nfp2lasta[1] = arena;
		return;
	}

	last_same = heap->nfp2lasta[nf];
	if (last_same == arena) {
		prev = obm_arena_prev(heap, arena);
		heap->nfp2lasta[nf] = prev && prev->nr_free_pools == nf ?
				      prev : NULL;
	}

	target = heap->nfp2lasta[nf + 1];
	if (!target && last_same != arena)
		target = last_same;
	if (target)
		list_move(&arena->usable_link, &target->usable_link);
	heap->nfp2lasta[nf + 1] = arena;
}

/**
 * obm_arena_put_pool() - Return an empty pool to its arena.
 * @heap: The heap.
 * @class: The pool's class, whose lock the caller holds.
 * @pool: A pool with no block in use, already off the class's lists.
 *
 * Releases the arena if all its pools are now free and it is a small
 * arena or the heap already holds another empty arena.
 */
void obm_arena_put_pool(struct obm_heap *heap, struct obm_class *class,
			struct obm_pool *pool)
{
	struct obm_arena *arena = pool->arena;
	struct obm_arena *prev;

	lockdep_assert_held(&class->lock);
	spin_lock(&heap->arena_lock);
	WRITE_ONCE(pool->class_idx, OBM_POOL_UNUSED);
	class->nr_pools--;
	list_add(&pool->link, &arena->free_pools);
	heap->nr_free_pools++;
	obm_arena_rank_up(heap, arena);

	if (arena->nr_free_pools == arena->nr_pools) {
		/*
		 * A small arena goes back at once. A full one is now the last
		 * empty arena; keep it unless it has a twin.
		 */
		prev = obm_arena_prev(heap, arena);
		if (arena->nr_pools < OBM_POOLS_PER_ARENA ||
		    (prev && prev->nr_free_pools == OBM_POOLS_PER_ARENA)) {
			obm_arena_unlink(heap, arena);
			obm_arena_release(heap, arena);
		}
	}
	spin_unlock(&heap->arena_lock);
}

/**
 * obm_arenas_release_all() - Release every arena of a heap.
 * @heap: A heap with no live block, that nobody else uses any more.
 *
 * Context: Process context.
 */
void obm_arenas_release_all(struct obm_heap *heap)
{
	struct obm_arena *arena, *next;
	unsigned long flags;

	spin_lock_irqsave(&heap->arena_lock, flags);
	list_for_each_entry_safe(arena, next, &heap->usable_arenas,
				 usable_link) {
		WARN_ON_ONCE(arena->nr_free_pools != arena->nr_pools);
		list_del(&arena->usable_link);
		obm_arena_release(heap, arena);
	}
	memset(heap->nfp2lasta, 0, sizeof(heap->nfp2lasta));
	WARN_ON_ONCE(obm_arenas_current(heap) || heap->nr_free_pools);
	spin_unlock_irqrestore(&heap->arena_lock, flags);
}

/**
 * obm_arenas_empty_pages() - Pages held in arenas with no pool in use.
 * @heap: The heap.
 *
 * Return: The page count.
 */
unsigned long obm_arenas_empty_pages(struct obm_heap *heap)
{
	unsigned long flags, pages = 0;
	struct obm_arena *arena;

	spin_lock_irqsave(&heap->arena_lock, flags);
	list_for_each_entry_reverse(arena, &heap->usable_arenas, usable_link) {
		if (arena->nr_free_pools != OBM_POOLS_PER_ARENA)
			break;
		pages += OBM_POOLS_PER_ARENA;
	}
	spin_unlock_irqrestore(&heap->arena_lock, flags);
	return pages;
}

/**
 * obm_arenas_release_empty() - Release the arenas with no pool in use.
 * @heap: The heap.
 *
 * Gives the reserve arena back too; the next allocation that needs a pool
 * allocates a new arena.
 *
 * Context: Any; takes the arena lock.
 * Return: The number of pages given back.
 */
unsigned long obm_arenas_release_empty(struct obm_heap *heap)
{
	unsigned long flags, pages = 0;
	struct obm_arena *arena, *prev;

	spin_lock_irqsave(&heap->arena_lock, flags);
	/* Empty arenas sort last. */
	list_for_each_entry_safe_reverse(arena, prev, &heap->usable_arenas,
					 usable_link) {
		if (arena->nr_free_pools != OBM_POOLS_PER_ARENA)
			break;
		list_del(&arena->usable_link);
		obm_arena_release(heap, arena);
		pages += OBM_POOLS_PER_ARENA;
	}
	heap->nfp2lasta[OBM_POOLS_PER_ARENA] = NULL;
	spin_unlock_irqrestore(&heap->arena_lock, flags);
	return pages;
}

/**
 * obm_arena_registry_exit() - Forget the registry at module exit.
 *
 * Arenas still registered belong to heaps a client leaked, with live
 * blocks in them: they stay allocated, as the blocks' owner may still use
 * them, and their descriptors are no longer reachable from anything of
 * obmalloc's, so kmemleak is told they are not a leak of ours (the
 * client's blocks themselves stay tracked by kmemleak).
 *
 * Context: Module exit, after every heap is gone and rcu_barrier().
 */
void obm_arena_registry_exit(void)
{
	struct obm_arena *arena;
	unsigned long index;

	xa_for_each(&obm_arena_registry, index, arena)
		kmemleak_not_leak(arena);
	xa_for_each(&obm_small_arena_registry, index, arena)
		kmemleak_not_leak(arena);
	xa_destroy(&obm_arena_registry);
	xa_destroy(&obm_small_arena_registry);
}
