#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The flake budget: run the README's test command N times in a row (default
# 5) while two CPU-bound processes load the host, and print how many runs
# passed. Every run must pass: a test that fails under load is a defect.
#
#   scripts/flake.sh [N]
#
# Each run's output is kept in out/flake/run-K.log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$IRQCTX_TOP"

runs=${1:-5}
mkdir -p out/flake
hogs=()
for _ in 1 2; do
	( while :; do :; done ) &
	hogs+=($!)
done
trap 'kill "${hogs[@]}" 2>/dev/null || true' EXIT
log "flake: ${#hogs[@]} CPU hogs running (pids ${hogs[*]})"

passed=0
for k in $(seq 1 "$runs"); do
	start=$SECONDS
	if scripts/test.sh >"out/flake/run-$k.log" 2>&1; then
		passed=$((passed + 1)); verdict=passed
	else
		verdict=FAILED
	fi
	log "flake: run $k/$runs $verdict in $((SECONDS - start))s: $(tail -n 1 "out/flake/run-$k.log")"
	grep -E '^(# )?not ok' "out/flake/run-$k.log" | sed 's/^/    /' >&2 || true
done
echo "$passed of $runs runs passed under load"
[ "$passed" = "$runs" ]
