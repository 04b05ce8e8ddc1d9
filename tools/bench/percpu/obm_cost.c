// SPDX-License-Identifier: GPL-2.0
/*
 * obm_cost - hold many heaps, kmem_caches or kmem_buckets sets, so that
 * the guest can see what each costs in /proc/meminfo
 * (tools/bench/percpu/run).
 *
 * Loading it creates `count` objects of the kind `hold` names and keeps
 * them until it is unloaded:
 *
 *   none       nothing (what loading this module costs by itself)
 *   heap       obmalloc heaps; live: one block of each of the 64 classes
 *   heap1      obmalloc heaps; live: one 64-byte block
 *   heap10     obmalloc heaps; live: one block of each of 10 sizes, 8 to
 *              512 (obm_cost_sizes10)
 *   cache      kmem_caches of 264-byte objects (SLAB_NO_MERGE, so that
 *              SLUB makes a cache and does not alias one); live: one
 *              object
 *   buckets10  kmem_buckets sets (kmem_buckets_create(), 6.11 on, with
 *              CONFIG_SLAB_BUCKETS); live: one object of each of the 10
 *              sizes, from kmem_buckets_alloc()
 *
 * Writing 1 to /sys/module/obm_cost/parameters/live then gives every one
 * its live blocks. The script reads Percpu, Slab and obmalloc's arena
 * pages before loading, while the objects are held empty and once they
 * hold their blocks. Both steps happen in one load because the percpu
 * allocator keeps freed pages populated: a second load would reuse the
 * first one's per-CPU memory and show none of it. Writing 1 to
 * /sys/module/obm_cost/parameters/stats, after those readings (reading
 * debugfs allocates), prints the pages obmalloc's arena sets hold in all
 * and what the heaps' stats say of them, summed over the heaps. Nothing
 * is timed.
 *
 * Output:
 *   obm-cost: holding <count> of <hold>
 *   obm-cost: <count> of <hold> hold live blocks
 *   obm-cost: sets <hold> arena_pages <pages>
 *   obm-cost: heap stats <hold> heaps <n> pages_held <sum>
 *             bytes_in_heap_descriptor <sum> bytes_in_magazines <sum>
 *             (one line)
 */

#include <linux/err.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <obmalloc.h>

#include "obm_bench_util.h"

static char *hold = "none";
module_param(hold, charp, 0444);
MODULE_PARM_DESC(hold, "none, heap, heap1, heap10, cache or buckets10");
static unsigned int count = 256;
module_param(count, uint, 0444);
MODULE_PARM_DESC(count, "how many heaps, caches or sets to hold");

#define OBM_COST_CACHE_SIZE	264
#define OBM_COST_CLASSES	(OBM_SMALL_MAX / 8)

enum obm_cost_what { OBM_COST_NONE, OBM_COST_HEAP, OBM_COST_CACHE,
		     OBM_COST_BUCKETS };

static const unsigned int obm_cost_sizes1[] = { 64 };
static const unsigned int obm_cost_sizes10[] = {
	8, 16, 32, 64, 96, 128, 192, 256, 384, 512,
};

/* What a kind holds, and its live blocks' sizes (NULL: every class). */
struct obm_cost_kind {
	const char *name;
	enum obm_cost_what what;
	const unsigned int *sizes;
	unsigned int nr_sizes;
};

static const struct obm_cost_kind obm_cost_kinds[] = {
	{ "none", OBM_COST_NONE, NULL, 0 },
	{ "heap", OBM_COST_HEAP, NULL, OBM_COST_CLASSES },
	{ "heap1", OBM_COST_HEAP, obm_cost_sizes1, ARRAY_SIZE(obm_cost_sizes1) },
	{ "heap10", OBM_COST_HEAP, obm_cost_sizes10,
	  ARRAY_SIZE(obm_cost_sizes10) },
	{ "cache", OBM_COST_CACHE, NULL, 1 },
	{ "buckets10", OBM_COST_BUCKETS, obm_cost_sizes10,
	  ARRAY_SIZE(obm_cost_sizes10) },
};

static const struct obm_cost_kind *obm_cost_kind;

struct obm_cost_item {
	struct obm_heap *heap;
	struct kmem_cache *cache;
#ifdef OBM_HAVE_KMEM_BUCKETS
	void *buckets;		/* a kmem_buckets * */
#endif
	char name[24];
	void *blocks[OBM_COST_CLASSES];
};

static struct obm_cost_item *obm_cost_items;
static unsigned int obm_cost_held;

static unsigned int obm_cost_size(unsigned int i)
{
	if (obm_cost_kind->what == OBM_COST_CACHE)
		return OBM_COST_CACHE_SIZE;
	return obm_cost_kind->sizes ? obm_cost_kind->sizes[i] : (i + 1) * 8;
}

static void obm_cost_release(struct obm_cost_item *item)
{
	unsigned int i;

	for (i = 0; i < OBM_COST_CLASSES; i++) {
		if (!item->blocks[i])
			continue;
		if (item->heap)
			obm_free(item->blocks[i]);
		else if (item->cache)
			kmem_cache_free(item->cache, item->blocks[i]);
		else
			kfree(item->blocks[i]);	/* a kmem_buckets object */
	}
	if (item->heap)
		obm_heap_destroy(item->heap);
	kmem_cache_destroy(item->cache);
#ifdef OBM_HAVE_KMEM_BUCKETS
	obm_bench_buckets_destroy(item->buckets);
#endif
}

static int obm_cost_make_buckets(struct obm_cost_item *item)
{
#ifdef OBM_HAVE_KMEM_BUCKETS
	item->buckets = kmem_buckets_create(item->name, 0, 0, 0, NULL);
	if (!item->buckets)
		return -ENOMEM;
	if (item->buckets != ZERO_SIZE_PTR)
		return 0;
	item->buckets = NULL;
#endif
	pr_err("obm-cost: no kmem_buckets in this kernel (6.11 on, CONFIG_SLAB_BUCKETS)\n");
	return -EOPNOTSUPP;
}

static int obm_cost_make(struct obm_cost_item *item, unsigned int n)
{
	snprintf(item->name, sizeof(item->name), "obm_cost_%u", n);
	switch (obm_cost_kind->what) {
	case OBM_COST_HEAP:
		item->heap = obm_heap_create(item->name);
		if (IS_ERR(item->heap)) {
			int err = PTR_ERR(item->heap);

			item->heap = NULL;
			return err;
		}
		return 0;
	case OBM_COST_CACHE:
		item->cache = kmem_cache_create(item->name, OBM_COST_CACHE_SIZE,
						0, SLAB_NO_MERGE, NULL);
		return item->cache ? 0 : -ENOMEM;
	default:
		return obm_cost_make_buckets(item);
	}
}

static void *obm_cost_alloc(struct obm_cost_item *item, unsigned int size)
{
	if (item->heap)
		return obm_heap_alloc(item->heap, size, GFP_KERNEL);
	if (item->cache)
		return kmem_cache_alloc(item->cache, GFP_KERNEL);
#ifdef OBM_HAVE_KMEM_BUCKETS
	return kmem_buckets_alloc(item->buckets, size, GFP_KERNEL);
#else
	return NULL;
#endif
}

/* The kind's live blocks, once: one per size. */
static int obm_cost_add_live(struct obm_cost_item *item)
{
	unsigned int i;

	for (i = 0; i < obm_cost_kind->nr_sizes; i++) {
		if (!item->blocks[i])
			item->blocks[i] = obm_cost_alloc(item, obm_cost_size(i));
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
MODULE_PARM_DESC(live, "write 1: give every held heap, cache or set live blocks");

/* The sets' pages; and the stats lines the report needs, over the heaps. */
static int obm_cost_stats_set(const char *val, const struct kernel_param *kp)
{
	static const char * const names[] = {
		"pages_held", "bytes_in_heap_descriptor", "bytes_in_magazines",
	};
	unsigned long sums[ARRAY_SIZE(names)] = { 0 };
	unsigned int i, k;
	char *text;
	long value;
	bool on;
	int err;

	err = kstrtobool(val, &on);
	if (err || !on)
		return err ?: -EINVAL;
	/* Not loaded yet: stats=1 on insmod's line. */
	if (!obm_cost_kind)
		return 0;
	value = obm_bench_sets_arena_pages();
	if (value < 0)
		return value;
	pr_info("obm-cost: sets %s arena_pages %ld\n", hold, value);
	if (obm_cost_kind->what != OBM_COST_HEAP)
		return 0;
	mutex_lock(&obm_cost_lock);
	for (i = 0; i < obm_cost_held && !err; i++) {
		text = obm_bench_heap_stats(obm_cost_items[i].name);
		if (IS_ERR(text)) {
			err = PTR_ERR(text);
			break;
		}
		for (k = 0; k < ARRAY_SIZE(names) && !err; k++) {
			value = obm_bench_stat_find(text, names[k]);
			if (value < 0)
				err = value;
			else
				sums[k] += value;
		}
		kfree(text);
	}
	mutex_unlock(&obm_cost_lock);
	if (err)
		return err;
	pr_info("obm-cost: heap stats %s heaps %u %s %lu %s %lu %s %lu\n", hold,
		obm_cost_held, names[0], sums[0], names[1], sums[1], names[2],
		sums[2]);
	return 0;
}

static const struct kernel_param_ops obm_cost_stats_ops = {
	.set = obm_cost_stats_set,
};

module_param_cb(stats, &obm_cost_stats_ops, NULL, 0200);
MODULE_PARM_DESC(stats, "write 1: print the held heaps' stats, summed");

static void obm_cost_release_all(void)
{
	while (obm_cost_held)
		obm_cost_release(&obm_cost_items[--obm_cost_held]);
	vfree(obm_cost_items);
}

static int __init obm_cost_init(void)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(obm_cost_kinds); i++)
		if (!strcmp(hold, obm_cost_kinds[i].name))
			obm_cost_kind = &obm_cost_kinds[i];
	if (!obm_cost_kind)
		return -EINVAL;
	if (obm_cost_kind->what == OBM_COST_NONE)
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

MODULE_DESCRIPTION("obmalloc memory cost probe: holds heaps, kmem_caches or kmem_buckets sets");
MODULE_LICENSE("GPL");
