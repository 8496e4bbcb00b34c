#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything irqctx needs on a Debian 12 or 13 machine: QEMU and the
# guest's pieces on the host, and the kernel toolchain Debian builds its
# Rust-enabled kernels with (see TOOLCHAIN_PACKAGES in lib.sh): natively on
# Debian 13 (trixie, with trixie-backports enabled), in a trixie root under
# the cache elsewhere (made once by mmdebstrap from the host's own Debian
# mirror, about a minute and 2 GB). Then checks that this toolchain is the
# exact one Debian's kernel config names, and unpacks the kernel source.
# Idempotent: a second run finds everything in place, installs nothing and
# says so.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PACKAGES=(
	busybox-static qemu-system-x86				# the guest: initramfs userland and the VM
	qemu-system-data					# QEMU data, incl. specs/edu.txt
	gcc libc6-dev make cpio binutils			# the guest's test programs, initramfs, symbols
	python3-sphinx						# Documentation/ builds, warnings fail
	rt-tests gnuplot-nox					# the bench: cyclictest in the guest, the plot
)
ROOT=$(toolchain_root)
if [ -n "$ROOT" ]; then
	PACKAGES+=(mmdebstrap)
else
	PACKAGES+=("${TOOLCHAIN_PACKAGES[@]}")
fi

mkdir -p "$IRQCTX_CACHE"
did=0
missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++')
	log "installing ${#missing[@]} Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	run_quiet "$IRQCTX_CACHE/setup-apt-update.log" apt-get update -q
	run_quiet "$IRQCTX_CACHE/setup-apt.log" apt-get install -y -q --no-install-recommends "${missing[@]}" ||
		die "could not install ${missing[*]} (on Debian 13, enable trixie-backports for linux-config-7.3)"
	did=1
fi

# debian_mirror: the Debian archive the host's apt uses (the first URI of a
# source for its own release), so that the root comes from the same place.
debian_mirror() {
	local release
	release=$(. /etc/os-release && echo "$VERSION_CODENAME")
	{
		cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v rel="$release" '
			/^URIs:/ { uri = $2 } /^Suites:/ { suites = $0 }
			/^$/ { if (suites ~ " " rel "( |$)") print uri; uri = suites = "" }
			END { if (suites ~ " " rel "( |$)") print uri }' || true
		cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			awk -v rel="$release" '$1 == "deb" && $3 == rel { print $2 }' || true
	} | sed -n 1p
}

# The toolchain root: made once, then topped up when TOOLCHAIN_PACKAGES
# gains a package (the list is kept in the root).
if [ -n "$ROOT" ]; then
	want=$(printf '%s\n' "${TOOLCHAIN_PACKAGES[@]}" | sort)
	if [ ! -f "$ROOT/.irqctx-packages" ]; then
		mirror=${IRQCTX_DEBIAN_MIRROR:-$(debian_mirror)}
		[ -n "$mirror" ] || die "no Debian mirror in the host's apt sources: set IRQCTX_DEBIAN_MIRROR"
		log "making the $TOOLCHAIN_SUITE toolchain root $ROOT from $mirror (about a minute)"
		rm -rf "$ROOT"
		run_quiet "$IRQCTX_CACHE/setup-root.log" mmdebstrap --variant=apt --mode=root \
			--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
			--include="$(IFS=,; echo "${TOOLCHAIN_PACKAGES[*]}")" "$TOOLCHAIN_SUITE" "$ROOT" \
			"deb $mirror $TOOLCHAIN_SUITE main" "deb $mirror $TOOLCHAIN_SUITE-backports main"
		echo "$want" >"$ROOT/.irqctx-packages"
		did=1
	elif [ "$(cat "$ROOT/.irqctx-packages")" != "$want" ]; then
		log "adding packages to the toolchain root $ROOT"
		run_quiet "$IRQCTX_CACHE/setup-root.log" in_root sh -c \
			"apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ${TOOLCHAIN_PACKAGES[*]}"
		echo "$want" >"$ROOT/.irqctx-packages"
		did=1
	fi
fi

# The toolchain must be the one Debian's own kernels were built with: the
# version texts of Debian's 7.3 config (the generic flavour's).
versions=$(in_root xzcat /usr/src/linux-config-7.3/config.amd64_none_amd64.xz |
	grep -E '^CONFIG_(RUSTC|BINDGEN)_VERSION_TEXT=')
want_rustc=$(sed -n 's/^CONFIG_RUSTC_VERSION_TEXT="\(.*\)"$/\1/p' <<<"$versions")
want_bindgen=$(sed -n 's/^CONFIG_BINDGEN_VERSION_TEXT="\(.*\)"$/\1/p' <<<"$versions")
have_rustc=$(in_root rustc --version)
have_bindgen=$(in_root bindgen --version)
[ "$have_rustc" = "$want_rustc" ] ||
	die "Debian's kernels were built with '$want_rustc'; the toolchain has '$have_rustc'"
[ "$have_bindgen" = "$want_bindgen" ] ||
	die "Debian's kernels were built with '$want_bindgen'; the toolchain has '$have_bindgen'"

# Unpack the kernel source once per Debian package version.
src=$(kernel_src_dir)
if [ ! -f "$src/.irqctx-unpacked" ]; then
	[ -n "$(kernel_src_package)" ] || die "linux-source-7.3 is not installed with the toolchain"
	log "unpacking linux-source-7.3 $(kernel_src_package) into $src"
	rm -rf "$src" && mkdir -p "$src"
	in_root tar -xf /usr/src/linux-source-7.3.tar.xz -C "$src" --strip-components=1
	touch "$src/.irqctx-unpacked"
	did=1
fi

if [ "$did" -eq 0 ]; then
	log "setup: everything already installed, nothing to do ($have_rustc, $have_bindgen)"
else
	log "setup: done ($have_rustc, $have_bindgen${ROOT:+, in $ROOT})"
fi
