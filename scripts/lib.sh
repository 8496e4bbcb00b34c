# SPDX-License-Identifier: GPL-2.0
# Shared settings for the irqctx host scripts. Source it, do not run it.

IRQCTX_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Everything expensive (kernel tree, kernel build, initramfs pieces) lives
# outside the clone so that CI on the same machine and the edit-run loop reuse it.
IRQCTX_CACHE=${IRQCTX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/irqctx}

# The kernel toolchain is the one Debian builds its Rust-enabled 7.3 kernels
# with: trixie's rustc (its exact build: Rust symbol names hash the version
# string), rust-src, rustfmt, clippy, bindgen and LLVM 19. Debian's kernel
# config names it (CONFIG_RUSTC_VERSION_TEXT, checked by setup.sh). Those
# packages need trixie's glibc, so on an older Debian host they live in a
# trixie root under the cache, made by mmdebstrap from the host's own Debian
# mirror, and every build runs there (in_root, scripts/kmake.sh); on a
# Debian 13 host they are installed natively and in_root runs in place.
TOOLCHAIN_SUITE=trixie
TOOLCHAIN_PACKAGES=(
	rustc rust-src rustfmt rust-clippy bindgen	# Rust for Linux
	clang-19 lld-19 llvm-19 libclang-19-dev		# LLVM=1 builds, libclang for bindgen
	linux-config-7.3				# Debian's kernel configs: the toolchain they name
	linux-source-7.3				# the kernel irqctx's own test kernels are built from
	make bc bison flex libelf-dev libssl-dev openssl cpio kmod xz-utils python3	# kernel builds
	pahole		# a kernel records its version (CONFIG_PAHOLE_VERSION), modules must match; Debian's headers pull it in
	qemu-system-x86	# the guests' QEMU (vm.sh): trixie's 10.0; see below
)
# Every guest runs on trixie's QEMU (10.0), from the toolchain root on an
# older host: under bookworm's QEMU 7.2 (TCG) Debian's kernel oopsed on the
# int3 of its own live code patching (text_poke_bp(): in sched_clock_cpu()
# and sched_init_debug() during boot, in ktime_get_with_offset() as a guest
# powered off), in about one misuse boot in ten.
# The toolchain's variables for the kernel's make (inside the root);
# scripts/kmake.sh adds LLVM=1 for the project's own kernels.
KMAKE_VARS=(RUSTC=rustc RUSTFMT=rustfmt BINDGEN=bindgen CLIPPY_DRIVER=clippy-driver)
# What the root's commands see: LLVM 19's unversioned names first.
ROOT_PATH=/usr/lib/llvm-19/bin:/usr/sbin:/usr/bin:/sbin:/bin

# The root, or "" on a host of the toolchain's own Debian release.
toolchain_root() {
	if [ "$(. /etc/os-release && echo "${VERSION_CODENAME:-}")" = "$TOOLCHAIN_SUITE" ]; then
		echo ""
	else
		echo "$IRQCTX_CACHE/root-$TOOLCHAIN_SUITE"
	fi
}

# in_root COMMAND...: run COMMAND with the toolchain, in the current
# directory. In the root, the cache, the clone, /tmp and the directories in
# IRQCTX_ROOT_BINDS (space-separated) are bound at their own paths, in a
# mount namespace of the command's own (nothing stays mounted).
in_root() {
	local root
	root=$(toolchain_root)
	if [ -z "$root" ]; then
		PATH=$ROOT_PATH LIBCLANG_PATH=/usr/lib/llvm-19/lib "$@"
		return
	fi
	[ -x "$root/usr/bin/rustc" ] || die "no toolchain root at $root: run scripts/setup.sh"
	unshare --mount --propagation private -- bash -c '
		root=$1 cwd=$2; shift 2
		for d in '"$IRQCTX_CACHE $IRQCTX_TOP /tmp ${IRQCTX_ROOT_BINDS:-}"'; do
			[ -d "$d" ] || continue
			mkdir -p "$root$d" && mount --bind "$d" "$root$d" || exit 125
		done
		mount -t proc proc "$root/proc" && mount --bind /dev "$root/dev" || exit 125
		exec chroot "$root" env -i HOME=/root TERM=dumb PATH='"$ROOT_PATH"' \
			LIBCLANG_PATH=/usr/lib/llvm-19/lib MAKEFLAGS="${MAKEFLAGS:-}" \
			sh -c '\''cd "$0" && exec "$@"'\'' "$cwd" "$@"' \
		in_root "$root" "$PWD" "$@"
}

KCONFIG_FRAGMENT=$IRQCTX_TOP/scripts/selftests/irqctx/config
JOBS=${JOBS:-$(($(nproc) + 1))}

# The own test kernels are built from Debian's linux-source-7.3 package (in
# the toolchain root, from trixie-backports): the same source Debian's stock
# 7.3 kernels come from. kernel_src_package: its Debian version
# (7.3.4-1~bpo13+1); kernel_src_version: the kernel's (7.3.4).
kernel_src_package() {
	dpkg-query --admindir="$(toolchain_root)/var/lib/dpkg" -W -f='${Version}' linux-source-7.3 2>/dev/null
}
kernel_src_version() {
	kernel_src_package | sed 's/-.*//'
}

# Kernel variants. The own ones are tinyconfig + these fragments, merged in
# this order (a later fragment overrides an earlier one): "default" is the
# test kernel; the others add debugging (scripts/kernel/*.config) on top of
# the same fragment. "debian" and "debian-rt" are Debian's own stock 7.3
# kernels, generic and PREEMPT_RT, as scripts/debian-kernel.sh prepares
# them: no fragments.
KERNEL_VARIANTS=(default debug kcsan rt debian debian-rt)
# The kernel the commands use when none is named (test.sh, demo.sh, vm.sh,
# misuse.sh, make): Debian's stock 7.3 kernel, prepared in about a minute
# and a half, nothing to build. IRQCTX_VARIANT=default picks the own test
# kernel (built once: 261 s on 2 idle cores), or any variant above.
IRQCTX_VARIANT=${IRQCTX_VARIANT:-debian}
kernel_fragments() {	# kernel_fragments VARIANT: one fragment path a line
	local k=$IRQCTX_TOP/scripts/kernel
	case $1 in
	debian | debian-rt) ;;
	default) printf '%s\n' "$KCONFIG_FRAGMENT" ;;
	debug) printf '%s\n' "$KCONFIG_FRAGMENT" "$k/debug.config" ;;
	kcsan) printf '%s\n' "$KCONFIG_FRAGMENT" "$k/debug.config" "$k/kcsan.config" ;;
	rt) printf '%s\n' "$KCONFIG_FRAGMENT" "$k/rt.config" ;;
	*) die "unknown kernel variant '$1' (have: ${KERNEL_VARIANTS[*]})" ;;
	esac
}

# How much slower than the default kernel a variant's guest runs under TCG:
# the guest's hang guards are scaled by it. Measured on the guest suite
# (irqctx_test, sources, regress and short stress; 2 cores, lightly loaded
# host): default 49 s, debug 190 s, kcsan 157 s. A loaded host widens the
# gap (debug up to 9 times the default's time).
kernel_slowdown() {
	case $1 in
	debug) echo 4 ;;	# KASAN + kmemleak + debug objects
	kcsan) echo 3 ;;	# KCSAN's watchpoint delays + kmemleak + debug objects
	rt | debian-rt) echo 3 ;;	# every interrupt and irq_work a thread's wake-up (suite: 377 s)
	*) echo 1 ;;
	esac
}

# The toolchain's identity: the Debian versions of its rustc and clang.
toolchain_id() {
	local root
	root=$(toolchain_root)
	dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Package}=${Version}\n' rustc clang-19 bindgen 2>/dev/null
}

# Build directory of a variant's kernel: keyed by the source version, the
# variant, the options its fragments set (their CONFIG_ lines and "# CONFIG_X
# is not set" lines, in order) and the toolchain, so changing an option or
# the compiler means a new build and editing a comment does not.
kernel_build_dir() {
	local variant=${1:-$IRQCTX_VARIANT} key
	if debian_flavour "$variant" >/dev/null; then
		"$IRQCTX_TOP/scripts/debian-kernel.sh" --kdir "$(debian_flavour "$variant")"
		return
	fi
	key=$({ kernel_fragments "$variant" | xargs -d '\n' grep -hE '^(CONFIG_|# CONFIG_[A-Z0-9_]+ is not set)'
		toolchain_id; } | sha256sum | cut -c1-12)
	echo "$IRQCTX_CACHE/kbuild-$(kernel_src_version)-$variant-$key"
}

# debian_flavour VARIANT: the Debian flavour of a Debian variant (generic,
# rt); fails for the own variants.
debian_flavour() {
	case $1 in
	debian) echo generic ;;
	debian-rt) echo rt ;;
	*) return 1 ;;
	esac
}

# kernel_image VARIANT: the image a variant's guest boots.
kernel_image() {
	if debian_flavour "$1" >/dev/null; then
		"$IRQCTX_TOP/scripts/debian-kernel.sh" --vmlinuz "$(debian_flavour "$1")"
	else
		echo "$(kernel_build_dir "$1")/arch/x86/boot/bzImage"
	fi
}

# Where that source is unpacked (shared with scripts/debian-kernel.sh, which
# needs the same package version).
kernel_src_dir() {
	echo "$IRQCTX_CACHE/src/linux-source-7.3-$(kernel_src_package)"
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

# copy_module_sources DIR: DIR made anew with a copy of the module's sources
# (Kbuild and rust/), without any build products, to build elsewhere.
copy_module_sources() {
	rm -rf "$1"
	mkdir -p "$1"
	tar -C "$IRQCTX_TOP" -c --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='.*.d' --exclude='*.rmeta' \
		--exclude='bindings_generated.rs' Kbuild rust | tar -x -C "$1"
}

# need_matplotlib WHO: the pictures' library, for the commands that draw
# (the test command needs none of it): Debian's matplotlib, installed on
# first use.
need_matplotlib() {
	dpkg-query -W -f='${Status}' python3-matplotlib 2>/dev/null | grep -q 'install ok installed' && return
	log "$1: installing python3-matplotlib (Debian's) for the picture"
	run_quiet "$IRQCTX_CACHE/$1-apt.log" apt-get install -y -q --no-install-recommends python3-matplotlib ||
		die "could not install python3-matplotlib (log: $IRQCTX_CACHE/$1-apt.log)"
}

# module_for VARIANT: build irqctx.ko for the VARIANT kernel and print its
# path. IRQCTX_VARIANT's builds in the clone, as `make` does; another
# variant's in out/VARIANT/module, a fresh copy of the sources (the clone's
# objects are IRQCTX_VARIANT's; MO= would not do: rust/bindings.rs includes
# the generated bindings from beside itself).
module_for() {
	local variant=${1:-$IRQCTX_VARIANT} dir
	if [ "$variant" = "$IRQCTX_VARIANT" ]; then
		# (A failed build must not leave an older irqctx.ko to be tested.)
		make -s -C "$IRQCTX_TOP" modules >&2 || return
		echo "$IRQCTX_TOP/irqctx.ko"
		return
	fi
	dir=$IRQCTX_TOP/out/$variant/module
	copy_module_sources "$dir"
	"$IRQCTX_TOP/scripts/kmake.sh" -s -C "$(kernel_build_dir "$variant")" M="$dir" modules >&2 || return
	echo "$dir/irqctx.ko"
}

# perl_files: vm.sh FILE:GUEST_PATH arguments that give the guest the host's
# perl with what the kselftest runner's prefix.pl loads. Without
# /usr/bin/perl the runner prefixes test output with sed, which busybox
# buffers: a test's lines would reach the console only when it ends.
perl_files() {
	local f
	for f in /usr/bin/perl $(ldd /usr/bin/perl | grep -o '/[^ ]*') \
		$(perl -MIO::Handle -e 'print "$_\n" for values %INC, @DynaLoader::dl_shared_objects'); do
		echo "$(readlink -f "$f"):$f"
	done
}

# install_selftests DIR KO: the kselftest install of the irqctx selftests in
# DIR (see scripts/selftests/irqctx/Makefile) with KO as its irqctx.ko; the
# guests get it as /kselftest.
install_selftests() {
	make -s -C "$IRQCTX_TOP/scripts/selftests/irqctx" install INSTALL_PATH="$(realpath -m "$1")" \
		KSFT_SRC="$(kernel_src_dir)/tools/testing/selftests" KO="$(realpath "$2")"
}
