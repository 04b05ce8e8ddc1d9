// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc heaps: creation, growth, destruction.
 *
 * A heap is a name, per-CPU magazines (obm_pcpu.c) and, per node, the
 * pools it holds (obm_pool.c). Its pools come from the node's shared arena
 * set (obm_arena.c), or, for a debug heap, from sets of its own. What a
 * heap needs only once it is used - a class's state on a node, a CPU's
 * magazines - is allocated then, with the caller's gfp flags, so that
 * creating a heap takes only small order-0 allocations. The default heap
 * serves obm_alloc() and lives as long as the module.
 *
 * Teardown is written once, obm_heap_teardown(), for a destroyed heap, a
 * heap whose creation failed half way, and module exit.
 *
 * Locking: obm_heaps_lock (mutex) guards the list of heaps and their
 * debugfs directories. The CPU hotplug callback takes it with the hotplug
 * lock held, so a path that needs both takes cpus_read_lock() first (lock
 * order: obm_internal.h).
 */

#define pr_fmt(fmt) "obmalloc: " fmt

#include <linux/cpu.h>
#include <linux/ctype.h>
#include <linux/kmemleak.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "obm_internal.h"

DEFINE_MUTEX(obm_heaps_lock);	/* the heap list; see above */
static LIST_HEAD(obm_heaps);
static atomic_t obm_heap_ids = ATOMIC_INIT(0);

/* The heap behind obm_alloc(); lives as long as the module. */
struct obm_heap *obm_default_heap;

/**
 * obm_heap_class_get() - A heap's class on a node, allocated if need be.
 * @heap: The heap.
 * @nid: A possible node.
 * @class_idx: The class.
 * @gfp: The caller's flags, without __GFP_ZERO.
 *
 * Context: No obmalloc spinlock held; sleeps only if @gfp allows.
 * Return: The class, or NULL if it could not be allocated.
 */
struct obm_class *obm_heap_class_get(struct obm_heap *heap, int nid,
				     unsigned int class_idx, gfp_t gfp)
{
	struct obm_heap_node *hn = obm_heap_node(heap, nid);
	struct obm_class *class = obm_heap_class(heap, nid, class_idx);

	if (class)
		return class;
	class = kmalloc_node(sizeof(*class), gfp & ~__GFP_NOFAIL, nid);
	if (!class)
		return NULL;
	spin_lock_init(&class->lock);
	INIT_LIST_HEAD(&class->partial);
	class->nr_pools = 0;
	class->nr_full = 0;
	class->nr_used_blocks = 0;
	/* Another CPU's may have come first: use that one. */
	if (cmpxchg(&hn->classes[class_idx], NULL, class))
		kfree(class);
	return obm_heap_class(heap, nid, class_idx);
}

/**
 * obm_heap_grow() - Give the set a heap takes pools from on a node an arena.
 * @heap: The heap.
 * @nid: The node.
 * @gfp: The caller's flags, without __GFP_ZERO.
 *
 * The heap keeps the new arena's first pool: its next pool on @nid.
 *
 * Context: No obmalloc spinlock held; sleeps only if @gfp allows.
 * Return: 0, or -ENOMEM.
 */
int obm_heap_grow(struct obm_heap *heap, int nid, gfp_t gfp)
{
	struct obm_heap_node *hn = obm_heap_node(heap, nid);
	struct obm_pool *pool = obm_set_grow(hn->set, gfp);

	if (!pool)
		return -ENOMEM;
	obm_pool_keep_new(heap, hn, pool);
	return 0;
}

/**
 * obm_heap_count_failure() - Count an allocation that returns NULL.
 * @heap: The heap.
 */
void obm_heap_count_failure(struct obm_heap *heap)
{
	atomic_long_inc(&heap->alloc_failures);
}

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
	list_for_each_entry(heap, &obm_heaps, list)
		if (!strcmp(heap->name, name))
			return heap;
	return NULL;
}

/*
 * Undo obm_heap_create(), whatever part of it happened: the heap must hold
 * no live block and no cached block. Lockless readers may still hold a
 * pointer to it (a racing bogus free), so the memory waits a grace period.
 */
static void obm_heap_teardown(struct obm_heap *heap)
{
	int nid;

	if (!list_empty(&heap->list)) {
		mutex_lock(&obm_heaps_lock);
		list_del_init(&heap->list);
		obm_debugfs_remove_heap(heap);
		mutex_unlock(&obm_heaps_lock);
	}
	if (heap->shrinker)
		obm_heap_shrinker_destroy(heap);
	for_each_node(nid)
		if (!heap->nodes[nid])
			goto free_nodes;
	obm_pool_heap_teardown(heap);
free_nodes:
	synchronize_rcu();
	for_each_node(nid) {
		struct obm_heap_node *hn = heap->nodes[nid];

		if (!hn)
			continue;
		if (hn->set && hn->set->owner)
			obm_set_destroy(hn->set);
		kfree(hn);
	}
	if (heap->caches)
		obm_pcpu_heap_exit(heap);
	if (heap->debug_flags)
		static_branch_dec(&obm_checks_key);
	kfree(heap);
}

static int obm_heap_nodes_init(struct obm_heap *heap)
{
	struct obm_heap_node *hn;
	int nid;

	for_each_node(nid) {
		hn = kzalloc_node(sizeof(*hn), GFP_KERNEL, nid);
		if (!hn)
			return -ENOMEM;
		heap->nodes[nid] = hn;
		spin_lock_init(&hn->lock);
		INIT_LIST_HEAD(&hn->empty_pools);
		hn->nid = nid;
		hn->set = heap->debug_flags ? obm_set_create(heap, nid) :
					      obm_node_set(nid);
		if (!hn->set)
			return -ENOMEM;
	}
	return 0;
}

struct obm_heap *obm_heap_create(const char *name)
{
	struct obm_heap *heap;
	int err = -ENOMEM;

	might_sleep();
	if (!obm_heap_name_valid(name))
		return ERR_PTR(-EINVAL);

	heap = kzalloc(struct_size(heap, nodes, nr_node_ids), GFP_KERNEL);
	if (!heap)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&heap->list);
	strscpy(heap->name, name, sizeof(heap->name));
	heap->id = atomic_inc_return(&obm_heap_ids);
	heap->freelist_key = get_random_long();
	heap->debug_flags = obm_debug_flags_for(name);
	if (heap->debug_flags)
		static_branch_inc(&obm_checks_key);
	/* A no-op where the kernel set the depot up at boot. */
	if ((heap->debug_flags & OBM_DEBUG_TRACK) && stack_depot_init())
		goto fail;
	if (obm_heap_nodes_init(heap) || obm_pcpu_heap_init(heap))
		goto fail;

	mutex_lock(&obm_heaps_lock);
	if (obm_heap_find(name)) {
		mutex_unlock(&obm_heaps_lock);
		err = -EEXIST;
		goto fail;
	}
	list_add_tail(&heap->list, &obm_heaps);
	obm_debugfs_add_heap(heap);
	mutex_unlock(&obm_heaps_lock);

	/* Registered last: a scan may run as soon as it is. */
	if (obm_heap_shrinker_create(heap))
		goto fail;
	return heap;

fail:
	obm_heap_teardown(heap);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(obm_heap_create);

struct obm_heap *obm_heap_get(const char *name)
{
	struct obm_heap *heap;

	might_sleep();
	mutex_lock(&obm_heaps_lock);
	heap = obm_heap_find(name);
	mutex_unlock(&obm_heaps_lock);
	if (heap)
		return heap;
	heap = obm_heap_create(name);
	/* Another caller may have made it meanwhile. */
	if (heap == ERR_PTR(-EEXIST)) {
		mutex_lock(&obm_heaps_lock);
		heap = obm_heap_find(name) ?: ERR_PTR(-EEXIST);
		mutex_unlock(&obm_heaps_lock);
	}
	return heap;
}
EXPORT_SYMBOL_GPL(obm_heap_get);

/* Live blocks of a heap, per class, summed over nodes. */
static unsigned long obm_heap_live(struct obm_heap *heap,
				   unsigned long live[OBM_NR_CLASSES])
{
	unsigned long total = 0;
	unsigned int i;
	int nid;

	memset(live, 0, OBM_NR_CLASSES * sizeof(*live));
	for_each_node(nid)
		for (i = 0; i < OBM_NR_CLASSES; i++) {
			struct obm_class *class = obm_heap_class(heap, nid, i);

			if (class)
				live[i] += READ_ONCE(class->nr_used_blocks);
		}
	for (i = 0; i < OBM_NR_CLASSES; i++)
		total += live[i];
	return total;
}

/* Report the live blocks of a heap by class; return how many there are. */
static unsigned long obm_heap_report_live(struct obm_heap *heap)
{
	unsigned long live[OBM_NR_CLASSES], total;
	unsigned int i;

	total = obm_heap_live(heap, live);
	if (!total)
		return 0;
	obm_report(heap, "destroy with live blocks",
		   "obm_heap_destroy(): %lu blocks still allocated; heap left in place",
		   total);
	for (i = 0; i < OBM_NR_CLASSES; i++)
		if (live[i])
			pr_err("heap %s: %lu live blocks in class %u (%u bytes)\n",
			       heap->name, live[i], i, obm_class_size(i));
	if (atomic_long_read(&heap->stray_frees))
		pr_err("heap %s: %ld of them were freed by kfree() or its kin\n",
		       heap->name, atomic_long_read(&heap->stray_frees));
	/* A debug heap knows each block, and who allocated it. */
	obm_debug_report_leaks(heap);
	return total;
}

/*
 * Give every cached block of a heap back to its pool: online CPUs' from
 * their drain work items, offline CPUs' (emptied when they went down,
 * unless the heap was used there since) directly. Holding the hotplug
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
	/* Blocks queued with obm_free_rcu() are not live any more. */
	obm_rcu_barrier();
	obm_heap_drain_everywhere(heap);
	if (obm_heap_report_live(heap))
		return;
	obm_heap_teardown(heap);
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
	list_for_each_entry(heap, &obm_heaps, list)
		obm_heap_drain(heap, ULONG_MAX);
	mutex_unlock(&obm_heaps_lock);
	cpus_read_unlock();
}

/**
 * obm_heaps_drain_dead() - Empty a dead CPU's magazines of every heap.
 * @cpu: The CPU.
 *
 * Context: The CPU hotplug "dead" callback, which cannot race a path
 * holding cpus_read_lock() (lockdep_assert_cpus_held() is not exported).
 */
void obm_heaps_drain_dead(unsigned int cpu)
{
	struct obm_heap *heap;

	mutex_lock(&obm_heaps_lock);
	list_for_each_entry(heap, &obm_heaps, list)
		obm_pcpu_drain_dead(heap, cpu);
	mutex_unlock(&obm_heaps_lock);
}

/**
 * obm_heaps_init() - Create the default heap.
 *
 * Return: 0 or a negative errno.
 */
int obm_heaps_init(void)
{
	obm_default_heap = obm_heap_create("default");
	return PTR_ERR_OR_ZERO(obm_default_heap);
}

/**
 * obm_heaps_exit() - Take every heap down at module exit.
 *
 * Every client is gone (they depend on our symbols). A heap with live
 * blocks now is a client's leak: reported once, here; its pools stay
 * allocated, since the blocks may still be in use, and everything of
 * obmalloc's that could run later - its shrinker, debugfs files - goes.
 */
void obm_heaps_exit(void)
{
	struct obm_heap *heap, *next;

	list_for_each_entry_safe(heap, next, &obm_heaps, list) {
		unsigned long pools = 0;
		unsigned int i;
		int nid;

		obm_heap_drain_everywhere(heap);
		if (!obm_heap_report_live(heap)) {
			obm_heap_teardown(heap);
			continue;
		}
		/* Only the pools blocks live in stay; obm_arenas_exit() counts. */
		obm_pool_give_back_empty(heap);
		for_each_node(nid)
			for (i = 0; i < OBM_NR_CLASSES; i++) {
				struct obm_class *class = obm_heap_class(heap, nid, i);

				if (class)
					pools += class->nr_pools;
			}
		pr_err("heap %s: unloading with live blocks: its %lu pools (pages) are left allocated\n",
		       heap->name, pools);
		/* A debug heap's own sets: give back all but those pools. */
		for_each_node(nid)
			if (heap->nodes[nid] && heap->nodes[nid]->set &&
			    heap->nodes[nid]->set->owner)
				obm_set_destroy(heap->nodes[nid]->set);
		mutex_lock(&obm_heaps_lock);
		list_del_init(&heap->list);
		obm_debugfs_remove_heap(heap);
		mutex_unlock(&obm_heaps_lock);
		obm_heap_shrinker_destroy(heap);
		/* Reachable from nothing once the registry is gone. */
		kmemleak_not_leak(heap);
	}
}
