// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_smp: blocks allocated on one CPU and freed on another, and
 * every online CPU allocating and freeing at once, with each block's
 * contents checked before it is freed.
 */

#include <linux/cpumask.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/workqueue.h>

#include "obm_test.h"

#define OBM_TEST_SMP_BLOCKS	256
#define OBM_TEST_SMP_ROUNDS	6

struct obm_test_cpu_work {
	struct work_struct work;
	struct obm_heap *heap;
	unsigned int cpu;
	unsigned int fixed_size;	/* 0: random sizes */
	void **blocks;			/* this CPU's blocks, or to free */
	size_t *sizes;
	unsigned long seed;
	unsigned int bad;		/* blocks found overwritten */
	unsigned int failed;		/* allocations that returned NULL */
	bool ran_on_cpu;
};

static size_t obm_test_smp_size(struct obm_test_cpu_work *w, unsigned int i)
{
	return w->fixed_size ?: 1 + (w->seed * 2654435761UL + i * 97) % OBM_SMALL_MAX;
}

/* Check and free the blocks left in w->blocks, then allocate new ones. */
static void obm_test_cpu_round(struct work_struct *work)
{
	struct obm_test_cpu_work *w = container_of(work, struct obm_test_cpu_work,
						   work);
	unsigned int i;

	w->ran_on_cpu = raw_smp_processor_id() == w->cpu;
	for (i = 0; i < OBM_TEST_SMP_BLOCKS; i++) {
		if (w->blocks[i] &&
		    !obm_test_check_fill(w->blocks[i], w->sizes[i], w->seed + i))
			w->bad++;
		obm_free(w->blocks[i]);
		w->blocks[i] = NULL;
	}
	w->seed += 1000;
	for (i = 0; i < OBM_TEST_SMP_BLOCKS; i++) {
		w->sizes[i] = obm_test_smp_size(w, i);
		w->blocks[i] = obm_heap_alloc(w->heap, w->sizes[i], GFP_KERNEL);
		if (!w->blocks[i]) {
			w->failed++;
			continue;
		}
		obm_test_fill(w->blocks[i], w->sizes[i], w->seed + i);
		/* Free every third block at once, on the CPU that made it. */
		if (i % 3 == 0) {
			obm_free(w->blocks[i]);
			w->blocks[i] = NULL;
		}
	}
}

static struct obm_test_cpu_work *obm_test_smp_setup(struct kunit *test,
						    struct obm_heap *heap,
						    unsigned int fixed_size)
{
	struct obm_test_cpu_work *works;
	unsigned int cpu;

	works = kunit_kcalloc(test, nr_cpu_ids, sizeof(*works), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, works);
	for_each_online_cpu(cpu) {
		struct obm_test_cpu_work *w = &works[cpu];

		INIT_WORK(&w->work, obm_test_cpu_round);
		w->heap = heap;
		w->cpu = cpu;
		w->fixed_size = fixed_size;
		w->seed = cpu * 7919;
		w->blocks = kunit_kcalloc(test, OBM_TEST_SMP_BLOCKS,
					  sizeof(void *), GFP_KERNEL);
		w->sizes = kunit_kcalloc(test, OBM_TEST_SMP_BLOCKS,
					 sizeof(size_t), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, w->blocks);
		KUNIT_ASSERT_NOT_NULL(test, w->sizes);
	}
	return works;
}

/* One round on every online CPU at once. */
static void obm_test_smp_round(struct obm_test_cpu_work *works)
{
	unsigned int cpu;

	for_each_online_cpu(cpu)
		queue_work_on(cpu, system_highpri_wq, &works[cpu].work);
	for_each_online_cpu(cpu)
		flush_work(&works[cpu].work);
}

/* Hand each CPU's surviving blocks to the next CPU to check and free. */
static void obm_test_smp_rotate(struct obm_test_cpu_work *works)
{
	unsigned int cpu, first = cpumask_first(cpu_online_mask);
	void **blocks = works[first].blocks;
	size_t *sizes = works[first].sizes;
	unsigned long seed = works[first].seed;

	for_each_online_cpu(cpu) {
		unsigned int next = cpumask_next(cpu, cpu_online_mask);
		struct obm_test_cpu_work *from;

		from = next < nr_cpu_ids ? &works[next] : NULL;
		works[cpu].blocks = from ? from->blocks : blocks;
		works[cpu].sizes = from ? from->sizes : sizes;
		works[cpu].seed = from ? from->seed : seed;
	}
}

static void obm_test_smp_finish(struct kunit *test, struct obm_heap *heap,
				struct obm_test_cpu_work *works)
{
	struct obm_test_stats s;
	unsigned int cpu, i;

	for_each_online_cpu(cpu) {
		struct obm_test_cpu_work *w = &works[cpu];

		KUNIT_EXPECT_TRUE(test, w->ran_on_cpu);
		KUNIT_EXPECT_EQ_MSG(test, w->bad, 0, "cpu %u saw overwritten blocks", cpu);
		KUNIT_EXPECT_EQ(test, w->failed, 0);
		for (i = 0; i < OBM_TEST_SMP_BLOCKS; i++) {
			if (w->blocks[i] &&
			    !obm_test_check_fill(w->blocks[i], w->sizes[i], w->seed + i))
				KUNIT_FAIL(test, "block %u of cpu %u overwritten", i, cpu);
			obm_free(w->blocks[i]);
		}
	}
	obm_test_read_stats(test, heap, &s);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, 0);
	KUNIT_EXPECT_EQ(test, s.double_frees + s.invalid_frees, 0);
	obm_test_check_empty(test, heap);
}

/* Blocks allocated on each CPU are freed on the next one. */
static void obm_test_smp_remote_free(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_cpu_work *works;
	unsigned int round;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs at least two online CPUs");
	works = obm_test_smp_setup(test, heap, 0);
	for (round = 0; round < OBM_TEST_SMP_ROUNDS; round++) {
		obm_test_smp_round(works);
		obm_test_smp_rotate(works);
	}
	obm_test_smp_finish(test, heap, works);
}

/* Every CPU hammers the same size class at once. */
static void obm_test_smp_same_class(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_cpu_work *works;
	unsigned int round;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs at least two online CPUs");
	works = obm_test_smp_setup(test, heap, 48);
	for (round = 0; round < OBM_TEST_SMP_ROUNDS; round++)
		obm_test_smp_round(works);
	obm_test_smp_finish(test, heap, works);
}

static int obm_test_cmp_ptr(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* Blocks handed out concurrently are all distinct. */
static void obm_test_smp_distinct(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	struct obm_test_cpu_work *works;
	unsigned long *all;
	unsigned int cpu, i, n = 0;

	works = obm_test_smp_setup(test, heap, 16);
	obm_test_smp_round(works);
	all = kunit_kcalloc(test, nr_cpu_ids * OBM_TEST_SMP_BLOCKS, sizeof(*all),
			    GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, all);
	for_each_online_cpu(cpu)
		for (i = 0; i < OBM_TEST_SMP_BLOCKS; i++)
			if (works[cpu].blocks[i])
				all[n++] = (unsigned long)works[cpu].blocks[i];
	sort(all, n, sizeof(*all), obm_test_cmp_ptr, NULL);
	for (i = 1; i < n; i++)
		KUNIT_EXPECT_GE(test, all[i], all[i - 1] + 16);
	obm_test_smp_finish(test, heap, works);
}

static struct kunit_case obm_smp_cases[] = {
	KUNIT_CASE(obm_test_smp_remote_free),
	KUNIT_CASE(obm_test_smp_same_class),
	KUNIT_CASE(obm_test_smp_distinct),
	{}
};

static struct kunit_suite obm_smp_suite = {
	.name = "obmalloc_smp",
	.test_cases = obm_smp_cases,
};

kunit_test_suite(obm_smp_suite);
