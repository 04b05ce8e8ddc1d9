/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The torture engine shared by obm_stress.ko (the soak of make check and
 * make field, on Debian's kernels too) and the obmalloc_torture KUnit
 * suite; each includes it once.
 *
 * For a fixed time, one worker kthread per online CPU (started there, free
 * to move when its CPU goes down) runs a seeded random mix on a table of
 * slots: allocate from the default heap or one of three named heaps
 * (GFP_KERNEL or GFP_ATOMIC, zeroed or not, 1..1024 bytes so kmalloc's
 * share is in the mix), reallocate, free, or swap a block through the
 * exchange (another worker checks and frees it) or the interrupt ring. An
 * hrtimer (hard interrupt; on PREEMPT_RT a softirq, where kmalloc() may be
 * called) and a timer (softirq) allocate GFP_ATOMIC into that ring and
 * free what they displace. Every block carries a pattern over every usable
 * byte, checked before it is resized or freed, wherever that happens.
 *
 * Helpers, each optional: a controller that drains every heap through its
 * shrinker, scans the arena sets' shrinker and takes a CPU offline and
 * back, counting what overlapped the workers; a churner that creates, uses
 * and destroys a heap; a squeezer that takes free memory so reclaim runs.
 *
 * At the end the live blocks stay allocated: they are the ledger, which
 * the caller compares with obmalloc's statistics before
 * obm_torture_release() checks and frees them.
 *
 * Locking: the exchange's spinlock is taken by workers; the ring's with
 * interrupts off, by workers and both timers.
 */
#ifndef _OBM_TORTURE_H
#define _OBM_TORTURE_H

#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/sched/task.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <obmalloc.h>
#include <obmalloc_internal.h>
#include <obm_compat.h>

#include "obm_squeeze.h"

#define OBM_TORTURE_HEAPS	4	/* [0] is the default heap */
#define OBM_TORTURE_SLOTS	256
#define OBM_TORTURE_EXCHANGE	64
#define OBM_TORTURE_RING	64
#define OBM_TORTURE_MAX		1024
#define OBM_TORTURE_HRTIMER_NS	NSEC_PER_MSEC
/* What the controller must overlap with the workers at least. */
#define OBM_TORTURE_MIN_CYCLES	3

struct obm_torture_block {
	u8 *p;
	size_t size;
	u32 tag;
	u8 heap;
};

struct obm_torture;

struct obm_torture_worker {
	struct obm_torture *t;
	struct obm_torture_block slots[OBM_TORTURE_SLOTS];
	struct rnd_state rnd;
};

/**
 * struct obm_torture - One run: what the caller sets, then the results.
 * @heaps: The heaps; [0] NULL for the default heap, the others named.
 * @seconds: How long the workers run.
 * @seed: Seed of the random mix.
 * @pressure: Percent of RAM the squeezer takes (0: no squeezer; 100: all
 *	free memory but 64 MiB).
 * @churn: Run the churner.
 * @control: Run the controller.
 * @interrupts: Run the hrtimer and the timer.
 * @passed: Checks passed.
 * @failed: Checks failed.
 * @atomic_failed: GFP_ATOMIC failures under @pressure (allowed).
 * @hardirq_ops: Ring operations run in hard interrupt context.
 * @softirq_ops: Ring operations run in softirq context.
 * @ops: Worker operations.
 * @workers: Workers started.
 * @drains: Rounds of every heap drained through its shrinker while the
 *	workers ran.
 * @scans: Scans of the arena sets' shrinker while the workers ran.
 * @cycles: CPU offline/online cycles while the workers ran.
 * @refused: Offline requests the kernel refused.
 * @can_cycle: A CPU other than the first was online to cycle.
 * @churns: Heaps the churner created and destroyed.
 * @squeezes: Squeezes.
 */
struct obm_torture {
	struct obm_heap *heaps[OBM_TORTURE_HEAPS];
	unsigned int seconds;
	unsigned int seed;
	unsigned int pressure;
	bool churn;
	bool control;
	bool interrupts;

	atomic_long_t passed;
	atomic_long_t failed;
	atomic_long_t atomic_failed;
	atomic_long_t hardirq_ops;
	atomic_long_t softirq_ops;
	atomic_long_t ops;
	unsigned int workers;
	unsigned long drains;
	unsigned long scans;
	unsigned long cycles;
	unsigned long refused;
	bool can_cycle;
	unsigned long churns;
	unsigned long squeezes;

	/* private */
	struct obm_torture_worker *w;
	struct obm_torture_block exchange[OBM_TORTURE_EXCHANGE];
	spinlock_t exchange_lock;	/* the exchange */
	struct obm_torture_block ring[OBM_TORTURE_RING];
	unsigned int ring_next;
	struct rnd_state ring_rnd;
	spinlock_t ring_lock;		/* the ring, its cursor and rnd */
	struct hrtimer hrtimer;
	struct timer_list timer;
	bool stop;
	atomic_t running;
	struct completion done;
};

static u8 obm_torture_byte(u32 tag, size_t i)
{
	return (u8)(tag + i * 13 + (i >> 8));
}

static void obm_torture_check(struct obm_torture *t, bool ok,
			      const char *what, size_t size)
{
	if (ok) {
		atomic_long_inc(&t->passed);
		return;
	}
	if (atomic_long_inc_return(&t->failed) <= 10)
		pr_err("check failed: %s (size %zu)\n", what, size);
}

/* Write the pattern over every usable byte: all of them are the caller's. */
static void obm_torture_fill(struct obm_torture *t, struct obm_torture_block *b)
{
	size_t usable = obm_usable_size(b->p), i;

	obm_torture_check(t, usable >= b->size, "usable size below the request",
			  b->size);
	for (i = 0; i < usable; i++)
		b->p[i] = obm_torture_byte(b->tag, i);
}

static bool obm_torture_intact(const struct obm_torture_block *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (b->p[i] != obm_torture_byte(b->tag, i))
			return false;
	return true;
}

/* Allocate @b with kmalloc()'s contracts checked: zeroing and alignment. */
static void obm_torture_alloc(struct obm_torture *t, struct obm_torture_block *b,
			      struct rnd_state *rnd, gfp_t gfp)
{
	u32 r = prandom_u32_state(rnd);
	bool zero = r & 1;

	b->size = 1 + prandom_u32_state(rnd) % OBM_TORTURE_MAX;
	b->tag = prandom_u32_state(rnd);
	b->heap = (r >> 1) % OBM_TORTURE_HEAPS;
	if (!b->heap && zero)
		b->p = obm_zalloc(b->size, gfp);
	else if (!b->heap)
		b->p = obm_alloc(b->size, gfp);
	else
		b->p = obm_heap_alloc(t->heaps[b->heap], b->size,
				      gfp | (zero ? __GFP_ZERO : 0));
	if (!b->p && !(gfp & __GFP_DIRECT_RECLAIM) && t->pressure) {
		atomic_long_inc(&t->atomic_failed);
		return;
	}
	obm_torture_check(t, b->p, "allocation failed", b->size);
	if (!b->p)
		return;
	if (zero || want_init_on_alloc(gfp))
		obm_torture_check(t, !memchr_inv(b->p, 0, b->size), "not zeroed",
				  b->size);
	if (is_power_of_2(b->size))
		obm_torture_check(t, IS_ALIGNED((unsigned long)b->p, b->size),
				  "power-of-two size not aligned", b->size);
	obm_torture_fill(t, b);
}

static void obm_torture_free(struct obm_torture *t, struct obm_torture_block *b)
{
	obm_torture_check(t, obm_torture_intact(b, b->size), "contents changed",
			  b->size);
	obm_free(b->p);
	b->p = NULL;
}

static void obm_torture_realloc(struct obm_torture *t,
				struct obm_torture_block *b,
				struct rnd_state *rnd)
{
	size_t new_size = 1 + prandom_u32_state(rnd) % OBM_TORTURE_MAX;
	u8 *q = obm_realloc(b->p, new_size, GFP_KERNEL);

	obm_torture_check(t, q, "realloc failed", new_size);
	if (!q)
		return;
	b->p = q;
	obm_torture_check(t, obm_torture_intact(b, min(b->size, new_size)),
			  "contents lost by realloc", new_size);
	b->size = new_size;
	obm_torture_fill(t, b);
}

/* One step of the interrupt ring: free what is displaced, allocate anew. */
static void obm_torture_ring_step(struct obm_torture *t)
{
	struct obm_torture_block *b;
	unsigned long flags;

	if (in_hardirq())
		atomic_long_inc(&t->hardirq_ops);
	else if (in_serving_softirq())
		atomic_long_inc(&t->softirq_ops);
	spin_lock_irqsave(&t->ring_lock, flags);
	b = &t->ring[t->ring_next++ % OBM_TORTURE_RING];
	if (b->p)
		obm_torture_free(t, b);
	obm_torture_alloc(t, b, &t->ring_rnd, GFP_ATOMIC);
	spin_unlock_irqrestore(&t->ring_lock, flags);
}

static enum hrtimer_restart obm_torture_hrtimer_fn(struct hrtimer *timer)
{
	struct obm_torture *t = container_of(timer, struct obm_torture, hrtimer);

	obm_torture_ring_step(t);
	if (READ_ONCE(t->stop))
		return HRTIMER_NORESTART;
	/* A full period after this step, however long it took: no storm. */
	hrtimer_set_expires(timer, ktime_add_ns(ktime_get(),
						OBM_TORTURE_HRTIMER_NS));
	return HRTIMER_RESTART;
}

static void obm_torture_timer_fn(struct timer_list *timer)
{
	struct obm_torture *t = container_of(timer, struct obm_torture, timer);

	obm_torture_ring_step(t);
	if (!READ_ONCE(t->stop))
		mod_timer(timer, jiffies + 1);
}

/* Swap @b with an entry of the exchange or, with @ring, of the ring. */
static void obm_torture_swap(struct obm_torture *t, struct obm_torture_block *b,
			     struct rnd_state *rnd, bool ring)
{
	unsigned long flags;
	unsigned int i;

	if (ring) {
		i = prandom_u32_state(rnd) % OBM_TORTURE_RING;
		spin_lock_irqsave(&t->ring_lock, flags);
		swap(*b, t->ring[i]);
		spin_unlock_irqrestore(&t->ring_lock, flags);
		return;
	}
	i = prandom_u32_state(rnd) % OBM_TORTURE_EXCHANGE;
	spin_lock(&t->exchange_lock);
	swap(*b, t->exchange[i]);
	spin_unlock(&t->exchange_lock);
}

static int obm_torture_worker_fn(void *arg)
{
	struct obm_torture_worker *w = arg;
	struct obm_torture *t = w->t;
	unsigned long n = 0;

	while (!READ_ONCE(t->stop)) {
		u32 r = prandom_u32_state(&w->rnd);
		struct obm_torture_block *b = &w->slots[r % OBM_TORTURE_SLOTS];
		gfp_t gfp = (r >> 8) & 1 ? GFP_ATOMIC : GFP_KERNEL;

		switch (b->p ? (r >> 9) % 16 : 16) {
		case 0:
		case 1:
			obm_torture_realloc(t, b, &w->rnd);
			break;
		case 2:
		case 3:
			obm_torture_swap(t, b, &w->rnd, false);
			break;
		case 4:
			obm_torture_swap(t, b, &w->rnd, t->interrupts);
			break;
		case 16:
			obm_torture_alloc(t, b, &w->rnd, gfp);
			break;
		default:
			obm_torture_free(t, b);
			break;
		}
		if (++n % 256 == 0) {
			atomic_long_add(256, &t->ops);
			cond_resched();
		}
	}
	if (atomic_dec_and_test(&t->running))
		complete(&t->done);
	return 0;
}

/* Drain every heap and scan the sets; cycle a CPU; until told to stop. */
static int obm_torture_control(void *arg)
{
	struct obm_torture *t = arg;
	struct shrinker *sets = obm_sets_shrinker_get();
	unsigned long round = 0;

	while (!kthread_should_stop()) {
		struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
		unsigned int i, cpu;
		int err;

		for (i = 0; i < OBM_TORTURE_HEAPS; i++) {
			struct shrinker *s = obm_heap_shrinker(t->heaps[i]);
			unsigned long n = s->count_objects(s, &sc);

			sc.nr_to_scan = n == SHRINK_EMPTY ? 0 : n;
			s->scan_objects(s, &sc);
		}
		if (!READ_ONCE(t->stop))
			WRITE_ONCE(t->drains, t->drains + 1);
		sc.nr_to_scan = sets->count_objects(sets, &sc);
		if (sc.nr_to_scan != SHRINK_EMPTY)
			sets->scan_objects(sets, &sc);
		if (!READ_ONCE(t->stop))
			WRITE_ONCE(t->scans, t->scans + 1);
		/*
		 * A CPU every fourth round; every round until the minimum has
		 * been tried, because a cycle can take seconds (see
		 * obm_torture_run()), but not once told to stop.
		 */
		cpu = cpumask_last(cpu_online_mask);
		if ((round++ % 4 == 0 ||
		     (t->cycles + t->refused < OBM_TORTURE_MIN_CYCLES &&
		      !READ_ONCE(t->stop))) &&
		    cpu != cpumask_first(cpu_online_mask)) {
			WRITE_ONCE(t->can_cycle, true);
			err = remove_cpu(cpu);
			if (err) {
				t->refused++;
			} else {
				msleep(20);
				err = add_cpu(cpu);
				obm_torture_check(t, !err, "CPU back online", cpu);
				if (!READ_ONCE(t->stop))
					WRITE_ONCE(t->cycles, t->cycles + 1);
			}
		}
		msleep(20);
	}
	return 0;
}

/* Create, use and destroy a heap, over and over. */
static int obm_torture_churn(void *arg)
{
	struct obm_torture *t = arg;

	while (!kthread_should_stop()) {
		struct obm_heap *heap = obm_heap_create("torture-churn");
		void *p[8];
		unsigned int i;

		obm_torture_check(t, !IS_ERR(heap), "heap create failed", 0);
		if (IS_ERR(heap))
			break;
		for (i = 0; i < ARRAY_SIZE(p); i++)
			p[i] = obm_heap_alloc(heap, 8 + 64 * i, GFP_KERNEL);
		for (i = 0; i < ARRAY_SIZE(p); i++)
			obm_free(p[i]);
		obm_heap_destroy(heap);
		t->churns++;
		cond_resched();
	}
	return 0;
}

/* Take free pages (obm_squeeze.h), hold them briefly, give them back. */
static int obm_torture_squeeze(void *arg)
{
	struct obm_torture *t = arg;
	LIST_HEAD(held);

	while (!kthread_should_stop()) {
		unsigned long max = ULONG_MAX;

		if (t->pressure < 100)
			max = totalram_pages() / 100 * t->pressure;
		obm_squeeze_take(&held, OBM_SQUEEZE_HEADROOM, max);
		msleep(20);
		obm_squeeze_release(&held);
		t->squeezes++;
		msleep(50);
	}
	return 0;
}

static struct task_struct *obm_torture_helper(struct obm_torture *t, bool on,
					      int (*fn)(void *),
					      const char *name)
{
	struct task_struct *task;

	if (!on)
		return NULL;
	task = kthread_run(fn, t, "%s", name);
	obm_torture_check(t, !IS_ERR(task), "no helper thread", 0);
	if (IS_ERR(task))
		return NULL;
	get_task_struct(task);
	return task;
}

static void obm_torture_helper_stop(struct task_struct *task)
{
	if (!task)
		return;
	kthread_stop(task);
	put_task_struct(task);
}

/* Start a worker on each online CPU. */
static void obm_torture_start_workers(struct obm_torture *t)
{
	unsigned int cpu;

	atomic_set(&t->running, 1);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct obm_torture_worker *w = &t->w[cpu];
		struct task_struct *task;

		w->t = t;
		prandom_seed_state(&w->rnd, t->seed * 7919ULL + cpu);
		/*
		 * Started on its CPU but not a per-CPU kthread (which CPU
		 * hotplug would expect parked): when the CPU goes down, the
		 * worker moves on.
		 */
		task = kthread_create(obm_torture_worker_fn, w, "obm_torture/%u",
				      cpu);
		obm_torture_check(t, !IS_ERR(task), "no worker thread", 0);
		if (IS_ERR(task))
			continue;
		set_cpus_allowed_ptr(task, cpumask_of(cpu));
		atomic_inc(&t->running);
		wake_up_process(task);
		t->workers++;
	}
	cpus_read_unlock();
}

/**
 * obm_torture_run() - Run the workers and helpers for @t->seconds.
 * @t: Zeroed but for the settings.
 *
 * Context: Process context; may sleep, takes CPUs offline.
 * Return: 0, or -ENOMEM with nothing allocated.
 */
static int obm_torture_run(struct obm_torture *t)
{
	struct task_struct *control, *churner, *squeezer;
	unsigned long deadline;

	t->w = kvcalloc(nr_cpu_ids, sizeof(*t->w), GFP_KERNEL);
	if (!t->w)
		return -ENOMEM;
	spin_lock_init(&t->exchange_lock);
	spin_lock_init(&t->ring_lock);
	prandom_seed_state(&t->ring_rnd, t->seed);
	init_completion(&t->done);
	if (t->interrupts) {
		obm_hrtimer_setup(&t->hrtimer, obm_torture_hrtimer_fn,
				  CLOCK_MONOTONIC, HRTIMER_MODE_REL);
		hrtimer_start(&t->hrtimer, ns_to_ktime(OBM_TORTURE_HRTIMER_NS),
			      HRTIMER_MODE_REL);
		timer_setup(&t->timer, obm_torture_timer_fn, 0);
		mod_timer(&t->timer, jiffies + 1);
	}
	churner = obm_torture_helper(t, t->churn, obm_torture_churn,
				     "obm_torture_churn");
	squeezer = obm_torture_helper(t, t->pressure, obm_torture_squeeze,
				      "obm_torture_squeeze");
	/* After the workers, so that every cycle and drain overlaps them. */
	obm_torture_start_workers(t);
	control = obm_torture_helper(t, t->control, obm_torture_control,
				     "obm_torture_control");

	msleep(t->seconds * MSEC_PER_SEC);
	/*
	 * A slow machine gets more time for the controller's minimum: under
	 * the soak's pressure a CPU cycle can take seconds (docs/testing.md).
	 */
	deadline = jiffies + 4 * t->seconds * HZ;
	while (control && time_before(jiffies, deadline) &&
	       (READ_ONCE(t->drains) < OBM_TORTURE_MIN_CYCLES ||
		(READ_ONCE(t->can_cycle) &&
		 READ_ONCE(t->cycles) < OBM_TORTURE_MIN_CYCLES)))
		msleep(100);

	WRITE_ONCE(t->stop, true);
	if (!atomic_dec_and_test(&t->running))
		wait_for_completion(&t->done);
	obm_torture_helper_stop(control);
	obm_torture_helper_stop(churner);
	obm_torture_helper_stop(squeezer);
	if (t->interrupts) {
		hrtimer_cancel(&t->hrtimer);
		obm_timer_delete_sync(&t->timer);
	}
	return 0;
}

/**
 * obm_torture_ledger() - The live blocks of one heap after obm_torture_run().
 * @t: The run.
 * @heap: Index into @t->heaps.
 * @fn: Called with each block and its requested size; whether the block
 *	is in one of obmalloc's pools or was handed to kmalloc is @fn's to
 *	find out (a realloc may have moved it either way).
 * @arg: Passed to @fn.
 */
static void obm_torture_ledger(struct obm_torture *t, unsigned int heap,
			       void (*fn)(void *arg, void *p, size_t size),
			       void *arg)
{
	unsigned int cpu, i;

	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		for (i = 0; i < OBM_TORTURE_SLOTS; i++)
			if (t->w[cpu].slots[i].p && t->w[cpu].slots[i].heap == heap)
				fn(arg, t->w[cpu].slots[i].p,
				   t->w[cpu].slots[i].size);
	for (i = 0; i < OBM_TORTURE_EXCHANGE; i++)
		if (t->exchange[i].p && t->exchange[i].heap == heap)
			fn(arg, t->exchange[i].p, t->exchange[i].size);
	for (i = 0; i < OBM_TORTURE_RING; i++)
		if (t->ring[i].p && t->ring[i].heap == heap)
			fn(arg, t->ring[i].p, t->ring[i].size);
}

/**
 * obm_torture_release() - Check and free every block of the ledger.
 * @t: The run; its worker tables are freed too.
 */
static void obm_torture_release(struct obm_torture *t)
{
	unsigned int cpu, i;

	if (!t->w)
		return;
	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		for (i = 0; i < OBM_TORTURE_SLOTS; i++)
			if (t->w[cpu].slots[i].p)
				obm_torture_free(t, &t->w[cpu].slots[i]);
	for (i = 0; i < OBM_TORTURE_EXCHANGE; i++)
		if (t->exchange[i].p)
			obm_torture_free(t, &t->exchange[i]);
	for (i = 0; i < OBM_TORTURE_RING; i++)
		if (t->ring[i].p)
			obm_torture_free(t, &t->ring[i]);
	kvfree(t->w);
	t->w = NULL;
}

#endif /* _OBM_TORTURE_H */
