#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a busybox initramfs that runs one script as root and reports its exit
# status to the host.
#
#   build-initramfs.sh OUT.cpio SCRIPT [FILE[:GUEST_PATH]]...
#
# The guest gets busybox, /init, SCRIPT as /irqctx/run, and each FILE at
# GUEST_PATH (default /irqctx/BASENAME; directories are copied whole).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 2 ] || die "usage: $0 OUT.cpio SCRIPT [FILE[:GUEST_PATH]]..."
out=$(realpath -m "$1"); script=$2; shift 2

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,irqctx}
cp /bin/busybox "$root/bin/busybox"
install -m 0755 "$script" "$root/irqctx/run"
for spec in "$@"; do
	src=${spec%%:*}
	dst=/irqctx/$(basename "$src")
	[ "$spec" != "$src" ] && dst=${spec#*:}
	[ -e "$src" ] || die "no such file: $src"
	mkdir -p "$root$(dirname "$dst")"
	cp -r "$src" "$root$dst"
done

# The guest's PID 1. Its last act reports the script's status through QEMU's
# isa-debug-exit device (port 0xf4): QEMU then exits with (status << 1) | 1.
# The marker line lets the host cross-check it on the console.
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/irqctx
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
cd /irqctx
echo "IRQCTX-GUEST: running /irqctx/run on $(nproc) CPUs, $(uname -r)"
sh /irqctx/run
rc=$?
echo "IRQCTX-GUEST-EXIT: $rc"
printf "\\$(printf %03o "$rc")" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
poweroff -f
INIT
chmod 0755 "$root/init"

(cd "$root" && find . -print0 | cpio --null -o -H newc --owner 0:0 --quiet) >"$out"
