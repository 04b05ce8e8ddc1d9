/* SPDX-License-Identifier: GPL-2.0 */
/*
 * obmalloc's fast path: the steps of an allocation and a free that need no
 * lock but this CPU's, as static __always_inline functions, so that the
 * exported entry points (obm_api.c) are one function each on their
 * common path and call out of line (obm_pcpu.c, obm_ptr.c) only when a
 * step fails.
 *
 *   obm_alloc():  size to class -> obm_mag_pop() -> obm_block_init()
 *   obm_free():   obm_free_fast(): the hinted arena -> obm_block_check()
 *                 -> obm_block_release() -> push
 *
 * the lookup a flush repeats for every block, obm_block_pool(), and the
 * full resolve of every other pointer, obm_ptr_resolve().
 *
 * Context: the magazine steps run under obm_cpu.lock; obm_ptr_resolve()
 * in an RCU read-side section (that lock's, or rcu_read_lock()).
 */
#ifndef _OBM_FASTPATH_H
#define _OBM_FASTPATH_H

#include "obm_internal.h"

/*
 * NUMA: on a machine with more than one possible node, a block is pushed
 * on a magazine only on its own node (see obm_pcpu.c); elsewhere the test
 * is a patched-out jump.
 */
DECLARE_STATIC_KEY_FALSE(obm_numa_key);

/* The header of the pool that @p, in @arena, lies in. */
static __always_inline struct obm_pool *obm_arena_pool(struct obm_arena *arena,
						       const void *p)
{
	return &arena->pools[((unsigned long)p - arena->base) >> PAGE_SHIFT];
}

/* The arena a hint slot names, if @p lies in it. */
static __always_inline struct obm_arena *obm_arena_hint_probe(const void *p,
							      unsigned long region)
{
	struct obm_arena *arena;

	arena = this_cpu_read(obm_arena_hints->slot[obm_arena_hint_slot(region)]);
	/* A released arena's size is 0: its stale hint fails here. */
	if (arena && (unsigned long)p - arena->base < READ_ONCE(arena->size))
		return arena;
	return NULL;
}

/*
 * The arena this CPU's hints name for @p, or NULL. A hint sits in the
 * slot of its arena's first byte: @p's own region's, or, where arenas are
 * not aligned in virtual memory (UML), maybe the region's before.
 */
static __always_inline struct obm_arena *obm_arena_hinted(const void *p)
{
	struct obm_arena *arena = obm_arena_hint_probe(p, (unsigned long)p);

	if (likely(arena))
		return arena;
	return obm_arena_hint_probe(p, (unsigned long)p - OBM_ARENA_SIZE);
}

/**
 * obm_arena_lookup() - Find the arena that contains an address.
 * @p: Any pointer.
 *
 * Context: In an RCU read-side section; the arena stays readable until it
 * ends, even if the arena is being released.
 * Return: The arena, or NULL if @p is in none.
 */
static __always_inline struct obm_arena *obm_arena_lookup(const void *p)
{
	struct obm_arena *arena = obm_arena_hinted(p);

	return likely(arena) ? arena : obm_arena_lookup_slow(p);
}

/**
 * obm_block_pool() - The pool of a block its caller may not free meanwhile.
 * @block: A live block, or a free block held in a magazine.
 * @arena: In: the arena of the previous block of a batch, or NULL; out:
 *         @block's arena. Blocks flushed together mostly share an arena.
 *
 * Such a block keeps its pool in use, and so its arena registered.
 *
 * Return: The pool header.
 */
static __always_inline struct obm_pool *
obm_block_pool(const void *block, struct obm_arena **arena)
{
	struct obm_arena *a = *arena;

	if (!a || (unsigned long)block - a->base >= a->size) {
		rcu_read_lock();
		a = obm_arena_lookup(block);
		rcu_read_unlock();
		*arena = a;
	}
	return obm_arena_pool(a, block);
}

/**
 * obm_block_init() - What every block handed out gets.
 * @block: The block.
 * @class_idx: Its class.
 * @gfp: The caller's flags.
 *
 * kmemleak learns of it; __GFP_ZERO or init_on_alloc=1 (the default on
 * distribution kernels) clears it; init_on_free cleared it when it was
 * freed, but for the free-list link written over its first word since:
 * that is wiped too, as SLUB's maybe_wipe_obj_freeptr() does.
 */
static __always_inline void obm_block_init(void *block, unsigned int class_idx,
					   gfp_t gfp)
{
	kmemleak_alloc(block, obm_class_size(class_idx), 1, gfp);
	if (want_init_on_alloc(gfp))
		memset(block, 0, obm_class_size(class_idx));
	else if (want_init_on_free())
		*(void **)block = NULL;
}

/**
 * obm_block_release() - What every block freed gets, once found live.
 * @block: The block.
 * @class_idx: Its class.
 *
 * kmemleak forgets it; with init_on_free=1 it is cleared, as kfree()
 * clears, before it reaches a magazine or a free list.
 */
static __always_inline void obm_block_release(void *block,
					      unsigned int class_idx)
{
	kmemleak_free(block);
	if (want_init_on_free())
		memset(block, 0, obm_class_size(class_idx));
}

/**
 * obm_block_check() - Whether a pointer in a pool is a live block start.
 * @pool: The header of the pool @p lies in (obm_arena_pool()).
 * @p: The pointer.
 * @heap: Out: the pool's heap.
 * @class_idx: Out: the pool's class.
 *
 * Ownership is decided from the address alone: the pool header says which
 * heap and class the pool serves and how far it is carved. Nothing is read
 * from a page that is not ours. A block found here may still turn out to
 * be free once the class lock is held (obm_pool.c checks it again there).
 *
 * Context: In an RCU read-side section.
 * Return: Whether @p is a block start in a carved part of a pool some heap
 * holds; if not, @heap and @class_idx are undefined.
 */
static __always_inline bool obm_block_check(struct obm_pool *pool,
					    const void *p,
					    struct obm_heap **heap,
					    unsigned int *class_idx)
{
	unsigned int offset = (unsigned long)p & ~PAGE_MASK;

	/* Pairs with the release in obm_pool_assign(): heap is set first. */
	*class_idx = smp_load_acquire(&pool->class_idx);
	*heap = READ_ONCE(pool->heap);
	/* An unused pool's class, OBM_POOL_UNUSED, fails the first test. */
	if (unlikely(*class_idx >= OBM_NR_CLASSES || !*heap ||
		     !obm_class_offset_is_block(*class_idx, offset) ||
		     offset >= READ_ONCE(pool->next_offset)))
		return false;
	return true;
}

/**
 * obm_ptr_resolve() - Find out, without locks, what a pointer is.
 * @p: Neither NULL nor ZERO_SIZE_PTR.
 * @op: The API call, for the report; for %OBM_OP_FREE in a heap with
 *      owner tracking, the caller's stack is saved in @info->free_stack.
 * @info: Filled in for %OBM_PTR_BLOCK.
 *
 * The registry says whether @p lies in one of our arenas,
 * obm_block_check() whether it is a live block start.
 *
 * Context: In an RCU read-side section for as long as @info is used.
 * Return: What @p is; %OBM_PTR_INVALID once reported and counted.
 */
static __always_inline enum obm_ptr_kind
obm_ptr_resolve(const void *p, enum obm_op op, struct obm_ptr_info *info)
{
	struct obm_arena *arena = obm_arena_lookup(p);
	unsigned int class_idx;
	struct obm_pool *pool;
	struct obm_heap *heap;

	if (unlikely(!arena))
		return obm_ptr_resolve_other(p, op);
	pool = obm_arena_pool(arena, p);
	if (unlikely(!obm_block_check(pool, p, &heap, &class_idx)))
		return obm_ptr_report_bad(arena, pool, p, op);

	info->arena = arena;
	info->pool = pool;
	info->heap = heap;
	info->class_idx = class_idx;
	info->free_stack = 0;
	/* Debug heaps exist only while obm_checks_key is on. */
	if (op == OBM_OP_FREE && static_branch_unlikely(&obm_checks_key) &&
	    (heap->debug_flags & OBM_DEBUG_TRACK))
		info->free_stack = obm_stack_save();
	return OBM_PTR_BLOCK;
}

/* This CPU's magazine of a class of a heap; obm_mag_none if it has none. */
static __always_inline struct obm_mag *obm_mag_this_cpu(struct obm_heap *heap,
							unsigned int class_idx)
{
	obm_assert_cpu_locked();
	return this_cpu_read(*heap->caches)->mags[class_idx];
}

/**
 * obm_mag_pop() - Take a block from this CPU's magazine of a class.
 * @heap: The heap.
 * @class_idx: The class.
 *
 * Context: obm_cpu.lock held.
 * Return: The block, or NULL if the magazine is empty or this CPU has
 * none of the class yet: obm_pcpu_alloc() then refills or makes it.
 */
static __always_inline void *obm_mag_pop(struct obm_heap *heap,
					 unsigned int class_idx)
{
	struct obm_mag *mag = obm_mag_this_cpu(heap, class_idx);
	unsigned int count = mag->count;

	if (unlikely(!count))
		return NULL;
	mag->allocs++;
	mag->count = --count;
	return mag->slots[count];
}

/**
 * obm_free_fast() - A free the magazine takes, found and pushed.
 * @p: Neither NULL nor ZERO_SIZE_PTR.
 *
 * The common free, and nothing else: @p in this CPU's hinted arena, a
 * live block start (obm_block_check()) of a heap with magazines, of this
 * CPU's node, whose magazine has room and does not hold @p on top (a
 * double free). Anything else - and no debug heap's free - leaves @p
 * untouched for obm_free()'s slow path, which resolves @p again and
 * reports what is wrong with it.
 *
 * Context: obm_cpu.lock held; its irq-off section is the lookup's RCU
 * read-side section (on PREEMPT_RT, the lock takes rcu_read_lock()).
 * Return: true if @p is in the magazine, false if nothing was done.
 */
static __always_inline bool obm_free_fast(const void *p)
{
	struct obm_arena *arena;
	unsigned int class_idx, count;
	struct obm_heap *heap;
	struct obm_mag *mag;

	obm_assert_cpu_locked();
	/* Debug heaps and verify_free exist only while obm_checks_key is on. */
	if (static_branch_unlikely(&obm_checks_key))
		return false;
	/* A missed hint is the slow path's: its lookup fills the slot. */
	arena = obm_arena_hinted(p);
	if (unlikely(!arena))
		return false;
	if (unlikely(!obm_block_check(obm_arena_pool(arena, p), p, &heap,
				      &class_idx)))
		return false;
	if (static_branch_unlikely(&obm_numa_key) &&
	    arena->nid != numa_mem_id())
		return false;
	mag = obm_mag_this_cpu(heap, class_idx);
	count = mag->count;
	if (unlikely(count == mag->cap ||
		     (count && mag->slots[count - 1] == p)))
		return false;
	obm_block_release((void *)p, class_idx);
	mag->frees++;
	mag->slots[count] = (void *)p;
	mag->count = count + 1;
	return true;
}

#endif /* _OBM_FASTPATH_H */
