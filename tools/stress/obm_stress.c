// SPDX-License-Identifier: GPL-2.0
/*
 * obm_stress: a seeded random workload on every online CPU, for kernels
 * without KUnit (Debian's, in make field) and for soaking.
 *
 * Each CPU starts a kthread that performs a fixed number of
 * operations on a table of slots: allocate (obm_alloc, obm_zalloc or a
 * named heap, GFP_KERNEL or GFP_ATOMIC, 1..1024 bytes so kmalloc's share
 * is in the mix), reallocate, free, or hand the block to another CPU
 * through a shared exchange, where that CPU checks and frees it. Every
 * block carries a pattern derived from its seed, written on allocation
 * and checked before it is resized or freed; each check also covers
 * kmalloc()'s contracts: zeroed when asked (or with init_on_alloc), a
 * power-of-two size aligned to itself, and every obm_usable_size() byte
 * writable.
 *
 * Meanwhile, with churn=1, a thread creates a heap, uses it and destroys
 * it in a loop (debugfs directories come and go under readers); with
 * pressure=P, a thread repeatedly takes up to P% of RAM (100: all free
 * memory but 64 MiB) and gives it back. With vm.watermark_scale_factor
 * raised and watermark boosting off (the guest's soak.sh does both),
 * 64 MiB is below kswapd's low watermark and well above the minimum:
 * kswapd is woken while the workers allocate, without anyone being
 * starved into the OOM killer; obmalloc's debugfs "reclaim" file then
 * shows whether kswapd called its shrinkers.
 * Under pressure a GFP_ATOMIC allocation may fail, as kmalloc()'s may:
 * counted apart, not a failure.
 *
 * Loading runs the workload and prints the counts and a last line
 * "stress: N passed, M failed" (checks); the module stays loaded until
 * rmmod, which destroys its heaps.
 */

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <obmalloc.h>

#include "obm_squeeze.h"

static unsigned int ops = 20000;
module_param(ops, uint, 0444);
MODULE_PARM_DESC(ops, "Operations per CPU");
static unsigned int seed = 1;
module_param(seed, uint, 0444);
MODULE_PARM_DESC(seed, "Seed of the random workload");
static bool churn = true;
module_param(churn, bool, 0444);
MODULE_PARM_DESC(churn, "Create and destroy a heap in a loop meanwhile");
static unsigned int pressure;
module_param(pressure, uint, 0444);
MODULE_PARM_DESC(pressure, "Take up to this % of RAM in a loop meanwhile (0: off; 100: all but 64 MiB)");

#define OBM_STRESS_SLOTS	256
#define OBM_STRESS_HEAPS	3
#define OBM_STRESS_EXCHANGE	64
#define OBM_STRESS_MAX		1024

struct obm_stress_block {
	u8 *p;
	size_t size;
	u32 tag;
};

static struct obm_heap *obm_stress_heaps[OBM_STRESS_HEAPS];
static struct obm_stress_block obm_stress_exchange[OBM_STRESS_EXCHANGE];
static DEFINE_SPINLOCK(obm_stress_exchange_lock);
static atomic_long_t obm_stress_passed, obm_stress_failed;
static atomic_long_t obm_stress_atomic_failed, obm_stress_churns;
static atomic_long_t obm_stress_squeezes;
static bool obm_stress_workers_done;
static atomic_t obm_stress_running;
static DECLARE_COMPLETION(obm_stress_done);

static u8 obm_stress_byte(u32 tag, size_t i)
{
	return (u8)(tag + i * 13 + (i >> 8));
}

static void obm_stress_check(bool ok, const char *what, size_t size)
{
	if (ok) {
		atomic_long_inc(&obm_stress_passed);
		return;
	}
	if (atomic_long_inc_return(&obm_stress_failed) <= 10)
		pr_err("obm_stress: check failed: %s (size %zu)\n", what, size);
}

/* Write the pattern over every usable byte: all of them are the caller's. */
static void obm_stress_fill(struct obm_stress_block *b)
{
	size_t usable = obm_usable_size(b->p), i;

	obm_stress_check(usable >= b->size, "usable size below the request",
			 b->size);
	for (i = 0; i < usable; i++)
		b->p[i] = obm_stress_byte(b->tag, i);
}

static bool obm_stress_intact(const struct obm_stress_block *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (b->p[i] != obm_stress_byte(b->tag, i))
			return false;
	return true;
}

static void obm_stress_alloc(struct obm_stress_block *b, struct rnd_state *rnd)
{
	u32 r = prandom_u32_state(rnd);
	gfp_t gfp = (r & 1) ? GFP_ATOMIC : GFP_KERNEL;
	bool zero = r & 2;

	b->size = 1 + prandom_u32_state(rnd) % OBM_STRESS_MAX;
	b->tag = prandom_u32_state(rnd);
	switch ((r >> 2) % 4) {
	case 0:
		b->p = zero ? obm_zalloc(b->size, gfp) : obm_alloc(b->size, gfp);
		break;
	default:
		b->p = obm_heap_alloc(obm_stress_heaps[(r >> 2) % 4 - 1], b->size,
				      gfp | (zero ? __GFP_ZERO : 0));
		break;
	}
	if (!b->p && gfp == GFP_ATOMIC && pressure) {
		atomic_long_inc(&obm_stress_atomic_failed);
		return;
	}
	obm_stress_check(b->p, "allocation failed", b->size);
	if (!b->p)
		return;
	if (zero || want_init_on_alloc(gfp))
		obm_stress_check(!memchr_inv(b->p, 0, b->size), "not zeroed",
				 b->size);
	if (is_power_of_2(b->size))
		obm_stress_check(IS_ALIGNED((unsigned long)b->p, b->size),
				 "power-of-two size not aligned", b->size);
	obm_stress_fill(b);
}

static void obm_stress_free(struct obm_stress_block *b)
{
	obm_stress_check(obm_stress_intact(b, b->size), "contents changed",
			 b->size);
	obm_free(b->p);
	b->p = NULL;
}

static void obm_stress_realloc(struct obm_stress_block *b,
			       struct rnd_state *rnd)
{
	size_t new_size = 1 + prandom_u32_state(rnd) % OBM_STRESS_MAX;
	u8 *q = obm_realloc(b->p, new_size, GFP_KERNEL);

	obm_stress_check(q, "realloc failed", new_size);
	if (!q)
		return;
	b->p = q;
	obm_stress_check(obm_stress_intact(b, min(b->size, new_size)),
			 "contents lost by realloc", new_size);
	b->size = new_size;
	obm_stress_fill(b);
}

/* Give a block to the exchange, taking one another CPU left there. */
static void obm_stress_swap(struct obm_stress_block *b, struct rnd_state *rnd)
{
	unsigned int i = prandom_u32_state(rnd) % OBM_STRESS_EXCHANGE;

	spin_lock(&obm_stress_exchange_lock);
	swap(*b, obm_stress_exchange[i]);
	spin_unlock(&obm_stress_exchange_lock);
}

static int obm_stress_thread(void *arg)
{
	struct obm_stress_block *slots;
	struct rnd_state rnd;
	unsigned int i, n;

	prandom_seed_state(&rnd, seed * 7919ULL + (unsigned long)arg);
	slots = kcalloc(OBM_STRESS_SLOTS, sizeof(*slots), GFP_KERNEL);
	if (!slots) {
		obm_stress_check(false, "no memory for the slots", 0);
		goto out;
	}
	for (n = 0; n < ops; n++) {
		struct obm_stress_block *b;
		u32 r = prandom_u32_state(&rnd);

		b = &slots[r % OBM_STRESS_SLOTS];
		if (!b->p)
			obm_stress_alloc(b, &rnd);
		else if ((r >> 8) % 8 == 0)
			obm_stress_realloc(b, &rnd);
		else if ((r >> 8) % 8 == 1)
			obm_stress_swap(b, &rnd);
		else
			obm_stress_free(b);
		if (n % 256 == 0)
			cond_resched();
	}
	for (i = 0; i < OBM_STRESS_SLOTS; i++)
		if (slots[i].p)
			obm_stress_free(&slots[i]);
	kfree(slots);
out:
	if (atomic_dec_and_test(&obm_stress_running))
		complete(&obm_stress_done);
	return 0;
}

/* Create, use and destroy a heap, over and over, until the workers end. */
static int obm_stress_churn(void *unused)
{
	while (!READ_ONCE(obm_stress_workers_done)) {
		struct obm_heap *heap = obm_heap_create("stress-churn");
		void *p[8];
		unsigned int i;

		obm_stress_check(!IS_ERR(heap), "heap create failed", 0);
		if (IS_ERR(heap))
			break;
		for (i = 0; i < ARRAY_SIZE(p); i++)
			p[i] = obm_heap_alloc(heap, 8 + 64 * i, GFP_KERNEL);
		for (i = 0; i < ARRAY_SIZE(p); i++)
			obm_free(p[i]);
		obm_heap_destroy(heap);
		atomic_long_inc(&obm_stress_churns);
		cond_resched();
	}
	return 0;
}

/*
 * Squeeze memory so reclaim runs the shrinkers, until the workers end:
 * take free pages (obm_squeeze.h), hold them briefly, give them back.
 */
static int obm_stress_squeeze(void *unused)
{
	LIST_HEAD(held);

	while (!READ_ONCE(obm_stress_workers_done)) {
		unsigned long max = ULONG_MAX;

		if (pressure < 100)
			max = totalram_pages() / 100 * pressure;
		obm_squeeze_take(&held, OBM_SQUEEZE_HEADROOM, max);
		msleep(20);
		obm_squeeze_release(&held);
		atomic_long_inc(&obm_stress_squeezes);
		msleep(50);
	}
	return 0;
}

static struct task_struct *obm_stress_helper(int (*fn)(void *),
					     const char *name)
{
	struct task_struct *t = kthread_run(fn, NULL, "%s", name);

	obm_stress_check(!IS_ERR(t), "no helper thread", 0);
	if (IS_ERR(t))
		return NULL;
	get_task_struct(t);
	return t;
}

static void obm_stress_helper_stop(struct task_struct *t)
{
	if (!t)
		return;
	kthread_stop(t);
	put_task_struct(t);
}

static void obm_stress_cleanup(void)
{
	unsigned int i;

	for (i = 0; i < OBM_STRESS_EXCHANGE; i++)
		if (obm_stress_exchange[i].p)
			obm_stress_free(&obm_stress_exchange[i]);
	for (i = 0; i < OBM_STRESS_HEAPS; i++)
		obm_heap_destroy(obm_stress_heaps[i]);
}

static int __init obm_stress_init(void)
{
	struct task_struct *churner = NULL, *squeezer = NULL;
	unsigned int cpu, i, workers;
	char name[16];

	for (i = 0; i < OBM_STRESS_HEAPS; i++) {
		snprintf(name, sizeof(name), "stress%u", i);
		obm_stress_heaps[i] = obm_heap_create(name);
		if (IS_ERR(obm_stress_heaps[i])) {
			int err = PTR_ERR(obm_stress_heaps[i]);

			while (i--)
				obm_heap_destroy(obm_stress_heaps[i]);
			return err;
		}
	}
	if (churn)
		churner = obm_stress_helper(obm_stress_churn, "obm_stress_churn");
	if (pressure)
		squeezer = obm_stress_helper(obm_stress_squeeze,
					     "obm_stress_squeeze");
	atomic_set(&obm_stress_running, 1);
	workers = 0;
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		/*
		 * Started on its CPU but not a per-CPU kthread (which CPU
		 * hotplug would expect us to park): when the soak takes the
		 * CPU down, the worker moves on.
		 */
		t = kthread_create(obm_stress_thread, (void *)(unsigned long)cpu,
				   "obm_stress/%u", cpu);
		if (IS_ERR(t)) {
			obm_stress_check(false, "no thread", 0);
			continue;
		}
		set_cpus_allowed_ptr(t, cpumask_of(cpu));
		atomic_inc(&obm_stress_running);
		wake_up_process(t);
		workers++;
	}
	cpus_read_unlock();
	if (!atomic_dec_and_test(&obm_stress_running))
		wait_for_completion(&obm_stress_done);
	WRITE_ONCE(obm_stress_workers_done, true);
	obm_stress_helper_stop(churner);
	obm_stress_helper_stop(squeezer);

	pr_info("obm_stress: %u operations on each of %u CPUs, seed %u; %ld heaps churned, %ld squeezes, %ld GFP_ATOMIC failures under pressure\n",
		ops, workers, seed,
		atomic_long_read(&obm_stress_churns),
		atomic_long_read(&obm_stress_squeezes),
		atomic_long_read(&obm_stress_atomic_failed));
	pr_info("stress: %ld passed, %ld failed\n",
		atomic_long_read(&obm_stress_passed),
		atomic_long_read(&obm_stress_failed));
	return 0;
}

static void __exit obm_stress_exit(void)
{
	obm_stress_cleanup();
}

module_init(obm_stress_init);
module_exit(obm_stress_exit);

MODULE_DESCRIPTION("Random multi-CPU workload that checks obmalloc's contracts");
MODULE_LICENSE("GPL");
