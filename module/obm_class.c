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
 * Blocks are taken from the first partial pool, else from a new pool the
 * arena layer hands over; when the heap has no free pool, the caller drops
 * every lock and grows the heap by an arena with its own gfp flags. A pool
 * leaves the partial list when it fills up, comes back to its front when
 * a block of it is freed, and goes back to its arena when its last block
 * is freed. The per-CPU caches (obm_pcpu.c) move blocks in and out of
 * pools in batches through obm_class_take_blocks() and
 * obm_class_put_blocks().
 *
 * Locking: class->lock (irqsave) protects the class and its pools; the
 * arena lock nests inside it. See obm_internal.h.
 */

#include "obm_internal.h"

static_assert(OBM_POOLS_PER_ARENA >= 2);
static_assert(OBM_SMALL_MAX <= OBM_POOL_SIZE);
/* obm_class_offset_is_block() is exact for offsets up to 2^32 / 512. */
static_assert(OBM_POOL_SIZE <= (1UL << 23));

/* ceil(2^32 / block size), per class, for obm_class_offset_is_block(). */
u32 obm_class_recip[OBM_NR_CLASSES];

/**
 * obm_class_table_init() - Fill in the tables shared by all heaps.
 */
void obm_class_table_init(void)
{
	unsigned int i;

	for (i = 0; i < OBM_NR_CLASSES; i++)
		obm_class_recip[i] = DIV_ROUND_UP_ULL(1ULL << 32, obm_class_size(i));
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
		class->blocks_per_pool = OBM_POOL_SIZE / class->size;
	}
}

/**
 * obm_class_take_blocks() - Take blocks from one pool of a class.
 * @heap: The heap.
 * @class_idx: The class index.
 * @blocks: Where to store them, in the order handed out.
 * @max: How many are wanted, at least 1.
 *
 * Takes from the first partly used pool, or else a new pool from the
 * fullest arena, and never from a second pool: a caller that wants more
 * calls again.
 *
 * Context: Any; never sleeps or allocates.
 * Return: The number taken; 0 if the heap has no free pool left (see
 * obm_heap_grow()).
 */
unsigned int obm_class_take_blocks(struct obm_heap *heap,
				   unsigned int class_idx, void **blocks,
				   unsigned int max)
{
	struct obm_class *class = &heap->classes[class_idx];
	struct obm_pool *pool;
	unsigned long flags;
	unsigned int n = 0;

	spin_lock_irqsave(&class->lock, flags);
	pool = list_first_entry_or_null(&class->partial, struct obm_pool, link);
	if (!pool) {
		pool = obm_arena_take_pool(heap, class, class_idx);
		if (!pool)
			goto out;
		list_add(&pool->link, &class->partial);
	}
	while (n < max && !obm_pool_is_full(pool))
		blocks[n++] = obm_pool_take_block(heap, pool, class_idx);
	if (obm_pool_is_full(pool)) {
		list_del_init(&pool->link);
		class->nr_full++;
	}
	WRITE_ONCE(class->nr_used_blocks, class->nr_used_blocks + n);
out:
	spin_unlock_irqrestore(&class->lock, flags);
	return n;
}

/**
 * obm_reverse_blocks() - Reverse an array of blocks in place.
 * @blocks: The array.
 * @n: Its length.
 */
void obm_reverse_blocks(void **blocks, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n / 2; i++)
		swap(blocks[i], blocks[n - 1 - i]);
}

/* Return one checked block to its pool; the class lock is held. */
static void obm_class_put_block(struct obm_heap *heap, struct obm_class *class,
				struct obm_pool *pool, void *block)
{
	bool was_full = obm_pool_is_full(pool);

	obm_pool_put_block(heap, pool, block);
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
}

/**
 * obm_class_put_blocks() - Return freed blocks to their pools.
 * @heap: The heap.
 * @class_idx: Their class.
 * @blocks: Blocks of the class that callers freed (kmemleak knows).
 * @n: How many.
 *
 * Each block is checked once more against its pool, under the class
 * lock; one found free already (freed on two CPUs) is reported and skipped.
 *
 * Context: Any.
 */
void obm_class_put_blocks(struct obm_heap *heap, unsigned int class_idx,
			  void * const *blocks, unsigned int n)
{
	struct obm_class *class = &heap->classes[class_idx];
	struct obm_arena *arena = NULL;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&class->lock, flags);
	for (i = 0; i < n; i++) {
		struct obm_pool *pool = obm_block_pool(blocks[i], &arena);

		if (obm_free_is_valid(heap, pool, class_idx, blocks[i]))
			obm_class_put_block(heap, class, pool, blocks[i]);
	}
	spin_unlock_irqrestore(&class->lock, flags);
}

/**
 * obm_heap_grow() - Give a heap one more arena.
 * @heap: The heap.
 * @gfp: Sanitized gfp flags.
 *
 * Context: No obmalloc lock held; sleeps only if @gfp allows.
 * Return: 0, or -ENOMEM.
 */
int obm_heap_grow(struct obm_heap *heap, gfp_t gfp)
{
	struct obm_arena *arena = obm_arena_new(heap, gfp);

	if (!arena)
		return -ENOMEM;
	obm_arena_add(heap, arena);
	return 0;
}

/**
 * obm_class_free() - Free one block straight to its pool.
 * @heap: The heap.
 * @class_idx: The class the lockless lookup found for @block's pool.
 * @pool: The pool @block lies in.
 * @block: A block start, as obm_ptr_resolve() checked without the lock.
 * @free_stack: The caller's stack in a heap with owner tracking, or 0.
 *
 * The path without per-CPU caches (verify_free, debug heaps): the block is
 * checked again under the class lock (obm_free_check(): the whole free
 * list with verify_free or the F flag, red zone and poison in a debug
 * heap); a block that turns out not to be live is reported and left alone.
 *
 * Context: Any.
 */
void obm_class_free(struct obm_heap *heap, unsigned int class_idx,
		    struct obm_pool *pool, void *block,
		    depot_stack_handle_t free_stack)
{
	struct obm_class *class = &heap->classes[class_idx];
	unsigned long flags;

	spin_lock_irqsave(&class->lock, flags);
	if (obm_free_check(heap, pool, class_idx, block, free_stack))
		obm_class_put_block(heap, class, pool, block);
	spin_unlock_irqrestore(&class->lock, flags);
}
