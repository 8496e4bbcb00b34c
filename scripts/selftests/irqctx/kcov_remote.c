// SPDX-License-Identifier: GPL-2.0
/*
 * KCOV's remote coverage of the irqctx module (kcov_remote.h).
 *
 * KCOV appends each covered section's points (one system call, one work
 * item, one softirq: rust/compat/kcov.rs) to the buffer when the section
 * ends, at most the buffer's size per section. A real-time thread drains it
 * every millisecond: it keeps the points that lie in the module's .text as
 * offsets from the section's address (read again at each drain: a module
 * loaded again moves), and each pair of consecutive points as an edge, and
 * resets the count (kcov_remote_drain(): without losing what KCOV appends
 * meanwhile). An edge is mostly a branch taken inside one section; where
 * two sections meet in the buffer, it joins the last point of one to the
 * first of the next, which adds a bounded number of edges of no meaning.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcov.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kcov_remote.h"

#define AREA_WORDS (1UL << 20)
#define TEXT "/sys/module/irqctx/sections/.text"
/* Points in the module: a power of two well above its call sites. */
#define SET_SIZE (1UL << 17)
/* Edges (one point, then the next in the same drain): far more. */
#define EDGE_SET_SIZE (1UL << 20)
/* The common handle irqctx's collectors use. */
#define HANDLE_ID 0x1cc0

static int fd = -1;
static uint64_t *area;		/* NULL until open */
static uint64_t set[SET_SIZE];	/* offset + 1; 0 is empty */
static uint64_t edge_set[EDGE_SET_SIZE];	/* (from << 24 | to) + 1 */
static unsigned long points, edges, overflows, loads, nbases, entries, outside, rereads;
static uint64_t bases[16], base;
static volatile int done;
static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void add(uint64_t off)
{
	uint64_t h = (off * 0x9e3779b97f4a7c15ULL) & (SET_SIZE - 1);

	while (set[h] && set[h] != off + 1)
		h = (h + 1) & (SET_SIZE - 1);
	if (!set[h] && points < SET_SIZE / 2) {
		set[h] = off + 1;
		__atomic_store_n(&points, points + 1, __ATOMIC_RELAXED);
	}
}

/* An edge: the point FROM, then TO (offsets below 2^24). */
static void add_edge(uint64_t from, uint64_t to)
{
	uint64_t key = (from << 24 | to) + 1;
	uint64_t h = (key * 0x9e3779b97f4a7c15ULL) & (EDGE_SET_SIZE - 1);

	while (edge_set[h] && edge_set[h] != key)
		h = (h + 1) & (EDGE_SET_SIZE - 1);
	if (!edge_set[h] && edges < EDGE_SET_SIZE / 2) {
		edge_set[h] = key;
		__atomic_store_n(&edges, edges + 1, __ATOMIC_RELAXED);
	}
}

/*
 * The module's .text address now (0: not loaded), noting each new one.
 * read(), not stdio: the fuzzer forks while this thread runs, and a child
 * must not inherit a stdio lock held here.
 */
static void read_base(void)
{
	char buf[32] = "";
	int tfd = open(TEXT, O_RDONLY);
	unsigned long long b = 0;
	unsigned long i;

	if (tfd >= 0) {
		if (read(tfd, buf, sizeof(buf) - 1) > 0)
			b = strtoull(buf, NULL, 16);
		close(tfd);
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

/*
 * KCOV appends a section (kcov_move_area(), under the kcov's lock) by
 * reading the count, copying the points after it, and writing the count
 * plus what it copied: not atomic with respect to this thread. So the
 * points are read first and the count reset only if it has not moved
 * meanwhile; if it has, the next drain reads them all again (repeats are
 * harmless in a set). A reset between KCOV's read and its write of the
 * count leaves the points before its copy to be read again, never lost.
 * (Resetting the count unconditionally after reading loses whatever KCOV
 * appended in between: whole sections went missing that way, most often
 * the last one of a command.)
 */
unsigned long kcov_remote_drain(void)
{
	uint64_t n, i, prev = UINT64_MAX;

	if (!area)
		return 0;	/* not open */
	pthread_mutex_lock(&lock);
	read_base();
	n = __atomic_load_n(&area[0], __ATOMIC_ACQUIRE);
	if (n >= AREA_WORDS - 1)
		overflows++;
	for (i = 0; i < n && i < AREA_WORDS - 1; i++) {
		uint64_t pc = __atomic_load_n(&area[i + 1], __ATOMIC_RELAXED);

		entries++;
		if (base && pc >= base && pc - base < (1UL << 24)) {
			add(pc - base);
			if (prev != UINT64_MAX)
				add_edge(prev, pc - base);
			prev = pc - base;
		} else {
			outside++;
			prev = UINT64_MAX;
		}
	}
	if (n && !__atomic_compare_exchange_n(&area[0], &n, 0, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		rereads++;
	pthread_mutex_unlock(&lock);
	return n;
}

static void *drainer(void *arg)
{
	struct timespec ms = { 0, 1000000 };

	(void)arg;
	while (!done) {
		kcov_remote_drain();
		nanosleep(&ms, NULL);
	}
	return NULL;
}

int kcov_remote_open(void)
{
	struct sched_param prio = { .sched_priority = 1 };
	struct kcov_remote_arg *arg;
	pthread_attr_t attr;
	void *map;
	int err;

	fd = open("/sys/kernel/debug/kcov", O_RDWR);
	if (fd < 0)
		return -1;
	if (ioctl(fd, KCOV_INIT_TRACE, AREA_WORDS))
		return -1;
	map = mmap(NULL, AREA_WORDS * sizeof(*area), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -1;
	area = map;
	arg = calloc(1, sizeof(*arg));
	if (!arg)
		return -1;
	arg->trace_mode = KCOV_TRACE_PC;
	arg->area_size = AREA_WORDS;
	/* Inherited by every process forked from here on. */
	arg->common_handle = kcov_remote_handle(KCOV_SUBSYSTEM_COMMON, HANDLE_ID);
	err = ioctl(fd, KCOV_REMOTE_ENABLE, arg);
	free(arg);
	if (err)
		return -1;
	__atomic_store_n(&area[0], 0, __ATOMIC_RELAXED);
	/* A real-time drainer: a busy guest must not starve it while the
	 * buffer fills (what KCOV cannot append then is lost). */
	err = pthread_attr_init(&attr);
	if (!err)
		err = pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	if (!err)
		err = pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
	if (!err)
		err = pthread_attr_setschedparam(&attr, &prio);
	if (!err)
		err = pthread_create(&thread, &attr, drainer, NULL);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

void kcov_remote_settle(unsigned int limit_ms)
{
	struct timespec ms = { 0, 1000000 };
	int quiet = 0;

	for (unsigned int i = 0; i < limit_ms && quiet < 2; i++) {
		quiet = kcov_remote_drain() ? 0 : quiet + 1;
		nanosleep(&ms, NULL);
	}
}

unsigned long kcov_remote_points(void)
{
	return __atomic_load_n(&points, __ATOMIC_RELAXED);
}

unsigned long kcov_remote_edges(void)
{
	return __atomic_load_n(&edges, __ATOMIC_RELAXED);
}

void kcov_remote_close(void)
{
	done = 1;
	pthread_join(thread, NULL);
	kcov_remote_drain();
	ioctl(fd, KCOV_DISABLE, 0);
}

void kcov_remote_write(FILE *out)
{
	for (unsigned long i = 0; i < SET_SIZE; i++)
		if (set[i])
			fprintf(out, "%llx\n", (unsigned long long)(set[i] - 1));
	fprintf(out, "# points=%lu loads=%lu bases=%lu overflows=%lu entries=%lu outside=%lu rereads=%lu\n",
		points, loads, nbases, overflows, entries, outside, rereads);
}
