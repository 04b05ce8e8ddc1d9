// SPDX-License-Identifier: GPL-2.0
/*
 * obm_step - where one allocation and free spend their instructions.
 *
 * tools/bench/profile/run boots Debian's own kernel under QEMU with its
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
 * Then, unless loaded with ops=0, single operations off the fast path,
 * through obm_step_op(), on which the host has its second breakpoint: of
 * obmalloc and of a dedicated kmem_cache, at 64 and 256 bytes, each
 * prepared without stepping before each of its three runs, only the one
 * call stepped:
 *
 *   alloc    steady state, warmed up: a pop from the magazine (SLUB: from
 *            the CPU slab's freelist);
 *   free     the same for a free: a push;
 *   refill   an allocation that finds this CPU's magazine of its class
 *            empty (allocated until it was, the blocks held) and refills
 *            it from the class's partly used pool; kmem_cache: a new
 *            cache's first slab used up, then its second, the CPU slab,
 *            and one object of the first freed, so that the allocation
 *            takes the first slab back from the CPU's partial list;
 *   flush    a free that finds the magazine full (a magazine's worth
 *            allocated, then freed until it was) and flushes its oldest
 *            half to the pools; kmem_cache: a free into a new cache's
 *            full first slab, not the CPU slab (__slab_free());
 *   first    the first allocation of a class in a new heap, which
 *            allocates this CPU's cache, the magazine and the class and
 *            takes a pool; kmem_cache: the first allocation from a new
 *            cache (a new slab).
 *
 * obmalloc's cases are checked against its own counters (module/'s
 * obm_internal.h: the magazine's count and capacity, the refills and
 * flushes), kmem_cache's refill against the slab its object came from; a
 * case found not to have done what it is named after is reported and the
 * module then fails its load.
 *
 * The handshake, on the console:
 *   obm-step: ready cases=<n> repeats=<n> pair=<addr> armed=<addr>
 *             done=<addr> pcs=<addr> nr=<addr> max=<n> op=<addr> end
 *     (one line): the host sets its breakpoints on pair and op, then
 *     writes 1 to armed; cases counts both kinds;
 *   obm-step: case <allocator> <size>
 *     before each case's obm_step_pair() calls, in the order the host
 *     steps them;
 *   obm-step: op <operation> <allocator> <size>
 *     the same before each single operation's obm_step_op() calls, after
 *     every pair;
 *   obm-step: check failed: <what>
 *     for a case that did not do what it is named after;
 *   obm-step: sym <addr> <%pS>
 *     once the host has written the addresses and set done;
 *   obm-step: done
 *
 * Process context, module init; single CPU guest, so nothing pins.
 */

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <obmalloc.h>

/* module/: the magazines, to prepare and check the single operations. */
#include "obm_internal.h"

enum obm_step_alloc { OBM_S_OBMALLOC, OBM_S_KMEM_CACHE, OBM_S_KMALLOC, OBM_S_NR };

static const char * const obm_step_names[OBM_S_NR] = {
	"obmalloc", "kmem_cache", "kmalloc",
};

static const unsigned int obm_step_sizes[] = { 8, 64, 256, 512 };

/* The single operations, stepped for obmalloc and kmem_cache. */
enum obm_step_op {
	OBM_STEP_ALLOC,
	OBM_STEP_FREE,
	OBM_STEP_REFILL,
	OBM_STEP_FLUSH,
	OBM_STEP_FIRST,
	OBM_STEP_NR_OPS
};

static const char * const obm_step_op_names[OBM_STEP_NR_OPS] = {
	"alloc", "free", "refill", "flush", "first",
};

static const unsigned int obm_step_op_sizes[] = { 64, 256 };

/* The allocators of the single operations: obmalloc and kmem_cache. */
#define OBM_STEP_OP_ALLOCS	2

#define OBM_STEP_WARMUP		1000
#define OBM_STEP_REPEATS	3
#define OBM_STEP_MAX_PCS	16384
/* Blocks held while an operation is prepared: a slab's or a magazine's. */
#define OBM_STEP_HELD_MAX	1024

/* Written by the host through the gdb stub; volatile to the compiler. */
static int obm_step_armed;
static int obm_step_done;
static unsigned long obm_step_pcs[OBM_STEP_MAX_PCS];
static unsigned int obm_step_nr;

static void *obm_step_held[OBM_STEP_HELD_MAX];
static unsigned int obm_step_nr_held;
static bool obm_step_check_failed;

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

/*
 * The stepped function of the single operations, the host's second
 * breakpoint: with @p NULL one allocation, returned; else the free of @p.
 */
static noinline void *obm_step_op(const struct obm_step_case *c, void *p)
{
	if (c->alloc == OBM_S_OBMALLOC) {
		if (!p)
			return obm_heap_alloc(c->heap, c->size, GFP_KERNEL);
		obm_free(p);
	} else {
		if (!p)
			return kmem_cache_alloc(c->cache, GFP_KERNEL);
		kmem_cache_free(c->cache, p);
	}
	return NULL;
}

/* Not stepped: the same pair, to bring every cache to its fast path. */
static noinline void obm_step_warm_up(const struct obm_step_case *c)
{
	unsigned int i;

	for (i = 0; i < OBM_STEP_WARMUP; i++)
		obm_step_one(c);
}

/* Not stepped: one allocation or free, of obmalloc or kmem_cache. */
static void *obm_step_alloc(const struct obm_step_case *c)
{
	if (c->alloc == OBM_S_OBMALLOC)
		return obm_heap_alloc(c->heap, c->size, GFP_KERNEL);
	return kmem_cache_alloc(c->cache, GFP_KERNEL);
}

static void obm_step_free(const struct obm_step_case *c, void *p)
{
	if (c->alloc == OBM_S_OBMALLOC)
		obm_free(p);
	else
		kmem_cache_free(c->cache, p);
}

/* Allocate one more block to hold, unstepped. */
static int obm_step_hold(const struct obm_step_case *c)
{
	void *p;

	if (obm_step_nr_held == OBM_STEP_HELD_MAX)
		return -E2BIG;
	p = obm_step_alloc(c);
	if (!p)
		return -ENOMEM;
	obm_step_held[obm_step_nr_held++] = p;
	return 0;
}

/* The held block @i, no longer held. */
static void *obm_step_unhold(unsigned int i)
{
	void *p = obm_step_held[i];

	obm_step_held[i] = obm_step_held[--obm_step_nr_held];
	return p;
}

static void obm_step_release_held(const struct obm_step_case *c)
{
	while (obm_step_nr_held)
		obm_step_free(c, obm_step_held[--obm_step_nr_held]);
}

static void obm_step_check(bool ok, enum obm_step_op op,
			   const struct obm_step_case *c, const char *what)
{
	if (ok)
		return;
	pr_err("obm-step: check failed: %s %s %zu: %s\n",
	       obm_step_op_names[op], obm_step_names[c->alloc], c->size, what);
	obm_step_check_failed = true;
}

/* What obmalloc's magazine of a case's class holds on this CPU. */
struct obm_step_mag_state {
	bool		cache;
	bool		mag;
	unsigned int	count;
	unsigned int	cap;
	unsigned long	refills;
	unsigned long	flushes;
};

static void obm_step_mag_read(const struct obm_step_case *c,
			      struct obm_step_mag_state *st)
{
	struct obm_cpu_cache *cc;
	struct obm_mag *mag;

	memset(st, 0, sizeof(*st));
	cc = READ_ONCE(*per_cpu_ptr(c->heap->caches, get_cpu()));
	put_cpu();
	if (cc == &obm_cc_none)
		return;
	st->cache = true;
	st->refills = READ_ONCE(cc->refills);
	st->flushes = READ_ONCE(cc->flushes);
	mag = READ_ONCE(cc->mags[obm_size_to_class(c->size)]);
	if (mag == &obm_mag_none)
		return;
	st->mag = true;
	st->count = READ_ONCE(mag->count);
	st->cap = mag->cap;
}

/*
 * Bring obmalloc's magazine to where @op starts; *@p: the block the
 * stepped free frees.
 */
static int obm_step_obm_prepare(const struct obm_step_case *c,
				enum obm_step_op op, void **p)
{
	struct obm_step_mag_state st;
	int err = 0;

	*p = NULL;
	if (op == OBM_STEP_ALLOC || op == OBM_STEP_FIRST)
		return 0;
	if (op != OBM_STEP_REFILL) {
		*p = obm_step_alloc(c);
		if (!*p)
			return -ENOMEM;
	}
	obm_step_mag_read(c, &st);
	if (!st.mag)
		return -ENOENT;
	if (op == OBM_STEP_REFILL) {
		/* Allocate until the magazine is empty. */
		while (!err && st.count) {
			err = obm_step_hold(c);
			obm_step_mag_read(c, &st);
		}
	} else if (op == OBM_STEP_FLUSH) {
		/* A magazine's worth more, then freed until it is full. */
		while (!err && obm_step_nr_held < st.cap)
			err = obm_step_hold(c);
		obm_step_mag_read(c, &st);
		while (!err && obm_step_nr_held && st.count < st.cap) {
			obm_free(obm_step_held[--obm_step_nr_held]);
			obm_step_mag_read(c, &st);
		}
	}
	return err;
}

/* Whether obmalloc's operation did what it is named after. */
static void obm_step_obm_check(const struct obm_step_case *c,
			       enum obm_step_op op,
			       const struct obm_step_mag_state *before,
			       const struct obm_step_mag_state *after)
{
	bool refilled = after->refills == before->refills + 1;
	bool flushed = after->flushes == before->flushes + 1;
	bool same = after->refills == before->refills &&
		    after->flushes == before->flushes;

	switch (op) {
	case OBM_STEP_ALLOC:
		obm_step_check(before->count && same, op, c,
			       "not a pop from a magazine with blocks");
		break;
	case OBM_STEP_FREE:
		obm_step_check(before->mag && before->count < before->cap &&
			       same, op, c,
			       "not a push on a magazine with room");
		break;
	case OBM_STEP_REFILL:
		obm_step_check(before->mag && !before->count && refilled &&
			       after->flushes == before->flushes, op, c,
			       "not one refill of an empty magazine");
		break;
	case OBM_STEP_FLUSH:
		obm_step_check(before->mag && before->count == before->cap &&
			       flushed && after->refills == before->refills,
			       op, c, "not one flush of a full magazine");
		break;
	default:
		obm_step_check(!before->cache && after->mag &&
			       after->refills == 1, op, c,
			       "not the first allocation of this CPU");
		break;
	}
}

/* One run of one of obmalloc's operations: prepared, stepped, undone. */
static int obm_step_obm_run(struct obm_step_case *c, enum obm_step_op op)
{
	struct obm_step_mag_state before, after;
	struct obm_heap *heap = c->heap;
	void *p;
	int err;

	if (op == OBM_STEP_FIRST) {
		c->heap = obm_heap_create("step-first");
		if (IS_ERR(c->heap)) {
			err = PTR_ERR(c->heap);
			c->heap = heap;
			return err;
		}
	}
	err = obm_step_obm_prepare(c, op, &p);
	if (!err) {
		obm_step_mag_read(c, &before);
		p = obm_step_op(c, p);
		obm_step_mag_read(c, &after);
		obm_step_obm_check(c, op, &before, &after);
		if (p)
			obm_free(p);
	}
	obm_step_release_held(c);
	if (op == OBM_STEP_FIRST) {
		obm_heap_destroy(c->heap);
		c->heap = heap;
	}
	return err;
}

/*
 * Allocate from a new cache until an object comes from a second slab:
 * the first is then full, and the second the CPU slab. Return: the
 * objects of the first, or a negative errno.
 */
static int obm_step_fill_first_slab(const struct obm_step_case *c)
{
	struct folio *first;
	int err = obm_step_hold(c);

	if (err)
		return err;
	first = virt_to_folio(obm_step_held[0]);
	while (!err &&
	       virt_to_folio(obm_step_held[obm_step_nr_held - 1]) == first)
		err = obm_step_hold(c);
	return err ?: obm_step_nr_held - 1;
}

/* One run of one of kmem_cache's operations: prepared, stepped, undone. */
static int obm_step_cache_run(struct obm_step_case *c, enum obm_step_op op)
{
	struct folio *first = NULL, *second;
	void *p = NULL;
	int err = 0, n;

	/* A new cache for every run: SLUB's state is then known. */
	c->cache = kmem_cache_create("obm_step_op", c->size, 0, SLAB_NO_MERGE,
				     NULL);
	if (!c->cache)
		return -ENOMEM;
	switch (op) {
	case OBM_STEP_ALLOC:
		obm_step_warm_up(c);
		break;
	case OBM_STEP_FREE:
		obm_step_warm_up(c);
		p = obm_step_alloc(c);
		err = p ? 0 : -ENOMEM;
		break;
	case OBM_STEP_REFILL:
	case OBM_STEP_FLUSH:
		n = obm_step_fill_first_slab(c);
		if (n < 0) {
			err = n;
			break;
		}
		first = virt_to_folio(obm_step_held[0]);
		second = virt_to_folio(obm_step_held[n]);
		p = obm_step_unhold(0);
		if (op == OBM_STEP_FLUSH)
			break;
		/* Use up the CPU slab, then free into the full first one. */
		while (!err && obm_step_nr_held < 2 * n - 1)
			err = obm_step_hold(c);
		if (!err)
			obm_step_check(virt_to_folio(obm_step_held[obm_step_nr_held - 1]) ==
				       second, op, c,
				       "the second slab holds fewer objects");
		kmem_cache_free(c->cache, p);
		p = NULL;
		break;
	default:
		break;
	}
	if (!err) {
		p = obm_step_op(c, p);
		if (op == OBM_STEP_REFILL)
			obm_step_check(p && virt_to_folio(p) == first, op, c,
				       "not from the CPU's partial slab");
		if (p)
			kmem_cache_free(c->cache, p);
	}
	obm_step_release_held(c);
	kmem_cache_destroy(c->cache);
	c->cache = NULL;
	return err;
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

static bool ops = true;
module_param(ops, bool, 0444);
MODULE_PARM_DESC(ops, "Also the single operations (default: yes)");

/* The single operations, each case's runs stepped by the host. */
static int obm_step_run_ops(struct obm_heap *heap)
{
	struct obm_step_case c = { .heap = heap };
	enum obm_step_op op;
	unsigned int i, r;
	int err;

	for (i = 0; i < ARRAY_SIZE(obm_step_op_sizes); i++) {
		c.size = obm_step_op_sizes[i];
		for (c.alloc = 0; c.alloc < OBM_STEP_OP_ALLOCS; c.alloc++) {
			for (op = 0; op < OBM_STEP_NR_OPS; op++) {
				if (c.alloc == OBM_S_OBMALLOC)
					obm_step_warm_up(&c);
				pr_info("obm-step: op %s %s %zu\n",
					obm_step_op_names[op],
					obm_step_names[c.alloc], c.size);
				for (r = 0; r < OBM_STEP_REPEATS; r++) {
					err = c.alloc == OBM_S_OBMALLOC ?
					      obm_step_obm_run(&c, op) :
					      obm_step_cache_run(&c, op);
					if (err)
						return err;
				}
			}
		}
	}
	return 0;
}

static int obm_step_run(struct obm_heap *heap)
{
	struct obm_step_case c = { .heap = heap };
	unsigned int i, r;
	int err;

	/*
	 * Raw addresses, on purpose: the host's debugger needs them. This
	 * module is for the profiling VM only.
	 */
	pr_info("obm-step: ready cases=%zu repeats=%u pair=%lx armed=%lx done=%lx pcs=%lx nr=%lx max=%u op=%lx end\n",
		OBM_S_NR * ARRAY_SIZE(obm_step_sizes) +
		(ops ? OBM_STEP_OP_ALLOCS * OBM_STEP_NR_OPS *
		       ARRAY_SIZE(obm_step_op_sizes) : 0), OBM_STEP_REPEATS,
		(unsigned long)obm_step_pair, (unsigned long)&obm_step_armed,
		(unsigned long)&obm_step_done, (unsigned long)obm_step_pcs,
		(unsigned long)&obm_step_nr, OBM_STEP_MAX_PCS,
		(unsigned long)obm_step_op);
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
	if (ops) {
		err = obm_step_run_ops(heap);
		if (err)
			return err;
	}
	if (!obm_step_wait(&obm_step_done))
		return -EINTR;
	obm_step_name_pcs();
	return obm_step_check_failed ? -EINVAL : 0;
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
MODULE_DESCRIPTION("One obmalloc, kmem_cache and kmalloc pair and single operations, for single-stepping");
MODULE_IMPORT_NS(OBM_NS_INTERNAL);
