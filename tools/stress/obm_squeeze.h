/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory squeezes for obmalloc's stress modules (obm_stress, obm_kswapd):
 * take free pages with GFP_NOWAIT, which wakes kswapd below the low
 * watermark but never reclaims or OOM-kills itself, until @headroom pages
 * are left free for everyone else; give them back later.
 */
#ifndef _OBM_SQUEEZE_H
#define _OBM_SQUEEZE_H

#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmstat.h>

/* What the squeezes leave free. */
#define OBM_SQUEEZE_HEADROOM	(SZ_64M >> PAGE_SHIFT)

/*
 * Take at most @max free pages onto @held, leaving @headroom free pages.
 * Others allocate meanwhile, so free memory is read again every 1024
 * pages. Returns the number taken.
 */
static inline unsigned long obm_squeeze_take(struct list_head *held,
					     unsigned long headroom,
					     unsigned long max)
{
	unsigned long free = global_zone_page_state(NR_FREE_PAGES);
	unsigned long n = 0, limit = free > headroom ? free - headroom : 0;
	struct page *page;

	limit = min(limit, max);
	while (n < limit && (page = alloc_page(GFP_NOWAIT | __GFP_NOWARN))) {
		list_add(&page->lru, held);
		if (++n % 1024 == 0 &&
		    global_zone_page_state(NR_FREE_PAGES) <= headroom)
			break;
	}
	return n;
}

/*
 * Allocate, write and free @mib MiB of pages, so the page allocator hands
 * out again whatever is free: a block living in a page freed by mistake
 * would be overwritten. Returns the pages churned.
 */
static inline unsigned long obm_churn_pages(unsigned long mib)
{
	unsigned long n = mib << (20 - PAGE_SHIFT), i, got = 0;
	struct page **pages = kvcalloc(n, sizeof(*pages), GFP_KERNEL);

	if (!pages)
		return 0;
	for (i = 0; i < n; i++) {
		pages[i] = alloc_page(GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY);
		if (!pages[i])
			break;
		memset(page_address(pages[i]), 0x5a, PAGE_SIZE);
		got++;
	}
	for (i = 0; i < got; i++)
		__free_page(pages[i]);
	kvfree(pages);
	return got;
}

/* Give back what obm_squeeze_take() took. */
static inline void obm_squeeze_release(struct list_head *held)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, held, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}

#endif /* _OBM_SQUEEZE_H */
