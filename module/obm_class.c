// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc size classes.
 *
 * Class i serves requests of (8 * i, 8 * (i + 1)] bytes with blocks of
 * 8 * (i + 1) bytes, for 64 classes from 8 to 512 bytes: a request never
 * wastes more than 7 bytes to rounding, where kmalloc's power-of-two
 * classes can waste nearly half (260 bytes costs 512 in kmalloc-512).
 *
 * Each class of each heap has a lock and a list of partly used pools.
 * Allocation takes a block from the first partial pool, else asks the
 * arena layer for a pool, else drops the lock and allocates an arena with
 * the caller's gfp flags. A pool leaves the partial list when it fills up,
 * comes back to its front when a block of it is freed, and goes back to
 * its arena when its last block is freed.
 *
 * Locking: class->lock (irqsave) protects the class and its pools; the
 * arena lock nests inside it. See obm_internal.h.
 */

#include <linux/kmemleak.h>

#include "obm_internal.h"

static_assert(OBM_POOLS_PER_ARENA >= 2);
static_assert(OBM_POOL_HEADER_SIZE + OBM_SMALL_MAX <= OBM_POOL_SIZE);

/**
 * obm_size_to_class() - The smallest class that holds a request.
 * @size: 1..OBM_SMALL_MAX bytes.
 *
 * Return: The class index.
 */
unsigned int obm_size_to_class(size_t size)
{
	return (size - 1) / OBM_ALIGNMENT;
}

/**
 * obm_class_size() - Block size of a class.
 * @class_idx: The class index.
 *
 * Return: The block size in bytes.
 */
unsigned int obm_class_size(unsigned int class_idx)
{
	return (class_idx + 1) * OBM_ALIGNMENT;
}

/**
 * obm_classes_init() - Initialise the size classes of a new heap.
 * @heap: The heap.
 */
void obm_classes_init(struct obm_heap *heap)
{
	unsigned int i;

	for (i = 0; i < OBM_NR_CLASSES; i++) {
		struct obm_class *class = &heap->classes[i];

		spin_lock_init(&class->lock);
		INIT_LIST_HEAD(&class->partial);
		class->size = obm_class_size(i);
		class->blocks_per_pool =
			(OBM_POOL_SIZE - OBM_POOL_HEADER_SIZE) / class->size;
	}
}

/**
 * obm_class_alloc() - Allocate one block of a class.
 * @heap: The heap.
 * @class_idx: The class index.
 * @gfp: Sanitized gfp flags, used only if a new arena is needed.
 *
 * Context: Any, as @gfp allows.
 * Return: The block, not yet registered with kmemleak, or NULL.
 */
void *obm_class_alloc(struct obm_heap *heap, unsigned int class_idx,
		      gfp_t gfp)
{
	struct obm_class *class = &heap->classes[class_idx];
	struct obm_arena *arena;
	struct obm_pool *pool;
	unsigned long flags;
	void *block;

	spin_lock_irqsave(&class->lock, flags);
	for (;;) {
		pool = list_first_entry_or_null(&class->partial,
						struct obm_pool, link);
		if (pool)
			break;
		pool = obm_arena_take_pool(heap, class, class_idx);
		if (pool) {
			list_add(&pool->link, &class->partial);
			break;
		}
		/* No free pool: get an arena with no lock held, then retry. */
		spin_unlock_irqrestore(&class->lock, flags);
		arena = obm_arena_new(heap, gfp);
		if (!arena)
			return NULL;
		obm_arena_add(heap, arena);
		spin_lock_irqsave(&class->lock, flags);
	}

	block = obm_pool_take_block(pool, class->size);
	if (obm_pool_is_full(pool)) {
		list_del_init(&pool->link);
		class->nr_full++;
	}
	WRITE_ONCE(class->nr_used_blocks, class->nr_used_blocks + 1);
	spin_unlock_irqrestore(&class->lock, flags);
	return block;
}

/**
 * obm_class_free() - Free one block of a class, if it is a live block.
 * @heap: The heap.
 * @class_idx: The class the lockless lookup found for @block's pool.
 * @pool: The pool @block lies in.
 * @block: A block start, as obm_ptr_resolve() checked without the lock.
 *
 * Re-checks @block under the class lock; a block that turns out not to be
 * live is reported and left alone.
 *
 * Context: Any.
 */
void obm_class_free(struct obm_heap *heap, unsigned int class_idx,
		    struct obm_pool *pool, void *block)
{
	struct obm_class *class = &heap->classes[class_idx];
	unsigned long flags;
	bool was_full;

	spin_lock_irqsave(&class->lock, flags);
	if (!obm_free_is_valid(heap, pool, class_idx, block)) {
		spin_unlock_irqrestore(&class->lock, flags);
		return;
	}

	kmemleak_free(block);
	was_full = obm_pool_is_full(pool);
	obm_pool_put_block(pool, block);
	WRITE_ONCE(class->nr_used_blocks, class->nr_used_blocks - 1);

	if (!pool->ref_count) {
		if (was_full)
			class->nr_full--;
		else
			list_del(&pool->link);
		obm_arena_put_pool(heap, class, pool);
	} else if (was_full) {
		/* pymalloc puts a pool that has room again in front. */
		list_add(&pool->link, &class->partial);
		class->nr_full--;
	}
	spin_unlock_irqrestore(&class->lock, flags);
}
