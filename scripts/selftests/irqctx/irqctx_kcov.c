// SPDX-License-Identifier: GPL-2.0
/*
 * irqctx_kcov: runs a command and collects, with KCOV's remote coverage,
 * which of the module's coverage points it reached, in every process it
 * starts and in the workers, softirqs and IRQ threads the module runs for
 * them (rust/kcov.rs brackets those with the callers' common handle).
 *
 *   irqctx_kcov OUT COMMAND [ARG...]
 *
 * Writes OUT: one line per distinct point reached, its offset in the
 * module's .text in hex (a PC minus the section's address), then a last
 * line "# points=N loads=L bases=B overflows=O entries=E outside=X": L the
 * module loads seen,
 * B how many distinct .text addresses they had (the offsets are exact when
 * B is 1), O how often the buffer filled between two drains (points may
 * then be missing). Exits with the command's status.
 *
 * KCOV sees task and softirq context only: the module's hardirq code (the
 * top halves) never appears. The buffer is drained every millisecond by a
 * real-time thread: KCOV appends each covered section's points to it when
 * the section ends (at most the buffer's size per section: one system call,
 * one work item), and the thread keeps the new ones and resets it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcov.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define AREA_WORDS (1UL << 20)
#define TEXT "/sys/module/irqctx/sections/.text"
/* Points in the module: a power of two well above its call sites. */
#define SET_SIZE (1UL << 17)

static uint64_t *area;
static uint64_t set[SET_SIZE];	/* offset + 1; 0 is empty */
static unsigned long points, overflows, loads, nbases, entries, outside;
static uint64_t bases[16], base;
static volatile int done;

static void die(const char *what)
{
	fprintf(stderr, "irqctx_kcov: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void add(uint64_t off)
{
	uint64_t h = (off * 0x9e3779b97f4a7c15ULL) & (SET_SIZE - 1);

	while (set[h] && set[h] != off + 1)
		h = (h + 1) & (SET_SIZE - 1);
	if (!set[h] && points < SET_SIZE / 2) {
		set[h] = off + 1;
		points++;
	}
}

/* The module's .text address now (0: not loaded), noting each new one. */
static void read_base(void)
{
	unsigned long long b = 0;
	FILE *f = fopen(TEXT, "r");
	unsigned long i;

	if (f) {
		if (fscanf(f, "%llx", &b) != 1)
			b = 0;
		fclose(f);
	}
	if (!b || b == base)
		return;
	base = b;
	loads++;
	for (i = 0; i < nbases; i++)
		if (bases[i] == b)
			return;
	if (nbases < 16)
		bases[nbases++] = b;
}

static void drain(void)
{
	uint64_t n = __atomic_load_n(&area[0], __ATOMIC_RELAXED), i;

	read_base();
	if (n >= AREA_WORDS - 1)
		overflows++;
	for (i = 0; i < n && i < AREA_WORDS - 1; i++) {
		uint64_t pc = __atomic_load_n(&area[i + 1], __ATOMIC_RELAXED);

		entries++;
		if (base && pc >= base && pc - base < (1UL << 24))
			add(pc - base);
		else
			outside++;
	}
	__atomic_store_n(&area[0], 0, __ATOMIC_RELAXED);
}

static void *drainer(void *arg)
{
	struct timespec ms = { 0, 1000000 };

	(void)arg;
	while (!done) {
		drain();
		nanosleep(&ms, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct sched_param prio = { .sched_priority = 1 };
	struct kcov_remote_arg *arg;
	pthread_attr_t attr;
	pthread_t thread;
	int fd, status;
	unsigned long i;
	pid_t pid;
	FILE *out;

	if (argc < 3) {
		fprintf(stderr, "usage: irqctx_kcov OUT COMMAND [ARG...]\n");
		return 2;
	}
	fd = open("/sys/kernel/debug/kcov", O_RDWR);
	if (fd < 0)
		die("/sys/kernel/debug/kcov");
	if (ioctl(fd, KCOV_INIT_TRACE, AREA_WORDS))
		die("KCOV_INIT_TRACE");
	area = mmap(NULL, AREA_WORDS * sizeof(*area), PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
	if (area == MAP_FAILED)
		die("mmap");
	arg = calloc(1, sizeof(*arg));
	if (!arg)
		die("calloc");
	arg->trace_mode = KCOV_TRACE_PC;
	arg->area_size = AREA_WORDS;
	/* Inherited by every process the command starts. */
	arg->common_handle = kcov_remote_handle(KCOV_SUBSYSTEM_COMMON, 0x1cc0);
	if (ioctl(fd, KCOV_REMOTE_ENABLE, arg))
		die("KCOV_REMOTE_ENABLE");
	__atomic_store_n(&area[0], 0, __ATOMIC_RELAXED);
	/* A real-time drainer: a busy guest must not starve it while the
	 * buffer fills (what KCOV cannot append then is lost). */
	if (pthread_attr_init(&attr) ||
	    pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED) ||
	    pthread_attr_setschedpolicy(&attr, SCHED_FIFO) ||
	    pthread_attr_setschedparam(&attr, &prio) ||
	    pthread_create(&thread, &attr, drainer, NULL))
		die("pthread_create");

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
	done = 1;
	pthread_join(thread, NULL);
	drain();
	if (ioctl(fd, KCOV_DISABLE, 0))
		die("KCOV_DISABLE");

	out = fopen(argv[1], "w");
	if (!out)
		die(argv[1]);
	for (i = 0; i < SET_SIZE; i++)
		if (set[i])
			fprintf(out, "%llx\n", (unsigned long long)(set[i] - 1));
	fprintf(out, "# points=%lu loads=%lu bases=%lu overflows=%lu entries=%lu outside=%lu\n",
		points, loads, nbases, overflows, entries, outside);
	if (fclose(out))
		die(argv[1]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
