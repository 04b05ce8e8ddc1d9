# SPDX-License-Identifier: GPL-2.0
#
# obmalloc: build, install and package the module; run the tests; lint.
#
#   make            build obmalloc.ko and its in-tree clients (demo, stress,
#                   leaker; benchmark and KUnit suites where the kernel
#                   has their APIs)
#   make install    install obmalloc.ko alone into updates/ and run depmod;
#                   install the public header and this build's
#                   Module.symvers under /usr/src/obmalloc-<version>/
#   make uninstall  undo make install (for the same KDIR)
#   make deb        build obmalloc-dkms_<version>_all.deb (DKMS package)
#   make clean      remove what the builds left in the tree
#
#   make check      KUnit suites in a QEMU VM (debug kernel), "N passed, N failed"
#   make demo       load obmalloc and a client in the VM, print its statistics
#   make bench      obmalloc vs kmalloc and kmem_cache under User-Mode Linux
#   make field      obmalloc on Debian's own 6.1, 6.12 and 6.12-rt kernels
#   make lint       checkpatch, sparse, W=1, kernel-doc; and a 6.1 build
#
# KDIR is the build tree of the kernel to build for: by default the
# running kernel's, /lib/modules/$(uname -r)/build, which its headers
# package provides. Without it make stops and names the package to
# install; it installs nothing. Only check, demo, bench, field and lint
# install what they need (tools/vm/deps) and build their own kernels.
#
# make install and uninstall honour INSTALL_MOD_PATH and DESTDIR (its
# synonym; both set, DESTDIR prefixes INSTALL_MOD_PATH): everything goes
# under $(DESTDIR)$(INSTALL_MOD_PATH). The layout is in docs/install.md.

VERSION := $(shell cat $(CURDIR)/VERSION)
KDIR ?= /lib/modules/$(shell uname -r)/build
# The release the headers were built for, as uname -r shows it. Debian's
# headers have the upstream version (6.1.192) in include/config/
# kernel.release, which kbuild would install into; utsrelease.h has the
# real one (6.1.0-57-amd64).
KRELEASE := $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"$$/\1/p' \
		$(KDIR)/include/generated/utsrelease.h 2>/dev/null)

# kbuild's modules_install signs with the key in KDIR (CONFIG_MODULE_SIG_KEY)
# of a kernel built here; distribution headers have none, and the attempt
# prints an SSL error: then it is not made (docs/install.md, Secure Boot).
SIGN_KEY := $(shell sed -n 's/^CONFIG_MODULE_SIG_KEY="\(.*\)"$$/\1/p' $(KDIR)/.config 2>/dev/null)
NO_SIGN := $(if $(SIGN_KEY),$(if $(wildcard $(KDIR)/$(SIGN_KEY) $(SIGN_KEY)),,CONFIG_MODULE_SIG_ALL=))

ROOT := $(DESTDIR)$(INSTALL_MOD_PATH)
OBM_PREFIX := $(ROOT)/usr/src/obmalloc-$(VERSION)
# The public headers: not obmalloc_internal.h, which is for the KUnit
# suites.
PUBLIC_HEADERS := $(filter-out %_internal.h,$(wildcard $(CURDIR)/include/obmalloc*.h))
DEPMOD ?= /sbin/depmod

# make deb builds in a copy of the sources, here, and leaves the package
# (and the source package) here.
DEB_DIR ?= $(CURDIR)/.obm-build/deb

.PHONY: all modules kdir dkms-check install uninstall deb check demo bench field lint clean

all: modules

# Stop, saying what to install, when KDIR has no kernel build tree.
kdir:
	@if [ ! -f "$(KDIR)/Makefile" ]; then \
		if [ "$(KDIR)" = "/lib/modules/$$(uname -r)/build" ]; then \
			echo "obmalloc: no kernel headers for the running kernel, $$(uname -r)" >&2; \
			echo "  ($(KDIR) is missing). Install them and run make again:" >&2; \
			echo "    Debian, Ubuntu: apt-get install linux-headers-$$(uname -r)" >&2; \
			echo "    (for Debian's stock kernel, linux-headers-amd64 keeps them current)" >&2; \
			echo "    Fedora: dnf install kernel-devel-$$(uname -r)" >&2; \
			echo "  or build for another kernel: make KDIR=/lib/modules/<release>/build" >&2; \
		else \
			echo "obmalloc: KDIR=$(KDIR) is not a kernel build tree (no Makefile there)." >&2; \
			echo "  Install that kernel's headers (Debian: linux-headers-<release>), or point" >&2; \
			echo "  KDIR at a configured and built kernel tree." >&2; \
		fi; \
		exit 1; \
	fi
	@if [ -z "$(KRELEASE)" ]; then \
		echo "obmalloc: $(KDIR) has no include/generated/utsrelease.h:" \
		     "the kernel tree is not prepared (make modules_prepare)." >&2; \
		exit 1; \
	fi

modules: kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# make install and DKMS (the obmalloc-dkms package) do not mix: both would
# install an obmalloc.ko for a kernel, and the package owns the files in
# /usr/src/obmalloc-<version>/.
dkms-check:
	@if [ -f $(OBM_PREFIX)/dkms.conf ] || \
	    ls $(ROOT)/lib/modules/$(KRELEASE)/updates/dkms/obmalloc.ko* >/dev/null 2>&1; then \
		echo "obmalloc: DKMS installs obmalloc here (the obmalloc-dkms package);" \
		     "remove that first (apt-get remove obmalloc-dkms), or keep using it." >&2; \
		exit 1; \
	fi

# obmalloc.ko alone, built from module/ (kbuild's modules_install of the
# top directory would install the test, benchmark and leak modules too).
# KERNELRELEASE is passed because Debian's headers would otherwise install
# into /lib/modules/<upstream version>/.
install: kdir dkms-check
	$(MAKE) -C $(KDIR) M=$(CURDIR)/module modules
	$(MAKE) -C $(KDIR) M=$(CURDIR)/module KERNELRELEASE=$(KRELEASE) $(NO_SIGN) \
		INSTALL_MOD_PATH=$(ROOT) INSTALL_MOD_DIR=updates modules_install
	$(DEPMOD) $(if $(ROOT),-b $(ROOT)) $(KRELEASE)
	install -d $(OBM_PREFIX)/include $(OBM_PREFIX)/$(KRELEASE)
	install -m 644 $(PUBLIC_HEADERS) $(OBM_PREFIX)/include/
	install -m 644 $(CURDIR)/module/Module.symvers $(OBM_PREFIX)/$(KRELEASE)/Module.symvers
	@# One version's Module.symvers per kernel: the installed module's.
	@for d in $(ROOT)/usr/src/obmalloc-*/$(KRELEASE); do \
		[ "$$d" = "$(OBM_PREFIX)/$(KRELEASE)" ] || [ ! -f "$$d/Module.symvers" ] || \
		{ rm -f "$$d/Module.symvers" && rmdir "$$d"; }; \
	done
	@echo "obmalloc $(VERSION) installed for $(KRELEASE):"
	@ls $(ROOT)/lib/modules/$(KRELEASE)/updates/obmalloc.ko* | sed 's/^/  /'
	@echo "  $(OBM_PREFIX)/include/ $(notdir $(PUBLIC_HEADERS))"
	@echo "  $(OBM_PREFIX)/$(KRELEASE)/Module.symvers"
	@$(if $(NO_SIGN),echo "obmalloc.ko is not signed: docs/install.md says how to sign it for Secure Boot")

uninstall: kdir dkms-check
	rm -f $(ROOT)/lib/modules/$(KRELEASE)/updates/obmalloc.ko*
	-rmdir $(ROOT)/lib/modules/$(KRELEASE)/updates 2>/dev/null
	$(DEPMOD) $(if $(ROOT),-b $(ROOT)) $(KRELEASE)
	rm -rf $(OBM_PREFIX)/$(KRELEASE)
	@# The headers go with the last kernel's Module.symvers.
	@if [ -d $(OBM_PREFIX) ] && ! ls $(OBM_PREFIX)/*/Module.symvers >/dev/null 2>&1; then \
		echo "rm -rf $(OBM_PREFIX)"; rm -rf $(OBM_PREFIX); \
	fi

# The source tree copied is what the package ships: DKMS's
# /usr/src/obmalloc-<version>/ (dkms.conf, module/, include/, the hook)
# and the documents. The version is VERSION's: debian/changelog's first
# line is rewritten to it in the copy.
DEB_SOURCES := VERSION COPYING CHANGELOG.md dkms.conf debian docs/install.md \
	$(filter-out %.o %.ko %.mod %.mod.c %.order %.symvers %.dwo,$(wildcard module/*)) \
	$(wildcard include/*.h) tools/dkms/obm-dkms-hook

deb:
	@for tool in dpkg-buildpackage dh dh_dkms; do \
		command -v $$tool >/dev/null || { \
		echo "obmalloc: make deb needs $$tool: apt-get install dpkg-dev" \
		     "debhelper dh-dkms (or run tools/vm/deps deb)" >&2; exit 1; }; \
	done
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/obmalloc-$(VERSION)
	cd $(CURDIR) && cp -r --parents $(DEB_SOURCES) $(DEB_DIR)/obmalloc-$(VERSION)/
	sed -i '1s/^obmalloc ([^)]*)/obmalloc ($(VERSION))/' \
		$(DEB_DIR)/obmalloc-$(VERSION)/debian/changelog
	cd $(DEB_DIR)/obmalloc-$(VERSION) && dpkg-buildpackage -us -uc \
		>$(DEB_DIR)/build.log 2>&1 || { tail -30 $(DEB_DIR)/build.log; exit 1; }
	@test -f $(DEB_DIR)/obmalloc-dkms_$(VERSION)_all.deb
	@echo "obmalloc: built $(DEB_DIR)/obmalloc-dkms_$(VERSION)_all.deb" \
	      "(log: $(DEB_DIR)/build.log)"

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

# kbuild's clean when KDIR has a build tree; without one, the same files
# by name, so that clean needs no headers either.
BUILT := \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
	   -o -name '.*.cmd' -o -name '*.order' -o -name Module.symvers \
	   -o -name '*.dwo' -o -name '.*.d' \)
clean:
	@if [ -f "$(KDIR)/Makefile" ]; then \
		echo "$(MAKE) -C $(KDIR) M=$(CURDIR) clean"; \
		$(MAKE) -C $(KDIR) M=$(CURDIR) clean; \
	fi
	find $(CURDIR) -maxdepth 1 $(BUILT) -type f -delete
	find $(CURDIR)/module $(CURDIR)/kunit $(CURDIR)/tools $(BUILT) -type f -delete
	rm -rf $(CURDIR)/.obm-logs $(CURDIR)/.obm-build
