// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc per-CPU caches: the fast path.
 *
 * Each heap has, per CPU, one magazine per size class: a stack of free
 * blocks, as SLAB's array_cache was. The common obm_alloc() pops a block
 * and the common obm_free() pushes one; neither touches a shared lock or a
 * shared cache line. An empty magazine is refilled with up to a batch of
 * blocks from one pool, under the class lock; a full one flushes its
 * oldest batch back to the pools.
 *
 *   heap->pcpu (alloc_percpu)                         per CPU:
 *   +------+--------+-------+---------+---------+-------------+-----------+
 *   | lock | allocs | frees | refills | flushes | count[64]   | slots ... |
 *   +------+--------+-------+---------+---------+-------------+-----------+
 *   slots: class 0's magazine at obm_mag_offset[0], capacity obm_mag_cap[0];
 *          class 1's right after it, and so on; a stack, top at count[i] - 1.
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
 *     changed. They never sleep and never call the page allocator.
 *   - obm_heap_drain() runs in process context and empties every CPU's
 *     magazines with on_each_cpu(); obm_pcpu_drain_dead() empties an
 *     offline CPU's magazines from the CPU hotplug "dead" callback.
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

#include <linux/cpumask.h>
#include <linux/kmemleak.h>
#include <linux/percpu.h>
#include <linux/smp.h>

#include "obm_internal.h"

/* Magazine geometry, the same for every heap; set by obm_pcpu_init(). */
unsigned int obm_mag_cap[OBM_NR_CLASSES];
static unsigned int obm_mag_offset[OBM_NR_CLASSES];
static unsigned int obm_mag_slots;

#define OBM_MAG_BYTES	2048
#define OBM_MAG_MIN	8
#define OBM_MAG_MAX	64

/**
 * obm_pcpu_init() - Work out the magazine sizes.
 */
void obm_pcpu_init(void)
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

/**
 * obm_pcpu_create() - Allocate a heap's per-CPU magazines.
 *
 * Context: Process context; sleeps.
 * Return: The per-CPU area, or NULL.
 */
struct obm_pcpu __percpu *obm_pcpu_create(void)
{
	struct obm_pcpu __percpu *pcpu;
	unsigned int cpu;

	pcpu = __alloc_percpu(sizeof(struct obm_pcpu) +
			      obm_mag_slots * sizeof(void *),
			      __alignof__(struct obm_pcpu));
	if (!pcpu)
		return NULL;
	for_each_possible_cpu(cpu)
		local_lock_init(&per_cpu_ptr(pcpu, cpu)->lock);
	return pcpu;
}

static void **obm_mag(struct obm_pcpu *pc, unsigned int class_idx)
{
	return pc->slots + obm_mag_offset[class_idx];
}

/**
 * obm_pcpu_alloc() - Take a block from this CPU's magazine of a class.
 * @heap: The heap.
 * @class_idx: The class.
 *
 * Refills an empty magazine from the class's pools.
 *
 * Context: Any.
 * Return: A block, or NULL if the heap has no free pool left: the caller
 * then grows the heap, with no lock held, and tries again.
 */
void *obm_pcpu_alloc(struct obm_heap *heap, unsigned int class_idx)
{
	struct obm_pcpu *pc;
	unsigned long flags;
	unsigned int count;
	void **mag, *block;

	local_lock_irqsave(&heap->pcpu->lock, flags);
	pc = this_cpu_ptr(heap->pcpu);
	mag = obm_mag(pc, class_idx);
	count = pc->count[class_idx];
	if (unlikely(!count)) {
		count = obm_class_take_blocks(heap, class_idx, mag,
					      obm_mag_batch(class_idx));
		if (!count) {
			local_unlock_irqrestore(&heap->pcpu->lock, flags);
			return NULL;
		}
		/* Taken in address order: reverse, so the first pops first. */
		obm_reverse_blocks(mag, count);
		pc->refills++;
	}
	block = mag[--count];
	pc->count[class_idx] = count;
	pc->allocs++;
	local_unlock_irqrestore(&heap->pcpu->lock, flags);
	return block;
}

/**
 * obm_pcpu_free() - Put a freed block in this CPU's magazine of its class.
 * @heap: The block's heap.
 * @class_idx: Its class.
 * @block: A block obm_ptr_resolve() found to be a live block start.
 *
 * Flushes the oldest batch of a full magazine to the pools first. A block
 * that is already on top of the magazine is a double free: reported and
 * ignored.
 *
 * Context: Any.
 */
void obm_pcpu_free(struct obm_heap *heap, unsigned int class_idx, void *block)
{
	unsigned int count, batch;
	struct obm_pcpu *pc;
	unsigned long flags;
	void **mag;

	local_lock_irqsave(&heap->pcpu->lock, flags);
	pc = this_cpu_ptr(heap->pcpu);
	mag = obm_mag(pc, class_idx);
	count = pc->count[class_idx];
	if (unlikely(count && mag[count - 1] == block)) {
		local_unlock_irqrestore(&heap->pcpu->lock, flags);
		obm_report_double_free(heap, class_idx, block);
		return;
	}
	kmemleak_free(block);
	if (unlikely(count == obm_mag_cap[class_idx])) {
		batch = obm_mag_batch(class_idx);
		obm_class_put_blocks(heap, class_idx, mag, batch);
		count -= batch;
		memmove(mag, mag + batch, count * sizeof(*mag));
		pc->flushes++;
	}
	mag[count++] = block;
	pc->count[class_idx] = count;
	pc->frees++;
	local_unlock_irqrestore(&heap->pcpu->lock, flags);
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
		pc->count[i] = 0;
		pc->flushes++;
		flushed += count;
	}
	return flushed;
}

struct obm_drain {
	struct obm_heap *heap;
	atomic_long_t flushed;
};

static void obm_pcpu_drain_local(void *arg)
{
	struct obm_drain *drain = arg;
	struct obm_heap *heap = drain->heap;
	unsigned long flags;

	local_lock_irqsave(&heap->pcpu->lock, flags);
	atomic_long_add(obm_pcpu_flush_all(heap, this_cpu_ptr(heap->pcpu)),
			&drain->flushed);
	local_unlock_irqrestore(&heap->pcpu->lock, flags);
}

/**
 * obm_heap_drain() - Empty every online CPU's magazines of a heap.
 * @heap: The heap.
 *
 * Context: Process context, no obmalloc lock held; waits for the other
 * CPUs.
 * Return: The number of blocks given back to the pools.
 */
unsigned long obm_heap_drain(struct obm_heap *heap)
{
	struct obm_drain drain = {
		.heap = heap,
		.flushed = ATOMIC_LONG_INIT(0),
	};

	on_each_cpu(obm_pcpu_drain_local, &drain, 1);
	return atomic_long_read(&drain.flushed);
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
 * obm_pcpu_cached() - Blocks of a class held in magazines, on all CPUs.
 * @heap: The heap.
 * @class_idx: The class.
 *
 * A lockless sum: exact when the heap is idle.
 *
 * Return: The count.
 */
unsigned long obm_pcpu_cached(struct obm_heap *heap, unsigned int class_idx)
{
	unsigned long cached = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		cached += READ_ONCE(per_cpu_ptr(heap->pcpu, cpu)->count[class_idx]);
	return cached;
}
