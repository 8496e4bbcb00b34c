#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Your kernel's row of the misuse detector matrix: which of the misuse cases
# your configuration reports, and how.
#
#   scripts/own-kernel.sh KDIR [BZIMAGE]
#
# KDIR is your kernel's build tree (where `make` wrote .config, and
# Module.symvers; the one you would pass to `make M=`), BZIMAGE its image
# (default KDIR/arch/x86/boot/bzImage). The kernel must be x86_64 and built
# with Rust, by the same rustc as irqctx (the toolchain of scripts/kmake.sh). First checks that the kernel has what the guest needs and names
# every missing option; then builds irqctx.ko against KDIR, boots the image in
# the same QEMU guest as the project's kernels (q35, 2 CPUs, two edu
# devices), runs every misuse case in its own boot and prints the row, next
# to the project's kernels' rows when they have been run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$IRQCTX_TOP"

[ $# -ge 1 ] || die "usage: $0 KDIR [BZIMAGE]"
kdir=$(realpath "$1")
bzimage=$(realpath -m "${2:-$kdir/arch/x86/boot/bzImage}")
config=$kdir/.config
[ -f "$config" ] || die "no .config in $kdir: is it a kernel build tree?"

# What the guest and the module need, and why.
NEEDS=(
	"CONFIG_64BIT=y:x86_64 (the QEMU guest and Rust need it)"
	"CONFIG_RUST=y:the module is written in Rust"
	"CONFIG_MODULES=y:the module is loaded with insmod"
	"CONFIG_MODULE_UNLOAD=y:the tests unload it"
	"CONFIG_PCI=y:the edu source is a PCI device"
	"CONFIG_PCI_MSI=y:the edu device interrupts by MSI"
	"CONFIG_IRQ_WORK=y:the irq_work source"
	"CONFIG_HIGH_RES_TIMERS=y:the hrtimer source"
	"CONFIG_DEBUG_FS=y:the misuse table is read from debugfs"
	"CONFIG_BLK_DEV_INITRD=y:the guest boots a busybox initramfs"
	"CONFIG_BINFMT_ELF=y:busybox is an ELF binary"
	"CONFIG_BINFMT_SCRIPT=y:the guest scripts are #! scripts"
	"CONFIG_DEVTMPFS=y:/dev/irqctx appears by itself"
	"CONFIG_TTY=y:the serial console"
	"CONFIG_SERIAL_8250=y:the serial console"
	"CONFIG_SERIAL_8250_CONSOLE=y:the host reads the guest's serial console"
	"CONFIG_PROC_FS=y:/proc/interrupts and the guest's checks"
	"CONFIG_SYSFS=y:/sys/bus/pci and module parameters"
	"CONFIG_DEVPORT=y:the guest reports its exit status through /dev/port"
	"CONFIG_SHMEM=y:tmpfs for /tmp in the guest"
	"CONFIG_TMPFS=y:tmpfs for /tmp in the guest"
	"CONFIG_POSIX_TIMERS=y:busybox timeout"
	"CONFIG_FUTEX=y:the guest's helpers"
)
missing=0
for need in "${NEEDS[@]}"; do
	opt=${need%%:*} why=${need#*:}
	if ! grep -qx "$opt" "$config"; then
		have=$(grep -E "^(# )?${opt%%=*}[= ]" "$config" || echo "${opt%%=*} unset")
		log "missing: $opt ($why); have: $have"
		missing=$((missing + 1))
	fi
done
[ "$missing" = 0 ] || die "$missing option(s) missing from $config: enable them and rebuild"
[ -f "$bzimage" ] || die "no kernel image at $bzimage"
log "$config has every option the guest needs"
# A Rust module links against the kernel crate by its symbols' hashes,
# which depend on the exact compiler: refuse a tree built by another rustc
# than the toolchain's (scripts/kmake.sh) rather than build a module that
# cannot load.
tree_rustc=$(sed -n 's/^CONFIG_RUSTC_VERSION_TEXT="\(.*\)"$/\1/p' "$config")
our_rustc=$(scripts/kmake.sh --exec rustc --version)
[ "$tree_rustc" = "$our_rustc" ] ||
	die "$kdir was built with '$tree_rustc', irqctx builds with '$our_rustc': rebuild it with the latter (scripts/kmake.sh)"

# The module, against your tree (its own copy of the sources, as for the
# project's variants).
dir=$IRQCTX_TOP/out/own/module
rm -rf "$dir"
mkdir -p "$dir"
tar -c --exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
	--exclude='.*.cmd' --exclude='.*.d' --exclude='*.rmeta' \
	--exclude='bindings_generated.rs' Kbuild rust | tar -x -C "$dir"
log "building irqctx.ko against $kdir"
"$IRQCTX_TOP/scripts/kmake.sh" -s -C "$kdir" M="$dir" modules

set +e
scripts/misuse.sh --bzimage "$bzimage" --ko "$dir/irqctx.ko" --name own
status=$?
set -e
echo
echo "Your kernel's row (out/misuse/own/observed.tsv):"
awk -F'\t' '{ printf "  %-20s %-13s %s\n", $1, ($2 == "yes" ? "survived" : "did not"), $3 }' \
	out/misuse/own/observed.tsv
exit $status
