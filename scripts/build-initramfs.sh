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
mkdir -p "$root"/{bin,dev,proc,sys,tmp,irqctx,usr/bin}
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
export PATH=/bin:/sbin:/irqctx:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# What udev would add: /dev/stdout and friends (kselftest's runner writes
# its log to /dev/stdout; without the link that would be a file in /dev).
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
cd /irqctx
printf '\nIRQCTX-GUEST: running /irqctx/run on %s CPUs, %s\n' "$(nproc)" "$(uname -r)"
# The same, for the host to rely on: one byte to QEMU's debugcon port (0xe9),
# which nothing else writes. A console line can be cut in two by a kernel
# message printed meanwhile; this cannot.
printf S | dd of=/dev/port bs=1 seek=233 count=1 2>/dev/null
sh /irqctx/run
rc=$?
printf '\nIRQCTX-GUEST-EXIT: %s\n' "$rc"
printf "\\$(printf %03o "$rc")" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
poweroff -f
INIT
chmod 0755 "$root/init"

# The kselftest runner times tests out with coreutils' timeout, called as
# "timeout --foreground T timeout T TEST", and reads 124 as "timed out".
# busybox's has neither --foreground nor 124: this one runs TEST under one
# busybox timeout (SIGTERM, then SIGKILL 10 s later) and says 124 when it
# had to stop it.
cat >"$root/usr/bin/timeout" <<'TIMEOUT'
#!/bin/sh
[ "$1" = --foreground ] && { shift 2; exec "$@"; }
secs=$1; shift
busybox timeout -k 10 "$secs" "$@"
rc=$?
case $rc in 137|143) exit 124 ;; esac
exit $rc
TIMEOUT
chmod 0755 "$root/usr/bin/timeout"
# "#!/usr/bin/env perl" (the runner's prefix.pl, when perl is given).
ln -s /bin/busybox "$root/usr/bin/env"

(cd "$root" && find . -print0 | cpio --null -o -H newc --owner 0:0 --quiet) >"$out"
