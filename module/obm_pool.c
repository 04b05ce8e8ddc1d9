// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc pools: the blocks inside one page.
 *
 * A pool is a page of one size class; its header (struct obm_pool) lives
 * in the arena descriptor, so the page holds blocks from offset 0. Blocks
 * are carved lazily, as pymalloc does: a new pool hands out the block at
 * next_offset and advances it, and no block is written before it is first
 * handed out. A freed block is pushed on the pool's free list, linked
 * through its first word, and reused before any never-used block.
 *
 * Free-list hardening. The link in a free block is the one word of pool
 * state that a caller's overflow out of the neighbouring block can reach.
 * On kernels built with CONFIG_SLAB_FREELIST_HARDENED (distribution
 * kernels are) it is stored as SLUB stores its free pointer: XORed with a
 * random per-heap key and with the byte-swapped address of the link
 * itself, so an overflow cannot forge a chosen address. Whatever the
 * config, every link is checked before it is followed: it must point into
 * the same pool, at a block start below next_offset. A link that fails is
 * reported (heap, class, pool offset), counted in the heap's
 * freelist_corruptions, and the rest of that free list is abandoned, never
 * followed; the pool keeps working from its carved and later freed blocks.
 *
 * Locking: every function here is called with the lock of the pool's class
 * held (see obm_internal.h); none of them sleeps or allocates.
 */

#include <linux/swab.h>

#include "obm_internal.h"

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

/**
 * obm_pool_init() - Give a pool to a class.
 * @pool: The pool's header; its page's old contents are ignored.
 * @class: The class it is given to.
 * @class_idx: The index of @class.
 *
 * Caller holds the class lock and the arena lock.
 */
void obm_pool_init(struct obm_pool *pool, const struct obm_class *class,
		   unsigned int class_idx)
{
	pool->freeblock = NULL;
	pool->ref_count = 0;
	pool->next_offset = 0;
	pool->max_next_offset = OBM_POOL_SIZE - class->size;
	WRITE_ONCE(pool->class_idx, class_idx);
	/* A debug heap's records start afresh with the pool's new class. */
	if (pool->arena->tracks)
		memset(pool->arena->tracks[pool - pool->arena->pools], 0,
		       class->blocks_per_pool * sizeof(struct obm_track));
}

/**
 * obm_pool_is_full() - Whether a pool has no block left to hand out.
 * @pool: The pool.
 *
 * Return: true if the free list is empty and no block is left to carve.
 */
bool obm_pool_is_full(const struct obm_pool *pool)
{
	return !pool->freeblock && pool->next_offset > pool->max_next_offset;
}

/**
 * obm_pool_take_block() - Hand out one block of a pool that is not full.
 * @heap: The pool's heap (for the link key and reports).
 * @pool: The pool.
 * @class_idx: The pool's class.
 *
 * Return: The block; the free list is preferred over carving.
 */
void *obm_pool_take_block(struct obm_heap *heap, struct obm_pool *pool,
			  unsigned int class_idx)
{
	void *block = pool->freeblock;

	if (block) {
		void *next = obm_link_load(heap, block);

		if (unlikely(!obm_freelist_link_valid(pool, next, block))) {
			obm_report_freelist_corruption(heap, pool, block);
			next = NULL;
		}
		pool->freeblock = next;
	} else {
		block = pool->base + pool->next_offset;
		pool->next_offset += obm_class_size(class_idx);
	}
	pool->ref_count++;
	return block;
}

/**
 * obm_pool_put_block() - Return a block to its pool's free list.
 * @heap: The pool's heap (for the link key).
 * @pool: The pool.
 * @block: A block of @pool that is in use.
 */
void obm_pool_put_block(struct obm_heap *heap, struct obm_pool *pool,
			void *block)
{
	*(void **)block = obm_link_code(heap, pool->freeblock, block);
	pool->freeblock = block;
	pool->ref_count--;
}

/**
 * obm_pool_block_is_free() - Whether a block is on its pool's free list.
 * @heap: The pool's heap.
 * @pool: The pool.
 * @block: A block start within the pool's carved part.
 *
 * Walks the whole free list (at most a pool's worth of blocks), so the free
 * path only calls it when the verify_free parameter asks for it. A
 * corrupted link ends the walk and the list there, as in
 * obm_pool_take_block().
 *
 * Return: true if @block is on the free list.
 */
bool obm_pool_block_is_free(struct obm_heap *heap, struct obm_pool *pool,
			    const void *block)
{
	void *free, *next;

	for (free = pool->freeblock; free; free = next) {
		if (free == block)
			return true;
		next = obm_link_load(heap, free);
		if (unlikely(!obm_freelist_link_valid(pool, next, free))) {
			obm_report_freelist_corruption(heap, pool, free);
			*(void **)free = obm_link_code(heap, NULL, free);
			return false;
		}
	}
	return false;
}
