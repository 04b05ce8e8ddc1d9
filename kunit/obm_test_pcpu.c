// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_pcpu: the per-CPU magazines - refills and flushes at batch
 * boundaries, remote frees, a double free across CPUs, CPU hotplug, the
 * shrinker (called directly and through drop_caches), the drain files,
 * verify_free turning the caches off, and lazy magazines (none on a CPU
 * until it allocates). Work that must happen on one CPU runs in a work
 * item queued on that CPU.
 */

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/prandom.h>
#include <linux/shrinker.h>
#include <linux/workqueue.h>
#include <obmalloc_internal.h>

#include "obm_test.h"

MODULE_IMPORT_NS(OBM_NS_INTERNAL);

struct obm_test_cpu_row {
	unsigned long online, allocs, frees, refills, flushes, cached;
	unsigned long magazine_bytes;
};

static void obm_test_read_cpu(struct kunit *test, struct obm_heap *heap,
			      unsigned int cpu, struct obm_test_cpu_row *row)
{
	char *buf = kunit_kzalloc(test, 16384, GFP_KERNEL);
	char path[96], *text, *line;
	bool found = false;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	snprintf(path, sizeof(path), OBM_TEST_DEBUGFS "/%s/cpu",
		 obm_test_heap_name(test, heap));
	KUNIT_ASSERT_GT(test, obm_test_read_file(path, buf, 16384), 0);
	text = buf;
	line = strsep(&text, "\n");
	KUNIT_ASSERT_STREQ(test, line,
			   "cpu  online  allocs  frees  refills  flushes  cached  magazine_bytes");
	while ((line = strsep(&text, "\n")) && *line) {
		unsigned int c;
		int fields = sscanf(line, "%u %lu %lu %lu %lu %lu %lu %lu", &c,
				    &row->online, &row->allocs, &row->frees,
				    &row->refills, &row->flushes, &row->cached,
				    &row->magazine_bytes);

		KUNIT_ASSERT_EQ_MSG(test, fields, 8, "bad cpu line '%s'", line);
		if (c == cpu) {
			found = true;
			break;
		}
	}
	KUNIT_ASSERT_TRUE_MSG(test, found, "cpu %u not in %s", cpu, path);
}

static void obm_test_magazine(struct kunit *test, unsigned int class_idx,
			      unsigned int *cap, unsigned int *batch)
{
	char *buf = kunit_kzalloc(test, 4096, GFP_KERNEL);
	char *text, *line;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_GT(test, obm_test_read_file(OBM_TEST_DEBUGFS "/magazines",
						 buf, 4096), 0);
	text = buf;
	line = strsep(&text, "\n");
	KUNIT_ASSERT_STREQ(test, line, "class  size  capacity  batch");
	while ((line = strsep(&text, "\n")) && *line) {
		unsigned int idx, size;
		int fields;

		fields = sscanf(line, "%u %u %u %u", &idx, &size, cap, batch);
		KUNIT_ASSERT_EQ(test, fields, 4);
		if (idx == class_idx)
			return;
	}
	KUNIT_FAIL(test, "class %u not in magazines", class_idx);
}

/* Run fn(arg) in a work item on one CPU and wait for it. */
struct obm_test_on_cpu {
	struct work_struct work;
	void (*fn)(void *arg);
	void *arg;
	unsigned int ran_on;
};

static void obm_test_on_cpu_fn(struct work_struct *work)
{
	struct obm_test_on_cpu *w = container_of(work, struct obm_test_on_cpu, work);

	w->ran_on = raw_smp_processor_id();
	w->fn(w->arg);
}

static void obm_test_run_on(struct kunit *test, unsigned int cpu,
			    void (*fn)(void *), void *arg)
{
	struct obm_test_on_cpu w = { .fn = fn, .arg = arg };

	INIT_WORK_ONSTACK(&w.work, obm_test_on_cpu_fn);
	queue_work_on(cpu, system_highpri_wq, &w.work);
	flush_work(&w.work);
	destroy_work_on_stack(&w.work);
	KUNIT_ASSERT_EQ(test, w.ran_on, cpu);
}

struct obm_test_blocks {
	struct obm_heap *heap;
	size_t size;
	unsigned int n, failed;
	void **blocks;
};

static void obm_test_alloc_blocks(void *arg)
{
	struct obm_test_blocks *b = arg;
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		b->blocks[i] = obm_heap_alloc(b->heap, b->size, GFP_KERNEL);
		if (b->blocks[i])
			obm_test_fill(b->blocks[i], b->size, i);
		else
			b->failed++;
	}
}

static void obm_test_free_blocks(void *arg)
{
	struct obm_test_blocks *b = arg;
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		if (b->blocks[i] && !obm_test_check_fill(b->blocks[i], b->size, i))
			b->failed++;
		obm_free(b->blocks[i]);
		b->blocks[i] = NULL;
	}
}

static struct obm_test_blocks *obm_test_blocks(struct kunit *test,
					       struct obm_heap *heap,
					       size_t size, unsigned int n)
{
	struct obm_test_blocks *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	b->blocks = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b->blocks);
	b->heap = heap;
	b->size = size;
	b->n = n;
	return b;
}

static unsigned int obm_test_some_cpu(struct kunit *test)
{
	unsigned int cpu = cpumask_last(cpu_online_mask);

	KUNIT_ASSERT_LT(test, cpu, nr_cpu_ids);
	return cpu;
}

/*
 * Refills and flushes happen exactly at the batch boundaries: compared
 * with a model of one magazine fed by one pool at a time.
 */
static void obm_test_pcpu_batches(struct kunit *test)
{
	const unsigned int size = 64, n = 100, class_idx = size / OBM_ALIGNMENT - 1;
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_blocks *b = obm_test_blocks(test, heap, size, n);
	unsigned int cpu = obm_test_some_cpu(test), cap, batch, i;
	unsigned int count = 0, pool_left = 0, per_pool, refills = 0, flushes = 0;
	struct obm_test_cpu_row before, after;
	struct obm_test_stats s;

	obm_test_magazine(test, class_idx, &cap, &batch);
	KUNIT_ASSERT_EQ(test, batch, cap / 2);
	obm_test_read_stats(test, heap, &s);
	per_pool = (s.pool_size - s.pool_header_size) / size;

	for (i = 0; i < n; i++) {
		if (!count) {
			if (!pool_left)
				pool_left = per_pool;
			count = min(batch, pool_left);
			pool_left -= count;
			refills++;
		}
		count--;
	}
	obm_test_read_cpu(test, heap, cpu, &before);
	obm_test_run_on(test, cpu, obm_test_alloc_blocks, b);
	obm_test_read_cpu(test, heap, cpu, &after);
	KUNIT_EXPECT_EQ(test, b->failed, 0);
	KUNIT_EXPECT_EQ(test, after.allocs - before.allocs, n);
	KUNIT_EXPECT_EQ(test, after.refills - before.refills, refills);
	KUNIT_EXPECT_EQ(test, after.cached, count);

	for (i = 0; i < n; i++) {
		if (count == cap) {
			count -= batch;
			flushes++;
		}
		count++;
	}
	obm_test_run_on(test, cpu, obm_test_free_blocks, b);
	obm_test_read_cpu(test, heap, cpu, &before);
	KUNIT_EXPECT_EQ(test, b->failed, 0);
	KUNIT_EXPECT_EQ(test, before.frees - after.frees, n);
	KUNIT_EXPECT_EQ(test, before.flushes - after.flushes, flushes);
	KUNIT_EXPECT_EQ(test, before.cached, count);

	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, 0);
	KUNIT_EXPECT_EQ(test, s.blocks_cached, count);
	KUNIT_EXPECT_EQ(test, s.bytes_in_cached_blocks, count * size);
	KUNIT_EXPECT_EQ(test, s.blocks_cached_raw, count);
}

/*
 * On b's heap: one allocation of b's size, so that this CPU gets its
 * magazine of that class.
 */
static void obm_test_touch_heap(void *arg)
{
	struct obm_test_blocks *b = arg;

	obm_free(obm_heap_alloc(b->heap, b->size, GFP_KERNEL));
}

/* Another online CPU than @a, on @a's node if @same_node, else on another. */
static unsigned int obm_test_other_cpu(unsigned int a, bool same_node)
{
	unsigned int cpu;

	for_each_online_cpu(cpu)
		if (cpu != a && (cpu_to_mem(cpu) == cpu_to_mem(a)) == same_node)
			return cpu;
	return nr_cpu_ids;
}

/*
 * Blocks allocated on one CPU and freed on another of the same node land
 * in the second's magazine; freed on a CPU of another node, they go
 * straight back to their pools: a magazine holds its node's blocks only.
 */
static void obm_test_pcpu_remote_free(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_blocks *b = obm_test_blocks(test, heap, 200, 30);
	unsigned int a = cpumask_first(cpu_online_mask);
	unsigned int z = obm_test_other_cpu(a, true);
	unsigned int far = obm_test_other_cpu(a, false);
	struct obm_test_cpu_row ra, rz;
	struct obm_test_stats s;

	if (z >= nr_cpu_ids)
		kunit_skip(test, "needs two online CPUs on one node");
	/* z allocates first, so that it has a magazine (obm_test_pcpu_lazy). */
	obm_test_run_on(test, z, obm_test_touch_heap, b);
	obm_test_run_on(test, a, obm_test_alloc_blocks, b);
	obm_test_run_on(test, z, obm_test_free_blocks, b);
	KUNIT_EXPECT_EQ(test, b->failed, 0);
	obm_test_read_cpu(test, heap, a, &ra);
	obm_test_read_cpu(test, heap, z, &rz);
	KUNIT_EXPECT_EQ(test, ra.allocs, 30);
	KUNIT_EXPECT_EQ(test, ra.frees, 0);
	KUNIT_EXPECT_EQ(test, rz.allocs, 1);
	KUNIT_EXPECT_EQ(test, rz.frees, 31);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, 0);
	KUNIT_EXPECT_EQ(test, s.blocks_cached_raw, ra.cached + rz.cached);
	obm_test_check_empty(test, heap);

	if (far >= nr_cpu_ids)
		return;
	obm_test_run_on(test, far, obm_test_touch_heap, b);
	obm_test_run_on(test, a, obm_test_alloc_blocks, b);
	obm_test_run_on(test, far, obm_test_free_blocks, b);
	KUNIT_EXPECT_EQ(test, b->failed, 0);
	obm_test_read_cpu(test, heap, far, &rz);
	/* Only far's own block, of its own node, went to its magazine. */
	KUNIT_EXPECT_EQ(test, rz.frees, 1);
	obm_test_check_empty(test, heap);
}

/*
 * Lazy magazines: a new heap has no magazine memory on any CPU; a CPU's
 * first allocation gives it its magazines; a CPU that never allocated
 * frees straight to the pools and stays without.
 */
static void obm_test_pcpu_lazy(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_blocks *b = obm_test_blocks(test, heap, 200, 30);
	unsigned int a = cpumask_first(cpu_online_mask);
	unsigned int z = obm_test_some_cpu(test);
	struct obm_test_cpu_row row, ra, rz;
	struct obm_test_stats s;
	unsigned int cpu;

	if (a == z)
		kunit_skip(test, "needs at least two online CPUs");
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.bytes_in_magazines, 0);
	for_each_possible_cpu(cpu) {
		obm_test_read_cpu(test, heap, cpu, &row);
		KUNIT_EXPECT_EQ_MSG(test, row.magazine_bytes, 0, "cpu %u", cpu);
	}
	obm_test_run_on(test, a, obm_test_alloc_blocks, b);
	obm_test_run_on(test, z, obm_test_free_blocks, b);
	KUNIT_EXPECT_EQ(test, b->failed, 0);
	obm_test_read_cpu(test, heap, a, &ra);
	obm_test_read_cpu(test, heap, z, &rz);
	/* Only the class a allocated from has a magazine on a. */
	KUNIT_EXPECT_GT(test, ra.magazine_bytes, 0);
	KUNIT_EXPECT_LE(test, ra.magazine_bytes, 2048);
	KUNIT_EXPECT_EQ(test, ra.allocs, 30);
	KUNIT_EXPECT_EQ(test, rz.magazine_bytes, 0);
	KUNIT_EXPECT_EQ(test, rz.frees, 0);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, 0);
	KUNIT_EXPECT_EQ(test, s.blocks_cached, ra.cached);
	KUNIT_EXPECT_EQ(test, s.bytes_in_magazines, ra.magazine_bytes);
	for_each_possible_cpu(cpu) {
		if (cpu == a)
			continue;
		obm_test_read_cpu(test, heap, cpu, &row);
		KUNIT_EXPECT_EQ_MSG(test, row.magazine_bytes, 0, "cpu %u", cpu);
	}

	/* The same class again costs nothing more; another class does. */
	obm_test_run_on(test, a, obm_test_touch_heap, b);
	obm_test_read_cpu(test, heap, a, &row);
	KUNIT_EXPECT_EQ(test, row.magazine_bytes, ra.magazine_bytes);
	b->size = 8;
	obm_test_run_on(test, a, obm_test_touch_heap, b);
	obm_test_read_cpu(test, heap, a, &row);
	KUNIT_EXPECT_GT(test, row.magazine_bytes, ra.magazine_bytes);
	obm_test_check_empty(test, heap);
}

struct obm_test_one {
	void *block;
};

static void obm_test_free_one(void *arg)
{
	obm_free(((struct obm_test_one *)arg)->block);
}

/* A block freed on two CPUs is caught when the magazines are flushed. */
static void obm_test_pcpu_double_free_two_cpus(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_blocks *touch = obm_test_blocks(test, heap, 88, 1);
	unsigned int a = cpumask_first(cpu_online_mask);
	unsigned int z = obm_test_some_cpu(test);
	struct obm_test_one one;
	struct obm_test_stats s;
	void *keep, *q, *r;

	if (a == z)
		kunit_skip(test, "needs at least two online CPUs");
	keep = obm_heap_alloc(heap, 88, GFP_KERNEL);
	one.block = obm_heap_alloc(heap, 88, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	KUNIT_ASSERT_NOT_NULL(test, one.block);
	/*
	 * a's free goes into its magazine (a needs one of the class first);
	 * z's too, or, on another node, straight to the pool. Either way the
	 * second copy is found when a's magazine is flushed.
	 */
	obm_test_run_on(test, a, obm_test_touch_heap, touch);
	obm_test_run_on(test, z, obm_test_touch_heap, touch);
	obm_test_drain(test, heap);
	obm_test_run_on(test, a, obm_test_free_one, &one);
	obm_test_run_on(test, z, obm_test_free_one, &one);
	obm_test_expect_report(test, obm_test_heap_name(test, heap), "double free",
			       one.block);
	obm_test_drain(test, heap);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.double_frees, 1);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, 1);
	KUNIT_EXPECT_EQ(test, s.blocks_cached_raw, 0);

	/* The pool's free list holds the block once: two allocations differ. */
	q = obm_heap_alloc(heap, 88, GFP_KERNEL);
	r = obm_heap_alloc(heap, 88, GFP_KERNEL);
	KUNIT_EXPECT_PTR_NE(test, q, r);
	obm_free(q);
	obm_free(r);
	obm_free(keep);
}

static void obm_test_cpu_up(void *cpu)
{
	add_cpu((unsigned long)cpu);
}

/* A CPU taken offline leaves nothing behind; back online it works again. */
static void obm_test_pcpu_hotplug(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_blocks *b = obm_test_blocks(test, heap, 40, 50);
	unsigned int cpu = obm_test_some_cpu(test);
	struct obm_test_cpu_row row;
	struct obm_test_stats s;
	int ret;

	if (cpu == cpumask_first(cpu_online_mask))
		kunit_skip(test, "needs at least two online CPUs");
	obm_test_run_on(test, cpu, obm_test_alloc_blocks, b);
	obm_test_run_on(test, cpu, obm_test_free_blocks, b);
	obm_test_read_cpu(test, heap, cpu, &row);
	KUNIT_ASSERT_GT(test, row.cached, 0);

	ret = remove_cpu(cpu);
	if (ret)
		kunit_skip(test, "cannot take cpu %u offline: %d", cpu, ret);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, obm_test_cpu_up,
							   (void *)(unsigned long)cpu));
	obm_test_read_cpu(test, heap, cpu, &row);
	KUNIT_EXPECT_EQ(test, row.online, 0);
	KUNIT_EXPECT_EQ(test, row.cached, 0);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, 0);
	KUNIT_EXPECT_EQ(test, s.blocks_cached_raw, 0);

	KUNIT_ASSERT_EQ(test, 0, add_cpu(cpu));
	obm_test_run_on(test, cpu, obm_test_alloc_blocks, b);
	KUNIT_EXPECT_EQ(test, b->failed, 0);
	obm_test_run_on(test, cpu, obm_test_free_blocks, b);
	KUNIT_EXPECT_EQ(test, b->failed, 0);
	obm_test_read_cpu(test, heap, cpu, &row);
	KUNIT_EXPECT_EQ(test, row.online, 1);
	obm_test_check_empty(test, heap);
}

/* Leave cached blocks behind: allocate and free on this CPU. */
static unsigned long obm_test_leave_cached(struct kunit *test,
					   struct obm_heap *heap)
{
	struct obm_test_blocks *b = obm_test_blocks(test, heap, 64, 100);
	struct obm_test_stats s;

	obm_test_alloc_blocks(b);
	obm_test_free_blocks(b);
	KUNIT_ASSERT_EQ(test, b->failed, 0);
	obm_test_read_stats(test, heap, &s);
	KUNIT_ASSERT_GT(test, s.blocks_cached, 0);
	KUNIT_ASSERT_GT(test, s.pools_in_use, 0);
	return s.blocks_cached;
}

/*
 * The shrinker counts cached blocks and the empty pools the heap keeps,
 * and frees them: the pools the cached blocks held go back too.
 */
static void obm_test_pcpu_shrinker_direct(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct shrinker *shrinker = obm_heap_shrinker(heap);
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	unsigned long cached, count, freed;
	struct obm_test_stats s;

	KUNIT_ASSERT_NOT_NULL(test, shrinker);
	KUNIT_EXPECT_EQ(test, shrinker->count_objects(shrinker, &sc), SHRINK_EMPTY);
	cached = obm_test_leave_cached(test, heap);
	obm_test_read_stats(test, heap, &s);

	/*
	 * The cached blocks keep their pools; the pools flushes emptied are
	 * kept, up to two.
	 */
	count = shrinker->count_objects(shrinker, &sc);
	KUNIT_EXPECT_EQ(test, count, cached + s.unused_pools);
	sc.nr_to_scan = count;
	freed = shrinker->scan_objects(shrinker, &sc);
	/* Draining empties the pools, which then go back too. */
	KUNIT_EXPECT_EQ(test, freed, cached + s.pools_in_use + s.unused_pools);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_cached_raw, 0);
	KUNIT_EXPECT_EQ(test, s.pages_held, 0);
	KUNIT_EXPECT_EQ(test, shrinker->count_objects(shrinker, &sc), SHRINK_EMPTY);
	KUNIT_EXPECT_EQ(test, shrinker->scan_objects(shrinker, &sc), SHRINK_STOP);
}

/* One row of the debugfs reclaim file, as a tool parses it. */
static void obm_test_read_reclaim(struct kunit *test, const char *caller,
				  unsigned long *scans, unsigned long *freed)
{
	char buf[512], *line = buf, *row;
	unsigned long counts;
	char name[16];

	KUNIT_ASSERT_LT(test, 0, obm_test_read_file("/sys/kernel/debug/obmalloc/reclaim",
						    buf, sizeof(buf)));
	KUNIT_ASSERT_TRUE(test, str_has_prefix(buf, "caller  counts  scans  freed\n"));
	while ((row = strsep(&line, "\n")) && *row) {
		if (sscanf(row, "%15s %lu %lu %lu", name, &counts, scans, freed) == 4 &&
		    !strcmp(name, caller))
			return;
	}
	KUNIT_FAIL(test, "no row for %s in the reclaim file", caller);
}

/*
 * The kernel's own reclaim path reaches the shrinker too, and the reclaim
 * file counts drop_caches's scans, and what they freed, as "other".
 */
static void obm_test_pcpu_drop_caches(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	unsigned long scans, freed, scans_after, freed_after, cached, pools;
	struct obm_test_stats s;

	cached = obm_test_leave_cached(test, heap);
	obm_test_read_stats(test, heap, &s);
	pools = s.pools_in_use + s.unused_pools;
	obm_test_read_reclaim(test, "other", &scans, &freed);
	KUNIT_ASSERT_EQ(test, 0, obm_test_write_file("/proc/sys/vm/drop_caches", "2"));
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_cached_raw, 0);
	KUNIT_EXPECT_EQ(test, s.pages_held, 0);
	/* Other heaps may have given back something too. */
	obm_test_read_reclaim(test, "other", &scans_after, &freed_after);
	KUNIT_EXPECT_GT(test, scans_after, scans);
	KUNIT_EXPECT_GE(test, freed_after - freed, cached + pools);
}

/* The drain files, per heap and for all heaps. */
static void obm_test_pcpu_drain_files(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_stats s;
	void *p;

	obm_test_leave_cached(test, heap);
	obm_test_drain(test, heap);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_cached, 0);
	KUNIT_EXPECT_EQ(test, s.pools_in_use, 0);
	KUNIT_EXPECT_LE(test, s.unused_pools, 2);	/* the heap's kept pools */

	p = obm_alloc(24, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	obm_free(p);
	obm_test_read_stats(test, NULL, &s);
	KUNIT_EXPECT_GT(test, s.blocks_cached, 0);
	KUNIT_ASSERT_EQ(test, 0, obm_test_write_file(OBM_TEST_DEBUGFS "/drain", "1"));
	obm_test_read_stats(test, NULL, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_cached, 0);
}

/* verify_free turns the caches off: nothing goes through the magazines. */
static void obm_test_pcpu_verify_free_bypasses(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_blocks *b = obm_test_blocks(test, heap, 120, 20);
	unsigned int cpu = obm_test_some_cpu(test);
	struct obm_test_cpu_row row;
	struct obm_test_stats s;

	obm_test_verify_free(test);
	obm_test_run_on(test, cpu, obm_test_alloc_blocks, b);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, 20);
	obm_test_run_on(test, cpu, obm_test_free_blocks, b);
	KUNIT_EXPECT_EQ(test, b->failed, 0);
	obm_test_read_cpu(test, heap, cpu, &row);
	KUNIT_EXPECT_EQ(test, row.allocs + row.frees + row.cached, 0);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.pools_in_use, 0);
	obm_test_check_empty(test, heap);
}

/*
 * A batch spread over many pools, freed in random order, twice: pools
 * leave and rejoin the partial list and the arena while the magazines
 * fill and flush. Every block must come back exactly once.
 */
static void obm_test_pcpu_random_batch(struct kunit *test)
{
	const unsigned int n = 3000, size = 8;
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_stats s;
	struct rnd_state rnd;
	unsigned int *perm, i, rep;
	void **blocks;

	blocks = kunit_kcalloc(test, n, sizeof(*blocks), GFP_KERNEL);
	perm = kunit_kcalloc(test, n, sizeof(*perm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	KUNIT_ASSERT_NOT_NULL(test, perm);
	prandom_seed_state(&rnd, 7);
	for (i = 0; i < n; i++)
		perm[i] = i;
	for (i = n - 1; i > 0; i--) {
		unsigned int j = prandom_u32_state(&rnd) % (i + 1);

		swap(perm[i], perm[j]);
	}

	for (rep = 0; rep < 2; rep++) {
		for (i = 0; i < n; i++) {
			blocks[i] = obm_heap_alloc(heap, size, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
			obm_test_fill(blocks[i], size, i);
		}
		for (i = 0; i < n; i++)
			KUNIT_ASSERT_TRUE_MSG(test, obm_test_check_fill(blocks[i], size, i),
					      "block %u handed out twice", i);
		for (i = 0; i < n; i++)
			obm_free(blocks[perm[i]]);
		obm_test_read_stats(test, heap, &s);
		KUNIT_EXPECT_EQ(test, s.blocks_in_use, 0);
		KUNIT_EXPECT_EQ(test, s.double_frees + s.invalid_frees, 0);
		obm_test_check_empty(test, heap);
	}
}

/* Leave a few cached blocks on every online CPU; return how many in all. */
static unsigned long obm_test_cache_everywhere(struct kunit *test,
					       struct obm_heap *heap)
{
	struct obm_test_cpu_row row;
	unsigned long total = 0;
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		struct obm_test_blocks *b = obm_test_blocks(test, heap, 32, 5);

		obm_test_run_on(test, cpu, obm_test_alloc_blocks, b);
		obm_test_run_on(test, cpu, obm_test_free_blocks, b);
		KUNIT_ASSERT_EQ(test, b->failed, 0);
		obm_test_read_cpu(test, heap, cpu, &row);
		KUNIT_ASSERT_GT(test, row.cached, 0);
		total += row.cached;
	}
	return total;
}

/*
 * A drain empties every CPU's magazines from that CPU's own work item (in
 * process context: on PREEMPT_RT the locks sleep, and lockdep's raw-lock
 * nesting check watches), each CPU counting its flush.
 */
static void obm_test_pcpu_drain_every_cpu(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_cpu_row row;
	struct obm_test_stats s;
	unsigned long *flushes;
	unsigned int cpu;

	flushes = kunit_kcalloc(test, nr_cpu_ids, sizeof(*flushes), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, flushes);
	obm_test_cache_everywhere(test, heap);
	for_each_online_cpu(cpu) {
		obm_test_read_cpu(test, heap, cpu, &row);
		flushes[cpu] = row.flushes;
	}
	obm_test_drain(test, heap);
	for_each_online_cpu(cpu) {
		obm_test_read_cpu(test, heap, cpu, &row);
		KUNIT_EXPECT_EQ_MSG(test, row.cached, 0, "cpu %u", cpu);
		KUNIT_EXPECT_GT_MSG(test, row.flushes, flushes[cpu], "cpu %u", cpu);
	}
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_cached_raw, 0);
}

/*
 * The shrinker honours nr_to_scan: asked for one object, it drains one
 * CPU's magazines and leaves the other CPUs alone.
 */
static void obm_test_pcpu_shrinker_budget(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct shrinker *shrinker = obm_heap_shrinker(heap);
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL, .nr_to_scan = 1 };
	unsigned long total, freed, count;
	unsigned int cpu, emptied = 0;
	struct obm_test_cpu_row row;
	struct obm_test_stats s;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	total = obm_test_cache_everywhere(test, heap);
	count = shrinker->count_objects(shrinker, &sc);
	KUNIT_EXPECT_EQ(test, count, total);
	freed = shrinker->scan_objects(shrinker, &sc);
	KUNIT_EXPECT_GE(test, freed, 1);
	KUNIT_EXPECT_LT(test, freed, total);
	for_each_online_cpu(cpu) {
		obm_test_read_cpu(test, heap, cpu, &row);
		emptied += !row.cached;
	}
	KUNIT_EXPECT_EQ(test, emptied, 1);
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_cached, total - freed);
	KUNIT_EXPECT_EQ(test, shrinker->count_objects(shrinker, &sc), total - freed);
}

static struct kunit_case obm_pcpu_cases[] = {
	KUNIT_CASE(obm_test_pcpu_drain_every_cpu),
	KUNIT_CASE(obm_test_pcpu_shrinker_budget),
	KUNIT_CASE(obm_test_pcpu_batches),
	KUNIT_CASE(obm_test_pcpu_remote_free),
	KUNIT_CASE(obm_test_pcpu_lazy),
	KUNIT_CASE(obm_test_pcpu_double_free_two_cpus),
	KUNIT_CASE(obm_test_pcpu_hotplug),
	KUNIT_CASE(obm_test_pcpu_shrinker_direct),
	KUNIT_CASE(obm_test_pcpu_drop_caches),
	KUNIT_CASE(obm_test_pcpu_drain_files),
	KUNIT_CASE(obm_test_pcpu_verify_free_bypasses),
	KUNIT_CASE(obm_test_pcpu_random_batch),
	{}
};

static struct kunit_suite obm_pcpu_suite = {
	.name = "obmalloc_pcpu",
	.test_cases = obm_pcpu_cases,
};

kunit_test_suite(obm_pcpu_suite);
