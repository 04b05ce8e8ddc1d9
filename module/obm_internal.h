/* SPDX-License-Identifier: GPL-2.0 */
/*
 * obmalloc internals: the structures the allocator's files share.
 *
 *   arena set, one per NUMA node        heap "default", or obm_heap_create()
 *   (obm_arena.c), shared by heaps       (obm_heap.c)
 *   +-----------------------------+      +------------------------------------+
 *   | usable arenas, fullest first|      | caches: per CPU, a magazine per    |
 *   | nfp2lasta[], reserve arena  |      |   class (obm_pcpu.c)               |
 *   +--------------+--------------+      | nodes[nid]: per class its pools,   |
 *                  |                     |   its own empty pools (obm_pool.c) |
 *   arena descriptor (kmalloc)           +------------------------------------+
 *   +----------------+                     arena pages (alloc_pages, split)
 *   | pools[0..63]   |----------------->  +--------+--------+-----+---------+
 *   +----------------+                    | pool 0 | pool 1 | ... | pool 63 |
 *                                         +--------+--------+-----+---------+
 *
 * A pool is one page of one size class of one heap: its header, in the
 * arena descriptor, names the heap. A heap takes pools from its node's
 * set and gives them back when they are empty, so a heap holds pages, not
 * arenas, and no page ever holds two heaps' blocks. Debug heaps take their
 * pools from sets of their own, whose arenas carry per-block records
 * (obm_debug.c).
 *
 * Lock order (outermost first):
 *
 *   cpus_read_lock()           CPU hotplug, around drains of every CPU
 *     obm_heaps_lock           mutex: the heap list, debugfs directories
 *       obm_drain_lock         mutex: one drain at a time
 *         obm_cpu.lock         local_lock, irqsave: this CPU's magazines
 *                              of every heap
 *           obm_class.lock     spinlock, irqsave: one class of one heap
 *                              on one node
 *             obm_heap_node.lock   spinlock: that heap's empty pools
 *               obm_arena_set.lock spinlock: a set's arenas
 *                 registry xa_lock, obm_last_report_lock (raw)
 *
 * No two class locks nest. The page allocator and kmalloc() are called
 * with no obmalloc spinlock held and the caller's gfp flags. Every lock
 * but the raw leaf is a spinlock_t or local_lock_t, sleeping on
 * PREEMPT_RT as SLUB's do; there, as for kmalloc(), no allocation or free
 * from hard interrupt context.
 *
 * RCU: a pointer is resolved (registry, arena, pool header, heap) inside
 * an RCU read-side section: the irq-off section of obm_cpu.lock, which is
 * one on non-RT kernels, or the rcu_read_lock() that rt_spin_lock() takes
 * on PREEMPT_RT; elsewhere rcu_read_lock(). Arena descriptors and heaps
 * are freed after grace periods.
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

/* One version, in VERSION at the top of the tree (module/Kbuild). */
#ifndef OBM_VERSION
#define OBM_VERSION		"unknown"
#endif

/* Arena geometry: 256 KiB whatever the page size; one pool per page. */
#define OBM_ARENA_SHIFT		18
#define OBM_ARENA_SIZE		BIT(OBM_ARENA_SHIFT)
#define OBM_ARENA_ORDER		(OBM_ARENA_SHIFT - PAGE_SHIFT)
#define OBM_POOL_SIZE		PAGE_SIZE
#define OBM_POOLS_PER_ARENA	BIT(OBM_ARENA_ORDER)

/* pool->class_idx of a pool that belongs to no class. */
#define OBM_POOL_UNUSED		U16_MAX

/*
 * Flags whose contract only kmalloc() can keep for a block that shares its
 * page with other callers' blocks: memcg charging, zones, and a promise
 * never to fail. Such requests are kmalloc()'s.
 */
#define OBM_GFP_KMALLOC_ONLY	(__GFP_ACCOUNT | GFP_ZONEMASK | __GFP_NOFAIL)

struct dentry;
struct obm_heap;
struct obm_track;
struct seq_file;

/**
 * struct obm_pool - Header of one pool, in its arena's descriptor.
 * @link: In its class's partial list, its heap's empty pools, or its
 *        arena's free pools; unlinked while full.
 * @heap: The heap that owns the pool, or NULL while it is its set's.
 * @freeblock: Owned: the first block of the free list, or NULL; each free
 *             block's first word links to the next, encoded (obm_pool.c).
 * @gp: In the set: the RCU grace-period cookie taken when the pool came
 *      back, before which no other heap may have it.
 * @next_offset: Offset of the next never-used block.
 * @ref_count: Blocks handed out and not yet freed.
 * @class_idx: Size class index, or %OBM_POOL_UNUSED.
 * @last_heap: The id of the heap that owned the pool last.
 * @index: The pool's index in its arena.
 * @last_class: The class the pool had last (debug heaps check its blocks'
 *              poison when it is taken again).
 *
 * @heap, @class_idx and @next_offset are read locklessly by
 * obm_block_check(); @heap and @class_idx are written under the class
 * lock and the set lock; the owned fields belong to the
 * class lock; the rest to the set lock.
 */
struct obm_pool {
	/* What every free reads: 16 bytes in one cache line (obm_main.c). */
	struct obm_heap		*heap;
	unsigned int		next_offset;
	u16			ref_count;
	u16			class_idx;
	struct list_head	link;
	union {
		void		*freeblock;
		unsigned long	gp;
	};
	u32			last_heap;
	u16			index;
	u16			last_class;
};

/**
 * struct obm_arena - Descriptor of one arena and its pools' headers.
 * @base: Address of pool 0; a full arena is OBM_ARENA_SIZE-aligned.
 * @size: Bytes in the arena: OBM_ARENA_SIZE, or a page (fallback); 0
 *        once the arena is released, so that a lookup hint slot that
 *        still points here fails obm_arena_lookup()'s range test.
 * @nr_pools: Pools in the arena, @size / OBM_POOL_SIZE.
 * @nr_free_pools: Pools in @free_pools plus pools never carved.
 * @nr_carved: Pools [0, @nr_carved) have been taken at least once; read
 *             locklessly with smp_load_acquire().
 * @nid: The node whose set the arena is in.
 * @tracks: In a debug heap's set, one array of block records per pool.
 * @set: The set the arena belongs to.
 * @usable_link: In @set's usable list while @nr_free_pools > 0.
 * @free_pools: Pools given back, taken before carving a new one.
 * @set_link: In @set's list of every arena.
 * @rcu: Defers clearing the lookup hints, then freeing the descriptor.
 * @pools: One header per pool.
 *
 * @base, @size, @nr_pools, @nid, @set, @tracks and each pool's @index are
 * set once; the rest belongs to @set's lock.
 */
struct obm_arena {
	unsigned long		base;
	unsigned long		size;
	unsigned int		nr_pools;
	unsigned int		nr_free_pools;
	unsigned int		nr_carved;
	int			nid;
	/* Read on every free with @base, @size and @nid: one cache line. */
	struct obm_track	**tracks;
	struct obm_arena_set	*set;
	struct list_head	usable_link;
	struct list_head	free_pools;
	struct list_head	set_link;
	struct rcu_head		rcu;
	struct obm_pool		pools[];
};

/**
 * struct obm_arena_set - The arenas of one node (or of one debug heap).
 * @lock: Protects the set and its arenas' lists and counts.
 * @nid: The node its pages are allocated on.
 * @owner: NULL for a node's shared set; else the debug heap whose set it
 *         is, which keeps its empty arenas (obm_debug.c).
 * @usable: Arenas with free pools, ascending nr_free_pools.
 * @arenas: Every arena of the set.
 * @arenas_allocated: Arenas ever allocated.
 * @arenas_reclaimed: Arenas given back to the page allocator.
 * @arenas_highwater: Most arenas held at once.
 * @arena_pages: Pages held in arenas now.
 * @small_arenas: Single-page (fallback) arenas held now.
 * @small_arenas_allocated: Single-page arenas ever allocated.
 * @nr_free_pools: Pools no heap holds, over the set's arenas.
 * @stray_frees: Page references found dropped by kfree() and its kin
 *               when an arena was released (not noticed before).
 * @nfp2lasta: nfp2lasta[n] is the last arena in @usable with n free
 *             pools, or NULL (CPython 3.8's trick for O(1) reordering).
 * @trim: Releases a shared set's surplus empty arenas a while after the
 *        first one emptied (obm_arena.c, "Empty arenas").
 */
struct obm_arena_set {
	spinlock_t		lock;	/* see the kernel-doc above */
	int			nid;
	struct obm_heap		*owner;
	struct list_head	usable;
	struct list_head	arenas;
	unsigned long		arenas_allocated;
	unsigned long		arenas_reclaimed;
	unsigned long		arenas_highwater;
	unsigned long		arena_pages;
	unsigned long		small_arenas;
	unsigned long		small_arenas_allocated;
	unsigned long		nr_free_pools;
	unsigned long		stray_frees;
	struct obm_arena	*nfp2lasta[OBM_POOLS_PER_ARENA + 1];
	struct delayed_work	trim;
};

/* The arena whose descriptor holds @pool. */
static inline struct obm_arena *obm_pool_arena(const struct obm_pool *pool)
{
	return container_of(pool - pool->index, struct obm_arena, pools[0]);
}

/* The page of @pool. */
static inline void *obm_pool_base(const struct obm_pool *pool)
{
	return (void *)(obm_pool_arena(pool)->base +
			((unsigned long)pool->index << PAGE_SHIFT));
}

/*
 * Debug flags of a heap (the debug= parameter, obm_params.c), as
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

/**
 * struct obm_class - One size class of one heap on one node.
 * @lock: Protects the class and the owned fields of its pools.
 * @partial: Pools with both used and free blocks; blocks come from the
 *           first; a pool that stops being full goes to the front.
 * @nr_pools: Pools in the class.
 * @nr_full: Of those, pools with no free block.
 * @nr_used_blocks: Blocks handed out, magazines included; WRITE_ONCE for
 *                  lockless readers.
 *
 * Allocated on the node's first allocation of the class (obm_heap.c).
 */
struct obm_class {
	spinlock_t		lock;	/* see the kernel-doc above */
	struct list_head	partial;
	unsigned long		nr_pools;
	unsigned long		nr_full;
	unsigned long		nr_used_blocks;
};

/**
 * struct obm_heap_node - What a heap holds on one node.
 * @lock: Protects @empty_pools and @nr_empty.
 * @empty_pools: Pools the heap emptied and keeps, up to
 *               %OBM_HEAP_EMPTY_POOLS: its first claim (obm_pool.c).
 * @nr_empty: Pools in @empty_pools.
 * @nid: The node.
 * @set: Where the heap's pools on this node come from.
 * @classes: The classes in use on this node, NULL until first used.
 */
struct obm_heap_node {
	spinlock_t		lock;	/* see the kernel-doc above */
	struct list_head	empty_pools;
	unsigned int		nr_empty;
	int			nid;
	struct obm_arena_set	*set;
	struct obm_class	*classes[OBM_NR_CLASSES];
};

/* Empty pools a heap keeps per node before giving them back to the set. */
#define OBM_HEAP_EMPTY_POOLS	2

/**
 * struct obm_mag - One class's magazine on one CPU, for one heap.
 * @count: Blocks in @slots; the top is @slots[@count - 1].
 * @cap: Slots.
 * @allocs: Blocks handed out from it.
 * @frees: Blocks freed into it.
 * @slots: The free blocks.
 *
 * Guarded by obm_cpu.lock of its CPU. A class the CPU has not used has
 * obm_mag_none: no slots, so a pop finds it empty and a push full.
 */
struct obm_mag {
	unsigned int		count;
	unsigned int		cap;
	unsigned long		allocs;
	unsigned long		frees;
	void			*slots[];
};

/**
 * struct obm_cpu_cache - A heap's magazines on one CPU.
 * @mags: Per class, allocated on the CPU's first allocation of the class.
 * @refills: Magazines refilled from the pools.
 * @flushes: Magazines (or their oldest half) flushed to the pools.
 *
 * Allocated on the CPU's first allocation from the heap; guarded by
 * obm_cpu.lock of its CPU. Until then the CPU has obm_cc_none, whose
 * magazines are all obm_mag_none: the fast path tests no pointer.
 */
struct obm_cpu_cache {
	struct obm_mag		*mags[OBM_NR_CLASSES];
	unsigned long		refills;
	unsigned long		flushes;
};

/* Read-only stand-ins for what a CPU has not allocated yet (obm_pcpu.c). */
extern struct obm_mag obm_mag_none;
extern struct obm_cpu_cache obm_cc_none;

/**
 * struct obm_heap - A named heap.
 * @name: NUL-terminated name, unique among live heaps.
 * @id: A number no other heap of this module load has had.
 * @debug_flags: OBM_DEBUG_* flags, fixed when the heap is created.
 * @freelist_key: Random value that free-list links are encoded with.
 * @caches: Per CPU, the heap's magazines, or &obm_cc_none before the
 *          CPU's first allocation from the heap.
 * @list: In obm_heaps, under obm_heaps_lock.
 * @debugfs_dir: /sys/kernel/debug/obmalloc/<name>/.
 * @shrinker: Drains the magazines and gives empty pools back.
 * @rcu: Defers freeing the heap past lockless lookups.
 * @double_frees: Frees of a block already free.
 * @invalid_frees: Pointers into a pool that are not a live block start.
 * @alloc_failures: Allocations that returned NULL.
 * @kmalloc_allocs: Requests handed to kmalloc() (large or by flags).
 * @kmalloc_for_flags: Of those, small ones sent by their flags.
 * @freelist_corruptions: Free-list links found corrupted.
 * @stray_frees: Blocks of the heap freed by kfree() and its kin (counted
 *               by pool page references, obm_arena.c).
 * @requested_bytes: In a debug heap, bytes requested by live blocks.
 * @redzone_overwrites: Red zones found overwritten on free.
 * @writes_after_free: Poisoned free blocks found written.
 * @nodes: Per possible node; nr_node_ids of them.
 */
struct obm_heap {
	char			name[OBM_HEAP_NAME_MAX + 1];
	u32			id;
	unsigned int		debug_flags;
	unsigned long		freelist_key;
	struct obm_cpu_cache * __percpu *caches;
	struct list_head	list;
	struct dentry		*debugfs_dir;
	struct shrinker		*shrinker;
	struct rcu_head		rcu;
	atomic_long_t		double_frees;
	atomic_long_t		invalid_frees;
	atomic_long_t		alloc_failures;
	atomic_long_t		kmalloc_allocs;
	atomic_long_t		kmalloc_for_flags;
	atomic_long_t		freelist_corruptions;
	atomic_long_t		stray_frees;
	atomic_long_t		requested_bytes;
	atomic_long_t		redzone_overwrites;
	atomic_long_t		writes_after_free;
	struct obm_heap_node	*nodes[];
};

/* Size classes: class i holds blocks of 8 * (i + 1) bytes. */
static inline unsigned int obm_size_to_class(size_t size)
{
	return (size - 1) / OBM_ALIGNMENT;
}

static inline unsigned int obm_class_size(unsigned int class_idx)
{
	return (class_idx + 1) * OBM_ALIGNMENT;
}

static inline unsigned int obm_class_blocks(unsigned int class_idx)
{
	return OBM_POOL_SIZE / obm_class_size(class_idx);
}

extern u32 obm_class_recip[OBM_NR_CLASSES];

/*
 * Whether a byte offset in a pool is a block start, with one multiply,
 * since this runs on every free: with M = ceil(2^32 / size), size divides
 * offset exactly when the low 32 bits of offset * M are below M (exact
 * while offset + size < 2^32 / size: obm_main.c asserts it for a pool).
 */
static inline bool obm_class_offset_is_block(unsigned int class_idx,
					     unsigned int offset)
{
	u32 m = obm_class_recip[class_idx];

	return (u32)(offset * m) < m;
}

/* The heap's state on @nid. */
static inline struct obm_heap_node *obm_heap_node(const struct obm_heap *heap,
						  int nid)
{
	return heap->nodes[nid];
}

/* A class of a heap on a node, or NULL if not used there yet. */
static inline struct obm_class *obm_heap_class(const struct obm_heap *heap,
					       int nid, unsigned int class_idx)
{
	return READ_ONCE(heap->nodes[nid]->classes[class_idx]);
}

/* lockdep: the caller holds the lock of @heap's class @class_idx of @pool. */
static inline void obm_assert_class_locked(const struct obm_heap *heap,
					   const struct obm_pool *pool,
					   unsigned int class_idx)
{
	/* Without lockdep the argument is still evaluated: READ_ONCE(). */
	if (IS_ENABLED(CONFIG_LOCKDEP))
		lockdep_assert_held(&obm_heap_class(heap,
						    obm_pool_arena(pool)->nid,
						    class_idx)->lock);
}

/* lockdep: the caller holds this CPU's obm_cpu.lock. */
#define obm_assert_cpu_locked()	lockdep_assert_held(this_cpu_ptr(&obm_cpu.lock))

/* obm_main.c: module-wide tables */
void obm_class_table_init(void);

/* obm_heap.c: heaps */
extern struct obm_heap *obm_default_heap;
struct obm_class *obm_heap_class_get(struct obm_heap *heap, int nid,
				     unsigned int class_idx, gfp_t gfp);
int obm_heap_grow(struct obm_heap *heap, int nid, gfp_t gfp);
void obm_heaps_drain_all(void);
void obm_heaps_drain_dead(unsigned int cpu);
int obm_heaps_init(void);
void obm_heaps_exit(void);
void obm_heap_count_failure(struct obm_heap *heap);

/* obm_pool.c: a heap's pools, and the blocks in a pool */
unsigned int obm_pool_take_blocks(struct obm_heap *heap, int nid,
				  unsigned int class_idx, void **blocks,
				  unsigned int max);
void obm_pool_put_blocks(struct obm_heap *heap, unsigned int class_idx,
			 void * const *blocks, unsigned int n);
void obm_pool_free_block(struct obm_heap *heap, struct obm_pool *pool,
			 unsigned int class_idx, void *block,
			 depot_stack_handle_t free_stack);
void obm_pool_keep_new(struct obm_heap *heap, struct obm_heap_node *hn,
		       struct obm_pool *pool);
unsigned long obm_pool_give_back_empty(struct obm_heap *heap);
void obm_pool_heap_teardown(struct obm_heap *heap);
bool obm_pool_block_is_free(struct obm_heap *heap, struct obm_pool *pool,
			    const void *block);

/* obm_arena.c: arena sets, the registry, pool pages */
int obm_arenas_init(void);
void obm_arenas_exit(void);
struct obm_arena_set *obm_node_set(int nid);
struct obm_arena_set *obm_set_create(struct obm_heap *owner, int nid);
void obm_set_destroy(struct obm_arena_set *set);
struct obm_pool *obm_set_grow(struct obm_arena_set *set, gfp_t gfp);
struct obm_pool *obm_set_take_pool(struct obm_arena_set *set,
				   struct obm_heap *heap);
void obm_set_put_pool(struct obm_arena_set *set, struct obm_pool *pool);
unsigned long obm_set_empty_pages(struct obm_arena_set *set);
unsigned long obm_set_release_empty(struct obm_arena_set *set);
unsigned long obm_set_release_surplus(struct obm_arena_set *set);
struct obm_arena *obm_arena_lookup_slow(const void *p);
void obm_arena_check_strays(struct obm_heap *heap, struct obm_pool *pool);
size_t obm_arena_descriptor_size(unsigned int nr_pools);
void obm_arenas_wait_freed(void);

/**
 * struct obm_set_stats - A snapshot of one or more arena sets.
 * @arenas_allocated: Arenas ever allocated.
 * @arenas_reclaimed: Arenas given back to the page allocator.
 * @arenas_highwater: Sum of the sets' high-water marks.
 * @arena_pages: Pages held in arenas.
 * @small_arenas: Single-page arenas held.
 * @small_arenas_allocated: Single-page arenas ever allocated.
 * @free_pools: Pools no heap holds.
 * @empty_arenas: Arenas with every pool free.
 * @stray_frees: Page references dropped by kfree() and its kin.
 * @descriptor_bytes: kmalloc memory of the arena descriptors.
 */
struct obm_set_stats {
	unsigned long	arenas_allocated;
	unsigned long	arenas_reclaimed;
	unsigned long	arenas_highwater;
	unsigned long	arena_pages;
	unsigned long	small_arenas;
	unsigned long	small_arenas_allocated;
	unsigned long	free_pools;
	unsigned long	empty_arenas;
	unsigned long	stray_frees;
	unsigned long	descriptor_bytes;
};

void obm_set_read_stats(struct obm_arena_set *set, struct obm_set_stats *st);

/*
 * A page of slots per CPU. Arenas lie where the page allocator found
 * order-6 blocks, scattered once memory has been used: of n arenas in m
 * slots about n * (1 - e^(-n/m)) share a slot and evict each other, and a
 * free that misses walks the registry (docs/design.md, lookup hints).
 */
#define OBM_ARENA_HINTS		512

/* Per CPU: arenas looked up recently (see obm_arena.c). */
struct obm_arena_hints {
	struct obm_arena	*slot[OBM_ARENA_HINTS];
};

/*
 * Allocated at load (alloc_percpu()): a static DEFINE_PER_CPU() of this
 * size would take half of the 8 KiB all modules' static per-CPU data
 * share (PERCPU_MODULE_RESERVE).
 */
extern struct obm_arena_hints __percpu *obm_arena_hints;

static inline unsigned int obm_arena_hint_slot(unsigned long addr)
{
	return (addr >> OBM_ARENA_SHIFT) % OBM_ARENA_HINTS;
}

/* obm_pcpu.c: per-CPU magazines */

/**
 * struct obm_cpu - What one CPU's magazines of every heap share.
 * @lock: Guards this CPU's magazines; irqsave, so that an interrupt on
 *        the same CPU never sees one half changed.
 * @drain_work: Empties this CPU's magazines of @drain_heap.
 * @drain_heap: The heap a drain asks for, under obm_drain_lock.
 * @drained: Blocks the last drain work gave back.
 */
struct obm_cpu {
	local_lock_t		lock;
	struct work_struct	drain_work;
	struct obm_heap		*drain_heap;
	unsigned long		drained;
};

DECLARE_PER_CPU(struct obm_cpu, obm_cpu);
extern struct mutex obm_heaps_lock;

int obm_pcpu_init(void);
void obm_pcpu_exit(void);
unsigned int obm_mag_capacity(unsigned int class_idx);
unsigned int obm_mag_batch(unsigned int class_idx);
int obm_pcpu_heap_init(struct obm_heap *heap);
void obm_pcpu_heap_exit(struct obm_heap *heap);
void *obm_pcpu_alloc(struct obm_heap *heap, unsigned int class_idx,
		     gfp_t gfp);
void obm_pcpu_free(struct obm_heap *heap, struct obm_pool *pool,
		   unsigned int class_idx, void *block);
unsigned long obm_heap_drain(struct obm_heap *heap, unsigned long nr_to_drain);
void obm_pcpu_drain_dead(struct obm_heap *heap, unsigned int cpu);
void obm_pcpu_cached_by_class(struct obm_heap *heap,
			      unsigned long cached[OBM_NR_CLASSES]);
unsigned long obm_heap_cached_blocks(struct obm_heap *heap);
size_t obm_pcpu_magazine_bytes(struct obm_heap *heap, unsigned int cpu);
size_t obm_heap_magazine_bytes(struct obm_heap *heap);

/**
 * struct obm_cpu_stats - One CPU's magazines of one heap, summed.
 * @allocs: Blocks handed out from them.
 * @frees: Blocks freed into them.
 * @refills: Refills.
 * @flushes: Flushes.
 * @cached: Blocks in them now.
 */
struct obm_cpu_stats {
	unsigned long	allocs;
	unsigned long	frees;
	unsigned long	refills;
	unsigned long	flushes;
	unsigned long	cached;
};

void obm_pcpu_read_stats(struct obm_heap *heap, unsigned int cpu,
			 struct obm_cpu_stats *st);

/* obm_rcu.c: frees deferred past an RCU grace period */
int obm_rcu_init(void);
void obm_rcu_exit(void);
void obm_rcu_barrier(void);
void obm_rcu_read_stats(unsigned long *pending, unsigned long *batches,
			unsigned long *freed);

/* obm_reclaim.c: shrinkers and CPU hotplug */
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

/* obm_ptr.c: what a pointer is when the fast path cannot tell, reports */
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
	OBM_OP_ALLOC,
};

/**
 * struct obm_ptr_info - What obm_ptr_resolve() found out about a block.
 * @arena: Its arena.
 * @pool: Its pool.
 * @heap: Its heap.
 * @class_idx: Its class.
 * @free_stack: For a free in a heap with owner tracking, the stack depot
 *              handle of the caller's stack.
 */
struct obm_ptr_info {
	struct obm_arena	*arena;
	struct obm_pool		*pool;
	struct obm_heap		*heap;
	unsigned int		class_idx;
	depot_stack_handle_t	free_stack;
};

enum obm_ptr_kind obm_ptr_resolve_other(const void *p, enum obm_op op);
enum obm_ptr_kind obm_ptr_report_bad(struct obm_arena *arena,
				     struct obm_pool *pool, const void *p,
				     enum obm_op op);
bool obm_report(const struct obm_heap *heap, const char *kind,
		const char *fmt, ...) __printf(3, 4);
void obm_report_block(struct obm_heap *heap, const char *kind,
		      const char *op, const void *block,
		      unsigned int class_idx, const struct obm_track *track,
		      long bad_offset, const char *why);
void obm_report_invalid(struct obm_heap *heap, const char *kind,
			enum obm_op op, const void *p, unsigned int class_idx,
			const char *why);
void obm_report_double_free(struct obm_heap *heap, unsigned int class_idx,
			    const void *block, const struct obm_track *track);
void obm_record_report(const struct obm_heap *heap, const char *kind,
		       const void *block, unsigned int class_idx,
		       long bad_offset, const struct obm_track *track);
extern atomic_long_t obm_foreign_frees;

/* obm_debug.c: debug heaps (records, red zones, poison, stacks) */

/* Block states in struct obm_track. */
enum obm_track_state {
	OBM_BLOCK_NEVER_USED,
	OBM_BLOCK_LIVE,
	OBM_BLOCK_FREE,
};

/**
 * struct obm_track - What a debug heap records per block.
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

DECLARE_STATIC_KEY_FALSE(obm_checks_key);
extern bool obm_verify_free;
extern unsigned int obm_arena_trim_ms;

/*
 * Whether a heap's allocations and frees go through the magazines: not
 * with verify_free, nor in a debug heap. The static key is on while
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

depot_stack_handle_t obm_stack_save(void);
size_t obm_debug_block_bytes(const struct obm_heap *heap, size_t size);
void obm_debug_alloc_block(struct obm_heap *heap, void *block,
			   unsigned int class_idx, size_t size, gfp_t gfp);
bool obm_debug_free_block(struct obm_heap *heap, struct obm_pool *pool,
			  unsigned int class_idx, void *block,
			  depot_stack_handle_t free_stack);
size_t obm_debug_usable_size(const struct obm_ptr_info *info,
			     const void *block);
struct obm_track *obm_debug_track(const struct obm_pool *pool,
				  unsigned int class_idx, const void *block);
void obm_debug_pool_reuse(struct obm_heap *heap, struct obm_pool *pool,
			  unsigned int class_idx);
void obm_debug_arena_release(struct obm_arena *arena);
int obm_debug_arena_tracks(struct obm_arena *arena, gfp_t gfp);
void obm_debug_arena_free_tracks(struct obm_arena *arena);
void obm_debug_print_track(const struct obm_heap *heap,
			   const struct obm_track *track);
void obm_debug_report_interior(struct obm_pool *pool, unsigned int class_idx,
			       const void *p);
void obm_debug_report_leaks(struct obm_heap *heap);
int obm_debug_objects_show(struct seq_file *m, struct obm_heap *heap);
size_t obm_debug_record_bytes(struct obm_heap *heap);

/* obm_params.c: module parameters: verify_free, debug=, fail_arena */
unsigned int obm_debug_flags_for(const char *heap_name);
void obm_debug_flags_format(unsigned int flags, char *buf, size_t len);
bool obm_should_fail_arena(void);
void obm_params_init(struct dentry *root);

/* obm_debugfs.c: statistics files */
extern const char * const obm_debugfs_root_names[];
struct dentry *obm_debugfs_init(void);
void obm_debugfs_exit(void);
void obm_debugfs_add_heap(struct obm_heap *heap);
void obm_debugfs_remove_heap(struct obm_heap *heap);

#endif /* _OBM_INTERNAL_H */
