// SPDX-License-Identifier: GPL-2.0
/*
 * obm_example - a module that uses obmalloc as any other module would:
 * built on its own, after obmalloc is installed, against obmalloc's
 * installed <obmalloc.h> and the Module.symvers of the obmalloc.ko
 * installed for the kernel it is built for (see the Makefile beside this
 * file), and loaded with modprobe, which loads obmalloc first because
 * depmod recorded the dependency.
 *
 * It exercises the API once at load time, counts its checks, prints
 * "obm_example: N passed, M failed" and refuses to load (-EINVAL) if any
 * check failed. Every check stays within the bytes requested: the
 * allocation functions are declared __alloc_size(), so with
 * CONFIG_FORTIFY_SOURCE an access beyond them is caught, as for kmalloc().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/align.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <obmalloc.h>

#define OBM_EXAMPLE_BLOCKS	256

static unsigned int obm_example_passed;
static unsigned int obm_example_failed;
static DEFINE_SPINLOCK(obm_example_lock);
static void *obm_example_blocks[OBM_EXAMPLE_BLOCKS];

static bool obm_example_check(bool ok, const char *what, int line)
{
	if (ok) {
		obm_example_passed++;
	} else {
		obm_example_failed++;
		pr_err("check failed at line %d: %s\n", line, what);
	}
	return ok;
}

#define CHECK(cond) obm_example_check(cond, #cond, __LINE__)

static bool obm_example_block_ok(const void *p, size_t size)
{
	return !ZERO_OR_NULL_PTR(p) &&
	       IS_ALIGNED((unsigned long)p, OBM_ALIGNMENT) &&
	       obm_usable_size(p) >= size;
}

/* A heap of its own: allocations in process and in atomic context. */
static void obm_example_heap(void)
{
	void **blocks = obm_example_blocks;
	struct obm_heap *heap;
	size_t size;
	void *p;
	int i;

	heap = obm_heap_create("obm_example");
	if (!CHECK(!IS_ERR_OR_NULL(heap)))
		return;

	/* Every size class, and sizes kmalloc() serves, GFP_KERNEL. */
	for (i = 0; i < OBM_EXAMPLE_BLOCKS; i++) {
		size = 1 + i * 3 * OBM_SMALL_MAX / OBM_EXAMPLE_BLOCKS;
		blocks[i] = obm_heap_alloc(heap, size, GFP_KERNEL);
		if (!CHECK(obm_example_block_ok(blocks[i], size)))
			continue;
		memset(blocks[i], i & 0xff, size);
	}
	for (i = 0; i < OBM_EXAMPLE_BLOCKS; i++) {
		size = 1 + i * 3 * OBM_SMALL_MAX / OBM_EXAMPLE_BLOCKS;
		if (blocks[i])
			CHECK(!memchr_inv(blocks[i], i & 0xff, size));
		obm_free(blocks[i]);
	}

	/* GFP_ATOMIC with a spinlock held, as from any atomic context. */
	spin_lock(&obm_example_lock);
	p = obm_heap_alloc(heap, 48, GFP_ATOMIC);
	if (p)
		memset(p, 0x5a, 48);
	spin_unlock(&obm_example_lock);
	if (CHECK(obm_example_block_ok(p, 48)))
		CHECK(!memchr_inv(p, 0x5a, 48));
	spin_lock(&obm_example_lock);
	obm_free(p);
	spin_unlock(&obm_example_lock);

	/* Every block is freed: the heap is destroyed, not reported. */
	obm_heap_destroy(heap);
}

/* The default heap: obm_alloc(), obm_zalloc(), obm_realloc(). */
static void obm_example_default_heap(void)
{
	u8 *p, *q;
	int i;

	p = obm_alloc(100, GFP_KERNEL);
	if (CHECK(obm_example_block_ok(p, 100)))
		memset(p, 0xa5, 100);
	obm_free(p);

	p = obm_zalloc(200, GFP_KERNEL);
	if (CHECK(obm_example_block_ok(p, 200)))
		CHECK(!memchr_inv(p, 0, 200));
	obm_free(p);

	/* Grown into another size class, then past OBM_SMALL_MAX: the contents stay. */
	p = obm_alloc(32, GFP_KERNEL);
	if (!CHECK(obm_example_block_ok(p, 32)))
		return;
	for (i = 0; i < 32; i++)
		p[i] = i;
	q = obm_realloc(p, 300, GFP_KERNEL);
	if (!CHECK(obm_example_block_ok(q, 300))) {
		obm_free(p);
		return;
	}
	p = q;
	for (i = 0; i < 32; i++)
		CHECK(p[i] == i);
	q = obm_realloc(p, 4 * OBM_SMALL_MAX, GFP_KERNEL);
	if (!CHECK(obm_example_block_ok(q, 4 * OBM_SMALL_MAX))) {
		obm_free(p);
		return;
	}
	p = q;
	for (i = 0; i < 32; i++)
		CHECK(p[i] == i);

	/* Size 0 frees the block, as krealloc() does. */
	CHECK(obm_realloc(p, 0, GFP_KERNEL) == ZERO_SIZE_PTR);

	CHECK(obm_alloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	CHECK(obm_usable_size(NULL) == 0);
	CHECK(obm_usable_size(ZERO_SIZE_PTR) == 0);
	obm_free(NULL);
	obm_free(ZERO_SIZE_PTR);
}

static int __init obm_example_init(void)
{
	obm_example_heap();
	obm_example_default_heap();
	pr_info("%u passed, %u failed\n", obm_example_passed,
		obm_example_failed);
	return obm_example_failed ? -EINVAL : 0;
}

static void __exit obm_example_exit(void)
{
}

module_init(obm_example_init);
module_exit(obm_example_exit);

MODULE_DESCRIPTION("obmalloc example: a module built against installed obmalloc");
MODULE_LICENSE("GPL");
