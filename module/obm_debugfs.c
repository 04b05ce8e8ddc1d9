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
 *     fail_arena/          fault injection (see obm_debug.c)
 *     <heap>/classes       one row per size class that has pools
 *     <heap>/stats         "name value" lines, CPython's _debugmallocstats()
 *     <heap>/cpu           one row per possible CPU: its magazines' figures
 *     <heap>/drain         write anything: empty this heap's magazines
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
 * to exactly arenas_current * arena_size. Blocks in the per-CPU magazines
 * are in use as far as pools go; they are summed without locks and shown
 * apart from the blocks callers hold, exact when the heap is idle.
 */

#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/uio.h>
#include <linux/seq_file.h>

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
	unsigned int i;

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
		cached = min(obm_pcpu_cached(heap, i), used);
		seq_printf(m, "%5u %5u %6lu %11lu %12lu %13lu %14lu\n",
			   i, class->size, pools, full, used - cached,
			   pools * class->blocks_per_pool - used, cached);
	}
	return 0;
}

OBM_DEBUGFS_FOPS(obm_classes);

static int obm_stats_show(struct seq_file *m, struct obm_heap *heap)
{
	unsigned long allocated, reclaimed, highwater, free_pools;
	unsigned long pools_in_use = 0, used_blocks = 0, cached_blocks = 0;
	unsigned long used_bytes = 0, avail_bytes = 0, quant_bytes = 0;
	unsigned long cached_bytes = 0;
	unsigned long header_bytes, unused_bytes, total, flags;
	unsigned int i;

	spin_lock_irqsave(&heap->arena_lock, flags);
	allocated = heap->arenas_allocated;
	reclaimed = heap->arenas_reclaimed;
	highwater = heap->arenas_highwater;
	free_pools = heap->nr_free_pools;
	for (i = 0; i < OBM_NR_CLASSES; i++) {
		struct obm_class *class = &heap->classes[i];
		unsigned long pools = class->nr_pools;
		unsigned long used = READ_ONCE(class->nr_used_blocks);
		unsigned long cached = min(obm_pcpu_cached(heap, i), used);
		unsigned long tail;

		tail = (OBM_POOL_SIZE - OBM_POOL_HEADER_SIZE) % class->size;
		pools_in_use += pools;
		used_blocks += used - cached;
		cached_blocks += cached;
		used_bytes += (used - cached) * class->size;
		cached_bytes += cached * class->size;
		avail_bytes += (pools * class->blocks_per_pool - used) *
			       class->size;
		quant_bytes += pools * tail;
	}
	spin_unlock_irqrestore(&heap->arena_lock, flags);

	header_bytes = pools_in_use * OBM_POOL_HEADER_SIZE;
	unused_bytes = free_pools * OBM_POOL_SIZE;
	total = used_bytes + cached_bytes + avail_bytes + unused_bytes +
		header_bytes + quant_bytes;

	seq_printf(m, "arena_size %lu\n", OBM_ARENA_SIZE);
	seq_printf(m, "pool_size %lu\n", OBM_POOL_SIZE);
	seq_printf(m, "pool_header_size %lu\n", OBM_POOL_HEADER_SIZE);
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
	seq_printf(m, "bytes_lost_to_pool_headers %lu\n", header_bytes);
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
	return 0;
}

OBM_DEBUGFS_FOPS(obm_stats);

static int obm_cpu_show(struct seq_file *m, struct obm_heap *heap)
{
	unsigned int cpu, i;

	seq_puts(m, "cpu  online  allocs  frees  refills  flushes  cached\n");
	for_each_possible_cpu(cpu) {
		struct obm_pcpu *pc = per_cpu_ptr(heap->pcpu, cpu);
		unsigned long cached = 0;

		for (i = 0; i < OBM_NR_CLASSES; i++)
			cached += READ_ONCE(pc->count[i]);
		seq_printf(m, "%3u %7d %7lu %6lu %8lu %8lu %7lu\n", cpu,
			   cpu_online(cpu), READ_ONCE(pc->allocs),
			   READ_ONCE(pc->frees), READ_ONCE(pc->refills),
			   READ_ONCE(pc->flushes), cached);
	}
	return 0;
}

OBM_DEBUGFS_FOPS(obm_cpu);

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
	if (heap)
		obm_heap_drain(heap);
	else
		obm_heaps_drain_all();
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
	debugfs_create_file_unsafe("cpu", 0444, heap->debugfs_dir, heap,
				   &obm_cpu_fops);
	debugfs_create_file_unsafe("drain", 0200, heap->debugfs_dir, heap,
				   &obm_drain_fops);
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
	return obm_debugfs_root;
}

/**
 * obm_debugfs_exit() - Remove /sys/kernel/debug/obmalloc/.
 */
void obm_debugfs_exit(void)
{
	debugfs_remove_recursive(obm_debugfs_root);
}
