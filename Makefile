# SPDX-License-Identifier: GPL-2.0
#
# obmalloc: build the modules, run the KUnit suites in a VM, lint.
#
#   make            build obmalloc.ko, obmalloc_test.ko, obm_demo.ko
#   make check      KUnit suites in a QEMU VM (debug kernel), "N passed, N failed"
#   make demo       load obmalloc and a client in the VM, print its statistics
#   make bench      obmalloc vs kmalloc and kmem_cache under User-Mode Linux
#   make field      obmalloc on Debian's own 6.1, 6.12 and 6.12-rt kernels
#   make lint       checkpatch, sparse, W=1, kernel-doc; and a 6.1 build
#
# KDIR defaults to the running kernel's build tree if it has one, else to
# the project's cached test kernel (built on first use, see tools/vm/kernel).

RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
ifeq ($(origin KDIR),undefined)
  ifneq ($(wildcard $(RUNNING_KDIR)/Makefile),)
    KDIR := $(RUNNING_KDIR)
  else
    KDIR = $(shell $(CURDIR)/tools/vm/kernel qemu)
  endif
endif

.PHONY: all modules check demo bench field lint clean

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

check:
	tools/vm/check

demo:
	tools/vm/demo

bench:
	tools/bench/run

field:
	tools/vm/field

lint:
	tools/lint

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf .obm-logs
