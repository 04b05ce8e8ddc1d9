/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbols obmalloc exports in the OBMALLOC_INTERNAL namespace for its own
 * KUnit tests. They are not part of the API in <obmalloc.h>.
 */
#ifndef _OBMALLOC_INTERNAL_H
#define _OBMALLOC_INTERNAL_H

#include <linux/types.h>

/*
 * The namespace of these symbols. 6.13 made namespaces string literals
 * (EXPORT_SYMBOL_NS_GPL(sym, "NS")); before, the bare name was
 * stringified. OBM_HAVE_STRING_NS comes from module/obm_compat.mk, which
 * every Kbuild of a module that uses this header includes.
 */
#ifdef OBM_HAVE_STRING_NS
#define OBM_NS_INTERNAL		"OBMALLOC_INTERNAL"
#else
#define OBM_NS_INTERNAL		OBMALLOC_INTERNAL
#endif

struct obm_heap;
struct shrinker;

/**
 * struct obm_report_record - The last report obmalloc made about a block.
 * @seq: Reports recorded so far; a test compares it before and after.
 * @heap: The heap's name.
 * @kind: The report's kind ("double free", "red zone overwritten", ...).
 * @block: The block.
 * @class_idx: Its size class.
 * @pool_offset: Its offset in its pool's page.
 * @bad_offset: The first bad byte's offset in the block, or -1.
 * @requested: Bytes the block's last allocation asked for (debug heaps).
 * @alloc_stack: Stack depot handle of its last allocation, or 0.
 * @free_stack: Stack depot handle of its last free, or 0.
 */
struct obm_report_record {
	unsigned long	seq;
	char		heap[32];
	char		kind[32];
	const void	*block;
	unsigned int	class_idx;
	unsigned long	pool_offset;
	long		bad_offset;
	unsigned int	requested;
	u32		alloc_stack;
	u32		free_stack;
};

/**
 * obm_last_report() - The last report obmalloc made about a block.
 * @rec: Filled in.
 */
void obm_last_report(struct obm_report_record *rec);

/**
 * obm_report_announce() - Exempt the next report from the rate limit.
 *
 * For a test that announces a report it is about to provoke: a report the
 * rate limit swallowed would read as one that never came.
 */
void obm_report_announce(void);

/**
 * obm_heap_shrinker() - A heap's shrinker.
 * @heap: The heap, or NULL for the default heap.
 *
 * Return: The shrinker whose count_objects() and scan_objects() release
 * the heap's cached blocks and empty arenas.
 */
struct shrinker *obm_heap_shrinker(struct obm_heap *heap);

/**
 * obm_sets_shrinker_get() - The shrinker of the shared arena sets.
 *
 * Return: The shrinker whose count_objects() and scan_objects() count and
 * release the sets' empty arenas.
 */
struct shrinker *obm_sets_shrinker_get(void);

/**
 * obm_sets_trim_flush() - Release the shared sets' surplus empty arenas now.
 *
 * What the sets' trim work does a second after an arena empties beside
 * another empty one; every set keeps one empty arena in reserve.
 */
void obm_sets_trim_flush(void);

#endif /* _OBMALLOC_INTERNAL_H */
