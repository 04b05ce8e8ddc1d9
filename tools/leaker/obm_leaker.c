// SPDX-License-Identifier: GPL-2.0
/*
 * obm_leaker: a client that leaks a heap on purpose, for make check's
 * unload scenario (tools/vm/guest/check.sh). It creates the heap "leaked",
 * allocates a block of every size class, leaves cached blocks in this
 * CPU's magazines, and unloads without destroying the heap. obmalloc must
 * then unload with nothing of its own left registered - shrinkers, CPU
 * hotplug state, debugfs, work - while the leaked arenas stay allocated,
 * and report the heap once.
 *
 * The blocks are marked with kmemleak_not_leak(): the leak is this
 * module's deliberate act, not one for kmemleak to report.
 */

#include <linux/err.h>
#include <linux/kmemleak.h>
#include <linux/module.h>
#include <linux/string.h>
#include <obmalloc.h>

static int __init obm_leaker_init(void)
{
	struct obm_heap *heap = obm_heap_create("leaked");
	unsigned int i;

	if (IS_ERR(heap))
		return PTR_ERR(heap);
	for (i = 0; i < OBM_NR_CLASSES; i++) {
		size_t size = (i + 1) * OBM_ALIGNMENT;
		void *keep = obm_heap_alloc(heap, size, GFP_KERNEL);
		void *cached = obm_heap_alloc(heap, size, GFP_KERNEL);

		if (!keep || !cached)
			return -ENOMEM;
		memset(keep, 0x6c, size);
		kmemleak_not_leak(keep);
		obm_free(cached);
	}
	pr_info("obm_leaker: heap 'leaked' holds %u blocks and is never destroyed\n",
		OBM_NR_CLASSES);
	return 0;
}

static void __exit obm_leaker_exit(void)
{
	pr_info("obm_leaker: unloaded, heap 'leaked' left behind\n");
}

module_init(obm_leaker_init);
module_exit(obm_leaker_exit);

MODULE_DESCRIPTION("obmalloc test client that leaks a heap on purpose");
MODULE_LICENSE("GPL");
