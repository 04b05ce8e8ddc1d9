/* SPDX-License-Identifier: GPL-2.0 */
/*
 * obmalloc compatibility across kernel versions. Every difference between
 * the kernels obmalloc builds on (Debian 12's 6.1 and 6.12, and the APIs
 * of 6.13 to 7.3, read from their headers) lives here and in
 * obm_compat.mk, nowhere else; the KUnit suites and tools use it too.
 */
#ifndef _OBM_COMPAT_H
#define _OBM_COMPAT_H

/*
 * Differences are detected when the module is built, from the headers of
 * the kernel it is built against (module/Kbuild defines OBM_HAVE_*), not
 * from LINUX_VERSION_CODE, so a backported API is picked up too.
 */

#include <linux/hrtimer.h>
#include <linux/sched.h>
#include <linux/shrinker.h>
#include <linux/stackdepot.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

typedef unsigned long (*obm_shrink_fn)(struct shrinker *,
				       struct shrink_control *);

#ifdef OBM_HAVE_SHRINKER_ALLOC
/* 6.7 and later: shrinker_alloc(), shrinker_register(), private_data. */
static inline struct shrinker *obm_shrinker_create(const char *name,
						   void *private_data,
						   int seeks,
						   obm_shrink_fn count,
						   obm_shrink_fn scan)
{
	struct shrinker *shrinker = shrinker_alloc(0, "obmalloc-%s", name);

	if (!shrinker)
		return NULL;
	shrinker->count_objects = count;
	shrinker->scan_objects = scan;
	shrinker->seeks = seeks;
	shrinker->private_data = private_data;
	shrinker_register(shrinker);
	return shrinker;
}

static inline void obm_shrinker_destroy(struct shrinker *shrinker)
{
	shrinker_free(shrinker);
}

static inline void *obm_shrinker_private(struct shrinker *shrinker)
{
	return shrinker->private_data;
}
#else
/* Before 6.7: the user embeds the shrinker and calls register_shrinker(). */
struct obm_shrinker_legacy {
	struct shrinker	shrinker;
	void		*private_data;
};

static inline struct shrinker *obm_shrinker_create(const char *name,
						   void *private_data,
						   int seeks,
						   obm_shrink_fn count,
						   obm_shrink_fn scan)
{
	struct obm_shrinker_legacy *legacy;

	legacy = kzalloc(sizeof(*legacy), GFP_KERNEL);
	if (!legacy)
		return NULL;
	legacy->shrinker.count_objects = count;
	legacy->shrinker.scan_objects = scan;
	legacy->shrinker.seeks = seeks;
	legacy->private_data = private_data;
	if (register_shrinker(&legacy->shrinker, "obmalloc-%s", name)) {
		kfree(legacy);
		return NULL;
	}
	return &legacy->shrinker;
}

static inline void obm_shrinker_destroy(struct shrinker *shrinker)
{
	unregister_shrinker(shrinker);
	kfree(container_of(shrinker, struct obm_shrinker_legacy, shrinker));
}

static inline void *obm_shrinker_private(struct shrinker *shrinker)
{
	return container_of(shrinker, struct obm_shrinker_legacy,
			    shrinker)->private_data;
}
#endif /* OBM_HAVE_SHRINKER_ALLOC */

/*
 * Pages freed outside the LRU lists by a task in reclaim count as its
 * progress: 6.4 renamed reclaim_state's reclaimed_slab to reclaimed and
 * added mm_account_reclaimed_pages().
 */
#ifdef OBM_HAVE_MM_ACCOUNT_RECLAIMED_PAGES
static inline void obm_account_reclaimed_pages(unsigned long pages)
{
	mm_account_reclaimed_pages(pages);
}
#else
static inline void obm_account_reclaimed_pages(unsigned long pages)
{
	if (current->reclaim_state)
		current->reclaim_state->reclaimed_slab += pages;
}
#endif

/*
 * Saving a stack in the depot without letting it allocate: 6.8 replaced
 * __stack_depot_save(entries, nr, extra_bits, gfp, can_alloc) with
 * stack_depot_save_flags().
 */
#ifdef OBM_HAVE_STACK_DEPOT_SAVE_FLAGS
static inline depot_stack_handle_t obm_stack_depot_save(unsigned long *entries,
							unsigned int nr,
							gfp_t gfp,
							bool can_alloc)
{
	return stack_depot_save_flags(entries, nr, gfp,
				      can_alloc ? STACK_DEPOT_FLAG_CAN_ALLOC : 0);
}
#else
static inline depot_stack_handle_t obm_stack_depot_save(unsigned long *entries,
							unsigned int nr,
							gfp_t gfp,
							bool can_alloc)
{
	return __stack_depot_save(entries, nr, 0, gfp, can_alloc);
}
#endif

/* 7.2 warns about a workqueue that is neither WQ_PERCPU nor WQ_UNBOUND. */
#ifdef OBM_HAVE_WQ_PERCPU
#define OBM_WQ_PERCPU		WQ_PERCPU
#else
#define OBM_WQ_PERCPU		0
#endif

/* 6.15 removed del_timer_sync(), 6.2 added timer_delete_sync(). */
static inline int obm_timer_delete_sync(struct timer_list *timer)
{
#ifdef OBM_HAVE_TIMER_DELETE_SYNC
	return timer_delete_sync(timer);
#else
	return del_timer_sync(timer);
#endif
}

/* 6.15 removed hrtimer_init(), 6.13 added hrtimer_setup(). */
static inline void obm_hrtimer_setup(struct hrtimer *timer,
				     enum hrtimer_restart (*fn)(struct hrtimer *),
				     clockid_t clock, enum hrtimer_mode mode)
{
#ifdef OBM_HAVE_HRTIMER_SETUP
	hrtimer_setup(timer, fn, clock, mode);
#else
	hrtimer_init(timer, clock, mode);
	timer->function = fn;
#endif
}

#endif /* _OBM_COMPAT_H */
