# SPDX-License-Identifier: GPL-2.0
# Shared settings for the irqctx host scripts. Source it, do not run it.

IRQCTX_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Everything expensive (kernel tree, kernel build, initramfs pieces) lives
# outside the clone so that CI on the same machine and the edit-run loop reuse it.
IRQCTX_CACHE=${IRQCTX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/irqctx}

# The kernel toolchain: Debian's rustc (never rustup's, which lacks rust-src)
# and LLVM 19. bindgen comes from `cargo install` into the cache.
export PATH="/usr/lib/llvm-19/bin:$IRQCTX_CACHE/tools/bin:$PATH"
export RUSTC=/usr/bin/rustc
# rust-web-src puts the core library source under /usr/src/rustc-VERSION.
rust_lib_src() {
	echo "${RUST_LIB_SRC:-/usr/src/rustc-$(/usr/bin/rustc --version 2>/dev/null | awk '{print $2}')/library}"
}
export LIBCLANG_PATH=/usr/lib/llvm-19/lib
KMAKE_VARS=(LLVM=1 RUSTC=/usr/bin/rustc RUSTFMT=/usr/bin/rustfmt
	BINDGEN="$IRQCTX_CACHE/tools/bin/bindgen" CLIPPY_DRIVER=/usr/bin/clippy-driver)

BINDGEN_VERSION=0.73.2
KCONFIG_FRAGMENT=$IRQCTX_TOP/scripts/selftests/irqctx/config
JOBS=${JOBS:-$(($(nproc) + 1))}

# The kernel source version comes from Debian's linux-source-6.12 package.
kernel_src_version() {
	dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null | sed 's/-.*//'
}

# Build directory of the test kernel: keyed by the source version and the
# hash of the config fragment, so editing the fragment means a new build.
kernel_build_dir() {
	local frag_hash
	frag_hash=$(sha256sum "$KCONFIG_FRAGMENT" | cut -c1-12)
	echo "$IRQCTX_CACHE/kbuild-$(kernel_src_version)-$frag_hash"
}

kernel_src_dir() {
	echo "$IRQCTX_CACHE/src/linux-source-6.12-$(kernel_src_version)"
}

log() { printf '[irqctx] %s\n' "$*" >&2; }
die() { printf '[irqctx] error: %s\n' "$*" >&2; exit 1; }

# Run a long command quietly: its output goes to a log file, a dot per
# hundred lines on the terminal, and the tail of the log if it fails.
run_quiet() {
	local logfile=$1; shift
	local rc
	set +e
	"$@" 2>&1 | tee "$logfile" | awk 'NR % 100 == 0 { printf "."; fflush() } END { if (NR >= 100) print "" }' >&2
	rc=${PIPESTATUS[0]}
	set -e
	if [ "$rc" -ne 0 ]; then
		tail -n 40 "$logfile" >&2
		die "'$*' failed (exit $rc), full log: $logfile"
	fi
}
