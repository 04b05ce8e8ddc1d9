// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc debug checks: pointer ownership, reports and fault injection.
 *
 * Ownership. Every pointer given to obm_free(), obm_realloc() or
 * obm_usable_size() is resolved from its address alone: the arena registry
 * says whether it lies in one of our arenas; the arena's carve count says
 * whether its pool was ever initialised; the pool's class says where block
 * starts are. Nothing is read from a page that is not ours. A pointer in
 * no arena is a kmalloc() object (our large blocks) if its page is a slab
 * page or it starts a compound page, as kfree() itself decides; anything
 * else is foreign.
 *
 * Reports. A bad pointer produces one WARN, rate-limited as SLUB's
 * slab_err() is, whose first line has the stable form
 *
 *	obmalloc: heap <name>: <kind>: <details>
 *
 * with <kind> one of "double free", "interior pointer", "pointer to no
 * block", "foreign pointer" or "destroy with live blocks"; tests and log
 * scanners match on it. The pointer is counted in the heap's statistics
 * (foreign pointers, which have no heap, in the foreign_frees file) and
 * the allocator's state is left as it was.
 *
 * Double frees. The free path always checks whether the block is the top
 * of this CPU's magazine or, when it reaches its pool, the head of the
 * pool's free list, which catches an immediate double free. The
 * verify_free module parameter turns the per-CPU caches off and walks the
 * pool's whole free list on every free, which catches them all.
 *
 * Fault injection. /sys/kernel/debug/obmalloc/fail_arena/ is a standard
 * fault_attr (Documentation/fault-injection/fault-injection.rst): while it
 * fires, obm_arena_new() fails as if alloc_pages() had. The fail_arena
 * module parameter sets the same attribute in the format of the kernel's
 * fail_page_alloc= boot option, "<interval>,<probability>,<space>,<times>",
 * at load time or later through /sys/module/obmalloc/parameters/.
 *
 * Locking: obm_ptr_resolve() runs under rcu_read_lock() with no obmalloc
 * lock; obm_free_is_valid() under the class lock. Reports may be printed
 * with any lock held.
 */

#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/moduleparam.h>
#include <linux/ratelimit.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "obm_internal.h"

static bool verify_free;
DEFINE_STATIC_KEY_FALSE(obm_verify_free_key);

/*
 * A double free can only be proved against the pool's free list if no
 * freed block hides in another CPU's magazine, so verify_free turns the
 * per-CPU caches off (as SLUB's debug flags force its slow path) and
 * drains them when it is set.
 */
static int obm_verify_free_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	if (ret)
		return ret;
	if (READ_ONCE(verify_free)) {
		static_branch_enable(&obm_verify_free_key);
		obm_heaps_drain_all();
	} else {
		static_branch_disable(&obm_verify_free_key);
	}
	return 0;
}

static const struct kernel_param_ops obm_verify_free_ops = {
	.set = obm_verify_free_set,
	.get = param_get_bool,
};
module_param_cb(verify_free, &obm_verify_free_ops, &verify_free, 0644);
MODULE_PARM_DESC(verify_free,
		 "Catch every double free: no per-CPU caches, whole free list walked on each free (slow)");

#ifdef CONFIG_FAULT_INJECTION
static DECLARE_FAULT_ATTR(obm_fail_arena);

static int obm_fail_arena_set(const char *val, const struct kernel_param *kp)
{
	char buf[64];

	strscpy(buf, val, sizeof(buf));
	return setup_fault_attr(&obm_fail_arena, strim(buf)) ? 0 : -EINVAL;
}

static int obm_fail_arena_get(char *buffer, const struct kernel_param *kp)
{
	return sysfs_emit(buffer, "%lu,%lu,%d,%d\n", obm_fail_arena.interval,
			  obm_fail_arena.probability,
			  atomic_read(&obm_fail_arena.space),
			  atomic_read(&obm_fail_arena.times));
}

static const struct kernel_param_ops obm_fail_arena_ops = {
	.set = obm_fail_arena_set,
	.get = obm_fail_arena_get,
};
module_param_cb(fail_arena, &obm_fail_arena_ops, NULL, 0600);
MODULE_PARM_DESC(fail_arena,
		 "Fail arena allocations: <interval>,<probability>,<space>,<times>");

/**
 * obm_should_fail_arena() - Whether fault injection fails this arena.
 *
 * Return: true to fail the arena allocation.
 */
bool obm_should_fail_arena(void)
{
	return should_fail(&obm_fail_arena, OBM_ARENA_SIZE);
}

/**
 * obm_debug_init() - Create the fail_arena fault-injection directory.
 * @root: /sys/kernel/debug/obmalloc/.
 */
void obm_debug_init(struct dentry *root)
{
	/* Like every debugfs user, carry on without it if it fails. */
	fault_create_debugfs_attr("fail_arena", root, &obm_fail_arena);
}
#else /* !CONFIG_FAULT_INJECTION */
bool obm_should_fail_arena(void)
{
	return false;
}

void obm_debug_init(struct dentry *root)
{
}
#endif /* CONFIG_FAULT_INJECTION */

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

/**
 * obm_ptr_resolve_other() - Classify a pointer that is in no arena.
 * @p: The pointer.
 * @op: The API call, for the report.
 *
 * Return: %OBM_PTR_KMALLOC, or %OBM_PTR_INVALID after reporting it.
 */
enum obm_ptr_kind obm_ptr_resolve_other(const void *p, const char *op)
{
	if (obm_is_kmalloc_object(p))
		return OBM_PTR_KMALLOC;
	atomic_long_inc(&obm_foreign_frees);
	obm_report(NULL, "foreign pointer",
		   "%s(%p): not from obmalloc or kmalloc", op, p);
	return OBM_PTR_INVALID;
}

/**
 * obm_ptr_report_bad() - Report a pointer into an arena that is no block.
 * @arena: The arena @p lies in.
 * @p: The pointer, which failed a check of obm_ptr_resolve().
 * @op: The API call, for the report.
 *
 * Return: %OBM_PTR_INVALID.
 */
enum obm_ptr_kind obm_ptr_report_bad(struct obm_arena *arena, const void *p,
				     const char *op)
{
	struct obm_pool *pool = obm_pool_of(p);
	unsigned int class_idx, offset;
	unsigned long pool_idx;

	pool_idx = ((unsigned long)pool - arena->base) >> PAGE_SHIFT;
	/* Pairs with the release in obm_arena_take_pool(). */
	if (pool_idx >= smp_load_acquire(&arena->nr_carved)) {
		obm_report_invalid(arena->heap, "pointer to no block", op, p,
				   OBM_POOL_UNUSED, "pool never used");
		return OBM_PTR_INVALID;
	}
	class_idx = READ_ONCE(pool->class_idx);
	if (class_idx >= OBM_NR_CLASSES) {
		obm_report_invalid(arena->heap, "pointer to no block", op, p,
				   OBM_POOL_UNUSED,
				   "pool holds no block (freed already?)");
		return OBM_PTR_INVALID;
	}
	offset = (unsigned long)p - (unsigned long)pool;
	if (offset < OBM_POOL_HEADER_SIZE ||
	    !obm_class_offset_is_block(class_idx, offset - OBM_POOL_HEADER_SIZE)) {
		obm_report_invalid(arena->heap, "interior pointer", op, p,
				   class_idx, "not at the start of a block");
		return OBM_PTR_INVALID;
	}
	obm_report_invalid(arena->heap, "pointer to no block", op, p,
			   class_idx, "block never allocated");
	return OBM_PTR_INVALID;
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
	unsigned int offset = (unsigned long)block - (unsigned long)pool;

	/* The pool was emptied or reused since the lockless look. */
	if (pool->class_idx != class_idx || offset >= pool->next_offset) {
		obm_report_invalid(heap, "pointer to no block", "obm_free",
				   block, class_idx,
				   "pool emptied or reused meanwhile (freed already?)");
		return false;
	}
	if (block == pool->freeblock ||
	    (READ_ONCE(verify_free) && obm_pool_block_is_free(pool, block))) {
		obm_report_double_free(heap, class_idx, block);
		return false;
	}
	return true;
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
