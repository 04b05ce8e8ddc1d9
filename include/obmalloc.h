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
void *obm_heap_alloc(struct obm_heap *heap, size_t size, gfp_t gfp);

/**
 * obm_alloc() - Allocate a block from the default heap.
 * @size: Bytes wanted. 0 returns ZERO_SIZE_PTR.
 * @gfp: Allocation flags, as for obm_heap_alloc().
 *
 * Context: Any context, if @gfp does not allow sleeping.
 * Return: As for obm_heap_alloc().
 */
void *obm_alloc(size_t size, gfp_t gfp);

/**
 * obm_zalloc() - Allocate a zeroed block from the default heap.
 * @size: Bytes wanted. 0 returns ZERO_SIZE_PTR.
 * @gfp: Allocation flags, as for obm_heap_alloc(); __GFP_ZERO is implied.
 *
 * Context: Any context, if @gfp does not allow sleeping.
 * Return: As for obm_heap_alloc(), with every usable byte zero.
 */
void *obm_zalloc(size_t size, gfp_t gfp);

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
void *obm_realloc(const void *p, size_t new_size, gfp_t gfp);

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
 *        "foreign_frees", "fail_arena"). It names the heap's directory
 *        there and its reports.
 *
 * A heap owns its own arenas, so its blocks never share a page with
 * another heap's, and has its own statistics.
 *
 * Context: Process context; sleeps.
 * Return: The heap; ERR_PTR(-EINVAL) for a bad name, ERR_PTR(-EEXIST) if
 * a heap of that name exists, ERR_PTR(-ENOMEM) if memory could not be had.
 */
struct obm_heap *obm_heap_create(const char *name);

/**
 * obm_heap_destroy() - Destroy a heap and give its arenas back.
 * @heap: The heap. NULL and error pointers are ignored.
 *
 * A heap that still has live blocks is not destroyed: the count of live
 * blocks in each size class is reported in the kernel log with a stack
 * trace, and the heap and its memory are left as they are, so the blocks
 * stay valid. Free them and call obm_heap_destroy() again.
 *
 * Context: Process context; sleeps. No other call may use @heap meanwhile.
 */
void obm_heap_destroy(struct obm_heap *heap);

#endif /* _OBMALLOC_H */
