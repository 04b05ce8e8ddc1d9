// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_context: gfp flags and calling contexts - atomic allocation
 * with interrupts off, and allocation and free in hardirq (hrtimer) and
 * softirq (timer, tasklet) context, with blocks crossing between
 * contexts. With DEBUG_ATOMIC_SLEEP and lockdep on, any sleep or
 * irq-unsafe lock here is reported and fails the run. __GFP_ZERO has a
 * suite of its own (obm_test_zero.c), which needs a boot of its own.
 *
 * On PREEMPT_RT, kmalloc() may not be called with interrupts or preemption
 * disabled, nor from hard interrupt context; its atomic context is a
 * spinlock_t held. The tests use that there, and the hardirq case is
 * skipped (tools/vm/results.py allows that skip on the qemu-rt boot only).
 */

#include <linux/completion.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/irqflags.h>
#include <linux/timer.h>

#include "obm_compat.h"
#include "obm_test.h"

#define OBM_TEST_CTX_BLOCKS	64

/* GFP_ATOMIC with interrupts off, including a first arena. */
static void obm_test_atomic_irqs_off(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	void *blocks[OBM_TEST_CTX_BLOCKS];
	unsigned long flags;
	unsigned int i, got = 0;

	flags = obm_test_atomic_begin();
	for (i = 0; i < ARRAY_SIZE(blocks); i++) {
		blocks[i] = obm_heap_alloc(heap, 8 * (i + 1), GFP_ATOMIC);
		if (blocks[i]) {
			obm_test_fill(blocks[i], 8 * (i + 1), i);
			got++;
		}
	}
	for (i = 0; i < ARRAY_SIZE(blocks); i++)
		if (blocks[i] && !obm_test_check_fill(blocks[i], 8 * (i + 1), i))
			got = 0;
	for (i = 0; i < ARRAY_SIZE(blocks); i++)
		obm_free(blocks[i]);
	obm_test_atomic_end(flags);
	KUNIT_EXPECT_EQ(test, got, ARRAY_SIZE(blocks));
	obm_test_check_empty(test, heap);
}

/* GFP_NOWAIT with preemption off. */
static void obm_test_nowait_preempt_off(struct kunit *test)
{
	struct obm_heap *heap = obm_test_heap(test);
	unsigned long flags = 0;
	void *p, *q;

	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		flags = obm_test_atomic_begin();
	else
		preempt_disable();
	p = obm_heap_alloc(heap, 72, GFP_NOWAIT);
	q = obm_heap_alloc(heap, 720, GFP_NOWAIT);
	obm_free(p);
	obm_free(q);
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		obm_test_atomic_end(flags);
	else
		preempt_enable();
	KUNIT_EXPECT_NOT_NULL(test, p);
	KUNIT_EXPECT_NOT_NULL(test, q);
}

/*
 * One round in an atomic context: free the blocks process context made,
 * allocate new ones for process context to check and free.
 */
struct obm_test_ctx {
	struct obm_heap *heap;
	void *from_process[OBM_TEST_CTX_BLOCKS];
	void *from_atomic[OBM_TEST_CTX_BLOCKS];
	unsigned int bad;
	bool in_hardirq, in_softirq;
	struct completion done;
	struct hrtimer hrtimer;
	struct timer_list timer;
	struct tasklet_struct tasklet;
};

static void obm_test_ctx_work(struct obm_test_ctx *ctx)
{
	unsigned int i;

	ctx->in_hardirq = in_hardirq();
	ctx->in_softirq = in_serving_softirq();
	for (i = 0; i < OBM_TEST_CTX_BLOCKS; i++) {
		size_t size = 1 + (i * 37) % OBM_SMALL_MAX;

		if (!obm_test_check_fill(ctx->from_process[i], size, i))
			ctx->bad++;
		obm_free(ctx->from_process[i]);
		ctx->from_atomic[i] = obm_heap_alloc(ctx->heap, size, GFP_ATOMIC);
		if (ctx->from_atomic[i])
			obm_test_fill(ctx->from_atomic[i], size, i + 1000);
	}
	complete(&ctx->done);
}

static struct obm_test_ctx *obm_test_ctx_prepare(struct kunit *test)
{
	struct obm_test_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->heap = obm_test_heap(test);
	init_completion(&ctx->done);
	for (i = 0; i < OBM_TEST_CTX_BLOCKS; i++) {
		size_t size = 1 + (i * 37) % OBM_SMALL_MAX;

		ctx->from_process[i] = obm_heap_alloc(ctx->heap, size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, ctx->from_process[i]);
		obm_test_fill(ctx->from_process[i], size, i);
	}
	return ctx;
}

static void obm_test_ctx_finish(struct kunit *test, struct obm_test_ctx *ctx)
{
	unsigned int i;

	KUNIT_ASSERT_NE(test, 0, wait_for_completion_timeout(&ctx->done, 10 * HZ));
	KUNIT_EXPECT_EQ(test, ctx->bad, 0);
	for (i = 0; i < OBM_TEST_CTX_BLOCKS; i++) {
		size_t size = 1 + (i * 37) % OBM_SMALL_MAX;

		KUNIT_EXPECT_NOT_NULL(test, ctx->from_atomic[i]);
		if (ctx->from_atomic[i])
			KUNIT_EXPECT_TRUE(test, obm_test_check_fill(ctx->from_atomic[i],
								    size, i + 1000));
		obm_free(ctx->from_atomic[i]);
	}
	obm_test_check_empty(test, ctx->heap);
}

static enum hrtimer_restart obm_test_hrtimer_fn(struct hrtimer *timer)
{
	obm_test_ctx_work(container_of(timer, struct obm_test_ctx, hrtimer));
	return HRTIMER_NORESTART;
}

/* Allocation and free in hardirq context (a hard hrtimer). */
static void obm_test_hardirq(struct kunit *test)
{
	struct obm_test_ctx *ctx;

	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		kunit_skip(test,
			   "PREEMPT_RT: no allocation in hard interrupt context, as for kmalloc()");
	ctx = obm_test_ctx_prepare(test);

	obm_hrtimer_setup(&ctx->hrtimer, obm_test_hrtimer_fn, CLOCK_MONOTONIC,
			  HRTIMER_MODE_REL_HARD);
	hrtimer_start(&ctx->hrtimer, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	obm_test_ctx_finish(test, ctx);
	hrtimer_cancel(&ctx->hrtimer);
	KUNIT_EXPECT_TRUE(test, ctx->in_hardirq);
}

static void obm_test_timer_fn(struct timer_list *timer)
{
	obm_test_ctx_work(container_of(timer, struct obm_test_ctx, timer));
}

/* Allocation and free in softirq context (a timer). */
static void obm_test_softirq_timer(struct kunit *test)
{
	struct obm_test_ctx *ctx = obm_test_ctx_prepare(test);

	timer_setup(&ctx->timer, obm_test_timer_fn, 0);
	mod_timer(&ctx->timer, jiffies + 1);
	obm_test_ctx_finish(test, ctx);
	obm_timer_delete_sync(&ctx->timer);
	KUNIT_EXPECT_TRUE(test, ctx->in_softirq);
}

static void obm_test_tasklet_fn(struct tasklet_struct *t)
{
	struct obm_test_ctx *ctx = from_tasklet(ctx, t, tasklet);

	obm_test_ctx_work(ctx);
}

/* Allocation and free in softirq context (a tasklet). */
static void obm_test_softirq_tasklet(struct kunit *test)
{
	struct obm_test_ctx *ctx = obm_test_ctx_prepare(test);

	tasklet_setup(&ctx->tasklet, obm_test_tasklet_fn);
	tasklet_schedule(&ctx->tasklet);
	obm_test_ctx_finish(test, ctx);
	tasklet_kill(&ctx->tasklet);
	KUNIT_EXPECT_TRUE(test, ctx->in_softirq);
}

static struct kunit_case obm_context_cases[] = {
	KUNIT_CASE(obm_test_atomic_irqs_off),
	KUNIT_CASE(obm_test_nowait_preempt_off),
	KUNIT_CASE(obm_test_hardirq),
	KUNIT_CASE(obm_test_softirq_timer),
	KUNIT_CASE(obm_test_softirq_tasklet),
	{}
};

static struct kunit_suite obm_context_suite = {
	.name = "obmalloc_context",
	.test_cases = obm_context_cases,
};

kunit_test_suite(obm_context_suite);
