// SPDX-License-Identifier: GPL-2.0
/*
 * irqctx_fuzz: random system calls on /dev/irqctx from several processes,
 * each result checked against Documentation/irqctx.rst.
 *
 *   irqctx_fuzz [-s SEED] [-n OPS] [-p PROCS] [-t SECONDS] [-v]
 *
 * (-v prints every operation before making it.)
 *
 *   irqctx_fuzz -G MINUTES [-R] [-c CORPUS] [-x PROGRAMS] [-F FLIGHT] [-s SEED]
 *   irqctx_fuzz -r PROGRAMS
 *
 * run programs of the same operations, guided by KCOV coverage, or replay
 * saved ones: fuzz_guide.c.
 *
 * Forks PROCS workers (default 4) that make OPS operations in all (default
 * 2000): valid and malformed commands (random bytes, NULs, numbers such as
 * 4294967296, -1, +5 or 007, blank lines, many commands in one write, writes
 * longer than 256 bytes, misuse= which must fail with EPERM), reads of
 * 0, 1, small, 400, large and huge sizes, reads and writes with bad
 * pointers, O_NONBLOCK toggles, poll and epoll with short timeouts, pread
 * and lseek, close and reopen, and SIGUSR1 to one another (handlers with
 * and without SA_RESTART) while they are blocked. A ticker process makes an
 * irq_work event every few milliseconds so that every blocking read has
 * something to wait for. Each worker is reproducible from SEED (printed;
 * -s reuses it); what the others do meanwhile depends on timing.
 *
 * Checks, per operation:
 *  - the errno is one the documentation lists for that call and that
 *    situation (EAGAIN only with O_NONBLOCK, EINVAL for a read only below
 *    400 bytes, EINTR only when a signal was handled and, for read,
 *    SA_RESTART was off, EPERM only for misuse=, ...); EFAULT only for bad
 *    pointers;
 *  - a write of valid commands succeeds whole (or, when a handled signal
 *    came between two commands, returns a short count that ends a line),
 *    a write with an invalid line
 *    fails with EINVAL, by the documentation's rules down to the edges (a
 *    tab or CR around a command, bh=bh,bh, bh=none,bh);
 *  - a read returns whole lines, each at most 400 bytes, either "lost=N" or
 *    a record, in the documented format when IRQCTX_LINE_RE gives it (the
 *    stress test passes lib.sh's LINE_RE), else "seq=N src=... stage="; on a file only this process reads, every seq is the
 *    previous one + 1, or + 1 + N after lost=N; POLLIN means the next read
 *    does not fail with EAGAIN; a read of 0 bytes returns 0 without
 *    sleeping;
 *  - every call returns: blocking calls run under alarm() (SIGALRM ends an
 *    interruptible sleep: reported as stuck), and the parent reports a
 *    worker whose operation has run for -t SECONDS (default 90; an
 *    uninterruptible sleep) with its state and kernel stack, then gives up.
 *    The default bounds (30 s, 90 s, both times IRQCTX_SLOWDOWN from the
 *    environment) are far above what any call needs.
 *
 * Prints the seed, one line per failure, and per operation the count of each
 * result. Exit status: 0 all fine, 1 a check failed, 2 a call got stuck,
 * 3 usage, 4 the module allows misuse (load it without allow_misuse=1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

#define DEV "/dev/irqctx"
#define MISUSE_LIST "/sys/kernel/debug/irqctx/misuse"
#define ALLOW_MISUSE "/sys/module/irqctx/parameters/allow_misuse"
#define STATS "/sys/kernel/debug/irqctx/stats"

#define MAX_WRITE 256		/* Documentation: at most 256 bytes */
#define MAX_COMMANDS 8		/* ... and at most 8 commands */
#define LINE_MAX_BYTES 400	/* any buffer of at least 400 bytes works */
#define MAX_PROCS 16
#define NPRIV 3			/* private files per worker */
#define HUGE_READ (1 << 20)
#define ALARM_S 30		/* bound of one blocking call, times IRQCTX_SLOWDOWN */
#define MAX_REPORTS 3		/* failure lines per kind and worker */
#define MAX_KINDS 48

/* ---- operations and results ---------------------------------------------- */

enum op {
	OP_WRITE_VALID, OP_WRITE_EDGE, OP_WRITE_INVALID, OP_WRITE_MISUSE,
	OP_WRITE_FAULT, OP_READ_0, OP_READ_1, OP_READ_SMALL, OP_READ_MAX_LINE,
	OP_READ_LARGE, OP_READ_HUGE, OP_READ_FAULT, OP_READ_SHARED,
	OP_NONBLOCK, OP_POLL, OP_EPOLL_WAIT, OP_EPOLL_CTL, OP_SEEK, OP_PREAD,
	OP_PWRITE, OP_SIGNAL, OP_SA_RESTART, OP_REOPEN, OP_TICK, NOPS
};

static const char *const op_names[NOPS] = {
	"write_valid", "write_edge", "write_invalid", "write_misuse",
	"write_badptr", "read_0", "read_1", "read_small", "read_max_line",
	"read_large", "read_huge", "read_badptr", "read_shared",
	"fcntl_nonblock", "poll", "epoll_wait", "epoll_ctl", "lseek", "pread",
	"pwrite", "kill_sigusr1", "sigaction", "close_reopen", "ticker_irq_work",
};

/* Results: success, then errnos, then anything else. */
static const int result_errnos[] = {
	EAGAIN, EINTR, EINVAL, EFAULT, EPERM, ENODEV, ETIMEDOUT, ESPIPE,
	EBUSY, ENOMEM, EIO, ESRCH, EEXIST, ENOENT, EBADF,
};
#define NERRNOS (int)(sizeof(result_errnos) / sizeof(result_errnos[0]))
#define NRESULTS (NERRNOS + 2)	/* ok, errnos..., other */

static const char *errno_name(int e)
{
	switch (e) {
	case EAGAIN: return "EAGAIN";
	case EINTR: return "EINTR";
	case EINVAL: return "EINVAL";
	case EFAULT: return "EFAULT";
	case EPERM: return "EPERM";
	case ENODEV: return "ENODEV";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ESPIPE: return "ESPIPE";
	case EBUSY: return "EBUSY";
	case ENOMEM: return "ENOMEM";
	case EIO: return "EIO";
	case ESRCH: return "ESRCH";
	case EEXIST: return "EEXIST";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	default: return "other";
	}
}

static int result_index(long ret, int err)
{
	if (ret >= 0)
		return 0;
	for (int i = 0; i < NERRNOS; i++)
		if (result_errnos[i] == err)
			return i + 1;
	return NRESULTS - 1;
}

/* ---- state shared with the parent ---------------------------------------- */

struct worker {
	volatile pid_t pid;
	volatile int ready, running, blocking;
	volatile long ops;
	volatile int64_t op_start_ns;	/* 0: between operations */
	char op[256];			/* what it is doing now */
	long counts[NOPS][NRESULTS];
	long other_errno[NOPS];		/* the last errno counted as "other" */
	long failures, stuck;
	long given_back;		/* EFAULT reads whose record came back */
	long pollin_reads;		/* blocking reads checked after POLLIN */
};

struct shared {
	volatile int go, stop;
	int nworkers;
	int quiet;			/* failure lines go to log */
	size_t log_len;
	char log[8192];
	struct worker w[MAX_PROCS + 1];	/* the last one is the ticker */
};

static struct shared *sh;
static struct worker *me;
/* The documented line format (lib.sh's LINE_RE, passed in the environment
 * as IRQCTX_LINE_RE): every record read must match it. */
static regex_t line_re;
static int have_line_re;

/* Edu devices bound when the run began: nothing unbinds one during it,
 * so ENODEV is right only without any. */
static int edu_bound;
/* PREEMPT_RT: the module's spinlocks are sleeping locks there, so a read
 * that waits for one counts a voluntary switch without waiting for data. */
static int preempt_rt;
static int my_id;
static int verbose;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- the generator: splitmix64, reproducible from the seed --------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	return splitmix64(&rng_state);
}

static unsigned int below(unsigned int n) { return n ? rnd() % n : 0; }
static int chance(unsigned int percent) { return below(100) < percent; }

/* ---- reporting ------------------------------------------------------------ */

/*
 * A failure line: to stdout, one write() per line (lines of different
 * workers do not mix), or, in a guided run, into the run's log, which the
 * guide prints with the program that made it.
 */
static void say(const char *line, size_t n)
{
	size_t at;

	if (!sh->quiet) {
		if (write(STDOUT_FILENO, line, n) < 0)
			_exit(1);
		return;
	}
	at = __atomic_fetch_add(&sh->log_len, n, __ATOMIC_RELAXED);
	if (at < sizeof(sh->log) - 1)
		memcpy(sh->log + at, line, at + n < sizeof(sh->log) - 1 ? n : sizeof(sh->log) - 1 - at);
}

/* Failures by kind (the message format): a frequent one must not hide the
 * others. */
static struct { const char *fmt; long n; } kinds[MAX_KINDS];

static void report(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n, k;

	me->failures++;
	for (k = 0; k < MAX_KINDS && kinds[k].fmt && kinds[k].fmt != fmt; k++)
		;
	if (k < MAX_KINDS) {
		kinds[k].fmt = fmt;
		if (++kinds[k].n > MAX_REPORTS)
			return;
	}
	n = snprintf(line, sizeof(line), "FAIL worker %d op %ld (%s): ", my_id, me->ops, me->op);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	say(line, n);
}

/* Printable excerpt of a buffer for a failure line. */
static const char *excerpt(const char *buf, size_t len)
{
	static char out[200];
	size_t o = 0;

	for (size_t i = 0; i < len && o < sizeof(out) - 5; i++) {
		unsigned char ch = buf[i];

		if (ch == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (ch < 32 || ch > 126) {
			o += snprintf(out + o, sizeof(out) - o, "\\x%02x", ch);
		} else {
			out[o++] = ch;
		}
	}
	out[o] = 0;
	return out;
}

/* ---- signals ---------------------------------------------------------- */

static volatile sig_atomic_t usr1_count, alarm_fired, term_seen;
static int sa_restart;		/* the current SIGUSR1 disposition */

static void on_usr1(int sig) { (void)sig; usr1_count++; }
static void on_alarm(int sig) { (void)sig; alarm_fired = 1; }

/* How much slower than the default test kernel this one runs (the
 * environment's IRQCTX_SLOWDOWN, as run_guest.sh sets it): the bounds on
 * calls scale with it. On PREEMPT_RT every irq_work is a thread's wake-up,
 * and four workers' bursts of up to 1000 each take turns. */
static unsigned int slowdown = 1;
static void on_term(int sig) { (void)sig; term_seen = 1; }

static void set_usr1(int restart)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = restart ? SA_RESTART : 0 };

	sigaction(SIGUSR1, &sa, NULL);
	sa_restart = restart;
}

static void install_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */

	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	set_usr1(chance(50));
}

/* ---- the command oracle ---------------------------------------------------- */

enum verdict { VALID, INVALID };

#define HAS_MISUSE 1		/* a misuse= line: EPERM */
#define HAS_EDU 2		/* raise= or factorial=: ENODEV, ETIMEDOUT */
#define HAS_IRQ_WORK 4		/* irq_work=: ETIMEDOUT? (sleeps) */

static char misuse_names[32][40];
static int nmisuse;

/* A number N of the documentation: plain decimal digits (leading zeros
 * too: 007 is 7). Signs, spaces, hex, exponents: invalid. */
static enum verdict number(const char *s, size_t len, unsigned long long lo, unsigned long long hi)
{
	unsigned long long v = 0;

	if (!len)
		return INVALID;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return INVALID;
		if (v > (hi + 1) * 10)	/* far out of range already */
			return INVALID;
		v = v * 10 + (s[i] - '0');
	}
	if (v < lo || v > hi)
		return INVALID;
	return VALID;
}

static enum verdict bottom_list(const char *s, size_t len)
{
	static const char *const names[] = { "workqueue", "bh", "thread" };
	size_t start = 0;

	if (len == 4 && !memcmp(s, "none", 4))
		return VALID;
	for (size_t i = 0; i <= len; i++) {
		size_t n;
		int k;

		if (i < len && s[i] != ',')
			continue;
		n = i - start;
		for (k = 0; k < 3; k++)
			if (strlen(names[k]) == n && !memcmp(s + start, names[k], n))
				break;
		if (k == 3)	/* unknown, empty or "none" among others */
			return INVALID;
		start = i + 1;
	}
	return VALID;
}

/* One command (line already trimmed): its verdict and flags. */
static enum verdict command(const char *s, size_t len, int *flags)
{
	const char *eq = memchr(s, '=', len);
	size_t klen, vlen;
	const char *val;

	if ((len == 5 && !memcmp(s, "start", 5)) || (len == 4 && !memcmp(s, "stop", 4)) ||
	    (len == 4 && !memcmp(s, "wake", 4)) ||
	    (len == 13 && !memcmp(s, "reset_latency", 13)))
		return VALID;
	if (!eq)
		return INVALID;
	klen = eq - s;
	val = eq + 1;
	vlen = len - klen - 1;
#define KEY(k) (klen == strlen(k) && !memcmp(s, k, klen))
	if (KEY("period_us"))
		return number(val, vlen, 100, 10000000);
	if (KEY("irq_work")) {
		*flags |= HAS_IRQ_WORK;
		return number(val, vlen, 1, 1000);
	}
	if (KEY("raise")) {
		*flags |= HAS_EDU;
		return number(val, vlen, 1, 1000);
	}
	if (KEY("factorial")) {
		*flags |= HAS_EDU;
		return number(val, vlen, 0, 12);
	}
	if (KEY("irqs_off"))
		return number(val, vlen, 1, 10000);
	if (KEY("bh"))
		return bottom_list(val, vlen);
	if (KEY("misuse")) {
		for (int i = 0; i < nmisuse; i++)
			if (strlen(misuse_names[i]) == vlen && !memcmp(val, misuse_names[i], vlen)) {
				*flags |= HAS_MISUSE;
				return VALID;
			}
		return INVALID;
	}
#undef KEY
	return INVALID;
}

/* What is trimmed around a command: spaces, tabs and carriage returns. */
static int blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

static void trim(const char **s, size_t *len)
{
	while (*len && blank(**s))
		(*s)++, (*len)--;
	while (*len && blank((*s)[*len - 1]))
		(*len)--;
}

/* The documented rules: one command per line, blank lines and the blanks
 * around a command ignored, 1 to 8 commands, at most 256 bytes; any invalid
 * line fails the whole write. */
static enum verdict classify(const char *buf, size_t len, int *flags)
{
	int commands = 0;
	size_t start = 0;

	*flags = 0;
	if (len > MAX_WRITE)
		return INVALID;
	for (size_t i = 0; i <= len; i++) {
		const char *s = buf + start;
		size_t n = i - start;

		if (i < len && buf[i] != '\n')
			continue;
		start = i + 1;
		trim(&s, &n);
		if (!n)
			continue;			/* a blank line */
		if (command(s, n, flags) == INVALID)
			return INVALID;
		commands++;
	}
	return commands >= 1 && commands <= MAX_COMMANDS ? VALID : INVALID;
}

/* ---- the command generator ------------------------------------------------- */

static size_t append(char *buf, size_t len, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (len >= cap)
		return len;
	va_start(ap, fmt);
	n = vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
	return n < 0 ? len : (len + n < cap ? len + n : cap - 1);
}

/* N as "%u", sometimes with leading zeros. */
static const char *num(unsigned int n)
{
	static char out[32];

	snprintf(out, sizeof(out), "%0*u", chance(10) ? 2 + (int)below(4) : 1, n);
	return out;
}

/* A count for irq_work=/raise=: mostly small, sometimes a boundary. */
static unsigned int burst(void)
{
	switch (below(20)) {
	case 0: return 1000;
	case 1: case 2: case 3: return 1;
	default: return 1 + below(10);
	}
}

static size_t valid_command(char *buf, size_t len, size_t cap)
{
	static const char *const bottoms[] = { "workqueue", "bh", "thread" };

	switch (below(15)) {
	case 0: case 1: return append(buf, len, cap, "start");
	case 2: return append(buf, len, cap, "stop");
	case 12: return append(buf, len, cap, "wake");
	case 13: return append(buf, len, cap, "reset_latency");
	case 14: return append(buf, len, cap, "irqs_off=%s", num(1 + below(200)));
	case 3: {
		static const unsigned int periods[] = { 100, 101, 500, 1000, 5000, 10000, 100000, 10000000 };

		return append(buf, len, cap, "period_us=%s",
			      num(chance(60) ? periods[below(8)] : 100 + below(100000)));
	}
	case 4: case 5: return append(buf, len, cap, "irq_work=%s", num(burst()));
	case 6: case 7: return append(buf, len, cap, "raise=%s", num(burst()));
	case 8: return append(buf, len, cap, "factorial=%s", num(below(13)));
	default:
		if (chance(20))
			return append(buf, len, cap, "bh=none");
		{
			int first = 1, mask = 1 + below(7);

			len = append(buf, len, cap, "bh=");
			for (int k = 0; k < 3; k++) {
				int b = (k + below(3)) % 3;

				if (!(mask & (1 << b)))
					continue;
				mask &= ~(1 << b);
				len = append(buf, len, cap, "%s%s", first ? "" : ",", bottoms[b]);
				first = 0;
			}
			if (first)
				len = append(buf, len, cap, "workqueue");
			return len;
		}
	}
}

static size_t spaces(char *buf, size_t len, size_t cap)
{
	for (unsigned int n = chance(70) ? 0 : 1 + below(3); n; n--)
		len = append(buf, len, cap, " ");
	return len;
}

/* 1..8 valid commands, with blank lines and spaces around them. */
static size_t valid_write(char *buf, size_t cap)
{
	unsigned int n = chance(50) ? 1 : 1 + below(MAX_COMMANDS);
	size_t len = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (chance(10))
			len = append(buf, len, cap, "%s\n", chance(50) ? "" : "  ");
		len = spaces(buf, len, cap);
		len = valid_command(buf, len, cap);
		len = spaces(buf, len, cap);
		if (i + 1 < n || chance(70))
			len = append(buf, len, cap, "\n");
	}
	return len;
}

/* Lines at the edges of the rules: blanks that are trimmed and white space
 * that is not, names given twice, "none" among others. */
static size_t edge_write(char *buf, size_t cap)
{
	static const char *const lines[] = {
		"\tstart", "stop\r", "irq_work=2\r", " \t\r wake", "\vstop", "\f wake",
		"stop\xc2\xa0", "bh=bh,bh", "bh=none,bh", "bh=workqueue,workqueue",
		"bh=thread,none", "bh=none,none",
	};

	return append(buf, 0, cap, "%s\n", lines[below(sizeof(lines) / sizeof(lines[0]))]);
}

static size_t invalid_line(char *buf, size_t len, size_t cap)
{
	static const char *const numbers[] = {
		"-1", "+5", "4294967296", "4294967295", "18446744073709551616",
		"99999999999999999999", "", " 5", "5 5", "0x10", "1e3", "5.0",
		"0", "1001", "-0", "++1", "5a", "\xff",
	};
	static const char *const lines[] = {
		"START", "Start", "start=1", "stop now", "starts", "stopp", "bh=",
		"bh=,", "bh=workqueue,", "bh=,bh", "bh=foo", "bh=none,", "bh=NONE",
		"misuse=", "misuse=nope", "=5", "irq_work", "irq_work==5",
		"irq_work =5", "irq_work= 5", "period_us=99", "period_us=10000001",
		"factorial=13", "raise=1001", "irq_work=0", "raise=0", "bogus",
		"start\tstop", "period_us=5000\x01", "wake=1", "WAKE", "wakeup",
		"irqs_off=0", "irqs_off=10001", "reset_latency=1", "reset",
	};
	static const char *const keys[] = { "period_us", "irq_work", "raise", "factorial", "irqs_off" };

	switch (below(4)) {
	case 0: case 1:
		return append(buf, len, cap, "%s=%s", keys[below(5)],
			      numbers[below(sizeof(numbers) / sizeof(numbers[0]))]);
	case 2:
		return append(buf, len, cap, "%s", lines[below(sizeof(lines) / sizeof(lines[0]))]);
	default: {
		/* A valid command with a NUL in place of one of its bytes. */
		size_t start = len;

		len = valid_command(buf, len, cap);
		if (len > start)
			buf[start + below(len - start)] = 0;
		return len;
	}
	}
}

/* Malformed writes: the oracle, not the generator, decides what they are. */
static size_t malformed_write(char *buf, size_t cap)
{
	size_t len = 0;

	switch (below(8)) {
	case 0: {				/* random bytes */
		size_t n = chance(80) ? below(64) : below(400);

		for (size_t i = 0; i < n && i < cap; i++)
			buf[i] = chance(20) ? "\n\0 =,"[below(5)] : (char)rnd();
		return n < cap ? n : cap;
	}
	case 1:					/* nothing, or only blank lines */
		for (unsigned int n = below(4); n; n--)
			len = append(buf, len, cap, "%s\n", chance(50) ? "" : "   ");
		return len;
	case 2:					/* 9..12 valid commands */
		for (unsigned int n = MAX_COMMANDS + 1 + below(4); n; n--) {
			len = valid_command(buf, len, cap);
			len = append(buf, len, cap, "\n");
		}
		return len;
	case 3: {				/* 257..600 bytes, valid commands padded */
		size_t want = MAX_WRITE + 1 + (chance(50) ? 0 : below(344));

		len = valid_command(buf, 0, cap);
		while (len < want && len < cap - 1)
			buf[len++] = chance(50) ? ' ' : '\n';
		return len;
	}
	default:				/* valid lines around an invalid one */
		for (unsigned int n = below(3); n; n--) {
			len = valid_command(buf, len, cap);
			len = append(buf, len, cap, "\n");
		}
		len = spaces(buf, len, cap);
		len = invalid_line(buf, len, cap);
		if (chance(50)) {
			len = append(buf, len, cap, "\n");
			len = valid_command(buf, len, cap);
		}
		return len;
	}
}

/* Exactly 256 bytes (valid) or 257 (too long): commands padded with spaces. */
static size_t boundary_write(char *buf, size_t cap, size_t want)
{
	size_t len = valid_command(buf, 0, cap);

	len = append(buf, len, cap, "\n");
	while (len < want - 1)
		buf[len++] = ' ';
	buf[len++] = '\n';
	return len;
}

/* ---- files ---------------------------------------------------------------- */

struct priv {
	int fd;
	int nonblock;
	uint64_t next;		/* seq this reader must get next; 0: unknown */
	uint64_t lost;		/* a read that ended with lost=N: N */
	int pollin;		/* poll said POLLIN; no read since */
	int in_epoll;
	uint32_t gen;
};

static struct priv priv[NPRIV];
static int shared_fd = -1, epfd = -1;
static uint64_t shared_last;	/* last seq this process read from shared_fd */
static uint32_t generation;
static char *big;		/* HUGE_READ bytes */

static void open_priv(struct priv *p)
{
	p->nonblock = chance(30);
	p->fd = open(DEV, O_RDWR | (p->nonblock ? O_NONBLOCK : 0));
	p->next = 0;
	p->lost = 0;
	p->pollin = 0;
	p->in_epoll = 0;
	p->gen = ++generation;
	if (p->fd < 0)
		report("open: %s", strerror(errno));
}

/* ---- one operation ---------------------------------------------------------- */

struct call {
	enum op op;
	long ret;
	int err;
	sig_atomic_t usr1_before;
	int restart;		/* SA_RESTART at the call */
};

static void begin(struct call *c, enum op op, int blocking, const char *fmt, ...)
{
	va_list ap;

	c->op = op;
	c->usr1_before = usr1_count;
	c->restart = sa_restart;
	va_start(ap, fmt);
	vsnprintf(me->op, sizeof(me->op), fmt, ap);
	va_end(ap);
	if (verbose)
		dprintf(STDOUT_FILENO, "worker %d op %ld: %s\n", my_id, me->ops, me->op);
	alarm_fired = 0;
	me->blocking = blocking;
	__atomic_store_n(&me->op_start_ns, now_ns(), __ATOMIC_RELEASE);
	alarm(ALARM_S * slowdown);
}

static void end(struct call *c, long ret)
{
	c->ret = ret;
	c->err = ret < 0 ? errno : 0;
	alarm(0);
	me->blocking = 0;
	__atomic_store_n(&me->op_start_ns, 0, __ATOMIC_RELEASE);
	me->counts[c->op][result_index(ret, c->err)]++;
	if (result_index(ret, c->err) == NRESULTS - 1)
		me->other_errno[c->op] = c->err;
	if (alarm_fired) {
		me->stuck++;
		report("stuck: still in the call after %d s (returned %ld, %s)",
		       ALARM_S * slowdown, ret, ret < 0 ? errno_name(c->err) : "ok");
	}
}

static int signalled(const struct call *c) { return usr1_count != c->usr1_before; }

/* EINTR is right only if a handler ran and, for calls that restart,
 * SA_RESTART was off. */
static int eintr_ok(const struct call *c, int restartable)
{
	return !alarm_fired && signalled(c) && !(restartable && c->restart);
}

static void bad_errno(const struct call *c, const char *what)
{
	report("%s: errno %d %s (%s) is not documented for this call here%s%s",
	       op_names[c->op], c->err, errno_name(c->err), strerror(c->err),
	       what ? ": " : "", what ? what : "");
}

/* A call that alarm() ended was reported as stuck: nothing more to check. */
static int ended_by_alarm(const struct call *c)
{
	return c->ret < 0 && c->err == EINTR && alarm_fired;
}

/* ---- writes ---------------------------------------------------------------- */

static int write_fd(void)
{
	int i = below(NPRIV + 1);

	if (i == NPRIV || priv[i].fd < 0)
		return shared_fd;
	return priv[i].fd;
}

static void check_write(struct call *c, const char *buf, size_t len, enum verdict v, int flags)
{
	if (ended_by_alarm(c))
		return;
	if (c->ret >= 0) {
		/* A short count: a signal came between two commands, and the
		 * count ends with the last line carried out. */
		if ((size_t)c->ret != len &&
		    !(v == VALID && signalled(c) && c->ret > 0 && (size_t)c->ret < len &&
		      buf[c->ret - 1] == '\n'))
			report("write of %zu bytes returned %ld: \"%s\"", len, c->ret, excerpt(buf, len));
		else if (v == INVALID)
			report("invalid write accepted: \"%s\"", excerpt(buf, len));
		else if (flags & HAS_MISUSE)
			report("misuse= accepted without allow_misuse: \"%s\"", excerpt(buf, len));
		return;
	}
	switch (c->err) {
	case EINVAL:
		if (v == VALID)
			report("valid write rejected (EINVAL): \"%s\"", excerpt(buf, len));
		return;
	case EPERM:
		if (v == INVALID || !(flags & HAS_MISUSE))
			report("EPERM without a valid misuse= line: \"%s\"", excerpt(buf, len));
		return;
	case ENODEV:
		if (v == INVALID || !(flags & HAS_EDU))
			report("ENODEV without raise=/factorial=: \"%s\"", excerpt(buf, len));
		else if (edu_bound)
			report("ENODEV with %d edu device(s) bound: \"%s\"", edu_bound, excerpt(buf, len));
		return;
	case ETIMEDOUT:
		/* Documented for an edu interrupt that did not come within a
		 * second: with the devices bound and working, a lost one. An
		 * irq_work cannot time out at all. */
		report("ETIMEDOUT: an interrupt lost (%s): \"%s\"",
		       flags & HAS_EDU ? "an edu interrupt did not come within 1 s" : "irq_work cannot time out",
		       excerpt(buf, len));
		return;
	case EINTR:
		/* Only the first command can end the write on a signal, while
		 * it waits for its turn, before it triggered anything:
		 * ERESTARTSYS, EINTR without SA_RESTART. Once triggered, a
		 * burst ends only on a fatal signal (which no worker survives);
		 * between commands a signal gives a short count. */
		if (v == INVALID || !eintr_ok(c, 1))
			report("EINTR without a signal%s: \"%s\"",
			       c->restart ? " or with SA_RESTART" : "", excerpt(buf, len));
		return;
	default:
		bad_errno(c, excerpt(buf, len));
	}
}

static void op_write(void)
{
	char buf[700];
	size_t len;
	enum op op;
	enum verdict v;
	int flags, edge = 0, fd = write_fd();
	struct call c;
	unsigned int kind = below(100);

	if (kind < 45) {
		len = valid_write(buf, sizeof(buf));
	} else if (kind < 50) {
		len = boundary_write(buf, sizeof(buf), chance(50) ? MAX_WRITE : MAX_WRITE + 1);
	} else if (kind < 57) {
		len = edge_write(buf, sizeof(buf));
		edge = 1;
	} else if (kind < 64) {
		/* misuse=NAME, maybe after other commands: EPERM */
		len = 0;
		if (chance(40)) {
			len = valid_command(buf, 0, sizeof(buf));
			len = append(buf, len, sizeof(buf), "\n");
		}
		len = append(buf, len, sizeof(buf), "misuse=%s\n", misuse_names[below(nmisuse)]);
	} else {
		len = malformed_write(buf, sizeof(buf));
	}
	v = classify(buf, len, &flags);
	op = flags & HAS_MISUSE && v != INVALID ? OP_WRITE_MISUSE :
	     edge ? OP_WRITE_EDGE : v == VALID ? OP_WRITE_VALID : OP_WRITE_INVALID;
	begin(&c, op, 1, "%s fd=%d len=%zu \"%s\"", op_names[op], fd, len, excerpt(buf, len));
	end(&c, write(fd, buf, len));
	check_write(&c, buf, len, v, flags);
}

static void op_write_fault(void)
{
	static const size_t lens[] = { 0, 1, 10, MAX_WRITE, MAX_WRITE + 1, 100000 };
	size_t len = lens[below(6)];
	void *ptr = chance(50) ? NULL : (void *)8;
	int fd = write_fd();
	struct call c;

	begin(&c, OP_WRITE_FAULT, 1, "write fd=%d buf=%p len=%zu", fd, ptr, len);
	end(&c, write(fd, ptr, len));
	if (ended_by_alarm(&c))
		return;
	if (c.ret >= 0)
		report("write from a bad pointer returned %ld", c.ret);
	/* EINVAL for a length refused before the copy (none, or too long). */
	else if (c.err != (len > 0 && len <= MAX_WRITE ? EFAULT : EINVAL))
		bad_errno(&c, NULL);
}

/* ---- reads ---------------------------------------------------------------- */

static long nvcsw(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_nvcsw;
}

/* Checks the lines one read returned; p is NULL for the shared file. */
static void check_lines(struct call *c, struct priv *p, char *buf, size_t n, size_t count)
{
	/* A read may end with lost=N when the next record does not fit. */
	uint64_t pending_lost = p ? p->lost : 0;
	size_t start = 0;

	if (n > count) {
		report("read of %zu bytes returned %zu", count, n);
		return;
	}
	if (buf[n - 1] != '\n') {
		report("read returned part of a line: \"%s\"", excerpt(buf + (n > 80 ? n - 80 : 0), n > 80 ? 80 : n));
		return;
	}
	while (start < n) {
		char *line = buf + start, *nl = memchr(line, '\n', n - start);
		size_t len = nl - line;
		unsigned long long seq, lost;
		char src[16];

		start += len + 1;
		if (len + 1 > LINE_MAX_BYTES)
			report("a line of %zu bytes (more than %d with its newline)", len, LINE_MAX_BYTES - 1);
		*nl = 0;
		if (sscanf(line, "lost=%llu", &lost) == 1 && !strchr(line, ' ') && lost > 0) {
			pending_lost += lost;
			continue;
		}
		if (sscanf(line, "seq=%llu src=%15s stage=", &seq, src) != 2 ||
		    (strcmp(src, "hrtimer") && strcmp(src, "irq_work") && strcmp(src, "edu"))) {
			report("not a record: \"%s\"", excerpt(line, len));
			continue;
		}
		if (have_line_re && regexec(&line_re, line, 0, NULL, 0))
			report("not in the line format: \"%s\"", excerpt(line, len));
		if (p) {
			if (p->next && seq != p->next + pending_lost)
				report("fd %d: seq=%llu, expected %llu (lost=%llu before it)",
				       p->fd, seq, (unsigned long long)(p->next + pending_lost),
				       (unsigned long long)pending_lost);
			p->next = seq + 1;
		} else {
			if (seq <= shared_last)
				report("shared fd: seq=%llu after seq=%llu", seq, (unsigned long long)shared_last);
			shared_last = seq;
		}
		pending_lost = 0;
	}
	if (p)
		p->lost = pending_lost;
	(void)c;
}

/* EINVAL said the next line does not fit in count bytes: read it (there
 * is one, so this does not block) and see. */
static void einval_follow_up(struct priv *p, size_t count)
{
	static char buf[LINE_MAX_BYTES];
	struct call c;
	char *nl;

	begin(&c, OP_READ_MAX_LINE, 1, "read private fd=%d count=%d after EINVAL for %zu", p->fd,
	      LINE_MAX_BYTES, count);
	end(&c, read(p->fd, buf, sizeof(buf)));
	if (ended_by_alarm(&c))
		return;
	if (c.ret <= 0) {
		report("after EINVAL for %zu bytes, a read of %d returned %ld %s", count,
		       LINE_MAX_BYTES, c.ret, c.ret < 0 ? errno_name(c.err) : "");
		return;
	}
	nl = memchr(buf, '\n', c.ret);
	/* A record overwritten meanwhile comes back as a (short) lost= line. */
	if (nl && !strncmp(buf, "seq=", 4) && (size_t)(nl - buf + 1) <= count)
		report("EINVAL for %zu bytes, but the next line has %zu", count, (size_t)(nl - buf + 1));
	check_lines(&c, p, buf, c.ret, sizeof(buf));
	p->pollin = 0;
}

static void op_read(void)
{
	static char small[LINE_MAX_BYTES + 64];
	int which = below(NPRIV + 1), shared = which == NPRIV || priv[which].fd < 0;
	struct priv *p = shared ? NULL : &priv[which];
	int fd = shared ? shared_fd : p->fd;
	unsigned int kind = below(100);
	size_t count;
	enum op op;
	char *buf = small;
	long sw;
	struct call c;

	if (kind < 8) {
		count = 0, op = OP_READ_0;
	} else if (kind < 15) {
		count = 1, op = OP_READ_1;
	} else if (kind < 30) {
		count = 2 + below(LINE_MAX_BYTES - 2), op = OP_READ_SMALL;
	} else if (kind < 45) {
		count = LINE_MAX_BYTES, op = OP_READ_MAX_LINE;
	} else if (kind < 85) {
		count = chance(50) ? 4096 : LINE_MAX_BYTES + below(65536), op = OP_READ_LARGE;
		buf = big;
	} else {
		count = HUGE_READ, op = OP_READ_HUGE;
		buf = big;
	}
	if (shared)
		op = OP_READ_SHARED;
	begin(&c, op, 1, "read %s fd=%d count=%zu nonblock=%d", shared ? "shared" : "private",
	      fd, count, shared ? -1 : p->nonblock);
	{
		/* Only the read between the two samples: no page fault of ours. */
		long before = nvcsw(), ret = read(fd, buf, count);
		int err = errno;

		sw = nvcsw() - before;
		errno = err;
		end(&c, ret);
	}

	/* On any file, shared or not: it has nothing to wait for, not even
	 * a co-reader, and so no signal to see. */
	if (count == 0 && sw > 0)
		report("a read of 0 bytes slept (%ld voluntary context switches), returned %ld %s",
		       sw, c.ret, c.ret < 0 ? errno_name(c.err) : "");
	if (count == 0 && c.ret != 0)
		report("a read of 0 bytes returned %ld %s, not 0", c.ret, c.ret < 0 ? errno_name(c.err) : "");
	if (ended_by_alarm(&c))
		return;
	/* POLLIN promised a read that does not block; only this process
	 * reads a private file, so nothing took the record meanwhile. */
	if (p && p->pollin && !p->nonblock && count) {
		me->pollin_reads++;
		if (sw > 0 && !preempt_rt)
			report("a read after POLLIN slept (%ld voluntary context switches), returned %ld %s",
			       sw, c.ret, c.ret < 0 ? errno_name(c.err) : "");
	}
	if (c.ret > 0) {
		check_lines(&c, p, buf, c.ret, count);
		if (p)
			p->pollin = 0;
		return;
	}
	if (c.ret == 0) {
		if (count)
			report("read of %zu bytes returned 0 (end of file)", count);
		return;
	}
	switch (c.err) {
	case EAGAIN:
		if (!p || !p->nonblock)
			report("EAGAIN on a blocking file");
		else if (p->pollin)
			report("EAGAIN right after poll reported POLLIN");
		return;
	case EINVAL:
		if (count >= LINE_MAX_BYTES)
			report("EINVAL for a %zu-byte buffer (at least %d always works)", count, LINE_MAX_BYTES);
		else if (p && count)
			einval_follow_up(p, count);
		return;
	case EINTR:
		if (!eintr_ok(&c, 1))
			report("EINTR without a signal (or with SA_RESTART %s)", c.restart ? "on" : "off");
		return;
	default:
		bad_errno(&c, NULL);
	}
}

/* EFAULT gave the record back: on a private file (only this process reads
 * it) the next read gets it at once, and with the file's position known,
 * the very sequence number that faulted. */
static void given_back_follow_up(struct priv *p)
{
	static char buf[LINE_MAX_BYTES];
	struct call c;
	long before, sw;
	int err;

	begin(&c, OP_READ_MAX_LINE, 1, "read private fd=%d count=%d after EFAULT", p->fd,
	      LINE_MAX_BYTES);
	memset(buf, 0, sizeof(buf));	/* no page fault of ours in the read */
	before = nvcsw();
	c.ret = read(p->fd, buf, sizeof(buf));
	err = errno;
	sw = nvcsw() - before;
	errno = err;
	end(&c, c.ret);
	if (ended_by_alarm(&c))
		return;
	me->given_back++;
	if (c.ret <= 0) {
		report("after EFAULT, a read of %d returned %ld %s: the record was not given back",
		       LINE_MAX_BYTES, c.ret, c.ret < 0 ? errno_name(c.err) : "");
		return;
	}
	if (sw > 0 && !preempt_rt)
		report("after EFAULT, the next read slept (%ld voluntary context switches): the record was not given back (expected seq=%llu, got \"%s\")",
		       sw, (unsigned long long)p->next, excerpt(buf, c.ret));
	check_lines(&c, p, buf, c.ret, sizeof(buf));
	p->pollin = 0;
}

static void op_read_fault(void)
{
	int which = below(NPRIV + 1), shared = which == NPRIV || priv[which].fd < 0;
	struct priv *p = shared ? NULL : &priv[which];
	int fd = shared ? shared_fd : p->fd;
	/* A count beyond the address space fails access_ok() at once. */
	size_t count = chance(30) ? SIZE_MAX / 2 : chance(50) ? 4096 : 100;
	void *ptr = count == SIZE_MAX / 2 ? big : chance(50) ? NULL : (void *)8;
	struct call c;

	begin(&c, OP_READ_FAULT, 1, "read fd=%d buf=%p count=%zu", fd, ptr, count);
	end(&c, read(fd, ptr, count));
	if (ended_by_alarm(&c))
		return;
	if (c.ret >= 0) {
		report("read into a bad buffer returned %ld", c.ret);
		return;
	}
	switch (c.err) {
	case EFAULT:
		/* A count beyond the address space fails vfs_read()'s
		 * access_ok() before the module sees the read; otherwise the
		 * copy faulted and the record is given back (documented). */
		if (p && count != SIZE_MAX / 2)
			given_back_follow_up(p);
		return;
	case EAGAIN:
		if (!p || !p->nonblock)
			report("EAGAIN on a blocking file");
		return;
	case EINVAL:
		if (count >= LINE_MAX_BYTES)
			report("EINVAL for a %zu-byte buffer", count);
		return;
	case EINTR:
		if (!eintr_ok(&c, 1))
			report("EINTR without a signal (or with SA_RESTART %s)", c.restart ? "on" : "off");
		return;
	default:
		bad_errno(&c, NULL);
	}
}

/* ---- the rest ---------------------------------------------------------------- */

static void op_nonblock(void)
{
	struct priv *p = &priv[below(NPRIV)];
	struct call c;
	int fl;

	if (p->fd < 0)
		return;
	begin(&c, OP_NONBLOCK, 0, "fcntl fd=%d O_NONBLOCK %d -> %d", p->fd, p->nonblock, !p->nonblock);
	fl = fcntl(p->fd, F_GETFL);
	if (fl >= 0)
		fl = fcntl(p->fd, F_SETFL, p->nonblock ? fl & ~O_NONBLOCK : fl | O_NONBLOCK);
	end(&c, fl);
	if (c.ret < 0)
		bad_errno(&c, NULL);
	else
		p->nonblock = !p->nonblock;
}

static void op_poll(void)
{
	struct pollfd pfd[NPRIV + 1];
	int idx[NPRIV + 1], n = 0, timeout = chance(30) ? 0 : 1 + below(20);
	struct call c;

	for (int i = 0; i < NPRIV; i++)
		if (priv[i].fd >= 0) {
			pfd[n] = (struct pollfd){ .fd = priv[i].fd, .events = POLLIN };
			idx[n++] = i;
		}
	pfd[n] = (struct pollfd){ .fd = shared_fd, .events = POLLIN };
	idx[n++] = -1;
	begin(&c, OP_POLL, 1, "poll %d files, timeout %d ms", n, timeout);
	end(&c, poll(pfd, n, timeout));
	if (ended_by_alarm(&c))
		return;
	if (c.ret < 0) {
		if (!(c.err == EINTR && eintr_ok(&c, 0)))
			bad_errno(&c, NULL);
		return;
	}
	for (int i = 0; i < n; i++) {
		if (pfd[i].revents & ~(POLLIN | POLLRDNORM))
			report("poll revents 0x%x on fd %d", pfd[i].revents, pfd[i].fd);
		if (idx[i] >= 0 && (pfd[i].revents & POLLIN))
			priv[idx[i]].pollin = 1;
	}
}

static void op_epoll_ctl(void)
{
	struct priv *p = &priv[below(NPRIV)];
	struct epoll_event ev = { .events = EPOLLIN };
	struct call c;

	if (p->fd < 0)
		return;
	ev.data.u64 = ((uint64_t)p->gen << 32) | (uint32_t)(p - priv);
	begin(&c, OP_EPOLL_CTL, 0, "epoll_ctl %s fd=%d", p->in_epoll ? "DEL" : "ADD", p->fd);
	end(&c, epoll_ctl(epfd, p->in_epoll ? EPOLL_CTL_DEL : EPOLL_CTL_ADD, p->fd, &ev));
	if (c.ret < 0)
		bad_errno(&c, NULL);
	else
		p->in_epoll = !p->in_epoll;
}

static void op_epoll_wait(void)
{
	struct epoll_event ev[NPRIV];
	int timeout = chance(30) ? 0 : 1 + below(20);
	struct call c;

	begin(&c, OP_EPOLL_WAIT, 1, "epoll_wait timeout %d ms", timeout);
	end(&c, epoll_wait(epfd, ev, NPRIV, timeout));
	if (ended_by_alarm(&c))
		return;
	if (c.ret < 0) {
		if (!(c.err == EINTR && eintr_ok(&c, 0)))
			bad_errno(&c, NULL);
		return;
	}
	for (int i = 0; i < c.ret; i++) {
		uint32_t slot = (uint32_t)ev[i].data.u64, gen = ev[i].data.u64 >> 32;

		if (ev[i].events & ~(EPOLLIN | EPOLLRDNORM))
			report("epoll events 0x%x", ev[i].events);
		if (slot < NPRIV && priv[slot].gen == gen && priv[slot].fd >= 0 && (ev[i].events & EPOLLIN))
			priv[slot].pollin = 1;
	}
}

/* lseek, pread and pwrite: the device is a stream (ESPIPE), whatever the
 * offset; a pwrite of a valid command changes nothing. */
static void op_seek(void)
{
	static const char *const names[] = { "lseek", "pread", "pwrite" };
	struct priv *p = &priv[below(NPRIV)];
	int fd = p->fd >= 0 ? p->fd : shared_fd, which = below(3);
	char buf[LINE_MAX_BYTES];
	struct call c;

	if (which == 1) {
		begin(&c, OP_PREAD, 1, "pread fd=%d", fd);
		end(&c, pread(fd, buf, sizeof(buf), 0));
	} else if (which == 2) {
		begin(&c, OP_PWRITE, 0, "pwrite fd=%d", fd);
		end(&c, pwrite(fd, "irq_work=1\n", 11, below(2) ? 0 : 100));
	} else {
		begin(&c, OP_SEEK, 0, "lseek fd=%d", fd);
		end(&c, lseek(fd, below(2) ? 0 : 100, below(2) ? SEEK_SET : SEEK_CUR));
	}
	if (ended_by_alarm(&c))
		return;
	if (c.ret >= 0)
		report("%s on a stream returned %ld", names[which], c.ret);
	else if (c.err != ESPIPE)
		bad_errno(&c, NULL);
}

static void op_signal(void)
{
	int targets[MAX_PROCS], nt = 0, blocked[MAX_PROCS], nb = 0, t;
	struct call c;

	for (int i = 0; i < sh->nworkers; i++) {
		if (i == my_id || !sh->w[i].running)
			continue;
		targets[nt++] = i;
		if (sh->w[i].blocking)
			blocked[nb++] = i;
	}
	if (!nt)
		return;
	/* Mostly at one that is blocked in a call right now. */
	t = nb && chance(75) ? blocked[below(nb)] : targets[below(nt)];
	begin(&c, OP_SIGNAL, 0, "kill(worker %d, SIGUSR1)", t);
	end(&c, kill(sh->w[t].pid, SIGUSR1));
	if (c.ret < 0 && c.err != ESRCH)
		bad_errno(&c, NULL);
}

static void op_sigaction(void)
{
	struct call c;

	begin(&c, OP_SA_RESTART, 0, "SIGUSR1 handler, SA_RESTART %d", !sa_restart);
	set_usr1(!sa_restart);
	end(&c, 0);
}

static void op_reopen(void)
{
	struct priv *p = &priv[below(NPRIV)];
	struct call c;

	begin(&c, OP_REOPEN, 0, "close fd=%d and open", p->fd);
	if (p->fd >= 0)
		close(p->fd);	/* also leaves the epoll set */
	open_priv(p);
	end(&c, p->fd);
}

/* ---- processes ---------------------------------------------------------------- */

/* The actions of a step, and how often a random one takes each (percent). */
const struct action actions[] = {
	{ "write", op_write, 28 },
	{ "write_badptr", op_write_fault, 3 },
	{ "read", op_read, 27 },
	{ "read_badptr", op_read_fault, 3 },
	{ "nonblock", op_nonblock, 4 },
	{ "poll", op_poll, 7 },
	{ "epoll_ctl", op_epoll_ctl, 4 },
	{ "epoll_wait", op_epoll_wait, 6 },
	{ "lseek", op_seek, 3 },
	{ "signal", op_signal, 8 },
	{ "sigaction", op_sigaction, 3 },
	{ "reopen", op_reopen, 4 },
};
const unsigned int nactions = sizeof(actions) / sizeof(actions[0]);

unsigned int action_at(unsigned int r)
{
	unsigned int i;

	for (i = 0; i + 1 < nactions && r >= actions[i].weight; i++)
		r -= actions[i].weight;
	return i;
}

/* What the workers of a program run do (NULL: random operations). */
static const struct program *prog;

static void worker(int id, uint64_t seed, long ops)
{
	my_id = id;
	me = &sh->w[id];
	rng_state = prog ? prog->init[id] : seed ^ (0x9e3779b97f4a7c15ULL * (id + 1));
	install_handlers();
	big = malloc(HUGE_READ);
	if (!big)
		_exit(1);
	memset(big, 0, HUGE_READ);	/* no page faults inside reads */
	epfd = epoll_create1(0);
	for (int i = 0; i < NPRIV; i++)
		open_priv(&priv[i]);
	memset(me->counts, 0, sizeof(me->counts));	/* fault the counters in now */
	me->pid = getpid();
	me->ready = 1;
	me->running = 1;
	while (!sh->go)
		usleep(1000);

	for (me->ops = 0; me->ops < ops && !term_seen; me->ops++) {
		if (prog) {
			const struct step *s = &prog->steps[id][me->ops];

			rng_state = s->seed;
			actions[s->action].run();
		} else {
			actions[action_at(below(100))].run();
		}
	}
	me->running = 0;
	snprintf(me->op, sizeof(me->op), "finished");
	for (int k = 0; k < MAX_KINDS && kinds[k].fmt; k++)
		if (kinds[k].n > MAX_REPORTS) {
			char line[512];
			int n = snprintf(line, sizeof(line), "FAIL worker %d: %ld more like: %s\n",
					 my_id, kinds[k].n - MAX_REPORTS, kinds[k].fmt);

			say(line, n < (int)sizeof(line) ? n : (int)sizeof(line) - 1);
		}
	_exit(0);
}

/* One irq_work event every few ms, so that blocking reads always end. */
static void ticker(int id)
{
	struct call c;
	int fd;

	my_id = id;
	me = &sh->w[id];
	install_handlers();
	fd = open(DEV, O_RDWR);
	if (fd < 0) {
		report("ticker: open: %s", strerror(errno));
		_exit(1);
	}
	me->pid = getpid();
	me->ready = me->running = 1;
	while (!sh->stop && !term_seen) {
		begin(&c, OP_TICK, 1, "ticker: irq_work=1");
		end(&c, write(fd, "irq_work=1\n", 11));
		/* Workers signal the ticker too: waiting for its turn behind
		 * their bursts, it can get EINTR like any writer. */
		if (c.ret < 0 && !ended_by_alarm(&c) &&
		    !(c.err == EINTR && (term_seen || eintr_ok(&c, 0))))
			bad_errno(&c, NULL);
		usleep(3000);
	}
	me->running = 0;
	_exit(0);
}

/* ---- the parent ---------------------------------------------------------------- */

/* The misuse cases' names, from the module's table: 0, or -1 if it cannot
 * be read (then misuse= writes would test names the module may not have). */
static int load_misuse_names(void)
{
	FILE *f = fopen(MISUSE_LIST, "r");
	char line[512], name[40];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && nmisuse < 32)
		if (sscanf(line, "%39[a-z_] context=", name) == 1 && strstr(line, " context="))
			snprintf(misuse_names[nmisuse++], sizeof(misuse_names[0]), "%s", name);
	fclose(f);
	return nmisuse ? 0 : -1;
}

/* How many edu devices the statistics say are bound. */
static int count_edu_bound(void)
{
	FILE *f = fopen(STATS, "r");
	char line[256];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += !strncmp(line, "edu=bound ", 10);
	fclose(f);
	return n;
}

static void show_stuck(int i, int64_t secs)
{
	char path[64], buf[4096];
	FILE *f;
	size_t n;

	printf("STUCK worker %d pid %d: \"%s\" for %lld s\n", i, sh->w[i].pid, sh->w[i].op, (long long)secs);
	for (const char *const *what = (const char *const[]){ "stat", "wchan", "stack", NULL }; *what; what++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", sh->w[i].pid, *what);
		f = fopen(path, "r");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = 0;
		fclose(f);
		printf("  %s: %s%s", *what, buf, n && buf[n - 1] == '\n' ? "" : "\n");
	}
}

/* Every run's results, summed. */
static long totals[NOPS][NRESULTS], other[NOPS];
static long total_failures, stuck_calls, total_ops, given_back, pollin_reads;
static long stuck_s;

enum run_result run_workers(const struct program *p, int procs, uint64_t seed, long ops,
			    char *log, size_t log_size)
{
	int nchildren, live, stuck = 0;
	long failures = 0, made = 0, asked = 0;
	sigset_t chld;

	prog = p;
	if (p)
		procs = p->nprocs;
	memset(sh, 0, sizeof(*sh));
	sh->nworkers = procs;
	sh->quiet = log != NULL;
	shared_fd = open(DEV, O_RDWR);	/* one open file all workers read */
	if (shared_fd < 0) {
		printf("FAIL open " DEV ": %s\n", strerror(errno));
		return RUN_FAILED;
	}

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	for (int i = 0; i <= procs; i++) {
		long mine = p ? (i < procs ? p->nsteps[i] : 0) : ops / procs + (i < ops % procs);
		pid_t pid;

		if (i < procs)
			asked += mine;
		pid = fork();
		if (pid < 0) {
			printf("FAIL fork: %s\n", strerror(errno));
			exit(1);
		}
		if (pid == 0) {
			sigprocmask(SIG_UNBLOCK, &chld, NULL);
			if (i == procs)
				ticker(i);
			worker(i, seed, mine);
		}
		sh->w[i].pid = pid;
	}
	nchildren = live = procs + 1;
	/* Everyone has its handlers before anyone signals anyone. */
	for (int i = 0; i <= procs; i++) {
		int64_t deadline = now_ns() + stuck_s * 1000000000LL;

		while (!sh->w[i].ready) {
			int st;

			if (waitpid(sh->w[i].pid, &st, WNOHANG) == sh->w[i].pid) {
				printf("FAIL worker %d died before starting (status 0x%x)\n", i, st);
				exit(1);
			}
			if (now_ns() > deadline) {
				printf("STUCK worker %d never started (opening %s?)\n", i, DEV);
				exit(2);
			}
			usleep(1000);
		}
	}
	sh->go = 1;

	/* Reap; every second, look for a call that has run too long. */
	while (live > 0) {
		struct timespec tick = { 1, 0 };
		int st, workers_left = 0;
		pid_t pid;

		sigtimedwait(&chld, NULL, &tick);
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			live--;
			for (int i = 0; i < nchildren; i++)
				if (sh->w[i].pid == pid) {
					sh->w[i].running = 0;
					if (!WIFEXITED(st) || WEXITSTATUS(st)) {
						char line[384];
						int n = snprintf(line, sizeof(line),
								 "FAIL worker %d exited with status 0x%x during \"%s\"\n",
								 i, st, sh->w[i].op);

						say(line, n < (int)sizeof(line) ? n : (int)sizeof(line) - 1);
						failures++;
					}
				}
		}
		for (int i = 0; i < procs; i++)
			workers_left += sh->w[i].running;
		if (!workers_left)
			sh->stop = 1;	/* the ticker ends after its current write */
		for (int i = 0; i < nchildren && !stuck; i++) {
			int64_t start = __atomic_load_n(&sh->w[i].op_start_ns, __ATOMIC_ACQUIRE);

			if (sh->w[i].running && start && now_ns() - start > stuck_s * 1000000000LL) {
				show_stuck(i, (now_ns() - start) / 1000000000LL);
				stuck = 1;
			}
		}
		if (stuck)
			break;
	}
	if (stuck) {
		/* Give up: kill what can be killed, do not wait for the rest. */
		for (int i = 0; i < nchildren; i++)
			if (sh->w[i].running)
				kill(sh->w[i].pid, SIGKILL);
	}
	close(shared_fd);

	for (int i = 0; i < nchildren; i++) {
		struct worker *w = &sh->w[i];

		for (int o = 0; o < NOPS; o++) {
			for (int r = 0; r < NRESULTS; r++)
				totals[o][r] += w->counts[o][r];
			if (w->other_errno[o])
				other[o] = w->other_errno[o];
		}
		failures += w->failures;
		stuck_calls += w->stuck;
		given_back += w->given_back;
		pollin_reads += w->pollin_reads;
		if (i < procs)
			made += w->ops;
	}
	total_ops += made;
	/* Every operation asked for was made. */
	if (!stuck && made != asked) {
		char line[128];
		int n = snprintf(line, sizeof(line), "FAIL %ld operations made, %ld asked for\n", made, asked);

		say(line, n);
		failures++;
	}
	total_failures += failures;
	if (log) {
		size_t n = sh->log_len < sizeof(sh->log) - 1 ? sh->log_len : sizeof(sh->log) - 1;

		n = n < log_size - 1 ? n : log_size - 1;
		memcpy(log, sh->log, n);
		log[n] = 0;
	}
	if (stuck)
		return RUN_STUCK;
	return failures ? RUN_FAILED : RUN_OK;
}

int reset_module(void)
{
	static const char reset[] = "stop\nperiod_us=100000\nbh=workqueue\nreset_latency\n";
	int fd = open(DEV, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, reset, sizeof(reset) - 1);
	close(fd);
	return n == (ssize_t)sizeof(reset) - 1 ? 0 : -1;
}

void print_totals(void)
{
	printf("results per operation:\n");
	for (int o = 0; o < NOPS; o++) {
		long sum = 0;

		for (int r = 0; r < NRESULTS; r++)
			sum += totals[o][r];
		if (!sum)
			continue;
		printf("  %-16s %6ld:", op_names[o], sum);
		for (int r = 0; r < NRESULTS; r++) {
			if (!totals[o][r])
				continue;
			if (r == 0)
				printf(" ok=%ld", totals[o][r]);
			else if (r < NRESULTS - 1)
				printf(" %s=%ld", errno_name(result_errnos[r - 1]), totals[o][r]);
			else
				printf(" errno%ld=%ld", other[o], totals[o][r]);
		}
		printf("\n");
	}
	printf("checked: %ld records given back after EFAULT, %ld blocking reads after POLLIN%s\n",
	       given_back, pollin_reads, preempt_rt ? " (PREEMPT_RT: results only, no sleep check)" : "");
}

static int usage(void)
{
	fprintf(stderr,
		"usage: irqctx_fuzz [-s SEED] [-n OPS] [-p PROCS] [-t SECONDS] [-v]\n"
		"       irqctx_fuzz -G MINUTES [-R] [-c CORPUS] [-x PROGRAMS] [-F FLIGHT] [-s SEED] [-t SECONDS]\n"
		"       irqctx_fuzz -r PROGRAMS [-t SECONDS] [-v]\n");
	return 3;
}

int main(int argc, char **argv)
{
	uint64_t seed = 0;
	long ops = 2000;
	int procs = 4, opt, have_seed = 0, guided = 0;
	enum run_result result;
	FILE *f;
	char allow[8] = "";

	if (getenv("IRQCTX_SLOWDOWN") && atoi(getenv("IRQCTX_SLOWDOWN")) > 0)
		slowdown = atoi(getenv("IRQCTX_SLOWDOWN"));
	stuck_s = 90 * slowdown;
	while ((opt = getopt(argc, argv, "s:n:p:t:vG:Rc:x:F:r:")) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); have_seed = 1; break;
		case 'n': ops = strtol(optarg, NULL, 0); break;
		case 'p': procs = atoi(optarg); break;
		case 't': stuck_s = strtol(optarg, NULL, 0); break;
		case 'v': verbose = 1; break;
		case 'G': case 'R': case 'c': case 'x': case 'F': case 'r': guided = 1; break;
		default: return usage();
		}
	}
	if (optind != argc || procs < 2 || procs > MAX_PROCS || ops < 0 || stuck_s < 1)
		return usage();
	setvbuf(stdout, NULL, _IONBF, 0);
	if (!have_seed) {
		f = fopen("/dev/urandom", "r");
		if (!f || fread(&seed, sizeof(seed), 1, f) != 1)
			seed = (uint64_t)now_ns() ^ getpid();
		if (f)
			fclose(f);
		seed &= 0xffffffffffffULL;	/* short enough to type */
	}
	if (!guided)
		printf("seed=%llu ops=%ld procs=%d (reproduce: irqctx_fuzz -s %llu -n %ld -p %d)\n",
		       (unsigned long long)seed, ops, procs, (unsigned long long)seed, ops, procs);

	/* misuse= must only ever meet a module that refuses it. */
	f = fopen(ALLOW_MISUSE, "r");
	if (!f || !fgets(allow, sizeof(allow), f) || allow[0] != 'N') {
		printf("refusing to run: %s is \"%s\" (load irqctx without allow_misuse=1)\n",
		       ALLOW_MISUSE, f ? allow : "missing");
		return 4;
	}
	fclose(f);
	if (load_misuse_names()) {
		printf("no misuse table in %s: cannot make misuse= writes\n", MISUSE_LIST);
		return 1;
	}
	if (getenv("IRQCTX_LINE_RE")) {
		if (regcomp(&line_re, getenv("IRQCTX_LINE_RE"), REG_EXTENDED | REG_NOSUB)) {
			printf("IRQCTX_LINE_RE does not compile\n");
			return 3;
		}
		have_line_re = 1;
	}
	printf("line format: %s\n", have_line_re ? "IRQCTX_LINE_RE" : "seq, src and stage only");
	edu_bound = count_edu_bound();
	{
		struct utsname u;

		preempt_rt = !uname(&u) && strstr(u.version, "PREEMPT_RT");
	}
	if (edu_bound < 0) {
		printf("no statistics in %s\n", STATS);
		return 1;
	}
	printf("edu devices bound: %d (ENODEV is a failure while one is)\n", edu_bound);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return perror("mmap"), 1;
	if (guided) {
		optind = 1;
		return guided_main(argc, argv);
	}

	result = run_workers(NULL, procs, seed, ops, NULL, 0);
	print_totals();
	/* Each kind of operation ran (one that never did checked nothing). */
	for (int o = 0; o < NOPS && result != RUN_STUCK && ops >= 1000; o++) {
		long sum = 0;

		for (int r = 0; r < NRESULTS; r++)
			sum += totals[o][r];
		if (!sum) {
			printf("FAIL no %s operation in %ld\n", op_names[o], ops);
			total_failures++;
		}
	}
	/* The two follow-up checks ran too (each needs a record on a private
	 * file at the right moment: certain in a CI-size run). */
	if (result != RUN_STUCK && ops >= 1000 && !(given_back && pollin_reads)) {
		printf("FAIL a follow-up check never ran in %ld operations\n", ops);
		total_failures++;
	}
	if (result != RUN_STUCK && ops >= 1000 && !(totals[OP_READ_LARGE][0] + totals[OP_READ_MAX_LINE][0])) {
		printf("FAIL no read returned a record\n");
		total_failures++;
	}
	printf("seed=%llu ops=%ld failures=%ld stuck=%ld%s\n", (unsigned long long)seed, total_ops,
	       total_failures, stuck_calls + (result == RUN_STUCK),
	       result == RUN_STUCK ? " (gave up: a call never returned)" : "");
	if (result == RUN_STUCK)
		return 2;
	return total_failures || stuck_calls ? 1 : 0;
}
