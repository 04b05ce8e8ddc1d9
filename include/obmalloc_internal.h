/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbols obmalloc exports in the OBMALLOC_INTERNAL namespace for its own
 * KUnit tests. They are not part of the API in <obmalloc.h>.
 */
#ifndef _OBMALLOC_INTERNAL_H
#define _OBMALLOC_INTERNAL_H

struct obm_heap;
struct shrinker;

/**
 * obm_heap_shrinker() - A heap's shrinker.
 * @heap: The heap.
 *
 * Return: The shrinker whose count_objects() and scan_objects() release
 * the heap's cached blocks and empty arenas.
 */
struct shrinker *obm_heap_shrinker(struct obm_heap *heap);

#endif /* _OBMALLOC_INTERNAL_H */
