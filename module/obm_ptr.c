// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc pointer checks: which block a pointer is, whether it may be
 * freed, and the reports when it may not. Every check a pointer from a
 * caller goes through lives here, with the report it produces beside it,
 * so obm_free() asks this file once ("what is this?") on the way in and
 * once more ("is it still live?") under the class lock when the block
 * reaches its pool. Compiled as part of obm_fastpath.c (see there), not
 * on its own: obm_ptr_resolve() is inlined into obm_free().
 *
 * Ownership. Every pointer given to obm_free(), obm_realloc() or
 * obm_usable_size() is resolved from its address alone: the arena registry
 * says whether it lies in one of our arenas; the pool header, in the arena
 * descriptor, says which class the pool serves and how far it is carved.
 * Nothing is read from a page that is not ours. A pointer in no arena is
 * a kmalloc() object (our large blocks, and the requests whose flags only
 * kmalloc() honours) if its page is a slab page or it starts a compound
 * page, as kfree() itself decides; anything else is foreign.
 *
 * Reports. A bad pointer produces one WARN, rate-limited as SLUB's
 * slab_err() is, whose first line has the stable form
 *
 *	obmalloc: heap <name>: <kind>: <details>
 *
 * with <kind> one of "double free", "interior pointer", "pointer to no
 * block", "foreign pointer", "corrupted free list", "destroy with live
 * blocks", "red zone overwritten" or "write after free"; tests and log
 * scanners match on it. The details name the call, the pointer (hashed,
 * %p), the class and the offset in the pool page, and for a damaged block
 * the offset of its first bad byte. In a heap with owner tracking the
 * block's allocation and free stacks follow. The pointer is counted in
 * the heap's statistics (foreign pointers, which have no heap, in the
 * foreign_frees file) and the allocator's state is left as it was.
 *
 * Double frees. The free path always checks whether the block is the top
 * of this CPU's magazine (obm_pcpu.c) or, when it reaches its pool, the
 * head of the pool's free list, which catches an immediate double free.
 * The verify_free module parameter (obm_debug.c) turns the per-CPU caches
 * off and walks the pool's whole free list on every free.
 *
 * Debug heaps (the debug= parameter, slub_debug's letters; obm_debug.c)
 * bypass the per-CPU caches, so every allocation and free of theirs
 * passes here, and keep a record per block (struct obm_track) in arrays
 * beside their arenas: the block's state, the bytes requested and, with
 * U, the stack depot handles of its last allocation and free. With it:
 *   - every double free is caught (the record says free), not only the
 *     immediate one; F also walks the pool's free list as verify_free;
 *   - Z: a request of n bytes gets a block of at least n + 8 and the
 *     bytes past n are a red zone (0xcc) checked on free; requests over
 *     OBM_SMALL_MAX - 8 are kmalloc()'s;
 *   - P: a freed block is filled with POISON_FREE (0x6b, instead of
 *     init_on_free's zeros, as SLUB does) and checked, but for the link
 *     in its first word, when it is handed out again; a new block not
 *     zeroed is filled with POISON_INUSE (0x5a);
 *   - the bytes requested are summed for the stats file, and usable size
 *     is the request with Z, so a caller never writes the red zone.
 * A damaged block is reported, then handed out or freed all the same, its
 * red zone and poison rewritten: the heap carries on.
 *
 * Stacks are saved with stack_trace_save() and the exported stack depot,
 * with GFP_NOWAIT as SLUB does, before any obmalloc lock is taken: on a
 * free in obm_ptr_resolve(), on an allocation after the block is taken.
 * On PREEMPT_RT the depot may only allocate where sleeping locks may be
 * taken; else a stack that finds the depot full is not saved (handle 0).
 *
 * Locking: obm_ptr_resolve() runs under rcu_read_lock() with no obmalloc
 * lock; obm_free_is_valid(), obm_free_check() and the free-list checks
 * under the class lock; obm_debug_alloc_block() with no lock, on a block
 * only its caller can reach; obm_debug_walk_live() under the heap's
 * arena lock, reading records that may change meanwhile. Reports may be
 * printed with any lock held.
 */

#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poison.h>
#include <linux/ratelimit.h>
#include <linux/stacktrace.h>
#include <obmalloc_internal.h>

#include "obm_internal.h"

/* The red zone's bytes, as SLUB's SLUB_RED_ACTIVE. */
#define OBM_REDZONE_BYTE	0xcc
/* Frames saved per allocation or free stack. */
#define OBM_STACK_DEPTH		16

static const char * const obm_op_names[] = {
	[OBM_OP_FREE]		= "obm_free",
	[OBM_OP_REALLOC]	= "obm_realloc",
	[OBM_OP_USABLE_SIZE]	= "obm_usable_size",
};

/*
 * The caller's stack in the stack depot, or 0. The depot may take a page
 * for its pools (GFP_NOWAIT, as SLUB's set_track_prepare()), except on
 * PREEMPT_RT where the caller cannot sleep on a lock.
 */
static noinline depot_stack_handle_t obm_stack_save(void)
{
	unsigned long entries[OBM_STACK_DEPTH];
	unsigned int nr;
	bool can_alloc;

	if (!IS_ENABLED(CONFIG_STACKDEPOT) || !IS_ENABLED(CONFIG_STACKTRACE))
		return 0;
	nr = stack_trace_save(entries, ARRAY_SIZE(entries), 1);
	can_alloc = !IS_ENABLED(CONFIG_PREEMPT_RT) || preemptible();
	return obm_stack_depot_save(entries, nr, GFP_NOWAIT, can_alloc);
}

/* Pointers passed to obmalloc that lie in no heap and are not kmalloc's. */
atomic_long_t obm_foreign_frees = ATOMIC_LONG_INIT(0);

static DEFINE_RATELIMIT_STATE(obm_report_ratelimit, 5 * HZ, 20);

/**
 * obm_report() - Report a misuse of the allocator, with a stack trace.
 * @heap: The heap concerned, or NULL.
 * @kind: One of the kinds listed at the top of this file.
 * @fmt: Details: the operation, pointer, class.
 *
 * Return: false if the report was rate-limited away.
 */
bool obm_report(struct obm_heap *heap, const char *kind, const char *fmt,
		...)
{
	struct va_format vaf;
	va_list args;

	if (!__ratelimit(&obm_report_ratelimit))
		return false;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	WARN(1, "obmalloc: heap %s: %s: %pV\n",
	     heap ? heap->name : "(none)", kind, &vaf);
	va_end(args);
	return true;
}

/* The last report about a block, for the KUnit suites (obm_last_report()). */
static DEFINE_RAW_SPINLOCK(obm_last_report_lock);
static struct obm_report_record obm_last_report_record;

/**
 * obm_last_report() - The last report about a block of a heap.
 * @rec: Filled in; rec->seq counts the reports made so far.
 */
void obm_last_report(struct obm_report_record *rec)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&obm_last_report_lock, flags);
	*rec = obm_last_report_record;
	raw_spin_unlock_irqrestore(&obm_last_report_lock, flags);
}
EXPORT_SYMBOL_NS_GPL(obm_last_report, OBMALLOC_INTERNAL);

static void obm_record_report(const struct obm_heap *heap, const char *kind,
			      const void *block, unsigned int class_idx,
			      long bad_offset, const struct obm_track *track)
{
	struct obm_report_record *rec = &obm_last_report_record;
	unsigned long flags;

	raw_spin_lock_irqsave(&obm_last_report_lock, flags);
	strscpy(rec->heap, heap->name, sizeof(rec->heap));
	strscpy(rec->kind, kind, sizeof(rec->kind));
	rec->block = block;
	rec->class_idx = class_idx;
	rec->pool_offset = (unsigned long)block & ~PAGE_MASK;
	rec->bad_offset = bad_offset;
	rec->requested = track ? track->requested : 0;
	rec->alloc_stack = track ? track->alloc_stack : 0;
	rec->free_stack = track ? track->free_stack : 0;
	rec->seq++;
	raw_spin_unlock_irqrestore(&obm_last_report_lock, flags);
}

static void obm_print_stack(const struct obm_heap *heap, const char *what,
			    depot_stack_handle_t stack)
{
	if (!stack)
		return;
	pr_err("obmalloc: heap %s: %s by:\n", heap->name, what);
	stack_depot_print(stack);
}

/* A block's record, as reports print it after their WARN. */
static void obm_print_track(const struct obm_heap *heap,
			    const struct obm_track *track)
{
	pr_err("obmalloc: heap %s: the block's last request was %u bytes\n",
	       heap->name, track->requested);
	obm_print_stack(heap, "allocated", track->alloc_stack);
	obm_print_stack(heap, "last freed", track->free_stack);
}

/*
 * Report something wrong with one block: @why, and where (class, pool
 * offset, and the first bad byte's offset in the block if @bad_offset is
 * not negative); then, in a debug heap, the block's record.
 */
static void obm_report_block(struct obm_heap *heap, const char *kind,
			     const char *op, const void *block,
			     unsigned int class_idx,
			     const struct obm_track *track, long bad_offset,
			     const char *why)
{
	char where[64] = "";

	obm_record_report(heap, kind, block, class_idx, bad_offset, track);
	if (bad_offset >= 0)
		snprintf(where, sizeof(where),
			 ", first bad byte at offset %ld of the block",
			 bad_offset);
	if (!obm_report(heap, kind,
			"%s(%p): %s (class %u, %u-byte blocks, pool offset %lu%s)",
			op, block, why, class_idx, obm_class_size(class_idx),
			(unsigned long)block & ~PAGE_MASK, where))
		return;
	if (track)
		obm_print_track(heap, track);
}

static bool obm_is_kmalloc_object(const void *p)
{
	struct folio *folio;

	if (!virt_addr_valid(p))
		return false;
	folio = virt_to_folio(p);
	if (folio_test_slab(folio))
		return true;
	/* kmalloc_large(): a compound page handed out from its start. */
	return folio_test_large(folio) && p == folio_address(folio);
}

/* A debug heap's record of @block. */
static struct obm_track *obm_block_track(const struct obm_pool *pool,
					 unsigned int class_idx,
					 const void *block)
{
	const struct obm_arena *arena = pool->arena;
	unsigned int index = (block - pool->base) / obm_class_size(class_idx);

	return &arena->tracks[pool - arena->pools][index];
}

static bool obm_report_invalid(struct obm_heap *heap, const char *kind,
			       enum obm_op op, const void *p,
			       unsigned int class_idx, const char *why)
{
	unsigned long offset = (unsigned long)p & ~PAGE_MASK;

	atomic_long_inc(&heap->invalid_frees);
	if (class_idx < OBM_NR_CLASSES)
		return obm_report(heap, kind,
				  "%s(%p): %s (class %u, %u-byte blocks, pool offset %lu)",
				  obm_op_names[op], p, why, class_idx,
				  obm_class_size(class_idx), offset);
	return obm_report(heap, kind, "%s(%p): %s (pool offset %lu)",
			  obm_op_names[op], p, why, offset);
}

/* A pointer in no arena: one of kmalloc()'s, or foreign (reported). */
static noinline enum obm_ptr_kind obm_ptr_resolve_other(const void *p,
							enum obm_op op)
{
	if (obm_is_kmalloc_object(p))
		return OBM_PTR_KMALLOC;
	atomic_long_inc(&obm_foreign_frees);
	obm_report(NULL, "foreign pointer",
		   "%s(%p): not from obmalloc or kmalloc", obm_op_names[op], p);
	return OBM_PTR_INVALID;
}

/*
 * A pointer inside a block: in a debug heap, also whose block it is (the
 * record's offset is the pointer's within the block), and its stacks.
 */
static void obm_report_interior(struct obm_arena *arena, struct obm_pool *pool,
				unsigned int class_idx, const void *p,
				enum obm_op op)
{
	unsigned int size = obm_class_size(class_idx);
	unsigned int start = (p - pool->base) / size * size;
	const void *block = pool->base + start;
	struct obm_track *track;

	if (!obm_report_invalid(arena->heap, "interior pointer", op, p,
				class_idx, "not at the start of a block") ||
	    !arena->tracks || start >= READ_ONCE(pool->next_offset))
		return;
	track = obm_block_track(pool, class_idx, block);
	obm_record_report(arena->heap, "interior pointer", block, class_idx,
			  p - block, track);
	pr_err("obmalloc: heap %s: the pointer is %ld bytes into block %p\n",
	       arena->heap->name, (long)(p - block), block);
	obm_print_track(arena->heap, track);
}

/* Report a pointer into an arena that failed obm_ptr_resolve()'s checks. */
static noinline enum obm_ptr_kind obm_ptr_report_bad(struct obm_arena *arena,
						     struct obm_pool *pool,
						     const void *p,
						     enum obm_op op)
{
	unsigned int class_idx = READ_ONCE(pool->class_idx);
	unsigned int offset = p - pool->base;

	/* Pairs with the release in obm_arena_take_pool(). */
	if (pool - arena->pools >= smp_load_acquire(&arena->nr_carved)) {
		obm_report_invalid(arena->heap, "pointer to no block", op, p,
				   OBM_POOL_UNUSED, "pool never used");
	} else if (class_idx >= OBM_NR_CLASSES) {
		obm_report_invalid(arena->heap, "pointer to no block", op, p,
				   OBM_POOL_UNUSED,
				   "pool holds no block (freed already?)");
	} else if (!obm_class_offset_is_block(class_idx, offset)) {
		obm_report_interior(arena, pool, class_idx, p, op);
	} else {
		obm_report_invalid(arena->heap, "pointer to no block", op, p,
				   class_idx, "block never allocated");
	}
	return OBM_PTR_INVALID;
}

/**
 * obm_ptr_resolve() - Find out, without locks, what a pointer is.
 * @p: Neither NULL nor ZERO_SIZE_PTR.
 * @op: The API call, for the report; for %OBM_OP_FREE in a heap with
 *      owner tracking, the caller's stack is saved in @info->free_stack.
 * @info: Filled in for %OBM_PTR_BLOCK.
 *
 * A block found here may still turn out to be free once the class lock is
 * held; see obm_free_is_valid().
 *
 * Context: Any; caller holds rcu_read_lock() for as long as it uses @info.
 * Return: What @p is; %OBM_PTR_INVALID once reported and counted.
 */
static __always_inline enum obm_ptr_kind
obm_ptr_resolve(const void *p, enum obm_op op, struct obm_ptr_info *info)
{
	struct obm_arena *arena = obm_arena_lookup(p);
	unsigned int class_idx, offset;
	struct obm_pool *pool;

	if (unlikely(!arena))
		return obm_ptr_resolve_other(p, op);
	pool = obm_arena_pool(arena, p);
	class_idx = READ_ONCE(pool->class_idx);
	offset = p - pool->base;
	if (unlikely(class_idx >= OBM_NR_CLASSES ||
		     !obm_class_offset_is_block(class_idx, offset) ||
		     offset >= READ_ONCE(pool->next_offset)))
		return obm_ptr_report_bad(arena, pool, p, op);

	info->arena = arena;
	info->pool = pool;
	info->class_idx = class_idx;
	info->free_stack = 0;
	/* Debug heaps exist only while obm_checks_key is on. */
	if (op == OBM_OP_FREE && static_branch_unlikely(&obm_checks_key) &&
	    (arena->heap->debug_flags & OBM_DEBUG_TRACK))
		info->free_stack = obm_stack_save();
	return OBM_PTR_BLOCK;
}

/**
 * obm_block_pool() - The pool of a block that a caller may not free meanwhile.
 * @block: A live block, or a free block held in a magazine.
 * @arena: In: the arena of the previous block of a batch, or NULL; out:
 *         @block's arena. Blocks flushed together mostly share an arena,
 *         which then costs a compare instead of a lookup.
 *
 * Such a block keeps its pool in use, and so its arena registered.
 *
 * Return: The pool header.
 */
struct obm_pool *obm_block_pool(const void *block, struct obm_arena **arena)
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
 * obm_report_double_free() - Report and count a block freed twice.
 * @heap: The heap.
 * @class_idx: The block's class.
 * @block: The block.
 */
void obm_report_double_free(struct obm_heap *heap, unsigned int class_idx,
			    const void *block)
{
	atomic_long_inc(&heap->double_frees);
	obm_report_block(heap, "double free", "obm_free", block, class_idx,
			 NULL, -1, "block already free");
}

/**
 * obm_free_is_valid() - Whether a resolved block may be freed now.
 * @heap: The block's heap.
 * @pool: The block's pool.
 * @class_idx: The class obm_ptr_resolve() saw.
 * @block: The block.
 *
 * Context: Caller holds the class lock of @class_idx.
 * Return: true if @block is live; otherwise it has been reported.
 */
bool obm_free_is_valid(struct obm_heap *heap, struct obm_pool *pool,
		       unsigned int class_idx, const void *block)
{
	unsigned int offset = block - pool->base;
	struct obm_track *track = NULL;

	/* The pool was emptied or reused since the lockless look. */
	if (pool->class_idx != class_idx || offset >= pool->next_offset) {
		obm_report_invalid(heap, "pointer to no block", OBM_OP_FREE,
				   block, class_idx,
				   "pool emptied or reused meanwhile (freed already?)");
		return false;
	}
	if (pool->arena->tracks)
		track = obm_block_track(pool, class_idx, block);
	if (block == pool->freeblock ||
	    (track && track->state != OBM_BLOCK_LIVE) ||
	    (obm_heap_verifies_free(heap) &&
	     obm_pool_block_is_free(heap, pool, block))) {
		atomic_long_inc(&heap->double_frees);
		obm_report_block(heap, "double free", "obm_free", block,
				 class_idx, track, -1, "block already free");
		return false;
	}
	return true;
}

/*
 * A debug heap's free of a live block: check the red zone, poison the
 * block, record the free. The caller then puts it back in its pool.
 */
static void obm_debug_free_block(struct obm_heap *heap, struct obm_pool *pool,
				 unsigned int class_idx, void *block,
				 depot_stack_handle_t free_stack)
{
	struct obm_track *track = obm_block_track(pool, class_idx, block);
	unsigned int size = obm_class_size(class_idx);
	u8 *bad;

	if (heap->debug_flags & OBM_DEBUG_REDZONE) {
		bad = memchr_inv(block + track->requested, OBM_REDZONE_BYTE,
				 size - track->requested);
		if (bad) {
			atomic_long_inc(&heap->redzone_overwrites);
			obm_report_block(heap, "red zone overwritten",
					 "obm_free", block, class_idx, track,
					 bad - (u8 *)block,
					 "bytes past the request written");
		}
	}
	kmemleak_free(block);
	if (heap->debug_flags & OBM_DEBUG_POISON)
		memset(block, POISON_FREE, size);
	else if (want_init_on_free())
		memset(block, 0, size);
	atomic_long_sub(track->requested, &heap->requested_bytes);
	WRITE_ONCE(track->free_stack, free_stack);
	WRITE_ONCE(track->state, OBM_BLOCK_FREE);
}

/**
 * obm_free_check() - Check a block being freed, and release it.
 * @heap: The block's heap.
 * @pool: Its pool.
 * @class_idx: The class obm_ptr_resolve() saw.
 * @block: The block.
 * @free_stack: The caller's stack (owner tracking), or 0.
 *
 * obm_free_is_valid(), then what a free does before the block joins its
 * pool's free list: kmemleak and init_on_free, and in a debug heap the red
 * zone check, the poison and the record.
 *
 * Context: Caller holds the class lock of @class_idx.
 * Return: true if the caller may put @block back in its pool.
 */
bool obm_free_check(struct obm_heap *heap, struct obm_pool *pool,
		    unsigned int class_idx, void *block,
		    depot_stack_handle_t free_stack)
{
	if (!obm_free_is_valid(heap, pool, class_idx, block))
		return false;
	if (unlikely(heap->debug_flags))
		obm_debug_free_block(heap, pool, class_idx, block, free_stack);
	else
		obm_block_release(block, class_idx);
	return true;
}

/**
 * obm_debug_alloc_block() - Prepare a block a debug heap hands out.
 * @heap: A heap with debug flags.
 * @block: The block, just taken from its pool; kmemleak knows it.
 * @class_idx: Its class.
 * @size: Bytes requested (1..OBM_SMALL_MAX, less the red zone with Z).
 * @gfp: The caller's flags.
 *
 * Checks the poison of a block freed before (reporting a write after
 * free with the offset of the first bad byte, and the block's stacks),
 * then zeroes the block (__GFP_ZERO, init_on_alloc) or fills it with
 * POISON_INUSE (P), writes the red zone (Z) and records the allocation.
 *
 * Context: Any; no obmalloc lock held; the block is the caller's alone.
 */
void obm_debug_alloc_block(struct obm_heap *heap, void *block,
			   unsigned int class_idx, size_t size, gfp_t gfp)
{
	unsigned int block_size = obm_class_size(class_idx);
	struct obm_arena *arena = NULL;
	struct obm_track *track;
	size_t usable;
	u8 *bad;

	track = obm_block_track(obm_block_pool(block, &arena), class_idx, block);
	if ((heap->debug_flags & OBM_DEBUG_POISON) &&
	    track->state == OBM_BLOCK_FREE) {
		/* The first word held the free-list link, checked already. */
		bad = memchr_inv(block + sizeof(void *), POISON_FREE,
				 block_size - sizeof(void *));
		if (bad) {
			atomic_long_inc(&heap->writes_after_free);
			obm_report_block(heap, "write after free",
					 "obm_alloc", block, class_idx, track,
					 bad - (u8 *)block,
					 "free block written before its reuse");
		}
	}
	/* The caller's bytes: the request with a red zone after it. */
	usable = heap->debug_flags & OBM_DEBUG_REDZONE ? size : block_size;
	if (want_init_on_alloc(gfp))
		memset(block, 0, usable);
	else if (heap->debug_flags & OBM_DEBUG_POISON)
		memset(block, POISON_INUSE, usable);
	else if (want_init_on_free())
		*(void **)block = NULL;		/* as obm_heap_alloc() */
	memset(block + usable, OBM_REDZONE_BYTE, block_size - usable);

	track->requested = size;
	track->alloc_stack = heap->debug_flags & OBM_DEBUG_TRACK ?
			     obm_stack_save() : 0;
	WRITE_ONCE(track->state, OBM_BLOCK_LIVE);
	atomic_long_add(size, &heap->requested_bytes);
}

/**
 * obm_debug_usable_size() - Usable bytes of a debug heap's block.
 * @info: The block, resolved.
 * @block: The block.
 *
 * Return: The request with red zones, which the caller may not write;
 * else the block size.
 */
size_t obm_debug_usable_size(const struct obm_ptr_info *info,
			     const void *block)
{
	if (!(info->arena->heap->debug_flags & OBM_DEBUG_REDZONE))
		return obm_class_size(info->class_idx);
	return READ_ONCE(obm_block_track(info->pool, info->class_idx,
					 block)->requested);
}

/**
 * obm_track_array_size() - Bytes of one pool's block records.
 * @heap: A debug heap.
 *
 * Return: Room for the most blocks a pool of its smallest class holds.
 */
size_t obm_track_array_size(const struct obm_heap *heap)
{
	unsigned int smallest = OBM_ALIGNMENT;

	if (heap->debug_flags & OBM_DEBUG_REDZONE)
		smallest += OBM_REDZONE_MIN;
	return OBM_POOL_SIZE / smallest * sizeof(struct obm_track);
}

/**
 * obm_debug_walk_live() - Call @fn for every live block of a debug heap.
 * @heap: The heap.
 * @fn: Called under the arena lock with irqs off; must not sleep.
 * @arg: Passed to @fn.
 *
 * Context: Any; takes the heap's arena lock, which keeps every pool's class
 * fixed. Blocks allocated or freed meanwhile may or may not be seen.
 * Return: The number of live blocks seen.
 */
unsigned long obm_debug_walk_live(struct obm_heap *heap,
				  void (*fn)(const struct obm_live_block *,
					     void *),
				  void *arg)
{
	struct obm_live_block live;
	struct obm_arena *arena;
	unsigned long flags, n = 0;
	unsigned int i, b;

	if (!heap->debug_flags)
		return 0;
	spin_lock_irqsave(&heap->arena_lock, flags);
	list_for_each_entry(arena, &heap->arenas, heap_link) {
		for (i = 0; i < arena->nr_carved; i++) {
			struct obm_pool *pool = &arena->pools[i];
			unsigned int class_idx = pool->class_idx;
			unsigned int carved;

			if (class_idx >= OBM_NR_CLASSES)
				continue;
			carved = READ_ONCE(pool->next_offset) /
				 obm_class_size(class_idx);
			for (b = 0; b < carved; b++) {
				struct obm_track *t = &arena->tracks[i][b];

				if (READ_ONCE(t->state) != OBM_BLOCK_LIVE)
					continue;
				live.block = pool->base +
					     b * obm_class_size(class_idx);
				live.class_idx = class_idx;
				live.track.alloc_stack = READ_ONCE(t->alloc_stack);
				live.track.free_stack = READ_ONCE(t->free_stack);
				live.track.requested = READ_ONCE(t->requested);
				live.track.state = OBM_BLOCK_LIVE;
				fn(&live, arg);
				n++;
			}
		}
	}
	spin_unlock_irqrestore(&heap->arena_lock, flags);
	return n;
}

/* Leaked blocks printed per report: enough to find the callers. */
#define OBM_LEAKS_PRINTED	8

struct obm_leak_report {
	struct obm_heap	*heap;
	unsigned long	printed;
};

static void obm_report_one_leak(const struct obm_live_block *live, void *arg)
{
	struct obm_leak_report *report = arg;
	struct obm_heap *heap = report->heap;

	if (!report->printed)
		obm_record_report(heap, "destroy with live blocks", live->block,
				  live->class_idx, -1, &live->track);
	if (report->printed++ >= OBM_LEAKS_PRINTED)
		return;
	pr_err("obmalloc: heap %s: leaked block %p (class %u, %u-byte blocks, pool offset %lu)\n",
	       heap->name, live->block, live->class_idx,
	       obm_class_size(live->class_idx),
	       (unsigned long)live->block & ~PAGE_MASK);
	obm_print_track(heap, &live->track);
}

/**
 * obm_debug_report_leaks() - Print a debug heap's live blocks and stacks.
 * @heap: A heap being destroyed with live blocks, reported already.
 */
void obm_debug_report_leaks(struct obm_heap *heap)
{
	struct obm_leak_report report = { .heap = heap };
	unsigned long n = obm_debug_walk_live(heap, obm_report_one_leak,
						  &report);

	if (n > OBM_LEAKS_PRINTED)
		pr_err("obmalloc: heap %s: %lu more leaked blocks not shown\n",
		       heap->name, n - OBM_LEAKS_PRINTED);
}

/**
 * obm_freelist_link_valid() - Whether a decoded free-list link may be followed.
 * @pool: The pool whose free list it is.
 * @link: The decoded link: NULL, or the next free block.
 * @block: The free block that held the link.
 *
 * Context: Caller holds the class lock.
 * Return: true for NULL or a block start of @pool's carved part other than
 * @block itself.
 */
bool obm_freelist_link_valid(const struct obm_pool *pool, const void *link,
			     const void *block)
{
	unsigned long offset = (unsigned long)link - (unsigned long)pool->base;

	if (!link)
		return true;
	return link != block && offset < pool->next_offset &&
	       obm_class_offset_is_block(pool->class_idx, offset);
}

/**
 * obm_report_freelist_corruption() - Report a free block whose link is bad.
 * @heap: The heap.
 * @pool: The pool.
 * @block: The free block whose first word was overwritten.
 */
void obm_report_freelist_corruption(struct obm_heap *heap,
				    const struct obm_pool *pool,
				    const void *block)
{
	atomic_long_inc(&heap->freelist_corruptions);
	obm_report(heap, "corrupted free list",
		   "free block %p: link overwritten, rest of the pool's free list abandoned (class %u, %u-byte blocks, pool offset %lu)",
		   block, pool->class_idx, obm_class_size(pool->class_idx),
		   (unsigned long)(block - pool->base));
}
