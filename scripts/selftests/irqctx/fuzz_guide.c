// SPDX-License-Identifier: GPL-2.0
/*
 * irqctx_fuzz's guided mode: programs of operations (fuzz.h), run one after
 * the other in fresh worker processes, each checked as the random fuzzer
 * checks every call, and kept when KCOV saw them reach module code no
 * program had reached before.
 *
 *   irqctx_fuzz -G MINUTES [-R] [-c CORPUS] [-x PROGRAMS] [-F FLIGHT] [-s SEED]
 *   irqctx_fuzz -r PROGRAMS
 *
 * -G runs for MINUTES. It first runs each program of PROGRAMS (-x: failures
 * found before and fixed, which must not come back), then each of CORPUS
 * (programs kept by earlier runs), then mutates programs of the corpus (new
 * arguments for a third of the steps, a step's seed or action changed,
 * steps inserted, deleted or repeated, a process added or dropped, one
 * process's tail spliced from another program) or, one time in five, makes
 * a random one. A program that reaches
 * new points (kcov_remote.c: KCOV's remote coverage of every process of
 * the run and of the workers, softirqs and IRQ threads the module runs for
 * them) or new edges (a point followed by another: a branch taken) joins
 * the corpus. -R ("random"): no guidance, every program a
 * random one: the plain fuzzer's operations in the same runs, to compare.
 *
 * Before each run the module is put back in its state after loading, and
 * the program is written to FLIGHT (-F, a file or a serial port; the host
 * reads it when the guest dies in a run). After it, the kernel's log is
 * read for reports (IRQCTX_SPLATS from the environment, an extended regular
 * expression: lib.sh's SPLATS).
 *
 * Prints, each on a line of its own:
 *   IRQCTX-FUZZ-CORPUS PROGRAM            a program that joined the corpus
 *   IRQCTX-FUZZ-STAT secs=S execs=E ops=O points=P edges=G corpus=C failures=F
 *                                         every 30 s and at the end
 *   IRQCTX-FUZZ-FAIL-BEGIN KIND PROGRAM   a failure: what the checks or the
 *   ...                                   kernel said, KIND "check",
 *   IRQCTX-FUZZ-FAIL-END                  "kernel", "stuck" or "regression"
 *   IRQCTX-KCOV-BEGIN ... IRQCTX-KCOV-END the points reached (irqctx_kcov's
 *                                         format)
 *   IRQCTX-FUZZ-DONE execs=E ... failures=F regressions=R
 * A check failure is saved and the run goes on; a kernel report or a stuck
 * call ends it. Exit status: 0 nothing failed, 1 a failure, 2 a stuck call.
 *
 * -r runs each program of PROGRAMS once (a failure printed as above), and
 * exits 1 if any failed: the replay of a saved failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "kcov_remote.h"

#define MAX_CORPUS 4096
#define PROG_TEXT 2048		/* a program as text, at most */
#define STAT_EVERY_S 30
#define SETTLE_MS 200		/* the last work items of a run arrive */

/* What lib.sh's SPLATS says when the environment gives nothing. */
#define DEFAULT_SPLATS "BUG:|WARNING:|INFO: |Call Trace|Oops|general protection|ODEBUG|corruption|kmemleak:.*new suspected"

static struct program corpus[MAX_CORPUS];
static int ncorpus;
static uint64_t guide_rng;
static int kmsg_fd = -1, flight_fd = -1;
static regex_t splats;
static long execs, ops_made;
static int stuck_seen;	/* a call never returned: the run ended there */

static uint64_t guide_rnd(void)
{
	return splitmix64(&guide_rng);
}

static unsigned int pick(unsigned int n) { return n ? guide_rnd() % n : 0; }

static int64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* ---- program text ------------------------------------------------------------ */

int prog_parse(const char *line, struct program *p)
{
	const char *s = line;
	int proc = 0, fresh = 1;

	memset(p, 0, sizeof(*p));
	for (;;) {
		char tok[64], *dot, *end;
		int n = 0;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '\n' || *s == '#')
			break;
		if (*s == '|') {
			if (fresh || ++proc >= PROG_MAX_PROCS)
				return -1;	/* an empty process, or too many */
			fresh = 1;
			s++;
			continue;
		}
		while (s[n] && s[n] != ' ' && s[n] != '\t' && s[n] != '\n' && s[n] != '|' &&
		       n < (int)sizeof(tok) - 1)
			n++;
		memcpy(tok, s, n);
		tok[n] = 0;
		s += n;
		if (fresh) {	/* the process's own seed */
			p->init[proc] = strtoul(tok, &end, 16);
			if (*end || end == tok)
				return -1;
			fresh = 0;
			p->nprocs = proc + 1;
			continue;
		}
		dot = strchr(tok, '.');
		if (!dot || p->nsteps[proc] >= PROG_MAX_STEPS)
			return -1;
		*dot = 0;
		{
			struct step *st = &p->steps[proc][p->nsteps[proc]];
			unsigned int a;

			for (a = 0; a < nactions && strcmp(actions[a].name, tok); a++)
				;
			if (a == nactions)
				return -1;
			st->action = a;
			st->seed = strtoul(dot + 1, &end, 16);
			if (*end || end == dot + 1)
				return -1;
		}
		p->nsteps[proc]++;
	}
	return p->nprocs && !fresh ? 0 : -1;
}

void prog_format(const struct program *p, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = 0;
	for (int i = 0; i < p->nprocs && len < size; i++) {
		len += snprintf(buf + len, size - len, "%s%x", i ? " | " : "", p->init[i]);
		for (int k = 0; k < p->nsteps[i] && len < size; k++)
			len += snprintf(buf + len, size - len, " %s.%x",
					actions[p->steps[i][k].action].name, p->steps[i][k].seed);
	}
}

/* ---- making programs ---------------------------------------------------------- */

static struct step random_step(void)
{
	/* The random fuzzer's mix of actions. */
	unsigned int a = action_at(pick(100));

	return (struct step){ .action = a, .seed = (uint32_t)guide_rnd() };
}

static void random_proc(struct program *p, int i)
{
	p->init[i] = (uint32_t)guide_rnd();
	p->nsteps[i] = 1 + pick(16);
	for (int k = 0; k < p->nsteps[i]; k++)
		p->steps[i][k] = random_step();
}

static void random_program(struct program *p)
{
	memset(p, 0, sizeof(*p));
	p->nprocs = 2 + pick(PROG_MAX_PROCS - 1);
	for (int i = 0; i < p->nprocs; i++)
		random_proc(p, i);
}

static int total_steps(const struct program *p)
{
	int n = 0;

	for (int i = 0; i < p->nprocs; i++)
		n += p->nsteps[i];
	return n;
}

static void mutate_once(struct program *p)
{
	int i = pick(p->nprocs), k = p->nsteps[i] ? pick(p->nsteps[i]) : 0;
	struct step *st = &p->steps[i][k];

	switch (pick(9)) {
	case 0: case 1:		/* other arguments for one step */
		if (p->nsteps[i])
			st->seed = pick(2) ? (uint32_t)guide_rnd() : st->seed ^ (1u << pick(32));
		break;
	case 2:			/* another action */
		if (p->nsteps[i])
			st->action = pick(nactions);
		break;
	case 3:			/* a step inserted */
		if (p->nsteps[i] < PROG_MAX_STEPS) {
			k = pick(p->nsteps[i] + 1);
			memmove(&p->steps[i][k + 1], &p->steps[i][k],
				(p->nsteps[i] - k) * sizeof(struct step));
			p->steps[i][k] = random_step();
			p->nsteps[i]++;
		}
		break;
	case 4:			/* a step deleted */
		if (p->nsteps[i] > 1) {
			memmove(&p->steps[i][k], &p->steps[i][k + 1],
				(p->nsteps[i] - k - 1) * sizeof(struct step));
			p->nsteps[i]--;
		}
		break;
	case 5:			/* a step repeated */
		if (p->nsteps[i] && p->nsteps[i] < PROG_MAX_STEPS) {
			memmove(&p->steps[i][k + 1], &p->steps[i][k],
				(p->nsteps[i] - k) * sizeof(struct step));
			p->nsteps[i]++;
		}
		break;
	case 6:			/* another set-up */
		p->init[i] = (uint32_t)guide_rnd();
		break;
	case 7:			/* a process added or dropped */
		if (p->nprocs < PROG_MAX_PROCS && pick(2)) {
			random_proc(p, p->nprocs++);
		} else if (p->nprocs > 1) {
			memmove(&p->init[i], &p->init[i + 1], (p->nprocs - i - 1) * sizeof(p->init[0]));
			memmove(&p->nsteps[i], &p->nsteps[i + 1], (p->nprocs - i - 1) * sizeof(p->nsteps[0]));
			memmove(&p->steps[i], &p->steps[i + 1], (p->nprocs - i - 1) * sizeof(p->steps[0]));
			p->nprocs--;
		}
		break;
	default: {		/* one process's tail from another program */
		const struct program *o = &corpus[pick(ncorpus)];
		int j = pick(o->nprocs), from = pick(o->nsteps[j]), to = pick(p->nsteps[i] + 1);
		int n = o->nsteps[j] - from;

		if (to + n > PROG_MAX_STEPS)
			n = PROG_MAX_STEPS - to;
		memcpy(&p->steps[i][to], &o->steps[j][from], n * sizeof(struct step));
		p->nsteps[i] = to + n;
		break;
	}
	}
}

/*
 * A copy of a corpus program, changed (at least one step left). A step with
 * its seed unchanged makes the same call again, which adds coverage by
 * timing alone: half the time the copy keeps the program's shape (its
 * processes and their actions, in order) and draws new arguments for a
 * third of its steps, then changes it 0 to 2 times; otherwise 1 to 3
 * changes. (With 1 to 3 changes only, nine steps in ten repeated a call
 * already made, and the random programs reached more in the same time.)
 */
static void mutated(struct program *p)
{
	/* The newest programs a little more often: they opened new code. */
	int at = pick(4) ? pick(ncorpus) : ncorpus - 1 - pick(ncorpus < 16 ? ncorpus : 16);
	unsigned int n = 1 + pick(3);

	*p = corpus[at];
	if (pick(2)) {
		for (int i = 0; i < p->nprocs; i++)
			for (int k = 0; k < p->nsteps[i]; k++)
				if (!pick(3))
					p->steps[i][k].seed = (uint32_t)guide_rnd();
		n = pick(3);
	}
	for (; n; n--)
		mutate_once(p);
	if (!total_steps(p))
		random_proc(p, 0);
	for (int i = 0; i < p->nprocs; i++)
		if (!p->nsteps[i])
			random_proc(p, i);
}

/* ---- the kernel's word ------------------------------------------------------- */

/* Appends the kernel's reports since the last call to OUT; how many lines
 * matched. A report's lines after its first one (the call trace) follow. */
static int kernel_reports(char *out, size_t size)
{
	static int tail;	/* lines of a report still to keep */
	char rec[2048];
	size_t len = strlen(out);
	int found = 0;
	ssize_t n;

	if (kmsg_fd < 0)
		return 0;
	while ((n = read(kmsg_fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		char *msg;

		if (n < 0)
			continue;	/* records overwritten before read */
		rec[n] = 0;
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		if (!regexec(&splats, msg, 0, NULL, 0)) {
			found++;
			tail = 30;
		}
		if (tail > 0 && len < size - 1) {
			tail--;
			len += snprintf(out + len, size - len, "kernel: %s%s", msg,
					msg[strlen(msg) - 1] == '\n' ? "" : "\n");
		}
	}
	return found;
}

/* ---- runs ---------------------------------------------------------------------- */

static void flight(const char *text)
{
	if (flight_fd < 0)
		return;
	if (dprintf(flight_fd, "exec %ld: %s\n", execs, text) < 0)
		return;
	if (isatty(flight_fd))
		tcdrain(flight_fd);	/* on the host before the run starts */
}

static void print_failure(const char *kind, const char *text, const char *log)
{
	printf("IRQCTX-FUZZ-FAIL-BEGIN %s %s\n%s", kind, text, log);
	if (*log && log[strlen(log) - 1] != '\n')
		printf("\n");
	printf("IRQCTX-FUZZ-FAIL-END\n");
}

/* What the guide follows: points and edges reached so far. */
static unsigned long signal_now(void)
{
	return kcov_remote_points() + kcov_remote_edges();
}

/*
 * Runs P once; the points and edges it added (or -1 if it failed: said on stdout
 * with KIND, or "kernel"/"stuck" when it was that). *FATAL is set when the
 * run must end (a kernel report, a stuck call).
 */
static long run_one(const struct program *p, const char *kind, int *fatal)
{
	static char text[PROG_TEXT], log[16384];
	unsigned long before;
	enum run_result r;
	int reports;

	prog_format(p, text, sizeof(text));
	if (reset_module())
		printf("IRQCTX-FUZZ: resetting the module failed: %s\n", strerror(errno));
	flight(text);
	before = signal_now();
	r = run_workers(p, 0, 0, 0, log, sizeof(log));
	execs++;
	ops_made += total_steps(p);
	kcov_remote_settle(SETTLE_MS);
	reports = kernel_reports(log, sizeof(log));
	if (r == RUN_OK && !reports)
		return signal_now() - before;
	*fatal = reports || r == RUN_STUCK;
	stuck_seen |= r == RUN_STUCK;
	/* A saved failure that came back says so, whatever it is this time. */
	print_failure(!strcmp(kind, "regression") ? kind : reports ? "kernel" : r == RUN_STUCK ? "stuck" : kind,
		      text, log);
	return -1;
}

/* The programs of FILE, one a line (# comments): how many; -1 if unreadable. */
static int load(const char *file, struct program *into, int max, int *bad)
{
	char line[PROG_TEXT];
	FILE *f = fopen(file, "r");
	int n = 0;

	if (!f)
		return -1;
	while (n < max && fgets(line, sizeof(line), f)) {
		const char *s = line + strspn(line, " \t");

		if (*s == '#' || *s == '\n' || !*s)
			continue;
		if (prog_parse(s, &into[n]))
			(*bad)++;
		else
			n++;
	}
	fclose(f);
	return n;
}

static void stat_line(int64_t start, int failures)
{
	printf("IRQCTX-FUZZ-STAT secs=%lld execs=%ld ops=%ld points=%lu edges=%lu corpus=%d failures=%d\n",
	       (long long)(now_s() - start), execs, ops_made, kcov_remote_points(), kcov_remote_edges(),
	       ncorpus, failures);
}

/* The points reached so far, in irqctx_kcov's format. */
static void print_points(void)
{
	printf("IRQCTX-KCOV-BEGIN\n");
	kcov_remote_write(stdout);
	printf("IRQCTX-KCOV-END\n");
}

int guided_main(int argc, char **argv)
{
	const char *corpus_file = NULL, *regressions = NULL, *replay = NULL, *flight_file = NULL;
	static struct program loaded[MAX_CORPUS];
	int opt, plain = 0, fatal = 0, failures = 0, regressed = 0, bad = 0, n;
	long minutes = 0;
	int64_t start, end, next_stat;
	const char *re = getenv("IRQCTX_SPLATS");

	guide_rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	while ((opt = getopt(argc, argv, "s:n:p:t:vG:Rc:x:F:r:")) != -1) {
		switch (opt) {
		case 'G': minutes = strtol(optarg, NULL, 0); break;
		case 'R': plain = 1; break;
		case 'c': corpus_file = optarg; break;
		case 'x': regressions = optarg; break;
		case 'F': flight_file = optarg; break;
		case 'r': replay = optarg; break;
		case 's': guide_rng = strtoull(optarg, NULL, 0); break;
		default: break;	/* main's own */
		}
	}
	if (!replay && minutes < 1) {
		fprintf(stderr, "irqctx_fuzz: -G needs MINUTES >= 1 (or -r PROGRAMS)\n");
		return 3;
	}
	if (regcomp(&splats, re && *re ? re : DEFAULT_SPLATS, REG_EXTENDED | REG_NOSUB)) {
		printf("IRQCTX_SPLATS does not compile\n");
		return 3;
	}
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kmsg_fd < 0 || lseek(kmsg_fd, 0, SEEK_END) < 0)
		printf("IRQCTX-FUZZ: /dev/kmsg: %s: kernel reports not checked\n", strerror(errno));
	if (flight_file) {
		flight_fd = open(flight_file, O_WRONLY | O_NOCTTY | O_APPEND);
		if (flight_fd < 0)
			printf("IRQCTX-FUZZ: %s: %s: no flight record\n", flight_file, strerror(errno));
		else if (isatty(flight_fd)) {
			struct termios t;

			if (!tcgetattr(flight_fd, &t)) {
				cfmakeraw(&t);
				tcsetattr(flight_fd, TCSANOW, &t);
			}
		}
	}

	if (replay) {
		/* No coverage needed: kcov_remote_points() stays 0. */
		n = load(replay, loaded, MAX_CORPUS, &bad);
		if (n < 0 || bad) {
			printf("FAIL %s: %s\n", replay, n < 0 ? strerror(errno) : "a line is not a program");
			return 1;
		}
		for (int i = 0; i < n && !fatal; i++) {
			long got = run_one(&loaded[i], "check", &fatal);

			printf("replay %d of %d: %s\n", i + 1, n, got < 0 ? "FAILED" : "ok");
			failures += got < 0;
		}
		print_totals();
		printf("IRQCTX-FUZZ-DONE replayed=%d failures=%d\n", n, failures);
		return stuck_seen ? 2 : !!failures;
	}

	if (kcov_remote_open()) {
		printf("FAIL no KCOV (/sys/kernel/debug/kcov: %s): the guided fuzzer needs a kernel "
		       "with CONFIG_KCOV (the debug or kcsan variant)\n", strerror(errno));
		return 1;
	}
	start = now_s();
	end = start + minutes * 60;
	next_stat = start + STAT_EVERY_S;
	printf("IRQCTX-FUZZ: %s, %ld minutes, guide seed %llu\n",
	       plain ? "random programs (no guidance)" : "guided by coverage", minutes,
	       (unsigned long long)guide_rng);

	/* Failures found before: each must pass. */
	if (regressions) {
		n = load(regressions, loaded, MAX_CORPUS, &bad);
		if (n < 0 || bad) {
			printf("FAIL %s: %s\n", regressions, n < 0 ? strerror(errno) : "a line is not a program");
			return 1;
		}
		for (int i = 0; i < n && !fatal; i++)
			regressed += run_one(&loaded[i], "regression", &fatal) < 0;
		printf("IRQCTX-FUZZ: %d saved failures replayed, %d came back\n", n, regressed);
	}
	/* The corpus of earlier runs, run again: the coverage it reaches. */
	if (corpus_file && !plain && !fatal) {
		n = load(corpus_file, loaded, MAX_CORPUS, &bad);
		for (int i = 0; i < n && !fatal && now_s() < end; i++) {
			long got = run_one(&loaded[i], "check", &fatal);
			char text[PROG_TEXT];

			failures += got < 0;
			if (got < 0 || ncorpus >= MAX_CORPUS)
				continue;
			corpus[ncorpus++] = loaded[i];
			prog_format(&loaded[i], text, sizeof(text));
			printf("IRQCTX-FUZZ-CORPUS %s\n", text);
		}
		printf("IRQCTX-FUZZ: corpus of %d programs loaded (%d unreadable lines), %lu points, %lu edges\n",
		       ncorpus, bad, kcov_remote_points(), kcov_remote_edges());
	}

	while (!fatal && now_s() < end && failures < 20) {
		struct program p;
		long got;

		if (plain || !ncorpus || !pick(5))
			random_program(&p);
		else
			mutated(&p);
		got = run_one(&p, "check", &fatal);
		failures += got < 0;
		if (got > 0 && !plain && ncorpus < MAX_CORPUS) {
			char text[PROG_TEXT];

			corpus[ncorpus++] = p;
			prog_format(&p, text, sizeof(text));
			printf("IRQCTX-FUZZ-CORPUS %s\n", text);
		}
		if (now_s() >= next_stat) {
			stat_line(start, failures + regressed);
			next_stat += STAT_EVERY_S;
		}
	}
	stat_line(start, failures + regressed);
	kcov_remote_close();
	print_totals();
	print_points();
	printf("IRQCTX-FUZZ-DONE execs=%ld ops=%ld points=%lu edges=%lu corpus=%d failures=%d regressions=%d%s\n",
	       execs, ops_made, kcov_remote_points(), kcov_remote_edges(), ncorpus, failures, regressed,
	       fatal ? " (ended by a kernel report or a stuck call)" : "");
	return stuck_seen ? 2 : failures || regressed ? 1 : 0;
}
