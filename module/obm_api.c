// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc's exported allocation API (include/obmalloc.h).
 *
 * Each entry point's common path is one function: the steps of
 * obm_fastpath.h inlined, with every slow path a call to a noinline
 * function, made last, so that the fast path keeps few registers.
 *
 * kmalloc()'s contracts, kept for every block:
 *   - init_on_alloc / __GFP_ZERO clear each block handed out, magazines
 *     included; init_on_free clears each block freed, and the free-list
 *     link in its first word when it is handed out again;
 *   - krealloc()'s __GFP_ZERO: a block kept in place for a smaller size
 *     has its spare bytes cleared, so a later growth in place finds zeros;
 *   - natural alignment of power-of-two sizes: pools have no in-page
 *     header;
 *   - flags only kmalloc() can honour (memcg charging, zones, NOFAIL): the
 *     request is kmalloc()'s, as is any above OBM_SMALL_MAX, allocated at
 *     its bucket size so that obm_usable_size() (ksize()) never reports a
 *     byte KASAN would refuse; obm_free() tells them apart by address.
 *
 * Contexts (kernel/bpf/memalloc.c's terms): every function here may be
 * called from process, softirq and - except on PREEMPT_RT, as for
 * kmalloc() - hardirq context; they take only irq-safe locks and call the
 * page allocator and kmalloc() with the caller's gfp flags and no lock.
 */

#define pr_fmt(fmt) "obmalloc: " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "obm_fastpath.h"
#include "obm_trace.h"

/*
 * Flags for what a request allocates besides its block (pages, a class,
 * a magazine), which other callers share: the caller's reclaim and reserve
 * behaviour, nothing that belongs to one block.
 */
static gfp_t obm_gfp_shared(gfp_t gfp)
{
	return gfp & ~(__GFP_ZERO | __GFP_COMP);
}

/*
 * A request for kmalloc(): above OBM_SMALL_MAX, or with flags only
 * kmalloc() can honour, at kmalloc's bucket size, so that every byte
 * obm_usable_size() later reports is the caller's (kmalloc_size_roundup()).
 */
static noinline void *obm_heap_kmalloc(struct obm_heap *heap, size_t size,
				       gfp_t gfp, int node)
{
	void *block = kmalloc_node(kmalloc_size_roundup(size), gfp, node);

	atomic_long_inc(&heap->kmalloc_allocs);
	if (size <= OBM_SMALL_MAX)
		atomic_long_inc(&heap->kmalloc_for_flags);
	if (unlikely(!block))
		obm_heap_count_failure(heap);
	return block;
}

/* One block of @class_idx from @nid's pools, no magazine; grows if need be. */
static void *obm_heap_take_block(struct obm_heap *heap, int nid,
				 unsigned int class_idx, gfp_t gfp)
{
	void *block;

	for (;;) {
		if (!obm_heap_class_get(heap, nid, class_idx, gfp))
			break;
		if (obm_pool_take_blocks(heap, nid, class_idx, &block, 1))
			return block;
		if (obm_heap_grow(heap, nid, gfp))
			break;
	}
	obm_heap_count_failure(heap);
	return NULL;
}

/*
 * Every allocation the magazine fast path does not serve: size 0 or over
 * OBM_SMALL_MAX, kmalloc-only flags, a node other than this CPU's, and
 * heaps without magazines (debug heaps, verify_free), whose blocks are
 * prepared by obm_debug.c.
 */
static noinline void *obm_heap_alloc_slow(struct obm_heap *heap, size_t size,
					  gfp_t gfp, int node)
{
	gfp_t shared = obm_gfp_shared(gfp);
	unsigned int class_idx;
	size_t block_size = size;
	unsigned long flags;
	void *block;

	if (!size)
		return ZERO_SIZE_PTR;
	if (heap->debug_flags)
		block_size = obm_debug_block_bytes(heap, size);
	if (!block_size || block_size > OBM_SMALL_MAX ||
	    (gfp & OBM_GFP_KMALLOC_ONLY))
		return obm_heap_kmalloc(heap, size, gfp, node);
	might_alloc(gfp);
	class_idx = obm_size_to_class(block_size);
	if (node == NUMA_NO_NODE)
		node = numa_mem_id();
	if (!obm_heap_uses_caches(heap) || node != numa_mem_id()) {
		block = obm_heap_take_block(heap, node, class_idx, shared);
		if (!block)
			return NULL;
		if (heap->debug_flags) {
			kmemleak_alloc(block, obm_class_size(class_idx), 1, shared);
			obm_debug_alloc_block(heap, block, class_idx, size, gfp);
			return block;
		}
		obm_block_init(block, class_idx, gfp);
		return block;
	}
	local_lock_irqsave(&obm_cpu.lock, flags);
	block = obm_mag_pop(heap, class_idx);
	local_unlock_irqrestore(&obm_cpu.lock, flags);
	if (!block)
		block = obm_pcpu_alloc(heap, class_idx, shared);
	if (unlikely(!block)) {
		obm_heap_count_failure(heap);
		return NULL;
	}
	obm_block_init(block, class_idx, gfp);
	return block;
}

/*
 * might_alloc()'s checks where the kernel has them (sleeping in atomic
 * context, lockdep's fs_reclaim), for the magazine's pop: its
 * cond_resched() on voluntary preemption waits for the refill.
 */
static __always_inline void obm_might_alloc_check(gfp_t gfp)
{
	if (IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP) || IS_ENABLED(CONFIG_LOCKDEP))
		might_alloc(gfp);
}

/*
 * The magazine was empty: refill it. Called last, as the fast path's tail.
 * Here, not on every allocation, is where a caller that may sleep may be
 * rescheduled (might_alloc()'s cond_resched() on voluntary preemption).
 */
static noinline void *obm_heap_alloc_refill(struct obm_heap *heap,
					    unsigned int class_idx, gfp_t gfp)
{
	void *block;

	might_alloc(gfp);
	block = obm_pcpu_alloc(heap, class_idx, obm_gfp_shared(gfp));
	if (unlikely(!block)) {
		obm_heap_count_failure(heap);
		return NULL;
	}
	obm_block_init(block, class_idx, gfp);
	return block;
}

static __always_inline void *obm_heap_alloc_untraced(struct obm_heap *heap,
						     size_t size, gfp_t gfp)
{
	unsigned int class_idx;
	unsigned long flags;
	void *block;

	/* One test for both 0 and more than OBM_SMALL_MAX bytes. */
	if (unlikely(size - 1 >= OBM_SMALL_MAX ||
		     (gfp & OBM_GFP_KMALLOC_ONLY) ||
		     static_branch_unlikely(&obm_checks_key)))
		return obm_heap_alloc_slow(heap, size, gfp, NUMA_NO_NODE);
	obm_might_alloc_check(gfp);
	class_idx = obm_size_to_class(size);
	local_lock_irqsave(&obm_cpu.lock, flags);
	block = obm_mag_pop(heap, class_idx);
	local_unlock_irqrestore(&obm_cpu.lock, flags);
	if (unlikely(!block))
		return obm_heap_alloc_refill(heap, class_idx, gfp);
	obm_block_init(block, class_idx, gfp);
	return block;
}

/* What a request of @size bytes with @gfp occupies, for the trace event. */
static size_t obm_bytes_alloc(const struct obm_heap *heap, size_t size,
			      gfp_t gfp)
{
	size_t block_size = size;

	if (!size)
		return 0;
	if (size <= OBM_SMALL_MAX && heap->debug_flags)
		block_size = obm_debug_block_bytes(heap, size);
	if (!block_size || block_size > OBM_SMALL_MAX ||
	    (gfp & OBM_GFP_KMALLOC_ONLY))
		return kmalloc_size_roundup(size);
	return obm_class_size(obm_size_to_class(block_size));
}

static noinline void *obm_heap_alloc_traced(struct obm_heap *heap,
					    size_t size, gfp_t gfp, int node,
					    unsigned long caller)
{
	void *block = node == NUMA_NO_NODE ?
		      obm_heap_alloc_untraced(heap, size, gfp) :
		      obm_heap_alloc_slow(heap, size, gfp, node);

	trace_obm_alloc(caller, block, heap->name, size,
			block ? obm_bytes_alloc(heap, size, gfp) : 0, gfp);
	return block;
}

/*
 * An allocation, and its event on behalf of @caller when tracing. With the
 * event disabled this is the untraced body behind one patched-out jump;
 * the traced copy, out of line, keeps @caller off the fast path.
 */
static __always_inline void *obm_heap_alloc_from(struct obm_heap *heap,
						 size_t size, gfp_t gfp,
						 unsigned long caller)
{
	if (trace_obm_alloc_enabled())
		return obm_heap_alloc_traced(heap, size, gfp, NUMA_NO_NODE,
					     caller);
	return obm_heap_alloc_untraced(heap, size, gfp);
}

void *obm_heap_alloc(struct obm_heap *heap, size_t size, gfp_t gfp)
{
	return obm_heap_alloc_from(heap, size, gfp, _RET_IP_);
}
EXPORT_SYMBOL_GPL(obm_heap_alloc);

void *obm_alloc(size_t size, gfp_t gfp)
{
	return obm_heap_alloc_from(obm_default_heap, size, gfp, _RET_IP_);
}
EXPORT_SYMBOL_GPL(obm_alloc);

void *obm_zalloc(size_t size, gfp_t gfp)
{
	return obm_heap_alloc_from(obm_default_heap, size, gfp | __GFP_ZERO,
				   _RET_IP_);
}
EXPORT_SYMBOL_GPL(obm_zalloc);

void *obm_heap_zalloc(struct obm_heap *heap, size_t size, gfp_t gfp)
{
	return obm_heap_alloc_from(heap, size, gfp | __GFP_ZERO, _RET_IP_);
}
EXPORT_SYMBOL_GPL(obm_heap_zalloc);

/* A node as kmalloc_node() takes it: a possible node or NUMA_NO_NODE. */
static int obm_node_checked(int node)
{
	if (node == NUMA_NO_NODE)
		return node;
	if (WARN_ONCE(node < 0 || node >= nr_node_ids || !node_possible(node),
		      "obmalloc: allocation on node %d, which is not possible\n",
		      node))
		return NUMA_NO_NODE;
	return node;
}

void *obm_heap_alloc_node(struct obm_heap *heap, size_t size, gfp_t gfp,
			  int node)
{
	node = obm_node_checked(node);
	if (trace_obm_alloc_enabled())
		return obm_heap_alloc_traced(heap, size, gfp, node, _RET_IP_);
	if (node == NUMA_NO_NODE)
		return obm_heap_alloc_untraced(heap, size, gfp);
	return obm_heap_alloc_slow(heap, size, gfp, node);
}
EXPORT_SYMBOL_GPL(obm_heap_alloc_node);

void *obm_alloc_node(size_t size, gfp_t gfp, int node)
{
	return obm_heap_alloc_node(obm_default_heap, size, gfp, node);
}
EXPORT_SYMBOL_GPL(obm_alloc_node);

void *obm_heap_alloc_array(struct obm_heap *heap, size_t n, size_t size,
			   gfp_t gfp)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return obm_heap_alloc_from(heap, bytes, gfp, _RET_IP_);
}
EXPORT_SYMBOL_GPL(obm_heap_alloc_array);

void *obm_alloc_array(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return obm_heap_alloc_from(obm_default_heap, bytes, gfp, _RET_IP_);
}
EXPORT_SYMBOL_GPL(obm_alloc_array);

/*
 * Every free obm_free_fast() does not take (a missed arena hint, a full
 * magazine, a block of another node, a kmalloc()ed or bad pointer, a
 * debug heap), and every traced free. Called with obm_cpu.lock held, the
 * @flags of its irqsave, and drops it: the fast attempt's tests and this
 * resolve are one locked section, so that a block found on top of the
 * magazine is still there when it is reported as a double free. @p is
 * resolved again from scratch, as the fast attempt changed nothing.
 */
static noinline void obm_free_locked(const void *p, unsigned long caller,
				     unsigned long flags)
{
	struct obm_ptr_info info;
	enum obm_ptr_kind kind;

	obm_assert_cpu_locked();
	/* The lock's section is also the lookup's RCU read-side section. */
	kind = obm_ptr_resolve(p, OBM_OP_FREE, &info);
	if (kind == OBM_PTR_BLOCK) {
		trace_obm_free(caller, p, info.heap->name);
		if (obm_heap_uses_caches(info.heap))
			obm_pcpu_free(info.heap, info.pool, info.class_idx,
				      (void *)p);
		else
			obm_pool_free_block(info.heap, info.pool,
					    info.class_idx, (void *)p,
					    info.free_stack);
	}
	local_unlock_irqrestore(&obm_cpu.lock, flags);
	if (kind == OBM_PTR_KMALLOC) {
		trace_obm_free(caller, p, "(kmalloc)");
		kfree(p);
	}
}

/* A free while the trace event is enabled: all of it out of line. */
static noinline void obm_free_traced(const void *p, unsigned long caller)
{
	unsigned long flags;

	local_lock_irqsave(&obm_cpu.lock, flags);
	obm_free_locked(p, caller, flags);
}

/*
 * A free: the magazine's push under this CPU's lock, or, with the lock
 * still held, the slow path as the tail call. With the trace event
 * enabled every free takes the slow path, which emits it for @caller.
 */
static __always_inline void obm_free_from(const void *p, unsigned long caller)
{
	unsigned long flags;

	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return;
	if (trace_obm_free_enabled()) {
		obm_free_traced(p, caller);
		return;
	}
	local_lock_irqsave(&obm_cpu.lock, flags);
	if (likely(obm_free_fast(p))) {
		local_unlock_irqrestore(&obm_cpu.lock, flags);
		return;
	}
	obm_free_locked(p, caller, flags);
}

void obm_free(const void *p)
{
	obm_free_from(p, _RET_IP_);
}
EXPORT_SYMBOL_GPL(obm_free);

void obm_kvfree(const void *p)
{
	if (is_vmalloc_addr(p))
		vfree(p);
	else
		obm_free_from(p, _RET_IP_);
}
EXPORT_SYMBOL_GPL(obm_kvfree);

void obm_free_sensitive(const void *p)
{
	struct obm_ptr_info info;
	enum obm_ptr_kind kind;
	size_t size = 0;

	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return;
	rcu_read_lock();
	kind = obm_ptr_resolve(p, OBM_OP_FREE, &info);
	if (kind == OBM_PTR_BLOCK)
		size = info.heap->debug_flags ? obm_debug_usable_size(&info, p) :
						obm_class_size(info.class_idx);
	rcu_read_unlock();
	if (kind == OBM_PTR_KMALLOC) {
		kfree_sensitive(p);
		return;
	}
	if (kind != OBM_PTR_BLOCK)
		return;
	/* Every byte the caller owned; a debug heap's red zone is its own. */
	memzero_explicit((void *)p, size);
	obm_free_from(p, _RET_IP_);
}
EXPORT_SYMBOL_GPL(obm_free_sensitive);

size_t obm_usable_size(const void *p)
{
	struct obm_ptr_info info;
	size_t size = 0;

	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return 0;

	rcu_read_lock();
	switch (obm_ptr_resolve(p, OBM_OP_USABLE_SIZE, &info)) {
	case OBM_PTR_BLOCK:
		size = obm_class_size(info.class_idx);
		/* With red zones, only the bytes requested are usable. */
		if (unlikely(info.heap->debug_flags))
			size = obm_debug_usable_size(&info, p);
		break;
	case OBM_PTR_KMALLOC:
		/* Allocated at its bucket size: all of it is the caller's. */
		size = ksize(p);
		break;
	case OBM_PTR_INVALID:
		break;
	}
	rcu_read_unlock();
	return size;
}
EXPORT_SYMBOL_GPL(obm_usable_size);

/*
 * Keep a block of @usable bytes for @new_size bytes. Like krealloc(), the
 * bytes past @new_size are cleared when init_on_alloc or __GFP_ZERO asks,
 * so a later growth in place (with __GFP_ZERO) finds them zero.
 */
static void *obm_realloc_in_place(const void *p, size_t usable,
				  size_t new_size, gfp_t gfp)
{
	if (new_size < usable && want_init_on_alloc(gfp))
		memset((char *)p + new_size, 0, usable - new_size);
	return (void *)p;
}

/*
 * Resize a kmalloc()ed block. Not with krealloc(): its in-place shrink
 * leaves ksize() above what KASAN lets the caller use, and our blocks
 * stay allocated at exactly their bucket size (obm_heap_kmalloc()).
 */
static void *obm_realloc_kmalloc(const void *p, size_t new_size, gfp_t gfp,
				 unsigned long caller)
{
	size_t usable = ksize(p), want = kmalloc_size_roundup(new_size);
	void *q;

	if (want == usable)
		return obm_realloc_in_place(p, usable, new_size, gfp);
	q = kmalloc(want, gfp);
	trace_obm_alloc(caller, q, "(kmalloc)", new_size, q ? want : 0, gfp);
	if (!q)
		return NULL;
	memcpy(q, p, min(usable, new_size));
	trace_obm_free(caller, p, "(kmalloc)");
	kfree(p);
	return q;
}

void *obm_realloc(const void *p, size_t new_size, gfp_t gfp)
{
	struct obm_ptr_info info;
	enum obm_ptr_kind kind;
	struct obm_heap *heap;
	size_t size = 0;
	void *q;

	if (ZERO_OR_NULL_PTR(p))
		return obm_heap_alloc_from(obm_default_heap, new_size, gfp,
					   _RET_IP_);
	if (!new_size) {
		obm_free_from(p, _RET_IP_);
		return ZERO_SIZE_PTR;
	}

	rcu_read_lock();
	kind = obm_ptr_resolve(p, OBM_OP_REALLOC, &info);
	if (kind == OBM_PTR_BLOCK && unlikely(info.heap->debug_flags))
		size = obm_debug_usable_size(&info, p);
	else if (kind == OBM_PTR_BLOCK)
		size = obm_class_size(info.class_idx);
	rcu_read_unlock();
	if (kind == OBM_PTR_INVALID)
		return NULL;
	if (kind == OBM_PTR_KMALLOC)
		return obm_realloc_kmalloc(p, new_size, gfp, _RET_IP_);

	/*
	 * A live block keeps its pool, and so its heap, alive. A debug heap's
	 * block always moves, so the new one gets its own red zone and record.
	 */
	heap = info.heap;
	if (!heap->debug_flags && new_size <= size &&
	    !(gfp & OBM_GFP_KMALLOC_ONLY) &&
	    (obm_size_to_class(new_size) == info.class_idx ||
	     4 * new_size > 3 * size))
		return obm_realloc_in_place(p, size, new_size, gfp);

	q = obm_heap_alloc_from(heap, new_size, gfp, _RET_IP_);
	if (!q)
		return NULL;
	memcpy(q, p, min_t(size_t, size, new_size));
	obm_free_from(p, _RET_IP_);
	return q;
}
EXPORT_SYMBOL_GPL(obm_realloc);

void *obm_heap_realloc(struct obm_heap *heap, const void *p, size_t new_size,
		       gfp_t gfp)
{
	if (ZERO_OR_NULL_PTR(p))
		return obm_heap_alloc_from(heap, new_size, gfp, _RET_IP_);
	return obm_realloc(p, new_size, gfp);
}
EXPORT_SYMBOL_GPL(obm_heap_realloc);
