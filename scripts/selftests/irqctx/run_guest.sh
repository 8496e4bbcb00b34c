#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest entry point: run every TEST_PROGS of the Makefile, kselftest style.
rc=0
for t in $(sed -n 's/^TEST_PROGS := //p' /irqctx/Makefile); do
	sh "/irqctx/$t" || rc=$?
done
exit $rc
