// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc pools: the blocks inside one page.
 *
 * A pool is a page of one size class with a struct obm_pool header at its
 * start. Blocks are carved lazily, as pymalloc does: a new pool hands out
 * the block at next_offset and advances it, and no block is written before
 * it is first handed out, so a pool that only ever holds a few blocks
 * touches only the cache lines of those blocks. A freed block is pushed on
 * the pool's free list, linked through its first word, and reused before
 * any never-used block.
 *
 * Locking: every function here is called with the lock of the pool's class
 * held (see obm_internal.h); none of them sleeps or allocates.
 */

#include "obm_internal.h"

/**
 * obm_pool_init() - Give a pool to a class and hand out its first block.
 * @pool: The pool's page, whose old contents are ignored.
 * @arena: The arena the pool is in.
 * @class: The class it is given to.
 * @class_idx: The index of @class.
 *
 * Caller holds the class lock and the arena lock.
 */
void obm_pool_init(struct obm_pool *pool, struct obm_arena *arena,
		   const struct obm_class *class, unsigned int class_idx)
{
	pool->arena = arena;
	pool->freeblock = NULL;
	pool->ref_count = 0;
	pool->next_offset = OBM_POOL_HEADER_SIZE;
	pool->max_next_offset = OBM_POOL_SIZE - class->size;
	WRITE_ONCE(pool->class_idx, class_idx);
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
 * @pool: The pool.
 * @size: The pool's block size.
 *
 * Return: The block; the free list is preferred over carving.
 */
void *obm_pool_take_block(struct obm_pool *pool, unsigned int size)
{
	void *block = pool->freeblock;

	if (block) {
		pool->freeblock = *(void **)block;
	} else {
		block = (char *)pool + pool->next_offset;
		pool->next_offset += size;
	}
	pool->ref_count++;
	return block;
}

/**
 * obm_pool_put_block() - Return a block to its pool's free list.
 * @pool: The pool.
 * @block: A block of @pool that is in use.
 */
void obm_pool_put_block(struct obm_pool *pool, void *block)
{
	*(void **)block = pool->freeblock;
	pool->freeblock = block;
	pool->ref_count--;
}

/**
 * obm_pool_block_is_free() - Whether a block is on its pool's free list.
 * @pool: The pool.
 * @block: A block start within the pool's carved part.
 *
 * Walks the whole free list (at most a pool's worth of blocks), so the free
 * path only calls it when the verify_free parameter asks for it.
 *
 * Return: true if @block is on the free list.
 */
bool obm_pool_block_is_free(const struct obm_pool *pool, const void *block)
{
	const void *free;

	for (free = pool->freeblock; free; free = *(void * const *)free)
		if (free == block)
			return true;
	return false;
}
