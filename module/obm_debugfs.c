// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc statistics in debugfs.
 *
 *   /sys/kernel/debug/obmalloc/
 *     foreign_frees        pointers given to obm_free(), obm_realloc() or
 *                          obm_usable_size() that no heap and no kmalloc
 *                          cache owns: one decimal number
 *     magazines            per class: block size, magazine size and batch
 *     drain                write anything: empty every heap's magazines
 *     reclaim              per caller of the shrinkers (kswapd, direct
 *                          reclaim, other): counts, scans, objects freed
 *     fail_arena/          fault injection (see obm_debug.c)
 *     <heap>/classes       one row per size class that has pools
 *     <heap>/fullness      per class with pools: its pools by how full
 *                          they are, in tenths (zsmalloc's groups)
 *     <heap>/stats         "name value" lines, CPython's _debugmallocstats()
 *     <heap>/cpu           one row per possible CPU: its magazines' figures
 *     <heap>/drain         write anything: empty this heap's magazines
 *     <heap>/debug         the heap's debug flags, as debug= letters
 *     <heap>/objects       with owner tracking (U): live blocks grouped by
 *                          allocation stack, a leak view
 *
 * The formats are stable and documented in README.md ("Statistics"): tools
 * parse classes by its header line and stats by name, so a new column or
 * line is only ever added at the end.
 *
 * The files are created with debugfs_create_file_unsafe() and read_iter
 * fops, so kernel_read() works on them (the KUnit suites read them as a
 * tool would); each read holds debugfs_file_get() while it looks at the
 * heap, so removing a heap's directory waits for readers to finish.
 *
 * Locking: classes takes each class lock in turn, so each row is
 * consistent. stats reads everything under the heap's arena lock, under
 * which no pool changes class, and derives each class's available blocks
 * from its pool count and used count, so its byte figures always add up
 * to exactly arena_pages * pool_size. Blocks in the per-CPU magazines are
 * in use as far as pools go; they are summed, 64 counters per CPU, before
 * any lock is taken, and shown apart from the blocks callers hold, exact
 * when the heap is idle. objects walks the heap's records under its
 * arena lock into a table allocated beforehand, then prints with no lock.
 */

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

static int obm_classes_show(struct seq_file *m, struct obm_heap *heap)
{
	unsigned long cached_by_class[OBM_NR_CLASSES];
	unsigned int i;

	obm_pcpu_cached_by_class(heap, cached_by_class);
	seq_puts(m, "class  size  pools  full_pools  blocks_used  blocks_avail  blocks_cached\n");
	for (i = 0; i < OBM_NR_CLASSES; i++) {
		struct obm_class *class = &heap->classes[i];
		unsigned long pools, full, used, cached, flags;

		spin_lock_irqsave(&class->lock, flags);
		pools = class->nr_pools;
		full = class->nr_full;
		used = class->nr_used_blocks;
		spin_unlock_irqrestore(&class->lock, flags);
		if (!pools)
			continue;
		cached = min(cached_by_class[i], used);
		seq_printf(m, "%5u %5u %6lu %11lu %12lu %13lu %14lu\n",
			   i, class->size, pools, full, used - cached,
			   pools * class->blocks_per_pool - used, cached);
	}
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

	seq_puts(m, "class  size  10%  20%  30%  40%  50%  60%  70%  80%  90%  99%  100%\n");
	for (i = 0; i < OBM_NR_CLASSES; i++) {
		struct obm_class *class = &heap->classes[i];
		unsigned long groups[OBM_FULLNESS_GROUPS] = { 0 };
		unsigned long pools, full, flags;
		struct obm_pool *pool;

		spin_lock_irqsave(&class->lock, flags);
		pools = class->nr_pools;
		full = class->nr_full;
		/* Debugfs only: one pass over the partial pools, irqs off. */
		list_for_each_entry(pool, &class->partial, link)
			groups[min(pool->ref_count * 100 / class->blocks_per_pool / 10,
				   OBM_FULLNESS_GROUPS - 1)]++;
		spin_unlock_irqrestore(&class->lock, flags);
		if (!pools)
			continue;
		seq_printf(m, "%5u %5u", i, class->size);
		for (g = 0; g < OBM_FULLNESS_GROUPS; g++)
			seq_printf(m, " %4lu", groups[g]);
		seq_printf(m, " %5lu\n", full);
	}
	return 0;
}

OBM_DEBUGFS_FOPS(obm_fullness);

/*
 * The debug figures at the end of stats. Requests are tracked in debug
 * heaps only: elsewhere requests_tracked is 0 and so are the two figures
 * that depend on it.
 */
static void obm_stats_show_debug(struct seq_file *m, struct obm_heap *heap,
				 unsigned long used_bytes,
				 unsigned long arenas,
				 unsigned long small_arenas)
{
	long requested = atomic_long_read(&heap->requested_bytes);
	unsigned long records = 0;

	if (heap->debug_flags) {
		size_t per_pool = kmalloc_size_roundup(obm_track_array_size(heap));

		records = (arenas - small_arenas) *
			  (kmalloc_size_roundup(OBM_POOLS_PER_ARENA * sizeof(void *)) +
			   OBM_POOLS_PER_ARENA * per_pool) +
			  small_arenas * (kmalloc_size_roundup(sizeof(void *)) +
					  per_pool);
	}
	requested = clamp_t(long, requested, 0, used_bytes);
	seq_printf(m, "requests_tracked %d\n", !!heap->debug_flags);
	seq_printf(m, "bytes_requested %ld\n", requested);
	seq_printf(m, "bytes_lost_to_rounding %lu\n",
		   heap->debug_flags ? used_bytes - requested : 0);
	seq_printf(m, "redzone_overwrites %lu\n",
		   atomic_long_read(&heap->redzone_overwrites));
	seq_printf(m, "writes_after_free %lu\n",
		   atomic_long_read(&heap->writes_after_free));
	seq_printf(m, "bytes_in_debug_records %lu\n", records);
}

static int obm_stats_show(struct seq_file *m, struct obm_heap *heap)
{
	unsigned long allocated, reclaimed, highwater, free_pools, arena_pages;
	unsigned long small_arenas, small_arenas_allocated, descriptor_bytes;
	unsigned long pools_in_use = 0, used_blocks = 0, cached_blocks = 0;
	unsigned long used_bytes = 0, avail_bytes = 0, quant_bytes = 0;
	unsigned long cached_by_class[OBM_NR_CLASSES];
	unsigned long cached_bytes = 0;
	unsigned long unused_bytes, total, flags;
	unsigned int i;

	obm_pcpu_cached_by_class(heap, cached_by_class);

	spin_lock_irqsave(&heap->arena_lock, flags);
	allocated = heap->arenas_allocated;
	reclaimed = heap->arenas_reclaimed;
	highwater = heap->arenas_highwater;
	free_pools = heap->nr_free_pools;
	arena_pages = heap->arena_pages;
	small_arenas = heap->small_arenas;
	small_arenas_allocated = heap->small_arenas_allocated;
	for (i = 0; i < OBM_NR_CLASSES; i++) {
		struct obm_class *class = &heap->classes[i];
		unsigned long pools = class->nr_pools;
		unsigned long used = READ_ONCE(class->nr_used_blocks);
		unsigned long cached = min(cached_by_class[i], used);

		pools_in_use += pools;
		used_blocks += used - cached;
		cached_blocks += cached;
		used_bytes += (used - cached) * class->size;
		cached_bytes += cached * class->size;
		avail_bytes += (pools * class->blocks_per_pool - used) *
			       class->size;
		quant_bytes += pools * (OBM_POOL_SIZE % class->size);
	}
	spin_unlock_irqrestore(&heap->arena_lock, flags);

	unused_bytes = free_pools * OBM_POOL_SIZE;
	total = used_bytes + cached_bytes + avail_bytes + unused_bytes +
		quant_bytes;
	descriptor_bytes =
		(allocated - reclaimed - small_arenas) *
			kmalloc_size_roundup(obm_arena_descriptor_size(OBM_POOLS_PER_ARENA)) +
		small_arenas * kmalloc_size_roundup(obm_arena_descriptor_size(1));

	seq_printf(m, "arena_size %lu\n", OBM_ARENA_SIZE);
	seq_printf(m, "pool_size %lu\n", OBM_POOL_SIZE);
	/* Pool headers are in the arena descriptors: none in the pages. */
	seq_printf(m, "pool_header_size %u\n", 0);
	seq_printf(m, "arenas_allocated_total %lu\n", allocated);
	seq_printf(m, "arenas_reclaimed %lu\n", reclaimed);
	seq_printf(m, "arenas_highwater %lu\n", highwater);
	seq_printf(m, "arenas_current %lu\n", allocated - reclaimed);
	seq_printf(m, "pools_in_use %lu\n", pools_in_use);
	seq_printf(m, "blocks_in_use %lu\n", used_blocks);
	seq_printf(m, "bytes_in_allocated_blocks %lu\n", used_bytes);
	seq_printf(m, "bytes_in_available_blocks %lu\n", avail_bytes);
	seq_printf(m, "unused_pools %lu\n", free_pools);
	seq_printf(m, "bytes_in_unused_pools %lu\n", unused_bytes);
	seq_printf(m, "bytes_lost_to_pool_headers %u\n", 0);
	seq_printf(m, "bytes_lost_to_quantization %lu\n", quant_bytes);
	seq_printf(m, "total_bytes %lu\n", total);
	seq_printf(m, "double_frees %lu\n",
		   atomic_long_read(&heap->double_frees));
	seq_printf(m, "invalid_frees %lu\n",
		   atomic_long_read(&heap->invalid_frees));
	seq_printf(m, "alloc_failures %lu\n",
		   atomic_long_read(&heap->alloc_failures));
	seq_printf(m, "blocks_cached %lu\n", cached_blocks);
	seq_printf(m, "bytes_in_cached_blocks %lu\n", cached_bytes);
	seq_printf(m, "arena_pages %lu\n", arena_pages);
	seq_printf(m, "small_arenas %lu\n", small_arenas);
	seq_printf(m, "small_arenas_allocated_total %lu\n",
		   small_arenas_allocated);
	seq_printf(m, "bytes_in_arena_descriptors %lu\n", descriptor_bytes);
	seq_printf(m, "kmalloc_allocs %lu\n",
		   atomic_long_read(&heap->kmalloc_allocs));
	seq_printf(m, "kmalloc_for_flags %lu\n",
		   atomic_long_read(&heap->kmalloc_for_flags));
	seq_printf(m, "freelist_corruptions %lu\n",
		   atomic_long_read(&heap->freelist_corruptions));
	seq_printf(m, "bytes_in_magazines %zu\n", obm_heap_magazine_bytes(heap));
	obm_stats_show_debug(m, heap, used_bytes, allocated - reclaimed,
			     small_arenas);
	return 0;
}

OBM_DEBUGFS_FOPS(obm_stats);

static int obm_cpu_show(struct seq_file *m, struct obm_heap *heap)
{
	unsigned int cpu, i;

	seq_puts(m, "cpu  online  allocs  frees  refills  flushes  cached  magazine_bytes\n");
	for_each_possible_cpu(cpu) {
		struct obm_pcpu *pc = per_cpu_ptr(heap->pcpu, cpu);
		unsigned long cached = 0;

		for (i = 0; i < OBM_NR_CLASSES; i++)
			cached += READ_ONCE(pc->count[i]);
		seq_printf(m, "%3u %7d %7lu %6lu %8lu %8lu %7lu %15zu\n", cpu,
			   cpu_online(cpu), READ_ONCE(pc->allocs),
			   READ_ONCE(pc->frees), READ_ONCE(pc->refills),
			   READ_ONCE(pc->flushes), cached,
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

/*
 * The objects file: live blocks grouped by allocation stack, in an open-
 * addressing table sized before the walk, since the walk holds the arena
 * lock. Stacks beyond OBM_OBJECTS_GROUPS are summed in one line.
 */
#define OBM_OBJECTS_SLOTS	4096
#define OBM_OBJECTS_GROUPS	(OBM_OBJECTS_SLOTS * 3 / 4)
#define OBM_OBJECTS_STACK_BUF	2048

struct obm_objects_group {
	depot_stack_handle_t	stack;
	bool			used;
	unsigned long		blocks;
	unsigned long		bytes;
	unsigned long		requested;
};

struct obm_objects {
	struct obm_objects_group	*slots;
	unsigned int			nr_groups;
	struct obm_objects_group	other;
};

static void obm_objects_count(struct obm_objects_group *group,
			      const struct obm_live_block *live)
{
	group->blocks++;
	group->bytes += obm_class_size(live->class_idx);
	group->requested += live->track.requested;
}

static void obm_objects_add(const struct obm_live_block *live, void *arg)
{
	struct obm_objects *objects = arg;
	depot_stack_handle_t stack = live->track.alloc_stack;
	unsigned int i = hash_32(stack, ilog2(OBM_OBJECTS_SLOTS));
	struct obm_objects_group *group;

	for (;; i = (i + 1) % OBM_OBJECTS_SLOTS) {
		group = &objects->slots[i];
		if (group->used && group->stack == stack)
			break;
		if (!group->used) {
			if (objects->nr_groups == OBM_OBJECTS_GROUPS) {
				group = &objects->other;
				break;
			}
			group->used = true;
			group->stack = stack;
			objects->nr_groups++;
			break;
		}
	}
	obm_objects_count(group, live);
}

/* Most bytes first. */
static int obm_objects_cmp(const void *a, const void *b)
{
	const struct obm_objects_group *x = a, *y = b;

	if (x->used != y->used)
		return x->used ? -1 : 1;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return 0;
}

static int obm_objects_show(struct seq_file *m, struct obm_heap *heap)
{
	struct obm_objects objects = {};
	unsigned int i;
	char *buf;

	objects.slots = kvcalloc(OBM_OBJECTS_SLOTS, sizeof(*objects.slots),
				 GFP_KERNEL);
	buf = kmalloc(OBM_OBJECTS_STACK_BUF, GFP_KERNEL);
	if (!objects.slots || !buf) {
		kvfree(objects.slots);
		kfree(buf);
		return -ENOMEM;
	}
	obm_debug_walk_live(heap, obm_objects_add, &objects);
	sort(objects.slots, OBM_OBJECTS_SLOTS, sizeof(*objects.slots),
	     obm_objects_cmp, NULL);

	seq_puts(m, "blocks  bytes  requested  allocated by\n");
	for (i = 0; i < objects.nr_groups; i++) {
		struct obm_objects_group *group = &objects.slots[i];

		seq_printf(m, "%lu %lu %lu\n", group->blocks, group->bytes,
			   group->requested);
		if (group->stack &&
		    stack_depot_snprint(group->stack, buf,
					OBM_OBJECTS_STACK_BUF, 2))
			seq_puts(m, buf);
		else
			seq_puts(m, "  (no stack saved)\n");
	}
	if (objects.other.blocks)
		seq_printf(m, "%lu %lu %lu\n  (other stacks)\n",
			   objects.other.blocks, objects.other.bytes,
			   objects.other.requested);
	kvfree(objects.slots);
	kfree(buf);
	return 0;
}

OBM_DEBUGFS_FOPS(obm_objects);

static int obm_magazines_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	seq_puts(m, "class  size  capacity  batch\n");
	for (i = 0; i < OBM_NR_CLASSES; i++)
		seq_printf(m, "%5u %5u %9u %6u\n", i, obm_class_size(i),
			   obm_mag_cap[i], obm_mag_batch(i));
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
	"foreign_frees", "magazines", "drain", "fail_arena", "reclaim", NULL
};

/**
 * obm_debugfs_add_heap() - Create a heap's directory and files.
 * @heap: The heap, whose name is unique.
 *
 * Context: Caller holds obm_heaps_lock.
 */
void obm_debugfs_add_heap(struct obm_heap *heap)
{
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
					   heap, &obm_objects_fops);
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
	return obm_debugfs_root;
}

/**
 * obm_debugfs_exit() - Remove /sys/kernel/debug/obmalloc/.
 */
void obm_debugfs_exit(void)
{
	debugfs_remove_recursive(obm_debugfs_root);
}
