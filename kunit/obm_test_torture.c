// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_torture: every online CPU hammering shared heaps (cross-CPU
 * frees, realloc, GFP_ATOMIC from an hrtimer and a timer) while a
 * controller drains them, scans the shrinkers and takes a CPU offline and
 * back, and heaps are created and destroyed; for a fixed time. The engine
 * is the soak's (tools/stress/obm_torture.h). At the end, the blocks still
 * held are compared, class by class and page by page, with the heaps'
 * statistics; then each block is checked and freed, and every heap must
 * be empty.
 */

#define pr_fmt(fmt) "obm_torture: " fmt

#include <linux/mm.h>

#include "obm_test.h"
#include "obm_torture.h"

#define OBM_TEST_TORTURE_SECONDS	6

static void obm_test_torture_release(void *arg)
{
	obm_torture_release(arg);
}

/* A block in one of obmalloc's pools (not on a slab page) joins @arg. */
static void obm_test_torture_count(void *arg, void *p, size_t size)
{
	struct obm_test_ledger *l = arg;

	if (folio_test_slab(virt_to_folio(p)) || l->nr == l->max)
		return;
	l->blocks[l->nr] = p;
	/* Its class: a realloc in place may have kept a larger one. */
	l->sizes[l->nr++] = obm_usable_size(p);
}

static void obm_test_torture(struct kunit *test)
{
	unsigned int max = nr_cpu_ids * OBM_TORTURE_SLOTS +
			   OBM_TORTURE_EXCHANGE + OBM_TORTURE_RING;
	struct obm_torture *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs at least two online CPUs");
	for (i = 1; i < OBM_TORTURE_HEAPS; i++)
		t->heaps[i] = obm_test_heap(test);
	t->seconds = OBM_TEST_TORTURE_SECONDS;
	t->seed = 17;
	t->churn = true;
	t->control = true;
	t->interrupts = true;
	KUNIT_ASSERT_EQ(test, 0, obm_torture_run(t));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, obm_test_torture_release, t));
	kunit_info(test, "%u workers: %ld operations, %ld hard and %ld soft interrupt steps, %lu drains, %lu set scans, %lu CPU cycles (%lu refused), %lu heaps churned\n",
		   t->workers, atomic_long_read(&t->ops),
		   atomic_long_read(&t->hardirq_ops),
		   atomic_long_read(&t->softirq_ops), t->drains, t->scans,
		   t->cycles, t->refused, t->churns);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&t->failed), 0);
	KUNIT_EXPECT_GT(test, atomic_long_read(&t->passed), 0);
	KUNIT_EXPECT_GE(test, t->drains, OBM_TORTURE_MIN_CYCLES);
	KUNIT_EXPECT_GE(test, t->scans, OBM_TORTURE_MIN_CYCLES);
	KUNIT_EXPECT_TRUE(test, t->can_cycle);
	KUNIT_EXPECT_GE(test, t->cycles, OBM_TORTURE_MIN_CYCLES);
	KUNIT_EXPECT_GT(test, t->churns, 0);
	/* PREEMPT_RT runs the hrtimer as a softirq. */
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		KUNIT_EXPECT_GT(test, atomic_long_read(&t->hardirq_ops), 0);
	KUNIT_EXPECT_GT(test, atomic_long_read(&t->softirq_ops), 0);

	/* The test's own ledger against each heap's statistics and pages. */
	for (i = 0; i < OBM_TORTURE_HEAPS; i++) {
		struct obm_test_ledger *l = obm_test_ledger(test, max);

		obm_torture_ledger(t, i, obm_test_torture_count, l);
		KUNIT_EXPECT_LT(test, l->nr, l->max);
		obm_test_ledger_check(test, t->heaps[i], l);
	}

	obm_torture_release(t);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&t->failed), 0);
	for (i = 0; i < OBM_TORTURE_HEAPS; i++)
		obm_test_check_empty(test, t->heaps[i]);
}

static struct kunit_case obm_test_torture_cases[] = {
	KUNIT_CASE_SLOW(obm_test_torture),
	{}
};

static struct kunit_suite obm_test_torture_suite = {
	.name = "obmalloc_torture",
	.test_cases = obm_test_torture_cases,
};

kunit_test_suite(obm_test_torture_suite);
