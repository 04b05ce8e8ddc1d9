// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc debug heaps: what slub_debug=FZPU does for kmalloc, per heap
 * (the debug= parameter, obm_params.c).
 *
 * A debug heap bypasses the magazines, so every allocation and free of
 * its blocks takes the class lock, and keeps a record per block (struct
 * obm_track): its state, the bytes requested and, with U, the stack depot
 * handles of its last allocation and free. The records live beside the
 * heap's own arenas: a debug heap takes its pools from arena sets of its
 * own, one per node, whose arenas carry an array of records per pool and
 * are kept when empty, until the heap's shrinker or its destruction. So
 * a pool's freed blocks keep their poison and records while nobody uses
 * them, and every block freed is checked when its pool is taken again,
 * by any class, and when its arena goes back to the page allocator.
 *
 *   F: the pool's whole free list is walked on every free (obm_pool.c);
 *      every debug heap catches every double free by the record;
 *   Z: a request of n bytes gets a block of at least n + 8 (2n for a power
 *      of two, to keep kmalloc's natural alignment), the bytes past n a red
 *      zone (0xcc) checked on free; requests over OBM_SMALL_MAX - 8 go to
 *      kmalloc();
 *   P: a freed block is filled with POISON_FREE (0x6b), in place of
 *      init_on_free's zeros, as SLUB does, and checked, but for the link
 *      in its first word, when reused; a new block not zeroed is filled
 *      with POISON_INUSE (0x5a);
 *   U: the stacks, saved with the stack depot as SLUB saves them.
 * A damaged block is reported, then handed out or freed all the same, its
 * red zone and poison rewritten: the heap carries on.
 *
 * Locking: records change under the class lock on free and by the
 * allocating CPU alone on allocation; walkers (the leak report, the
 * objects file) hold the set lock, which keeps pools from changing heap,
 * and read records that may be in flux. Reports may be made under any
 * lock.
 */

#define pr_fmt(fmt) "obmalloc: " fmt

#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/poison.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/stacktrace.h>

#include "obm_fastpath.h"

/* The red zone's bytes, as SLUB's SLUB_RED_ACTIVE. */
#define OBM_REDZONE_BYTE	0xcc
/* Frames saved per allocation or free stack. */
#define OBM_STACK_DEPTH		16

/**
 * obm_stack_save() - The caller's stack in the stack depot, or 0.
 *
 * The depot may take a page for its pools (GFP_NOWAIT, as SLUB's
 * set_track_prepare()), except on PREEMPT_RT where the caller cannot sleep
 * on a lock.
 *
 * Return: The handle.
 */
noinline depot_stack_handle_t obm_stack_save(void)
{
	unsigned long entries[OBM_STACK_DEPTH];
	unsigned int nr;
	bool can_alloc;

	if (!IS_ENABLED(CONFIG_STACKDEPOT) || !IS_ENABLED(CONFIG_STACKTRACE))
		return 0;
	nr = stack_trace_save(entries, ARRAY_SIZE(entries), 1);
	can_alloc = !IS_ENABLED(CONFIG_PREEMPT_RT) || preemptible();
	return obm_stack_depot_save(entries, nr, GFP_NOWAIT, can_alloc);
}

/**
 * obm_debug_block_bytes() - The bytes a request needs in a debug heap.
 * @heap: The heap.
 * @size: The request, 1..OBM_SMALL_MAX.
 *
 * Return: @size, or with red zones 8 more (twice a power of two); 0 if
 * that is more than a class holds, and kmalloc() serves the request.
 */
size_t obm_debug_block_bytes(const struct obm_heap *heap, size_t size)
{
	if (!(heap->debug_flags & OBM_DEBUG_REDZONE))
		return size;
	if (size >= OBM_ALIGNMENT && is_power_of_2(size))
		size *= 2;
	else
		size += OBM_REDZONE_MIN;
	return size <= OBM_SMALL_MAX ? size : 0;
}

/* Records per pool: room for the most blocks a pool of the set can hold. */
static size_t obm_debug_tracks_size(const struct obm_heap *heap)
{
	unsigned int smallest = OBM_ALIGNMENT;

	if (heap->debug_flags & OBM_DEBUG_REDZONE)
		smallest += OBM_REDZONE_MIN;
	return OBM_POOL_SIZE / smallest * sizeof(struct obm_track);
}

/**
 * obm_debug_arena_tracks() - Give a debug heap's new arena its records.
 * @arena: The arena, of a set with an owner.
 * @gfp: The caller's flags: allocated where allocating is allowed, not
 *       under the class lock when a pool is taken.
 *
 * Return: 0 or -ENOMEM (obm_debug_arena_free_tracks() then cleans up).
 */
int obm_debug_arena_tracks(struct obm_arena *arena, gfp_t gfp)
{
	size_t size = obm_debug_tracks_size(arena->set->owner);
	unsigned int i;

	arena->tracks = kcalloc(arena->nr_pools, sizeof(*arena->tracks), gfp);
	if (!arena->tracks)
		return -ENOMEM;
	for (i = 0; i < arena->nr_pools; i++) {
		arena->tracks[i] = kzalloc(size, gfp);
		if (!arena->tracks[i])
			return -ENOMEM;
	}
	return 0;
}

/**
 * obm_debug_arena_free_tracks() - Free an arena's records, if any.
 * @arena: The arena.
 */
void obm_debug_arena_free_tracks(struct obm_arena *arena)
{
	unsigned int i;

	if (!arena->tracks)
		return;
	for (i = 0; i < arena->nr_pools; i++)
		kfree(arena->tracks[i]);
	kfree(arena->tracks);
	arena->tracks = NULL;
}

/**
 * obm_debug_record_bytes() - kmalloc memory of a debug heap's records.
 * @heap: The heap.
 *
 * Return: The bytes, over every arena of its sets.
 */
size_t obm_debug_record_bytes(struct obm_heap *heap)
{
	size_t per_pool = kmalloc_size_roundup(obm_debug_tracks_size(heap));
	struct obm_set_stats st = {};
	int nid;

	if (!heap->debug_flags)
		return 0;
	for_each_node(nid)
		obm_set_read_stats(obm_heap_node(heap, nid)->set, &st);
	return (st.arenas_allocated - st.arenas_reclaimed - st.small_arenas) *
	       (kmalloc_size_roundup(OBM_POOLS_PER_ARENA * sizeof(void *)) +
		OBM_POOLS_PER_ARENA * per_pool) +
	       st.small_arenas * (kmalloc_size_roundup(sizeof(void *)) +
				  per_pool);
}

/**
 * obm_debug_track() - A debug heap's record of a block.
 * @pool: The block's pool, of an arena with records.
 * @class_idx: The block's class.
 * @block: The block.
 *
 * Return: The record.
 */
struct obm_track *obm_debug_track(const struct obm_pool *pool,
				  unsigned int class_idx, const void *block)
{
	unsigned int offset = (unsigned long)block & ~PAGE_MASK;

	return &obm_pool_arena(pool)->tracks[pool->index]
					    [offset / obm_class_size(class_idx)];
}

static void obm_print_stack(const struct obm_heap *heap, const char *what,
			    depot_stack_handle_t stack)
{
	if (!stack)
		return;
	pr_err("heap %s: %s by:\n", heap->name, what);
	stack_depot_print(stack);
}

/**
 * obm_debug_print_track() - Print a block's record after its report.
 * @heap: The heap.
 * @track: The record.
 */
void obm_debug_print_track(const struct obm_heap *heap,
			   const struct obm_track *track)
{
	pr_err("heap %s: the block's last request was %u bytes\n",
	       heap->name, track->requested);
	obm_print_stack(heap, "allocated", track->alloc_stack);
	obm_print_stack(heap, "last freed", track->free_stack);
}

/**
 * obm_debug_report_interior() - Say whose block an interior pointer is in.
 * @pool: The pool, of an arena with records.
 * @class_idx: Its class.
 * @p: The pointer, inside a block.
 */
void obm_debug_report_interior(struct obm_pool *pool, unsigned int class_idx,
			       const void *p)
{
	unsigned int size = obm_class_size(class_idx);
	unsigned int start = ((unsigned long)p & ~PAGE_MASK) / size * size;
	const void *block = obm_pool_base(pool) + start;
	struct obm_heap *heap = READ_ONCE(pool->heap);
	struct obm_track *track;

	if (!heap || start >= READ_ONCE(pool->next_offset))
		return;
	track = obm_debug_track(pool, class_idx, block);
	obm_record_report(heap, "interior pointer", block, class_idx,
			  p - block, track);
	pr_err("heap %s: the pointer is %ld bytes into block %p\n",
	       heap->name, (long)(p - block), block);
	obm_debug_print_track(heap, track);
}

/* Check a free block's poison, but for its link; report a write after free. */
static void obm_debug_check_poison(struct obm_heap *heap, void *block,
				   unsigned int class_idx,
				   const struct obm_track *track,
				   const char *op)
{
	unsigned int size = obm_class_size(class_idx);
	u8 *bad = memchr_inv(block + sizeof(void *), POISON_FREE,
			     size - sizeof(void *));

	if (!bad)
		return;
	atomic_long_inc(&heap->writes_after_free);
	obm_report_block(heap, "write after free", op, block, class_idx,
			 track, bad - (u8 *)block,
			 "free block written before its reuse");
}

/* Check every freed block of a pool before it is reused or given back. */
static void obm_debug_check_pool(struct obm_heap *heap, struct obm_pool *pool,
				 const char *op)
{
	unsigned int class_idx = pool->last_class, b, carved;
	struct obm_track *tracks = obm_pool_arena(pool)->tracks[pool->index];
	void *base = obm_pool_base(pool);

	if (!(heap->debug_flags & OBM_DEBUG_POISON) ||
	    class_idx >= OBM_NR_CLASSES)
		return;
	carved = pool->next_offset / obm_class_size(class_idx);
	for (b = 0; b < carved; b++)
		if (tracks[b].state == OBM_BLOCK_FREE)
			obm_debug_check_poison(heap,
					       base + b * obm_class_size(class_idx),
					       class_idx, &tracks[b], op);
}

/**
 * obm_debug_pool_reuse() - A debug heap takes an empty pool again.
 * @heap: The heap.
 * @pool: The pool, before its class and carving are reset.
 * @class_idx: The class it is given to.
 *
 * Its blocks freed since its last class are checked for writes after
 * free, then its records start afresh.
 *
 * Context: Caller holds the new class's lock.
 */
void obm_debug_pool_reuse(struct obm_heap *heap, struct obm_pool *pool,
			  unsigned int class_idx)
{
	obm_assert_class_locked(heap, pool, class_idx);
	obm_debug_check_pool(heap, pool, "obm_alloc");
	memset(obm_pool_arena(pool)->tracks[pool->index], 0,
	       obm_debug_tracks_size(heap));
	pool->last_class = OBM_POOL_UNUSED;
}

/**
 * obm_debug_arena_release() - Check a debug heap's arena before it goes.
 * @arena: An arena whose pools are all free.
 *
 * Context: Caller holds the set's lock.
 */
void obm_debug_arena_release(struct obm_arena *arena)
{
	unsigned int i;

	lockdep_assert_held(&arena->set->lock);
	for (i = 0; i < arena->nr_carved; i++)
		obm_debug_check_pool(arena->set->owner, &arena->pools[i],
				     "obm_heap_shrink");
}

/**
 * obm_debug_alloc_block() - Prepare a block a debug heap hands out.
 * @heap: A heap with debug flags.
 * @block: The block, just taken from its pool; kmemleak knows it.
 * @class_idx: Its class.
 * @size: Bytes requested (1..OBM_SMALL_MAX, less the red zone with Z).
 * @gfp: The caller's flags.
 *
 * Checks the poison of a block freed before, then zeroes the block
 * (__GFP_ZERO, init_on_alloc) or fills it with POISON_INUSE (P), writes
 * the red zone (Z) and records the allocation.
 *
 * Context: Any; no obmalloc lock held; the block is the caller's alone.
 */
void obm_debug_alloc_block(struct obm_heap *heap, void *block,
			   unsigned int class_idx, size_t size, gfp_t gfp)
{
	unsigned int block_size = obm_class_size(class_idx);
	struct obm_arena *arena = NULL;
	struct obm_track *track;
	size_t usable;

	track = obm_debug_track(obm_block_pool(block, &arena), class_idx, block);
	if ((heap->debug_flags & OBM_DEBUG_POISON) &&
	    track->state == OBM_BLOCK_FREE)
		obm_debug_check_poison(heap, block, class_idx, track,
				       "obm_alloc");
	/* The caller's bytes: the request with a red zone after it. */
	usable = heap->debug_flags & OBM_DEBUG_REDZONE ? size : block_size;
	if (want_init_on_alloc(gfp))
		memset(block, 0, usable);
	else if (heap->debug_flags & OBM_DEBUG_POISON)
		memset(block, POISON_INUSE, usable);
	else if (want_init_on_free())
		*(void **)block = NULL;		/* as obm_block_init() */
	memset(block + usable, OBM_REDZONE_BYTE, block_size - usable);

	track->requested = size;
	track->alloc_stack = heap->debug_flags & OBM_DEBUG_TRACK ?
			     obm_stack_save() : 0;
	WRITE_ONCE(track->state, OBM_BLOCK_LIVE);
	atomic_long_add(size, &heap->requested_bytes);
}

/**
 * obm_debug_free_block() - Release a debug heap's live block.
 * @heap: The heap.
 * @pool: The block's pool.
 * @class_idx: Its class.
 * @block: The block.
 * @free_stack: The caller's stack (U), or 0.
 *
 * Checks the red zone, poisons (or with init_on_free clears) the block and
 * records the free; the caller then puts it back in its pool.
 *
 * Context: Caller holds the class lock.
 * Return: true.
 */
bool obm_debug_free_block(struct obm_heap *heap, struct obm_pool *pool,
			  unsigned int class_idx, void *block,
			  depot_stack_handle_t free_stack)
{
	struct obm_track *track = obm_debug_track(pool, class_idx, block);
	unsigned int size = obm_class_size(class_idx);
	u8 *bad;

	obm_assert_class_locked(heap, pool, class_idx);
	if (heap->debug_flags & OBM_DEBUG_REDZONE) {
		bad = memchr_inv(block + track->requested, OBM_REDZONE_BYTE,
				 size - track->requested);
		if (bad) {
			atomic_long_inc(&heap->redzone_overwrites);
			obm_report_block(heap, "red zone overwritten",
					 "obm_free", block, class_idx, track,
					 bad - (u8 *)block,
					 "bytes past the request written");
		}
	}
	kmemleak_free(block);
	if (heap->debug_flags & OBM_DEBUG_POISON)
		memset(block, POISON_FREE, size);
	else if (want_init_on_free())
		memset(block, 0, size);
	atomic_long_sub(track->requested, &heap->requested_bytes);
	WRITE_ONCE(track->free_stack, free_stack);
	WRITE_ONCE(track->state, OBM_BLOCK_FREE);
	return true;
}

/**
 * obm_debug_usable_size() - Usable bytes of a debug heap's block.
 * @info: The block, resolved.
 * @block: The block.
 *
 * Return: The request with red zones, which the caller may not write;
 * else the block size.
 */
size_t obm_debug_usable_size(const struct obm_ptr_info *info,
			     const void *block)
{
	if (!(info->heap->debug_flags & OBM_DEBUG_REDZONE))
		return obm_class_size(info->class_idx);
	return READ_ONCE(obm_debug_track(info->pool, info->class_idx,
					 block)->requested);
}

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

/*
 * Call @fn for every live block of a debug heap, under each set's lock
 * (irqs off; @fn must not sleep). Blocks allocated or freed meanwhile may
 * or may not be seen. Returns the number of live blocks seen.
 */
static unsigned long obm_debug_walk_live(struct obm_heap *heap,
					 void (*fn)(const struct obm_live_block *,
						    void *),
					 void *arg)
{
	struct obm_live_block live;
	struct obm_arena *arena;
	unsigned long flags, n = 0;
	unsigned int i, b;
	int nid;

	if (!heap->debug_flags)
		return 0;
	for_each_node(nid) {
		struct obm_arena_set *set = obm_heap_node(heap, nid)->set;

		spin_lock_irqsave(&set->lock, flags);
		list_for_each_entry(arena, &set->arenas, set_link) {
			for (i = 0; i < arena->nr_carved; i++) {
				struct obm_pool *pool = &arena->pools[i];
				unsigned int class_idx = READ_ONCE(pool->class_idx);
				unsigned int carved;

				if (class_idx >= OBM_NR_CLASSES)
					continue;
				carved = READ_ONCE(pool->next_offset) /
					 obm_class_size(class_idx);
				for (b = 0; b < carved; b++) {
					struct obm_track *t = &arena->tracks[i][b];

					if (READ_ONCE(t->state) != OBM_BLOCK_LIVE)
						continue;
					live.block = obm_pool_base(pool) +
						     b * obm_class_size(class_idx);
					live.class_idx = class_idx;
					live.track.alloc_stack = READ_ONCE(t->alloc_stack);
					live.track.free_stack = READ_ONCE(t->free_stack);
					live.track.requested = READ_ONCE(t->requested);
					live.track.state = OBM_BLOCK_LIVE;
					fn(&live, arg);
					n++;
				}
			}
		}
		spin_unlock_irqrestore(&set->lock, flags);
	}
	return n;
}

/* Leaked blocks printed per report: enough to find the callers. */
#define OBM_LEAKS_PRINTED	8

struct obm_leak_report {
	struct obm_heap	*heap;
	unsigned long	printed;
};

static void obm_report_one_leak(const struct obm_live_block *live, void *arg)
{
	struct obm_leak_report *report = arg;
	struct obm_heap *heap = report->heap;

	if (!report->printed)
		obm_record_report(heap, "destroy with live blocks", live->block,
				  live->class_idx, -1, &live->track);
	if (report->printed++ >= OBM_LEAKS_PRINTED)
		return;
	pr_err("heap %s: leaked block %p (class %u, %u-byte blocks, pool offset %lu)\n",
	       heap->name, live->block, live->class_idx,
	       obm_class_size(live->class_idx),
	       (unsigned long)live->block & ~PAGE_MASK);
	obm_debug_print_track(heap, &live->track);
}

/**
 * obm_debug_report_leaks() - Print a debug heap's live blocks and stacks.
 * @heap: A heap being destroyed with live blocks, reported already.
 */
void obm_debug_report_leaks(struct obm_heap *heap)
{
	struct obm_leak_report report = { .heap = heap };
	unsigned long n = obm_debug_walk_live(heap, obm_report_one_leak,
					      &report);

	if (n > OBM_LEAKS_PRINTED)
		pr_err("heap %s: %lu more leaked blocks not shown\n",
		       heap->name, n - OBM_LEAKS_PRINTED);
}

/*
 * The objects file: live blocks grouped by allocation stack, in an open-
 * addressing table sized before the walk, since the walk holds the set
 * lock. Stacks beyond OBM_OBJECTS_GROUPS are summed in one line.
 */
#define OBM_OBJECTS_SLOTS	4096
#define OBM_OBJECTS_GROUPS	(OBM_OBJECTS_SLOTS * 3 / 4)
#define OBM_OBJECTS_STACK_BUF	2048

struct obm_objects_group {
	depot_stack_handle_t	stack;
	bool			used;
	unsigned long		blocks;
	unsigned long		bytes;
	unsigned long		requested;
};

struct obm_objects {
	struct obm_objects_group	*slots;
	unsigned int			nr_groups;
	struct obm_objects_group	other;
};

static void obm_objects_add(const struct obm_live_block *live, void *arg)
{
	struct obm_objects *objects = arg;
	depot_stack_handle_t stack = live->track.alloc_stack;
	unsigned int i = hash_32(stack, ilog2(OBM_OBJECTS_SLOTS));
	struct obm_objects_group *group;

	for (;; i = (i + 1) % OBM_OBJECTS_SLOTS) {
		group = &objects->slots[i];
		if (group->used && group->stack == stack)
			break;
		if (!group->used) {
			if (objects->nr_groups == OBM_OBJECTS_GROUPS) {
				group = &objects->other;
				break;
			}
			group->used = true;
			group->stack = stack;
			objects->nr_groups++;
			break;
		}
	}
	group->blocks++;
	group->bytes += obm_class_size(live->class_idx);
	group->requested += live->track.requested;
}

/* Most bytes first. */
static int obm_objects_cmp(const void *a, const void *b)
{
	const struct obm_objects_group *x = a, *y = b;

	if (x->used != y->used)
		return x->used ? -1 : 1;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return 0;
}

/**
 * obm_debug_objects_show() - The objects file of a heap with owner tracking.
 * @m: The seq_file.
 * @heap: The heap.
 *
 * Context: Process context; sleeps.
 * Return: 0 or -ENOMEM.
 */
int obm_debug_objects_show(struct seq_file *m, struct obm_heap *heap)
{
	struct obm_objects objects = {};
	unsigned int i;
	char *buf;

	objects.slots = kvcalloc(OBM_OBJECTS_SLOTS, sizeof(*objects.slots),
				 GFP_KERNEL);
	buf = kmalloc(OBM_OBJECTS_STACK_BUF, GFP_KERNEL);
	if (!objects.slots || !buf) {
		kvfree(objects.slots);
		kfree(buf);
		return -ENOMEM;
	}
	obm_debug_walk_live(heap, obm_objects_add, &objects);
	sort(objects.slots, OBM_OBJECTS_SLOTS, sizeof(*objects.slots),
	     obm_objects_cmp, NULL);

	seq_puts(m, "blocks  bytes  requested  allocated by\n");
	for (i = 0; i < objects.nr_groups; i++) {
		struct obm_objects_group *group = &objects.slots[i];

		seq_printf(m, "%lu %lu %lu\n", group->blocks, group->bytes,
			   group->requested);
		if (group->stack &&
		    stack_depot_snprint(group->stack, buf,
					OBM_OBJECTS_STACK_BUF, 2))
			seq_puts(m, buf);
		else
			seq_puts(m, "  (no stack saved)\n");
	}
	if (objects.other.blocks)
		seq_printf(m, "%lu %lu %lu\n  (other stacks)\n",
			   objects.other.blocks, objects.other.bytes,
			   objects.other.requested);
	kvfree(objects.slots);
	kfree(buf);
	return 0;
}
