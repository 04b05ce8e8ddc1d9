// SPDX-License-Identifier: GPL-2.0
/*
 * obm_kswapd: show that memory pressure, through kswapd, empties
 * obmalloc's per-CPU magazines.
 *
 * Loading it fills every online CPU's magazines of one heap (each CPU
 * allocates and frees blocks of every class, from its own work item),
 * then takes free pages with GFP_NOWAIT until 64 MiB are left
 * (obm_squeeze.h). With the guest's vm.watermark_scale_factor raised
 * (soak.sh), that is below kswapd's low watermark and well above the minimum: the allocations wake
 * kswapd but never reclaim or OOM-kill themselves, and nothing else runs
 * reclaim meanwhile. The pages are held until the heap's cached blocks
 * have fallen to a quarter or 10 s have passed, then given back.
 *
 * It prints the cached count before and after and ends
 * "kswapd: N passed, M failed" (one check: the count fell). Which caller
 * drained them is in obmalloc's debugfs "reclaim" file, which soak.sh
 * reads before and after. The heap is destroyed before loading returns;
 * the module stays loaded until rmmod, which does nothing.
 *
 * Run it before the soak: with no swap and nothing on the LRU lists to
 * reclaim, kswapd gives up on a node after MAX_RECLAIM_RETRIES runs that
 * reclaim nothing, and is woken again only after direct reclaim succeeds.
 * An earlier test can have left a node so (the KUnit suites' case that
 * holds most of memory to fragment it): loading sets every node's count
 * of such runs back to 0, as that success would, and prints each count
 * it changed.
 */

#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>
#include <obmalloc.h>
#include <obmalloc_internal.h>

#include "obm_squeeze.h"

MODULE_IMPORT_NS(OBM_NS_INTERNAL);

/* Twice the largest magazine, so every class's magazine ends up full. */
#define OBM_KSWAPD_BLOCKS	128

static struct obm_heap *obm_kswapd_heap;

/*
 * Allocate blocks of every class and free them: the magazines keep what
 * they hold, the rest goes back to the pools. Failures only mean fewer
 * cached blocks, which the check below then sees.
 */
static long obm_kswapd_fill(void *unused)
{
	void **held = kmalloc_array(OBM_KSWAPD_BLOCKS, sizeof(*held),
				    GFP_KERNEL);
	size_t size;
	unsigned int i;

	if (!held)
		return -ENOMEM;
	for (size = 8; size <= 512; size += 8) {
		for (i = 0; i < OBM_KSWAPD_BLOCKS; i++)
			held[i] = obm_heap_alloc(obm_kswapd_heap, size,
						 GFP_KERNEL);
		for (i = 0; i < OBM_KSWAPD_BLOCKS; i++)
			obm_free(held[i]);
	}
	kfree(held);
	return 0;
}

static unsigned long obm_kswapd_cached(void)
{
	struct shrinker *shrinker = obm_heap_shrinker(obm_kswapd_heap);
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	unsigned long n = shrinker->count_objects(shrinker, &sc);

	return n == SHRINK_EMPTY ? 0 : n;
}

/* Every node's count of kswapd runs that reclaimed nothing starts at 0. */
static void obm_kswapd_revive(void)
{
	int nid, failures;

	for_each_online_node(nid) {
		failures = READ_ONCE(NODE_DATA(nid)->kswapd_failures);
		if (!failures)
			continue;
		pr_info("obm_kswapd: node %d: kswapd had %d runs in a row that reclaimed nothing; counting afresh\n",
			nid, failures);
		WRITE_ONCE(NODE_DATA(nid)->kswapd_failures, 0);
	}
}

static int __init obm_kswapd_init(void)
{
	unsigned long before, after, free, held;
	unsigned long deadline;
	unsigned int cpu;
	LIST_HEAD(pages);

	obm_kswapd_heap = obm_heap_create("kswapd");
	if (IS_ERR(obm_kswapd_heap))
		return PTR_ERR(obm_kswapd_heap);
	for_each_online_cpu(cpu)
		work_on_cpu(cpu, obm_kswapd_fill, NULL);
	before = obm_kswapd_cached();

	obm_kswapd_revive();
	held = obm_squeeze_take(&pages, OBM_SQUEEZE_HEADROOM, ULONG_MAX);
	free = global_zone_page_state(NR_FREE_PAGES);
	deadline = jiffies + 10 * HZ;
	do {
		msleep(50);
		after = obm_kswapd_cached();
	} while (after > before / 4 && time_before(jiffies, deadline));
	obm_squeeze_release(&pages);

	pr_info("obm_kswapd: held %lu MiB, %lu MiB left free; cached objects %lu before, %lu after\n",
		held >> (20 - PAGE_SHIFT), free >> (20 - PAGE_SHIFT), before,
		after);
	pr_info("kswapd: %d passed, %d failed\n",
		after < before / 4, !(after < before / 4));
	obm_heap_destroy(obm_kswapd_heap);
	return 0;
}

static void __exit obm_kswapd_exit(void)
{
}

module_init(obm_kswapd_init);
module_exit(obm_kswapd_exit);

MODULE_DESCRIPTION("Shows kswapd emptying obmalloc's per-CPU magazines");
MODULE_LICENSE("GPL");
