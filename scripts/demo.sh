#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo: set everything up (cached after the first run), boot the test
# kernel, load irqctx and cat live events from /dev/irqctx.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$IRQCTX_TOP"
bash scripts/setup.sh
scripts/build-kernel.sh >/dev/null
make -s modules
exec scripts/vm.sh -q -t 120 -l out/demo-console.log -a loglevel=4 samples/demo.sh irqctx.ko
