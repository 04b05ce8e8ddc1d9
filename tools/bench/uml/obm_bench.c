// SPDX-License-Identifier: GPL-2.0
/*
 * obm_bench - obmalloc against kmalloc and a dedicated kmem_cache.
 *
 * Runs at module load, in a kthread bound to one CPU, in the habit of
 * Jesper Brouer's time_bench (prototype-kernel): fixed loop counts, the
 * clock read only around whole loops, ns and TSC cycles per operation. An
 * operation is one allocation plus its free. Each round runs every
 * allocator once, in an order that rotates from round to round, so that
 * drift in the machine touches all of them alike; tools/bench/report.py
 * takes the median over rounds. tools/bench/uml/run loads it under UML,
 * tools/bench/icount/run on Debian's 6.12 under QEMU -icount.
 *
 *   pair       allocate and free one object, repeated
 *   batch      allocate `batch` objects, then free them all, in LIFO or
 *              random order
 *   mixed      keep `live` objects of uniformly random size 1..512 and
 *              replace a random one `replacements` times (obmalloc and
 *              kmalloc only: a kmem_cache has one size)
 *   footprint  pages held for that live set after the replacements, and
 *              for `live` objects of 264 bytes
 *
 * kmem_cache rows use a cache of exactly the object size, created with
 * SLAB_NO_MERGE so that SLUB cannot alias it with a kmalloc cache.
 * kmalloc's pages are the delta of the node's unreclaimable slab counter
 * (NR_SLAB_UNRECLAIMABLE_B) after /proc/sys/vm/stat_refresh folds the
 * per-CPU counts; obmalloc's are what its private heap holds, the stats
 * line pages_held (its pools and the empty pools it keeps), from debugfs.
 *
 * Output, one line each, parsed by tools/bench/report.py:
 *   obm-bench: result <scenario> <order> <size> <allocator> <round> <ops> <ns> <cycles>
 *   obm-bench: footprint <set> <allocator> <pages>
 *   obm-bench: stats <name> <value>   (the heap's stats, uniform set)
 *   obm-bench: done
 * A debug_cost run puts "debug <flags> " after "obm-bench: " on each.
 * With only=ORDER:SIZE (pair, lifo or random) a boot runs that one timed
 * scenario alone, or with prelude=1 after what make bench runs before it,
 * on lines tagged "only" (tools/bench/uml/profile).
 */

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/timex.h>
#include <linux/vmalloc.h>
#include <obmalloc.h>

#include "obm_bench_util.h"

static unsigned int rounds = 5;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "Rounds per measurement (median reported)");
static unsigned int pair_loops = 1000000;
module_param(pair_loops, uint, 0444);
static unsigned int batch = 10000;
module_param(batch, uint, 0444);
static unsigned int batch_reps = 10;
module_param(batch_reps, uint, 0444);
static unsigned int live = 100000;
module_param(live, uint, 0444);
static unsigned int replacements = 1000000;
module_param(replacements, uint, 0444);
static unsigned int cpu;
module_param(cpu, uint, 0444);
MODULE_PARM_DESC(cpu, "CPU the benchmark thread is bound to");
static char *debug_cost;
module_param(debug_cost, charp, 0444);
MODULE_PARM_DESC(debug_cost,
		 "The bench heap's debug flags (obmalloc's debug= names it): time obmalloc alone, pair and mixed, on lines tagged 'debug <flags>'");

static char *only;
module_param(only, charp, 0444);
MODULE_PARM_DESC(only,
		 "Run one timed scenario of one size alone, pair:SIZE, lifo:SIZE or random:SIZE (tools/bench/uml/profile)");
static bool prelude;
module_param(prelude, bool, 0444);
MODULE_PARM_DESC(prelude, "With only=, first run what make bench runs before that scenario");
static unsigned int only_rounds;
module_param(only_rounds, uint, 0444);
MODULE_PARM_DESC(only_rounds, "Rounds of the only= scenario (0: rounds)");

/* "debug <flags> " before every figure of a debug_cost run, else "". */
static char obm_bench_tag[32];

enum obm_bench_alloc { OBM_B_OBMALLOC, OBM_B_KMEM_CACHE, OBM_B_KMALLOC, OBM_B_NR };

static const char * const obm_bench_names[OBM_B_NR] = {
	"obmalloc", "kmem_cache", "kmalloc",
};

static const unsigned int obm_bench_sizes[] = {
	8, 16, 64, 128, 192, 256, 264, 512,
};

struct obm_bench {
	struct obm_heap *heap;
	struct kmem_cache *cache;
	void **objs;
	u32 *perm;
	u32 *slots;		/* mixed: which object to replace */
	u16 *new_sizes;		/* mixed: its new size */
	u16 *live_sizes;	/* mixed: the initial sizes */
	int error;
};

static u64 obm_bench_cycles(void)
{
#ifdef CONFIG_UML_X86
	u32 lo, hi;

	/* UML's get_cycles() is 0; read the TSC of the host it runs on. */
	asm volatile("rdtsc" : "=a" (lo), "=d" (hi));
	return ((u64)hi << 32) | lo;
#else
	return get_cycles();
#endif
}

static __always_inline void *obm_bench_alloc(struct obm_bench *b, int a,
					     size_t size)
{
	switch (a) {
	case OBM_B_OBMALLOC:
		return obm_heap_alloc(b->heap, size, GFP_KERNEL);
	case OBM_B_KMEM_CACHE:
		return kmem_cache_alloc(b->cache, GFP_KERNEL);
	default:
		return kmalloc(size, GFP_KERNEL);
	}
}

static __always_inline void obm_bench_free(struct obm_bench *b, int a, void *p)
{
	switch (a) {
	case OBM_B_OBMALLOC:
		obm_free(p);
		break;
	case OBM_B_KMEM_CACHE:
		kmem_cache_free(b->cache, p);
		break;
	default:
		kfree(p);
	}
}

struct obm_bench_time {
	u64 ns, cycles;
};

static void obm_bench_start(struct obm_bench_time *t)
{
	t->cycles = obm_bench_cycles();
	t->ns = ktime_get_ns();
}

static void obm_bench_stop(struct obm_bench_time *t)
{
	t->ns = ktime_get_ns() - t->ns;
	t->cycles = obm_bench_cycles() - t->cycles;
}

static void obm_bench_report(const char *scenario, const char *order,
			     unsigned int size, int a, unsigned int round,
			     u64 ops, const struct obm_bench_time *t)
{
	pr_info("obm-bench: %sresult %s %s %u %s %u %llu %llu %llu\n",
		obm_bench_tag, scenario, order, size, obm_bench_names[a], round,
		ops, t->ns, t->cycles);
}

/* The allocation loops, specialised per allocator by constant folding. */
static __always_inline int obm_bench_pair_loop(struct obm_bench *b, int a,
					       size_t size,
					       struct obm_bench_time *t)
{
	unsigned int i;

	obm_bench_start(t);
	for (i = 0; i < pair_loops; i++) {
		void *p = obm_bench_alloc(b, a, size);

		if (unlikely(!p))
			return -ENOMEM;
		/* Touch it, as a user would, and keep the compiler honest. */
		WRITE_ONCE(*(u8 *)p, (u8)i);
		obm_bench_free(b, a, p);
	}
	obm_bench_stop(t);
	return 0;
}

static __always_inline int obm_bench_batch_loop(struct obm_bench *b, int a,
						size_t size, bool random,
						struct obm_bench_time *t)
{
	unsigned int rep, i;

	obm_bench_start(t);
	for (rep = 0; rep < batch_reps; rep++) {
		for (i = 0; i < batch; i++) {
			b->objs[i] = obm_bench_alloc(b, a, size);
			if (unlikely(!b->objs[i]))
				return -ENOMEM;
			WRITE_ONCE(*(u8 *)b->objs[i], (u8)i);
		}
		if (random) {
			for (i = 0; i < batch; i++)
				obm_bench_free(b, a, b->objs[b->perm[i]]);
		} else {
			for (i = batch; i-- > 0; )
				obm_bench_free(b, a, b->objs[i]);
		}
	}
	obm_bench_stop(t);
	return 0;
}

static __always_inline int obm_bench_mixed_fill(struct obm_bench *b, int a)
{
	unsigned int i;

	for (i = 0; i < live; i++) {
		b->objs[i] = obm_bench_alloc(b, a, b->live_sizes[i]);
		if (unlikely(!b->objs[i]))
			return -ENOMEM;
	}
	return 0;
}

static __always_inline int obm_bench_mixed_loop(struct obm_bench *b, int a,
						struct obm_bench_time *t)
{
	unsigned int i;

	obm_bench_start(t);
	for (i = 0; i < replacements; i++) {
		u32 slot = b->slots[i];

		obm_bench_free(b, a, b->objs[slot]);
		b->objs[slot] = obm_bench_alloc(b, a, b->new_sizes[i]);
		if (unlikely(!b->objs[slot]))
			return -ENOMEM;
		WRITE_ONCE(*(u8 *)b->objs[slot], (u8)i);
	}
	obm_bench_stop(t);
	return 0;
}

static void obm_bench_free_all(struct obm_bench *b, int a, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (b->objs[i])
			obm_bench_free(b, a, b->objs[i]);
		b->objs[i] = NULL;
	}
}

/* Each loop called with a constant allocator, so each is specialised. */
static noinline int obm_bench_pair_run(struct obm_bench *b, int a, size_t size,
				       struct obm_bench_time *t)
{
	switch (a) {
	case OBM_B_OBMALLOC:
		return obm_bench_pair_loop(b, OBM_B_OBMALLOC, size, t);
	case OBM_B_KMEM_CACHE:
		return obm_bench_pair_loop(b, OBM_B_KMEM_CACHE, size, t);
	default:
		return obm_bench_pair_loop(b, OBM_B_KMALLOC, size, t);
	}
}

static noinline int obm_bench_batch_run(struct obm_bench *b, int a,
					size_t size, bool random,
					struct obm_bench_time *t)
{
	switch (a) {
	case OBM_B_OBMALLOC:
		return obm_bench_batch_loop(b, OBM_B_OBMALLOC, size, random, t);
	case OBM_B_KMEM_CACHE:
		return obm_bench_batch_loop(b, OBM_B_KMEM_CACHE, size, random, t);
	default:
		return obm_bench_batch_loop(b, OBM_B_KMALLOC, size, random, t);
	}
}

static noinline int obm_bench_mixed_run(struct obm_bench *b, int a,
					struct obm_bench_time *t)
{
	int ret;

	if (a == OBM_B_OBMALLOC) {
		ret = obm_bench_mixed_fill(b, OBM_B_OBMALLOC);
		return ret ?: obm_bench_mixed_loop(b, OBM_B_OBMALLOC, t);
	}
	ret = obm_bench_mixed_fill(b, OBM_B_KMALLOC);
	return ret ?: obm_bench_mixed_loop(b, OBM_B_KMALLOC, t);
}

enum obm_bench_timed { OBM_T_PAIR, OBM_T_LIFO, OBM_T_RANDOM };

/* Rounds of a timed scenario: only_rounds for the only= one. */
static unsigned int obm_bench_rounds;

/* One timed scenario, every allocator once per round, order rotating. */
static int obm_bench_timed(struct obm_bench *b, enum obm_bench_timed what,
			   unsigned int size)
{
	static const char * const orders[] = { "-", "lifo", "random" };
	u64 ops = what == OBM_T_PAIR ? pair_loops : (u64)batch * batch_reps;
	struct obm_bench_time t;
	unsigned int round, k;
	int ret;

	for (round = 0; round < obm_bench_rounds; round++) {
		for (k = 0; k < OBM_B_NR; k++) {
			int a = (round + k) % OBM_B_NR;

			if (debug_cost && a != OBM_B_OBMALLOC)
				continue;
			if (what == OBM_T_PAIR)
				ret = obm_bench_pair_run(b, a, size, &t);
			else
				ret = obm_bench_batch_run(b, a, size,
							  what == OBM_T_RANDOM, &t);
			if (ret)
				return ret;
			obm_bench_report(what == OBM_T_PAIR ? "pair" : "batch",
					 orders[what], size, a, round, ops, &t);
		}
	}
	return 0;
}

/* Pages the bench heap holds (pages_held); with @dump, its stats too. */
static long obm_bench_heap_pages(bool dump)
{
	char *text = obm_bench_heap_stats("bench");
	char *rest, *line;
	long pages;

	if (IS_ERR(text))
		return PTR_ERR(text);
	pages = obm_bench_stat_find(text, "pages_held");
	rest = text;
	while (dump && (line = strsep(&rest, "\n")) && *line)
		pr_info("obm-bench: %sstats %s\n", obm_bench_tag, line);
	kfree(text);
	return pages;
}

static long obm_bench_pages(int a, bool dump)
{
	return a == OBM_B_OBMALLOC ? obm_bench_heap_pages(dump) :
				     obm_bench_slab_pages();
}

static int obm_bench_mixed(struct obm_bench *b)
{
	long before, pages[OBM_B_NR] = { 0 };
	struct obm_bench_time t;
	unsigned int round, k;
	int ret = 0;

	for (round = 0; round < rounds; round++) {
		for (k = 0; k < 2; k++) {
			int a = (round + k) % 2 ? OBM_B_KMALLOC : OBM_B_OBMALLOC;

			if (debug_cost && a != OBM_B_OBMALLOC)
				continue;
			before = a == OBM_B_KMALLOC ? obm_bench_slab_pages() : 0;
			ret = obm_bench_mixed_run(b, a, &t);
			if (!ret) {
				obm_bench_report("mixed", "-", 512, a, round,
						 replacements, &t);
				pages[a] = obm_bench_pages(a, round == rounds - 1) - before;
				/* obmalloc's stats unreadable: no figure at all. */
				if (a == OBM_B_OBMALLOC && pages[a] < 0)
					ret = pages[a];
			}
			obm_bench_free_all(b, a, live);
			if (ret)
				return ret;
		}
	}
	/* The steady state after the replacements of the last round. */
	if (!debug_cost)
		pr_info("obm-bench: footprint uniform kmalloc %ld\n",
			pages[OBM_B_KMALLOC]);
	pr_info("obm-bench: %sfootprint uniform obmalloc %ld\n", obm_bench_tag,
		pages[OBM_B_OBMALLOC]);
	return 0;
}

/* `live` objects of 264 bytes, held at once, in each allocator. */
static int obm_bench_footprint_264(struct obm_bench *b)
{
	unsigned int a, i;
	long before, pages;

	for (a = 0; a < OBM_B_NR; a++) {
		before = a == OBM_B_OBMALLOC ? 0 : obm_bench_slab_pages();
		for (i = 0; i < live; i++) {
			b->objs[i] = obm_bench_alloc(b, a, 264);
			if (!b->objs[i]) {
				obm_bench_free_all(b, a, i);
				return -ENOMEM;
			}
		}
		pages = obm_bench_pages(a, false) - before;
		obm_bench_free_all(b, a, live);
		if (a == OBM_B_OBMALLOC && pages < 0)
			return pages;
		pr_info("obm-bench: footprint 264 %s %ld\n", obm_bench_names[a],
			pages);
	}
	return 0;
}

static int obm_bench_prepare(struct obm_bench *b)
{
	unsigned int n = max(batch, live), i;
	struct rnd_state rnd;

	b->objs = vzalloc(array_size(n, sizeof(void *)));
	b->perm = vmalloc(array_size(batch, sizeof(u32)));
	b->slots = vmalloc(array_size(replacements, sizeof(u32)));
	b->new_sizes = vmalloc(array_size(replacements, sizeof(u16)));
	b->live_sizes = vmalloc(array_size(live, sizeof(u16)));
	if (!b->objs || !b->perm || !b->slots || !b->new_sizes || !b->live_sizes)
		return -ENOMEM;

	/* Fixed seed: every allocator and every run sees the same sequence. */
	prandom_seed_state(&rnd, 0x0b3a110c);
	for (i = 0; i < batch; i++)
		b->perm[i] = i;
	for (i = batch - 1; i > 0; i--) {
		/* swap() evaluates its arguments twice: draw the index first. */
		unsigned int j = prandom_u32_state(&rnd) % (i + 1);

		swap(b->perm[i], b->perm[j]);
	}
	for (i = 0; i < live; i++)
		b->live_sizes[i] = 1 + prandom_u32_state(&rnd) % OBM_SMALL_MAX;
	for (i = 0; i < replacements; i++) {
		b->slots[i] = prandom_u32_state(&rnd) % live;
		b->new_sizes[i] = 1 + prandom_u32_state(&rnd) % OBM_SMALL_MAX;
	}
	return 0;
}

static void obm_bench_cleanup(struct obm_bench *b)
{
	vfree(b->objs);
	vfree(b->perm);
	vfree(b->slots);
	vfree(b->new_sizes);
	vfree(b->live_sizes);
}

/* A debug heap against the plain one of the run before: pair and mixed. */
static int obm_bench_debug_cost(struct obm_bench *b)
{
	static const unsigned int sizes[] = { 8, 64, 256, 264 };
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		ret = obm_bench_timed(b, OBM_T_PAIR, sizes[i]);
		if (ret)
			return ret;
	}
	return obm_bench_mixed(b);
}

/* What only= names: the scenario (enum obm_bench_timed) and its size. */
static int obm_bench_only_what;
static unsigned int obm_bench_only_size;

/* The only= scenario, on lines tagged "only" between two marks. */
static int obm_bench_only(struct obm_bench *b)
{
	int ret;

	strscpy(obm_bench_tag, "only ", sizeof(obm_bench_tag));
	obm_bench_rounds = only_rounds ?: rounds;
	pr_info("obm-bench: only begins\n");
	ret = obm_bench_timed(b, obm_bench_only_what, obm_bench_only_size);
	pr_info("obm-bench: only ends\n");
	return ret;
}

/*
 * The scenarios of one size in make bench's order; where only= names
 * this size (@here), those before its scenario (none if @alone), then it,
 * and no more.
 */
static int obm_bench_size(struct obm_bench *b, unsigned int size, bool here,
			  bool alone)
{
	int what, ret = 0;

	b->cache = kmem_cache_create("obm_bench", size, 0, SLAB_NO_MERGE, NULL);
	if (!b->cache)
		return -ENOMEM;
	for (what = OBM_T_PAIR; what <= OBM_T_RANDOM && !ret; what++) {
		if (here && what == obm_bench_only_what) {
			ret = obm_bench_only(b);
			break;
		}
		if (!alone)
			ret = obm_bench_timed(b, what, size);
	}
	if (!ret && !here && size == 264)
		ret = obm_bench_footprint_264(b);
	kmem_cache_destroy(b->cache);
	b->cache = NULL;
	return ret;
}

/*
 * make bench's sequence. With only=, that scenario alone in a fresh boot
 * or, with prelude, in the state make bench leaves for it: everything
 * before it runs first, and nothing after it.
 */
static int obm_bench_run(struct obm_bench *b)
{
	unsigned int i;
	int ret;

	if (debug_cost)
		return obm_bench_debug_cost(b);
	if (only && !prelude)
		return obm_bench_size(b, obm_bench_only_size, true, true);
	for (i = 0; i < ARRAY_SIZE(obm_bench_sizes); i++) {
		bool here = only && obm_bench_sizes[i] == obm_bench_only_size;

		ret = obm_bench_size(b, obm_bench_sizes[i], here, false);
		if (ret || here)
			return ret;
	}
	return obm_bench_mixed(b);
}

/* Check only=ORDER:SIZE and note what it names; 0 or -EINVAL. */
static int obm_bench_parse_only(void)
{
	static const char * const names[] = {
		[OBM_T_PAIR] = "pair", [OBM_T_LIFO] = "lifo",
		[OBM_T_RANDOM] = "random",
	};
	unsigned int size, i;
	char name[8];
	int what;

	if (sscanf(only, "%7[^:]:%u", name, &size) != 2 || !size ||
	    size > OBM_SMALL_MAX)
		goto bad;
	what = match_string(names, ARRAY_SIZE(names), name);
	if (what < 0 || debug_cost)
		goto bad;
	for (i = 0; prelude && i < ARRAY_SIZE(obm_bench_sizes); i++)
		if (obm_bench_sizes[i] == size)
			break;
	if (prelude && i == ARRAY_SIZE(obm_bench_sizes))
		goto bad;
	obm_bench_only_what = what;
	obm_bench_only_size = size;
	return 0;
bad:
	pr_err("obm-bench: only=%s: not pair, lifo or random:SIZE (1..%u; with prelude=1 a size the benchmark runs; not with debug_cost=)\n",
	       only, OBM_SMALL_MAX);
	return -EINVAL;
}

static struct obm_bench obm_bench_state;
static DECLARE_COMPLETION(obm_bench_done);

static int obm_bench_thread(void *arg)
{
	struct obm_bench *b = arg;

	b->error = obm_bench_prepare(b);
	if (!b->error)
		b->error = obm_bench_run(b);
	obm_bench_cleanup(b);
	complete(&obm_bench_done);
	return 0;
}

static int __init obm_bench_init(void)
{
	struct obm_bench *b = &obm_bench_state;
	struct task_struct *task;

	if (!batch || !live || !rounds || cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -EINVAL;
	obm_bench_rounds = rounds;
	if (only && obm_bench_parse_only())
		return -EINVAL;
	if (debug_cost)
		snprintf(obm_bench_tag, sizeof(obm_bench_tag), "debug %s ",
			 debug_cost);
	b->heap = obm_heap_create("bench");
	if (IS_ERR(b->heap))
		return PTR_ERR(b->heap);
	task = kthread_create(obm_bench_thread, b, "obm_bench");
	if (IS_ERR(task)) {
		obm_heap_destroy(b->heap);
		return PTR_ERR(task);
	}
	kthread_bind(task, cpu);
	wake_up_process(task);
	wait_for_completion(&obm_bench_done);
	obm_heap_destroy(b->heap);
	if (b->error)
		pr_err("obm-bench: failed: %d\n", b->error);
	else
		pr_info("obm-bench: done\n");
	return b->error;
}

static void __exit obm_bench_exit(void)
{
}

module_init(obm_bench_init);
module_exit(obm_bench_exit);

MODULE_DESCRIPTION("obmalloc benchmark against kmalloc and kmem_cache");
MODULE_LICENSE("GPL");
