// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc pools: a heap's pools by class, and the blocks in a pool.
 *
 * Each class of a heap on a node keeps its partly used pools on a list;
 * blocks come from the first one, a pool that fills leaves the list, one
 * that gets a block back returns to its front (pymalloc's usedpools). A
 * class that needs a pool takes one of the heap's own empty pools on the
 * node first, then one from the node's arena set; a pool whose last block
 * is freed goes back to the heap's empty pools, up to
 * OBM_HEAP_EMPTY_POOLS, else to the set (obm_arena.c), where another heap
 * may take it once an RCU grace period has passed.
 *
 * Blocks are carved lazily: a new pool hands out the block at
 * next_offset and advances it; a freed block is pushed on the pool's free
 * list, linked through its first word, and reused before any new one.
 *
 * Free-list hardening. The link in a free block is the one word of pool
 * state a caller's overflow out of the neighbouring block can reach. With
 * CONFIG_SLAB_FREELIST_HARDENED (distribution kernels) it is stored as
 * SLUB stores its free pointer, XORed with a random per-heap key and the
 * byte-swapped address of the link itself. Whatever the config, every
 * link is checked before it is followed: it must point into the same pool
 * at a block start below next_offset. A link that fails is reported,
 * counted, and the rest of that free list abandoned, never followed.
 *
 * Every block freed here is checked again under the class lock: the pool
 * must still be the heap's and of the class, the block carved, not the
 * head of the free list (an immediate double free), and, with verify_free
 * or a debug heap, not anywhere on it.
 *
 * Locking: a class's lock (irqsave) protects the class and its pools'
 * owned fields; the heap node's lock, its empty pools; the set's lock
 * nests inside both. Nothing here sleeps or allocates.
 */

#define pr_fmt(fmt) "obmalloc: " fmt

#include <linux/swab.h>

#include "obm_fastpath.h"

/* Store or load a link: the two are the same XOR (see the top comment). */
static void *obm_link_code(const struct obm_heap *heap, const void *link,
			   const void *where)
{
#ifdef CONFIG_SLAB_FREELIST_HARDENED
	return (void *)((unsigned long)link ^ heap->freelist_key ^
			swab((unsigned long)where));
#else
	return (void *)link;
#endif
}

static void *obm_link_load(const struct obm_heap *heap, const void *block)
{
	return obm_link_code(heap, *(void * const *)block, block);
}

/* Whether a decoded link may be followed: NULL, or a carved block start. */
static bool obm_link_valid(const struct obm_pool *pool, const void *base,
			   const void *link, const void *block)
{
	unsigned long offset = (unsigned long)link - (unsigned long)base;

	if (!link)
		return true;
	return link != block && offset < pool->next_offset &&
	       obm_class_offset_is_block(pool->class_idx, offset);
}

static void obm_report_freelist_corruption(struct obm_heap *heap,
					   const struct obm_pool *pool,
					   const void *block)
{
	atomic_long_inc(&heap->freelist_corruptions);
	obm_record_report(heap, "corrupted free list", block, pool->class_idx,
			  -1, NULL);
	obm_report(heap, "corrupted free list",
		   "free block %p: link overwritten, rest of the pool's free list abandoned (class %u, %u-byte blocks, pool offset %lu)",
		   block, pool->class_idx, obm_class_size(pool->class_idx),
		   (unsigned long)block & ~PAGE_MASK);
}

static bool obm_pool_is_full(const struct obm_pool *pool)
{
	return !pool->freeblock &&
	       pool->next_offset + obm_class_size(pool->class_idx) > OBM_POOL_SIZE;
}

/* Hand out one block of a pool that is not full; class lock held. */
static void *obm_pool_take_block(struct obm_heap *heap, struct obm_pool *pool,
				 void *base)
{
	void *block = pool->freeblock;

	obm_assert_class_locked(heap, pool, pool->class_idx);
	if (block) {
		void *next = obm_link_load(heap, block);

		if (unlikely(!obm_link_valid(pool, base, next, block))) {
			obm_report_freelist_corruption(heap, pool, block);
			next = NULL;
		}
		pool->freeblock = next;
	} else {
		block = base + pool->next_offset;
		pool->next_offset += obm_class_size(pool->class_idx);
	}
	pool->ref_count++;
	return block;
}

/**
 * obm_pool_block_is_free() - Whether a block is on its pool's free list.
 * @heap: The pool's heap.
 * @pool: The pool.
 * @block: A block start within the pool's carved part.
 *
 * Walks the whole free list, so the free path only calls it for
 * verify_free and F debug heaps. A corrupted link ends the walk and the
 * list there.
 *
 * Context: Caller holds the pool's class lock.
 * Return: true if @block is on the free list.
 */
bool obm_pool_block_is_free(struct obm_heap *heap, struct obm_pool *pool,
			    const void *block)
{
	void *base = obm_pool_base(pool);
	void *free, *next;

	obm_assert_class_locked(heap, pool, pool->class_idx);
	for (free = pool->freeblock; free; free = next) {
		if (free == block)
			return true;
		next = obm_link_load(heap, free);
		if (unlikely(!obm_link_valid(pool, base, next, free))) {
			obm_report_freelist_corruption(heap, pool, free);
			*(void **)free = obm_link_code(heap, NULL, free);
			return false;
		}
	}
	return false;
}

/* Give @pool, empty and on no list, to class @class_idx of @heap. */
static void obm_pool_assign(struct obm_heap *heap, struct obm_pool *pool,
			    unsigned int class_idx)
{
	if (obm_pool_arena(pool)->tracks)
		obm_debug_pool_reuse(heap, pool, class_idx);
	pool->freeblock = NULL;
	pool->ref_count = 0;
	pool->next_offset = 0;
	WRITE_ONCE(pool->heap, heap);
	/* Pairs with the acquire in obm_ptr_resolve(). */
	smp_store_release(&pool->class_idx, class_idx);
}

/* A pool for @heap on @hn: its own empty pools first, then the set's. */
static struct obm_pool *obm_pool_get(struct obm_heap *heap,
				     struct obm_heap_node *hn,
				     unsigned int class_idx)
{
	struct obm_pool *pool;

	spin_lock(&hn->lock);
	pool = list_first_entry_or_null(&hn->empty_pools, struct obm_pool,
					link);
	if (pool) {
		list_del_init(&pool->link);
		hn->nr_empty--;
	}
	spin_unlock(&hn->lock);
	if (!pool)
		pool = obm_set_take_pool(hn->set, heap);
	if (pool)
		obm_pool_assign(heap, pool, class_idx);
	return pool;
}

/**
 * obm_pool_keep_new() - Keep a pool of a new arena for the heap that grew.
 * @heap: The heap.
 * @hn: Its node.
 * @pool: The pool obm_set_grow() returned.
 *
 * The heap's next pool on the node is this one (obm_pool_get()).
 *
 * Context: Any; takes the heap node's lock.
 */
void obm_pool_keep_new(struct obm_heap *heap, struct obm_heap_node *hn,
		       struct obm_pool *pool)
{
	unsigned long flags;

	WRITE_ONCE(pool->heap, heap);
	spin_lock_irqsave(&hn->lock, flags);
	list_add(&pool->link, &hn->empty_pools);
	hn->nr_empty++;
	spin_unlock_irqrestore(&hn->lock, flags);
}

/* An empty pool, off its class's lists: kept by the heap, or given back. */
static void obm_pool_release(struct obm_heap_node *hn, struct obm_pool *pool)
{
	bool keep;

	pool->last_class = pool->class_idx;
	WRITE_ONCE(pool->class_idx, OBM_POOL_UNUSED);
	spin_lock(&hn->lock);
	/* A single-page arena, taken for want of memory, goes back at once. */
	keep = hn->nr_empty < OBM_HEAP_EMPTY_POOLS &&
	       obm_pool_arena(pool)->nr_pools > 1;
	if (keep) {
		list_add(&pool->link, &hn->empty_pools);
		hn->nr_empty++;
	}
	spin_unlock(&hn->lock);
	if (!keep)
		obm_set_put_pool(hn->set, pool);
}

/**
 * obm_pool_take_blocks() - Take blocks of a class from one pool.
 * @heap: The heap.
 * @nid: The node whose pools to take from; its class exists.
 * @class_idx: The class.
 * @blocks: Where to store them, in the order handed out.
 * @max: How many are wanted, at least 1.
 *
 * Takes from the first partly used pool, or else a new pool, and never
 * from a second pool: a caller that wants more calls again.
 *
 * Context: Any; never sleeps or allocates.
 * Return: The number taken; 0 if the heap could get no pool on @nid (grow
 * the set, obm_heap_grow()).
 */
unsigned int obm_pool_take_blocks(struct obm_heap *heap, int nid,
				  unsigned int class_idx, void **blocks,
				  unsigned int max)
{
	struct obm_heap_node *hn = obm_heap_node(heap, nid);
	struct obm_class *class = hn->classes[class_idx];
	struct obm_pool *pool;
	unsigned long flags;
	unsigned int n = 0;
	void *base;

	spin_lock_irqsave(&class->lock, flags);
	pool = list_first_entry_or_null(&class->partial, struct obm_pool, link);
	if (!pool) {
		pool = obm_pool_get(heap, hn, class_idx);
		if (!pool)
			goto out;
		list_add(&pool->link, &class->partial);
		class->nr_pools++;
	}
	obm_arena_check_strays(heap, pool);
	base = obm_pool_base(pool);
	while (n < max && !obm_pool_is_full(pool))
		blocks[n++] = obm_pool_take_block(heap, pool, base);
	if (obm_pool_is_full(pool)) {
		list_del_init(&pool->link);
		class->nr_full++;
	}
	WRITE_ONCE(class->nr_used_blocks, class->nr_used_blocks + n);
out:
	spin_unlock_irqrestore(&class->lock, flags);
	return n;
}

/*
 * Whether @block, resolved without the lock as a block of @heap's class
 * @class_idx, is one its caller may free: reports it if not. @track is
 * set to its record in a debug heap.
 */
static __always_inline bool
obm_pool_free_ok(struct obm_heap *heap, struct obm_pool *pool,
		 unsigned int class_idx, const void *block, struct obm_track **track)
{
	unsigned long offset = (unsigned long)block & ~PAGE_MASK;

	*track = NULL;
	if (READ_ONCE(pool->heap) != heap || pool->class_idx != class_idx ||
	    offset >= pool->next_offset) {
		obm_report_invalid(heap, "pointer to no block", OBM_OP_FREE,
				   block, class_idx,
				   "pool emptied or reused meanwhile (freed already?)");
		return false;
	}
	if (obm_pool_arena(pool)->tracks)
		*track = obm_debug_track(pool, class_idx, block);
	if (block == pool->freeblock ||
	    (*track && (*track)->state != OBM_BLOCK_LIVE) ||
	    (obm_heap_verifies_free(heap) &&
	     obm_pool_block_is_free(heap, pool, block))) {
		obm_report_double_free(heap, class_idx, block, *track);
		return false;
	}
	return true;
}

/*
 * Return one checked block to its pool; the class lock is held. A stray
 * kfree() is looked for when the pool stops being full or empties, not on
 * every block: the check reads the pool's struct page, a cache line no
 * other step of a free touches, and frees in random order each land in
 * another pool.
 */
static __always_inline void
obm_pool_put_block(struct obm_heap *heap, struct obm_heap_node *hn,
		   struct obm_class *class, struct obm_pool *pool, void *block)
{
	bool was_full = obm_pool_is_full(pool);

	if (was_full || pool->ref_count == 1)
		obm_arena_check_strays(heap, pool);
	*(void **)block = obm_link_code(heap, pool->freeblock, block);
	pool->freeblock = block;
	pool->ref_count--;
	WRITE_ONCE(class->nr_used_blocks, class->nr_used_blocks - 1);

	if (!pool->ref_count) {
		if (was_full)
			class->nr_full--;
		else
			list_del_init(&pool->link);
		class->nr_pools--;
		obm_pool_release(hn, pool);
	} else if (was_full) {
		/* pymalloc puts a pool that has room again in front. */
		list_add(&pool->link, &class->partial);
		class->nr_full--;
	}
}

/*
 * Put back the leading blocks of @blocks that are on one node, under that
 * node's class lock; return how many. A magazine's blocks are all its
 * CPU's node's, so one run is normally the whole batch.
 */
static unsigned int obm_pool_put_run(struct obm_heap *heap,
				     unsigned int class_idx,
				     void * const *blocks, unsigned int n)
{
	struct obm_arena *arena = NULL;
	struct obm_heap_node *hn;
	struct obm_class *class;
	struct obm_track *track;
	unsigned long flags;
	unsigned int i;
	int nid;

	obm_block_pool(blocks[0], &arena);
	nid = arena->nid;
	hn = obm_heap_node(heap, nid);
	class = hn->classes[class_idx];
	spin_lock_irqsave(&class->lock, flags);
	for (i = 0; i < n; i++) {
		struct obm_pool *pool = obm_block_pool(blocks[i], &arena);

		if (arena->nid != nid)
			break;
		if (obm_pool_free_ok(heap, pool, class_idx, blocks[i], &track))
			obm_pool_put_block(heap, hn, class, pool, blocks[i]);
	}
	spin_unlock_irqrestore(&class->lock, flags);
	return i;
}

/**
 * obm_pool_put_blocks() - Return blocks a magazine held to their pools.
 * @heap: The heap.
 * @class_idx: Their class.
 * @blocks: Blocks of the class that callers freed (released already).
 * @n: How many.
 *
 * Each block is checked again under its class lock; one found free
 * already (freed on two CPUs) is reported and skipped.
 *
 * Context: Any.
 */
void obm_pool_put_blocks(struct obm_heap *heap, unsigned int class_idx,
			 void * const *blocks, unsigned int n)
{
	unsigned int i = 0;

	while (i < n)
		i += obm_pool_put_run(heap, class_idx, blocks + i, n - i);
}

/**
 * obm_pool_free_block() - Free one block straight to its pool.
 * @heap: The block's heap.
 * @pool: Its pool.
 * @class_idx: Its class, as obm_ptr_resolve() saw it.
 * @block: The block.
 * @free_stack: The caller's stack in a heap with owner tracking, or 0.
 *
 * The path without a magazine (debug heaps, verify_free, a CPU without
 * one, a block of another node): the block is checked under the class
 * lock, released (kmemleak, init_on_free; red zone, poison and record in
 * a debug heap) and put back.
 *
 * Context: Any.
 */
void obm_pool_free_block(struct obm_heap *heap, struct obm_pool *pool,
			 unsigned int class_idx, void *block,
			 depot_stack_handle_t free_stack)
{
	struct obm_heap_node *hn = obm_heap_node(heap, obm_pool_arena(pool)->nid);
	struct obm_class *class = hn->classes[class_idx];
	struct obm_track *track;
	unsigned long flags;

	spin_lock_irqsave(&class->lock, flags);
	if (obm_pool_free_ok(heap, pool, class_idx, block, &track)) {
		if (track)
			obm_debug_free_block(heap, pool, class_idx, block,
					     free_stack);
		else
			obm_block_release(block, class_idx);
		obm_pool_put_block(heap, hn, class, pool, block);
	}
	spin_unlock_irqrestore(&class->lock, flags);
}

/**
 * obm_pool_give_back_empty() - Give a heap's kept empty pools to the sets.
 * @heap: The heap.
 *
 * Context: Any; takes the heap nodes' and the sets' locks.
 * Return: The number of pools (pages) given back.
 */
unsigned long obm_pool_give_back_empty(struct obm_heap *heap)
{
	unsigned long flags, pages = 0;
	struct obm_pool *pool, *next;
	int nid;

	for_each_node(nid) {
		struct obm_heap_node *hn = obm_heap_node(heap, nid);
		LIST_HEAD(empty);

		spin_lock_irqsave(&hn->lock, flags);
		list_splice_init(&hn->empty_pools, &empty);
		hn->nr_empty = 0;
		spin_unlock_irqrestore(&hn->lock, flags);
		list_for_each_entry_safe(pool, next, &empty, link) {
			list_del_init(&pool->link);
			obm_set_put_pool(hn->set, pool);
			pages++;
		}
	}
	return pages;
}

/**
 * obm_pool_heap_teardown() - Give back a heap's pools; free its classes.
 * @heap: A heap with no live block and no block in a magazine.
 *
 * Context: Process context.
 */
void obm_pool_heap_teardown(struct obm_heap *heap)
{
	unsigned int i;
	int nid;

	obm_pool_give_back_empty(heap);
	for_each_node(nid) {
		struct obm_heap_node *hn = obm_heap_node(heap, nid);

		for (i = 0; i < OBM_NR_CLASSES; i++) {
			struct obm_class *class = hn->classes[i];

			if (!class)
				continue;
			WARN_ON_ONCE(class->nr_pools || class->nr_used_blocks);
			kfree(class);
			hn->classes[i] = NULL;
		}
	}
}
