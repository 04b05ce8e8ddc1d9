// SPDX-License-Identifier: GPL-2.0
/*
 * obm_cost - hold many heaps or kmem_caches, so that the guest can see
 * what each costs in /proc/meminfo (tools/bench/percpu).
 *
 * Loading it creates `count` objects of the kind `hold` names and keeps
 * them until it is unloaded:
 *
 *   none    nothing (what loading this module costs by itself)
 *   heap    empty obmalloc heaps
 *   cache   empty kmem_caches of 264-byte objects (SLAB_NO_MERGE, so
 *           that SLUB makes a cache and does not alias one)
 *
 * Writing 1 to /sys/module/obm_cost/parameters/live then gives every heap
 * one live block of each of the 64 classes, and every cache one live
 * object. The script reads Percpu, Slab and MemFree before loading, while
 * the objects are held empty and once they hold their blocks, at 1, 2 and
 * 4 CPUs. Both steps happen in one load because the percpu allocator
 * keeps freed pages populated: a second load would reuse the first one's
 * per-CPU memory and show none of it. Nothing is timed.
 */

#include <linux/err.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <obmalloc.h>

static char *hold = "none";
module_param(hold, charp, 0444);
MODULE_PARM_DESC(hold, "none, heap or cache");
static unsigned int count = 256;
module_param(count, uint, 0444);
MODULE_PARM_DESC(count, "how many heaps or caches to hold");

#define OBM_COST_CACHE_SIZE	264
#define OBM_COST_CLASSES	(OBM_SMALL_MAX / 8)

struct obm_cost_item {
	struct obm_heap *heap;
	struct kmem_cache *cache;
	void *blocks[OBM_COST_CLASSES];
};

static struct obm_cost_item *obm_cost_items;
static unsigned int obm_cost_held;

static void obm_cost_release(struct obm_cost_item *item)
{
	unsigned int i;

	for (i = 0; i < OBM_COST_CLASSES; i++) {
		if (!item->blocks[i])
			continue;
		if (item->heap)
			obm_free(item->blocks[i]);
		else
			kmem_cache_free(item->cache, item->blocks[i]);
	}
	if (item->heap)
		obm_heap_destroy(item->heap);
	kmem_cache_destroy(item->cache);
}

static int obm_cost_make(struct obm_cost_item *item, unsigned int n)
{
	char name[32];

	snprintf(name, sizeof(name), "obm_cost_%u", n);
	if (!strcmp(hold, "heap")) {
		item->heap = obm_heap_create(name);
		if (IS_ERR(item->heap)) {
			int err = PTR_ERR(item->heap);

			item->heap = NULL;
			return err;
		}
		return 0;
	}
	item->cache = kmem_cache_create(name, OBM_COST_CACHE_SIZE, 0,
					SLAB_NO_MERGE, NULL);
	return item->cache ? 0 : -ENOMEM;
}

/* One live block of each class per heap, one live object per cache. */
static int obm_cost_add_live(struct obm_cost_item *item)
{
	unsigned int i;

	if (item->cache) {
		if (!item->blocks[0])
			item->blocks[0] = kmem_cache_alloc(item->cache, GFP_KERNEL);
		return item->blocks[0] ? 0 : -ENOMEM;
	}
	for (i = 0; i < OBM_COST_CLASSES; i++) {
		if (!item->blocks[i])
			item->blocks[i] = obm_heap_alloc(item->heap, (i + 1) * 8,
							 GFP_KERNEL);
		if (!item->blocks[i])
			return -ENOMEM;
	}
	return 0;
}

static DEFINE_MUTEX(obm_cost_lock);

static int obm_cost_live_set(const char *val, const struct kernel_param *kp)
{
	unsigned int i;
	bool on;
	int err;

	err = kstrtobool(val, &on);
	if (err || !on)
		return err ?: -EINVAL;
	mutex_lock(&obm_cost_lock);
	for (i = 0; i < obm_cost_held && !err; i++)
		err = obm_cost_add_live(&obm_cost_items[i]);
	mutex_unlock(&obm_cost_lock);
	if (!err)
		pr_info("obm-cost: %u of %s hold live blocks\n", obm_cost_held,
			hold);
	return err;
}

static const struct kernel_param_ops obm_cost_live_ops = {
	.set = obm_cost_live_set,
};

module_param_cb(live, &obm_cost_live_ops, NULL, 0200);
MODULE_PARM_DESC(live, "write 1: give every held heap or cache live blocks");

static void obm_cost_release_all(void)
{
	while (obm_cost_held)
		obm_cost_release(&obm_cost_items[--obm_cost_held]);
	vfree(obm_cost_items);
}

static int __init obm_cost_init(void)
{
	static const char * const kinds[] = { "none", "heap", "cache" };
	unsigned int i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(hold, kinds[i]))
			break;
	if (i == ARRAY_SIZE(kinds))
		return -EINVAL;
	if (!strcmp(hold, "none"))
		return 0;
	obm_cost_items = vzalloc(array_size(count, sizeof(*obm_cost_items)));
	if (!obm_cost_items)
		return -ENOMEM;
	for (; obm_cost_held < count; obm_cost_held++) {
		err = obm_cost_make(&obm_cost_items[obm_cost_held],
				    obm_cost_held);
		if (err) {
			obm_cost_release(&obm_cost_items[obm_cost_held]);
			break;
		}
	}
	if (err) {
		obm_cost_release_all();
		return err;
	}
	pr_info("obm-cost: holding %u of %s\n", count, hold);
	return 0;
}

static void __exit obm_cost_exit(void)
{
	mutex_lock(&obm_cost_lock);
	obm_cost_release_all();
	mutex_unlock(&obm_cost_lock);
}

module_init(obm_cost_init);
module_exit(obm_cost_exit);

MODULE_DESCRIPTION("obmalloc per-CPU cost probe: holds heaps or kmem_caches");
MODULE_LICENSE("GPL");
