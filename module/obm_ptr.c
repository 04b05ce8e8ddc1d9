// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc bad pointers: what a pointer is when obm_ptr_resolve() cannot
 * say, and the reports.
 *
 * A pointer in no arena is a kmalloc() object (our large blocks, and the
 * requests whose flags only kmalloc() honours) if its page is a slab page
 * or it starts a compound page, as kfree() itself decides; anything else
 * is foreign. A pointer in an arena that is not a live block start is
 * reported by what it is: in a pool never used, a pool that holds no
 * block, inside a block, or at a block never allocated.
 *
 * Reports. A bad pointer produces one WARN, rate-limited as SLUB's
 * slab_err() is, whose first line has the stable form
 *
 *	obmalloc: heap <name>: <kind>: <details>
 *
 * with <kind> one of "double free", "interior pointer", "pointer to no
 * block", "foreign pointer", "corrupted free list", "destroy with live
 * blocks", "red zone overwritten", "write after free" or "stray kfree";
 * tests and log scanners match on it. The details name the call and the
 * pointer (hashed, %p), the class and the offset in the pool page. The
 * pointer is counted in the heap's statistics (foreign pointers, which
 * have no heap, in the foreign_frees file), and the allocator's state is
 * left as it was. In a debug heap the block's stacks follow (obm_debug.c).
 *
 * Locking: reports may be made with any obmalloc lock held; the record of
 * the last report has a raw spinlock of its own, the innermost lock.
 */

#define pr_fmt(fmt) "obmalloc: " fmt

#include <linux/module.h>
#include <linux/ratelimit.h>
#include <obmalloc_internal.h>

#include "obm_internal.h"

static const char * const obm_op_names[] = {
	[OBM_OP_FREE]		= "obm_free",
	[OBM_OP_REALLOC]	= "obm_realloc",
	[OBM_OP_USABLE_SIZE]	= "obm_usable_size",
	[OBM_OP_ALLOC]		= "obm_alloc",
};

/* Pointers passed to obmalloc that lie in no heap and are not kmalloc's. */
atomic_long_t obm_foreign_frees = ATOMIC_LONG_INIT(0);

static DEFINE_RATELIMIT_STATE(obm_report_ratelimit, 5 * HZ, 20);
/* Reports a test announced (obm_report_announce()): never rate-limited. */
static atomic_t obm_reports_announced = ATOMIC_INIT(0);

void obm_report_announce(void)
{
	atomic_inc(&obm_reports_announced);
}
EXPORT_SYMBOL_NS_GPL(obm_report_announce, OBM_NS_INTERNAL);

/**
 * obm_report() - Report a misuse of the allocator, with a stack trace.
 * @heap: The heap concerned, or NULL.
 * @kind: One of the kinds listed at the top of this file.
 * @fmt: Details: the operation, pointer, class.
 *
 * Return: false if the report was rate-limited away.
 */
bool obm_report(const struct obm_heap *heap, const char *kind,
		const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (atomic_dec_if_positive(&obm_reports_announced) < 0 &&
	    !__ratelimit(&obm_report_ratelimit))
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
EXPORT_SYMBOL_NS_GPL(obm_last_report, OBM_NS_INTERNAL);

/**
 * obm_record_report() - Keep what a report says about a block for tests.
 * @heap: The heap.
 * @kind: The report's kind.
 * @block: The block, or NULL.
 * @class_idx: Its class.
 * @bad_offset: The first bad byte's offset in the block, or -1.
 * @track: The block's record in a debug heap, or NULL.
 */
void obm_record_report(const struct obm_heap *heap, const char *kind,
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

/**
 * obm_report_block() - Report something wrong with one block.
 * @heap: The heap.
 * @kind: The report's kind.
 * @op: The call that found it.
 * @block: The block.
 * @class_idx: Its class.
 * @track: Its record in a debug heap, printed after the report, or NULL.
 * @bad_offset: The first bad byte's offset in the block, or -1.
 * @why: What is wrong.
 */
void obm_report_block(struct obm_heap *heap, const char *kind,
		      const char *op, const void *block,
		      unsigned int class_idx, const struct obm_track *track,
		      long bad_offset, const char *why)
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
		obm_debug_print_track(heap, track);
}

/**
 * obm_report_invalid() - Report and count a pointer that is no live block.
 * @heap: The heap whose pool it points into.
 * @kind: "interior pointer" or "pointer to no block".
 * @op: The call.
 * @p: The pointer.
 * @class_idx: The pool's class, or %OBM_POOL_UNUSED.
 * @why: What it points at.
 */
void obm_report_invalid(struct obm_heap *heap, const char *kind,
			enum obm_op op, const void *p, unsigned int class_idx,
			const char *why)
{
	unsigned long offset = (unsigned long)p & ~PAGE_MASK;

	atomic_long_inc(&heap->invalid_frees);
	if (class_idx < OBM_NR_CLASSES)
		obm_report(heap, kind,
			   "%s(%p): %s (class %u, %u-byte blocks, pool offset %lu)",
			   obm_op_names[op], p, why, class_idx,
			   obm_class_size(class_idx), offset);
	else
		obm_report(heap, kind, "%s(%p): %s (pool offset %lu)",
			   obm_op_names[op], p, why, offset);
}

/**
 * obm_report_double_free() - Report and count a block freed twice.
 * @heap: The heap.
 * @class_idx: The block's class.
 * @block: The block.
 * @track: Its record in a debug heap, or NULL.
 */
void obm_report_double_free(struct obm_heap *heap, unsigned int class_idx,
			    const void *block, const struct obm_track *track)
{
	atomic_long_inc(&heap->double_frees);
	obm_report_block(heap, "double free", "obm_free", block, class_idx,
			 track, -1, "block already free");
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

/**
 * obm_ptr_resolve_other() - What a pointer in no arena is.
 * @p: The pointer.
 * @op: The call, for the report.
 *
 * Return: %OBM_PTR_KMALLOC, or %OBM_PTR_INVALID once reported.
 */
noinline enum obm_ptr_kind obm_ptr_resolve_other(const void *p, enum obm_op op)
{
	if (obm_is_kmalloc_object(p))
		return OBM_PTR_KMALLOC;
	atomic_long_inc(&obm_foreign_frees);
	obm_report(NULL, "foreign pointer",
		   "%s(%p): not from obmalloc or kmalloc", obm_op_names[op], p);
	return OBM_PTR_INVALID;
}

/**
 * obm_ptr_report_bad() - Report a pointer into an arena that is no block.
 * @arena: Its arena.
 * @pool: Its pool.
 * @p: The pointer.
 * @op: The call.
 *
 * Context: In an RCU read-side section.
 * Return: %OBM_PTR_INVALID.
 */
noinline enum obm_ptr_kind obm_ptr_report_bad(struct obm_arena *arena,
					      struct obm_pool *pool,
					      const void *p, enum obm_op op)
{
	unsigned int class_idx = READ_ONCE(pool->class_idx);
	struct obm_heap *heap = READ_ONCE(pool->heap);
	unsigned int offset = (unsigned long)p & ~PAGE_MASK;

	/* A pool in its set belongs to no heap. */
	if (!heap) {
		/* Pairs with the release in obm_set_take_pool(). */
		bool carved = pool->index < smp_load_acquire(&arena->nr_carved);

		atomic_long_inc(&obm_foreign_frees);
		obm_report(NULL, "pointer to no block",
			   "%s(%p): %s (pool offset %u)", obm_op_names[op], p,
			   carved ? "pool held by no heap (freed already?)" :
			   "pool never used", offset);
	} else if (class_idx >= OBM_NR_CLASSES) {
		obm_report_invalid(heap, "pointer to no block", op, p,
				   OBM_POOL_UNUSED,
				   "pool holds no block (freed already?)");
	} else if (!obm_class_offset_is_block(class_idx, offset)) {
		obm_report_invalid(heap, "interior pointer", op, p, class_idx,
				   "not at the start of a block");
		if (arena->tracks)
			obm_debug_report_interior(pool, class_idx, p);
	} else {
		obm_report_invalid(heap, "pointer to no block", op, p,
				   class_idx, "block never allocated");
	}
	return OBM_PTR_INVALID;
}
