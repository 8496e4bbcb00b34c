/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KCOV's remote coverage of the irqctx module, drained into a set of
 * offsets in the module's .text (kcov_remote.c). Used by irqctx_kcov (a
 * whole command's coverage) and by irqctx_fuzz's guided mode (which keeps
 * the programs that add points).
 */
#ifndef IRQCTX_KCOV_REMOTE_H
#define IRQCTX_KCOV_REMOTE_H

#include <stdio.h>

/*
 * Open /sys/kernel/debug/kcov in remote mode with the common handle every
 * process forked afterwards inherits, and start a real-time thread that
 * drains the buffer every millisecond. 0, or -1 with errno set (no KCOV:
 * ENOENT).
 */
int kcov_remote_open(void);

/* Drain now; the number of entries found in the buffer. */
unsigned long kcov_remote_drain(void);

/*
 * Drain until the buffer has stayed empty for two drains in a row (what the
 * last work items and softirqs added has arrived), at most LIMIT_MS.
 */
void kcov_remote_settle(unsigned int limit_ms);

/* Distinct points reached so far. */
unsigned long kcov_remote_points(void);

/* Distinct edges so far: a point followed by another in KCOV's buffer. */
unsigned long kcov_remote_edges(void);

/* Stop the drainer, drain a last time, disable KCOV. */
void kcov_remote_close(void);

/*
 * One line per point (its .text offset in hex), then the summary line
 * "# points=N loads=L bases=B overflows=O entries=E outside=X rereads=R"
 * (irqctx_kcov.c says what each means).
 */
void kcov_remote_write(FILE *out);

#endif
