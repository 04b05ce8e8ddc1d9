// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc heaps and the exported API (include/obmalloc.h).
 *
 * A heap is a set of 64 size classes and the arenas that feed them. Heaps
 * share nothing but the arena registry, so one heap's blocks never share a
 * page with another's, and each has its own statistics in debugfs. The
 * default heap serves obm_alloc() and is created at module load.
 *
 * Requests above OBM_SMALL_MAX bytes go to kmalloc(); obm_free() tells
 * them apart by address (see obm_debug.c), so one free serves both.
 *
 * Contexts: obm_heap_alloc(), obm_alloc(), obm_zalloc(), obm_realloc(),
 * obm_free() and obm_usable_size() may be called from process, softirq
 * and hardirq context: they take only irq-safe spinlocks and call the page
 * allocator, kmalloc() and kmemleak with the caller's gfp flags and no
 * spinlock held. obm_heap_create() and obm_heap_destroy() sleep.
 *
 * Locking: obm_heaps_lock (mutex) guards the list of heaps and their
 * debugfs directories; it is the outermost lock (see obm_internal.h). The
 * CPU hotplug callback takes it with the hotplug lock held, so nothing here
 * calls cpus_read_lock() with obm_heaps_lock held.
 */

#include <linux/cpu.h>
#include <linux/ctype.h>
#include <linux/kmemleak.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "obm_internal.h"

static DEFINE_MUTEX(obm_heaps_lock);
static LIST_HEAD(obm_heaps);

/* The heap behind obm_alloc(); lives as long as the module. */
struct obm_heap *obm_default_heap;

/*
 * Pools are shared by every caller of a heap, so per-call placement flags
 * cannot be honoured for small blocks: zone modifiers and __GFP_NOFAIL
 * are dropped with a warning, __GFP_ACCOUNT silently (an arena would be
 * charged to whichever cgroup happened to fill it). __GFP_ZERO is done
 * per block by the caller of this function.
 */
static gfp_t obm_gfp_sanitize(gfp_t gfp)
{
	const gfp_t unsupported = GFP_ZONEMASK | __GFP_NOFAIL;

	WARN_ONCE(gfp & unsupported,
		  "obmalloc: unsupported gfp flags %pGg ignored\n", &gfp);
	return gfp & ~(unsupported | __GFP_ZERO | __GFP_ACCOUNT | __GFP_COMP);
}

void *obm_heap_alloc(struct obm_heap *heap, size_t size, gfp_t gfp)
{
	unsigned int class_idx;
	gfp_t pool_gfp;
	void *block;

	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (size > OBM_SMALL_MAX) {
		block = kmalloc(size, gfp);
		if (unlikely(!block))
			atomic_long_inc(&heap->alloc_failures);
		return block;
	}

	might_alloc(gfp);
	pool_gfp = obm_gfp_sanitize(gfp);
	class_idx = obm_size_to_class(size);
	for (;;) {
		if (likely(obm_caches_enabled()))
			block = obm_pcpu_alloc(heap, class_idx);
		else if (!obm_class_take_blocks(heap, class_idx, &block, 1))
			block = NULL;
		if (likely(block))
			break;
		/* No free pool: grow by an arena with no lock held. */
		if (obm_heap_grow(heap, pool_gfp)) {
			atomic_long_inc(&heap->alloc_failures);
			return NULL;
		}
	}
	kmemleak_alloc(block, obm_class_size(class_idx), 1, pool_gfp);
	if (gfp & __GFP_ZERO)
		memset(block, 0, obm_class_size(class_idx));
	return block;
}
EXPORT_SYMBOL_GPL(obm_heap_alloc);

void *obm_alloc(size_t size, gfp_t gfp)
{
	return obm_heap_alloc(obm_default_heap, size, gfp);
}
EXPORT_SYMBOL_GPL(obm_alloc);

void *obm_zalloc(size_t size, gfp_t gfp)
{
	return obm_heap_alloc(obm_default_heap, size, gfp | __GFP_ZERO);
}
EXPORT_SYMBOL_GPL(obm_zalloc);

void obm_free(const void *p)
{
	struct obm_ptr_info info;

	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return;

	rcu_read_lock();
	switch (obm_ptr_resolve(p, "obm_free", &info)) {
	case OBM_PTR_BLOCK:
		if (likely(obm_caches_enabled()))
			obm_pcpu_free(info.arena->heap, info.class_idx, (void *)p);
		else
			obm_class_free(info.arena->heap, info.class_idx,
				       info.pool, (void *)p);
		break;
	case OBM_PTR_KMALLOC:
		kfree(p);
		break;
	case OBM_PTR_INVALID:
		break;
	}
	rcu_read_unlock();
}
EXPORT_SYMBOL_GPL(obm_free);

size_t obm_usable_size(const void *p)
{
	struct obm_ptr_info info;
	size_t size = 0;

	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return 0;

	rcu_read_lock();
	switch (obm_ptr_resolve(p, "obm_usable_size", &info)) {
	case OBM_PTR_BLOCK:
		size = obm_class_size(info.class_idx);
		break;
	case OBM_PTR_KMALLOC:
		size = ksize(p);
		break;
	case OBM_PTR_INVALID:
		break;
	}
	rcu_read_unlock();
	return size;
}
EXPORT_SYMBOL_GPL(obm_usable_size);

void *obm_realloc(const void *p, size_t new_size, gfp_t gfp)
{
	struct obm_ptr_info info;
	enum obm_ptr_kind kind;
	struct obm_heap *heap;
	unsigned int size;
	void *q;

	if (ZERO_OR_NULL_PTR(p))
		return obm_alloc(new_size, gfp);
	if (!new_size) {
		obm_free(p);
		return ZERO_SIZE_PTR;
	}

	rcu_read_lock();
	kind = obm_ptr_resolve(p, "obm_realloc", &info);
	rcu_read_unlock();
	if (kind == OBM_PTR_INVALID)
		return NULL;
	if (kind == OBM_PTR_KMALLOC)
		return krealloc(p, new_size, gfp);

	/* A live block keeps its arena, and so its heap, alive. */
	heap = info.arena->heap;
	size = obm_class_size(info.class_idx);
	if (new_size <= size &&
	    (obm_size_to_class(new_size) == info.class_idx ||
	     4 * new_size > 3 * size))
		return (void *)p;

	q = obm_heap_alloc(heap, new_size, gfp);
	if (!q)
		return NULL;
	memcpy(q, p, min_t(size_t, size, new_size));
	obm_free(p);
	return q;
}
EXPORT_SYMBOL_GPL(obm_realloc);

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
	return true;
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
	free_percpu(heap->pcpu);
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
	spin_lock_init(&heap->arena_lock);
	INIT_LIST_HEAD(&heap->usable_arenas);
	obm_classes_init(heap);
	heap->pcpu = obm_pcpu_create();
	if (!heap->pcpu)
		goto free_heap;

	mutex_lock(&obm_heaps_lock);
	if (obm_heap_find(name)) {
		mutex_unlock(&obm_heaps_lock);
		free_percpu(heap->pcpu);
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
	return total;
}

/*
 * Give every cached block of a heap back to its pool: online CPUs' with
 * on_each_cpu(), offline CPUs' (emptied when they went down, unless the
 * heap was created meanwhile) directly. Holding the hotplug lock keeps the
 * two sets fixed.
 */
static void obm_heap_drain_everywhere(struct obm_heap *heap)
{
	unsigned int cpu;

	cpus_read_lock();
	obm_heap_drain(heap);
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
 * Context: Process context.
 */
void obm_heaps_drain_all(void)
{
	struct obm_heap *heap;

	mutex_lock(&obm_heaps_lock);
	list_for_each_entry(heap, &obm_heaps, node)
		obm_heap_drain(heap);
	mutex_unlock(&obm_heaps_lock);
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

/**
 * obm_heap_cached_blocks() - Blocks of a heap held in magazines.
 * @heap: The heap.
 *
 * Return: The count, summed without locks.
 */
unsigned long obm_heap_cached_blocks(struct obm_heap *heap)
{
	unsigned long cached = 0;
	unsigned int i;

	for (i = 0; i < OBM_NR_CLASSES; i++)
		cached += obm_pcpu_cached(heap, i);
	return cached;
}

static void obm_heaps_destroy_all(void)
{
	struct obm_heap *heap, *next;

	/*
	 * Clients depend on our symbols, so they are all gone: a heap with
	 * live blocks now is a client's leak, reported here and by kmemleak.
	 */
	list_for_each_entry_safe(heap, next, &obm_heaps, node) {
		obm_heap_drain_everywhere(heap);
		if (obm_heap_report_live(heap))
			continue;
		obm_heap_shrinker_destroy(heap);
		obm_heap_free(heap);
	}
}

static int __init obm_init(void)
{
	struct dentry *root;
	int ret;

	obm_class_table_init();
	obm_pcpu_init();
	ret = obm_reclaim_init();
	if (ret)
		return ret;
	root = obm_debugfs_init();
	obm_debug_init(root);
	obm_default_heap = obm_heap_create("default");
	if (IS_ERR(obm_default_heap)) {
		obm_debugfs_exit();
		obm_reclaim_exit();
		return PTR_ERR(obm_default_heap);
	}
	pr_info("obmalloc: %u size classes of %u..%u bytes, %lu KiB arenas of %lu pools\n",
		OBM_NR_CLASSES, OBM_ALIGNMENT, OBM_SMALL_MAX,
		OBM_ARENA_SIZE / SZ_1K, OBM_POOLS_PER_ARENA);
	return 0;
}

static void __exit obm_exit(void)
{
	obm_reclaim_exit();
	obm_heaps_destroy_all();
	/* Let pending arena frees run before their code goes away. */
	obm_arenas_wait_freed();
	obm_arena_registry_exit();
	obm_debugfs_exit();
}

module_init(obm_init);
module_exit(obm_exit);

MODULE_DESCRIPTION("pymalloc-style small-object allocator for kernel modules");
MODULE_LICENSE("GPL");
