// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc module load and unload: the order the other files' pieces come
 * up and go down in, and the tables every heap shares.
 */

#define pr_fmt(fmt) "obmalloc: " fmt

#include <linux/module.h>

#include "obm_internal.h"

/* ceil(2^32 / block size), per class, for obm_class_offset_is_block(). */
u32 obm_class_recip[OBM_NR_CLASSES];

static_assert(OBM_POOLS_PER_ARENA >= 2);
static_assert(OBM_SMALL_MAX <= OBM_POOL_SIZE);
/* obm_class_offset_is_block() is exact while offset + size < 2^32 / size. */
static_assert(OBM_POOL_SIZE <= (1UL << 22));
/* struct obm_pool's u16 fields: blocks per pool, pool index. */
static_assert(OBM_POOL_SIZE / OBM_ALIGNMENT < U16_MAX);
/*
 * A free reads a pool header's first 16 bytes; at a multiple of 16 in a
 * descriptor, they never straddle a cache line.
 */
static_assert(offsetof(struct obm_pool, class_idx) < 16);
static_assert(sizeof(struct obm_pool) % 16 == 0);
static_assert(offsetof(struct obm_arena, pools) % 16 == 0);
/* The arena fields a free reads share the descriptor's first line. */
static_assert(offsetof(struct obm_arena, tracks) + sizeof(void *) <= 64);
/* An arena descriptor stays an order-0 kmalloc() object. */
static_assert(struct_size_t(struct obm_arena, pools, OBM_POOLS_PER_ARENA) <=
	      PAGE_SIZE);

/**
 * obm_class_table_init() - Fill in the tables shared by all heaps.
 */
void obm_class_table_init(void)
{
	unsigned int i;

	for (i = 0; i < OBM_NR_CLASSES; i++)
		obm_class_recip[i] = DIV_ROUND_UP_ULL(1ULL << 32, obm_class_size(i));
}

static int __init obm_init(void)
{
	struct dentry *root;
	int ret;

	obm_class_table_init();
	ret = obm_pcpu_init();
	if (ret)
		return ret;
	ret = obm_arenas_init();
	if (ret)
		goto pcpu_exit;
	ret = obm_rcu_init();
	if (ret)
		goto arenas_exit;
	ret = obm_reclaim_init();
	if (ret)
		goto rcu_exit;
	root = obm_debugfs_init();
	obm_params_init(root);
	ret = obm_heaps_init();
	if (ret)
		goto debugfs_exit;
	pr_info("%s: %u size classes of %u..%u bytes, %lu KiB arenas of %lu pools, %u node(s)\n",
		OBM_VERSION, OBM_NR_CLASSES, OBM_ALIGNMENT, OBM_SMALL_MAX,
		OBM_ARENA_SIZE / SZ_1K, OBM_POOLS_PER_ARENA, nr_node_ids);
	return 0;

debugfs_exit:
	obm_debugfs_exit();
	obm_reclaim_exit();
rcu_exit:
	obm_rcu_exit();
arenas_exit:
	obm_arenas_exit();
pcpu_exit:
	obm_pcpu_exit();
	return ret;
}

static void __exit obm_exit(void)
{
	obm_rcu_exit();
	obm_reclaim_exit();
	obm_heaps_exit();
	obm_pcpu_exit();
	obm_arenas_exit();
	obm_debugfs_exit();
}

module_init(obm_init);
module_exit(obm_exit);

MODULE_DESCRIPTION("pymalloc-style small-object allocator for kernel modules");
MODULE_LICENSE("GPL");
MODULE_VERSION(OBM_VERSION);
