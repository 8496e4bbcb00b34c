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
scripts/vm.sh -q -t 120 -l out/demo-console.log -a loglevel=4 samples/demo.sh irqctx.ko
cat <<'EOF_HINT'

What the kernel's tracer saw of one such interrupt, as a picture and as a
trace for ui.perfetto.dev (Documentation/seeing.rst):
    scripts/timeline.sh edu        # out/timeline/edu.png, out/timeline/edu.json
EOF_HINT
