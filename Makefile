# SPDX-License-Identifier: GPL-2.0
#
# memarena top-level Makefile.
#
#   make              dependencies, module, userspace tools, selftests
#   make check        everything, static checks, and the selftests in a VM
#   make check-kernels build, sparse and the VM selftests on each Debian kernel
#                     series: 6.1, 6.12, 6.12-rt (installs them)
#   make check-debug  the VM selftests, fault injection and a kmemleak scan on
#                     two debug kernels (KASAN, lockdep, ...; one PREEMPT_RT),
#                     built once from linux-source-6.12 and cached
#   make demo         boot the VM, load the module, show /proc/memstats
#   make bench        memarena against kmalloc/kmem_cache in the VM (bench/run)
#   make vm-shell     interactive root shell in the VM with memarena loaded
#   make install      memstat, memload and their man pages (DESTDIR, PREFIX)
#   make deb          Debian packages (DKMS module, tools) in build/deb
#   make checkpatch   checkpatch --strict on module/ and include/
#   make sparse       sparse (C=2) over the kernel code
#   make sizeclasses  regenerate module/sizeclasses.[ch] (scripts/mksizeclasses.c)
#
# Every target first makes sure the Debian packages it needs are present
# (scripts/deps installs them as root).  The kernel is the running one if
# it has headers, else Debian's default (scripts/kver says which and why);
# KVER=/KDIR= pick another.

SRCDIR	:= $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD	:= $(SRCDIR)/build
SHELL	:= /bin/bash

# Deferred (=), so that a kernel installed by 'deps' is seen.
KVER	?= $(shell $(SRCDIR)/scripts/kver)
KDIR	?= $(KROOT)/lib/modules/$(KVER)/build
KMAKE	= $(MAKE) -C $(KDIR) M=$(SRCDIR)

# Debian's kernel source tarball: only the selftest harness and checkpatch
# are taken from it, into $(BUILD)/ksrc (never committed).
KSRC_TAR  ?= $(firstword $(wildcard /usr/src/linux-source-6.1.tar.xz) \
			 $(lastword $(sort $(wildcard /usr/src/linux-source-*.tar.xz))))
KSRC	  := $(BUILD)/ksrc
KSRC_FILES := tools/testing/selftests/kselftest_harness.h \
	      tools/testing/selftests/kselftest.h \
	      scripts/checkpatch.pl scripts/spelling.txt \
	      scripts/const_structs.checkpatch
CHECKPATCH := $(KSRC)/scripts/checkpatch.pl

# The upstream YNL netlink client and the spec schemas, from Debian's
# linux-source-6.12 (6.1 predates YNL), into $(YNL) (never committed).
YNL_TAR	  ?= /usr/src/linux-source-6.12.tar.xz
YNL	  := $(BUILD)/ynl

# What checkpatch and sparse look at: our kernel sources, not Kbuild output.
KERNEL_SRCS = $(filter-out %.mod.c,$(wildcard module/*.[ch] include/linux/*.h include/uapi/linux/*.h \
					      selftests/modules/*.c bench/*.c))

all: module user selftests

include $(SRCDIR)/module/sizeclasses.mk

$(MKSIZECLASSES): | deps

deps:
	@$(SRCDIR)/scripts/deps

# Apart from 'deps': make expands a whole recipe before running its first
# line, so $(KVER) must not appear in the recipe that installs the kernel.
kernel: deps
	@$(SRCDIR)/scripts/kver --why >/dev/null || \
		{ echo "memarena: no kernel with headers and /boot/vmlinuz found (set KVER=)" >&2; exit 1; }

$(KSRC)/.stamp: | deps
	@mkdir -p $(KSRC)
	@test -r "$(KSRC_TAR)" || { echo "memarena: linux-source tarball not found (KSRC_TAR=)" >&2; exit 1; }
	@echo "  EXTRACT $(notdir $(KSRC_TAR)): harness and checkpatch"
	@top=$$(tar -tJf $(KSRC_TAR) | head -1 | cut -d/ -f1) && \
	 tar -xJf $(KSRC_TAR) -C $(KSRC) --strip-components=1 \
		$(addprefix $$top/,$(KSRC_FILES))
	@touch $@

ksrc: $(KSRC)/.stamp

$(YNL)/.stamp: | deps
	@mkdir -p $(YNL)
	@test -r "$(YNL_TAR)" || { echo "memarena: $(YNL_TAR) not found (YNL_TAR=)" >&2; exit 1; }
	@echo "  EXTRACT $(notdir $(YNL_TAR)): tools/net/ynl and the netlink spec schemas"
	@top=$$(tar -tJf $(YNL_TAR) | head -1 | cut -d/ -f1) && \
	 tar -xJf $(YNL_TAR) -C $(YNL) --strip-components=1 --wildcards \
		"$$top/tools/net/ynl/*" "$$top/Documentation/netlink/*.yaml"
	@touch $@

ynl: $(YNL)/.stamp

# The committed size-class tables must be what the generator makes.
module: kernel sizeclasses-check
	$(KMAKE) modules

user: deps
	@if [ -f user/Makefile ]; then $(MAKE) -C user SRCDIR=$(SRCDIR) BUILD=$(BUILD); fi

selftests: deps ksrc ynl
	$(MAKE) -C selftests SRCDIR=$(SRCDIR) BUILD=$(BUILD)

checkpatch: ksrc
	perl $(CHECKPATCH) --strict --no-tree --quiet --show-types -f $(KERNEL_SRCS)

sparse: kernel
	@mkdir -p $(BUILD)
	$(KMAKE) C=2 modules 2>&1 | tee $(BUILD)/sparse.log
	@if grep -E ': (warning|error):' $(BUILD)/sparse.log; then \
		echo "sparse: warnings above" >&2; exit 1; fi

check: all
	@$(SRCDIR)/selftests/check

# Every supported Debian kernel series (SERIES= to pick some); installs
# their images and headers.
check-kernels: deps
	@$(SRCDIR)/selftests/check-kernels $(SERIES)

# The debug kernels (DEBUG_KERNELS= to pick one: debug, debug-rt); their
# build is cached in /var/cache/memarena (MEMARENA_CACHE=).
check-debug: deps
	@$(SRCDIR)/selftests/check-debug $(DEBUG_KERNELS)

demo: all
	@$(SRCDIR)/selftests/vm-run --timeout 300 -- selftests/demo

bench: all
	$(MAKE) -C $(SRCDIR)/bench SRCDIR=$(SRCDIR) BUILD=$(BUILD)
	@$(SRCDIR)/bench/run

install: user
	$(MAKE) -C user SRCDIR=$(SRCDIR) BUILD=$(BUILD) install

vm-shell: all
	@$(SRCDIR)/selftests/vm-run --shell -- insmod module/memarena.ko

# Debian packages (debian/): memarena-dkms, the module's sources that DKMS
# builds on the target and for each new kernel, and memarena-tools.  Built
# with dpkg-buildpackage in a copy of the sources, $(DEB)/memarena-VERSION
# (the version is debian/changelog's), so that the .debs land in $(DEB) and
# the work tree stays clean.  The copy is a tar of the tree without build
# output, so it works without git too.  Needs no kernel headers.
DEB	:= $(BUILD)/deb

deb:
	@$(SRCDIR)/scripts/deps build-essential debhelper dh-dkms dkms dpkg-dev fakeroot
	@set -eo pipefail; \
	 ver=$$(dpkg-parsechangelog -l $(SRCDIR)/debian/changelog -S Version); \
	 rm -rf $(DEB); mkdir -p $(DEB)/memarena-$$ver; \
	 echo "  COPY    sources to $(DEB)/memarena-$$ver"; \
	 tar -C $(SRCDIR) -cf - --exclude=./build --exclude-vcs \
		--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
		--exclude='*.cmd' --exclude='*.a' --exclude='.*.d' --exclude=modules.order \
		--exclude=Module.symvers --exclude=.tmp_versions --exclude=__pycache__ \
		--exclude='.checkpatch-camelcase.*' --exclude=./bench/results.json . | \
		tar -C $(DEB)/memarena-$$ver -xf -; \
	 cd $(DEB)/memarena-$$ver && \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dpkg-buildpackage -b -us -uc; \
	 echo "memarena: packages in $(DEB):"; ls -1 $(DEB)/*.deb

clean:
	-$(KMAKE) clean 2>/dev/null
	rm -rf $(BUILD)

.PHONY: all deps kernel ksrc ynl module user selftests checkpatch sparse check check-kernels check-debug demo bench install \
	vm-shell deb clean
