#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of scripts/debian-kernel.sh --check: load a module built
# against a distribution kernel's headers into that kernel, as a user of
# such a machine would, and show what they would see. KTAP; exits 1 if a
# check failed.
#
#   stock_load.sh MODULE.ko LINE [FOREIGN.ko]
#
# LINE (an extended regular expression) is what the module logs when it
# loads. FOREIGN is the same module built for another kernel (the other
# flavour): the kernel must refuse it on its version magic.
ko=$1 line=$2 foreign=${3:-} n=0 failed=0
check() {	# check DESCRIPTION COMMAND...
	n=$((n + 1))
	desc=$1; shift
	if "$@"; then echo "ok $n $desc"; else echo "not ok $n $desc"; failed=1; fi
}
release=$(uname -r)
# A module file's vermagic release (busybox's modinfo looks modules up in
# modules.dep, which this guest has none of: read the field).
vermagic_of() { strings "$1" | sed -n 's/^vermagic=\([^ ]*\).*/\1/p'; }
vermagic=$(vermagic_of "$ko")
echo "TAP version 13"
echo "1..$([ -n "$foreign" ] && echo 5 || echo 4)"
echo "# kernel $release ($(uname -v)), module vermagic $vermagic"
check "the module's vermagic names the booted kernel" [ "$vermagic" = "$release" ]
check "insmod $(basename "$ko")" insmod "$ko"
check "it logged /$line/" sh -c "dmesg | grep -Eq '$line'"
# Taint: O (out-of-tree, 4096) and E (unsigned, 8192) are what an
# unsigned out-of-tree module sets; any other bit is a problem.
taint=$(cat /proc/sys/kernel/tainted)
echo "# taint $taint"
check "the kernel is tainted O/E at most" [ $((taint & ~(4096 | 8192))) = 0 ]
if [ -n "$foreign" ]; then
	echo "# $(basename "$foreign") has vermagic $(vermagic_of "$foreign")"
	check "a module built for another kernel is refused on its version magic" \
		sh -c "! insmod '$foreign' 2>/dev/null && dmesg | grep -q 'version magic'"
fi
dmesg | grep -E 'Unknown symbol|disagrees about version|taint' | sed 's/^/# /'
exit $failed
