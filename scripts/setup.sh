#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything irqctx needs on a Debian 12 machine: the Rust-for-Linux
# toolchain, the kernel source and QEMU. Idempotent: a second run finds
# everything in place, installs nothing and says so.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PACKAGES=(
	rustc-web rust-web-src rust-web-clippy rustfmt-web	# kernel Rust: rustc, core source, clippy, rustfmt
	clang-19 lld-19 llvm-19 libclang-19-dev			# LLVM=1 build, libclang for bindgen
	linux-source-6.12					# the kernel we build
	make bc bison flex libelf-dev libssl-dev cpio		# kernel build dependencies
	busybox-static qemu-system-x86				# the guest: initramfs userland and the VM
	qemu-system-data					# QEMU data, incl. specs/edu.txt
	python3-sphinx						# Documentation/ builds, warnings fail
	rt-tests gnuplot-nox					# the bench: cyclictest in the guest, the plot
)

mkdir -p "$IRQCTX_CACHE"
did=0
missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${#missing[@]} Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	run_quiet "$IRQCTX_CACHE/setup-apt-update.log" apt-get update -q
	run_quiet "$IRQCTX_CACHE/setup-apt.log" apt-get install -y -q --no-install-recommends "${missing[@]}"
	did=1
fi

# bindgen: the kernel wants >= 0.65.1; pin the version verified to work.
if ! "$IRQCTX_CACHE/tools/bin/bindgen" --version 2>/dev/null | grep -q "$BINDGEN_VERSION"; then
	log "installing bindgen-cli $BINDGEN_VERSION from crates.io"
	command -v cargo >/dev/null || die "cargo not found (needed once, to build bindgen)"
	run_quiet "$IRQCTX_CACHE/setup-bindgen.log" \
		cargo install --locked --root "$IRQCTX_CACHE/tools" bindgen-cli --version "$BINDGEN_VERSION"
	did=1
fi

[ -x /usr/bin/rustc ] || die "/usr/bin/rustc missing after install"
[ -d "$(rust_lib_src)" ] || die "rust-src not found at $(rust_lib_src)"

# Unpack the kernel source once per Debian package version.
src=$(kernel_src_dir)
if [ ! -f "$src/.irqctx-unpacked" ]; then
	tarball=$(ls /usr/src/linux-source-6.12.tar.* | head -n1)
	log "unpacking $tarball into $src"
	rm -rf "$src" && mkdir -p "$src"
	tar -xf "$tarball" -C "$src" --strip-components=1
	touch "$src/.irqctx-unpacked"
	did=1
fi

if [ "$did" -eq 0 ]; then
	log "setup: everything already installed, nothing to do"
else
	log "setup: done ($(/usr/bin/rustc --version), $("$IRQCTX_CACHE/tools/bin/bindgen" --version))"
fi
