// SPDX-License-Identifier: GPL-2.0
/*
 * irqctx_lat: the user-space side of the bench (scripts/bench.sh), in the
 * guest.
 *
 *   irqctx_lat read [-p PRIO] [-n COUNT | -d SECONDS] [-s SOURCE] [-c CMDS]
 *                   [-C CMDS] [-o HISTFILE]
 *   irqctx_lat inject US PERIOD_US
 *   irqctx_lat readcost
 *
 * read opens /dev/irqctx, optionally as a SCHED_FIFO task of priority PRIO
 * with its memory locked (as cyclictest -m -p PRIO runs), writes CMDS (a
 * "\n"-separated command list, e.g. "period_us=1000\nstart"), then reads
 * until COUNT top-half records of SOURCE (hrtimer, irq_work, edu; default
 * hrtimer) or SECONDS have passed, writes the commands -C (e.g. "stop") and
 * prints one line
 *
 *   records=R tops=T lost=L seconds=S p50_us=.. p99_us=.. max_us=..
 *
 * For each top half of SOURCE it takes the event's time from the record
 * (t_ns - delay_ns: the expiry the handler saw, on CLOCK_MONOTONIC, the
 * clock of ktime_get()) and the time read() returned it, and counts the
 * difference, event -> read() return, in 1 us buckets: the figure
 * cyclictest reports for its own timer (expiry -> clock_nanosleep()
 * return). -o writes the histogram as cyclictest's --histfile does: "US
 * COUNT" lines, the last bucket taking what lies beyond it. lost= counts the
 * records the ring overwrote before this reader got them.
 *
 * inject writes "irqs_off=US" every PERIOD_US (CLOCK_MONOTONIC, absolute
 * deadlines) until SIGTERM, then prints "injected=N".
 *
 * readcost has 200 irq_work top halves recorded (bh=none), then reads them
 * back one read() each, none of which has to sleep, and prints the mean
 * time of such a read() and of a system call that does nothing:
 * "read_ns=N getppid_ns=N" (what P1's read path costs beyond the wake-up).
 *
 * Exit status: 0, 1 when a system call fails (errno printed), 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define DEV "/dev/irqctx"
#define HIST_US 100000	/* buckets: 0 .. HIST_US-1 us, and one for the rest */

static unsigned long long hist[HIST_US + 1];
static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: irqctx_lat read [-p PRIO] [-n COUNT | -d SECONDS] [-s SOURCE]\n"
			"                       [-c CMDS] [-C CMDS] [-o HISTFILE]\n"
			"       irqctx_lat inject US PERIOD_US\n");
	exit(2);
}

static void fail(const char *what)
{
	printf("%s: errno=%s\n", what, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
	exit(1);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Writes a "\n"-separated command list (as given on the command line). */
static void commands(int fd, const char *cmds)
{
	char buf[512];
	size_t n = 0;

	for (const char *s = cmds; *s && n < sizeof(buf) - 1; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			buf[n++] = '\n';
			s++;
		} else {
			buf[n++] = *s;
		}
	}
	if (write(fd, buf, n) != (ssize_t)n)
		fail("write");
}

/* The value of " KEY=" in a record line, or -1 if it has none. */
static long long field(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

/* The value at which COUNT * per_mille / 1000 samples are at or below. */
static unsigned long percentile(unsigned long long count, unsigned int per_mille)
{
	unsigned long long rank = (count * per_mille + 999) / 1000, seen = 0;

	if (!rank)
		rank = 1;
	for (unsigned long us = 0; us <= HIST_US; us++) {
		seen += hist[us];
		if (seen >= rank)
			return us;
	}
	return HIST_US;
}

static int do_read(int argc, char **argv)
{
	const char *source = "hrtimer", *cmds = NULL, *after = NULL, *histfile = NULL;
	long long count = 0, seconds = 0, records = 0, tops = 0, lost = 0, max_us = 0;
	int prio = 0, opt, fd;
	static char buf[65536];
	char want[64];
	long long start, deadline;

	while ((opt = getopt(argc, argv, "p:n:d:s:c:C:o:")) != -1) {
		switch (opt) {
		case 'p': prio = atoi(optarg); break;
		case 'n': count = atoll(optarg); break;
		case 'd': seconds = atoll(optarg); break;
		case 's': source = optarg; break;
		case 'c': cmds = optarg; break;
		case 'C': after = optarg; break;
		case 'o': histfile = optarg; break;
		default: usage();
		}
	}
	if ((count > 0) == (seconds > 0) || optind != argc)
		usage();
	snprintf(want, sizeof(want), " src=%s stage=top ", source);

	if (prio) {
		struct sched_param sp = { .sched_priority = prio };

		if (sched_setscheduler(0, SCHED_FIFO, &sp))
			fail("sched_setscheduler");
		if (mlockall(MCL_CURRENT | MCL_FUTURE))
			fail("mlockall");
	}
	fd = open(DEV, O_RDWR);
	if (fd < 0)
		fail("open");
	if (cmds)
		commands(fd, cmds);
	start = now_ns();
	deadline = start + seconds * 1000000000LL;
	while (count ? tops < count : now_ns() < deadline) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		long long ret_ns = now_ns();

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail("read");
		}
		buf[n] = 0;
		for (char *line = buf, *end; *line; line = end + 1) {
			end = strchr(line, '\n');
			if (!end)
				break;
			*end = 0;
			if (!strncmp(line, "lost=", 5)) {
				lost += atoll(line + 5);
				continue;
			}
			records++;
			if (!strstr(line, want))
				continue;
			long long us = (ret_ns - (field(line, " t_ns=") - field(line, " delay_ns="))) / 1000;

			if (us < 0)
				us = 0;
			if (us > max_us)
				max_us = us;
			hist[us < HIST_US ? us : HIST_US]++;
			tops++;
		}
	}
	if (after)
		commands(fd, after);
	printf("records=%lld tops=%lld lost=%lld seconds=%.3f p50_us=%lu p99_us=%lu max_us=%lld\n",
	       records, tops, lost, (now_ns() - start) / 1e9,
	       tops ? percentile(tops, 500) : 0, tops ? percentile(tops, 990) : 0, max_us);
	if (histfile) {
		FILE *f = fopen(histfile, "w");

		if (!f)
			fail("fopen");
		for (unsigned long us = 0; us <= HIST_US; us++)
			if (hist[us])
				fprintf(f, "%06lu %06llu\n", us, hist[us]);
		fclose(f);
	}
	return 0;
}

static int do_inject(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };
	long long period_ns, injected = 0;
	struct timespec next;
	char cmd[32];
	int fd, len;

	if (argc != 3)
		usage();
	len = snprintf(cmd, sizeof(cmd), "irqs_off=%s", argv[1]);
	period_ns = atoll(argv[2]) * 1000;
	if (period_ns <= 0)
		usage();
	sigaction(SIGTERM, &sa, NULL);
	fd = open(DEV, O_WRONLY);
	if (fd < 0)
		fail("open");
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		if (write(fd, cmd, len) != len) {
			if (errno == EINTR)
				break;
			fail("write");
		}
		injected++;
		next.tv_nsec += period_ns;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	printf("injected=%lld\n", injected);
	return 0;
}

static int do_readcost(void)
{
	enum { N = 200 };
	long long t0, read_ns, null_ns;
	char buf[384];	/* one line at most (MAX_LINE): one record a read() */
	int fd = open(DEV, O_RDWR | O_NONBLOCK);

	if (fd < 0)
		fail("open");
	commands(fd, "bh=none\\nirq_work=200");
	t0 = now_ns();
	for (int i = 0; i < N; i++)
		if (read(fd, buf, sizeof(buf)) <= 0)
			fail("read");
	read_ns = (now_ns() - t0) / N;
	t0 = now_ns();
	for (int i = 0; i < N; i++)
		getppid();
	null_ns = (now_ns() - t0) / N;
	printf("read_ns=%lld getppid_ns=%lld\n", read_ns, null_ns);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "read"))
		return do_read(argc - 1, argv + 1);
	if (!strcmp(argv[1], "inject"))
		return do_inject(argc - 1, argv + 1);
	if (!strcmp(argv[1], "readcost") && argc == 2)
		return do_readcost();
	usage();
}
