// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc pointer checks: which block a pointer is, whether it may be
 * freed, and the reports when it may not. Every check a pointer from a
 * caller goes through lives here, with the report it produces beside it,
 * so obm_free() asks this file once ("what is this?") on the way in and
 * once more ("is it still live?") under the class lock when the block
 * reaches its pool.
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
 * block", "foreign pointer", "corrupted free list" or "destroy with live
 * blocks"; tests and log scanners match on it. The details name the call,
 * the pointer (hashed, %p), the class and the offset in the pool page.
 * The pointer is counted in the heap's statistics (foreign pointers, which
 * have no heap, in the foreign_frees file) and the allocator's state is
 * left as it was.
 *
 * Double frees. The free path always checks whether the block is the top
 * of this CPU's magazine (obm_pcpu.c) or, when it reaches its pool, the
 * head of the pool's free list, which catches an immediate double free.
 * The verify_free module parameter (obm_debug.c) turns the per-CPU caches
 * off and walks the pool's whole free list on every free.
 *
 * Locking: obm_ptr_resolve() runs under rcu_read_lock() with no obmalloc
 * lock; obm_free_is_valid() and the free-list checks under the class
 * lock. Reports may be printed with any lock held.
 */

#include <linux/mm.h>
#include <linux/ratelimit.h>

#include "obm_internal.h"

/* Pointers passed to obmalloc that lie in no heap and are not kmalloc's. */
atomic_long_t obm_foreign_frees = ATOMIC_LONG_INIT(0);

static DEFINE_RATELIMIT_STATE(obm_report_ratelimit, 5 * HZ, 20);

/**
 * obm_report() - Report a misuse of the allocator, with a stack trace.
 * @heap: The heap concerned, or NULL.
 * @kind: One of the kinds listed at the top of this file.
 * @fmt: Details: the operation, pointer, class.
 */
void obm_report(struct obm_heap *heap, const char *kind, const char *fmt,
		...)
{
	struct va_format vaf;
	va_list args;

	if (!__ratelimit(&obm_report_ratelimit))
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	WARN(1, "obmalloc: heap %s: %s: %pV\n",
	     heap ? heap->name : "(none)", kind, &vaf);
	va_end(args);
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

static void obm_report_invalid(struct obm_heap *heap, const char *kind,
			       const char *op, const void *p,
			       unsigned int class_idx, const char *why)
{
	unsigned long offset = (unsigned long)p & ~PAGE_MASK;

	atomic_long_inc(&heap->invalid_frees);
	if (class_idx < OBM_NR_CLASSES)
		obm_report(heap, kind,
			   "%s(%p): %s (class %u, %u-byte blocks, pool offset %lu)",
			   op, p, why, class_idx, obm_class_size(class_idx),
			   offset);
	else
		obm_report(heap, kind, "%s(%p): %s (pool offset %lu)", op, p,
			   why, offset);
}

/* A pointer in no arena: one of kmalloc()'s, or foreign (reported). */
static enum obm_ptr_kind obm_ptr_resolve_other(const void *p, const char *op)
{
	if (obm_is_kmalloc_object(p))
		return OBM_PTR_KMALLOC;
	atomic_long_inc(&obm_foreign_frees);
	obm_report(NULL, "foreign pointer",
		   "%s(%p): not from obmalloc or kmalloc", op, p);
	return OBM_PTR_INVALID;
}

/* Report a pointer into an arena that failed obm_ptr_resolve()'s checks. */
static enum obm_ptr_kind obm_ptr_report_bad(struct obm_arena *arena,
					    struct obm_pool *pool,
					    const void *p, const char *op)
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
		obm_report_invalid(arena->heap, "interior pointer", op, p,
				   class_idx, "not at the start of a block");
	} else {
		obm_report_invalid(arena->heap, "pointer to no block", op, p,
				   class_idx, "block never allocated");
	}
	return OBM_PTR_INVALID;
}

/**
 * obm_ptr_resolve() - Find out, without locks, what a pointer is.
 * @p: Neither NULL nor ZERO_SIZE_PTR.
 * @op: The API call, for the report ("obm_free", ...).
 * @info: Filled in for %OBM_PTR_BLOCK.
 *
 * A block found here may still turn out to be free once the class lock is
 * held; see obm_free_is_valid().
 *
 * Context: Any; caller holds rcu_read_lock() for as long as it uses @info.
 * Return: What @p is; %OBM_PTR_INVALID once reported and counted.
 */
enum obm_ptr_kind obm_ptr_resolve(const void *p, const char *op,
				  struct obm_ptr_info *info)
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
	obm_report(heap, "double free",
		   "obm_free(%p): block already free (class %u, %u-byte blocks, pool offset %lu)",
		   block, class_idx, obm_class_size(class_idx),
		   (unsigned long)block & ~PAGE_MASK);
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

	/* The pool was emptied or reused since the lockless look. */
	if (pool->class_idx != class_idx || offset >= pool->next_offset) {
		obm_report_invalid(heap, "pointer to no block", "obm_free",
				   block, class_idx,
				   "pool emptied or reused meanwhile (freed already?)");
		return false;
	}
	if (block == pool->freeblock ||
	    (obm_verify_free_enabled() &&
	     obm_pool_block_is_free(heap, pool, block))) {
		obm_report_double_free(heap, class_idx, block);
		return false;
	}
	return true;
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
