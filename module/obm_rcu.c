// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc frees deferred past an RCU grace period: obm_free_rcu() and
 * obm_free_rcu_mightsleep(), what kfree_rcu() and kfree_rcu_mightsleep()
 * are to kmalloc().
 *
 * Batched, as kfree_rcu() is: each CPU collects the blocks queued on it
 * in a list threaded through their rcu_heads, and its one rcu_work waits
 * for a grace period for a whole batch at a time - one call_rcu() per
 * batch, not per block. A batch is closed when its wait starts; blocks
 * queued meanwhile form the next one, so each block waits for a grace
 * period that began after it was queued. The work then frees the batch in
 * process context, each pointer as obm_kvfree() frees it: obmalloc's
 * blocks, kmalloc()'s objects and vmalloc()'s areas alike.
 *
 * obm_free_rcu_mightsleep() has no rcu_head in the object: it allocates a
 * small one (a default-heap block) and queues that; if there is no memory
 * it waits for a grace period itself, as kvfree_rcu_mightsleep() does.
 *
 * What is queued is waited for by obm_rcu_barrier(): when a heap is
 * destroyed, when any module goes away (a module notifier: a client's
 * rmmod returns once what it queued is freed), and at obmalloc's exit.
 *
 * Contexts: obm_free_rcu() may be called wherever obm_free() may; a raw
 * spinlock, held for a few instructions with no allocation, guards each
 * CPU's lists. obm_free_rcu_mightsleep() and obm_rcu_barrier() sleep.
 */

#define pr_fmt(fmt) "obmalloc: " fmt

#include <linux/module.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "obm_internal.h"

/**
 * struct obm_rcu_cpu - One CPU's deferred frees.
 * @lock: Guards @queued and @waiting.
 * @queued: The next batch, newest first, linked through rcu_head.next.
 * @waiting: The batch @rwork waits for, or NULL when none is in flight.
 * @rwork: Waits for a grace period, then frees @waiting.
 */
struct obm_rcu_cpu {
	raw_spinlock_t		lock;	/* see the kernel-doc above */
	struct rcu_head		*queued;
	struct rcu_head		*waiting;
	struct rcu_work		rwork;
};

static DEFINE_PER_CPU(struct obm_rcu_cpu, obm_rcu_cpus);
static struct workqueue_struct *obm_rcu_wq;
static atomic_long_t obm_rcu_pending = ATOMIC_LONG_INIT(0);
static atomic_long_t obm_rcu_batches = ATOMIC_LONG_INIT(0);
static atomic_long_t obm_rcu_freed = ATOMIC_LONG_INIT(0);

/* A block obm_free_rcu_mightsleep() allocated to queue a pointer with. */
struct obm_rcu_node {
	struct rcu_head		head;
	const void		*ptr;
};

/*
 * The rcu_head keeps how far into its object it is, in ->func, as
 * kvfree_rcu() keeps it: the work gets the object back from the head. A
 * node keeps its pointer instead, and says so with an offset no object
 * can have.
 */
#define OBM_RCU_NODE		ULONG_MAX

static void obm_rcu_free_head(struct rcu_head *head)
{
	unsigned long offset = (unsigned long)head->func;
	struct obm_rcu_node *node;

	if (offset != OBM_RCU_NODE) {
		obm_kvfree((void *)head - offset);
		return;
	}
	node = container_of(head, struct obm_rcu_node, head);
	obm_kvfree(node->ptr);
	obm_free(node);
}

/* Close this CPU's batch and wait for it, unless one is in flight. */
static void obm_rcu_start(struct obm_rcu_cpu *c)
{
	lockdep_assert_held(&c->lock);
	if (c->waiting || !c->queued)
		return;
	c->waiting = c->queued;
	c->queued = NULL;
	atomic_long_inc(&obm_rcu_batches);
	queue_rcu_work(obm_rcu_wq, &c->rwork);
}

static void obm_rcu_work(struct work_struct *work)
{
	struct obm_rcu_cpu *c = container_of(to_rcu_work(work),
					     struct obm_rcu_cpu, rwork);
	struct rcu_head *head, *next;
	unsigned long flags, n = 0;

	raw_spin_lock_irqsave(&c->lock, flags);
	head = c->waiting;
	raw_spin_unlock_irqrestore(&c->lock, flags);
	for (; head; head = next, n++) {
		next = head->next;
		obm_rcu_free_head(head);
	}
	atomic_long_sub(n, &obm_rcu_pending);
	atomic_long_add(n, &obm_rcu_freed);
	raw_spin_lock_irqsave(&c->lock, flags);
	c->waiting = NULL;
	obm_rcu_start(c);
	raw_spin_unlock_irqrestore(&c->lock, flags);
}

static void obm_rcu_queue(struct rcu_head *head)
{
	struct obm_rcu_cpu *c;
	unsigned long flags;

	atomic_long_inc(&obm_rcu_pending);
	local_irq_save(flags);
	c = this_cpu_ptr(&obm_rcu_cpus);
	raw_spin_lock(&c->lock);
	head->next = c->queued;
	c->queued = head;
	obm_rcu_start(c);
	raw_spin_unlock(&c->lock);
	local_irq_restore(flags);
}

void obm_free_rcu(const void *p, struct rcu_head *head)
{
	if (ZERO_OR_NULL_PTR(p))
		return;
	if (WARN_ONCE((void *)head < p,
		      "obmalloc: %s(%p): its rcu_head is not inside the object\n",
		      __func__, p)) {
		obm_free_rcu_mightsleep(p);
		return;
	}
	head->func = (rcu_callback_t)((unsigned long)head - (unsigned long)p);
	obm_rcu_queue(head);
}
EXPORT_SYMBOL_GPL(obm_free_rcu);

void obm_free_rcu_mightsleep(const void *p)
{
	struct obm_rcu_node *node;

	might_sleep();
	if (ZERO_OR_NULL_PTR(p))
		return;
	node = obm_alloc(sizeof(*node), GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
	if (!node) {
		synchronize_rcu();
		obm_kvfree(p);
		return;
	}
	node->ptr = p;
	node->head.func = (rcu_callback_t)OBM_RCU_NODE;
	obm_rcu_queue(&node->head);
}
EXPORT_SYMBOL_GPL(obm_free_rcu_mightsleep);

/**
 * obm_rcu_barrier() - Wait until every deferred free queued so far is done.
 *
 * Context: Process context; sleeps.
 */
void obm_rcu_barrier(void)
{
	unsigned int cpu;

	while (atomic_long_read(&obm_rcu_pending))
		for_each_possible_cpu(cpu)
			flush_rcu_work(&per_cpu_ptr(&obm_rcu_cpus, cpu)->rwork);
}

/**
 * obm_rcu_read_stats() - The deferred frees' counters.
 * @pending: Blocks queued and not yet freed.
 * @batches: Grace periods waited for, one per batch.
 * @freed: Blocks freed after their grace period.
 */
void obm_rcu_read_stats(unsigned long *pending, unsigned long *batches,
			unsigned long *freed)
{
	*pending = atomic_long_read(&obm_rcu_pending);
	*batches = atomic_long_read(&obm_rcu_batches);
	*freed = atomic_long_read(&obm_rcu_freed);
}

/* A module going away: its blocks queued for after a grace period go first. */
static int obm_rcu_module_notify(struct notifier_block *nb, unsigned long val,
				 void *data)
{
	if (val == MODULE_STATE_GOING && atomic_long_read(&obm_rcu_pending))
		obm_rcu_barrier();
	return NOTIFY_OK;
}

static struct notifier_block obm_rcu_module_nb = {
	.notifier_call = obm_rcu_module_notify,
};

/**
 * obm_rcu_init() - Set up the per-CPU batches and the module notifier.
 *
 * Return: 0 or a negative errno.
 */
int obm_rcu_init(void)
{
	unsigned int cpu;
	int ret;

	obm_rcu_wq = alloc_workqueue("obmalloc_rcu",
				     WQ_MEM_RECLAIM | OBM_WQ_PERCPU, 0);
	if (!obm_rcu_wq)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct obm_rcu_cpu *c = per_cpu_ptr(&obm_rcu_cpus, cpu);

		raw_spin_lock_init(&c->lock);
		INIT_RCU_WORK(&c->rwork, obm_rcu_work);
	}
	ret = register_module_notifier(&obm_rcu_module_nb);
	if (ret)
		destroy_workqueue(obm_rcu_wq);
	return ret;
}

/**
 * obm_rcu_exit() - Free what is queued; take the notifier down.
 */
void obm_rcu_exit(void)
{
	unregister_module_notifier(&obm_rcu_module_nb);
	obm_rcu_barrier();
	destroy_workqueue(obm_rcu_wq);
}
