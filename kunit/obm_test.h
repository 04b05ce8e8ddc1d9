/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the obmalloc KUnit suites. The suites use obmalloc only
 * through its exported API and its debugfs files, exactly as a client or a
 * tool would.
 */
#ifndef _OBM_TEST_H
#define _OBM_TEST_H

#include <kunit/test.h>
#include <obmalloc.h>

#define OBM_TEST_DEBUGFS	"/sys/kernel/debug/obmalloc"
#define OBM_TEST_VERIFY_FREE	"/sys/module/obmalloc/parameters/verify_free"
#define OBM_TEST_ARENA_TRIM_MS	"/sys/module/obmalloc/parameters/arena_trim_ms"
#define OBM_TEST_DEBUG_PARAM	"/sys/module/obmalloc/parameters/debug"
#define OBM_TEST_ARENA_SIZE	(256 * 1024UL)

/* The figures of <heap>/stats, by name (README.md, "Statistics"). */
struct obm_test_stats {
	unsigned long arena_size;
	unsigned long pool_size;
	unsigned long pool_header_size;
	unsigned long arenas_allocated_total;
	unsigned long arenas_reclaimed;
	unsigned long arenas_highwater;
	unsigned long arenas_current;
	unsigned long pools_in_use;
	unsigned long blocks_in_use;
	unsigned long bytes_in_allocated_blocks;
	unsigned long bytes_in_available_blocks;
	unsigned long unused_pools;
	unsigned long bytes_in_unused_pools;
	unsigned long bytes_lost_to_pool_headers;
	unsigned long bytes_lost_to_quantization;
	unsigned long total_bytes;
	unsigned long double_frees;
	unsigned long invalid_frees;
	unsigned long alloc_failures;
	unsigned long blocks_cached;
	unsigned long bytes_in_cached_blocks;
	unsigned long arena_pages;
	unsigned long small_arenas;
	unsigned long small_arenas_allocated_total;
	unsigned long bytes_in_arena_descriptors;
	unsigned long kmalloc_allocs;
	unsigned long kmalloc_for_flags;
	unsigned long freelist_corruptions;
	unsigned long bytes_in_magazines;
	unsigned long requests_tracked;
	unsigned long bytes_requested;
	unsigned long bytes_lost_to_rounding;
	unsigned long redzone_overwrites;
	unsigned long writes_after_free;
	unsigned long bytes_in_debug_records;
	unsigned long pages_held;
	unsigned long blocks_cached_raw;
	unsigned long stray_frees;
	unsigned long bytes_in_heap_descriptor;
	unsigned long arenas_shared;
};

/* One row of <heap>/classes; present is false for a class with no pool. */
struct obm_test_class {
	bool present;
	unsigned long size;
	unsigned long pools;
	unsigned long full_pools;
	unsigned long blocks_used;
	unsigned long blocks_avail;
	unsigned long blocks_cached;
	unsigned long blocks_cached_raw;
};

struct obm_heap *obm_test_heap(struct kunit *test);
struct obm_heap *obm_test_debug_heap(struct kunit *test, const char *flags);
void obm_test_use_heap(struct kunit *test, struct obm_heap *heap,
		       const char *name);
const char *obm_test_heap_name(struct kunit *test, struct obm_heap *heap);
void obm_test_read_stats(struct kunit *test, struct obm_heap *heap,
			 struct obm_test_stats *stats);
char *obm_test_read_heap_file(struct kunit *test, struct obm_heap *heap,
			      const char *file);
char *obm_test_read_named_file(struct kunit *test, const char *name,
			       const char *file);
void obm_test_read_named_stats(struct kunit *test, const char *name,
			       struct obm_test_stats *stats);
void obm_test_rcu_counts(struct kunit *test, unsigned long *pending,
			 unsigned long *batches);
void obm_test_churn_pages(struct kunit *test, unsigned long mib);
void *obm_test_core_kmalloc(size_t size, gfp_t gfp);
void obm_test_read_classes(struct kunit *test, struct obm_heap *heap,
			   struct obm_test_class classes[OBM_NR_CLASSES]);
void obm_test_read_class(struct kunit *test, struct obm_heap *heap,
			 unsigned int class_idx, struct obm_test_class *row);
unsigned long obm_test_foreign_frees(struct kunit *test);
int obm_test_read_file(const char *path, char *buf, size_t len);
int obm_test_write_file(const char *path, const char *text);
/**
 * struct obm_test_ledger - What a test knows of the blocks it holds.
 * @blocks: The live blocks (NULL where one was freed).
 * @sizes: The size each was asked for.
 * @nr: Entries used.
 * @max: Entries.
 */
struct obm_test_ledger {
	void **blocks;
	size_t *sizes;
	unsigned int nr;
	unsigned int max;
};

struct obm_test_ledger *obm_test_ledger(struct kunit *test, unsigned int max);
void *obm_test_ledger_alloc(struct kunit *test, struct obm_test_ledger *l,
			    struct obm_heap *heap, size_t size);
void obm_test_ledger_free(struct obm_test_ledger *l, unsigned int i);
void obm_test_ledger_check(struct kunit *test, struct obm_heap *heap,
			   struct obm_test_ledger *l);
void obm_test_check_empty(struct kunit *test, struct obm_heap *heap);

/* The root file sets, summed over the nodes. */
struct obm_test_sets {
	unsigned long arenas;
	unsigned long small_arenas;
	unsigned long arena_pages;
	unsigned long free_pools;
	unsigned long empty_arenas;
	unsigned long allocated;
	unsigned long reclaimed;
};

void obm_test_read_sets(struct kunit *test, struct obm_test_sets *sum);
void obm_test_fresh_sets(struct kunit *test);
void obm_test_quiesce_sets(struct kunit *test);
void obm_test_expect_report(struct kunit *test, const char *heap_name,
			    const char *kind, const void *ptr);
void obm_test_fail_arenas(struct kunit *test, unsigned int times);
void obm_test_fill(void *p, size_t size, unsigned long seed);
bool obm_test_check_fill(const void *p, size_t size, unsigned long seed);
void obm_test_free_action(void *block);
void obm_test_drain_caches(struct kunit *test, struct obm_heap *heap);
void obm_test_hold_trim(struct kunit *test);
void obm_test_drain(struct kunit *test, struct obm_heap *heap);
void obm_test_verify_free(struct kunit *test);
void obm_test_pin_cpu(struct kunit *test);
unsigned long obm_test_atomic_begin(void);
void obm_test_atomic_end(unsigned long flags);

static inline unsigned long obm_test_page(const void *p)
{
	return (unsigned long)p & PAGE_MASK;
}

static inline unsigned long obm_test_arena(const void *p)
{
	return (unsigned long)p & ~(OBM_TEST_ARENA_SIZE - 1);
}

#endif /* _OBM_TEST_H */
