# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of irqctx.ko:
#   make                    build against the cached test kernel
#   make KDIR=/path/to/tree build against any Rust-enabled kernel build
#   make rustfmtcheck       rustfmt --check with the kernel's .rustfmt.toml
#   make clippy             build with CLIPPY=1, failing on any finding
#   make rust-analyzer      write rust-project.json for editors (rust-analyzer)

KDIR ?= $(shell $(CURDIR)/scripts/build-kernel.sh --kdir)

# The kernel toolchain Debian builds its kernels with (scripts/kmake.sh:
# rustc, rustfmt, clippy, bindgen and LLVM 19, in a trixie root on older
# hosts); LLVM=1 unless LLVM= or CC= is given.
TOOLCHAIN = $(CURDIR)/scripts/kmake.sh
KMAKE = $(TOOLCHAIN) -C $(KDIR) M=$(CURDIR) $(if $(LLVM),LLVM=$(LLVM))

RUST_SRCS = $(shell find $(CURDIR)/rust $(CURDIR)/tests -name '*.rs' ! -name '*_generated.rs')

all: modules

# Objects built against another kernel tree look up to date to Kbuild: the
# trees share one source, so the command lines are the same and the
# generated headers they depend on are older than the objects. Building
# against a different KDIR than last time (a changed config fragment makes a
# new one) therefore starts from clean.
KDIR_STAMP := $(CURDIR)/.kdir

modules:
	@if [ "$$(cat $(KDIR_STAMP) 2>/dev/null)" != "$(realpath $(KDIR))" ]; then \
		$(KMAKE) clean >/dev/null && echo "$(realpath $(KDIR))" >$(KDIR_STAMP); fi
	$(KMAKE) $@

clean:
	$(KMAKE) $@
	rm -f $(KDIR_STAMP)

clippy:
	@$(KMAKE) CLIPPY=1 -B modules 2>&1 | tee $(CURDIR)/.clippy.log
	@! grep -E '^(warning|error)' $(CURDIR)/.clippy.log

# rust-project.json for rust-analyzer: the kernel tree's (core, kernel,
# macros...) plus the irqctx crate (the kernel's M= support does not find a crate
# root below its Kbuild). The standard library's source paths are the
# toolchain's: the toolchain root's, on a host that has one.
rust-analyzer:
	$(TOOLCHAIN) -C $(KDIR) rust-analyzer
	$(CURDIR)/scripts/rust-analyzer.py $(KDIR)/rust-project.json $(CURDIR) \
		"$$(bash -c '. $(CURDIR)/scripts/lib.sh && toolchain_root')"

# The kernel's .rustfmt.toml, from the 7.3 source the toolchain unpacked
# (Debian's headers trees have none).
RUSTFMT_TOML = $(shell bash -c '. $(CURDIR)/scripts/lib.sh && kernel_src_dir')/.rustfmt.toml

rustfmtcheck:
	$(TOOLCHAIN) --exec rustfmt --check --edition 2021 \
		--config-path $(RUSTFMT_TOML) $(RUST_SRCS)

rustfmt:
	$(TOOLCHAIN) --exec rustfmt --edition 2021 \
		--config-path $(RUSTFMT_TOML) $(RUST_SRCS)

.PHONY: all modules clean clippy rust-analyzer rustfmt rustfmtcheck
