#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's test command on a Debian 13 host, as far as a machine of
# another Debian release allows:
#
#   scripts/debian13-host.sh [TEST_ARGS...]
#
# makes a fresh Debian 13 (trixie) system root with mmdebstrap, its apt
# sources as a Debian 13 user's with trixie-backports enabled, clones this
# repository's HEAD into it and runs scripts/test.sh there (with TEST_ARGS),
# in a chroot with its own /proc, /sys, /dev and /tmp. So setup.sh takes
# its Debian 13 path: the toolchain and linux-source-7.3 are installed with
# apt, natively (no toolchain root), and every build and the QEMU guest
# (trixie's QEMU) run from the root's own packages. Only the host kernel is
# not Debian 13's.
#
# The root is made anew on every run (about 15 s, then setup's apt install,
# about a minute), so the native install is what is tested each time. The
# host's cache (IRQCTX_CACHE) is bound into it at the same path: the kernel
# source and the test kernel the host built with the same toolchain are
# reused (their cache keys are the same), not built again. Uncommitted
# changes are not in the clone. Prints the test command's output, ending in
# its "N passed, N failed, N skipped"; exits with its status.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap, chroot, mounts)"
command -v mmdebstrap >/dev/null || die "no mmdebstrap: run scripts/setup.sh"
mirror=${IRQCTX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
root=${IRQCTX_CACHE%/}.host-trixie	# beside the cache, which is bound into it
start=$SECONDS

if [ -n "$(git -C "$IRQCTX_TOP" status --porcelain --untracked-files=no)" ]; then
	log "uncommitted changes are not tested: the Debian 13 root gets a clone of HEAD"
fi
log "making a Debian 13 root in $root (trixie, trixie-backports) from $mirror"
rm -rf "$root"
run_quiet "$IRQCTX_CACHE/host-trixie.log" mmdebstrap --variant=apt --mode=root \
	--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
	--include=git,ca-certificates,procps,kmod trixie "$root" \
	"deb $mirror trixie main" "deb $mirror trixie-backports main"
git clone -q "$IRQCTX_TOP" "$root/root/irqctx"
log "root made in $((SECONDS - start))s; running scripts/test.sh in it at $(git -C "$root/root/irqctx" log --oneline -1)"

# In a mount namespace of its own: nothing stays mounted after the run.
set +e
unshare --mount --propagation private -- bash -c '
	root=$1 cache=$2; shift 2
	mount -t proc proc "$root/proc" && mount -t sysfs sys "$root/sys" &&
		mount --rbind /dev "$root/dev" && mount -t tmpfs tmp "$root/tmp" &&
		mkdir -p "$root$cache" && mount --bind "$cache" "$root$cache" || exit 125
	exec chroot "$root" env -i HOME=/root TERM=dumb IRQCTX_CACHE="$cache" \
		IRQCTX_STRESS="${IRQCTX_STRESS:-short}" PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		sh -c ". /etc/os-release && echo \"# host: \$PRETTY_NAME (a root on $(uname -r))\" &&
			cd /root/irqctx && exec scripts/test.sh \"\$@\"" debian13-host "$@"
' debian13-host "$root" "$IRQCTX_CACHE" "$@"
rc=$?
set -e
log "debian13-host: $((SECONDS - start))s in all, exit $rc"
exit $rc
