// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc heaps and the exported API (include/obmalloc.h).
 * Compiled as part of obm_fastpath.c (see there), not on its own.
 *
 * A heap is a set of 64 size classes and the arenas that feed them. Heaps
 * share nothing but the arena registry, so one heap's blocks never share a
 * page with another's, and each has its own statistics in debugfs. The
 * default heap serves obm_alloc() and is created at module load.
 *
 * kmalloc()'s contracts, kept for every block:
 *   - init_on_alloc / __GFP_ZERO: want_init_on_alloc() clears each block
 *     handed out, magazines included; init_on_free: want_init_on_free()
 *     clears each block freed (obm_block_release()) and the free-list link
 *     in its first word when it is handed out again;
 *   - krealloc()'s __GFP_ZERO: a block kept in place for a smaller size has
 *     its spare bytes cleared, so a later growth in place finds zeros;
 *   - natural alignment of power-of-two sizes: pools have no in-page
 *     header (obm_internal.h);
 *   - flags only kmalloc() can honour (memcg charging, zones, NOFAIL):
 *     the request is kmalloc()'s, as is any above OBM_SMALL_MAX. Those are
 *     allocated at their bucket size, so obm_usable_size() (ksize()) never
 *     reports a byte KASAN would refuse. obm_free() tells them apart by
 *     address (obm_ptr.c), so one free serves both.
 *
 * Contexts: obm_heap_alloc(), obm_alloc(), obm_zalloc(), obm_realloc(),
 * obm_free() and obm_usable_size() may be called from process, softirq
 * and (except on PREEMPT_RT, as for kmalloc()) hardirq context: they take
 * only irq-safe spinlock_t locks and call the page allocator, kmalloc()
 * and kmemleak with the caller's gfp flags and no spinlock held.
 * obm_heap_create() and obm_heap_destroy() sleep.
 *
 * Locking: obm_heaps_lock (mutex) guards the list of heaps and their
 * debugfs directories. The CPU hotplug callback takes it with the hotplug
 * lock held, so a path that needs both takes cpus_read_lock() first (see
 * the lock order in obm_internal.h).
 */

#include <linux/cpu.h>
#include <linux/ctype.h>
#include <linux/kmemleak.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "obm_internal.h"
#include "obm_trace.h"

static DEFINE_MUTEX(obm_heaps_lock);
static LIST_HEAD(obm_heaps);

/* The heap behind obm_alloc(); lives as long as the module. */
struct obm_heap *obm_default_heap;

/*
 * Flags for the pages of an arena, which every caller of the heap shares:
 * the caller's reclaim and reserve behaviour, nothing that belongs to one
 * block (__GFP_ZERO is done per block, and %OBM_GFP_KMALLOC_ONLY requests
 * never get here).
 */
static gfp_t obm_gfp_for_pages(gfp_t gfp)
{
	return gfp & ~(__GFP_ZERO | __GFP_COMP);
}

/*
 * A request for kmalloc(): above OBM_SMALL_MAX, or with flags only
 * kmalloc() can honour. The size is rounded up to kmalloc's bucket, so
 * that every byte obm_usable_size() (ksize()) later reports is the
 * caller's, as KASAN and KFENCE see it (kmalloc_size_roundup()).
 */
static void *obm_heap_kmalloc(struct obm_heap *heap, size_t size, gfp_t gfp)
{
	void *block = kmalloc(kmalloc_size_roundup(size), gfp);

	atomic_long_inc(&heap->kmalloc_allocs);
	if (size <= OBM_SMALL_MAX)
		atomic_long_inc(&heap->kmalloc_for_flags);
	if (unlikely(!block))
		atomic_long_inc(&heap->alloc_failures);
	return block;
}

/*
 * Take a block of @class_idx, from this CPU's magazine (refilled if empty)
 * if @use_caches, else straight from the pools; grow the heap by an arena,
 * with no lock held, when it has no free pool. NULL if that fails.
 */
static void *obm_heap_take_block(struct obm_heap *heap, unsigned int class_idx,
				 gfp_t pool_gfp, bool use_caches)
{
	void *block;

	for (;;) {
		if (likely(use_caches))
			block = obm_pcpu_alloc(heap, class_idx, pool_gfp);
		else if (!obm_class_take_blocks(heap, class_idx, &block, 1))
			block = NULL;
		if (likely(block))
			return block;
		if (obm_heap_grow(heap, pool_gfp)) {
			atomic_long_inc(&heap->alloc_failures);
			return NULL;
		}
	}
}

/* What every block handed out gets: kmemleak, and kmalloc's zeroing. */
static __always_inline void obm_block_init(void *block, unsigned int class_idx,
					   gfp_t gfp, gfp_t pool_gfp)
{
	kmemleak_alloc(block, obm_class_size(class_idx), 1, pool_gfp);
	/* __GFP_ZERO, or init_on_alloc=1 (the default on distribution kernels). */
	if (want_init_on_alloc(gfp))
		memset(block, 0, obm_class_size(class_idx));
	/*
	 * init_on_free cleared the block when it was freed, but for the
	 * free-list link written over its first word afterwards: wipe that
	 * too, as SLUB's maybe_wipe_obj_freeptr() does.
	 */
	else if (want_init_on_free())
		*(void **)block = NULL;
}

/*
 * The bytes a request of @size needs in @heap: with red zones 8 more, and
 * twice a power of two, so that the block keeps the natural alignment
 * kmalloc() gives power-of-two sizes (as SLUB's debug caches do); 0 if
 * that is more than a class holds, and kmalloc() serves the request.
 */
static size_t obm_heap_block_bytes(const struct obm_heap *heap, size_t size)
{
	if (!(heap->debug_flags & OBM_DEBUG_REDZONE))
		return size;
	if (size >= OBM_ALIGNMENT && is_power_of_2(size))
		size *= 2;
	else
		size += OBM_REDZONE_MIN;
	return size <= OBM_SMALL_MAX ? size : 0;
}

/*
 * An allocation while verify_free or a debug heap exists: a debug heap's
 * blocks bypass the magazines and are prepared by obm_ptr.c (red zone,
 * poison, record).
 */
static noinline void *obm_heap_alloc_checked(struct obm_heap *heap,
					     size_t size, gfp_t gfp)
{
	size_t block_size = obm_heap_block_bytes(heap, size);
	unsigned int debug = heap->debug_flags;
	unsigned int class_idx;
	gfp_t pool_gfp;
	void *block;

	if (!block_size)
		return obm_heap_kmalloc(heap, size, gfp);
	might_alloc(gfp);
	pool_gfp = obm_gfp_for_pages(gfp);
	class_idx = obm_size_to_class(block_size);
	block = obm_heap_take_block(heap, class_idx, pool_gfp,
				    obm_heap_uses_caches(heap));
	if (!block)
		return NULL;
	if (!debug) {
		obm_block_init(block, class_idx, gfp, pool_gfp);
		return block;
	}
	kmemleak_alloc(block, obm_class_size(class_idx), 1, pool_gfp);
	obm_debug_alloc_block(heap, block, class_idx, size, gfp);
	return block;
}

/*
 * An allocation whose magazine was empty: refill it, growing the heap if
 * need be. Out of line, and called last, so that the fast path keeps no
 * register across it (see obm_fastpath.c).
 */
static noinline void *obm_heap_alloc_refill(struct obm_heap *heap,
					    unsigned int class_idx, gfp_t gfp)
{
	gfp_t pool_gfp = obm_gfp_for_pages(gfp);
	void *block = obm_heap_take_block(heap, class_idx, pool_gfp, true);

	if (likely(block))
		obm_block_init(block, class_idx, gfp, pool_gfp);
	return block;
}

/*
 * Inlined into each exported entry point with its trace event, so that an
 * allocation is one call: measured under icount on Debian's 6.12, a call
 * layer between the entry point and this body cost more instructions than
 * the disabled tracepoints themselves. Every path but a magazine pop ends
 * in a call to an out-of-line function.
 */
static __always_inline void *obm_heap_alloc_untraced(struct obm_heap *heap,
						     size_t size, gfp_t gfp)
{
	unsigned int class_idx;
	void *block;

	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (unlikely(size > OBM_SMALL_MAX || (gfp & OBM_GFP_KMALLOC_ONLY)))
		return obm_heap_kmalloc(heap, size, gfp);
	if (static_branch_unlikely(&obm_checks_key))
		return obm_heap_alloc_checked(heap, size, gfp);

	might_alloc(gfp);
	class_idx = obm_size_to_class(size);
	block = obm_pcpu_pop(heap, class_idx);
	if (unlikely(!block))
		return obm_heap_alloc_refill(heap, class_idx, gfp);
	obm_block_init(block, class_idx, gfp, obm_gfp_for_pages(gfp));
	return block;
}

/* What a request of @size bytes with @gfp occupies, for the trace event. */
static size_t obm_bytes_alloc(const struct obm_heap *heap, size_t size,
			      gfp_t gfp)
{
	size_t block_size = size <= OBM_SMALL_MAX ?
			    obm_heap_block_bytes(heap, size) : 0;

	if (!size)
		return 0;
	if (!block_size || (gfp & OBM_GFP_KMALLOC_ONLY))
		return kmalloc_size_roundup(size);
	return obm_class_size(obm_size_to_class(block_size));
}

static noinline void *obm_heap_alloc_traced(struct obm_heap *heap,
					    size_t size, gfp_t gfp,
					    unsigned long caller)
{
	void *block = obm_heap_alloc_untraced(heap, size, gfp);

	trace_obm_alloc(caller, block, heap->name, size,
			block ? obm_bytes_alloc(heap, size, gfp) : 0, gfp);
	return block;
}

/*
 * An allocation, and its event on behalf of @caller when tracing. With the
 * event disabled this is the untraced body behind one patched-out jump:
 * the traced copy, out of line, keeps @caller and the event's arguments
 * off the fast path. Measured under icount on Debian's 6.12: an event call
 * inside the one body cost 12 instructions per alloc+free while disabled.
 */
static __always_inline void *obm_heap_alloc_from(struct obm_heap *heap,
						 size_t size, gfp_t gfp,
						 unsigned long caller)
{
	if (trace_obm_alloc_enabled())
		return obm_heap_alloc_traced(heap, size, gfp, caller);
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

/*
 * A block free that obm_pcpu_push() did not take: a full or missing
 * magazine, a double free, or a heap without magazines (verify_free, debug
 * heaps). Out of line, as obm_heap_alloc_refill().
 */
static noinline void obm_free_block(struct obm_heap *heap,
				    unsigned int class_idx,
				    struct obm_pool *pool, void *block,
				    depot_stack_handle_t free_stack)
{
	if (likely(obm_heap_uses_caches(heap)) &&
	    likely(obm_pcpu_free(heap, class_idx, block)))
		return;
	obm_class_free(heap, class_idx, pool, block, free_stack);
}

/* A free, with its event on behalf of @caller if @traced (a constant). */
static __always_inline void obm_free_one(const void *p, bool traced,
					 unsigned long caller)
{
	struct obm_ptr_info info;

	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return;

	rcu_read_lock();
	switch (obm_ptr_resolve(p, OBM_OP_FREE, &info)) {
	case OBM_PTR_BLOCK:
		if (traced)
			trace_obm_free(caller, p, info.arena->heap->name);
		if (likely(obm_heap_uses_caches(info.arena->heap)) &&
		    likely(obm_pcpu_push(info.arena->heap, info.class_idx,
					 (void *)p)))
			break;
		obm_free_block(info.arena->heap, info.class_idx, info.pool,
			       (void *)p, info.free_stack);
		break;
	case OBM_PTR_KMALLOC:
		if (traced)
			trace_obm_free(caller, p, "(kmalloc)");
		kfree(p);
		break;
	case OBM_PTR_INVALID:
		break;
	}
	rcu_read_unlock();
}

static noinline void obm_free_traced(const void *p, unsigned long caller)
{
	obm_free_one(p, true, caller);
}

/* A free, and its event when tracing: as obm_heap_alloc_from(). */
static __always_inline void obm_free_from(const void *p, unsigned long caller)
{
	if (trace_obm_free_enabled())
		obm_free_traced(p, caller);
	else
		obm_free_one(p, false, 0);
}

void obm_free(const void *p)
{
	obm_free_from(p, _RET_IP_);
}
EXPORT_SYMBOL_GPL(obm_free);

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
		if (unlikely(info.arena->heap->debug_flags))
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
 * must stay allocated at exactly their bucket size (obm_heap_kmalloc()).
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
	if (kind == OBM_PTR_BLOCK && unlikely(info.arena->heap->debug_flags))
		size = obm_debug_usable_size(&info, p);
	else if (kind == OBM_PTR_BLOCK)
		size = obm_class_size(info.class_idx);
	rcu_read_unlock();
	if (kind == OBM_PTR_INVALID)
		return NULL;
	if (kind == OBM_PTR_KMALLOC)
		return obm_realloc_kmalloc(p, new_size, gfp, _RET_IP_);

	/*
	 * A live block keeps its arena, and so its heap, alive. A debug
	 * heap's block always moves, so the new one gets its own red zone
	 * and record.
	 */
	heap = info.arena->heap;
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

/* A heap's name is its debugfs directory: no clash with the root files. */
static bool obm_heap_name_valid(const char *name)
{
	size_t len, i;

	if (!name)
		return false;
	len = strnlen(name, OBM_HEAP_NAME_MAX + 1);
	if (!len || len > OBM_HEAP_NAME_MAX || name[0] == '.')
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && !strchr("_.-", name[i]))
			return false;
	return match_string(obm_debugfs_root_names, -1, name) < 0;
}

static struct obm_heap *obm_heap_find(const char *name)
{
	struct obm_heap *heap;

	lockdep_assert_held(&obm_heaps_lock);
	list_for_each_entry(heap, &obm_heaps, node)
		if (!strcmp(heap->name, name))
			return heap;
	return NULL;
}

/*
 * Free a heap with no live block and no cached block; the caller ensures
 * that, and that its shrinker is gone.
 */
static void obm_heap_free(struct obm_heap *heap)
{
	mutex_lock(&obm_heaps_lock);
	list_del(&heap->node);
	obm_debugfs_remove_heap(heap);
	mutex_unlock(&obm_heaps_lock);

	obm_arenas_release_all(heap);
	/* A lookup may still reach heap through a released arena until then. */
	obm_arenas_wait_freed();
	obm_pcpu_destroy(heap);
	if (heap->debug_flags)
		static_branch_dec(&obm_checks_key);
	kfree(heap);
}

struct obm_heap *obm_heap_create(const char *name)
{
	struct obm_heap *heap;

	might_sleep();
	if (!obm_heap_name_valid(name))
		return ERR_PTR(-EINVAL);

	heap = kzalloc(sizeof(*heap), GFP_KERNEL);
	if (!heap)
		return ERR_PTR(-ENOMEM);
	strscpy(heap->name, name, sizeof(heap->name));
	mutex_init(&heap->drain_lock);
	heap->freelist_key = get_random_long();
	spin_lock_init(&heap->arena_lock);
	INIT_LIST_HEAD(&heap->usable_arenas);
	INIT_LIST_HEAD(&heap->arenas);
	obm_classes_init(heap);
	heap->debug_flags = obm_debug_flags_for(name);
	/* A no-op where the kernel set the depot up at boot. */
	if ((heap->debug_flags & OBM_DEBUG_TRACK) && stack_depot_init())
		goto free_heap;
	heap->pcpu = obm_pcpu_create(heap);
	if (!heap->pcpu)
		goto free_heap;
	if (heap->debug_flags)
		static_branch_inc(&obm_checks_key);

	mutex_lock(&obm_heaps_lock);
	if (obm_heap_find(name)) {
		mutex_unlock(&obm_heaps_lock);
		obm_pcpu_destroy(heap);
		if (heap->debug_flags)
			static_branch_dec(&obm_checks_key);
		kfree(heap);
		return ERR_PTR(-EEXIST);
	}
	list_add_tail(&heap->node, &obm_heaps);
	obm_debugfs_add_heap(heap);
	mutex_unlock(&obm_heaps_lock);

	/* Registered last: a scan may run as soon as it is. */
	if (obm_heap_shrinker_create(heap)) {
		obm_heap_free(heap);
		return ERR_PTR(-ENOMEM);
	}
	return heap;

free_heap:
	kfree(heap);
	return ERR_PTR(-ENOMEM);
}
EXPORT_SYMBOL_GPL(obm_heap_create);

/* Report the live blocks of a heap by class; return how many there are. */
static unsigned long obm_heap_report_live(struct obm_heap *heap)
{
	unsigned long live[OBM_NR_CLASSES], total = 0;
	unsigned int i;

	for (i = 0; i < OBM_NR_CLASSES; i++) {
		live[i] = READ_ONCE(heap->classes[i].nr_used_blocks);
		total += live[i];
	}
	if (!total)
		return 0;

	obm_report(heap, "destroy with live blocks",
		   "obm_heap_destroy(): %lu blocks still allocated; heap left in place",
		   total);
	for (i = 0; i < OBM_NR_CLASSES; i++)
		if (live[i])
			pr_err("obmalloc: heap %s: %lu live blocks in class %u (%u bytes)\n",
			       heap->name, live[i], i, obm_class_size(i));
	/* A debug heap knows each block, and who allocated it. */
	obm_debug_report_leaks(heap);
	return total;
}

/*
 * Give every cached block of a heap back to its pool: online CPUs' from
 * their drain work items, offline CPUs' (emptied when they went down,
 * unless the heap was created meanwhile) directly. Holding the hotplug
 * lock keeps the two sets fixed.
 */
static void obm_heap_drain_everywhere(struct obm_heap *heap)
{
	unsigned int cpu;

	cpus_read_lock();
	obm_heap_drain(heap, ULONG_MAX);
	for_each_possible_cpu(cpu)
		if (!cpu_online(cpu))
			obm_pcpu_drain_dead(heap, cpu);
	cpus_read_unlock();
}

void obm_heap_destroy(struct obm_heap *heap)
{
	if (IS_ERR_OR_NULL(heap))
		return;
	might_sleep();
	if (WARN(heap == obm_default_heap,
		 "obmalloc: the default heap cannot be destroyed\n"))
		return;
	obm_heap_drain_everywhere(heap);
	if (obm_heap_report_live(heap))
		return;
	obm_heap_shrinker_destroy(heap);
	obm_heap_free(heap);
}
EXPORT_SYMBOL_GPL(obm_heap_destroy);

/**
 * obm_heaps_drain_all() - Empty the magazines of every heap on every CPU.
 *
 * Context: Process context; takes the CPU hotplug lock, then
 * obm_heaps_lock, the order of the hotplug callback.
 */
void obm_heaps_drain_all(void)
{
	struct obm_heap *heap;

	cpus_read_lock();
	mutex_lock(&obm_heaps_lock);
	list_for_each_entry(heap, &obm_heaps, node)
		obm_heap_drain(heap, ULONG_MAX);
	mutex_unlock(&obm_heaps_lock);
	cpus_read_unlock();
}

/**
 * obm_heaps_drain_dead() - Empty a dead CPU's magazines of every heap.
 * @cpu: The CPU.
 *
 * Context: CPU hotplug "dead" callback, hotplug lock held.
 */
void obm_heaps_drain_dead(unsigned int cpu)
{
	struct obm_heap *heap;

	mutex_lock(&obm_heaps_lock);
	list_for_each_entry(heap, &obm_heaps, node)
		obm_pcpu_drain_dead(heap, cpu);
	mutex_unlock(&obm_heaps_lock);
}

/*
 * Module exit: every client is gone (they depend on our symbols). A heap
 * with live blocks now is a client's leak: reported once, here, and its
 * arenas stay allocated, since the blocks may still be in use; everything
 * of obmalloc's that could run later - its shrinker, debugfs files, drain
 * work - is taken down all the same.
 */
static void obm_heaps_destroy_all(void)
{
	struct obm_heap *heap, *next;

	list_for_each_entry_safe(heap, next, &obm_heaps, node) {
		obm_heap_drain_everywhere(heap);
		obm_heap_shrinker_destroy(heap);
		if (!obm_heap_report_live(heap)) {
			obm_heap_free(heap);
			continue;
		}
		pr_err("obmalloc: heap %s: unloading with live blocks: its %lu arenas are left allocated\n",
		       heap->name, obm_arenas_current(heap));
		mutex_lock(&obm_heaps_lock);
		list_del(&heap->node);
		obm_debugfs_remove_heap(heap);
		mutex_unlock(&obm_heaps_lock);
		obm_pcpu_destroy(heap);
		/* Reachable from nothing once the registry is gone. */
		kmemleak_not_leak(heap);
	}
}

static int __init obm_init(void)
{
	struct dentry *root;
	int ret;

	obm_class_table_init();
	ret = obm_pcpu_init();
	if (ret)
		return ret;
	ret = obm_reclaim_init();
	if (ret)
		goto pcpu_exit;
	root = obm_debugfs_init();
	obm_debug_init(root);
	obm_default_heap = obm_heap_create("default");
	if (IS_ERR(obm_default_heap)) {
		ret = PTR_ERR(obm_default_heap);
		goto debugfs_exit;
	}
	pr_info("obmalloc: %u size classes of %u..%u bytes, %lu KiB arenas of %lu pools\n",
		OBM_NR_CLASSES, OBM_ALIGNMENT, OBM_SMALL_MAX,
		OBM_ARENA_SIZE / SZ_1K, OBM_POOLS_PER_ARENA);
	return 0;

debugfs_exit:
	obm_debugfs_exit();
	obm_reclaim_exit();
pcpu_exit:
	obm_pcpu_exit();
	return ret;
}

static void __exit obm_exit(void)
{
	obm_reclaim_exit();
	obm_heaps_destroy_all();
	obm_pcpu_exit();
	/* Let pending arena frees run before their code goes away. */
	obm_arenas_wait_freed();
	obm_arena_registry_exit();
	obm_debugfs_exit();
}

module_init(obm_init);
module_exit(obm_exit);

MODULE_DESCRIPTION("pymalloc-style small-object allocator for kernel modules");
MODULE_LICENSE("GPL");
