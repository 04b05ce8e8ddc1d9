// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc per-CPU caches: the fast path.
 * Compiled as part of obm_fastpath.c (see there), not on its own.
 *
 * Each heap has, per CPU, one magazine per size class: a stack of free
 * blocks, as SLAB's array_cache was. The common obm_alloc() pops a block
 * and the common obm_free() pushes one; neither touches a shared lock or a
 * shared cache line. An empty magazine is refilled with up to a batch of
 * blocks from one pool, under the class lock; a full one flushes its
 * oldest batch back to the pools.
 *
 *   heap->pcpu (alloc_percpu), per CPU:
 *   +------+--------+------------------------------+------------+-----------+-------+
 *   | lock | cached | allocs frees refills flushes | drain_work | count[64] | slots |
 *   +------+--------+------------------------------+------------+-----------+---|---+
 *                                                                               v
 *        kmalloc()ed on this CPU's first allocation: [class 0][class 1]...[class 63]
 *   cached: the sum of count[], kept up to date, so the shrinker and the
 *           statistics read one number per CPU, not 64;
 *   slots: class 0's magazine at obm_mag_offset[0], capacity obm_mag_cap[0];
 *          class 1's right after it, and so on; a stack, top at count[i] - 1.
 *
 * Lazy magazines. The slots, about 8 KiB, are allocated when a CPU first
 * allocates from the heap, not for every possible CPU when the heap is
 * created: distribution kernels boot with hundreds of possible CPUs, and
 * a heap that kept 8 KiB for each (measured: 8,135 bytes per CPU, 2 MiB
 * per empty heap at 256 CPUs, against SLUB's 30 bytes per CPU and cache)
 * cost more than most of its users allocate. The allocation has the
 * caller's gfp flags and no lock held: obm_pcpu_alloc() drops the local
 * lock, allocates, and installs the slots if this CPU (the task may have
 * moved) still has none. If it fails, that one block comes straight from
 * its pool. A free on a CPU without slots goes straight to the pool too
 * (obm_pcpu_free() returns false): a free has no gfp flags to allocate
 * with. The slots live until the heap is destroyed.
 *
 * Magazine sizes: a magazine holds about 2 KiB of blocks, at least 8 and at
 * most 64, and moves half of that at a time. Small blocks are the ones
 * allocated most often per byte, so they get the most blocks per lock
 * round trip (64 blocks of 8..32 bytes); big blocks get few, because a
 * 512-byte pool only has 7 and blocks parked on a CPU are memory no other
 * CPU can use. A refill takes blocks from one pool only, so a magazine's
 * blocks come out in the pool's address order and a refill never pulls a
 * second pool into use early.
 *
 * Contexts, as in kernel/bpf/memalloc.c's terms:
 *   - obm_pcpu_alloc() and obm_pcpu_free() run in any context, process,
 *     softirq or hardirq: the magazine is guarded by a local_lock taken
 *     with irqsave, so an interrupt on the same CPU cannot see it half
 *     changed. Under that lock they never sleep and never allocate; the
 *     one allocation, a CPU's first magazines, happens with the lock
 *     dropped and the caller's gfp flags, as kmalloc() would allocate.
 *   - obm_heap_drain() runs in process context (the shrinker's without
 *     the CPU hotplug lock, the others with it read-held, see there),
 *     and empties other CPUs' magazines from per-CPU work items
 *     on obmalloc's own WQ_MEM_RECLAIM workqueue, as SLUB's flush_all()
 *     does: each CPU empties its own magazines under its local_lock, in
 *     process context, so nothing runs in hard interrupt context and the
 *     locks may sleep on PREEMPT_RT. Only CPUs that hold cached blocks get
 *     a work item, and a drain with a budget (the shrinker's nr_to_scan)
 *     stops at the first CPU that meets it. obm_pcpu_drain_dead() empties
 *     an offline CPU's magazines from the CPU hotplug "dead" callback.
 *   - A block freed on another CPU than the one that allocated it simply
 *     goes into the freeing CPU's magazine: magazines hold blocks of any
 *     pool of their class.
 *
 * Accounting: a block in a magazine is still in use as far as its pool is
 * concerned (pool->ref_count, class->nr_used_blocks); the statistics count
 * it as cached, apart from the blocks callers hold.
 *
 * Lock order: the per-CPU local_lock is taken before the class lock, which
 * comes before the arena lock (see obm_internal.h).
 */

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/workqueue.h>

#include "obm_internal.h"

/* Magazine geometry, the same for every heap; set by obm_pcpu_init(). */
unsigned int obm_mag_cap[OBM_NR_CLASSES];
static unsigned int obm_mag_offset[OBM_NR_CLASSES];
static unsigned int obm_mag_slots;

#define OBM_MAG_BYTES	2048
#define OBM_MAG_MIN	8
#define OBM_MAG_MAX	64

/* Runs the drain work items; WQ_MEM_RECLAIM, as the shrinker drains. */
static struct workqueue_struct *obm_drain_wq;

/**
 * obm_pcpu_init() - Work out the magazine sizes; create the drain workqueue.
 *
 * Return: 0 or -ENOMEM.
 */
int obm_pcpu_init(void)
{
	unsigned int i, offset = 0;

	for (i = 0; i < OBM_NR_CLASSES; i++) {
		obm_mag_cap[i] = clamp_t(unsigned int,
					 OBM_MAG_BYTES / obm_class_size(i),
					 OBM_MAG_MIN, OBM_MAG_MAX);
		obm_mag_offset[i] = offset;
		offset += obm_mag_cap[i];
	}
	obm_mag_slots = offset;
	obm_drain_wq = alloc_workqueue("obmalloc_drain", WQ_MEM_RECLAIM, 0);
	return obm_drain_wq ? 0 : -ENOMEM;
}

/**
 * obm_pcpu_exit() - Destroy the drain workqueue.
 */
void obm_pcpu_exit(void)
{
	destroy_workqueue(obm_drain_wq);
}

static void obm_pcpu_drain_work(struct work_struct *work);

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

/**
 * obm_pcpu_create() - Allocate a heap's per-CPU magazines.
 * @heap: The heap.
 *
 * Context: Process context; sleeps.
 * Return: The per-CPU area, or NULL.
 */
struct obm_pcpu __percpu *obm_pcpu_create(struct obm_heap *heap)
{
	struct obm_pcpu __percpu *pcpu;
	unsigned int cpu;

	pcpu = alloc_percpu(struct obm_pcpu);
	if (!pcpu)
		return NULL;
	for_each_possible_cpu(cpu) {
		struct obm_pcpu *pc = per_cpu_ptr(pcpu, cpu);

		local_lock_init(&pc->lock);
		pc->heap = heap;
		INIT_WORK(&pc->drain_work, obm_pcpu_drain_work);
	}
	return pcpu;
}

/**
 * obm_pcpu_destroy() - Free a heap's per-CPU magazines.
 * @heap: The heap; its magazines are empty and no CPU uses them.
 *
 * Context: Process context.
 */
void obm_pcpu_destroy(struct obm_heap *heap)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		kfree(per_cpu_ptr(heap->pcpu, cpu)->slots);
	free_percpu(heap->pcpu);
}

/**
 * obm_pcpu_magazine_bytes() - Memory a CPU's magazines of a heap take.
 * @heap: The heap.
 * @cpu: A possible CPU.
 *
 * Return: The slots' bytes, or 0 if the CPU has never allocated from @heap.
 */
size_t obm_pcpu_magazine_bytes(struct obm_heap *heap, unsigned int cpu)
{
	return READ_ONCE(per_cpu_ptr(heap->pcpu, cpu)->slots) ?
	       obm_mag_slots * sizeof(void *) : 0;
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

static void **obm_mag(struct obm_pcpu *pc, unsigned int class_idx)
{
	return pc->slots + obm_mag_offset[class_idx];
}

/* Take the top of a magazine that holds @count blocks, under the lock. */
static __always_inline void *obm_mag_pop(struct obm_pcpu *pc,
					 unsigned int class_idx,
					 unsigned int count)
{
	void *block = obm_mag(pc, class_idx)[count - 1];

	WRITE_ONCE(pc->count[class_idx], count - 1);
	WRITE_ONCE(pc->cached, pc->cached - 1);
	pc->allocs++;
	return block;
}

/* Put @block on a magazine that holds @count blocks, under the lock. */
static __always_inline void obm_mag_push(struct obm_pcpu *pc,
					 unsigned int class_idx,
					 unsigned int count, void *block)
{
	obm_mag(pc, class_idx)[count] = block;
	WRITE_ONCE(pc->count[class_idx], count + 1);
	WRITE_ONCE(pc->cached, pc->cached + 1);
	pc->frees++;
}

/*
 * This CPU has no magazines yet: allocate them with @gfp and no lock
 * held, and install them unless the CPU we end up on got some meanwhile.
 * Returns false if the allocation failed.
 */
static noinline bool obm_pcpu_add_magazines(struct obm_heap *heap, gfp_t gfp)
{
	/* Optional: never __GFP_NOFAIL, never a warning. */
	void **slots = kmalloc_array(obm_mag_slots, sizeof(*slots),
				     (gfp & ~__GFP_NOFAIL) | __GFP_NOWARN);
	struct obm_pcpu *pc;
	unsigned long flags;

	if (!slots)
		return false;
	local_lock_irqsave(&heap->pcpu->lock, flags);
	pc = this_cpu_ptr(heap->pcpu);
	if (!pc->slots) {
		WRITE_ONCE(pc->slots, slots);
		slots = NULL;
	}
	local_unlock_irqrestore(&heap->pcpu->lock, flags);
	kfree(slots);
	return true;
}

static void *obm_pcpu_alloc(struct obm_heap *heap, unsigned int class_idx,
			    gfp_t gfp);

/*
 * The first allocation on a CPU without magazines: give it some, then
 * allocate as usual. Should the task have moved to another CPU without
 * magazines meanwhile, that one gets its own the same way. If there is no
 * memory for them, the block comes straight from its pool.
 */
static noinline void *obm_pcpu_alloc_first(struct obm_heap *heap,
					   unsigned int class_idx, gfp_t gfp)
{
	void *block;

	if (obm_pcpu_add_magazines(heap, gfp))
		return obm_pcpu_alloc(heap, class_idx, gfp);
	return obm_class_take_blocks(heap, class_idx, &block, 1) ? block : NULL;
}

/*
 * Fill this CPU's empty magazine of a class from its pools, under the
 * local lock; out of line, to keep obm_pcpu_alloc() small where it is
 * inlined. Returns the blocks now in it, 0 if the heap has no free pool.
 */
static noinline unsigned int obm_pcpu_refill(struct obm_heap *heap,
					     struct obm_pcpu *pc,
					     unsigned int class_idx)
{
	void **mag = obm_mag(pc, class_idx);
	unsigned int count;

	count = obm_class_take_blocks(heap, class_idx, mag,
				      obm_mag_batch(class_idx));
	if (!count)
		return 0;
	/* Taken in address order: reverse, so the first pops first. */
	obm_reverse_blocks(mag, count);
	pc->refills++;
	WRITE_ONCE(pc->cached, pc->cached + count);
	return count;
}

/**
 * obm_pcpu_pop() - The fast path: pop a block off this CPU's magazine.
 * @heap: The heap.
 * @class_idx: The class.
 *
 * Inlined into the allocation entry points (see obm_fastpath.c); calls
 * nothing, so the entry point needs no frame for it.
 *
 * Context: Any.
 * Return: A block, or NULL if the magazine is empty (or this CPU has none
 * yet): the caller then calls obm_pcpu_alloc().
 */
static __always_inline void *obm_pcpu_pop(struct obm_heap *heap,
					  unsigned int class_idx)
{
	struct obm_pcpu *pc;
	unsigned long flags;
	unsigned int count;
	void *block = NULL;

	local_lock_irqsave(&heap->pcpu->lock, flags);
	pc = this_cpu_ptr(heap->pcpu);
	count = pc->count[class_idx];
	if (likely(count))
		block = obm_mag_pop(pc, class_idx, count);
	local_unlock_irqrestore(&heap->pcpu->lock, flags);
	return block;
}

/**
 * obm_pcpu_alloc() - Take a block from this CPU's magazine of a class.
 * @heap: The heap.
 * @class_idx: The class.
 * @gfp: The caller's flags, for this CPU's magazines if it has none yet.
 *
 * Refills an empty magazine from the class's pools: obm_pcpu_pop() did
 * not find a block.
 *
 * Context: Any.
 * Return: A block, or NULL if the heap has no free pool left: the caller
 * then grows the heap, with no lock held, and tries again.
 */
static noinline void *obm_pcpu_alloc(struct obm_heap *heap,
				     unsigned int class_idx, gfp_t gfp)
{
	struct obm_pcpu *pc;
	unsigned long flags;
	unsigned int count;
	void *block;

	local_lock_irqsave(&heap->pcpu->lock, flags);
	pc = this_cpu_ptr(heap->pcpu);
	count = pc->count[class_idx];
	/* Empty; on a CPU without magazines yet, every magazine is. */
	if (unlikely(!count)) {
		if (unlikely(!pc->slots)) {
			local_unlock_irqrestore(&heap->pcpu->lock, flags);
			return obm_pcpu_alloc_first(heap, class_idx, gfp);
		}
		count = obm_pcpu_refill(heap, pc, class_idx);
		if (!count) {
			local_unlock_irqrestore(&heap->pcpu->lock, flags);
			return NULL;
		}
	}
	block = obm_mag_pop(pc, class_idx, count);
	local_unlock_irqrestore(&heap->pcpu->lock, flags);
	return block;
}

/*
 * Give the oldest batch of this CPU's full magazine of a class back to the
 * pools, under the local lock; out of line, as obm_pcpu_refill(). Returns
 * the blocks left in it.
 */
static noinline unsigned int obm_pcpu_flush_batch(struct obm_heap *heap,
						  struct obm_pcpu *pc,
						  unsigned int class_idx)
{
	unsigned int batch = obm_mag_batch(class_idx);
	unsigned int count = pc->count[class_idx] - batch;
	void **mag = obm_mag(pc, class_idx);

	obm_class_put_blocks(heap, class_idx, mag, batch);
	memmove(mag, mag + batch, count * sizeof(*mag));
	WRITE_ONCE(pc->cached, pc->cached - batch);
	pc->flushes++;
	return count;
}

/**
 * obm_pcpu_push() - The fast path: push a freed block on this CPU's magazine.
 * @heap: The block's heap.
 * @class_idx: Its class.
 * @block: A block obm_ptr_resolve() found to be a live block start.
 *
 * Inlined into obm_free() (see obm_fastpath.c). Leaves to obm_pcpu_free()
 * whatever needs more than a push: a full magazine, a CPU without
 * magazines, and a block already on top of the magazine (a double free,
 * which that reports). The block is cleared here if init_on_free is on.
 *
 * Context: Any.
 * Return: true if @block is in the magazine, false if nothing was done.
 */
static __always_inline bool obm_pcpu_push(struct obm_heap *heap,
					  unsigned int class_idx, void *block)
{
	struct obm_pcpu *pc;
	unsigned long flags;
	unsigned int count;
	void **mag;
	bool pushed = false;

	local_lock_irqsave(&heap->pcpu->lock, flags);
	pc = this_cpu_ptr(heap->pcpu);
	count = pc->count[class_idx];
	mag = obm_mag(pc, class_idx);
	if (likely(pc->slots && count < obm_mag_cap[class_idx] &&
		   (!count || mag[count - 1] != block))) {
		obm_block_release(block, class_idx);
		obm_mag_push(pc, class_idx, count, block);
		pushed = true;
	}
	local_unlock_irqrestore(&heap->pcpu->lock, flags);
	return pushed;
}

/**
 * obm_pcpu_free() - Put a freed block in this CPU's magazine of its class.
 * @heap: The block's heap.
 * @class_idx: Its class.
 * @block: A block obm_ptr_resolve() found to be a live block start.
 *
 * What obm_pcpu_push() left: flushes the oldest batch of a full magazine
 * to the pools first. A block that is already on top of the magazine is a
 * double free: reported and ignored. The block is cleared here if
 * init_on_free is on.
 *
 * Context: Any.
 * Return: false, having done nothing, if this CPU has no magazines (it
 * never allocated from @heap): the caller frees @block to its pool.
 */
static noinline bool obm_pcpu_free(struct obm_heap *heap,
				   unsigned int class_idx, void *block)
{
	unsigned int count;
	struct obm_pcpu *pc;
	unsigned long flags;
	void **mag;

	local_lock_irqsave(&heap->pcpu->lock, flags);
	pc = this_cpu_ptr(heap->pcpu);
	count = pc->count[class_idx];
	/* Only an empty magazine can belong to a CPU without magazines. */
	if (unlikely(!count) && unlikely(!pc->slots)) {
		local_unlock_irqrestore(&heap->pcpu->lock, flags);
		return false;
	}
	mag = obm_mag(pc, class_idx);
	if (unlikely(count && mag[count - 1] == block)) {
		local_unlock_irqrestore(&heap->pcpu->lock, flags);
		obm_report_double_free(heap, class_idx, block);
		return true;
	}
	obm_block_release(block, class_idx);
	if (unlikely(count == obm_mag_cap[class_idx]))
		count = obm_pcpu_flush_batch(heap, pc, class_idx);
	obm_mag_push(pc, class_idx, count, block);
	local_unlock_irqrestore(&heap->pcpu->lock, flags);
	return true;
}

/* Give every cached block of one CPU back to the pools. */
static unsigned long obm_pcpu_flush_all(struct obm_heap *heap,
					struct obm_pcpu *pc)
{
	unsigned long flushed = 0;
	unsigned int i;

	for (i = 0; i < OBM_NR_CLASSES; i++) {
		unsigned int count = pc->count[i];

		if (!count)
			continue;
		obm_class_put_blocks(heap, i, obm_mag(pc, i), count);
		WRITE_ONCE(pc->count[i], 0);
		pc->flushes++;
		flushed += count;
	}
	WRITE_ONCE(pc->cached, 0);
	return flushed;
}

/* A drain work item: this CPU empties its own magazines of one heap. */
static void obm_pcpu_drain_work(struct work_struct *work)
{
	struct obm_pcpu *pc = container_of(work, struct obm_pcpu, drain_work);
	struct obm_heap *heap = pc->heap;
	unsigned long flags;

	local_lock_irqsave(&heap->pcpu->lock, flags);
	/*
	 * Queued on its own CPU. Without the CPU hotplug lock (the shrinker's
	 * drains) that CPU may have gone down since, and the workqueue then
	 * runs the item on another CPU: leave those magazines to the CPU's
	 * dead callback. Under the local lock this CPU cannot go down.
	 */
	if (pc == this_cpu_ptr(heap->pcpu))
		pc->drained = obm_pcpu_flush_all(heap, pc);
	local_unlock_irqrestore(&heap->pcpu->lock, flags);
}

/**
 * obm_heap_drain() - Empty online CPUs' magazines of a heap.
 * @heap: The heap.
 * @nr_to_drain: Stop once this many blocks are back in their pools;
 *               ULONG_MAX drains every CPU, all at once.
 *
 * Only CPUs that hold cached blocks are asked. With a budget, they are
 * asked one at a time, so a small budget disturbs few CPUs.
 *
 * With the CPU hotplug lock read-held, every online CPU is drained.
 * Without it (the shrinker), a CPU that goes down meanwhile is skipped:
 * its work item runs elsewhere and leaves its magazines alone, and the
 * CPU hotplug "dead" callback empties them.
 *
 * Context: Process context, no obmalloc lock held; waits for the work
 * items.
 * Return: The number of blocks given back to the pools.
 */
unsigned long obm_heap_drain(struct obm_heap *heap, unsigned long nr_to_drain)
{
	bool all_at_once = nr_to_drain == ULONG_MAX;
	unsigned long drained = 0;
	unsigned int cpu;

	mutex_lock(&heap->drain_lock);
	for_each_online_cpu(cpu) {
		struct obm_pcpu *pc = per_cpu_ptr(heap->pcpu, cpu);

		pc->drained = 0;
		if (!READ_ONCE(pc->cached))
			continue;
		queue_work_on(cpu, obm_drain_wq, &pc->drain_work);
		if (all_at_once)
			continue;
		flush_work(&pc->drain_work);
		drained += pc->drained;
		if (drained >= nr_to_drain)
			break;
	}
	if (all_at_once)
		for_each_online_cpu(cpu) {
			struct obm_pcpu *pc = per_cpu_ptr(heap->pcpu, cpu);

			flush_work(&pc->drain_work);
			drained += pc->drained;
		}
	mutex_unlock(&heap->drain_lock);
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
	obm_pcpu_flush_all(heap, per_cpu_ptr(heap->pcpu, cpu));
}

/**
 * obm_pcpu_cached_by_class() - Blocks held in magazines, per class.
 * @heap: The heap.
 * @cached: Filled in: per class, the sum over every possible CPU.
 *
 * A lockless sum, exact when the heap is idle. It reads 64 counters per
 * CPU, so callers do it before they take any lock.
 */
void obm_pcpu_cached_by_class(struct obm_heap *heap,
			      unsigned long cached[OBM_NR_CLASSES])
{
	unsigned int cpu, i;

	memset(cached, 0, OBM_NR_CLASSES * sizeof(*cached));
	for_each_possible_cpu(cpu) {
		struct obm_pcpu *pc = per_cpu_ptr(heap->pcpu, cpu);

		if (!READ_ONCE(pc->cached))
			continue;
		for (i = 0; i < OBM_NR_CLASSES; i++)
			cached[i] += READ_ONCE(pc->count[i]);
	}
}

/**
 * obm_heap_cached_blocks() - Blocks of a heap held in magazines.
 * @heap: The heap.
 *
 * One running total per CPU, summed without locks.
 *
 * Return: The count.
 */
unsigned long obm_heap_cached_blocks(struct obm_heap *heap)
{
	unsigned long cached = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		cached += READ_ONCE(per_cpu_ptr(heap->pcpu, cpu)->cached);
	return cached;
}
