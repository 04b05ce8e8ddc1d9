// SPDX-License-Identifier: GPL-2.0
/*
 * obm_replay - replay a recorded allocation trace through obmalloc, a
 * kmem_buckets set and kmalloc, for the pages each holds and the time
 * each takes.
 *
 * The traces are real kmalloc() requests of 1..512 bytes and their
 * kfree()s, recorded on Debian's 6.12 (tools/bench/traces/record).
 * tools/bench/uml/run turns each into a binary file of 32-bit records
 * (to_binary.py), after a header of three: the magic "OBMT", the record
 * count and the number of object ids:
 *
 *   allocation  (bytes << 20) | id      bytes 1..512, id < 2^20
 *   free        (1 << 31) | id
 *
 * At load, in a kthread bound to `cpu`, each allocator replays the whole
 * trace `rounds` times, in the same order and with the same sizes, and
 * frees what is still live at the end:
 *
 *   obmalloc      a private heap, created at load, used by every round
 *   kmem_buckets  a fresh set from kmem_buckets_create() each round (the
 *                 kernel's own peer of a private heap: a private set of
 *                 kmalloc size classes), destroyed after it; kmalloc's
 *                 caches where CONFIG_SLAB_BUCKETS is off, so then it is
 *                 left out, as on kernels before 6.11
 *   kmalloc       the kernel's shared caches
 *
 * Every 1/256 of the trace the clock stops and the pages the allocator
 * holds are read: obmalloc's from its heap's stats (pages_held: its pools
 * and the empty pools it keeps), the others' as the rise of the node's
 * unreclaimable slab pages since the round began (after
 * /proc/sys/vm/stat_refresh; for kmem_buckets, since its set was made).
 * The peak and the mean of those samples, with operations as the time
 * axis, are the trace's footprint. kmalloc's caches are shared with the
 * rest of the kernel, so a small live set can sit in their partly used
 * slabs and raise that count by nothing; so the pages under the live
 * objects are counted too, at the same moments: the distinct slabs (all
 * their pages) or pools the live objects lie in.
 *
 * Output, parsed by tools/bench/report.py:
 *   obm-replay: result <trace> <allocator> <round> <ops> <ns> <peak pages>
 *               <mean pages> <peak pages under live objects> <mean ...>
 *   obm-replay: done
 * <allocator> is obmalloc, kmem_buckets or kmalloc.
 */

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>
#include <obmalloc.h>

#include "obm_bench_util.h"

static char *trace;
module_param(trace, charp, 0444);
MODULE_PARM_DESC(trace, "Path of the binary trace to replay");
static char *name = "trace";
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "The trace's name in the output");
static unsigned int rounds = 3;
module_param(rounds, uint, 0444);
static unsigned int cpu;
module_param(cpu, uint, 0444);
MODULE_PARM_DESC(cpu, "CPU the replay thread is bound to");

#define OBM_REPLAY_MAGIC	0x544d424f	/* "OBMT", little-endian */
#define OBM_REPLAY_FREE		BIT(31)
#define OBM_REPLAY_ID_MASK	(BIT(20) - 1)
#define OBM_REPLAY_SAMPLES	256
#define OBM_REPLAY_HEAP		"replay"

enum obm_replay_alloc {
	OBM_R_OBMALLOC, OBM_R_KMEM_BUCKETS, OBM_R_KMALLOC, OBM_R_NR
};

/* A page (or slab) under a live object, and how many pages it spans. */
struct obm_replay_page {
	unsigned long pfn;
	unsigned long nr;
};

static const char * const obm_replay_names[OBM_R_NR] = {
	"obmalloc", "kmem_buckets", "kmalloc",
};

struct obm_replay {
	struct obm_heap *heap;
#ifdef OBM_HAVE_KMEM_BUCKETS
	void *buckets;		/* this round's kmem_buckets * */
#endif
	u32 *ops;
	u32 nr_ops;
	u32 nr_ids;
	void **objs;
	struct obm_replay_page *pages;	/* scratch, one per id */
	int error;
};

/* The whole file into a vmalloc()ed buffer; its length in *len. */
static void *obm_replay_read(const char *path, size_t *len)
{
	struct file *f = filp_open(path, O_RDONLY, 0);
	loff_t size, pos = 0;
	void *buf;
	ssize_t n;

	if (IS_ERR(f))
		return ERR_CAST(f);
	size = i_size_read(file_inode(f));
	buf = size > 0 ? vmalloc(size) : NULL;
	if (!buf) {
		filp_close(f, NULL);
		return ERR_PTR(-ENOMEM);
	}
	n = kernel_read(f, buf, size, &pos);
	filp_close(f, NULL);
	if (n != size) {
		vfree(buf);
		return ERR_PTR(n < 0 ? n : -EIO);
	}
	*len = size;
	return buf;
}

/* Check the header and every record against it. */
static int obm_replay_load(struct obm_replay *r)
{
	size_t len;
	u32 *buf = obm_replay_read(trace, &len);
	u32 i;

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	if (len < 3 * sizeof(u32) || buf[0] != OBM_REPLAY_MAGIC ||
	    len != (3 + (size_t)buf[1]) * sizeof(u32) ||
	    buf[2] > OBM_REPLAY_ID_MASK + 1)
		goto bad;
	r->nr_ops = buf[1];
	r->nr_ids = buf[2];
	r->ops = buf;
	for (i = 0; i < r->nr_ops; i++) {
		u32 op = buf[3 + i], size = op >> 20;

		if ((op & OBM_REPLAY_ID_MASK) >= r->nr_ids ||
		    (!(op & OBM_REPLAY_FREE) && (!size || size > OBM_SMALL_MAX)))
			goto bad;
	}
	r->objs = vzalloc(array_size(r->nr_ids, sizeof(void *)));
	r->pages = vmalloc(array_size(r->nr_ids, sizeof(*r->pages)));
	return r->objs && r->pages ? 0 : -ENOMEM;
bad:
	pr_err("obm-replay: %s: not a trace file\n", trace);
	vfree(buf);
	r->ops = NULL;
	return -EINVAL;
}

static int obm_replay_page_cmp(const void *a, const void *b)
{
	const struct obm_replay_page *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/* Pages of the distinct pools (obmalloc) or slabs (the others) under live objects. */
static long obm_replay_pages_under(struct obm_replay *r, int a)
{
	unsigned long n = 0, i, pages = 0;
	u32 id;

	for (id = 0; id < r->nr_ids; id++) {
		struct folio *folio;

		if (!r->objs[id])
			continue;
		if (a == OBM_R_OBMALLOC) {
			r->pages[n].pfn = PHYS_PFN(__pa(r->objs[id]));
			r->pages[n].nr = 1;	/* a pool is a page */
		} else {
			folio = virt_to_folio(r->objs[id]);
			r->pages[n].pfn = folio_pfn(folio);
			r->pages[n].nr = folio_nr_pages(folio);
		}
		n++;
	}
	sort(r->pages, n, sizeof(*r->pages), obm_replay_page_cmp, NULL);
	for (i = 0; i < n; i++)
		if (!i || r->pages[i].pfn != r->pages[i - 1].pfn)
			pages += r->pages[i].nr;
	return pages;
}

static __always_inline void *obm_replay_alloc(struct obm_replay *r, int a,
					      size_t size)
{
	if (a == OBM_R_OBMALLOC)
		return obm_heap_alloc(r->heap, size, GFP_KERNEL);
#ifdef OBM_HAVE_KMEM_BUCKETS
	if (a == OBM_R_KMEM_BUCKETS)
		return kmem_buckets_alloc(r->buckets, size, GFP_KERNEL);
#endif
	return kmalloc(size, GFP_KERNEL);
}

static __always_inline void obm_replay_free(int a, void *p)
{
	if (a == OBM_R_OBMALLOC)
		obm_free(p);
	else
		kfree(p);	/* kmem_buckets' objects too */
}

/* Records [from, to): the allocator is a constant in each copy. */
static __always_inline int obm_replay_span(struct obm_replay *r, int a,
					   u32 from, u32 to)
{
	u32 i;

	for (i = from; i < to; i++) {
		u32 op = r->ops[3 + i], id = op & OBM_REPLAY_ID_MASK;

		if (op & OBM_REPLAY_FREE) {
			obm_replay_free(a, r->objs[id]);
			r->objs[id] = NULL;
		} else {
			r->objs[id] = obm_replay_alloc(r, a, op >> 20);
			if (!r->objs[id])
				return -ENOMEM;
		}
	}
	return 0;
}

static noinline int obm_replay_span_obmalloc(struct obm_replay *r, u32 from,
					     u32 to)
{
	return obm_replay_span(r, OBM_R_OBMALLOC, from, to);
}

static noinline int obm_replay_span_kmem_buckets(struct obm_replay *r,
						 u32 from, u32 to)
{
	return obm_replay_span(r, OBM_R_KMEM_BUCKETS, from, to);
}

static noinline int obm_replay_span_kmalloc(struct obm_replay *r, u32 from,
					    u32 to)
{
	return obm_replay_span(r, OBM_R_KMALLOC, from, to);
}

static int obm_replay_span_of(struct obm_replay *r, int a, u32 from, u32 to)
{
	switch (a) {
	case OBM_R_OBMALLOC:
		return obm_replay_span_obmalloc(r, from, to);
	case OBM_R_KMEM_BUCKETS:
		return obm_replay_span_kmem_buckets(r, from, to);
	default:
		return obm_replay_span_kmalloc(r, from, to);
	}
}

/* The pages the allocator holds now; @base: the slab pages at its start. */
static long obm_replay_held(int a, long base)
{
	if (a == OBM_R_OBMALLOC)
		return obm_bench_heap_stat(OBM_REPLAY_HEAP, "pages_held");
	return obm_bench_slab_pages() - base;
}

/*
 * A fresh kmem_buckets set for a round: 1 if made, 0 if this kernel has
 * none (kmem_buckets_create() absent, or CONFIG_SLAB_BUCKETS off, when
 * its allocations would be kmalloc's), or a negative errno.
 */
static int obm_replay_buckets_make(struct obm_replay *r, unsigned int round)
{
#ifdef OBM_HAVE_KMEM_BUCKETS
	char prefix[48];

	snprintf(prefix, sizeof(prefix), "obm_replay_%s_%u", name, round);
	r->buckets = kmem_buckets_create(prefix, 0, 0, 0, NULL);
	if (!r->buckets)
		return -ENOMEM;
	if (r->buckets != ZERO_SIZE_PTR)
		return 1;
	r->buckets = NULL;
#endif
	pr_info_once("obm-replay: no kmem_buckets in this kernel: left out\n");
	return 0;
}

static void obm_replay_buckets_destroy(struct obm_replay *r)
{
#ifdef OBM_HAVE_KMEM_BUCKETS
	obm_bench_buckets_destroy(r->buckets);
	r->buckets = NULL;
#endif
}

static void obm_replay_free_all(struct obm_replay *r, int a)
{
	u32 id;

	for (id = 0; id < r->nr_ids; id++) {
		if (r->objs[id])
			obm_replay_free(a, r->objs[id]);
		r->objs[id] = NULL;
	}
}

static int obm_replay_round(struct obm_replay *r, int a, unsigned int round)
{
	long pages, peak = 0, sum = 0, under, under_peak = 0, under_sum = 0;
	unsigned int s;
	long base = 0;
	u64 ns = 0;
	int ret = 0;

	if (a == OBM_R_KMEM_BUCKETS) {
		ret = obm_replay_buckets_make(r, round);
		if (ret <= 0)
			return ret;
		ret = 0;
	}
	/* After the set is made: its caches' own structs are not its pages. */
	if (a != OBM_R_OBMALLOC)
		base = obm_bench_slab_pages();
	for (s = 0; s < OBM_REPLAY_SAMPLES && !ret; s++) {
		u32 from = div_u64((u64)r->nr_ops * s, OBM_REPLAY_SAMPLES);
		u32 to = div_u64((u64)r->nr_ops * (s + 1), OBM_REPLAY_SAMPLES);
		u64 start = ktime_get_ns();

		ret = obm_replay_span_of(r, a, from, to);
		ns += ktime_get_ns() - start;
		pages = obm_replay_held(a, base);
		if (a == OBM_R_OBMALLOC && pages < 0 && !ret)
			ret = pages;	/* its stats unreadable */
		peak = max(peak, pages);
		sum += pages;
		under = obm_replay_pages_under(r, a);
		under_peak = max(under_peak, under);
		under_sum += under;
	}
	obm_replay_free_all(r, a);
	if (a == OBM_R_KMEM_BUCKETS)
		obm_replay_buckets_destroy(r);
	if (ret)
		return ret;
	pr_info("obm-replay: result %s %s %u %u %llu %ld %ld %ld %ld\n", name,
		obm_replay_names[a], round, r->nr_ops, ns, peak,
		sum / OBM_REPLAY_SAMPLES, under_peak,
		under_sum / OBM_REPLAY_SAMPLES);
	return 0;
}

static int obm_replay_run(struct obm_replay *r)
{
	unsigned int round, k;
	int ret;

	for (round = 0; round < rounds; round++) {
		for (k = 0; k < OBM_R_NR; k++) {
			ret = obm_replay_round(r, (round + k) % OBM_R_NR, round);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static struct obm_replay obm_replay_state;
static DECLARE_COMPLETION(obm_replay_done);

static int obm_replay_thread(void *arg)
{
	struct obm_replay *r = arg;

	r->error = obm_replay_run(r);
	complete(&obm_replay_done);
	return 0;
}

static int __init obm_replay_init(void)
{
	struct obm_replay *r = &obm_replay_state;
	struct task_struct *task;
	int ret;

	if (!trace || !rounds || cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -EINVAL;
	ret = obm_replay_load(r);
	if (ret)
		goto out;
	r->heap = obm_heap_create(OBM_REPLAY_HEAP);
	if (IS_ERR(r->heap)) {
		ret = PTR_ERR(r->heap);
		goto out;
	}
	task = kthread_create(obm_replay_thread, r, "obm_replay");
	if (IS_ERR(task)) {
		ret = PTR_ERR(task);
		goto destroy;
	}
	kthread_bind(task, cpu);
	wake_up_process(task);
	wait_for_completion(&obm_replay_done);
	ret = r->error;
	if (!ret)
		pr_info("obm-replay: done\n");
destroy:
	obm_heap_destroy(r->heap);
out:
	vfree(r->ops);
	vfree(r->objs);
	vfree(r->pages);
	if (ret)
		pr_err("obm-replay: %s failed: %d\n", name, ret);
	return ret;
}

static void __exit obm_replay_exit(void)
{
}

module_init(obm_replay_init);
module_exit(obm_replay_exit);

MODULE_DESCRIPTION("obmalloc: replay a recorded kmalloc trace through obmalloc, kmem_buckets and kmalloc");
MODULE_LICENSE("GPL");
