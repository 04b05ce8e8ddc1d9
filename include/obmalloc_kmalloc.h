/* SPDX-License-Identifier: GPL-2.0 */
/*
 * obmalloc_kmalloc.h - a module's kmalloc() family served by obmalloc,
 * without a change to its source.
 *
 * In the module's Kbuild (docs/api.md, "Try it on your module"), with
 * OBM_DIR the installed /usr/src/obmalloc-<version>/:
 *
 *	ccflags-y += -include $(OBM_DIR)/include/<this header>
 *	KBUILD_EXTRA_SYMBOLS += $(OBM_DIR)/<release>/Module.symvers
 *
 * and, to give the module a heap of its own rather than the default heap,
 *
 *	ccflags-y += -DOBM_KMALLOC_HEAP='"mydrv"'
 *
 * kmalloc, kzalloc, kcalloc, kmalloc_array, krealloc, krealloc_array,
 * their _node variants, kmemdup, kmemdup_nul, kstrdup and kstrndup then
 * allocate from obmalloc (requests over 512 bytes, and those with
 * __GFP_ACCOUNT, a zone or __GFP_NOFAIL, still end in kmalloc(), through
 * obmalloc); kfree, kfree_sensitive, kvfree, ksize, kfree_rcu (both forms),
 * kvfree_rcu and kfree_rcu_mightsleep take obmalloc's blocks and pass
 * anything else where it belongs - kmalloc()'s objects to kfree(),
 * vmalloc()'s areas to vfree() - so memory core code allocated may be
 * freed as before. kmem_cache_*, devm_*, vmalloc and page allocations are
 * left alone.
 *
 * The free names are object-like macros defined before <linux/slab.h>,
 * so that what slab.h itself builds on them - __free(kfree),
 * DEFINE_FREE(kvfree) - and kfree passed as a function pointer reach
 * obmalloc too (ksize is function-like: headers use it as a variable).
 * The allocation names are redefined after the kernel's headers, whose
 * own definitions of them differ between versions.
 *
 * What core code frees with its own kfree() (a symlink body freed by
 * kfree_link(), a buffer handed to the core to own) is a stray free of an
 * obmalloc block: obmalloc keeps the block allocated and reports it
 * (docs/api.md lists the patterns).
 */
#ifndef _OBMALLOC_KMALLOC_H
#define _OBMALLOC_KMALLOC_H

/* Before the kernel's declarations, so that they declare obmalloc's. */
#define kfree			obm_free
#define kvfree			obm_kvfree
#define kfree_sensitive		obm_free_sensitive
#define ksize(p)		obm_usable_size(p)

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/rcupdate.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <obmalloc.h>

#ifdef OBM_KMALLOC_HEAP
/*
 * The module's heap, by name, looked up (or created) on the first
 * allocation that may sleep, one pointer cached per source file; until
 * then, and if it cannot be had, allocations go to the default heap.
 */
static struct obm_heap *__obm_kmalloc_heap_cache;

static inline struct obm_heap *__obm_kmalloc_heap(gfp_t gfp)
{
	struct obm_heap *heap = READ_ONCE(__obm_kmalloc_heap_cache);

	if (likely(heap))
		return heap;
	if (!gfpflags_allow_blocking(gfp))
		return NULL;
	heap = obm_heap_get(OBM_KMALLOC_HEAP);
	if (IS_ERR(heap))
		return NULL;
	WRITE_ONCE(__obm_kmalloc_heap_cache, heap);
	return heap;
}

static inline __alloc_size(1) void *__obm_kmalloc(size_t size, gfp_t gfp)
{
	struct obm_heap *heap = __obm_kmalloc_heap(gfp);

	return heap ? obm_heap_alloc(heap, size, gfp) : obm_alloc(size, gfp);
}

static inline __alloc_size(1) void *__obm_kmalloc_node(size_t size, gfp_t gfp,
						       int node)
{
	struct obm_heap *heap = __obm_kmalloc_heap(gfp);

	return heap ? obm_heap_alloc_node(heap, size, gfp, node) :
		      obm_alloc_node(size, gfp, node);
}

static inline __alloc_size(1, 2) void *__obm_kmalloc_array(size_t n,
							   size_t size,
							   gfp_t gfp)
{
	struct obm_heap *heap = __obm_kmalloc_heap(gfp);

	return heap ? obm_heap_alloc_array(heap, n, size, gfp) :
		      obm_alloc_array(n, size, gfp);
}

static inline __realloc_size(2) void *__obm_krealloc(const void *p,
						     size_t size, gfp_t gfp)
{
	struct obm_heap *heap = __obm_kmalloc_heap(gfp);

	return heap ? obm_heap_realloc(heap, p, size, gfp) :
		      obm_realloc(p, size, gfp);
}
#else
#define __obm_kmalloc(size, gfp)		obm_alloc(size, gfp)
#define __obm_kmalloc_node(size, gfp, node)	obm_alloc_node(size, gfp, node)
#define __obm_kmalloc_array(n, size, gfp)	obm_alloc_array(n, size, gfp)
#define __obm_krealloc(p, size, gfp)		obm_realloc(p, size, gfp)
#endif

static inline __alloc_size(1, 2) void *
__obm_kmalloc_array_node(size_t n, size_t size, gfp_t gfp, int node)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return __obm_kmalloc_node(bytes, gfp, node);
}

static inline __realloc_size(2, 3) void * __must_check
__obm_krealloc_array(const void *p, size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return __obm_krealloc(p, bytes, gfp);
}

static inline void *__obm_kmemdup(const void *src, size_t len, gfp_t gfp)
{
	void *p = __obm_kmalloc(len, gfp);

	if (p)
		memcpy(p, src, len);
	return p;
}

static inline char *__obm_kmemdup_nul(const char *s, size_t len, gfp_t gfp)
{
	char *p;

	if (!s)
		return NULL;
	p = __obm_kmalloc(len + 1, gfp);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

static inline char *__obm_kstrdup(const char *s, gfp_t gfp)
{
	return s ? __obm_kmemdup(s, strlen(s) + 1, gfp) : NULL;
}

static inline char *__obm_kstrndup(const char *s, size_t max, gfp_t gfp)
{
	return s ? __obm_kmemdup_nul(s, strnlen(s, max), gfp) : NULL;
}

#undef kmalloc
#undef kzalloc
#undef kcalloc
#undef kmalloc_array
#undef krealloc
#undef krealloc_array
#undef kmalloc_node
#undef kzalloc_node
#undef kcalloc_node
#undef kmalloc_array_node
#undef kmemdup
#undef kmemdup_nul
#undef kstrdup
#undef kstrndup
#undef kfree_rcu
#undef kvfree_rcu
#undef kfree_rcu_mightsleep
#undef kvfree_rcu_mightsleep

#define kmalloc(size, gfp)		__obm_kmalloc(size, gfp)
#define kzalloc(size, gfp)		__obm_kmalloc(size, (gfp) | __GFP_ZERO)
#define kmalloc_array(n, size, gfp)	__obm_kmalloc_array(n, size, gfp)
#define kcalloc(n, size, gfp)		__obm_kmalloc_array(n, size, (gfp) | __GFP_ZERO)
#define krealloc(p, size, gfp)		__obm_krealloc(p, size, gfp)
#define krealloc_array(p, n, size, gfp)	__obm_krealloc_array(p, n, size, gfp)
#define kmalloc_node(size, gfp, node)	__obm_kmalloc_node(size, gfp, node)
#define kzalloc_node(size, gfp, node)	__obm_kmalloc_node(size, (gfp) | __GFP_ZERO, node)
#define kmalloc_array_node(n, size, gfp, node) \
	__obm_kmalloc_array_node(n, size, gfp, node)
#define kcalloc_node(n, size, gfp, node) \
	__obm_kmalloc_array_node(n, size, (gfp) | __GFP_ZERO, node)
#define kmemdup(src, len, gfp)		__obm_kmemdup(src, len, gfp)
#define kmemdup_nul(s, len, gfp)	__obm_kmemdup_nul(s, len, gfp)
#define kstrdup(s, gfp)			__obm_kstrdup(s, gfp)
#define kstrndup(s, max, gfp)		__obm_kstrndup(s, max, gfp)

/*
 * kfree_rcu(ptr, rhf) with an rcu_head in the object; kfree_rcu(ptr), the
 * older spelling of kfree_rcu_mightsleep(ptr), without one.
 */
#define __obm_kfree_rcu_2(ptr, rhf)					\
	do {								\
		typeof(ptr) ___p = (ptr);				\
									\
		if (___p)						\
			obm_free_rcu(___p, (void *)___p +		\
				     offsetof(typeof(*___p), rhf));	\
	} while (0)
#define __obm_kfree_rcu_1(ptr)		obm_free_rcu_mightsleep(ptr)
/* By the number of arguments (COUNT_ARGS: <linux/kernel.h>, <linux/args.h>). */
#define kfree_rcu(...)							\
	CONCATENATE(__obm_kfree_rcu_, COUNT_ARGS(__VA_ARGS__))(__VA_ARGS__)
#define kvfree_rcu(...)			kfree_rcu(__VA_ARGS__)
#define kfree_rcu_mightsleep(ptr)	obm_free_rcu_mightsleep(ptr)
#define kvfree_rcu_mightsleep(ptr)	obm_free_rcu_mightsleep(ptr)

#endif /* _OBMALLOC_KMALLOC_H */
