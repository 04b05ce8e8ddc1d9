// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc statistics in debugfs.
 *
 *   /sys/kernel/debug/obmalloc/
 *     version              the module's version
 *     foreign_frees        pointers given to obm_free(), obm_realloc() or
 *                          obm_usable_size() that no heap and no kmalloc
 *                          cache owns: one decimal number
 *     magazines            per class: block size, magazine size and batch
 *     drain                write anything: empty every heap's magazines
 *     reclaim              per caller of the shrinkers (kswapd, direct
 *                          reclaim, other): counts, scans, objects freed
 *     sets                 per node: its shared arena set's figures
 *     arenas               per node, every arena, fullest first
 *     rcu                  frees deferred past a grace period: pending,
 *                          batches waited for, freed
 *     fail_arena/          fault injection (obm_params.c)
 *     <heap>/classes       one row per size class that has pools
 *     <heap>/fullness      per class with pools: its pools by how full
 *                          they are, in tenths (zsmalloc's groups)
 *     <heap>/stats         "name value" lines, CPython's _debugmallocstats()
 *     <heap>/cpu           one row per possible CPU: its magazines' figures
 *     <heap>/drain         write anything: empty this heap's magazines
 *     <heap>/debug         the heap's debug flags, as debug= letters
 *     <heap>/objects       with owner tracking (U): live blocks grouped by
 *                          allocation stack (obm_debug.c)
 *
 * The formats are stable and documented in docs/statistics.md, every
 * column and line: tools parse classes by its header line and stats by
 * name, so a new column or line is only ever added at the end.
 *
 * The files are created with debugfs_create_file_unsafe() and read_iter
 * fops, so kernel_read() works on them (the KUnit suites read them as a
 * tool would); each read holds debugfs_file_get() while it looks at the
 * heap, so removing a heap's directory waits for readers to finish.
 *
 * Locking: each class is read under its lock, a heap's kept empty pools
 * under its node lock, a set under its lock; a heap's byte figures are
 * derived from that one snapshot, so they add up to exactly its pages.
 * Blocks in magazines are summed without locks before any lock is taken,
 * exact when the heap is idle.
 */

#define pr_fmt(fmt) "obmalloc: " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/uio.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/stackdepot.h>

#include "obm_internal.h"

static struct dentry *obm_debugfs_root;

/* seq_file fops for NAME_show(m, private), safe against file removal. */
#define OBM_DEBUGFS_FOPS(name)						\
static int name##_guarded_show(struct seq_file *m, void *unused)	\
{									\
	struct dentry *dentry = m->file->f_path.dentry;			\
	int ret = debugfs_file_get(dentry);				\
									\
	if (ret)							\
		return ret;						\
	ret = name##_show(m, m->private);				\
	debugfs_file_put(dentry);					\
	return ret;							\
}									\
									\
static int name##_open(struct inode *inode, struct file *file)		\
{									\
	return single_open(file, name##_guarded_show, inode->i_private);\
}									\
									\
static const struct file_operations name##_fops = {			\
	.owner		= THIS_MODULE,					\
	.open		= name##_open,					\
	.read_iter	= seq_read_iter,				\
	.llseek		= seq_lseek,					\
	.release	= single_release,				\
}

/**
 * struct obm_heap_snapshot - A heap's pools and blocks, read once.
 * @pools: Per class, pools the class holds, summed over nodes.
 * @full: Per class, of those, full pools.
 * @used: Per class, blocks handed out, magazines included.
 * @cached: Per class, blocks in magazines, summed without locks.
 * @empty_pools: Pools the heap keeps empty.
 * @sets: Its arena sets' figures: the node sets' (shared by every plain
 *        heap), or a debug heap's own.
 */
struct obm_heap_snapshot {
	unsigned long		pools[OBM_NR_CLASSES];
	unsigned long		full[OBM_NR_CLASSES];
	unsigned long		used[OBM_NR_CLASSES];
	unsigned long		cached[OBM_NR_CLASSES];
	unsigned long		empty_pools;
	struct obm_set_stats	sets;
};

static void obm_heap_snapshot(struct obm_heap *heap,
			      struct obm_heap_snapshot *snap)
{
	unsigned long flags;
	unsigned int i;
	int nid;

	memset(snap, 0, sizeof(*snap));
	obm_pcpu_cached_by_class(heap, snap->cached);
	for_each_node(nid) {
		struct obm_heap_node *hn = obm_heap_node(heap, nid);

		for (i = 0; i < OBM_NR_CLASSES; i++) {
			struct obm_class *class = obm_heap_class(heap, nid, i);

			if (!class)
				continue;
			spin_lock_irqsave(&class->lock, flags);
			snap->pools[i] += class->nr_pools;
			snap->full[i] += class->nr_full;
			snap->used[i] += class->nr_used_blocks;
			spin_unlock_irqrestore(&class->lock, flags);
		}
		spin_lock_irqsave(&hn->lock, flags);
		snap->empty_pools += hn->nr_empty;
		spin_unlock_irqrestore(&hn->lock, flags);
		obm_set_read_stats(hn->set, &snap->sets);
	}
}

static int obm_classes_show(struct seq_file *m, struct obm_heap *heap)
{
	struct obm_heap_snapshot *snap = kmalloc(sizeof(*snap), GFP_KERNEL);
	unsigned int i;

	if (!snap)
		return -ENOMEM;
	obm_heap_snapshot(heap, snap);
	seq_puts(m, "class  size  pools  full_pools  blocks_used  blocks_avail  blocks_cached  blocks_cached_raw\n");
	for (i = 0; i < OBM_NR_CLASSES; i++) {
		unsigned long used = snap->used[i];
		unsigned long cached = min(snap->cached[i], used);

		if (!snap->pools[i])
			continue;
		seq_printf(m, "%5u %5u %6lu %11lu %12lu %13lu %14lu %18lu\n",
			   i, obm_class_size(i), snap->pools[i], snap->full[i],
			   used - cached,
			   snap->pools[i] * obm_class_blocks(i) - used, cached,
			   snap->cached[i]);
	}
	kfree(snap);
	return 0;
}

OBM_DEBUGFS_FOPS(obm_classes);

/*
 * Pools of a class by how full they are, in zsmalloc's fullness groups:
 * group g (1..10) holds the partly used pools with 10 * (g - 1) <= 100 *
 * used / blocks_per_pool < 10 * g, shown under the column "10 * g%"
 * ("99%" for g = 10); full pools are the last column.
 */
#define OBM_FULLNESS_GROUPS	10

static int obm_fullness_show(struct seq_file *m, struct obm_heap *heap)
{
	unsigned int i, g;
	int nid;

	seq_puts(m, "class  size  10%  20%  30%  40%  50%  60%  70%  80%  90%  99%  100%\n");
	for (i = 0; i < OBM_NR_CLASSES; i++) {
		unsigned long groups[OBM_FULLNESS_GROUPS] = { 0 };
		unsigned long pools = 0, full = 0, flags;
		struct obm_pool *pool;

		for_each_node(nid) {
			struct obm_class *class = obm_heap_class(heap, nid, i);

			if (!class)
				continue;
			spin_lock_irqsave(&class->lock, flags);
			pools += class->nr_pools;
			full += class->nr_full;
			/* Debugfs only: one pass over the partial pools, irqs off. */
			list_for_each_entry(pool, &class->partial, link)
				groups[min(pool->ref_count * 100 /
					   obm_class_blocks(i) / 10,
					   OBM_FULLNESS_GROUPS - 1)]++;
			spin_unlock_irqrestore(&class->lock, flags);
		}
		if (!pools)
			continue;
		seq_printf(m, "%5u %5u", i, obm_class_size(i));
		for (g = 0; g < OBM_FULLNESS_GROUPS; g++)
			seq_printf(m, " %4lu", groups[g]);
		seq_printf(m, " %5lu\n", full);
	}
	return 0;
}

OBM_DEBUGFS_FOPS(obm_fullness);

/*
 * The debug figures near the end of stats. Requests are tracked in debug
 * heaps only: elsewhere requests_tracked is 0 and so are the two figures
 * that depend on it.
 */
static void obm_stats_show_debug(struct seq_file *m, struct obm_heap *heap,
				 unsigned long used_bytes)
{
	long requested = atomic_long_read(&heap->requested_bytes);

	requested = clamp_t(long, requested, 0, used_bytes);
	seq_printf(m, "requests_tracked %d\n", !!heap->debug_flags);
	seq_printf(m, "bytes_requested %ld\n", requested);
	seq_printf(m, "bytes_lost_to_rounding %lu\n",
		   heap->debug_flags ? used_bytes - requested : 0);
	seq_printf(m, "redzone_overwrites %lu\n",
		   atomic_long_read(&heap->redzone_overwrites));
	seq_printf(m, "writes_after_free %lu\n",
		   atomic_long_read(&heap->writes_after_free));
	seq_printf(m, "bytes_in_debug_records %zu\n",
		   obm_debug_record_bytes(heap));
}

/* kmalloc memory of the heap itself: its struct, nodes and classes. */
static size_t obm_heap_descriptor_bytes(struct obm_heap *heap)
{
	size_t bytes = kmalloc_size_roundup(struct_size(heap, nodes,
							 nr_node_ids));
	unsigned int i;
	int nid;

	for_each_node(nid) {
		bytes += kmalloc_size_roundup(sizeof(struct obm_heap_node));
		for (i = 0; i < OBM_NR_CLASSES; i++)
			if (obm_heap_class(heap, nid, i))
				bytes += kmalloc_size_roundup(sizeof(struct obm_class));
	}
	return bytes;
}

static int obm_stats_show(struct seq_file *m, struct obm_heap *heap)
{
	struct obm_heap_snapshot *snap = kmalloc(sizeof(*snap), GFP_KERNEL);
	unsigned long pools_in_use = 0, used_blocks = 0, cached_blocks = 0;
	unsigned long used_bytes = 0, avail_bytes = 0, quant_bytes = 0;
	unsigned long cached_bytes = 0, cached_raw = 0, unused, pages;
	struct obm_set_stats *st;
	unsigned int i;

	if (!snap)
		return -ENOMEM;
	obm_heap_snapshot(heap, snap);
	st = &snap->sets;
	for (i = 0; i < OBM_NR_CLASSES; i++) {
		unsigned long size = obm_class_size(i);
		unsigned long cached = min(snap->cached[i], snap->used[i]);

		pools_in_use += snap->pools[i];
		used_blocks += snap->used[i] - cached;
		cached_blocks += cached;
		cached_raw += snap->cached[i];
		used_bytes += (snap->used[i] - cached) * size;
		cached_bytes += cached * size;
		avail_bytes += (snap->pools[i] * obm_class_blocks(i) -
				snap->used[i]) * size;
		quant_bytes += snap->pools[i] * (OBM_POOL_SIZE % size);
	}
	/* A debug heap's sets are its own: their free pools are its too. */
	unused = snap->empty_pools + (heap->debug_flags ? st->free_pools : 0);
	pages = pools_in_use + unused;

	seq_printf(m, "arena_size %lu\n", OBM_ARENA_SIZE);
	seq_printf(m, "pool_size %lu\n", OBM_POOL_SIZE);
	/* Pool headers are in the arena descriptors: none in the pages. */
	seq_printf(m, "pool_header_size %u\n", 0);
	seq_printf(m, "arenas_allocated_total %lu\n", st->arenas_allocated);
	seq_printf(m, "arenas_reclaimed %lu\n", st->arenas_reclaimed);
	seq_printf(m, "arenas_highwater %lu\n", st->arenas_highwater);
	seq_printf(m, "arenas_current %lu\n",
		   st->arenas_allocated - st->arenas_reclaimed);
	seq_printf(m, "pools_in_use %lu\n", pools_in_use);
	seq_printf(m, "blocks_in_use %lu\n", used_blocks);
	seq_printf(m, "bytes_in_allocated_blocks %lu\n", used_bytes);
	seq_printf(m, "bytes_in_available_blocks %lu\n", avail_bytes);
	seq_printf(m, "unused_pools %lu\n", unused);
	seq_printf(m, "bytes_in_unused_pools %lu\n", unused * OBM_POOL_SIZE);
	seq_printf(m, "bytes_lost_to_pool_headers %u\n", 0);
	seq_printf(m, "bytes_lost_to_quantization %lu\n", quant_bytes);
	seq_printf(m, "total_bytes %lu\n",
		   used_bytes + cached_bytes + avail_bytes +
		   unused * OBM_POOL_SIZE + quant_bytes);
	seq_printf(m, "double_frees %lu\n",
		   atomic_long_read(&heap->double_frees));
	seq_printf(m, "invalid_frees %lu\n",
		   atomic_long_read(&heap->invalid_frees));
	seq_printf(m, "alloc_failures %lu\n",
		   atomic_long_read(&heap->alloc_failures));
	seq_printf(m, "blocks_cached %lu\n", cached_blocks);
	seq_printf(m, "bytes_in_cached_blocks %lu\n", cached_bytes);
	seq_printf(m, "arena_pages %lu\n", pages);
	seq_printf(m, "small_arenas %lu\n", st->small_arenas);
	seq_printf(m, "small_arenas_allocated_total %lu\n",
		   st->small_arenas_allocated);
	seq_printf(m, "bytes_in_arena_descriptors %lu\n",
		   st->descriptor_bytes);
	seq_printf(m, "kmalloc_allocs %lu\n",
		   atomic_long_read(&heap->kmalloc_allocs));
	seq_printf(m, "kmalloc_for_flags %lu\n",
		   atomic_long_read(&heap->kmalloc_for_flags));
	seq_printf(m, "freelist_corruptions %lu\n",
		   atomic_long_read(&heap->freelist_corruptions));
	seq_printf(m, "bytes_in_magazines %zu\n", obm_heap_magazine_bytes(heap));
	obm_stats_show_debug(m, heap, used_bytes);
	seq_printf(m, "pages_held %lu\n", pages);
	seq_printf(m, "blocks_cached_raw %lu\n", cached_raw);
	seq_printf(m, "stray_frees %lu\n",
		   atomic_long_read(&heap->stray_frees));
	seq_printf(m, "bytes_in_heap_descriptor %zu\n",
		   obm_heap_descriptor_bytes(heap));
	seq_printf(m, "arenas_shared %d\n", !heap->debug_flags);
	kfree(snap);
	return 0;
}

OBM_DEBUGFS_FOPS(obm_stats);

static int obm_cpu_show(struct seq_file *m, struct obm_heap *heap)
{
	struct obm_cpu_stats st;
	unsigned int cpu;

	seq_puts(m, "cpu  online  allocs  frees  refills  flushes  cached  magazine_bytes\n");
	for_each_possible_cpu(cpu) {
		obm_pcpu_read_stats(heap, cpu, &st);
		seq_printf(m, "%3u %7d %7lu %6lu %8lu %8lu %7lu %15zu\n", cpu,
			   cpu_online(cpu), st.allocs, st.frees, st.refills,
			   st.flushes, st.cached,
			   obm_pcpu_magazine_bytes(heap, cpu));
	}
	return 0;
}

OBM_DEBUGFS_FOPS(obm_cpu);

static int obm_debug_show(struct seq_file *m, struct obm_heap *heap)
{
	char flags[8];

	obm_debug_flags_format(heap->debug_flags, flags, sizeof(flags));
	seq_printf(m, "%s\n", flags);
	return 0;
}

OBM_DEBUGFS_FOPS(obm_debug);

OBM_DEBUGFS_FOPS(obm_debug_objects);

static int obm_sets_show(struct seq_file *m, void *unused)
{
	struct obm_set_stats st;
	int nid;

	seq_puts(m, "node  arenas  small_arenas  arena_pages  free_pools  empty_arenas  allocated_total  reclaimed  highwater  stray_frees  descriptor_bytes\n");
	for_each_node(nid) {
		memset(&st, 0, sizeof(st));
		obm_set_read_stats(obm_node_set(nid), &st);
		seq_printf(m, "%4d %7lu %13lu %12lu %11lu %13lu %16lu %10lu %10lu %12lu %17lu\n",
			   nid, st.arenas_allocated - st.arenas_reclaimed,
			   st.small_arenas, st.arena_pages, st.free_pools,
			   st.empty_arenas, st.arenas_allocated,
			   st.arenas_reclaimed, st.arenas_highwater,
			   st.stray_frees, st.descriptor_bytes);
	}
	return 0;
}

OBM_DEBUGFS_FOPS(obm_sets);

static void obm_arenas_show_one(struct seq_file *m, int nid, long rank,
				struct obm_arena *arena)
{
	unsigned int given_back = 0, i;
	struct obm_pool *pool;

	list_for_each_entry(pool, &arena->free_pools, link)
		given_back++;
	seq_printf(m, "%4d %5ld %6u %11u %7u %11u", nid, rank,
		   arena->nr_pools, arena->nr_free_pools, arena->nr_carved,
		   given_back);
	/* One letter per pool: d default heap, h another heap, . free. */
	seq_putc(m, ' ');
	for (i = 0; i < arena->nr_pools; i++) {
		struct obm_heap *heap = arena->pools[i].heap;

		seq_putc(m, !heap ? '.' : heap == obm_default_heap ? 'd' : 'h');
	}
	seq_putc(m, '\n');
}

/*
 * Every arena of every node's shared set: first the usable ones in the
 * order pools are taken (fullest first, rank 0 next), then the full ones
 * (rank -1).
 */
static int obm_arenas_show(struct seq_file *m, void *unused)
{
	struct obm_arena *arena;
	unsigned long flags;
	long rank;
	int nid;

	seq_puts(m, "node  rank  pools  free_pools  carved  given_back  pools_by_owner\n");
	for_each_node(nid) {
		struct obm_arena_set *set = obm_node_set(nid);

		spin_lock_irqsave(&set->lock, flags);
		rank = 0;
		list_for_each_entry(arena, &set->usable, usable_link)
			obm_arenas_show_one(m, nid, rank++, arena);
		list_for_each_entry(arena, &set->arenas, set_link)
			if (!arena->nr_free_pools)
				obm_arenas_show_one(m, nid, -1, arena);
		spin_unlock_irqrestore(&set->lock, flags);
	}
	return 0;
}

OBM_DEBUGFS_FOPS(obm_arenas);

static int obm_rcu_show(struct seq_file *m, void *unused)
{
	unsigned long pending, batches, freed;

	obm_rcu_read_stats(&pending, &batches, &freed);
	seq_puts(m, "pending  batches  freed\n");
	seq_printf(m, "%7lu %8lu %6lu\n", pending, batches, freed);
	return 0;
}

OBM_DEBUGFS_FOPS(obm_rcu);

static int obm_version_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "%s\n", OBM_VERSION);
	return 0;
}

OBM_DEBUGFS_FOPS(obm_version);

static int obm_magazines_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	seq_puts(m, "class  size  capacity  batch\n");
	for (i = 0; i < OBM_NR_CLASSES; i++)
		seq_printf(m, "%5u %5u %9u %6u\n", i, obm_class_size(i),
			   obm_mag_capacity(i), obm_mag_batch(i));
	return 0;
}

OBM_DEBUGFS_FOPS(obm_magazines);

static int obm_reclaim_show(struct seq_file *m, void *unused)
{
	struct obm_reclaim_stats stats;
	enum obm_reclaimer who;

	seq_puts(m, "caller  counts  scans  freed\n");
	for (who = 0; who < OBM_NR_RECLAIMERS; who++) {
		obm_reclaim_read_stats(who, &stats);
		seq_printf(m, "%-6s %7lu %6lu %6lu\n", obm_reclaimer_name(who),
			   stats.counts, stats.scans, stats.freed);
	}
	return 0;
}

OBM_DEBUGFS_FOPS(obm_reclaim);

/*
 * The drain files: any write empties the magazines (of the file's heap, or
 * with no heap, of all). write_iter, so kernel_write() works as well.
 */
static ssize_t obm_drain_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct dentry *dentry = iocb->ki_filp->f_path.dentry;
	struct obm_heap *heap = iocb->ki_filp->f_inode->i_private;
	size_t len = iov_iter_count(from);
	int ret = debugfs_file_get(dentry);

	if (ret)
		return ret;
	if (heap) {
		cpus_read_lock();
		obm_heap_drain(heap, ULONG_MAX);
		cpus_read_unlock();
	} else {
		obm_heaps_drain_all();
	}
	debugfs_file_put(dentry);
	iov_iter_advance(from, len);
	return len;
}

static const struct file_operations obm_drain_fops = {
	.owner		= THIS_MODULE,
	.open		= simple_open,
	.write_iter	= obm_drain_write_iter,
	.llseek		= noop_llseek,
};

static int obm_foreign_frees_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "%lu\n", atomic_long_read(&obm_foreign_frees));
	return 0;
}

OBM_DEBUGFS_FOPS(obm_foreign_frees);

/*
 * The files at the root of /sys/kernel/debug/obmalloc/, beside the heaps'
 * directories: a heap may not take one of these names.
 */
const char * const obm_debugfs_root_names[] = {
	"foreign_frees", "magazines", "drain", "fail_arena", "reclaim",
	"sets", "arenas", "version", "rcu", NULL
};

/**
 * obm_debugfs_add_heap() - Create a heap's directory and files.
 * @heap: The heap, whose name is unique.
 *
 * Context: Caller holds obm_heaps_lock.
 */
void obm_debugfs_add_heap(struct obm_heap *heap)
{
	lockdep_assert_held(&obm_heaps_lock);
	heap->debugfs_dir = debugfs_create_dir(heap->name, obm_debugfs_root);
	debugfs_create_file_unsafe("classes", 0444, heap->debugfs_dir, heap,
				   &obm_classes_fops);
	debugfs_create_file_unsafe("stats", 0444, heap->debugfs_dir, heap,
				   &obm_stats_fops);
	debugfs_create_file_unsafe("fullness", 0444, heap->debugfs_dir, heap,
				   &obm_fullness_fops);
	debugfs_create_file_unsafe("cpu", 0444, heap->debugfs_dir, heap,
				   &obm_cpu_fops);
	debugfs_create_file_unsafe("drain", 0200, heap->debugfs_dir, heap,
				   &obm_drain_fops);
	debugfs_create_file_unsafe("debug", 0444, heap->debugfs_dir, heap,
				   &obm_debug_fops);
	if (heap->debug_flags & OBM_DEBUG_TRACK)
		debugfs_create_file_unsafe("objects", 0400, heap->debugfs_dir,
					   heap, &obm_debug_objects_fops);
}

/**
 * obm_debugfs_remove_heap() - Remove a heap's directory.
 * @heap: The heap.
 *
 * Waits for readers of its files to finish.
 *
 * Context: Caller holds obm_heaps_lock.
 */
void obm_debugfs_remove_heap(struct obm_heap *heap)
{
	lockdep_assert_held(&obm_heaps_lock);
	debugfs_remove_recursive(heap->debugfs_dir);
	heap->debugfs_dir = NULL;
}

/**
 * obm_debugfs_init() - Create /sys/kernel/debug/obmalloc/.
 *
 * Return: The directory (an error pointer, ignored by debugfs, if it could
 * not be created).
 */
struct dentry *obm_debugfs_init(void)
{
	obm_debugfs_root = debugfs_create_dir("obmalloc", NULL);
	debugfs_create_file_unsafe("foreign_frees", 0444, obm_debugfs_root,
				   NULL, &obm_foreign_frees_fops);
	debugfs_create_file_unsafe("magazines", 0444, obm_debugfs_root, NULL,
				   &obm_magazines_fops);
	debugfs_create_file_unsafe("drain", 0200, obm_debugfs_root, NULL,
				   &obm_drain_fops);
	debugfs_create_file_unsafe("reclaim", 0444, obm_debugfs_root, NULL,
				   &obm_reclaim_fops);
	debugfs_create_file_unsafe("sets", 0444, obm_debugfs_root, NULL,
				   &obm_sets_fops);
	debugfs_create_file_unsafe("arenas", 0444, obm_debugfs_root, NULL,
				   &obm_arenas_fops);
	debugfs_create_file_unsafe("version", 0444, obm_debugfs_root, NULL,
				   &obm_version_fops);
	debugfs_create_file_unsafe("rcu", 0444, obm_debugfs_root, NULL,
				   &obm_rcu_fops);
	return obm_debugfs_root;
}

/**
 * obm_debugfs_exit() - Remove /sys/kernel/debug/obmalloc/.
 */
void obm_debugfs_exit(void)
{
	debugfs_remove_recursive(obm_debugfs_root);
}
