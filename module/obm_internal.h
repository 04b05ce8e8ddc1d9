/* SPDX-License-Identifier: GPL-2.0 */
/*
 * obmalloc internals: the layout shared by the allocator's files.
 *
 *   heap -+- classes[64]: per size class, a lock and a list of partly
 *         |               used pools ("usedpools" in pymalloc)
 *         +- usable_arenas: arenas with at least one free pool, fullest
 *         |                 first, with nfp2lasta[] for O(1) reordering
 *         +- pcpu: per CPU, a magazine of free blocks per class
 *
 *   arena descriptor (kmalloc)             arena pages (alloc_pages)
 *   +-------------------------+            +--------+--------+-----+---------+
 *   | base, heap, lists, ...  |            | pool 0 | pool 1 | ... | pool 63 |
 *   | pools[0] ---------------+----------> +--------+--------+-----+---------+
 *   | pools[1] ---------------+-------------------> ^
 *   | ...                     |
 *   +-------------------------+
 *
 *   pool page: blocks from offset 0, no header
 *   +-------+-------+-----+-------+------------------+------+
 *   | block | block | ... | block | never carved ... | tail |
 *   +-------+-------+-----+-------+------------------+------+
 *                          next_offset ^                ^ max_next_offset
 *
 * Pool headers live in the arena descriptor, out of line, as SLUB keeps
 * slab metadata in struct slab rather than in the objects' page: a pool
 * page holds nothing but blocks, so a block of 2^n bytes starts at a
 * multiple of 2^n in a page-aligned pool and is naturally aligned, as
 * kmalloc() guarantees (Documentation/core-api/memory-allocation.rst), and
 * an overflow out of the last block of a page cannot reach a header.
 *
 * An arena is normally 256 KiB (order 6); when the page allocator has no
 * free block of that order (fragmented memory), it is a single page, so a
 * small allocation succeeds whenever kmalloc()'s would. The arena registry
 * (obm_arena.c) maps every arena's address range to its descriptor: that,
 * and not the bytes of a page, is how obm_free() knows a pointer is ours.
 *
 * Lock order (outermost first):
 *
 *   cpus_read_lock() (CPU hotplug; held across a drain of every CPU,
 *                     not by the shrinker's drains)
 *     obm_heaps_lock (mutex; heap list, debugfs setup, hotplug callback)
 *       obm_heap.drain_lock (mutex; one drain of a heap at a time)
 *         obm_pcpu.lock (local_lock, irqsave; this CPU's magazines)
 *           obm_class.lock (spinlock, irqsave; one class of one heap)
 *             obm_heap.arena_lock (spinlock, irqsave; the heap's arenas
 *                                  and the assignment of pools to classes)
 *               obm_arena_registry's xa_lock (irqsave)
 *               obm_last_report_lock (raw spinlock, irqsave; the record
 *                                     of the last report, obm_ptr.c)
 *
 * No class lock is ever taken while another class lock is held. The page
 * allocator and kmalloc() are only called with no obmalloc spinlock held,
 * with the caller's gfp flags, so GFP_KERNEL callers may sleep there and
 * GFP_ATOMIC callers never do. Every spinlock here but the leaf
 * obm_last_report_lock is a spinlock_t, so on PREEMPT_RT they sleep, as
 * SLUB's do: no obmalloc lock is ever taken in
 * hard interrupt context there (drains run in per-CPU work items), and,
 * as with kmalloc(), PREEMPT_RT callers may not allocate from hard irq or
 * with raw spinlocks held.
 *
 * Arena descriptors are freed after RCU grace periods, so a lockless
 * registry lookup (under rcu_read_lock()) may always dereference the
 * arena it finds, and its pool headers. The pages are freed at once.
 */
#ifndef _OBM_INTERNAL_H
#define _OBM_INTERNAL_H

#include <linux/bits.h>
#include <linux/cache.h>
#include <linux/jump_label.h>
#include <linux/kmemleak.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/stackdepot.h>
/* After spinlock.h: on UML, local_lock.h does not pull in what it uses. */
#include <linux/local_lock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
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

/*
 * Flags whose contract only kmalloc() can keep for a block that shares its
 * page with other callers' blocks: memcg charging, zones, and a promise
 * never to fail. Such requests are kmalloc()'s.
 */
#define OBM_GFP_KMALLOC_ONLY	(__GFP_ACCOUNT | GFP_ZONEMASK | __GFP_NOFAIL)

/**
 * struct obm_pool - Header of one pool, in its arena's descriptor.
 * @link: In the class's partial list while partly used, in the arena's
 *        free_pools while unused; unlinked while full.
 * @arena: The arena the pool is in.
 * @base: The pool's page.
 * @freeblock: First block of the free list, or NULL. Each free block's
 *             first word links to the next, encoded (obm_pool.c).
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
	void			*base;
	void			*freeblock;
	unsigned int		ref_count;
	unsigned int		class_idx;
	unsigned int		next_offset;
	unsigned int		max_next_offset;
};

/**
 * struct obm_arena - Descriptor of one arena and its pools' headers.
 * @base: Address of pool 0; a full arena is OBM_ARENA_SIZE-aligned.
 * @size: Bytes in the arena: OBM_ARENA_SIZE, or a page (fallback).
 * @heap: The owning heap.
 * @usable_link: In heap->usable_arenas while @nr_free_pools > 0.
 * @free_pools: Pools returned by their class, reused before carving.
 * @nr_pools: Pools in the arena, @size / OBM_POOL_SIZE.
 * @nr_free_pools: Pools in @free_pools plus pools never carved.
 * @nr_carved: Pools [0, @nr_carved) have been given to a class at least
 *             once; read locklessly with smp_load_acquire().
 * @dead: Set when the arena is released, before its pages are freed, so
 *        a lookup hint slot that still points here is not followed.
 * @heap_link: In heap->arenas, every arena of the heap.
 * @tracks: In a debug heap, one array of block records per pool (see
 *          struct obm_track), else NULL.
 * @rcu: Defers clearing the lookup hints, then freeing the descriptor.
 * @pools: One header per pool.
 *
 * @base, @size, @heap, @nr_pools and each pool's @arena and @base are set
 * once; the other fields belong to heap->arena_lock.
 */
struct obm_arena {
	unsigned long		base;
	unsigned long		size;
	struct obm_heap		*heap;
	struct list_head	usable_link;
	struct list_head	free_pools;
	unsigned int		nr_pools;
	unsigned int		nr_free_pools;
	unsigned int		nr_carved;
	bool			dead;
	struct list_head	heap_link;
	struct obm_track	**tracks;
	struct rcu_head		rcu;
	struct obm_pool		pools[];
};

/* The header of the pool that contains @p, an address inside @arena. */
static inline struct obm_pool *obm_arena_pool(struct obm_arena *arena,
					      const void *p)
{
	return &arena->pools[((unsigned long)p - arena->base) >> PAGE_SHIFT];
}

/*
 * Debug flags of a heap (the debug= module parameter, obm_debug.c), as
 * slub_debug's letters: F full free-time checks, Z red zones, P poison,
 * U owner tracking (allocation and free stacks).
 */
#define OBM_DEBUG_FREE		BIT(0)
#define OBM_DEBUG_REDZONE	BIT(1)
#define OBM_DEBUG_POISON	BIT(2)
#define OBM_DEBUG_TRACK		BIT(3)
#define OBM_DEBUG_ALL		(OBM_DEBUG_FREE | OBM_DEBUG_REDZONE | \
				 OBM_DEBUG_POISON | OBM_DEBUG_TRACK)
/* The smallest red zone: a request of n bytes gets a block of n + 8 or more. */
#define OBM_REDZONE_MIN		OBM_ALIGNMENT

/* Block states in struct obm_track. */
enum obm_track_state {
	OBM_BLOCK_NEVER_USED,
	OBM_BLOCK_LIVE,
	OBM_BLOCK_FREE,
};

/**
 * struct obm_track - What a debug heap records per block (obm_ptr.c).
 * @alloc_stack: Stack depot handle of the last allocation, or 0.
 * @free_stack: Stack depot handle of the last free, or 0.
 * @requested: Bytes the caller asked for at the last allocation.
 * @state: An enum obm_track_state.
 *
 * Written under the class lock when the block is freed and by the
 * allocating CPU alone when it is handed out; read locklessly by reports
 * and the objects file, which tolerate a record in flux.
 */
struct obm_track {
	depot_stack_handle_t	alloc_stack;
	depot_stack_handle_t	free_stack;
	u16			requested;
	u16			state;
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
 * @lock: Guards the counters, @count and @slots, with irqs off.
 * @cached: Blocks in all of this CPU's magazines: the sum of @count,
 *          kept as it changes so readers need not add 64 counters.
 * @allocs: Blocks handed out from the magazines.
 * @frees: Blocks freed into the magazines.
 * @refills: Magazines refilled from the pools.
 * @flushes: Magazines (or their oldest half) flushed to the pools.
 * @heap: The heap, for @drain_work.
 * @drain_work: Empties this CPU's magazines, queued on this CPU.
 * @drained: Blocks the last @drain_work gave back.
 * @count: Blocks in each class's magazine.
 * @slots: The magazines, one after the other; NULL until this CPU first
 *         allocates from the heap (obm_pcpu.c, "Lazy magazines").
 */
struct obm_pcpu {
	local_lock_t		lock;
	unsigned int		cached;
	unsigned long		allocs;
	unsigned long		frees;
	unsigned long		refills;
	unsigned long		flushes;
	struct obm_heap		*heap;
	struct work_struct	drain_work;
	unsigned long		drained;
	unsigned short		count[OBM_NR_CLASSES];
	void			**slots;
};

/**
 * struct obm_heap - A named heap: its classes, arenas and statistics.
 * @name: NUL-terminated name, unique among live heaps.
 * @node: In obm_heaps, under obm_heaps_lock.
 * @debugfs_dir: /sys/kernel/debug/obmalloc/<name>/.
 * @pcpu: The per-CPU magazines.
 * @shrinker: Drains the magazines and the reserve arena under pressure.
 * @drain_lock: Serialises drains of this heap's magazines.
 * @freelist_key: Random value that free-list links are encoded with.
 * @arena_lock: Protects the arena fields below and every arena's state.
 * @usable_arenas: Arenas with free pools, ascending nr_free_pools.
 * @nfp2lasta: nfp2lasta[n] is the last arena in @usable_arenas with n free
 *             pools, or NULL (CPython 3.8's trick for O(1) reordering).
 * @arenas_allocated: Arenas ever allocated.
 * @arenas_reclaimed: Arenas given back to the page allocator.
 * @arenas_highwater: Most arenas held at once.
 * @arena_pages: Pages held in arenas now.
 * @small_arenas: Single-page (fallback) arenas held now.
 * @small_arenas_allocated: Single-page arenas ever allocated.
 * @nr_free_pools: Sum of nr_free_pools over the heap's arenas.
 * @double_frees: Frees of a block already free.
 * @invalid_frees: Frees of a pointer inside an arena that is not a live
 *                 block start (interior, never allocated, unused pool).
 * @alloc_failures: Allocations that returned NULL.
 * @kmalloc_allocs: Requests handed to kmalloc() (large or by flags).
 * @kmalloc_for_flags: Of those, small ones whose gfp flags only kmalloc()
 *                     can honour (%OBM_GFP_KMALLOC_ONLY).
 * @freelist_corruptions: Free-list links found corrupted.
 * @arenas: Every arena of the heap, under @arena_lock (the objects file
 *          and the leak report walk it).
 * @debug_flags: OBM_DEBUG_* flags, fixed when the heap is created.
 * @requested_bytes: In a debug heap, bytes requested by live blocks.
 * @redzone_overwrites: Red zones found overwritten on free.
 * @writes_after_free: Poisoned free blocks found written when reused.
 * @classes: The size classes.
 */
struct obm_heap {
	char			name[OBM_HEAP_NAME_MAX + 1];
	struct list_head	node;
	struct dentry		*debugfs_dir;
	struct obm_pcpu __percpu *pcpu;
	struct shrinker		*shrinker;
	struct mutex		drain_lock;	/* see the kernel-doc above */
	unsigned long		freelist_key;

	spinlock_t		arena_lock;	/* the fields below */
	struct list_head	usable_arenas;
	struct obm_arena	*nfp2lasta[OBM_POOLS_PER_ARENA + 1];
	unsigned long		arenas_allocated;
	unsigned long		arenas_reclaimed;
	unsigned long		arenas_highwater;
	unsigned long		arena_pages;
	unsigned long		small_arenas;
	unsigned long		small_arenas_allocated;
	unsigned long		nr_free_pools;
	struct list_head	arenas;

	unsigned int		debug_flags;
	atomic_long_t		requested_bytes;
	atomic_long_t		redzone_overwrites;
	atomic_long_t		writes_after_free;
	atomic_long_t		double_frees;
	atomic_long_t		invalid_frees;
	atomic_long_t		alloc_failures;
	atomic_long_t		kmalloc_allocs;
	atomic_long_t		kmalloc_for_flags;
	atomic_long_t		freelist_corruptions;

	struct obm_class	classes[OBM_NR_CLASSES];
};

static inline unsigned long obm_arenas_current(const struct obm_heap *heap)
{
	return heap->arenas_allocated - heap->arenas_reclaimed;
}

/* obm_class.c: size classes */
void obm_class_table_init(void);
void obm_classes_init(struct obm_heap *heap);
/**
 * obm_size_to_class() - The smallest class that holds a request.
 * @size: 1..OBM_SMALL_MAX bytes.
 *
 * Return: The class index.
 */
static inline unsigned int obm_size_to_class(size_t size)
{
	return (size - 1) / OBM_ALIGNMENT;
}

static inline unsigned int obm_class_size(unsigned int class_idx)
{
	return (class_idx + 1) * OBM_ALIGNMENT;
}

extern u32 obm_class_recip[OBM_NR_CLASSES];

/*
 * Whether a byte offset in a pool is a block start: an exact division by
 * the class size with a multiply, since this runs on every free.
 * ceil(2^32 / size) is exact for every offset below a page.
 */
static inline bool obm_class_offset_is_block(unsigned int class_idx,
					     unsigned int offset)
{
	u32 q = ((u64)offset * obm_class_recip[class_idx]) >> 32;

	return q * obm_class_size(class_idx) == offset;
}

/*
 * A caller has freed @block and it was found live: tell kmemleak, and
 * clear it if the kernel clears freed memory (init_on_free=1), as
 * kfree() does. Before the block reaches a magazine or a free list.
 */
static inline void obm_block_release(void *block, unsigned int class_idx)
{
	kmemleak_free(block);
	if (want_init_on_free())
		memset(block, 0, obm_class_size(class_idx));
}

unsigned int obm_class_take_blocks(struct obm_heap *heap,
				   unsigned int class_idx, void **blocks,
				   unsigned int max);
void obm_class_put_blocks(struct obm_heap *heap, unsigned int class_idx,
			  void * const *blocks, unsigned int n);
void obm_reverse_blocks(void **blocks, unsigned int n);
int obm_heap_grow(struct obm_heap *heap, gfp_t gfp);
void obm_class_free(struct obm_heap *heap, unsigned int class_idx,
		    struct obm_pool *pool, void *block,
		    depot_stack_handle_t free_stack);

/* obm_pool.c: blocks within one pool */
void obm_pool_init(struct obm_pool *pool, const struct obm_class *class,
		   unsigned int class_idx);
void *obm_pool_take_block(struct obm_heap *heap, struct obm_pool *pool,
			  unsigned int class_idx);
void obm_pool_put_block(struct obm_heap *heap, struct obm_pool *pool,
			void *block);
bool obm_pool_is_full(const struct obm_pool *pool);
bool obm_pool_block_is_free(struct obm_heap *heap, struct obm_pool *pool,
			    const void *block);

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

	if (likely(arena && (unsigned long)p - arena->base < arena->size &&
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
size_t obm_arena_descriptor_size(unsigned int nr_pools);

/* obm_pcpu.c: per-CPU magazines */
extern unsigned int obm_mag_cap[OBM_NR_CLASSES];
int obm_pcpu_init(void);
void obm_pcpu_exit(void);
unsigned int obm_mag_batch(unsigned int class_idx);
struct obm_pcpu __percpu *obm_pcpu_create(struct obm_heap *heap);
void obm_pcpu_destroy(struct obm_heap *heap);
/*
 * obm_pcpu_pop(), obm_pcpu_push() and their slow paths obm_pcpu_alloc() and
 * obm_pcpu_free() are static, for obm_heap.c alone (see obm_fastpath.c).
 */
size_t obm_pcpu_magazine_bytes(struct obm_heap *heap, unsigned int cpu);
size_t obm_heap_magazine_bytes(struct obm_heap *heap);
unsigned long obm_heap_drain(struct obm_heap *heap, unsigned long nr_to_drain);
void obm_pcpu_drain_dead(struct obm_heap *heap, unsigned int cpu);
void obm_pcpu_cached_by_class(struct obm_heap *heap,
			      unsigned long cached[OBM_NR_CLASSES]);
unsigned long obm_heap_cached_blocks(struct obm_heap *heap);

/* obm_reclaim.c: shrinker and CPU hotplug */
int obm_reclaim_init(void);
void obm_reclaim_exit(void);
int obm_heap_shrinker_create(struct obm_heap *heap);
void obm_heap_shrinker_destroy(struct obm_heap *heap);

/* Who called a shrinker: the reclaim file's rows, in this order. */
enum obm_reclaimer {
	OBM_RECLAIMER_KSWAPD,	/* kswapd, woken below the low watermark */
	OBM_RECLAIMER_DIRECT,	/* a task reclaiming for its own allocation */
	OBM_RECLAIMER_OTHER,	/* drop_caches, direct calls by the tests */
	OBM_NR_RECLAIMERS,
};

/**
 * struct obm_reclaim_stats - What one kind of caller asked of the shrinkers.
 * @counts: count_objects() calls.
 * @scans: scan_objects() calls.
 * @freed: Objects (blocks and pages) those scans freed.
 */
struct obm_reclaim_stats {
	unsigned long	counts;
	unsigned long	scans;
	unsigned long	freed;
};

const char *obm_reclaimer_name(enum obm_reclaimer who);
void obm_reclaim_read_stats(enum obm_reclaimer who,
			    struct obm_reclaim_stats *stats);

/* obm_ptr.c: which block a pointer is, whether it may be freed, reports */
enum obm_ptr_kind {
	OBM_PTR_BLOCK,		/* the start of a block in a carved pool */
	OBM_PTR_KMALLOC,	/* a kmalloc()ed object: our large blocks */
	OBM_PTR_INVALID,	/* reported and counted already */
};

/* The API call a pointer came through, for reports and free stacks. */
enum obm_op {
	OBM_OP_FREE,
	OBM_OP_REALLOC,
	OBM_OP_USABLE_SIZE,
};

/**
 * struct obm_ptr_info - What obm_ptr_resolve() found out about a block.
 * @arena: Its arena.
 * @pool: Its pool.
 * @class_idx: Its class.
 * @free_stack: For a free in a heap with owner tracking, the stack depot
 *              handle of the caller's stack, taken before any lock.
 */
struct obm_ptr_info {
	struct obm_arena	*arena;
	struct obm_pool		*pool;
	unsigned int		class_idx;
	depot_stack_handle_t	free_stack;
};

/* obm_ptr_resolve() is static, inlined into obm_heap.c (obm_fastpath.c). */
struct obm_pool *obm_block_pool(const void *block, struct obm_arena **arena);
bool obm_free_is_valid(struct obm_heap *heap, struct obm_pool *pool,
		       unsigned int class_idx, const void *block);
bool obm_free_check(struct obm_heap *heap, struct obm_pool *pool,
		    unsigned int class_idx, void *block,
		    depot_stack_handle_t free_stack);
void obm_debug_alloc_block(struct obm_heap *heap, void *block,
			   unsigned int class_idx, size_t size, gfp_t gfp);
size_t obm_debug_usable_size(const struct obm_ptr_info *info,
			     const void *block);
void obm_debug_report_leaks(struct obm_heap *heap);
size_t obm_track_array_size(const struct obm_heap *heap);
bool obm_freelist_link_valid(const struct obm_pool *pool, const void *link,
			     const void *block);
void obm_report_freelist_corruption(struct obm_heap *heap,
				    const struct obm_pool *pool,
				    const void *block);
bool obm_report(struct obm_heap *heap, const char *kind, const char *fmt,
		...) __printf(3, 4);
void obm_report_double_free(struct obm_heap *heap, unsigned int class_idx,
			    const void *block);
extern atomic_long_t obm_foreign_frees;

/**
 * struct obm_live_block - One live block of a debug heap, for walkers.
 * @block: The block.
 * @class_idx: Its class.
 * @track: A copy of its record.
 */
struct obm_live_block {
	const void		*block;
	unsigned int		class_idx;
	struct obm_track	track;
};

unsigned long obm_debug_walk_live(struct obm_heap *heap,
				  void (*fn)(const struct obm_live_block *,
					     void *),
				  void *arg);

/* obm_debug.c: verify_free, the debug= parameter and fault injection */
DECLARE_STATIC_KEY_FALSE(obm_checks_key);
extern bool obm_verify_free;

/*
 * Whether a heap's allocations and frees go through the per-CPU caches:
 * not with verify_free, nor in a debug heap. The static key is on while
 * either exists, so heaps pay nothing for debugging nobody asked for.
 */
static inline bool obm_heap_uses_caches(const struct obm_heap *heap)
{
	return !static_branch_unlikely(&obm_checks_key) ||
	       (!READ_ONCE(obm_verify_free) && !heap->debug_flags);
}

/* Whether every free walks the pool's whole free list. */
static inline bool obm_heap_verifies_free(const struct obm_heap *heap)
{
	return static_branch_unlikely(&obm_checks_key) &&
	       (READ_ONCE(obm_verify_free) ||
		(heap->debug_flags & OBM_DEBUG_FREE));
}

unsigned int obm_debug_flags_for(const char *heap_name);
void obm_debug_flags_format(unsigned int flags, char *buf, size_t len);
bool obm_should_fail_arena(void);
void obm_debug_init(struct dentry *root);

/* obm_heap.c: heaps and the API */
extern struct obm_heap *obm_default_heap;
void obm_heaps_drain_all(void);
void obm_heaps_drain_dead(unsigned int cpu);

/* obm_debugfs.c: statistics files */
extern const char * const obm_debugfs_root_names[];
struct dentry *obm_debugfs_init(void);
void obm_debugfs_exit(void);
void obm_debugfs_add_heap(struct obm_heap *heap);
void obm_debugfs_remove_heap(struct obm_heap *heap);

#endif /* _OBM_INTERNAL_H */
