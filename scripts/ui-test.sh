#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The compile-fail ("UI") tests: what the types of irqctx's safe
# abstractions forbid, shown by rustc refusing it. Each file in tests/ui/ is
# a module of the irqctx crate written against those abstractions; it is
# built as one more module of a copy of the crate (out/ui/NAME/) against
# the default test kernel's tree. A file whose doc comment says
#
#   //! expect: E0478
#
# must fail to build, its first error with that code, every error reported
# on the line after the comment "// error on the next line" (rustc may add
# a consequence of the first there, E0495 after E0478) and none elsewhere;
# "expect: ok" must
# build. A file that builds when it must not, or fails for another reason,
# fails. KTAP on stdout, the build's output in out/ui/NAME.log.
#
#   scripts/ui-test.sh [tests/ui/FILE.rs...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$IRQCTX_TOP"

[ $# -gt 0 ] || set -- tests/ui/*.rs
kdir=$(scripts/build-kernel.sh --kdir default)
[ -f "$kdir/.irqctx-built" ] || die "no default kernel in $kdir: run scripts/build-kernel.sh"
mkdir -p out/ui

n=0 failed=0
echo "TAP version 13"
echo "1..$#"
for file in "$@"; do
	n=$((n + 1))
	name=$(basename "$file" .rs)
	expect=$(sed -n 's|^//! expect: *||p' "$file")
	dir=out/ui/$name
	copy_module_sources "$dir"
	cp "$file" "$dir/rust/ui_case.rs"
	printf '\n#[allow(dead_code)]\nmod ui_case;\n' >>"$dir/rust/irqctx.rs"
	log="out/ui/$name.log"
	rc=0
	scripts/kmake.sh -C "$kdir" M="$IRQCTX_TOP/$dir" modules >"$log" 2>&1 || rc=$?
	line=$(grep -n '// error on the next line' "$file" | cut -d: -f1 | head -n 1 || true)
	[ -n "$line" ] && line=$((line + 1))
	# Each error's code and where it is: "error[E0478]: ..." then
	# "  --> path:LINE:COL" (an error without a code counts as "none").
	errors=$(awk '/^error(\[E[0-9]+\])?: / { code = "none"; if (match($0, /E[0-9]+/)) code = substr($0, RSTART, RLENGTH); want = 1; next }
		want && /^ *--> / { sub(/^ *--> /, ""); split($0, at, ":"); print code, at[1], at[2]; want = 0 }' "$log" |
		sed "s|$IRQCTX_TOP/$dir/||")
	why=
	case $expect in
	ok) [ "$rc" = 0 ] || why="does not build" ;;
	E[0-9]*)
		if [ "$rc" = 0 ]; then
			why="builds, but must fail with $expect"
		elif [ -z "$line" ] || [ "$(echo "$errors" | head -n 1 | cut -d' ' -f1)" != "$expect" ] ||
			echo "$errors" | cut -d' ' -f2- | grep -qvx "rust/ui_case.rs $line"; then
			why="wanted $expect at line ${line:-(no '// error on the next line')}, got: $(echo "$errors" | tr '\n' ';')"
		fi ;;
	*) why="no '//! expect:' line" ;;
	esac
	if [ -z "$why" ]; then
		echo "ok $n ui: $name (${expect})"
	else
		echo "# $name: $why (build output: $log)"
		{ grep -E -A6 '^error' "$log" || true; } | head -n 24 | sed 's/^/# /'
		echo "not ok $n ui: $name"
		failed=1
	fi
done
exit $failed
