# SPDX-License-Identifier: GPL-2.0
# Kernel API differences (see obm_compat.h), detected from the headers of
# the kernel being built against rather than from its version number, so
# that a backported API is picked up too. Included by every Kbuild that
# builds a module using obmalloc's internal headers.
obm_hdr = $(srctree)/include/linux

ifneq ($(shell grep -sw shrinker_alloc $(obm_hdr)/shrinker.h),)
ccflags-y += -DOBM_HAVE_SHRINKER_ALLOC
endif
ifneq ($(shell grep -sw mm_account_reclaimed_pages $(obm_hdr)/swap.h),)
ccflags-y += -DOBM_HAVE_MM_ACCOUNT_RECLAIMED_PAGES
endif
ifneq ($(shell grep -sw stack_depot_save_flags $(obm_hdr)/stackdepot.h),)
ccflags-y += -DOBM_HAVE_STACK_DEPOT_SAVE_FLAGS
endif
# 6.13: symbol namespaces are string literals, no longer stringified.
ifeq ($(shell grep -s 'define EXPORT_SYMBOL_NS_GPL.*__stringify(ns)' $(obm_hdr)/export.h),)
ccflags-y += -DOBM_HAVE_STRING_NS
endif
# 6.2 (in Debian's 6.1 by backport): timer_delete_sync(); del_timer_sync()
# went in 6.15.
ifneq ($(shell grep -sw timer_delete_sync $(obm_hdr)/timer.h),)
ccflags-y += -DOBM_HAVE_TIMER_DELETE_SYNC
endif
# 6.13: hrtimer_setup(); hrtimer_init() went in 6.15.
ifneq ($(shell grep -sw hrtimer_setup $(obm_hdr)/hrtimer.h),)
ccflags-y += -DOBM_HAVE_HRTIMER_SETUP
endif
# 6.17 (in Debian's 6.12 by backport): WQ_PERCPU; 7.2 warns without it.
ifneq ($(shell grep -sw WQ_PERCPU $(obm_hdr)/workqueue.h),)
ccflags-y += -DOBM_HAVE_WQ_PERCPU
endif
