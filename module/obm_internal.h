/* SPDX-License-Identifier: GPL-2.0 */
/*
 * obmalloc internals: the layout shared by the allocator's files.
 *
 *   heap -+- classes[64]: per size class, a lock and a list of partly
 *         |               used pools ("usedpools" in pymalloc)
 *         +- usable_arenas: arenas with at least one free pool, fullest
 *                           first, with nfp2lasta[] for O(1) reordering
 *
 *   arena (256 KiB, naturally aligned, from alloc_pages())
 *   +--------+--------+--------+-----+---------+
 *   | pool 0 | pool 1 | pool 2 | ... | pool 63 |   one page each
 *   +--------+--------+--------+-----+---------+
 *
 *   pool (one page)
 *   +--------+-------+-------+-----+-------+------------------+------+
 *   | header | block | block | ... | block | never carved ... | tail |
 *   +--------+-------+-------+-----+-------+------------------+------+
 *    48 bytes  one size class      next_offset ^                 ^ max_next_offset
 *
 * The arena descriptor (struct obm_arena) lives outside the arena, in
 * kmalloc memory, as pymalloc's arena_object does, so all 64 pages hold
 * pools. The arena registry (obm_arena.c) maps an address to its arena:
 * that, and not the bytes at the start of a page, is how obm_free() knows
 * a pointer is ours.
 *
 * Lock order (outermost first):
 *
 *   obm_heaps_lock (mutex; heap create/destroy, debugfs setup, CPU hotplug)
 *     obm_pcpu.lock (local_lock, irqsave; this CPU's magazines of a heap)
 *       obm_class.lock (spinlock, irqsave; one class of one heap)
 *         obm_heap.arena_lock (spinlock, irqsave; the heap's arenas and
 *                              the assignment of pools to classes)
 *           obm_arena_registry's xa_lock (irqsave)
 *
 * No class lock is ever taken while another class lock is held. The page
 * allocator and kmalloc() are only called with no obmalloc spinlock held,
 * with the caller's gfp flags, so GFP_KERNEL callers may sleep there and
 * GFP_ATOMIC callers never do. Arena descriptors are freed after an RCU
 * grace period, so a lockless registry lookup (under rcu_read_lock()) may
 * always dereference the arena it finds. Its pages are freed at once: only
 * an invalid pointer (the last blocks of an arena freed twice, on two CPUs
 * at once) can make the lookup read a pool header of pages just given
 * back, which the direct map keeps readable.
 */
#ifndef _OBM_INTERNAL_H
#define _OBM_INTERNAL_H

#include <linux/bits.h>
#include <linux/cache.h>
#include <linux/jump_label.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
/* After spinlock.h: on UML, local_lock.h does not pull in what it uses. */
#include <linux/local_lock.h>
#include <linux/types.h>
#include <obmalloc.h>

#include "obm_compat.h"

/* Arena geometry: 256 KiB whatever the page size; one pool per page. */
#define OBM_ARENA_SHIFT		18
#define OBM_ARENA_SIZE		BIT(OBM_ARENA_SHIFT)
#define OBM_ARENA_ORDER		(OBM_ARENA_SHIFT - PAGE_SHIFT)
#define OBM_POOL_SIZE		PAGE_SIZE
#define OBM_POOLS_PER_ARENA	BIT(OBM_ARENA_ORDER)

/* pool->class_idx of a pool that belongs to no class. */
#define OBM_POOL_UNUSED		UINT_MAX

/**
 * struct obm_pool - Header at the start of every pool page.
 * @link: In the class's partial list while partly used, in the arena's
 *        free_pools while unused; unlinked while full.
 * @arena: The arena the pool is in.
 * @freeblock: First block of the free list (linked through each block's
 *             first word), or NULL.
 * @ref_count: Blocks handed out and not yet freed.
 * @class_idx: Size class index, or %OBM_POOL_UNUSED.
 * @next_offset: Offset of the next never-used block.
 * @max_next_offset: Largest offset at which a whole block fits.
 *
 * Writes to @class_idx hold both the class lock and the arena lock; the
 * other fields belong to the class lock while the pool is in a class.
 */
struct obm_pool {
	struct list_head	link;
	struct obm_arena	*arena;
	void			*freeblock;
	unsigned int		ref_count;
	unsigned int		class_idx;
	unsigned int		next_offset;
	unsigned int		max_next_offset;
};

#define OBM_POOL_HEADER_SIZE	ALIGN(sizeof(struct obm_pool), OBM_ALIGNMENT)

/**
 * struct obm_arena - Descriptor of one 256 KiB arena.
 * @base: Address of pool 0; the arena is OBM_ARENA_SIZE-aligned.
 * @heap: The owning heap.
 * @usable_link: In heap->usable_arenas while @nr_free_pools > 0.
 * @free_pools: Pools returned by their class, reused before carving.
 * @nr_free_pools: Pools in @free_pools plus pools never carved.
 * @nr_carved: Pools [0, @nr_carved) have had their header written;
 *             read locklessly with smp_load_acquire().
 * @dead: Set when the arena is released, before its pages are freed, so
 *        a lookup hint slot that still points here is not followed.
 * @rcu: Defers clearing the lookup hints, then freeing the descriptor.
 *
 * All fields but @base and @heap belong to heap->arena_lock.
 */
struct obm_arena {
	unsigned long		base;
	struct obm_heap		*heap;
	struct list_head	usable_link;
	struct list_head	free_pools;
	unsigned int		nr_free_pools;
	unsigned int		nr_carved;
	bool			dead;
	struct rcu_head		rcu;
};

/**
 * struct obm_class - One size class of one heap.
 * @lock: Protects the pools of this class and the fields below.
 * @partial: Pools with both used and free blocks; allocation takes the
 *           first, a pool that stops being full goes to the front.
 * @size: Block size in bytes.
 * @blocks_per_pool: Blocks that fit in one pool.
 * @nr_pools: Pools in this class (also changed under the arena lock, so
 *            the statistics can read it consistently under that lock).
 * @nr_full: Pools with no free block.
 * @nr_used_blocks: Blocks handed out; WRITE_ONCE for lockless readers.
 */
struct obm_class {
	spinlock_t		lock;		/* see the kernel-doc above */
	struct list_head	partial;
	unsigned int		size;
	unsigned int		blocks_per_pool;
	unsigned long		nr_pools;
	unsigned long		nr_full;
	unsigned long		nr_used_blocks;
} ____cacheline_aligned_in_smp;

/**
 * struct obm_pcpu - One CPU's magazines of one heap (see obm_pcpu.c).
 * @lock: Guards everything below, with irqs off.
 * @allocs: Blocks handed out from the magazines.
 * @frees: Blocks freed into the magazines.
 * @refills: Magazines refilled from the pools.
 * @flushes: Magazines (or their oldest half) flushed to the pools.
 * @count: Blocks in each class's magazine.
 * @slots: The magazines, one after the other.
 */
struct obm_pcpu {
	local_lock_t		lock;
	unsigned long		allocs;
	unsigned long		frees;
	unsigned long		refills;
	unsigned long		flushes;
	unsigned short		count[OBM_NR_CLASSES];
	void			*slots[];
};

/**
 * struct obm_heap - A named heap: its classes, arenas and statistics.
 * @name: NUL-terminated name, unique among live heaps.
 * @node: In obm_heaps, under obm_heaps_lock.
 * @debugfs_dir: /sys/kernel/debug/obmalloc/<name>/.
 * @pcpu: The per-CPU magazines.
 * @shrinker: Drains the magazines and the reserve arena under pressure.
 * @arena_lock: Protects the arena fields below and every arena's state.
 * @usable_arenas: Arenas with free pools, ascending nr_free_pools.
 * @nfp2lasta: nfp2lasta[n] is the last arena in @usable_arenas with n free
 *             pools, or NULL (CPython 3.8's trick for O(1) reordering).
 * @arenas_allocated: Arenas ever allocated.
 * @arenas_reclaimed: Arenas given back to the page allocator.
 * @arenas_highwater: Most arenas held at once.
 * @nr_free_pools: Sum of nr_free_pools over the heap's arenas.
 * @double_frees: Frees of a block already free.
 * @invalid_frees: Frees of a pointer inside an arena that is not a live
 *                 block start (interior, never allocated, unused pool).
 * @alloc_failures: Allocations that returned NULL.
 * @classes: The size classes.
 */
struct obm_heap {
	char			name[OBM_HEAP_NAME_MAX + 1];
	struct list_head	node;
	struct dentry		*debugfs_dir;
	struct obm_pcpu __percpu *pcpu;
	struct shrinker		*shrinker;

	spinlock_t		arena_lock;	/* the fields below */
	struct list_head	usable_arenas;
	struct obm_arena	*nfp2lasta[OBM_POOLS_PER_ARENA + 1];
	unsigned long		arenas_allocated;
	unsigned long		arenas_reclaimed;
	unsigned long		arenas_highwater;
	unsigned long		nr_free_pools;

	atomic_long_t		double_frees;
	atomic_long_t		invalid_frees;
	atomic_long_t		alloc_failures;

	struct obm_class	classes[OBM_NR_CLASSES];
};

static inline unsigned long obm_arenas_current(const struct obm_heap *heap)
{
	return heap->arenas_allocated - heap->arenas_reclaimed;
}

/* obm_class.c: size classes */
void obm_class_table_init(void);
void obm_classes_init(struct obm_heap *heap);
unsigned int obm_size_to_class(size_t size);

static inline unsigned int obm_class_size(unsigned int class_idx)
{
	return (class_idx + 1) * OBM_ALIGNMENT;
}

extern u32 obm_class_recip[OBM_NR_CLASSES];

/*
 * Whether a byte offset from a pool's first block is a block start: an
 * exact division by the class size with a multiply, since this runs on
 * every free. ceil(2^32 / size) is exact for every offset below a page.
 */
static inline bool obm_class_offset_is_block(unsigned int class_idx,
					     unsigned int offset)
{
	u32 q = ((u64)offset * obm_class_recip[class_idx]) >> 32;

	return q * obm_class_size(class_idx) == offset;
}

unsigned int obm_class_take_blocks(struct obm_heap *heap,
				   unsigned int class_idx, void **blocks,
				   unsigned int max);
void obm_class_put_blocks(struct obm_heap *heap, unsigned int class_idx,
			  void * const *blocks, unsigned int n);
void obm_reverse_blocks(void **blocks, unsigned int n);
int obm_heap_grow(struct obm_heap *heap, gfp_t gfp);
void obm_class_free(struct obm_heap *heap, unsigned int class_idx,
		    struct obm_pool *pool, void *block);

/* obm_pool.c: blocks within one pool */
void obm_pool_init(struct obm_pool *pool, struct obm_arena *arena,
		   const struct obm_class *class, unsigned int class_idx);
void *obm_pool_take_block(struct obm_pool *pool, unsigned int size);
void obm_pool_put_block(struct obm_pool *pool, void *block);
bool obm_pool_is_full(const struct obm_pool *pool);
bool obm_pool_block_is_free(const struct obm_pool *pool, const void *block);

static inline struct obm_pool *obm_pool_of(const void *p)
{
	return (struct obm_pool *)((unsigned long)p & PAGE_MASK);
}

/* obm_arena.c: arenas, the arena registry and the usable-arena order */
void obm_arena_registry_exit(void);
struct obm_arena *obm_arena_lookup_slow(const void *p);

#define OBM_ARENA_HINTS		32

/* Per CPU: arenas looked up recently (see obm_arena.c). */
struct obm_arena_hints {
	struct obm_arena	*slot[OBM_ARENA_HINTS];
};

DECLARE_PER_CPU(struct obm_arena_hints, obm_arena_hints);

static inline unsigned int obm_arena_hint_slot(const void *p)
{
	return ((unsigned long)p >> OBM_ARENA_SHIFT) % OBM_ARENA_HINTS;
}

/**
 * obm_arena_lookup() - Find the arena that contains an address.
 * @p: Any pointer.
 *
 * Context: Caller holds rcu_read_lock(); the arena stays readable until it
 * drops it, even if the arena is being released.
 * Return: The arena, or NULL if @p is in none.
 */
static inline struct obm_arena *obm_arena_lookup(const void *p)
{
	struct obm_arena *arena;

	arena = this_cpu_read(obm_arena_hints.slot[obm_arena_hint_slot(p)]);

	if (likely(arena && (unsigned long)p - arena->base < OBM_ARENA_SIZE &&
		   !READ_ONCE(arena->dead)))
		return arena;
	return obm_arena_lookup_slow(p);
}

void obm_arenas_wait_freed(void);
struct obm_arena *obm_arena_new(struct obm_heap *heap, gfp_t gfp);
void obm_arena_add(struct obm_heap *heap, struct obm_arena *arena);
struct obm_pool *obm_arena_take_pool(struct obm_heap *heap,
				     struct obm_class *class,
				     unsigned int class_idx);
void obm_arena_put_pool(struct obm_heap *heap, struct obm_class *class,
			struct obm_pool *pool);
void obm_arenas_release_all(struct obm_heap *heap);
unsigned long obm_arenas_release_empty(struct obm_heap *heap);
unsigned long obm_arenas_empty_pages(struct obm_heap *heap);

/* obm_pcpu.c: per-CPU magazines */
extern unsigned int obm_mag_cap[OBM_NR_CLASSES];
void obm_pcpu_init(void);
unsigned int obm_mag_batch(unsigned int class_idx);
struct obm_pcpu __percpu *obm_pcpu_create(void);
void *obm_pcpu_alloc(struct obm_heap *heap, unsigned int class_idx);
void obm_pcpu_free(struct obm_heap *heap, unsigned int class_idx, void *block);
unsigned long obm_heap_drain(struct obm_heap *heap);
void obm_pcpu_drain_dead(struct obm_heap *heap, unsigned int cpu);
unsigned long obm_pcpu_cached(struct obm_heap *heap, unsigned int class_idx);

/* obm_reclaim.c: shrinker and CPU hotplug */
int obm_reclaim_init(void);
void obm_reclaim_exit(void);
int obm_heap_shrinker_create(struct obm_heap *heap);
void obm_heap_shrinker_destroy(struct obm_heap *heap);

/* obm_debug.c: pointer validation, reports and fault injection */
enum obm_ptr_kind {
	OBM_PTR_BLOCK,		/* the start of a block in a carved pool */
	OBM_PTR_KMALLOC,	/* a kmalloc()ed object: our large blocks */
	OBM_PTR_INVALID,	/* reported and counted already */
};

struct obm_ptr_info {
	struct obm_arena	*arena;
	struct obm_pool		*pool;
	unsigned int		class_idx;
};

enum obm_ptr_kind obm_ptr_resolve_other(const void *p, const char *op);
enum obm_ptr_kind obm_ptr_report_bad(struct obm_arena *arena, const void *p,
				     const char *op);

/**
 * obm_ptr_resolve() - Find out, without locks, what a pointer is.
 * @p: Neither NULL nor ZERO_SIZE_PTR.
 * @op: The API call, for the report ("obm_free", ...).
 * @info: Filled in for %OBM_PTR_BLOCK.
 *
 * The checks every free makes, inline; anything unusual goes to
 * obm_debug.c, which reports and counts an invalid pointer. A block found
 * here may still turn out to be free once the class lock is held; see
 * obm_free_is_valid().
 *
 * Context: Any; caller holds rcu_read_lock() for as long as it uses @info.
 * Return: What @p is.
 */
static __always_inline enum obm_ptr_kind
obm_ptr_resolve(const void *p, const char *op, struct obm_ptr_info *info)
{
	struct obm_arena *arena = obm_arena_lookup(p);
	struct obm_pool *pool = obm_pool_of(p);
	unsigned int class_idx, offset, carved;

	if (unlikely(!arena))
		return obm_ptr_resolve_other(p, op);
	/* Pairs with the release in obm_arena_take_pool(): header written. */
	carved = smp_load_acquire(&arena->nr_carved);
	if (unlikely((((unsigned long)pool - arena->base) >> PAGE_SHIFT) >= carved))
		return obm_ptr_report_bad(arena, p, op);
	class_idx = READ_ONCE(pool->class_idx);
	offset = (unsigned long)p - (unsigned long)pool;
	if (unlikely(class_idx >= OBM_NR_CLASSES ||
		     offset < OBM_POOL_HEADER_SIZE ||
		     !obm_class_offset_is_block(class_idx,
						offset - OBM_POOL_HEADER_SIZE) ||
		     offset >= READ_ONCE(pool->next_offset)))
		return obm_ptr_report_bad(arena, p, op);

	info->arena = arena;
	info->pool = pool;
	info->class_idx = class_idx;
	return OBM_PTR_BLOCK;
}

bool obm_free_is_valid(struct obm_heap *heap, struct obm_pool *pool,
		       unsigned int class_idx, const void *block);
void obm_report(struct obm_heap *heap, const char *kind, const char *fmt,
		...) __printf(3, 4);
void obm_report_double_free(struct obm_heap *heap, unsigned int class_idx,
			    const void *block);

DECLARE_STATIC_KEY_FALSE(obm_verify_free_key);

/* Whether allocation and free use the per-CPU caches: not in verify_free. */
static inline bool obm_caches_enabled(void)
{
	return !static_branch_unlikely(&obm_verify_free_key);
}

bool obm_should_fail_arena(void);
void obm_debug_init(struct dentry *root);
extern atomic_long_t obm_foreign_frees;

/* obm_heap.c: heaps and the API */
extern struct obm_heap *obm_default_heap;
void obm_heaps_drain_all(void);
void obm_heaps_drain_dead(unsigned int cpu);

/* obm_debugfs.c: statistics files */
struct dentry *obm_debugfs_init(void);
void obm_debugfs_exit(void);
void obm_debugfs_add_heap(struct obm_heap *heap);
void obm_debugfs_remove_heap(struct obm_heap *heap);
unsigned long obm_heap_cached_blocks(struct obm_heap *heap);

#endif /* _OBM_INTERNAL_H */
