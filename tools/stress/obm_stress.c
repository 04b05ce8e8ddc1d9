// SPDX-License-Identifier: GPL-2.0
/*
 * obm_stress: the torture engine (obm_torture.h) as a module, for kernels
 * without KUnit (Debian's, in make field) and for the soak of make check.
 *
 * Loading runs the workload for seconds=N on every online CPU, from both
 * interrupt contexts too, with the controller draining heaps, scanning the
 * shrinkers and cycling a CPU (control=1), a heap churned (churn=1) and
 * memory squeezed (pressure=P, percent of RAM; 100: all free memory but
 * 64 MiB). With vm.watermark_scale_factor raised and watermark boosting off
 * (the guest's soak.sh does both), 64 MiB is below kswapd's low watermark
 * and well above the minimum: kswapd is woken while the workers allocate,
 * without anyone being starved into the OOM killer. Under pressure a
 * GFP_ATOMIC allocation may fail, as kmalloc()'s may: counted apart.
 *
 * It then prints what overlapped, one line per heap
 * "ledger NAME blocks N bytes B" of the blocks it still holds in
 * obmalloc's pools (soak.sh compares them with the heap's stats), and
 * "stress: N passed, M failed". The blocks are checked and freed at rmmod,
 * which prints that line again.
 */

#define pr_fmt(fmt) "obm_stress: " fmt

#include <linux/module.h>

#include "obm_torture.h"

static unsigned int seconds = 10;
module_param(seconds, uint, 0444);
MODULE_PARM_DESC(seconds, "How long the workers run");
static unsigned int seed = 1;
module_param(seed, uint, 0444);
MODULE_PARM_DESC(seed, "Seed of the random workload");
static bool churn = true;
module_param(churn, bool, 0444);
MODULE_PARM_DESC(churn, "Create and destroy a heap in a loop meanwhile");
static bool control = true;
module_param(control, bool, 0444);
MODULE_PARM_DESC(control, "Drain, scan shrinkers and cycle a CPU meanwhile");
static bool interrupts = true;
module_param(interrupts, bool, 0444);
MODULE_PARM_DESC(interrupts, "Allocate and free from an hrtimer and a timer too");
static unsigned int pressure;
module_param(pressure, uint, 0444);
MODULE_PARM_DESC(pressure, "Take up to this % of RAM in a loop meanwhile (0: off; 100: all but 64 MiB)");

static struct obm_torture obm_stress;
static char obm_stress_names[OBM_TORTURE_HEAPS][16] = { "default" };

struct obm_stress_ledger {
	unsigned long blocks;
	unsigned long bytes;
};

/* A block in one of obmalloc's pools: not on a slab page. */
static void obm_stress_count(void *arg, void *p, size_t size)
{
	struct obm_stress_ledger *l = arg;

	if (folio_test_slab(virt_to_folio(p)))
		return;
	l->blocks++;
	l->bytes += obm_usable_size(p);
}

static void obm_stress_report(void)
{
	struct obm_torture *t = &obm_stress;
	unsigned int i;

	pr_info("%u workers for %u s, seed %u: %ld operations, %ld in hard and %ld in soft interrupts; %lu drains, %lu set scans, %lu CPU cycles (%lu refused) overlapped; %lu heaps churned, %lu squeezes, %ld GFP_ATOMIC failures under pressure\n",
		t->workers, seconds, seed, atomic_long_read(&t->ops),
		atomic_long_read(&t->hardirq_ops),
		atomic_long_read(&t->softirq_ops), t->drains, t->scans,
		t->cycles, t->refused, t->churns, t->squeezes,
		atomic_long_read(&t->atomic_failed));
	if (control) {
		obm_torture_check(t, t->drains >= OBM_TORTURE_MIN_CYCLES,
				  "too few drains overlapped", t->drains);
		obm_torture_check(t, !t->can_cycle ||
				  t->cycles >= OBM_TORTURE_MIN_CYCLES,
				  "too few CPU cycles overlapped", t->cycles);
	}
	if (interrupts) {
		/* PREEMPT_RT runs the hrtimer as a softirq. */
		if (!IS_ENABLED(CONFIG_PREEMPT_RT))
			obm_torture_check(t, atomic_long_read(&t->hardirq_ops),
					  "nothing ran in hard interrupts", 0);
		obm_torture_check(t, atomic_long_read(&t->softirq_ops),
				  "nothing ran in softirqs", 0);
	}
	for (i = 0; i < OBM_TORTURE_HEAPS; i++) {
		struct obm_stress_ledger l = { };

		obm_torture_ledger(t, i, obm_stress_count, &l);
		pr_info("ledger %s blocks %lu bytes %lu\n",
			obm_stress_names[i], l.blocks, l.bytes);
	}
	pr_info("stress: %ld passed, %ld failed\n",
		atomic_long_read(&t->passed), atomic_long_read(&t->failed));
}

static void obm_stress_destroy_heaps(void)
{
	unsigned int i;

	for (i = 1; i < OBM_TORTURE_HEAPS; i++)
		if (!IS_ERR_OR_NULL(obm_stress.heaps[i]))
			obm_heap_destroy(obm_stress.heaps[i]);
}

static int __init obm_stress_init(void)
{
	struct obm_torture *t = &obm_stress;
	unsigned int i;
	int err;

	for (i = 1; i < OBM_TORTURE_HEAPS; i++) {
		snprintf(obm_stress_names[i], sizeof(obm_stress_names[i]),
			 "stress%u", i - 1);
		t->heaps[i] = obm_heap_create(obm_stress_names[i]);
		if (IS_ERR(t->heaps[i])) {
			err = PTR_ERR(t->heaps[i]);
			obm_stress_destroy_heaps();
			return err;
		}
	}
	t->seconds = seconds;
	t->seed = seed;
	t->pressure = pressure;
	t->churn = churn;
	t->control = control;
	t->interrupts = interrupts;
	err = obm_torture_run(t);
	if (err) {
		obm_stress_destroy_heaps();
		return err;
	}
	obm_stress_report();
	return 0;
}

static void __exit obm_stress_exit(void)
{
	obm_torture_release(&obm_stress);
	pr_info("stress: %ld passed, %ld failed\n",
		atomic_long_read(&obm_stress.passed),
		atomic_long_read(&obm_stress.failed));
	obm_stress_destroy_heaps();
}

module_init(obm_stress_init);
module_exit(obm_stress_exit);

MODULE_IMPORT_NS(OBM_NS_INTERNAL);
MODULE_DESCRIPTION("Random multi-CPU workload that checks obmalloc's contracts");
MODULE_LICENSE("GPL");
