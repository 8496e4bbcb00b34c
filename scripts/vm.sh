#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test kernel under QEMU (trixie's, TCG, 2 CPUs, two edu devices
# in slots 2 and 6, whose INTx pins share one line), run SCRIPT as
# root in a busybox initramfs and exit with its exit status.
#
#   vm.sh [options] SCRIPT [FILE[:GUEST_PATH]]...
#     -k BZIMAGE   kernel to boot (default: the cached test kernel)
#     -K VARIANT   boot the cached kernel of this variant (build-kernel.sh
#                  VARIANT): default, debug, kcsan, rt, debian, debian-rt
#     -t SECONDS   give up on a guest that has not finished (default 300,
#                  times the variant's slowdown: 1200 for debug, see lib.sh)
#     -l LOGFILE   keep the whole console here (default out/console.log)
#     -a ARGS      extra kernel command line
#     -q           stream only from the guest script's start (boot log kept)
#     -m SOCKET    QEMU's monitor on this Unix socket (scripts/misuse.sh sends
#                  a wedged guest an NMI through it)
#     -s FILE      a second serial port, the guest's ttyS1, written to FILE
#                  (scripts/fuzz.sh: each program before it runs)
#
# The guest status comes from QEMU's isa-debug-exit device and is checked
# against the marker line the guest prints. A panic, a hang past the timeout
# or a guest that never reports is a failure (exit 125), with the console
# tail shown.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel=; variant=$IRQCTX_VARIANT; timeout=; logfile=$IRQCTX_TOP/out/console.log; append=; quiet=0
monitor=none serial2=()
while getopts "k:K:t:l:a:m:s:q" opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	K) variant=$OPTARG ;;
	t) timeout=$OPTARG ;;
	l) logfile=$OPTARG ;;
	a) append=$OPTARG ;;
	m) monitor=unix:$OPTARG,server=on,wait=off ;;
	s) serial2=(-serial "file:$OPTARG") ;;
	q) quiet=1 ;;
	*) die "bad option (see the comment at the top of $0)" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || die "usage: $0 [options] SCRIPT [FILE[:GUEST_PATH]]..."
kernel_fragments "$variant" >/dev/null	# dies on an unknown variant
[ -n "$kernel" ] || kernel=$(kernel_image "$variant")
[ -f "$kernel" ] || die "no kernel at $kernel: run scripts/build-kernel.sh $variant"
[ -n "$timeout" ] || timeout=$((300 * $(kernel_slowdown "$variant")))

mkdir -p "$(dirname "$logfile")"
initrd=$(mktemp --suffix=.cpio)
trap 'rm -f "$initrd"' EXIT
"$IRQCTX_TOP/scripts/build-initramfs.sh" "$initrd" "$@"

# The console goes to the log line by line (stdbuf), not in 4 KiB blocks: a
# slow guest (the debug kernels) shows its progress as it goes.
set +e
# q35, not the default i440fx: i440fx's _PRT is an AML While loop over 128
# entries that ACPI evaluates on every pci_enable/disable_device(), seconds
# under TCG (and AE_AML_LOOP_TIMEOUT after 30 s under KASAN); q35's is a
# static table. Slots 2 and 6 still share one INTx line there (GSI 22).
# log_buf_len: the whole run stays in the kernel log, which the detectors
# test reads at the end (a full stress run, 1000 insmod/rmmod cycles with
# two edu probes each, wraps a tinyconfig kernel's 128 KiB).
# iomem=relaxed: some tests write a bound edu device's registers through its
# sysfs resource0 (a second device raised behind the driver's back, a raise
# left pending on an unbound one), which a kernel with IO_STRICT_DEVMEM
# (Debian's) refuses while a driver holds the region.
# The guest's init writes one byte to QEMU's debugcon port as it starts the
# script (build-initramfs.sh): the file $started then says so, whatever the
# console shows.
started=$(mktemp --suffix=.started)
# QEMU: trixie's, from the toolchain root (lib.sh), under the hang guard;
# IRQCTX_QEMU: another program in its place (scripts/vm-test.sh).
if [ -n "${IRQCTX_QEMU:-}" ]; then
	QEMU=(timeout --foreground -k 5 "$timeout" "$IRQCTX_QEMU")
else
	QEMU=(in_root timeout --foreground -k 5 "$timeout" qemu-system-x86_64)
fi
trap 'rm -f "$initrd" "$started" "$started.hung"' EXIT
# A boot that has not started the script after IRQCTX_BOOT_LIMIT seconds
# (default a minute times the variant's slowdown; Debian's kernel boots in
# 2-3 s) is stuck: once seen under TCG, Debian's kernel silent after
# "hpet0: 3 comparators" until the 300 s hang guard. Its QEMU is stopped
# (the unique debugcon path names it) and the boot counts as one that died
# before the script.
boot_limit=${IRQCTX_BOOT_LIMIT:-$((60 * $(kernel_slowdown "$variant")))}
watch_boot() {
	local i
	for ((i = 0; i < boot_limit; i++)); do
		sleep 1
		[ -s "$started" ] && return
	done
	: >"$started.hung"
	pkill -f -- "path=$started" || true
}
# kunit.filter_glob: on a kernel with KUnit, only irqctx's own suites run
# (irqctx_kunit_test.sh), not the kernel crate's at boot, which are no test
# of irqctx: on PREEMPT_RT 7.3's rust_spinlock_irq_condvar warns
# (lockdep_assert_irqs_disabled() in its worker, a SpinLockIrq waiting
# with interrupts on there). A kernel without KUnit ignores it.
boot() {	# boot: one boot, its console in $logfile
	: >"$started"
	rm -f "$started.hung"
	watch_boot &
	local watcher=$!
	"${QEMU[@]}" -machine q35 -accel tcg -smp 2 -m 512M -nodefaults -no-reboot \
		-display none -serial stdio "${serial2[@]}" -monitor "$monitor" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 printk.devkmsg=on log_buf_len=8M iomem=relaxed kunit.filter_glob=irqctx_* $append" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-chardev file,id=started,path="$started" -device isa-debugcon,iobase=0xe9,chardev=started \
		-device edu,addr=02.0 -device edu,addr=06.0 -d cpu_reset -D "$logfile.qemu" </dev/null |
		stdbuf -oL tr -d '\r' | tee "$logfile" |
		if [ "$quiet" = 1 ]; then sed -u -n '/IRQCTX-GUEST:/,$p'; else cat; fi
	status=${PIPESTATUS[0]}
	kill "$watcher" 2>/dev/null
	wait "$watcher" 2>/dev/null
	[ -e "$started.hung" ] && status=hung
	# A guest that ends with no word (-no-reboot: QEMU exits at the reset)
	# may have triple-faulted: QEMU logged the CPU's reset (-d cpu_reset).
	# Said on the console, where the harness and the reader look.
	if grep -q 'Triple fault' "$logfile.qemu" 2>/dev/null; then
		echo "IRQCTX-VM: the guest triple-faulted (QEMU reset the CPU; its registers: $logfile.qemu)" |
			tee -a "$logfile"
	fi
	return 0
}
boot
# A kernel that dies before the guest's script starts (Debian's, under
# bookworm's QEMU 7.2, has oopsed on an int3 left by boot-time code
# patching) failed to boot: nothing was tested. It is booted once more and
# said so; a second such failure stands. The first boot's console is kept
# beside the log, which holds the second boot alone: whoever reads the log
# judges one boot. A guest whose script started is never booted again,
# whatever happened to it (a panic the misuse harness caused, a crash).
# A boot stuck before the script (above) is booted again the same way.
if [ ! -s "$started" ] && [ "$status" != 124 ] && [ "$status" != 137 ]; then
	if [ "$status" = hung ]; then
		log "the guest's script had not started after ${boot_limit}s: booting it again (first boot: $logfile.boot1)"
	else
		log "the guest died before its script started (QEMU status $status): booting it again (first boot: $logfile.boot1)"
	fi
	mv "$logfile" "$logfile.boot1"
	boot
fi
set -e

# The kernel's console output can land in the middle of the marker's line
# (a late boot message, "tsc: Refined TSC clocksource calibration", as a
# fast guest ends): the digits right after the marker are its status.
marker=$(sed -n 's/.*IRQCTX-GUEST-EXIT: \([0-9][0-9]*\).*/\1/p' "$logfile" | tail -n1)
guest_fail() {
	log "guest failed: $1"
	log "last console lines ($logfile):"
	tail -n 30 "$logfile" | sed 's/^/    /' >&2
	exit 125
}
case $status in
124 | 137) guest_fail "no result within ${timeout}s (hung guest killed)" ;;
hung) guest_fail "the guest's script had not started after ${boot_limit}s, twice" ;;
esac
if [ $((status % 2)) -eq 1 ] && [ -n "$marker" ] && [ $((status >> 1)) -eq "$marker" ]; then
	exit "$marker"
fi
grep -q "Kernel panic" "$logfile" && guest_fail "kernel panic"
[ -n "$marker" ] || guest_fail "the guest never reported a result (QEMU status $status)"
guest_fail "QEMU status $status does not match the guest's marker $marker"
