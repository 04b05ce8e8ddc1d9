// SPDX-License-Identifier: GPL-2.0
/*
 * obm_demo - a small obmalloc client for `make demo`.
 *
 * Builds the kind of live set a subsystem keeps: a table of 260-byte
 * connection records (the size kmalloc serves from kmalloc-512), 40-byte
 * list nodes, 96-byte keys, 136-byte objects and short strings, in its own
 * heap "demo", then frees every third object to leave partly used pools.
 * It prints what kmalloc would have charged for the same live set, then
 * stays loaded so that its heap can be inspected in debugfs; unloading it
 * frees everything and destroys the heap.
 */

#include <linux/err.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <obmalloc.h>

struct obm_demo_kind {
	const char *what;
	unsigned int count;
	unsigned int min_size, max_size;
};

static const struct obm_demo_kind obm_demo_kinds[] = {
	{ "connection records", 3000, 260, 260 },
	{ "list nodes", 6000, 40, 40 },
	{ "hash keys", 2000, 96, 96 },
	{ "objects", 1500, 136, 136 },
	{ "strings", 4000, 1, 64 },
	{ "buffers", 200, 513, 2048 },
};

static struct obm_heap *obm_demo_heap;
static void **obm_demo_blocks;
static unsigned int obm_demo_nr_blocks;

/*
 * Not __init: the trace events' call sites point here, and an init
 * function's symbols are gone once loading returns (tools/vm/guest/trace.sh
 * reads the trace while the module is loaded).
 */
static noinline int obm_demo_build(void)
{
	size_t obm_bytes = 0, kmalloc_bytes = 0, live = 0;
	unsigned int i, j, n = 0, total = 0;
	struct rnd_state rnd;

	for (i = 0; i < ARRAY_SIZE(obm_demo_kinds); i++)
		total += obm_demo_kinds[i].count;
	obm_demo_blocks = kvcalloc(total, sizeof(void *), GFP_KERNEL);
	if (!obm_demo_blocks)
		return -ENOMEM;
	obm_demo_heap = obm_heap_create("demo");
	if (IS_ERR(obm_demo_heap)) {
		kvfree(obm_demo_blocks);
		return PTR_ERR(obm_demo_heap);
	}

	prandom_seed_state(&rnd, 42);
	for (i = 0; i < ARRAY_SIZE(obm_demo_kinds); i++) {
		const struct obm_demo_kind *k = &obm_demo_kinds[i];

		for (j = 0; j < k->count; j++) {
			size_t size = k->min_size + prandom_u32_state(&rnd) %
				      (k->max_size - k->min_size + 1);
			void *p = obm_heap_alloc(obm_demo_heap, size, GFP_KERNEL);

			if (!p)
				continue;
			obm_demo_blocks[n++] = p;
		}
	}
	obm_demo_nr_blocks = n;

	/* Free every third object: pools end up partly used. */
	for (i = 0; i < n; i += 3) {
		obm_free(obm_demo_blocks[i]);
		obm_demo_blocks[i] = NULL;
	}
	/*
	 * kmalloc's classes are multiples of 8 too, so rounding the usable
	 * size gives the kmalloc object the original request would get.
	 */
	for (i = 0; i < n; i++) {
		size_t usable = obm_usable_size(obm_demo_blocks[i]);

		if (!usable || usable > OBM_SMALL_MAX)
			continue;
		live++;
		obm_bytes += usable;
		kmalloc_bytes += kmalloc_size_roundup(usable);
	}
	pr_info("obm_demo: %zu live small objects: %zu bytes in obmalloc blocks, %zu bytes in kmalloc objects for the same requests\n",
		live, obm_bytes, kmalloc_bytes);
	return 0;
}

static void __exit obm_demo_exit(void)
{
	unsigned int i;

	for (i = 0; i < obm_demo_nr_blocks; i++)
		obm_free(obm_demo_blocks[i]);
	kvfree(obm_demo_blocks);
	obm_heap_destroy(obm_demo_heap);
}

static int __init obm_demo_init(void)
{
	return obm_demo_build();
}

module_init(obm_demo_init);
module_exit(obm_demo_exit);

MODULE_DESCRIPTION("obmalloc demo client");
MODULE_LICENSE("GPL");
