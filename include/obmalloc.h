/* SPDX-License-Identifier: GPL-2.0 */
/*
 * obmalloc - a pymalloc-style small-object allocator for kernel modules.
 *
 * Requests of 1..OBM_SMALL_MAX bytes are served from page-sized pools of
 * one size class each (multiples of OBM_ALIGNMENT), carved from 256 KiB
 * arenas. Larger requests are passed to kmalloc(). Every block is at least
 * OBM_ALIGNMENT-aligned, and a block of a power-of-two size is aligned to
 * its size, as kmalloc() guarantees.
 *
 * Context: the allocation and free functions may be called from process,
 * softirq and hardirq context, with interrupts on or off, as kmalloc() and
 * kfree() may: the gfp flags say whether the call may sleep. On PREEMPT_RT,
 * as for kmalloc(), not from hard interrupt context nor with interrupts or
 * preemption disabled. The heap create and destroy functions sleep.
 */
#ifndef _OBMALLOC_H
#define _OBMALLOC_H

#include <linux/gfp.h>
#include <linux/rcupdate.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/types.h>

/* Every block is aligned to, and every size class is a multiple of, this. */
#define OBM_ALIGNMENT		8
/* The largest request served from pools; larger ones go to kmalloc(). */
#define OBM_SMALL_MAX		512
/* Size classes: 8, 16, ..., OBM_SMALL_MAX. */
#define OBM_NR_CLASSES		(OBM_SMALL_MAX / OBM_ALIGNMENT)
/* Longest heap name, excluding the terminating NUL. */
#define OBM_HEAP_NAME_MAX	31

struct obm_heap;

/**
 * obm_heap_alloc() - Allocate a block from a heap.
 * @heap: The heap, from obm_heap_create().
 * @size: Bytes wanted. 0 returns ZERO_SIZE_PTR.
 * @gfp: Allocation flags, as for kmalloc(). GFP_ATOMIC and GFP_NOWAIT never
 *       sleep; __GFP_ZERO (or init_on_alloc) zeroes the block;
 *       __GFP_NOWARN silences the failure message. A request with
 *       __GFP_ACCOUNT, a zone modifier or __GFP_NOFAIL is passed to
 *       kmalloc(), which alone can honour them.
 *
 * A request of at most %OBM_SMALL_MAX bytes is served from @heap's pools
 * in the smallest size class that fits; a larger one is passed to
 * kmalloc(), at its bucket size, and is counted in @heap's statistics
 * (kmalloc_allocs) but not held in its pools.
 *
 * Context: Any context, if @gfp does not allow sleeping.
 * Return: An %OBM_ALIGNMENT-aligned block of at least @size bytes, free it
 * with obm_free(); ZERO_SIZE_PTR if @size is 0; NULL if memory could not
 * be had.
 */
void *obm_heap_alloc(struct obm_heap *heap, size_t size, gfp_t gfp)
	__assume_kmalloc_alignment __alloc_size(2);

/**
 * obm_alloc() - Allocate a block from the default heap.
 * @size: Bytes wanted. 0 returns ZERO_SIZE_PTR.
 * @gfp: Allocation flags, as for obm_heap_alloc().
 *
 * Context: Any context, if @gfp does not allow sleeping.
 * Return: As for obm_heap_alloc().
 */
void *obm_alloc(size_t size, gfp_t gfp)
	__assume_kmalloc_alignment __alloc_size(1);

/**
 * obm_zalloc() - Allocate a zeroed block from the default heap.
 * @size: Bytes wanted. 0 returns ZERO_SIZE_PTR.
 * @gfp: Allocation flags, as for obm_heap_alloc(); __GFP_ZERO is implied.
 *
 * Context: Any context, if @gfp does not allow sleeping.
 * Return: As for obm_heap_alloc(), with every usable byte zero.
 */
void *obm_zalloc(size_t size, gfp_t gfp)
	__assume_kmalloc_alignment __alloc_size(1);

/**
 * obm_heap_zalloc() - Allocate a zeroed block from a heap.
 * @heap: The heap.
 * @size: Bytes wanted. 0 returns ZERO_SIZE_PTR.
 * @gfp: Allocation flags, as for obm_heap_alloc(); __GFP_ZERO is implied.
 *
 * Context: Any context, if @gfp does not allow sleeping.
 * Return: As for obm_heap_alloc(), with every usable byte zero.
 */
void *obm_heap_zalloc(struct obm_heap *heap, size_t size, gfp_t gfp)
	__assume_kmalloc_alignment __alloc_size(2);

/**
 * obm_heap_alloc_node() - Allocate a block from a heap on a NUMA node.
 * @heap: The heap.
 * @size: Bytes wanted. 0 returns ZERO_SIZE_PTR.
 * @gfp: Allocation flags, as for obm_heap_alloc().
 * @node: The node the block's page is on, or NUMA_NO_NODE for this CPU's
 *        node, as kmalloc_node() takes it.
 *
 * A block of another node than this CPU's comes straight from that node's
 * pools, not from a per-CPU magazine. A node that is not possible is
 * warned about once and treated as NUMA_NO_NODE.
 *
 * Context: Any context, if @gfp does not allow sleeping.
 * Return: As for obm_heap_alloc().
 */
void *obm_heap_alloc_node(struct obm_heap *heap, size_t size, gfp_t gfp,
			  int node) __assume_kmalloc_alignment __alloc_size(2);

/**
 * obm_alloc_node() - Allocate a block from the default heap on a node.
 * @size: Bytes wanted.
 * @gfp: Allocation flags, as for obm_heap_alloc().
 * @node: As for obm_heap_alloc_node().
 *
 * Context: Any context, if @gfp does not allow sleeping.
 * Return: As for obm_heap_alloc().
 */
void *obm_alloc_node(size_t size, gfp_t gfp, int node)
	__assume_kmalloc_alignment __alloc_size(1);

/**
 * obm_heap_alloc_array() - Allocate an array from a heap.
 * @heap: The heap.
 * @n: Elements.
 * @size: Bytes per element.
 * @gfp: Allocation flags, as for obm_heap_alloc().
 *
 * Context: Any context, if @gfp does not allow sleeping.
 * Return: As for obm_heap_alloc() of @n * @size bytes; NULL if that
 * overflows, as kmalloc_array() returns.
 */
void *obm_heap_alloc_array(struct obm_heap *heap, size_t n, size_t size,
			   gfp_t gfp) __assume_kmalloc_alignment __alloc_size(2, 3);

/**
 * obm_alloc_array() - Allocate an array from the default heap.
 * @n: Elements.
 * @size: Bytes per element.
 * @gfp: Allocation flags, as for obm_heap_alloc().
 *
 * Context: Any context, if @gfp does not allow sleeping.
 * Return: As for obm_heap_alloc_array().
 */
void *obm_alloc_array(size_t n, size_t size, gfp_t gfp)
	__assume_kmalloc_alignment __alloc_size(1, 2);

/**
 * obm_calloc() - Allocate a zeroed array from the default heap.
 * @n: Elements.
 * @size: Bytes per element.
 * @gfp: Allocation flags, as for obm_heap_alloc(); __GFP_ZERO is implied.
 *
 * Context: Any context, if @gfp does not allow sleeping.
 * Return: As for obm_alloc_array(), zeroed.
 */
static inline __alloc_size(1, 2) void *obm_calloc(size_t n, size_t size,
						  gfp_t gfp)
{
	return obm_alloc_array(n, size, gfp | __GFP_ZERO);
}

/**
 * obm_heap_calloc() - Allocate a zeroed array from a heap.
 * @heap: The heap.
 * @n: Elements.
 * @size: Bytes per element.
 * @gfp: Allocation flags, as for obm_heap_alloc(); __GFP_ZERO is implied.
 *
 * Context: Any context, if @gfp does not allow sleeping.
 * Return: As for obm_heap_alloc_array(), zeroed.
 */
static inline __alloc_size(2, 3) void *
obm_heap_calloc(struct obm_heap *heap, size_t n, size_t size, gfp_t gfp)
{
	return obm_heap_alloc_array(heap, n, size, gfp | __GFP_ZERO);
}

/**
 * obm_realloc() - Resize a block.
 * @p: A block from any obmalloc heap, or NULL or ZERO_SIZE_PTR.
 * @new_size: Bytes wanted. 0 frees @p and returns ZERO_SIZE_PTR.
 * @gfp: Allocation flags for a new block, as for obm_heap_alloc().
 *
 * A small block stays where it is when @new_size still fits its size class
 * and uses more than three quarters of it (pymalloc's rule), or when
 * @new_size maps to the same class; otherwise a new block is allocated in
 * the same heap (or from kmalloc() when @new_size exceeds %OBM_SMALL_MAX),
 * the contents are copied up to the smaller of the two sizes and @p is
 * freed. A block kept in place for a smaller size has its spare bytes
 * cleared when __GFP_ZERO or init_on_alloc asks, as krealloc() does. A
 * block that came from kmalloc() stays kmalloc()'s, at the bucket size of
 * @new_size. A NULL or ZERO_SIZE_PTR @p allocates from the default heap.
 *
 * Context: Any context, if @gfp does not allow sleeping.
 * Return: The resized block; ZERO_SIZE_PTR if @new_size is 0; NULL if a
 * new block could not be had, in which case @p is left untouched, or if
 * @p is not a live obmalloc block (reported in the kernel log).
 */
void * __must_check obm_realloc(const void *p, size_t new_size, gfp_t gfp)
	__realloc_size(2);

/**
 * obm_free() - Free a block.
 * @p: A block from any obmalloc heap. NULL and ZERO_SIZE_PTR are ignored.
 *
 * A pointer that is not the start of a live block - one freed already
 * (when detected), one inside a block, or one that obmalloc and kmalloc
 * did not hand out - is reported once in the kernel log with the heap,
 * size class and a stack trace (rate-limited), counted in the heap's
 * debugfs statistics, and otherwise ignored.
 *
 * Context: Any context.
 */
void obm_free(const void *p);

/**
 * obm_heap_realloc() - Resize a block, or allocate one from a heap.
 * @heap: The heap a NULL or ZERO_SIZE_PTR @p allocates from.
 * @p: A block, or NULL or ZERO_SIZE_PTR.
 * @new_size: Bytes wanted.
 * @gfp: Allocation flags, as for obm_heap_alloc().
 *
 * As obm_realloc(), but a new block for a NULL @p comes from @heap; a block
 * that moves stays in its own heap.
 *
 * Context: Any context, if @gfp does not allow sleeping.
 * Return: As for obm_realloc().
 */
void * __must_check obm_heap_realloc(struct obm_heap *heap, const void *p,
				     size_t new_size, gfp_t gfp)
	__realloc_size(3);

/**
 * obm_kvfree() - Free a block, a kmalloc() object or a vmalloc() area.
 * @p: What to free: a vmalloc() address goes to vfree(), anything else to
 *     obm_free(). NULL and ZERO_SIZE_PTR are ignored.
 *
 * Context: As for vfree() if @p is a vmalloc() area, else any context.
 */
void obm_kvfree(const void *p);

/**
 * obm_free_sensitive() - Clear a block, then free it.
 * @p: A block from any obmalloc heap, or a kmalloc() object (handed to
 *     kfree_sensitive()). NULL and ZERO_SIZE_PTR are ignored.
 *
 * Every usable byte is cleared with memzero_explicit(), as
 * kfree_sensitive() clears, before the block is freed.
 *
 * Context: Any context.
 */
void obm_free_sensitive(const void *p);

/**
 * obm_free_rcu() - Free an object once an RCU grace period has passed.
 * @p: A block of any obmalloc heap, a kmalloc() object or a vmalloc()
 *     area (freed as obm_kvfree() frees it). NULL is ignored.
 * @head: An rcu_head inside the object, which obmalloc uses until then.
 *
 * What kfree_rcu() is to kmalloc(): frees are batched per CPU, one grace
 * period waited for per batch. A heap's destruction and any module's
 * unload first wait for what is queued.
 *
 * Context: Any context obm_free() may be called from.
 */
void obm_free_rcu(const void *p, struct rcu_head *head);

/**
 * obm_free_rcu_mightsleep() - Free an object after a grace period, no head.
 * @p: As for obm_free_rcu().
 *
 * What kfree_rcu_mightsleep() is to kmalloc(): a small block carries the
 * pointer through the batches; without memory for it, this waits for a
 * grace period itself.
 *
 * Context: Process context; may sleep.
 */
void obm_free_rcu_mightsleep(const void *p);

/**
 * obm_usable_size() - Bytes usable in a block.
 * @p: A block from any obmalloc heap, or NULL or ZERO_SIZE_PTR.
 *
 * Context: Any context.
 * Every byte of the returned size may be written.
 *
 * Return: The size of @p's size class, ksize() for a block that came from
 * kmalloc() (allocated at that size), 0 for NULL, ZERO_SIZE_PTR or an
 * invalid pointer (reported).
 */
size_t obm_usable_size(const void *p);

/**
 * obm_heap_create() - Create a named, isolated heap.
 * @name: A unique name of 1..%OBM_HEAP_NAME_MAX characters from
 *        [A-Za-z0-9_.-], not starting with '.', and none of the files at
 *        the root of /sys/kernel/debug/obmalloc/ ("drain", "magazines",
 *        "foreign_frees", "fail_arena", "reclaim", "sets", "arenas",
 *        "version", "rcu"). It names the heap's directory there and its
 *        reports.
 *
 * A heap holds pools - pages of one size class - taken from its node's
 * arena set, shared with other heaps: its blocks never share a page with
 * another heap's, it holds only the pages its blocks need, and it has its
 * own statistics.
 *
 * Context: Process context; sleeps.
 * Return: The heap; ERR_PTR(-EINVAL) for a bad name, ERR_PTR(-EEXIST) if
 * a heap of that name exists, ERR_PTR(-ENOMEM) if memory could not be had.
 */
struct obm_heap *obm_heap_create(const char *name);

/**
 * obm_heap_get() - A heap by name, created if there is none.
 * @name: As for obm_heap_create().
 *
 * For code that shares a heap by name (include/obmalloc_kmalloc.h's
 * OBM_KMALLOC_HEAP). A heap made here lives until obmalloc is unloaded,
 * unless someone destroys it.
 *
 * Context: Process context; sleeps.
 * Return: The heap, or an ERR_PTR() as obm_heap_create() returns.
 */
struct obm_heap *obm_heap_get(const char *name);

/**
 * obm_heap_destroy() - Destroy a heap and give its pools back.
 * @heap: The heap. NULL and error pointers are ignored.
 *
 * Blocks queued with obm_free_rcu() are freed first. A heap that still
 * has live blocks is not destroyed: the count of live
 * blocks in each size class is reported in the kernel log with a stack
 * trace, and the heap and its memory are left as they are, so the blocks
 * stay valid. Free them and call obm_heap_destroy() again.
 *
 * Context: Process context; sleeps. No other call may use @heap meanwhile.
 */
void obm_heap_destroy(struct obm_heap *heap);

/* <linux/slab.h> brings <linux/cleanup.h> where the kernel has it (6.5). */
#ifdef DEFINE_FREE
/* Scope-based cleanup: void *p __free(obm_free) = obm_alloc(...); */
DEFINE_FREE(obm_free, void *, if (!IS_ERR_OR_NULL(_T)) obm_free(_T))
#endif

#endif /* _OBMALLOC_H */
