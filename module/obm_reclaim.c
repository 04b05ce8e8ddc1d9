// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc under memory pressure and CPU hotplug.
 *
 * Memory obmalloc holds without any caller using it: blocks parked in
 * the magazines, the empty pools each heap keeps, and the empty arenas of
 * the sets (one per node kept in reserve; a debug heap keeps all of its
 * own). Each heap registers a shrinker ("obmalloc-<heap>") that counts its
 * cached blocks and empty pools (and a debug heap's empty arena pages);
 * one more shrinker ("obmalloc-arenas") counts the shared sets' empty
 * arenas. All declare their objects free to recreate (seeks 0: reclaim
 * asks for half of them whenever it runs). A heap's scan gives its empty
 * pools back first, which costs no other CPU anything, then drains the
 * magazines of one CPU after another, only of CPUs that hold cached
 * blocks, until the budget is met, then gives back the pools that
 * draining emptied.
 *
 * Every call is counted by its caller, kswapd, direct reclaim or anything
 * else (drop_caches), in module-wide counters that outlive the heaps: the
 * debugfs file "reclaim" shows whether memory pressure reaches obmalloc.
 *
 * A CPU that goes offline leaves its magazines behind; the CPU hotplug
 * "dead" callback, which runs on another CPU after the dead one stopped,
 * flushes them for every heap.
 *
 * Contexts: the shrinker callbacks run in reclaim (process context, no
 * obmalloc lock held: obmalloc never allocates with a lock held) and wait
 * for drain work items (obm_pcpu.c). They do not take the CPU hotplug
 * lock: reclaim runs inside CPU hotplug operations, which hold it for
 * writing (bringing a CPU up allocates, and kswapd is woken then).
 * Without it, a CPU that goes down during a drain is skipped and its dead
 * callback empties its magazines. That callback holds the CPU hotplug
 * lock and takes obm_heaps_lock, the order every path that takes both
 * takes them in (obm_internal.h).
 */

#define pr_fmt(fmt) "obmalloc: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/module.h>
#include <linux/shrinker.h>
#include <linux/swap.h>

#include <obmalloc_internal.h>

#include "obm_internal.h"

static enum cpuhp_state obm_cpuhp_state;

static struct {
	atomic_long_t	counts;
	atomic_long_t	scans;
	atomic_long_t	freed;
} obm_reclaim_counters[OBM_NR_RECLAIMERS];

static const char * const obm_reclaimer_names[OBM_NR_RECLAIMERS] = {
	[OBM_RECLAIMER_KSWAPD]	= "kswapd",
	[OBM_RECLAIMER_DIRECT]	= "direct",
	[OBM_RECLAIMER_OTHER]	= "other",
};

/*
 * kswapd runs with PF_KSWAPD; direct reclaim (for an allocation, or for a
 * memory cgroup over its limit) with PF_MEMALLOC set around it, which
 * drop_caches does not set.
 */
static enum obm_reclaimer obm_current_reclaimer(void)
{
	if (current_is_kswapd())
		return OBM_RECLAIMER_KSWAPD;
	if (current->flags & PF_MEMALLOC)
		return OBM_RECLAIMER_DIRECT;
	return OBM_RECLAIMER_OTHER;
}

/**
 * obm_reclaimer_name() - The name of a kind of shrinker caller.
 * @who: The kind.
 *
 * Return: "kswapd", "direct" or "other".
 */
const char *obm_reclaimer_name(enum obm_reclaimer who)
{
	return obm_reclaimer_names[who];
}

/**
 * obm_reclaim_read_stats() - What one kind of caller asked of the shrinkers.
 * @who: The kind of caller.
 * @stats: Filled with the counts since the module was loaded.
 */
void obm_reclaim_read_stats(enum obm_reclaimer who,
			    struct obm_reclaim_stats *stats)
{
	stats->counts = atomic_long_read(&obm_reclaim_counters[who].counts);
	stats->scans = atomic_long_read(&obm_reclaim_counters[who].scans);
	stats->freed = atomic_long_read(&obm_reclaim_counters[who].freed);
}

/* The empty pools a heap keeps, and a debug heap's empty arena pages. */
static unsigned long obm_heap_idle_pages(struct obm_heap *heap)
{
	unsigned long pages = 0;
	int nid;

	for_each_node(nid) {
		struct obm_heap_node *hn = obm_heap_node(heap, nid);

		pages += READ_ONCE(hn->nr_empty);
		if (hn->set->owner)
			pages += obm_set_empty_pages(hn->set);
	}
	return pages;
}

/*
 * Give back what a heap keeps empty; return the pages. The shared sets'
 * surplus empty arenas, some perhaps emptied just now, go at once rather
 * than after arena_trim_ms: memory is short.
 */
static unsigned long obm_heap_give_back(struct obm_heap *heap)
{
	unsigned long pages = obm_pool_give_back_empty(heap);
	int nid;

	for_each_node(nid) {
		struct obm_arena_set *set = obm_heap_node(heap, nid)->set;

		if (heap->debug_flags)
			pages += obm_set_release_empty(set);
		else
			obm_set_release_surplus(set);
	}
	return pages;
}

static unsigned long obm_shrinker_count(struct shrinker *shrinker,
					struct shrink_control *sc)
{
	struct obm_heap *heap = obm_shrinker_private(shrinker);
	unsigned long n;

	atomic_long_inc(&obm_reclaim_counters[obm_current_reclaimer()].counts);
	n = obm_heap_cached_blocks(heap) + obm_heap_idle_pages(heap);
	return n ?: SHRINK_EMPTY;
}

static unsigned long obm_shrinker_scan(struct shrinker *shrinker,
				       struct shrink_control *sc)
{
	struct obm_heap *heap = obm_shrinker_private(shrinker);
	enum obm_reclaimer who = obm_current_reclaimer();
	unsigned long freed;

	atomic_long_inc(&obm_reclaim_counters[who].scans);
	freed = obm_heap_give_back(heap);
	if (freed < sc->nr_to_scan) {
		freed += obm_heap_drain(heap, sc->nr_to_scan - freed);
		/* Draining may have emptied pools. */
		freed += obm_heap_give_back(heap);
	}
	atomic_long_add(freed, &obm_reclaim_counters[who].freed);
	return freed ?: SHRINK_STOP;
}

static struct shrinker *obm_sets_shrinker;

static unsigned long obm_sets_count(struct shrinker *shrinker,
				    struct shrink_control *sc)
{
	unsigned long pages = 0;
	int nid;

	atomic_long_inc(&obm_reclaim_counters[obm_current_reclaimer()].counts);
	for_each_node(nid)
		pages += obm_set_empty_pages(obm_node_set(nid));
	return pages ?: SHRINK_EMPTY;
}

static unsigned long obm_sets_scan(struct shrinker *shrinker,
				   struct shrink_control *sc)
{
	enum obm_reclaimer who = obm_current_reclaimer();
	unsigned long freed = 0;
	int nid;

	atomic_long_inc(&obm_reclaim_counters[who].scans);
	for_each_node(nid)
		freed += obm_set_release_empty(obm_node_set(nid));
	atomic_long_add(freed, &obm_reclaim_counters[who].freed);
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
	/*
	 * seeks 0: what the shrinker frees costs no I/O to recreate (a
	 * cached block is a free block; an arena is one page allocation),
	 * so reclaim asks for half of it at any priority, as for the
	 * workingset shadow nodes. With the default, counts below 4096 are
	 * scanned only once reclaim is desperate: kswapd counted obmalloc's
	 * objects hundreds of times during the soak and never scanned.
	 */
	heap->shrinker = obm_shrinker_create(heap->name, heap, 0,
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
 * @heap: The heap, or NULL for the default heap.
 *
 * The tests call its count_objects() and scan_objects() directly.
 *
 * Return: The shrinker.
 */
struct shrinker *obm_heap_shrinker(struct obm_heap *heap)
{
	return (heap ?: obm_default_heap)->shrinker;
}
EXPORT_SYMBOL_NS_GPL(obm_heap_shrinker, OBM_NS_INTERNAL);

/**
 * obm_sets_shrinker_get() - The shared sets' shrinker, for the KUnit tests.
 *
 * Return: The shrinker whose scan releases the sets' empty arenas.
 */
struct shrinker *obm_sets_shrinker_get(void)
{
	return obm_sets_shrinker;
}
EXPORT_SYMBOL_NS_GPL(obm_sets_shrinker_get, OBM_NS_INTERNAL);

static int obm_cpu_dead(unsigned int cpu)
{
	obm_heaps_drain_dead(cpu);
	return 0;
}

/**
 * obm_reclaim_init() - Register the CPU hotplug callback and the sets'
 * shrinker.
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
	obm_sets_shrinker = obm_shrinker_create("arenas", NULL, 0,
						obm_sets_count, obm_sets_scan);
	if (!obm_sets_shrinker) {
		cpuhp_remove_state_nocalls(obm_cpuhp_state);
		return -ENOMEM;
	}
	return 0;
}

/**
 * obm_reclaim_exit() - Unregister the CPU hotplug callback and the sets'
 * shrinker.
 */
void obm_reclaim_exit(void)
{
	obm_shrinker_destroy(obm_sets_shrinker);
	cpuhp_remove_state_nocalls(obm_cpuhp_state);
}
