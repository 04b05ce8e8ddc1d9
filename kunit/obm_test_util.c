// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the obmalloc KUnit suites: a fresh heap per test, destroyed
 * by a deferred action; readers of the debugfs statistics; and the
 * announcement of reports a test provokes on purpose, which the VM
 * harness's log scan (tools/vm/results.py) matches against the WARNs.
 */

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <obmalloc_internal.h>

#include "obm_squeeze.h"
#include "obm_test.h"

#define OBM_TEST_FILE_MAX	8192

static atomic_t obm_test_heap_seq = ATOMIC_INIT(0);

static void obm_test_heap_destroy(void *heap)
{
	obm_heap_destroy(heap);
}

/* The test's heaps, newest first, from test->priv. */
struct obm_test_heap_name {
	struct obm_test_heap_name *next;
	struct obm_heap *heap;
	char name[OBM_HEAP_NAME_MAX + 1];
};

static void obm_test_heap_name_free(void *named)
{
	kfree(named);
}

static void obm_test_debug_param_clear(void *unused)
{
	obm_test_write_file(OBM_TEST_DEBUG_PARAM, "-");
}

/* A new heap, created while debug= names it with @debug flags (or not). */
static struct obm_heap *obm_test_new_heap(struct kunit *test,
					  const char *debug)
{
	struct obm_test_heap_name *named;
	struct obm_heap *heap;
	char param[64];

	named = kzalloc(sizeof(*named), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, named);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, obm_test_heap_name_free, named));
	snprintf(named->name, sizeof(named->name), "kunit-%d",
		 atomic_inc_return(&obm_test_heap_seq));
	if (debug) {
		snprintf(param, sizeof(param), "%s,%s", debug, named->name);
		KUNIT_ASSERT_EQ(test, 0,
				obm_test_write_file(OBM_TEST_DEBUG_PARAM, param));
	}
	heap = obm_heap_create(named->name);
	if (debug)
		obm_test_debug_param_clear(NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, heap);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, obm_test_heap_destroy, heap));
	named->heap = heap;
	named->next = test->priv;
	test->priv = named;
	return heap;
}

/**
 * obm_test_heap() - A new, empty heap, destroyed when the test ends.
 * @test: The test.
 *
 * The destroy reports (and the log scan then fails the run) if the test
 * left live blocks behind.
 *
 * Return: The heap; the test is aborted if it cannot be created.
 */
struct obm_heap *obm_test_heap(struct kunit *test)
{
	return obm_test_new_heap(test, NULL);
}

/**
 * obm_test_use_heap() - Let a test read the files of a heap it did not make.
 * @test: The test.
 * @heap: A heap that outlives the test (a suite's).
 * @name: The name it was created with.
 *
 * The heap is not destroyed when the test ends.
 */
void obm_test_use_heap(struct kunit *test, struct obm_heap *heap,
		       const char *name)
{
	struct obm_test_heap_name *named;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, heap);
	named = kzalloc(sizeof(*named), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, named);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, obm_test_heap_name_free, named));
	strscpy(named->name, name, sizeof(named->name));
	named->heap = heap;
	named->next = test->priv;
	test->priv = named;
}

/**
 * obm_test_debug_heap() - A new debug heap, destroyed when the test ends.
 * @test: The test.
 * @flags: Its debug flags, as debug= letters ("FZPU").
 *
 * Created as a user would: obmalloc's debug= parameter names the heap
 * while it is created, and is cleared again afterwards.
 *
 * Return: The heap; the test is aborted if it cannot be created.
 */
struct obm_heap *obm_test_debug_heap(struct kunit *test, const char *flags)
{
	return obm_test_new_heap(test, flags);
}

/**
 * obm_test_heap_name() - Name of a heap obm_test_heap() made, or "default".
 * @test: The test.
 * @heap: That heap, or NULL for the default heap.
 *
 * Return: The name.
 */
const char *obm_test_heap_name(struct kunit *test, struct obm_heap *heap)
{
	struct obm_test_heap_name *named = test->priv;

	if (!heap)
		return "default";
	while (named && named->heap != heap)
		named = named->next;
	KUNIT_ASSERT_NOT_NULL_MSG(test, named, "not a heap of this test");
	return named->name;
}

/**
 * obm_test_read_file() - Read a whole (debugfs) file into a string.
 * @path: Absolute path.
 * @buf: Buffer.
 * @len: Its size; the text is NUL-terminated and may be cut short.
 *
 * Return: Bytes read, or a negative errno.
 */
int obm_test_read_file(const char *path, char *buf, size_t len)
{
	struct file *file = filp_open(path, O_RDONLY, 0);
	loff_t pos = 0;
	size_t done = 0;
	ssize_t n;

	if (IS_ERR(file))
		return PTR_ERR(file);
	while (done < len - 1) {
		n = kernel_read(file, buf + done, len - 1 - done, &pos);
		if (n <= 0)
			break;
		done += n;
	}
	filp_close(file, NULL);
	buf[done] = '\0';
	return done;
}

/**
 * obm_test_write_file() - Write a string to a (debugfs or sysfs) file.
 * @path: Absolute path.
 * @text: What to write.
 *
 * Return: 0 or a negative errno.
 */
int obm_test_write_file(const char *path, const char *text)
{
	struct file *file = filp_open(path, O_WRONLY, 0);
	loff_t pos = 0;
	ssize_t n;

	if (IS_ERR(file))
		return PTR_ERR(file);
	n = kernel_write(file, text, strlen(text), &pos);
	filp_close(file, NULL);
	return n < 0 ? n : 0;
}

/**
 * obm_test_read_heap_file() - The text of one of a heap's debugfs files.
 * @test: The test.
 * @heap: The heap (NULL: the default heap).
 * @file: The file's name in the heap's directory.
 *
 * Return: The text, NUL-terminated, freed when the test ends.
 */
char *obm_test_read_heap_file(struct kunit *test, struct obm_heap *heap,
			      const char *file)
{
	return obm_test_read_named_file(test, obm_test_heap_name(test, heap),
					file);
}

/**
 * obm_test_read_named_file() - The text of one of a heap's files, by name.
 * @test: The test.
 * @name: The heap's name.
 * @file: The file's name in the heap's directory.
 *
 * Return: The text, NUL-terminated, freed when the test ends.
 */
char *obm_test_read_named_file(struct kunit *test, const char *name,
			       const char *file)
{
	char *buf = kunit_kzalloc(test, OBM_TEST_FILE_MAX, GFP_KERNEL);
	char path[128];

	KUNIT_ASSERT_NOT_NULL(test, buf);
	snprintf(path, sizeof(path), OBM_TEST_DEBUGFS "/%s/%s", name, file);
	KUNIT_ASSERT_GT_MSG(test, obm_test_read_file(path, buf, OBM_TEST_FILE_MAX),
			    0, "cannot read %s", path);
	return buf;
}

#define OBM_STAT(name) { #name, offsetof(struct obm_test_stats, name) }

static const struct {
	const char *name;
	size_t offset;
} obm_test_stat_fields[] = {
	OBM_STAT(arena_size), OBM_STAT(pool_size), OBM_STAT(pool_header_size),
	OBM_STAT(arenas_allocated_total), OBM_STAT(arenas_reclaimed),
	OBM_STAT(arenas_highwater), OBM_STAT(arenas_current),
	OBM_STAT(pools_in_use), OBM_STAT(blocks_in_use),
	OBM_STAT(bytes_in_allocated_blocks),
	OBM_STAT(bytes_in_available_blocks), OBM_STAT(unused_pools),
	OBM_STAT(bytes_in_unused_pools), OBM_STAT(bytes_lost_to_pool_headers),
	OBM_STAT(bytes_lost_to_quantization), OBM_STAT(total_bytes),
	OBM_STAT(double_frees), OBM_STAT(invalid_frees),
	OBM_STAT(alloc_failures), OBM_STAT(blocks_cached),
	OBM_STAT(bytes_in_cached_blocks), OBM_STAT(arena_pages),
	OBM_STAT(small_arenas), OBM_STAT(small_arenas_allocated_total),
	OBM_STAT(bytes_in_arena_descriptors), OBM_STAT(kmalloc_allocs),
	OBM_STAT(kmalloc_for_flags), OBM_STAT(freelist_corruptions),
	OBM_STAT(bytes_in_magazines),
	OBM_STAT(requests_tracked),
	OBM_STAT(bytes_requested),
	OBM_STAT(bytes_lost_to_rounding),
	OBM_STAT(redzone_overwrites),
	OBM_STAT(writes_after_free),
	OBM_STAT(bytes_in_debug_records),
	OBM_STAT(pages_held),
	OBM_STAT(blocks_cached_raw),
	OBM_STAT(stray_frees),
	OBM_STAT(bytes_in_heap_descriptor),
	OBM_STAT(arenas_shared),
};

/**
 * obm_test_read_stats() - Parse a heap's stats file; every field must be there.
 * @test: The test.
 * @heap: The heap (NULL: the default heap).
 * @stats: Filled in.
 */
void obm_test_read_stats(struct kunit *test, struct obm_heap *heap,
			 struct obm_test_stats *stats)
{
	obm_test_read_named_stats(test, obm_test_heap_name(test, heap), stats);
}

/**
 * obm_test_read_named_stats() - Parse a heap's stats file, by name.
 * @test: The test.
 * @name: The heap's name.
 * @stats: Filled in; every field must be there.
 */
void obm_test_read_named_stats(struct kunit *test, const char *name,
			       struct obm_test_stats *stats)
{
	char *text = obm_test_read_named_file(test, name, "stats");
	unsigned int i, found = 0;
	char *line;

	memset(stats, 0, sizeof(*stats));
	while ((line = strsep(&text, "\n")) && *line) {
		char *value = strchr(line, ' ');
		unsigned long v;

		KUNIT_ASSERT_NOT_NULL_MSG(test, value, "bad stats line '%s'", line);
		*value++ = '\0';
		KUNIT_ASSERT_EQ_MSG(test, 0, kstrtoul(value, 10, &v),
				    "bad value in stats line '%s'", line);
		for (i = 0; i < ARRAY_SIZE(obm_test_stat_fields); i++) {
			if (strcmp(line, obm_test_stat_fields[i].name))
				continue;
			*(unsigned long *)((char *)stats +
					   obm_test_stat_fields[i].offset) = v;
			found++;
		}
	}
	KUNIT_ASSERT_EQ(test, found, ARRAY_SIZE(obm_test_stat_fields));
}

/**
 * obm_test_read_classes() - Parse a heap's classes file.
 * @test: The test.
 * @heap: The heap (NULL: the default heap).
 * @classes: Filled in, indexed by class.
 */
void obm_test_read_classes(struct kunit *test, struct obm_heap *heap,
			   struct obm_test_class classes[OBM_NR_CLASSES])
{
	char *text = obm_test_read_heap_file(test, heap, "classes");
	char *line = strsep(&text, "\n");

	KUNIT_ASSERT_STREQ(test, line,
			   "class  size  pools  full_pools  blocks_used  blocks_avail  blocks_cached  blocks_cached_raw");
	memset(classes, 0, sizeof(*classes) * OBM_NR_CLASSES);
	while ((line = strsep(&text, "\n")) && *line) {
		struct obm_test_class row = { .present = true };
		unsigned int idx;
		int fields;

		fields = sscanf(line, "%u %lu %lu %lu %lu %lu %lu %lu", &idx,
				&row.size, &row.pools, &row.full_pools,
				&row.blocks_used, &row.blocks_avail,
				&row.blocks_cached, &row.blocks_cached_raw);
		KUNIT_ASSERT_EQ_MSG(test, fields, 8, "bad classes line '%s'", line);
		KUNIT_ASSERT_LT(test, idx, OBM_NR_CLASSES);
		KUNIT_ASSERT_FALSE(test, classes[idx].present);
		classes[idx] = row;
	}
}

/**
 * obm_test_read_class() - One row of a heap's classes file.
 * @test: The test.
 * @heap: The heap (NULL: the default heap).
 * @class_idx: The class.
 * @row: Filled in; all zero if the class has no pool.
 */
void obm_test_read_class(struct kunit *test, struct obm_heap *heap,
			 unsigned int class_idx, struct obm_test_class *row)
{
	struct obm_test_class *classes;

	classes = kunit_kcalloc(test, OBM_NR_CLASSES, sizeof(*classes),
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, classes);
	obm_test_read_classes(test, heap, classes);
	*row = classes[class_idx];
}

/**
 * obm_test_foreign_frees() - The global count of foreign pointers.
 * @test: The test.
 *
 * Return: The count.
 */
unsigned long obm_test_foreign_frees(struct kunit *test)
{
	char buf[32];
	unsigned long v;

	KUNIT_ASSERT_GT(test, obm_test_read_file(OBM_TEST_DEBUGFS "/foreign_frees",
						 buf, sizeof(buf)), 0);
	KUNIT_ASSERT_EQ(test, 0, kstrtoul(strim(buf), 10, &v));
	return v;
}

/**
 * obm_test_ledger() - A ledger of up to @max blocks, freed with the test.
 * @test: The test.
 * @max: How many blocks it can hold.
 *
 * Return: The ledger; blocks still in it when the test ends are freed.
 */
struct obm_test_ledger *obm_test_ledger(struct kunit *test, unsigned int max)
{
	struct obm_test_ledger *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, l);
	l->blocks = kunit_kcalloc(test, max, sizeof(*l->blocks), GFP_KERNEL);
	l->sizes = kunit_kcalloc(test, max, sizeof(*l->sizes), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, l->blocks);
	KUNIT_ASSERT_NOT_NULL(test, l->sizes);
	l->max = max;
	return l;
}

static void obm_test_ledger_release(void *arg)
{
	struct obm_test_ledger *l = arg;
	unsigned int i;

	for (i = 0; i < l->nr; i++)
		obm_free(l->blocks[i]);
	l->nr = 0;
}

/**
 * obm_test_ledger_alloc() - Allocate a block and write it in the ledger.
 * @test: The test.
 * @l: The ledger.
 * @heap: The heap.
 * @size: Bytes.
 *
 * Return: The block; the test is aborted if it is NULL.
 */
void *obm_test_ledger_alloc(struct kunit *test, struct obm_test_ledger *l,
			    struct obm_heap *heap, size_t size)
{
	void *p;

	KUNIT_ASSERT_LT(test, l->nr, l->max);
	if (!l->nr)
		KUNIT_ASSERT_EQ(test, 0,
				kunit_add_action_or_reset(test,
							  obm_test_ledger_release,
							  l));
	p = obm_heap_alloc(heap, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	l->blocks[l->nr] = p;
	l->sizes[l->nr++] = size;
	return p;
}

/**
 * obm_test_ledger_free() - Free a block of the ledger.
 * @l: The ledger.
 * @i: Its entry.
 */
void obm_test_ledger_free(struct obm_test_ledger *l, unsigned int i)
{
	obm_free(l->blocks[i]);
	l->blocks[i] = NULL;
}

static int obm_test_ulong_cmp(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/**
 * obm_test_ledger_check() - A heap's figures against the test's ledger.
 * @test: The test.
 * @heap: The heap; its magazines are drained first.
 * @l: Every block the test holds in @heap.
 *
 * Per class, the blocks in use are the ledger's; the bytes are theirs
 * rounded to the class; no block is cached once drained, counted raw too
 * (a block counted in a magazine and in use would show); the pools in use
 * are exactly the distinct pages under the ledger's blocks, as the page
 * allocator sees them: allocated (a reference held), not slab; and the
 * heap holds at most its two kept empty pools per node beyond them.
 */
void obm_test_ledger_check(struct kunit *test, struct obm_heap *heap,
			   struct obm_test_ledger *l)
{
	unsigned long live[OBM_NR_CLASSES] = { 0 }, bytes = 0, blocks = 0;
	unsigned long *pages, distinct = 0;
	struct obm_test_class *classes;
	struct obm_test_stats s;
	unsigned int i, k = 0;

	obm_test_drain(test, heap);
	obm_test_read_stats(test, heap, &s);
	classes = kunit_kcalloc(test, OBM_NR_CLASSES, sizeof(*classes),
				GFP_KERNEL);
	pages = kunit_kcalloc(test, l->nr + 1, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, classes);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	obm_test_read_classes(test, heap, classes);
	for (i = 0; i < l->nr; i++) {
		struct page *page;

		if (!l->blocks[i] || l->sizes[i] > OBM_SMALL_MAX)
			continue;
		live[(l->sizes[i] - 1) / OBM_ALIGNMENT]++;
		bytes += round_up(l->sizes[i], OBM_ALIGNMENT);
		blocks++;
		page = virt_to_page(l->blocks[i]);
		KUNIT_EXPECT_FALSE(test, PageSlab(page));
		KUNIT_EXPECT_GT(test, page_ref_count(page), 0);
		pages[k++] = obm_test_page(l->blocks[i]);
	}
	sort(pages, k, sizeof(*pages), obm_test_ulong_cmp, NULL);
	for (i = 0; i < k; i++)
		if (!i || pages[i] != pages[i - 1])
			distinct++;
	for (i = 0; i < OBM_NR_CLASSES; i++)
		KUNIT_EXPECT_EQ_MSG(test, classes[i].blocks_used, live[i],
				    "class %u", i);
	KUNIT_EXPECT_EQ(test, s.blocks_in_use, blocks);
	KUNIT_EXPECT_EQ(test, s.bytes_in_allocated_blocks, bytes);
	KUNIT_EXPECT_EQ(test, s.blocks_cached, 0);
	KUNIT_EXPECT_EQ(test, s.blocks_cached_raw, 0);
	KUNIT_EXPECT_EQ(test, s.pools_in_use, distinct);
	if (s.arenas_shared)
		KUNIT_EXPECT_LE(test, s.pages_held - s.pools_in_use,
				2 * nr_node_ids);
}

/**
 * obm_test_check_empty() - A heap whose blocks the test all freed.
 * @test: The test.
 * @heap: The heap (NULL: the default heap); its magazines are drained.
 *
 * No block in use or cached (raw count too), no pool in a class, and no
 * more pages than the two empty pools a heap keeps per node.
 */
void obm_test_check_empty(struct kunit *test, struct obm_heap *heap)
{
	struct obm_test_ledger l = { };

	obm_test_ledger_check(test, heap, &l);
}

/**
 * obm_test_read_sets() - The shared arena sets' figures, summed over nodes.
 * @test: The test.
 * @sum: Filled in from the root file sets.
 */
void obm_test_read_sets(struct kunit *test, struct obm_test_sets *sum)
{
	char *buf = kunit_kzalloc(test, OBM_TEST_FILE_MAX, GFP_KERNEL);
	char *text, *line;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_GT(test, obm_test_read_file(OBM_TEST_DEBUGFS "/sets", buf,
						 OBM_TEST_FILE_MAX), 0);
	text = buf;
	line = strsep(&text, "\n");
	KUNIT_ASSERT_STREQ(test, line,
			   "node  arenas  small_arenas  arena_pages  free_pools  empty_arenas  allocated_total  reclaimed  highwater  stray_frees  descriptor_bytes");
	memset(sum, 0, sizeof(*sum));
	while ((line = strsep(&text, "\n")) && *line) {
		unsigned long v[10];
		long node;
		int fields;

		fields = sscanf(line, "%ld %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu",
				&node, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
				&v[6], &v[7], &v[8], &v[9]);
		KUNIT_ASSERT_EQ_MSG(test, fields, 11, "bad sets line '%s'", line);
		sum->arenas += v[0];
		sum->small_arenas += v[1];
		sum->arena_pages += v[2];
		sum->free_pools += v[3];
		sum->empty_arenas += v[4];
		sum->allocated += v[5];
		sum->reclaimed += v[6];
	}
}

/**
 * obm_test_fresh_sets() - Start from shared sets that hold no arena.
 * @test: The test; pinned to its CPU, so to one node's set.
 *
 * Nothing else holds pools while KUnit runs, so after this every arena is
 * the test's.
 */
void obm_test_fresh_sets(struct kunit *test)
{
	struct obm_test_sets sets;

	obm_test_pin_cpu(test);
	obm_test_quiesce_sets(test);
	obm_test_read_sets(test, &sets);
	KUNIT_ASSERT_EQ_MSG(test, sets.arenas, 0,
			    "arenas left in the sets after quiescing them");
}

/**
 * obm_test_rcu_counts() - The root file rcu: deferred frees.
 * @test: The test.
 * @pending: Blocks queued and not yet freed.
 * @batches: Grace periods waited for so far, one per batch.
 */
void obm_test_rcu_counts(struct kunit *test, unsigned long *pending,
			 unsigned long *batches)
{
	char buf[128], *text = buf;
	unsigned long freed;

	KUNIT_ASSERT_GT(test, obm_test_read_file(OBM_TEST_DEBUGFS "/rcu", buf,
						 sizeof(buf)), 0);
	int fields;

	KUNIT_ASSERT_STREQ(test, strsep(&text, "\n"), "pending  batches  freed");
	fields = sscanf(text, "%lu %lu %lu", pending, batches, &freed);
	KUNIT_ASSERT_EQ(test, fields, 3);
}

/**
 * obm_test_churn_pages() - Make the page allocator reuse what it can.
 * @test: The test.
 * @mib: How much to allocate, write and free, in MiB.
 *
 * Every free page a stray free gave back would be handed out, written and
 * freed again: a block living in such a page would be overwritten.
 */
void obm_test_churn_pages(struct kunit *test, unsigned long mib)
{
	KUNIT_EXPECT_GT(test, obm_churn_pages(mib),
			(mib << (20 - PAGE_SHIFT)) / 2);
}

/**
 * obm_test_core_kmalloc() - A kmalloc() object, as core code allocates it.
 * @size: Bytes.
 * @gfp: Flags.
 *
 * For the drop-in's tests, whose own kmalloc() is obmalloc's: this file is
 * built without it.
 *
 * Return: The object, or NULL.
 */
void *obm_test_core_kmalloc(size_t size, gfp_t gfp)
{
	return kmalloc(size, gfp);
}

/**
 * obm_test_quiesce_sets() - Leave the shared arena sets holding no empty
 * arena and no pool within its reuse grace period.
 * @test: The test.
 *
 * For tests that count arenas: the default heap's magazines and kept
 * pools are given back, a grace period passes, and the sets' shrinker
 * releases every empty arena.
 */
void obm_test_quiesce_sets(struct kunit *test)
{
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	struct shrinker *sets = obm_sets_shrinker_get();
	struct shrinker *def = obm_heap_shrinker(NULL);

	obm_test_drain(test, NULL);
	sc.nr_to_scan = def->count_objects(def, &sc);
	if (sc.nr_to_scan != SHRINK_EMPTY)
		def->scan_objects(def, &sc);
	synchronize_rcu();
	sc.nr_to_scan = sets->count_objects(sets, &sc);
	if (sc.nr_to_scan != SHRINK_EMPTY)
		sets->scan_objects(sets, &sc);
}

/**
 * obm_test_expect_report() - Announce a report the test is about to provoke.
 * @test: The test.
 * @heap_name: The heap the report will name ("(none)" for a foreign pointer).
 * @kind: The report kind, as in obmalloc's "obmalloc: heap X: <kind>: ...".
 * @ptr: The pointer the report will name, exactly as the caller passes it
 *       to obmalloc (the pointer freed twice, the interior pointer, the
 *       free block whose link was overwritten, the block reused after a
 *       write after free); NULL only for "destroy with live blocks", whose
 *       report names no block.
 *
 * Logs "obmalloc-test: expect report: <kind> from heap <name> at <ptr>",
 * @ptr printed with %p as obmalloc's report prints it (or "at any"). The
 * VM harness (tools/vm/results.py) excuses one obmalloc report of @kind
 * from @heap_name naming @ptr, and the WARNING of its own WARN, per
 * announcement, only until this test case (or parameter) ends: an
 * announcement still unmatched then fails the run, and so does any report
 * nobody announced, or announced with another pointer.
 */
void obm_test_expect_report(struct kunit *test, const char *heap_name,
			    const char *kind, const void *ptr)
{
	obm_report_announce();
	if (ptr)
		kunit_info(test, "obmalloc-test: expect report: %s from heap %s at %p\n",
			   kind, heap_name, ptr);
	else
		kunit_info(test, "obmalloc-test: expect report: %s from heap %s at any\n",
			   kind, heap_name);
}

#define OBM_TEST_FAIL_ARENA	"/sys/module/obmalloc/parameters/fail_arena"

static void obm_test_fail_arenas_off(void *unused)
{
	obm_test_write_file(OBM_TEST_FAIL_ARENA, "1,0,0,0");
}

/**
 * obm_test_fail_arenas() - Make the next arena allocations fail.
 * @test: The test.
 * @times: How many.
 *
 * Uses obmalloc's fail_arena parameter (the fault_attr behind debugfs's
 * fail_arena/). Skips the test if the kernel has no fault injection;
 * turned off again when the test ends.
 */
void obm_test_fail_arenas(struct kunit *test, unsigned int times)
{
	char buf[32];

	if (obm_test_read_file(OBM_TEST_FAIL_ARENA, buf, sizeof(buf)) < 0)
		kunit_skip(test, "no fault injection (CONFIG_FAULT_INJECTION)");
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, obm_test_fail_arenas_off, NULL));
	snprintf(buf, sizeof(buf), "1,100,0,%u", times);
	KUNIT_ASSERT_EQ(test, 0, obm_test_write_file(OBM_TEST_FAIL_ARENA, buf));
}

/* A byte pattern that differs per block and per offset. */
static u8 obm_test_byte(size_t i, unsigned long seed)
{
	return (u8)(seed * 131 + i * 7 + (i >> 8));
}

/**
 * obm_test_fill() - Fill a block with a pattern derived from @seed.
 * @p: The block.
 * @size: Bytes to fill.
 * @seed: Makes the pattern unique to the block.
 */
void obm_test_fill(void *p, size_t size, unsigned long seed)
{
	u8 *b = p;
	size_t i;

	for (i = 0; i < size; i++)
		b[i] = obm_test_byte(i, seed);
}

/**
 * obm_test_check_fill() - Whether a block still holds its pattern.
 * @p: The block.
 * @size: Bytes to check.
 * @seed: As given to obm_test_fill().
 *
 * Return: true if intact.
 */
bool obm_test_check_fill(const void *p, size_t size, unsigned long seed)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < size; i++)
		if (b[i] != obm_test_byte(i, seed))
			return false;
	return true;
}

/**
 * obm_test_drain_caches() - Empty a heap's per-CPU magazines through debugfs.
 * @test: The test.
 * @heap: The heap (NULL: the default heap).
 *
 * Afterwards every block is either held by a caller or back in its pool;
 * surplus empty arenas wait for the sets' trim.
 */
void obm_test_drain_caches(struct kunit *test, struct obm_heap *heap)
{
	char path[96];

	snprintf(path, sizeof(path), OBM_TEST_DEBUGFS "/%s/drain",
		 obm_test_heap_name(test, heap));
	KUNIT_ASSERT_EQ(test, 0, obm_test_write_file(path, "1"));
}

/* Writes back the arena_trim_ms the test found (its text, newline kept). */
static void obm_test_trim_restore(void *old)
{
	obm_test_write_file(OBM_TEST_ARENA_TRIM_MS, old);
}

/**
 * obm_test_hold_trim() - Keep the sets' trim work from running by itself.
 * @test: The test.
 *
 * For the rest of the test arena_trim_ms is an hour, so that surplus
 * empty arenas go only when the test calls obm_sets_trim_flush(); then
 * back to the value it had.
 */
void obm_test_hold_trim(struct kunit *test)
{
	char *old = kunit_kzalloc(test, 32, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, old);
	KUNIT_ASSERT_GT(test, obm_test_read_file(OBM_TEST_ARENA_TRIM_MS, old,
						 32), 0);
	KUNIT_ASSERT_EQ(test, 0, obm_test_write_file(OBM_TEST_ARENA_TRIM_MS,
						     "3600000"));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   obm_test_trim_restore,
							   old));
	/* A trim queued earlier would still run on its old time. */
	obm_sets_trim_flush();
}

/**
 * obm_test_drain() - Empty a heap's magazines, then let the sets trim.
 * @test: The test.
 * @heap: The heap (NULL: the default heap).
 *
 * For tests that look at pools and arenas: as obm_test_drain_caches(),
 * and the sets' surplus empty arenas are released, as the trim work does
 * a second later.
 */
void obm_test_drain(struct kunit *test, struct obm_heap *heap)
{
	obm_test_drain_caches(test, heap);
	obm_sets_trim_flush();
}

static void obm_test_verify_free_off(void *unused)
{
	obm_test_write_file(OBM_TEST_VERIFY_FREE, "N");
}

/**
 * obm_test_verify_free() - Turn obmalloc's verify_free on for this test.
 * @test: The test.
 */
void obm_test_verify_free(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, 0, obm_test_write_file(OBM_TEST_VERIFY_FREE, "Y"));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, obm_test_verify_free_off, NULL));
}

/**
 * obm_test_pin_cpu() - Keep the test on the CPU it runs on now.
 * @test: The test.
 *
 * For tests that expect a freed block back from the next allocation, or a
 * pool to fill exactly: per-CPU caches make that true only on one CPU. A
 * test case runs in a kthread of its own, which ends with the case, so the
 * affinity needs no restoring.
 */
void obm_test_pin_cpu(struct kunit *test)
{
	const struct cpumask *here = cpumask_of(raw_smp_processor_id());

	KUNIT_ASSERT_EQ(test, 0, set_cpus_allowed_ptr(current, here));
}

static DEFINE_SPINLOCK(obm_test_rt_atomic);

/**
 * obm_test_atomic_begin() - Enter the most atomic context kmalloc() allows.
 *
 * Interrupts off; on PREEMPT_RT, where kmalloc() may not be called with
 * interrupts or preemption disabled, a spinlock_t held instead.
 *
 * Return: Flags for obm_test_atomic_end().
 */
unsigned long obm_test_atomic_begin(void)
{
	unsigned long flags = 0;

	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		spin_lock(&obm_test_rt_atomic);
	else
		local_irq_save(flags);
	return flags;
}

/**
 * obm_test_atomic_end() - Leave the context obm_test_atomic_begin() entered.
 * @flags: Its return value.
 */
void obm_test_atomic_end(unsigned long flags)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		spin_unlock(&obm_test_rt_atomic);
	else
		local_irq_restore(flags);
}

/**
 * obm_test_free_action() - kunit_add_action() wrapper of obm_free().
 * @block: The block.
 */
void obm_test_free_action(void *block)
{
	obm_free(block);
}

MODULE_IMPORT_NS(OBM_NS_INTERNAL);
MODULE_DESCRIPTION("KUnit tests for obmalloc");
MODULE_LICENSE("GPL");
