// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc under memory pressure and CPU hotplug.
 *
 * Memory that obmalloc holds without any caller using it: blocks parked in
 * the per-CPU magazines, and the one empty arena each heap keeps in
 * reserve. Each heap registers a shrinker ("obmalloc-<heap>") that counts
 * both, in blocks and pages, and under pressure drains every CPU's
 * magazines back to the pools (which may empty pools and arenas) and gives
 * the empty arenas back to the page allocator.
 *
 * A CPU that goes offline leaves its magazines behind; the CPU hotplug
 * "dead" callback, which runs on another CPU after the dead one has
 * stopped, flushes them for every heap.
 *
 * Contexts: the shrinker callbacks run in reclaim (process context, no
 * obmalloc lock held: obmalloc never allocates with a lock held) and may
 * wait for other CPUs in on_each_cpu(). The hotplug callback holds the CPU
 * hotplug lock and takes obm_heaps_lock; nothing takes them the other way
 * round (see obm_heap.c).
 */

#include <linux/cpuhotplug.h>
#include <linux/module.h>
#include <linux/shrinker.h>

#include <obmalloc_internal.h>

#include "obm_internal.h"

static enum cpuhp_state obm_cpuhp_state;

static unsigned long obm_shrinker_count(struct shrinker *shrinker,
					struct shrink_control *sc)
{
	struct obm_heap *heap = obm_shrinker_private(shrinker);
	unsigned long n;

	n = obm_heap_cached_blocks(heap) + obm_arenas_empty_pages(heap);
	return n ?: SHRINK_EMPTY;
}

static unsigned long obm_shrinker_scan(struct shrinker *shrinker,
				       struct shrink_control *sc)
{
	struct obm_heap *heap = obm_shrinker_private(shrinker);
	unsigned long freed;

	/* Draining first can empty arenas for the release that follows. */
	freed = obm_heap_drain(heap);
	freed += obm_arenas_release_empty(heap);
	return freed ?: SHRINK_STOP;
}

/**
 * obm_heap_shrinker_create() - Register a heap's shrinker.
 * @heap: The heap, whose name is set.
 *
 * Context: Process context; sleeps.
 * Return: 0 or -ENOMEM.
 */
int obm_heap_shrinker_create(struct obm_heap *heap)
{
	heap->shrinker = obm_shrinker_create(heap->name, heap,
					     obm_shrinker_count,
					     obm_shrinker_scan);
	return heap->shrinker ? 0 : -ENOMEM;
}

/**
 * obm_heap_shrinker_destroy() - Unregister a heap's shrinker.
 * @heap: The heap.
 *
 * Waits for running scans to finish.
 *
 * Context: Process context; sleeps.
 */
void obm_heap_shrinker_destroy(struct obm_heap *heap)
{
	obm_shrinker_destroy(heap->shrinker);
	heap->shrinker = NULL;
}

/**
 * obm_heap_shrinker() - A heap's shrinker, for obmalloc's KUnit tests.
 * @heap: The heap.
 *
 * The tests call its count_objects() and scan_objects() directly.
 *
 * Return: The shrinker.
 */
struct shrinker *obm_heap_shrinker(struct obm_heap *heap)
{
	return heap->shrinker;
}
EXPORT_SYMBOL_NS_GPL(obm_heap_shrinker, OBMALLOC_INTERNAL);

static int obm_cpu_dead(unsigned int cpu)
{
	obm_heaps_drain_dead(cpu);
	return 0;
}

/**
 * obm_reclaim_init() - Register the CPU hotplug callback.
 *
 * Return: 0 or a negative errno.
 */
int obm_reclaim_init(void)
{
	int ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
					    "mm/obmalloc:dead", NULL,
					    obm_cpu_dead);

	if (ret < 0)
		return ret;
	obm_cpuhp_state = ret;
	return 0;
}

/**
 * obm_reclaim_exit() - Unregister the CPU hotplug callback.
 */
void obm_reclaim_exit(void)
{
	cpuhp_remove_state_nocalls(obm_cpuhp_state);
}
