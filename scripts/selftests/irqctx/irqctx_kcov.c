// SPDX-License-Identifier: GPL-2.0
/*
 * irqctx_kcov: runs a command and collects, with KCOV's remote coverage,
 * which of the module's coverage points it reached, in every process it
 * starts and in the workers, softirqs and IRQ threads the module runs for
 * them (rust/compat/kcov.rs brackets those with the callers' common handle).
 *
 *   irqctx_kcov OUT COMMAND [ARG...]
 *
 * Writes OUT: one line per distinct point reached, its offset in the
 * module's .text in hex (a PC minus the section's address), then a last
 * line "# points=N loads=L bases=B overflows=O entries=E outside=X
 * rereads=R": L the module loads seen, B how many distinct .text addresses
 * they had (the offsets are exact when B is 1), O how often the buffer
 * filled between two drains (points may then be missing), E the entries
 * drained (repeats included), X those outside the module's .text, R the
 * drains that met KCOV appending and read again. Exits with the command's
 * status.
 *
 * KCOV sees task and softirq context only: the module's hardirq code (the
 * top halves) never appears. The collection itself is kcov_remote.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kcov_remote.h"

static void die(const char *what)
{
	fprintf(stderr, "irqctx_kcov: %s: %s\n", what, strerror(errno));
	exit(2);
}

int main(int argc, char **argv)
{
	int status;
	pid_t pid;
	FILE *out;

	if (argc < 3) {
		fprintf(stderr, "usage: irqctx_kcov OUT COMMAND [ARG...]\n");
		return 2;
	}
	if (kcov_remote_open())
		die("/sys/kernel/debug/kcov");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		execvp(argv[2], argv + 2);
		die(argv[2]);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	kcov_remote_close();

	out = fopen(argv[1], "w");
	if (!out)
		die(argv[1]);
	kcov_remote_write(out);
	if (fclose(out))
		die(argv[1]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
