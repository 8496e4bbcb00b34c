#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The compile-fail ("UI") tests: what the types of irqctx's safe
# abstractions forbid, shown by rustc refusing it. Each file in tests/ui/ is
# a module of the irqctx crate written against those abstractions; it is
# built as one more module of a copy of the crate (out/ui/NAME/) against
# the tree of the kernel IRQCTX_VARIANT names (lib.sh). A file whose doc comment says
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
# tests/ui/misuse_CASE.rs is misuse case CASE (rust/misuse.rs) written in
# safe code, which the context tokens (rust/ctx.rs) must make rustc reject;
# tests/ui/misuse-not-expressible says, for each other case, why no type
# can catch it. A run over all files checks that every case has one or the
# other, and writes the detector matrix's "rustc" row of each case to
# out/ui/rustc.tsv (case, "rejected" or "compiles" or "n/a", the first
# error or the reason), which scripts/misuse.sh --print-matrix shows. It
# also checks that the module's code reaches upstream's sleeping and
# locking APIs only through rust/ctx.rs (and the abstractions in
# rust/compat/): a direct `GFP_KERNEL` or upstream `Mutex` would be a way
# around the tokens that no UI test could see.
#
#   scripts/ui-test.sh [tests/ui/FILE.rs...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$IRQCTX_TOP"

all=0
[ $# -gt 0 ] || { all=1; set -- tests/ui/*.rs; }
kdir=$(scripts/build-kernel.sh --kdir)
[ -f "$kdir/Module.symvers" ] || die "no $IRQCTX_VARIANT kernel in $kdir: run scripts/build-kernel.sh"
mkdir -p out/ui
NOT_EXPRESSIBLE=tests/ui/misuse-not-expressible
rustc_rows=$(mktemp)
trap 'rm -f "$rustc_rows"' EXIT

# build NAME FILE: FILE as a module of a copy of the crate in out/ui/NAME,
# the build's output in out/ui/NAME.log, its exit status in out/ui/NAME.rc.
build() {
	local name=$1 file=$2 dir=out/ui/$1 rc=0
	copy_module_sources "$dir"
	cp "$file" "$dir/rust/ui_case.rs"
	printf '\n#[allow(dead_code)]\nmod ui_case;\n' >>"$dir/rust/irqctx.rs"
	scripts/kmake.sh -C "$kdir" M="$IRQCTX_TOP/$dir" modules >"out/ui/$name.log" 2>&1 || rc=$?
	echo "$rc" >"out/ui/$name.rc"
}

# The builds, one per CPU at a time (each is a whole crate; about 4 s).
jobs=$(nproc)
for file in "$@"; do
	while [ "$(jobs -pr | wc -l)" -ge "$jobs" ]; do wait -n; done
	build "$(basename "$file" .rs)" "$file" &
done
wait

n=0 failed=0
echo "TAP version 13"
echo "1..$(($# + 2 * all))"
for file in "$@"; do
	n=$((n + 1))
	name=$(basename "$file" .rs)
	expect=$(sed -n 's|^//! expect: *||p' "$file")
	dir=out/ui/$name
	log="out/ui/$name.log"
	rc=$(cat "out/ui/$name.rc")
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
	# A misuse case's error must name the context: its token type, or the
	# task token it borrows twice. Its first error (with the "expected X,
	# found Y" of a type mismatch) is its "rustc" row in the matrix.
	case $name in
	misuse_*)
		first=$(awk '/^error\[E/ { if (n++) exit; sub(/^error\[/, ""); sub(/\]: /, ": "); msg = $0; next }
			n == 1 && /\^+ expected .*, found / { sub(/.*\^+ /, ""); msg = msg ": " $0; exit }
			END { print msg }' "$log")
		if [ -z "$why" ] && ! echo "$first" | grep -qE '`[^`]*(Task|SoftIrq|HardIrq)[^`]*`|`\*task`'; then
			why="the error names no context token: $first"
		fi
		if [ -n "$why" ]; then
			printf '%s\tcompiles\t%s\n' "${name#misuse_}" "$why"
		else
			printf '%s\trejected\t%s\n' "${name#misuse_}" "$first"
		fi >>"$rustc_rows" ;;
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

# Every misuse case: rejected in its safe form, or a reason why it cannot be.
if [ "$all" = 1 ]; then
	n=$((n + 1))
	missing=
	for c in $(sed -n '/^pub(crate) static CASES/,/^];/s/^ *name: "\([a-z_0-9]*\)",$/\1/p' rust/misuse.rs); do
		reason=$(awk -F'\t' -v c="$c" '$1 == c { print $2 }' "$NOT_EXPRESSIBLE")
		if [ -f "tests/ui/misuse_$c.rs" ]; then
			[ -z "$reason" ] || missing="$missing $c(both)"
		elif [ -n "$reason" ]; then
			printf '%s\tn/a\tnot expressible: %s\n' "$c" "$reason" >>"$rustc_rows"
		else
			missing="$missing $c"
		fi
	done
	if [ -z "$missing" ]; then
		cp "$rustc_rows" out/ui/rustc.tsv
		echo "ok $n ui: every misuse case is rejected in its safe form or says why it cannot be"
	else
		echo "# without tests/ui/misuse_CASE.rs or a line in $NOT_EXPRESSIBLE (or with both):$missing"
		echo "not ok $n ui: every misuse case is rejected in its safe form or says why it cannot be"
		failed=1
	fi

	# The tokens hold only if nothing goes around them. Outside the
	# tokens' own files (rust/ctx.rs, rust/compat/), a file may name only
	# the C bindings allowed here: constants and types, and in
	# rust/misuse.rs the calls its cases make on purpose (each with a
	# SAFETY comment naming the bug), in rust/trace.rs the trace events'
	# tracepoints and the C functions that emit them (which copy their
	# arguments into the trace buffer, in any context). Any other bindings:: name fails
	# the scan until it is added here with its reason, so a sleeping call
	# (msleep_interruptible, usleep_range, wait_for_completion...) cannot
	# slip in under a new name. The kernel crate's locks, sleeps and user
	# copies are refused however they are spelt (imported or by path), and
	# so are its atomic sections (RCU's read_lock(), local_interrupt_disable(),
	# global_lock!), which would not borrow the token, and every GFP flag
	# that may sleep (GFP_ATOMIC and GFP_NOWAIT do not).
	n=$((n + 1))
	around=$(find rust -name '*.rs' ! -path 'rust/compat/*' ! -name ctx.rs ! -name bindings_generated.rs ! -name bindings.rs -print0 |
		xargs -0 perl -0ne '
			BEGIN {
				%ok = map { $_ => 1 } qw(ETIMEDOUT POLLIN POLLRDNORM PCI_COMMAND PCI_COMMAND_MEMORY lock_class_key module);
				%misuse = map { $_ => 1 } qw(msleep schedule_hrtimeout schedule_timeout_uninterruptible
					irqctx_set_current_state TASK_UNINTERRUPTIBLE hrtimer_mode_HRTIMER_MODE_REL_HARD ktime_t
					irqctx_local_irq_save irqctx_local_irq_restore irqctx_raw_smp_processor_id);
				%trace = map { $_ => 1 } qw(tracepoint __tracepoint_irqctx_stage __tracepoint_irqctx_misuse
					rust_do_trace_irqctx_stage rust_do_trace_irqctx_misuse);
			}
			s{//[^\n]*}{}g; s{"(?:[^"\\\n]|\\.)*"}{""}g;	# no comments, no strings
			while (/\bbindings::(\w+)/g) {
				next if $ok{$1} || ($ARGV eq "rust/misuse.rs" && $misuse{$1}) ||
					($ARGV eq "rust/trace.rs" && $trace{$1});
				print "$ARGV: bindings::$1 (not allowed outside rust/ctx.rs and rust/compat/)\n";
			}
			while (/use kernel::(\{.*?\}|[^;]*);/sg) {
				my $u = $1;
				print "$ARGV: use kernel::$u\n" if $u =~ /\b(Mutex|SpinLock\w*|CondVar|Completion|new_\w+|GFP_(?!ATOMIC\b|NOWAIT\b)\w+|UserSlice|delay|rcu|local_interrupt_disable|global_lock)\b/;
			}
			while (/^.*\b(GFP_(?!ATOMIC\b|NOWAIT\b)\w+|fsleep|UserSlice::new|lock_with|kernel::(sync::)?(Mutex|SpinLock\w*|CondVar|Completion|new_\w+)|kernel::time::delay|rcu::read_lock|local_interrupt_disable|global_lock!)\b.*$/mg) {
				print "$ARGV: $&\n";
			}' | sed 's/  */ /g')
	if [ -z "$around" ]; then
		echo "ok $n ui: the module sleeps and locks only through the context tokens (rust/ctx.rs)"
	else
		echo "$around" | sed 's/^/# around the tokens: /'
		echo "not ok $n ui: the module sleeps and locks only through the context tokens (rust/ctx.rs)"
		failed=1
	fi
fi
exit $failed
