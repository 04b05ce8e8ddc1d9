# SPDX-License-Identifier: GPL-2.0
# Included by the Kbuild of each tools/bench/<instrument>/: obmalloc's
# public header, the benchmark's shared one (obm_bench_util.h), and
# kmem_buckets_create() (6.11), detected from the headers so that the
# modules still build without it.
ccflags-y += -I$(src)/../../../include -I$(src)/..
ifneq ($(shell grep -sw kmem_buckets_create $(srctree)/include/linux/slab.h),)
ccflags-y += -DOBM_HAVE_KMEM_BUCKETS
endif
