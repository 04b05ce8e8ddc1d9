// SPDX-License-Identifier: GPL-2.0
/*
 * obm_stray: a stray kfree() of an obmalloc block on the kernel a user
 * runs (make field, Debian's kernels, which have no KUnit).
 *
 * At load: a heap of 2000 live 64-byte blocks, each holding a pattern; one
 * of them, at the start of its page, is passed to kfree() by mistake, as
 * code half moved from kmalloc does. The kernel sees a non-slab page:
 * it warns (once per boot, free_large_kmalloc()) and drops a page
 * reference. Then the page allocator is churned - 64 MiB allocated,
 * written and freed - and every other block must still hold its pattern;
 * obmalloc must report the stray free against the heap and the pool; the
 * heap must keep working and be destroyed cleanly once the block is freed
 * properly. Prints "stray: N passed, M failed"; the module stays loaded
 * until rmmod.
 */

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <obmalloc.h>

#include "obm_squeeze.h"

#define OBM_STRAY_BLOCKS	2000
#define OBM_STRAY_SIZE		64
#define OBM_STRAY_CHURN_MIB	64

static unsigned int obm_stray_passed, obm_stray_failed;

static void obm_stray_check(bool ok, const char *what)
{
	if (ok) {
		obm_stray_passed++;
		return;
	}
	obm_stray_failed++;
	pr_err("stray: FAIL: %s\n", what);
}

static u8 obm_stray_byte(unsigned int block, unsigned int i)
{
	return (u8)(block * 7 + i * 13 + 1);
}

static void obm_stray_fill(u8 *p, unsigned int block)
{
	unsigned int i;

	for (i = 0; i < OBM_STRAY_SIZE; i++)
		p[i] = obm_stray_byte(block, i);
}

static bool obm_stray_intact(const u8 *p, unsigned int block)
{
	unsigned int i;

	for (i = 0; i < OBM_STRAY_SIZE; i++)
		if (p[i] != obm_stray_byte(block, i))
			return false;
	return true;
}

static int __init obm_stray_init(void)
{
	unsigned int i, victim = OBM_STRAY_BLOCKS, damaged = 0;
	struct obm_heap *heap;
	void **blocks;

	blocks = vcalloc(OBM_STRAY_BLOCKS, sizeof(*blocks));
	if (!blocks)
		return -ENOMEM;
	heap = obm_heap_create("obm_stray");
	if (IS_ERR(heap)) {
		vfree(blocks);
		return PTR_ERR(heap);
	}
	for (i = 0; i < OBM_STRAY_BLOCKS; i++) {
		blocks[i] = obm_heap_alloc(heap, OBM_STRAY_SIZE, GFP_KERNEL);
		if (!blocks[i])
			goto fail;
		obm_stray_fill(blocks[i], i);
		if (i && victim == OBM_STRAY_BLOCKS &&
		    !((unsigned long)blocks[i] & ~PAGE_MASK))
			victim = i;
	}
	if (victim == OBM_STRAY_BLOCKS)
		goto fail;

	/* What the log scan must excuse: the kernel's warning and ours. */
	pr_info("obmalloc-test: allow kernel warning in free_large_kmalloc\n");
	pr_info("obmalloc-test: expect report: stray kfree from heap obm_stray at %p\n",
		(void *)((unsigned long)blocks[victim] & PAGE_MASK));
	kfree(blocks[victim]);
	obm_stray_check(obm_churn_pages(OBM_STRAY_CHURN_MIB) >
			(OBM_STRAY_CHURN_MIB << (20 - PAGE_SHIFT)) / 2,
			"could not churn the page allocator");

	for (i = 0; i < OBM_STRAY_BLOCKS; i++)
		if (i != victim && !obm_stray_intact(blocks[i], i))
			damaged++;
	pr_info("stray: %u of %u neighbours damaged after %u MiB of page churn\n",
		damaged, OBM_STRAY_BLOCKS - 1, OBM_STRAY_CHURN_MIB);
	obm_stray_check(!damaged, "blocks next to the stray free were overwritten");
	obm_stray_check(page_ref_count(virt_to_page(blocks[victim])) > 0,
			"the stray block's page was freed");
	obm_stray_check(obm_usable_size(blocks[victim]) == OBM_STRAY_SIZE,
			"the stray block is no longer obmalloc's");

	/* Freed properly, the stray block and the rest: the heap carries on. */
	for (i = 0; i < OBM_STRAY_BLOCKS; i++) {
		obm_free(blocks[i]);
		blocks[i] = obm_heap_alloc(heap, OBM_STRAY_SIZE, GFP_KERNEL);
		obm_stray_check(blocks[i], "the heap stopped allocating");
	}
	for (i = 0; i < OBM_STRAY_BLOCKS; i++)
		obm_free(blocks[i]);
	obm_heap_destroy(heap);
	vfree(blocks);
	pr_info("stray: %u passed, %u failed\n", obm_stray_passed,
		obm_stray_failed);
	return 0;

fail:
	for (i = 0; i < OBM_STRAY_BLOCKS; i++)
		obm_free(blocks[i]);
	obm_heap_destroy(heap);
	vfree(blocks);
	pr_err("stray: FAIL: could not set up the heap\n");
	return -ENOMEM;
}

static void __exit obm_stray_exit(void)
{
}

module_init(obm_stray_init);
module_exit(obm_stray_exit);

MODULE_DESCRIPTION("obmalloc: a stray kfree() of a block on the running kernel");
MODULE_LICENSE("GPL");
