// SPDX-License-Identifier: GPL-2.0
/*
 * obm_step - where one allocation and free spend their instructions.
 *
 * tools/bench/instr-profile boots Debian's own kernel under QEMU with its
 * gdb stub, loads this module and single-steps one allocation and its
 * free, of obmalloc, of a dedicated kmem_cache and of kmalloc, at a few
 * sizes, recording the address of every instruction executed. Instruction
 * counts say how much; these traces say where.
 *
 * Each case is warmed up first (1,000 pairs, so every cache is on its
 * fast path), then run three times through obm_step_pair(), on which the
 * host has a breakpoint; it steps each from there to the return and keeps
 * the shortest of the three, in case an interrupt's work (a softirq run
 * on the way out of a lock, a reschedule) got into the others. With every
 * case done, the host writes the distinct addresses it kept into
 * obm_step_pcs[] and sets obm_step_done, and the module names each with
 * %pS: the host cannot, as Debian's packages ship no System.map.
 *
 * The handshake, on the console:
 *   obm-step: ready cases=<n> repeats=<n> pair=<addr> armed=<addr>
 *             done=<addr> pcs=<addr> nr=<addr> max=<n> end
 *     (one line): the host sets its breakpoint on pair, then writes 1 to
 *     armed;
 *   obm-step: case <allocator> <size>
 *     before each case's obm_step_pair() calls, in the order the host
 *     steps them;
 *   obm-step: sym <addr> <%pS>
 *     once the host has written the addresses and set done;
 *   obm-step: done
 *
 * Process context, module init; single CPU guest, so nothing pins.
 */

#include <linux/delay.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <obmalloc.h>

enum obm_step_alloc { OBM_S_OBMALLOC, OBM_S_KMEM_CACHE, OBM_S_KMALLOC, OBM_S_NR };

static const char * const obm_step_names[OBM_S_NR] = {
	"obmalloc", "kmem_cache", "kmalloc",
};

static const unsigned int obm_step_sizes[] = { 8, 64, 256, 512 };

#define OBM_STEP_WARMUP		1000
#define OBM_STEP_REPEATS	3
#define OBM_STEP_MAX_PCS	4096

/* Written by the host through the gdb stub; volatile to the compiler. */
static int obm_step_armed;
static int obm_step_done;
static unsigned long obm_step_pcs[OBM_STEP_MAX_PCS];
static unsigned int obm_step_nr;

struct obm_step_case {
	enum obm_step_alloc	alloc;
	size_t			size;
	struct obm_heap		*heap;
	struct kmem_cache	*cache;
};

/* One allocation and its free, nothing else. */
static __always_inline void obm_step_one(const struct obm_step_case *c)
{
	void *p;

	switch (c->alloc) {
	case OBM_S_OBMALLOC:
		p = obm_heap_alloc(c->heap, c->size, GFP_KERNEL);
		obm_free(p);
		break;
	case OBM_S_KMEM_CACHE:
		p = kmem_cache_alloc(c->cache, GFP_KERNEL);
		kmem_cache_free(c->cache, p);
		break;
	default:
		p = kmalloc(c->size, GFP_KERNEL);
		kfree(p);
		break;
	}
}

/* The stepped function: the host's breakpoint is on its first instruction. */
static noinline void obm_step_pair(const struct obm_step_case *c)
{
	obm_step_one(c);
}

/* Not stepped: the same pair, to bring every cache to its fast path. */
static noinline void obm_step_warm_up(const struct obm_step_case *c)
{
	unsigned int i;

	for (i = 0; i < OBM_STEP_WARMUP; i++)
		obm_step_one(c);
}

/*
 * Wait for the host to set @flag. No time limit of our own: under -icount
 * with sleep=off an idle guest's clock races ahead of the host's, so the
 * host's limit on the whole VM is the one that counts. A fatal signal
 * ends the wait.
 */
static bool obm_step_wait(int *flag)
{
	while (!READ_ONCE(*flag)) {
		if (fatal_signal_pending(current))
			return false;
		msleep(20);
	}
	return true;
}

static void obm_step_name_pcs(void)
{
	unsigned int i, nr = min_t(unsigned int, READ_ONCE(obm_step_nr),
				   OBM_STEP_MAX_PCS);

	for (i = 0; i < nr; i++)
		pr_info("obm-step: sym %lx %pS\n", obm_step_pcs[i],
			(void *)obm_step_pcs[i]);
}

static int obm_step_run(struct obm_heap *heap)
{
	struct obm_step_case c = { .heap = heap };
	unsigned int i, r;

	/*
	 * Raw addresses, on purpose: the host's debugger needs them. This
	 * module is for the profiling VM only.
	 */
	pr_info("obm-step: ready cases=%zu repeats=%u pair=%lx armed=%lx done=%lx pcs=%lx nr=%lx max=%u end\n",
		OBM_S_NR * ARRAY_SIZE(obm_step_sizes), OBM_STEP_REPEATS,
		(unsigned long)obm_step_pair, (unsigned long)&obm_step_armed,
		(unsigned long)&obm_step_done, (unsigned long)obm_step_pcs,
		(unsigned long)&obm_step_nr, OBM_STEP_MAX_PCS);
	if (!obm_step_wait(&obm_step_armed))
		return -EINTR;
	for (i = 0; i < ARRAY_SIZE(obm_step_sizes); i++) {
		c.size = obm_step_sizes[i];
		c.cache = kmem_cache_create("obm_step", c.size, 0,
					    SLAB_NO_MERGE, NULL);
		if (!c.cache)
			return -ENOMEM;
		for (c.alloc = 0; c.alloc < OBM_S_NR; c.alloc++) {
			obm_step_warm_up(&c);
			pr_info("obm-step: case %s %zu\n",
				obm_step_names[c.alloc], c.size);
			for (r = 0; r < OBM_STEP_REPEATS; r++)
				obm_step_pair(&c);
		}
		kmem_cache_destroy(c.cache);
	}
	if (!obm_step_wait(&obm_step_done))
		return -EINTR;
	obm_step_name_pcs();
	return 0;
}

static int __init obm_step_init(void)
{
	struct obm_heap *heap = obm_heap_create("step");
	int ret;

	if (IS_ERR(heap))
		return PTR_ERR(heap);
	ret = obm_step_run(heap);
	obm_heap_destroy(heap);
	if (ret)
		pr_err("obm-step: failed: %d\n", ret);
	else
		pr_info("obm-step: done\n");
	return ret;
}

static void __exit obm_step_exit(void)
{
}

module_init(obm_step_init);
module_exit(obm_step_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("One obmalloc, kmem_cache and kmalloc pair, for single-stepping");
