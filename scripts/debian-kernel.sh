#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian's own Rust-enabled 7.3 kernel as a build target.
#
#   scripts/debian-kernel.sh [FLAVOUR]            prepare (default: generic)
#   scripts/debian-kernel.sh --kdir [FLAVOUR]     print where the tree is
#   scripts/debian-kernel.sh --vmlinuz [FLAVOUR]  print where the image is
#   scripts/debian-kernel.sh --check [FLAVOUR]    prepare, then boot the image
#
# --check boots Debian's own vmlinuz in the project's QEMU guest and loads
# the sample built against the prepared tree (samples/stock_load.sh): its
# vermagic must name the booted kernel, it must load and log its line, and
# the kernel may be tainted O/E only; the other flavour's sample, when that
# flavour is prepared too, must be refused on its version magic. KTAP, exits
# non-zero on a failure.
#
# FLAVOUR is "generic" (linux-image-7.3.*-amd64) or "rt" (-rt-amd64), from
# trixie-backports. Debian's headers packages hold no Rust crate files (no
# rust/*.rmeta, no proc-macro libraries, no scripts/target.json), so `make
# M=` cannot build a Rust module against them. This makes them, the way
# Debian did: from linux-source-7.3 of the very same version, with Debian's
# .config for the flavour (olddefconfig must reproduce it exactly), by
# Debian's compiler (the gcc-14 its headers name) and the toolchain of
# scripts/kmake.sh, which setup.sh checked against the rustc and bindgen
# version texts of that config. It then lays out, in the cache, a copy of
# the headers tree with those files added, which `make KDIR=...` accepts,
# and builds the kernel's own minimal Rust sample against it: modpost must
# find every symbol in Debian's Module.symvers. Last, the image
# (linux-binary-*) is unpacked beside it. A mismatch (no source of that
# version, a config that does not reproduce, an unresolved symbol) is an
# error that names it. Everything is cached by the package version; the
# tree is printed on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# A step that fails where set -e ends the script says which.
trap 'log "error: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)"' ERR

action=prepare flavour=generic
for arg in "$@"; do
	case $arg in
	--check) action=check ;;
	--kdir) action=kdir ;;
	--vmlinuz) action=vmlinuz ;;
	generic | rt) flavour=$arg ;;
	*) die "unknown argument $arg (see the comment at the top of $0)" ;;
	esac
done
suffix=amd64
[ "$flavour" = rt ] && suffix=rt-amd64

ROOT=$(toolchain_root)
apt_in_root() { in_root env DEBIAN_FRONTEND=noninteractive apt-get -q "$@"; }

# The newest 7.3 headers of the flavour: their ABI name (7.3.4+deb13-amd64)
# and Debian version (7.3.4-1~bpo13+1).
newest() {
	in_root apt-cache search --names-only "^linux-headers-7\.3\.[0-9]+\+deb[0-9]+-$suffix\$" |
		cut -d' ' -f1 | sed "s/^linux-headers-//" | sort -V | tail -n 1
}
abi=$(newest)
if [ -z "$abi" ]; then
	apt_in_root update >/dev/null
	abi=$(newest)
fi
[ -n "$abi" ] || die "no linux-headers-7.3.*-$suffix in the toolchain's apt sources (trixie-backports)"
dir=$IRQCTX_CACHE/debian/$abi
case $action in
kdir) echo "$dir/kdir"; exit 0 ;;
vmlinuz) echo "$dir/vmlinuz"; exit 0 ;;
esac
stamp=$dir/.irqctx-prepared

# The crate files a module's build reads from the tree: the crates' metadata
# and the proc macros, the target, and the asm text of the kernel crate's
# macros (static_branch_unlikely!, warn_on!) that expand in the module.
crate_files() {
	mkdir -p "$kdir/rust/kernel"
	cp "$dir"/build/rust/*.rmeta "$dir"/build/rust/*.so "$kdir/rust/"
	cp "$dir"/build/rust/kernel/generated_arch_*_asm.rs "$kdir/rust/kernel/"
	cp "$dir/build/scripts/target.json" "$kdir/scripts/"
}
kdir=$dir/kdir

# check: boot the image and load the sample into it; the other flavour's
# sample, if that flavour is prepared, must be refused.
check() {
	local run=$dir/check.run other foreign=()
	# (None yet on a machine preparing its first flavour: not an error.)
	other=$(ls -d "$IRQCTX_CACHE"/debian/7.3.*/sample/rust_minimal.ko 2>/dev/null |
		grep -v "/$abi/" | head -n 1 || true)
	[ -n "$other" ] && foreign=("$other:/irqctx/foreign/rust_minimal.ko")
	printf '#!/bin/sh\nexec sh /irqctx/stock_load.sh /irqctx/rust_minimal.ko %s %s\n' \
		"'Rust minimal sample \\(init\\)'" "${other:+/irqctx/foreign/rust_minimal.ko}" >"$run"
	log "debian: booting $abi's vmlinuz, loading the Rust sample built against $dir/kdir"
	"$IRQCTX_TOP/scripts/vm.sh" -q -k "$dir/vmlinuz" -l "$dir/check.log" "$run" \
		"$IRQCTX_TOP/samples/stock_load.sh" "$dir/sample/rust_minimal.ko" "${foreign[@]}"
}

if [ -f "$stamp" ]; then
	log "debian: $abi prepared in $dir (cached)"
	# The tree links into the headers packages (the common headers, the
	# kbuild tools, gcc-14): a cache made on another system root (the
	# Debian 13 path binds the host's cache into a fresh one) needs them
	# installed there too.
	if ! in_root dpkg-query -W -f='${Status}' "linux-headers-$abi" 2>/dev/null | grep -q 'install ok installed'; then
		log "debian: installing linux-headers-$abi, which the cached tree links into"
		run_quiet "$IRQCTX_CACHE/debian-apt.log" apt_in_root install -y --no-install-recommends \
			"linux-headers-$abi"
	fi
	# (A tree laid out before the macros' asm files were copied.)
	ls "$kdir"/rust/kernel/generated_arch_static_branch_asm.rs >/dev/null 2>&1 || crate_files
	if [ "$action" = check ]; then
		check
	else
		echo "$dir/kdir"
	fi
	exit 0
fi

SECONDS=0
version=$(in_root apt-cache show --no-all-versions "linux-headers-$abi" | sed -n 's/^Version: //p')
log "debian: preparing $abi ($version)"
# The headers as Debian installs them (with gcc-14, the kbuild tools and the
# common headers), and the source of exactly that version.
have=$(in_root dpkg-query -W -f='${Version}' linux-source-7.3 2>/dev/null || true)
if [ "$have" != "$version" ] || ! in_root dpkg-query -W "linux-headers-$abi" >/dev/null 2>&1; then
	# (pahole: Debian's config has BTF, which Kconfig keeps only with it.)
	run_quiet "$IRQCTX_CACHE/debian-apt.log" apt_in_root install -y --no-install-recommends \
		"linux-headers-$abi=$version" "linux-source-7.3=$version" dwarves ||
		die "no linux-source-7.3 $version beside linux-headers-$abi: Debian's source of that kernel is needed"
fi
# (An interrupted preparation resumes: make picks up in build/.)
rm -rf "$dir/binary" "$dir/kdir" "$dir/sample" "$dir"/*.deb "$dir/vmlinuz"
mkdir -p "$dir"

# The image.
(cd "$dir" && in_root apt-get -q download "linux-binary-$abi=$version" >"$dir/download.log" 2>&1) ||
	{ cat "$dir/download.log" >&2; die "could not download linux-binary-$abi $version"; }
in_root dpkg-deb -x "$dir"/linux-binary-*.deb "$dir/binary"
ln -s "binary/usr/lib/modules/$abi/vmlinuz" "$dir/vmlinuz"
[ -f "$dir/binary/usr/lib/modules/$abi/vmlinuz" ] || die "linux-binary-$abi has no vmlinuz"

# The source (one per version, for both flavours), and Debian's config and
# make variables (its gcc-14) on it: the config must come out unchanged.
src=$IRQCTX_CACHE/src/linux-source-7.3-$version
if [ ! -f "$src/.irqctx-unpacked" ]; then
	rm -rf "$src" && mkdir -p "$src"
	in_root tar -xf /usr/src/linux-source-7.3.tar.xz -C "$src" --strip-components=1
	touch "$src/.irqctx-unpacked"
fi
mkdir -p "$dir/build"
headers=/usr/src/linux-headers-$abi
in_root cp "$headers/.config" "$headers/.kernelvariables" "$dir/build/"
kmake() { "$IRQCTX_TOP/scripts/kmake.sh" -C "$src" O="$dir/build" "$@"; }
run_quiet "$dir/config.log" kmake olddefconfig
in_root cat "$headers/.config" >"$dir/debian.config"
if ! diff <(grep -v '^#' "$dir/debian.config" | grep .) <(grep -v '^#' "$dir/build/.config" | grep .) \
	>"$dir/config.diff"; then
	cat "$dir/config.diff" >&2
	die "Debian's config for $abi does not reproduce on linux-source-7.3 $version (above)"
fi

# The Rust crate files: `make prepare` builds the crates a module links to.
log "debian: building the Rust crate files for $abi (make prepare, a dot per 100 lines)"
run_quiet "$dir/prepare.log" kmake -j"$JOBS" prepare
for f in rust/libkernel.rmeta rust/libmacros.so scripts/target.json \
	rust/kernel/generated_arch_static_branch_asm.rs; do
	[ -f "$dir/build/$f" ] || die "make prepare made no $f"
done

# The tree: Debian's headers with those files added, its Makefile pointing
# at itself, its scripts a copy (target.json goes there, not into the
# kbuild package shared by the flavours).
in_root cp -a "$headers" "$kdir"
# Its links are relative to /usr/src: made absolute, scripts/ a copy.
for link in $(find "$kdir" -maxdepth 1 -type l); do
	ln -sfn "$(in_root readlink -f "$headers/${link##*/}")" "$link"
done
kbuild=$(in_root readlink -f "$headers/scripts")
rm "$kdir/scripts"
in_root cp -a "$kbuild" "$kdir/scripts"
sed -i "s|^KBUILD_OUTPUT=.*|KBUILD_OUTPUT=$kdir|" "$kdir/Makefile"
crate_files

# The proof: the kernel's minimal Rust sample builds, and modpost resolves
# every symbol it uses against Debian's Module.symvers.
sample=$dir/sample
mkdir -p "$sample"
cp "$src/samples/rust/rust_minimal.rs" "$sample/"
echo 'obj-m := rust_minimal.o' >"$sample/Kbuild"
"$IRQCTX_TOP/scripts/kmake.sh" -C "$kdir" M="$sample" modules >"$dir/sample.log" 2>&1 ||
	{ tail -n 30 "$dir/sample.log" >&2; die "the Rust sample does not build against $kdir"; }
if grep -E 'undefined!|disagrees about version' "$dir/sample.log" >&2; then
	die "the Rust sample has unresolved symbols against Debian's Module.symvers"
fi
touch "$stamp"
log "debian: $abi prepared in ${SECONDS}s: make KDIR=$kdir"
if [ "$action" = check ]; then
	check
else
	echo "$kdir"
fi
