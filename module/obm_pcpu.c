// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc per-CPU magazines: the slow paths behind obm_mag_pop() and
 * obm_free_fast() (obm_fastpath.h), and draining.
 *
 * A heap has, per CPU, a magazine per size class: a stack of free blocks
 * of the CPU's node. The common allocation pops one, the common free
 * pushes one, under one per-CPU lock shared by every heap (obm_cpu.lock),
 * taken before the free resolves its pointer so that its irq-off section
 * is also the lookup's RCU read-side section. An empty magazine is
 * refilled with half a magazine from one pool under the class lock; a
 * full one flushes its oldest half back.
 *
 *   heap->caches (alloc_percpu, one pointer per possible CPU)
 *     -> struct obm_cpu_cache, on the CPU's first allocation from the heap
 *          mags[class] -> struct obm_mag, on its first allocation of the
 *                         class: count, cap, counters, slots[cap]
 *
 * Until then they are obm_cc_none and obm_mag_none, read-only stand-ins
 * with nothing in them and no room, so that the fast path follows two
 * pointers and tests none; only the slow paths tell them apart.
 *
 * A magazine holds about 2 KiB of blocks, 8 to 61 of them, so that it
 * fits a 512-byte kmalloc bucket: small blocks get the most blocks per
 * lock round trip; big ones few, as blocks parked on a CPU are memory
 * no other CPU can use. Magazines are allocated with the caller's gfp
 * flags, with the lock dropped; if that fails, the one block comes
 * straight from its pool. A free on a CPU without the magazine, or of a
 * block of another node, goes straight to its pool: a free has no flags to
 * allocate with, and a magazine holds only its CPU's node's blocks.
 *
 * Contexts (kernel/bpf/memalloc.c's terms): obm_pcpu_alloc() and
 * obm_pcpu_free() run in any context, never sleep under the lock, and
 * allocate only with it dropped; obm_heap_drain() runs in process context
 * and empties other CPUs' magazines from per-CPU work items on a
 * WQ_MEM_RECLAIM workqueue, as SLUB's flush_all() does, so nothing runs in
 * hard interrupt context and the lock may sleep on PREEMPT_RT;
 * obm_pcpu_drain_dead() runs in the CPU hotplug "dead" callback, when
 * nothing runs on the dead CPU.
 *
 * Accounting: a block in a magazine is in use as far as its pool is
 * concerned; the statistics show it as cached, apart.
 */

#define pr_fmt(fmt) "obmalloc: " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "obm_fastpath.h"

#define OBM_MAG_BYTES	2048
#define OBM_MAG_MIN	8
/* struct obm_mag with this many slots is 512 bytes. */
#define OBM_MAG_MAX	61

DEFINE_PER_CPU(struct obm_cpu, obm_cpu) = {
	.lock = INIT_LOCAL_LOCK(lock),
};

DEFINE_STATIC_KEY_FALSE(obm_numa_key);

/*
 * count == cap == 0: every pop finds it empty, every push full. Exported
 * for tools/bench/profile, which tells a CPU's first allocation by them.
 */
struct obm_mag obm_mag_none __ro_after_init;
EXPORT_SYMBOL_NS_GPL(obm_mag_none, OBM_NS_INTERNAL);

struct obm_cpu_cache obm_cc_none __ro_after_init = {
	.mags = { [0 ... OBM_NR_CLASSES - 1] = &obm_mag_none },
};
EXPORT_SYMBOL_NS_GPL(obm_cc_none, OBM_NS_INTERNAL);

/* Serialises drains: one work item per CPU serves every heap. */
static DEFINE_MUTEX(obm_drain_lock);
static struct workqueue_struct *obm_drain_wq;
static unsigned int obm_mag_cap[OBM_NR_CLASSES];

static void obm_pcpu_drain_work(struct work_struct *work);

/**
 * obm_pcpu_init() - Size the magazines; create the drain workqueue.
 *
 * Return: 0 or -ENOMEM.
 */
int obm_pcpu_init(void)
{
	unsigned int i, cpu;

	for (i = 0; i < OBM_NR_CLASSES; i++)
		obm_mag_cap[i] = clamp_t(unsigned int,
					 OBM_MAG_BYTES / obm_class_size(i),
					 OBM_MAG_MIN, OBM_MAG_MAX);
	for_each_possible_cpu(cpu)
		INIT_WORK(&per_cpu_ptr(&obm_cpu, cpu)->drain_work,
			  obm_pcpu_drain_work);
	if (nr_node_ids > 1)
		static_branch_enable(&obm_numa_key);
	obm_drain_wq = alloc_workqueue("obmalloc_drain",
				       WQ_MEM_RECLAIM | OBM_WQ_PERCPU, 0);
	return obm_drain_wq ? 0 : -ENOMEM;
}

/**
 * obm_pcpu_exit() - Destroy the drain workqueue.
 */
void obm_pcpu_exit(void)
{
	destroy_workqueue(obm_drain_wq);
}

/**
 * obm_mag_capacity() - Blocks a magazine of a class holds.
 * @class_idx: The class.
 *
 * Return: The capacity.
 */
unsigned int obm_mag_capacity(unsigned int class_idx)
{
	return obm_mag_cap[class_idx];
}

/**
 * obm_mag_batch() - Blocks moved by one refill or flush of a class.
 * @class_idx: The class.
 *
 * Return: Half the magazine.
 */
unsigned int obm_mag_batch(unsigned int class_idx)
{
	return obm_mag_cap[class_idx] / 2;
}

static size_t obm_mag_size(unsigned int class_idx)
{
	return struct_size_t(struct obm_mag, slots, obm_mag_cap[class_idx]);
}

/**
 * obm_pcpu_heap_init() - Give a heap its per-CPU pointers.
 * @heap: The heap.
 *
 * Context: Process context; sleeps.
 * Return: 0 or -ENOMEM.
 */
int obm_pcpu_heap_init(struct obm_heap *heap)
{
	unsigned int cpu;

	heap->caches = alloc_percpu(struct obm_cpu_cache *);
	if (!heap->caches)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct obm_cpu_cache **cc = per_cpu_ptr(heap->caches, cpu);

		*cc = &obm_cc_none;
	}
	return 0;
}

/**
 * obm_pcpu_heap_exit() - Free a heap's magazines.
 * @heap: The heap; its magazines are empty and no CPU uses them.
 *
 * Context: Process context.
 */
void obm_pcpu_heap_exit(struct obm_heap *heap)
{
	unsigned int cpu, i;

	for_each_possible_cpu(cpu) {
		struct obm_cpu_cache *cc = *per_cpu_ptr(heap->caches, cpu);

		if (cc == &obm_cc_none)
			continue;
		for (i = 0; i < OBM_NR_CLASSES; i++)
			if (cc->mags[i] != &obm_mag_none)
				kfree(cc->mags[i]);
		kfree(cc);
	}
	free_percpu(heap->caches);
}

/* Optional memory: never __GFP_NOFAIL, never a warning. */
static gfp_t obm_pcpu_gfp(gfp_t gfp)
{
	return (gfp & ~__GFP_NOFAIL) | __GFP_NOWARN;
}

/*
 * This CPU has no cache for @heap, or none for @class_idx: allocate it
 * with @gfp and no lock held, and install it unless the CPU we end up on
 * got one meanwhile. Returns false if there was no memory for it.
 */
static noinline bool obm_pcpu_add(struct obm_heap *heap,
				  unsigned int class_idx, gfp_t gfp,
				  bool whole_cache)
{
	struct obm_cpu_cache *cc, *new_cc = NULL;
	struct obm_mag *mag = NULL;
	unsigned long flags;
	unsigned int i;

	if (whole_cache) {
		new_cc = kzalloc_node(sizeof(*new_cc), obm_pcpu_gfp(gfp),
				      numa_mem_id());
		if (!new_cc)
			return false;
		for (i = 0; i < OBM_NR_CLASSES; i++)
			new_cc->mags[i] = &obm_mag_none;
	} else {
		mag = kmalloc_node(obm_mag_size(class_idx), obm_pcpu_gfp(gfp),
				   numa_mem_id());
		if (!mag)
			return false;
		mag->count = 0;
		mag->cap = obm_mag_cap[class_idx];
		mag->allocs = 0;
		mag->frees = 0;
	}
	local_lock_irqsave(&obm_cpu.lock, flags);
	cc = this_cpu_read(*heap->caches);
	if (new_cc && cc == &obm_cc_none) {
		/*
		 * Its stand-in pointers before it: the statistics read other
		 * CPUs' caches without the lock and follow them untested.
		 */
		smp_store_release(this_cpu_ptr(heap->caches), new_cc);
		new_cc = NULL;
	} else if (mag && cc != &obm_cc_none &&
		   cc->mags[class_idx] == &obm_mag_none) {
		/* Its count and cap before it, for the same readers. */
		smp_store_release(&cc->mags[class_idx], mag);
		mag = NULL;
	}
	local_unlock_irqrestore(&obm_cpu.lock, flags);
	kfree(new_cc);
	kfree(mag);
	return true;
}

/* Fill this CPU's empty magazine from the pools of @nid; lock held. */
static unsigned int obm_pcpu_refill(struct obm_heap *heap,
				    struct obm_cpu_cache *cc,
				    struct obm_mag *mag, int nid,
				    unsigned int class_idx)
{
	unsigned int n, i;

	obm_assert_cpu_locked();
	n = obm_pool_take_blocks(heap, nid, class_idx, mag->slots,
				 obm_mag_batch(class_idx));
	/* Taken in address order: reverse, so the first pops first. */
	for (i = 0; i < n / 2; i++)
		swap(mag->slots[i], mag->slots[n - 1 - i]);
	mag->count = n;
	if (n)
		cc->refills++;
	return n;
}

/**
 * obm_pcpu_alloc() - An allocation whose magazine had nothing.
 * @heap: The heap.
 * @class_idx: The class.
 * @gfp: The caller's flags without __GFP_ZERO, for this CPU's magazine,
 *       the class and the set's next arena, whichever is missing.
 *
 * Refills the magazine from the pools; allocates, with the lock dropped,
 * what the refill needs and is not there yet; tries again.
 *
 * Context: Any; sleeps only if @gfp allows, never with a lock held.
 * Return: A block, or NULL if memory could not be had.
 */
void *obm_pcpu_alloc(struct obm_heap *heap, unsigned int class_idx, gfp_t gfp)
{
	struct obm_cpu_cache *cc;
	struct obm_mag *mag;
	unsigned long flags;
	void *block;
	int nid;

	for (;;) {
		local_lock_irqsave(&obm_cpu.lock, flags);
		nid = numa_mem_id();
		cc = this_cpu_read(*heap->caches);
		mag = cc->mags[class_idx];
		if (mag == &obm_mag_none) {
			local_unlock_irqrestore(&obm_cpu.lock, flags);
			if (!obm_pcpu_add(heap, class_idx, gfp,
					  cc == &obm_cc_none))
				break;
			continue;
		}
		if (!mag->count && !obm_heap_class(heap, nid, class_idx)) {
			local_unlock_irqrestore(&obm_cpu.lock, flags);
			if (!obm_heap_class_get(heap, nid, class_idx, gfp))
				return NULL;
			continue;
		}
		if (mag->count || obm_pcpu_refill(heap, cc, mag, nid, class_idx)) {
			mag->allocs++;
			block = mag->slots[--mag->count];
			local_unlock_irqrestore(&obm_cpu.lock, flags);
			return block;
		}
		local_unlock_irqrestore(&obm_cpu.lock, flags);
		if (obm_heap_grow(heap, nid, gfp))
			return NULL;
	}
	/* No memory for a magazine: this block comes straight from a pool. */
	nid = numa_mem_id();
	for (;;) {
		if (!obm_heap_class_get(heap, nid, class_idx, gfp))
			return NULL;
		if (obm_pool_take_blocks(heap, nid, class_idx, &block, 1))
			return block;
		if (obm_heap_grow(heap, nid, gfp))
			return NULL;
	}
}

/**
 * obm_pcpu_free() - A free of a heap with magazines that obm_free_fast()
 *                   did not take.
 * @heap: The block's heap.
 * @pool: Its pool.
 * @class_idx: Its class.
 * @block: A block obm_ptr_resolve() found to be a live block start.
 *
 * A full magazine flushes its oldest half to the pools first; a block
 * already on top of the magazine is a double free, reported; a CPU
 * without the magazine, or a block of another node, frees to the pool.
 *
 * Context: obm_cpu.lock held (the caller resolved @block under it).
 */
void obm_pcpu_free(struct obm_heap *heap, struct obm_pool *pool,
		   unsigned int class_idx, void *block)
{
	struct obm_cpu_cache *cc = this_cpu_read(*heap->caches);
	struct obm_mag *mag = obm_mag_this_cpu(heap, class_idx);
	unsigned int batch;

	if (mag == &obm_mag_none ||
	    (static_branch_unlikely(&obm_numa_key) &&
	     obm_pool_arena(pool)->nid != numa_mem_id())) {
		obm_pool_free_block(heap, pool, class_idx, block, 0);
		return;
	}
	if (mag->count && mag->slots[mag->count - 1] == block) {
		obm_report_double_free(heap, class_idx, block, NULL);
		return;
	}
	obm_block_release(block, class_idx);
	if (mag->count == mag->cap) {
		batch = obm_mag_batch(class_idx);
		obm_pool_put_blocks(heap, class_idx, mag->slots, batch);
		mag->count -= batch;
		memmove(mag->slots, mag->slots + batch,
			mag->count * sizeof(*mag->slots));
		cc->flushes++;
	}
	mag->frees++;
	mag->slots[mag->count++] = block;
}

/* Give every cached block of one CPU's cache back to the pools. */
static unsigned long obm_pcpu_flush(struct obm_heap *heap,
				    struct obm_cpu_cache *cc)
{
	unsigned long flushed = 0;
	unsigned int i;

	for (i = 0; i < OBM_NR_CLASSES; i++) {
		struct obm_mag *mag = cc->mags[i];

		if (!mag->count)
			continue;
		obm_pool_put_blocks(heap, i, mag->slots, mag->count);
		flushed += mag->count;
		WRITE_ONCE(mag->count, 0);
		cc->flushes++;
	}
	return flushed;
}

/* A drain work item: this CPU empties its own magazines of one heap. */
static void obm_pcpu_drain_work(struct work_struct *work)
{
	struct obm_cpu *c = container_of(work, struct obm_cpu, drain_work);
	struct obm_cpu_cache *cc;
	unsigned long flags;

	local_lock_irqsave(&obm_cpu.lock, flags);
	/*
	 * Queued on its own CPU. Without the CPU hotplug lock (the shrinker's
	 * drains) that CPU may have gone down since, and the workqueue then
	 * runs the item elsewhere: the CPU's dead callback empties those
	 * magazines. Under the local lock this CPU cannot go down.
	 */
	if (c == this_cpu_ptr(&obm_cpu)) {
		cc = this_cpu_read(*c->drain_heap->caches);
		c->drained = obm_pcpu_flush(c->drain_heap, cc);
	}
	local_unlock_irqrestore(&obm_cpu.lock, flags);
}

/* Blocks in one CPU's magazines of a heap, read without the lock. */
static unsigned long obm_pcpu_cached(struct obm_heap *heap, unsigned int cpu)
{
	struct obm_cpu_cache *cc = READ_ONCE(*per_cpu_ptr(heap->caches, cpu));
	unsigned long cached = 0;
	unsigned int i;

	/* Stand-ins hold nothing: they add 0. */
	for (i = 0; i < OBM_NR_CLASSES; i++)
		cached += READ_ONCE(READ_ONCE(cc->mags[i])->count);
	return cached;
}

/**
 * obm_heap_drain() - Empty online CPUs' magazines of a heap.
 * @heap: The heap.
 * @nr_to_drain: Stop once this many blocks are back in their pools;
 *               ULONG_MAX drains every CPU, all at once.
 *
 * Only CPUs that hold cached blocks are asked; with a budget, one at a
 * time. With the CPU hotplug lock read-held every online CPU is drained;
 * without it (the shrinker) a CPU that goes down meanwhile is left to its
 * dead callback.
 *
 * Context: Process context, no obmalloc lock held; waits for work items.
 * Return: The number of blocks given back to the pools.
 */
unsigned long obm_heap_drain(struct obm_heap *heap, unsigned long nr_to_drain)
{
	bool all_at_once = nr_to_drain == ULONG_MAX;
	unsigned long drained = 0;
	unsigned int cpu;

	mutex_lock(&obm_drain_lock);
	for_each_online_cpu(cpu) {
		struct obm_cpu *c = per_cpu_ptr(&obm_cpu, cpu);

		c->drained = 0;
		if (!obm_pcpu_cached(heap, cpu))
			continue;
		c->drain_heap = heap;
		queue_work_on(cpu, obm_drain_wq, &c->drain_work);
		if (all_at_once)
			continue;
		flush_work(&c->drain_work);
		drained += c->drained;
		if (drained >= nr_to_drain)
			break;
	}
	if (all_at_once)
		for_each_online_cpu(cpu) {
			struct obm_cpu *c = per_cpu_ptr(&obm_cpu, cpu);

			flush_work(&c->drain_work);
			drained += c->drained;
		}
	mutex_unlock(&obm_drain_lock);
	return drained;
}

/**
 * obm_pcpu_drain_dead() - Empty the magazines of a CPU that went offline.
 * @heap: The heap.
 * @cpu: The dead CPU; nothing runs on it, so its magazines need no lock.
 *
 * Context: Process context (CPU hotplug "dead" callback).
 */
void obm_pcpu_drain_dead(struct obm_heap *heap, unsigned int cpu)
{
	obm_pcpu_flush(heap, *per_cpu_ptr(heap->caches, cpu));
}

/**
 * obm_pcpu_cached_by_class() - Blocks held in magazines, per class.
 * @heap: The heap.
 * @cached: Filled in: per class, the sum over every possible CPU.
 *
 * A lockless sum, exact when the heap is idle; callers do it before they
 * take any lock.
 */
void obm_pcpu_cached_by_class(struct obm_heap *heap,
			      unsigned long cached[OBM_NR_CLASSES])
{
	unsigned int cpu, i;

	memset(cached, 0, OBM_NR_CLASSES * sizeof(*cached));
	for_each_possible_cpu(cpu) {
		struct obm_cpu_cache *cc = READ_ONCE(*per_cpu_ptr(heap->caches, cpu));

		for (i = 0; i < OBM_NR_CLASSES; i++)
			cached[i] += READ_ONCE(READ_ONCE(cc->mags[i])->count);
	}
}

/**
 * obm_heap_cached_blocks() - Blocks of a heap held in magazines.
 * @heap: The heap.
 *
 * Return: The count, summed without locks.
 */
unsigned long obm_heap_cached_blocks(struct obm_heap *heap)
{
	unsigned long cached = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		cached += obm_pcpu_cached(heap, cpu);
	return cached;
}

/**
 * obm_pcpu_read_stats() - One CPU's magazine counters of a heap.
 * @heap: The heap.
 * @cpu: A possible CPU.
 * @st: Filled in, read without the lock.
 */
void obm_pcpu_read_stats(struct obm_heap *heap, unsigned int cpu,
			 struct obm_cpu_stats *st)
{
	struct obm_cpu_cache *cc = READ_ONCE(*per_cpu_ptr(heap->caches, cpu));
	unsigned int i;

	/* Stand-ins count nothing: they add 0. */
	memset(st, 0, sizeof(*st));
	st->refills = READ_ONCE(cc->refills);
	st->flushes = READ_ONCE(cc->flushes);
	for (i = 0; i < OBM_NR_CLASSES; i++) {
		struct obm_mag *mag = READ_ONCE(cc->mags[i]);

		st->allocs += READ_ONCE(mag->allocs);
		st->frees += READ_ONCE(mag->frees);
		st->cached += READ_ONCE(mag->count);
	}
}

/**
 * obm_pcpu_magazine_bytes() - Memory one CPU's magazines of a heap take.
 * @heap: The heap.
 * @cpu: A possible CPU.
 *
 * Return: The kmalloc bytes of its cache and magazines, 0 before the CPU's
 * first allocation from @heap.
 */
size_t obm_pcpu_magazine_bytes(struct obm_heap *heap, unsigned int cpu)
{
	struct obm_cpu_cache *cc = READ_ONCE(*per_cpu_ptr(heap->caches, cpu));
	size_t bytes;
	unsigned int i;

	if (cc == &obm_cc_none)
		return 0;
	bytes = kmalloc_size_roundup(sizeof(*cc));
	for (i = 0; i < OBM_NR_CLASSES; i++)
		if (READ_ONCE(cc->mags[i]) != &obm_mag_none)
			bytes += kmalloc_size_roundup(obm_mag_size(i));
	return bytes;
}

/**
 * obm_heap_magazine_bytes() - Memory all CPUs' magazines of a heap take.
 * @heap: The heap.
 *
 * Return: The sum of obm_pcpu_magazine_bytes() over every possible CPU.
 */
size_t obm_heap_magazine_bytes(struct obm_heap *heap)
{
	unsigned int cpu;
	size_t bytes = 0;

	for_each_possible_cpu(cpu)
		bytes += obm_pcpu_magazine_bytes(heap, cpu);
	return bytes;
}
