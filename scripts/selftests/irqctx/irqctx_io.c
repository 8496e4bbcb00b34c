// SPDX-License-Identifier: GPL-2.0
/*
 * irqctx_io: the system calls the selftests need and busybox cannot make
 * (O_NONBLOCK reads, exact buffer sizes, signals into a blocked read, poll).
 * Prints what happened: data, "errno=NAME" or "pollin"/"timeout".
 *
 *   irqctx_io read [-n] [-b BUFSIZE] [-l MINLINES] [-u REGEX]
 *                  [-F FD] [-d USEC] [-S] [-m REGEX]
 *   irqctx_io write [-r REPEAT] [-e USEC] [-i USEC] [-v] TEXT
 *   irqctx_io write TEXT TEXT...
 *   irqctx_io signal
 *   irqctx_io poll TIMEOUT_MS [LOOPS]
 *   irqctx_io epoll TIMEOUT_MS [LOOPS]
 *   irqctx_io read0 [-n | -F FD]
 *   irqctx_io pwrite TEXT
 *   irqctx_io select TIMEOUT_MS
 *   irqctx_io hold [-e] [PATH]
 *   irqctx_io restart TEXT SOURCE MIN
 *   irqctx_io stop TEXT SOURCE MIN
 *   irqctx_io queued [-n] SOURCE BLOCKER TEXT
 *   irqctx_io abandon TEXT NEXT
 *   irqctx_io asuser UID PATH
 *   irqctx_io reg BDF OFFSET [VALUE [BDF OFFSET VALUE]...]
 *   irqctx_io msi BDF on|off
 *
 * read stops after MINLINES lines, or with -u after a line matching the
 * extended regular expression REGEX (and what the same read() returned);
 * -u with -l stops after MINLINES lines matching REGEX.
 * -F reads an inherited file descriptor instead of opening the device (two
 * processes can then share one open file; with -n it is made non-blocking), -d sleeps USEC between reads (a
 * slow reader). -S checks instead of printing: every record's seq must be
 * the previous one + 1, or + 1 + N after a "lost=N" line; at the end (also on
 * SIGTERM, which then ends the read) it prints one line
 *   records=R lost=L first=SEQ last=SEQ reads=N gaps=G kinds=SRC/STAGE:N,...
 * where first is the seq of the first record the reader was owed (the first
 * record read minus a leading lost=N), after a line "started" once the
 * first read returned; -m prints the lines matching REGEX.
 * With -F other processes may read the same open file: -S then only checks
 * that seq increases.
 *
 * write with several TEXTs writes each in turn, one write() each on one open
 * file, and prints a line for each ("wrote=N" or "errno=NAME ..."): a burst
 * of writes from one process, fast whatever the fork and exec costs.
 * write -r repeats the write REPEAT times (0: until SIGTERM) on one open
 * file and prints "writes=N ok=N" and a count per errno; a write that
 * SIGTERM interrupts is not counted. -e sleeps USEC after a failed write
 * (a load that does not spin while, say, no device is bound); -v prints
 * each failure as "errno=NAME at SECONDS" (CLOCK_MONOTONIC, as in dmesg).
 * -i sends the writer SIGALRM every USEC microseconds (an interval timer)
 * to a handler installed with SA_RESTART, a signal storm in which the
 * kernel restarts what it may; the summary then ends with " signals=N".
 *
 * poll/epoll with LOOPS wait LOOPS times (0: until SIGTERM) on a
 * non-blocking file, reading what is pending after each POLLIN, and print
 * "pollin" at the first POLLIN and "pollin=N timeout=N" at the end.
 *
 * read0 makes one read() of 0 bytes (on an inherited FD with -F) and prints
 * "ret=N" or the errno; it gives up after 10 s times IRQCTX_SLOWDOWN
 * ("blocked").
 *
 * pwrite makes one pwrite() of TEXT at offset 0 and prints "wrote=N" or
 * the errno (a stream: ESPIPE).
 *
 * select waits up to TIMEOUT_MS in select() for the device (opened
 * non-blocking) to be readable, and prints "readable" followed by what one
 * read() then returned ("ret=N", "errno=NAME"), or "timeout".
 *
 * hold opens PATH (default the device), prints "held" and waits for SIGTERM.
 * With -e it adds the file to an epoll set and closes it: epoll takes no
 * reference, so the file is released at once and the set keeps a dead
 * watch. It then waits in epoll_wait() on that set and, after SIGTERM,
 * polls the set once more and prints "events=N" (0: the watch is gone).
 *
 * restart writes TEXT from a child with an SA_RESTART handler for SIGUSR1,
 * signals it once the statistics count MIN top halves of SOURCE since the
 * start, and prints the write's outcome and the top halves made:
 * "wrote=BYTES tops=N" (a short count: the commands carried out) or
 * "errno=NAME tops=N". stop does the same to busybox's echo writing TEXT
 * (echo -ne), with SIGSTOP and then SIGCONT, as Ctrl-Z and fg do, and prints
 * "status=S tops=N at_stop=M" (M: the top halves when the stop was sent).
 *
 * queued signals a writer that waits for its turn, before it triggered
 * anything: a first child writes BLOCKER (a long burst of SOURCE); once
 * the statistics show its top halves, a second child writes TEXT, which must wait for the
 * burst, and once that one is asleep too it gets SIGUSR1 (its handler has
 * SA_RESTART, or not with -n). Prints the second write's outcome
 * ("wrote=N" or "errno=NAME") and "blocker_running=1" if the burst had
 * not ended when the signal was sent (else the signal may have come after
 * the wait it was meant for: inconclusive).
 *
 * abandon writes TEXT from a child and kills it (SIGKILL) once it sleeps in
 * the write, waiting for the interrupt TEXT triggered, then writes NEXT at
 * once. Prints "abandoned=A t_next=NS next=wrote=N" (or next=errno=NAME):
 * A is 1 if the child died in its write, 0 if the write had returned first
 * (then the kill proves nothing); NS is CLOCK_MONOTONIC (the records'
 * t_ns) just before NEXT was written.
 *
 * msi sets or clears the MSI Enable bit of BDF's MSI capability (config
 * space, through sysfs): with it clear, the device's interrupts are lost.
 *
 * asuser opens PATH for reading as user UID (and group UID), from a child
 * that dropped root, and prints "opened" or "errno=NAME".
 *
 * reg reads (and prints as 0x%08x) or writes the 32-bit register at OFFSET
 * of the PCI device BDF's BAR 0, through its sysfs resource0 file: what a
 * device does on its own, whichever driver is bound (or none). Several
 * writes (up to 8 triples) map every BAR first and then write back to back:
 * two devices interrupting at once.
 *
 * Exit status: 0 as expected, 1 a system call failed (errno printed),
 * 2 a protocol violation (a read returned part of a line), 3 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEV "/dev/irqctx"

static const char *errname(int e)
{
	switch (e) {
	case EAGAIN: return "EAGAIN";
	case EINVAL: return "EINVAL";
	case EINTR: return "EINTR";
	case EFAULT: return "EFAULT";
	case EPERM: return "EPERM";
	case ENODEV: return "ENODEV";
	case EBUSY: return "EBUSY";
	case ENOENT: return "ENOENT";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ESPIPE: return "ESPIPE";
	case EACCES: return "EACCES";
	default: return "other";
	}
}

static int fail(const char *what)
{
	printf("errno=%s (%s: %s)\n", errname(errno), what, strerror(errno));
	return 1;
}

/* The kernel's slowdown under TCG (IRQCTX_SLOWDOWN, from run_guest.sh):
 * every bound here is scaled by it. */
static int slowdown(void)
{
	const char *s = getenv("IRQCTX_SLOWDOWN");

	return s && atoi(s) > 0 ? atoi(s) : 1;
}

static int open_dev(int flags)
{
	int fd = open(DEV, O_RDWR | flags);

	if (fd < 0) {
		fail("open");
		exit(1);
	}
	return fd;
}

static volatile sig_atomic_t terminated;

static void on_term(int sig) { (void)sig; terminated = 1; }

/* SIGTERM ends the loops of read -S, write -r, poll/epoll LOOPS: installed
 * without SA_RESTART, so that a blocked call returns with EINTR. */
static void catch_term(void)
{
	struct sigaction sa = { .sa_handler = on_term };

	sigaction(SIGTERM, &sa, NULL);
}

/* -S: seq accounting of one reader. */
struct check {
	unsigned long long records, lost, pending_lost, first, last, reads, gaps;
	int shared;
	struct { char name[48]; unsigned long long n; } kinds[16];
	int nkinds;
};

static void check_line(struct check *c, const char *line)
{
	unsigned long long seq, n;
	char src[20], stage[20], kind[48];
	int i;

	if (sscanf(line, "lost=%llu", &n) == 1 && !strchr(line, ' ')) {
		c->lost += n;
		c->pending_lost += n;
		return;
	}
	if (sscanf(line, "seq=%llu src=%19s stage=%19s", &seq, src, stage) != 3) {
		printf("bad line: %s\n", line);
		c->gaps++;
		return;
	}
	if (!c->records)
		c->first = seq - c->pending_lost;
	else if (c->shared ? seq <= c->last : seq != c->last + 1 + c->pending_lost) {
		if (c->gaps++ < 10)
			printf("gap: seq=%llu after seq=%llu and lost=%llu\n",
			       seq, c->last, c->pending_lost);
	}
	c->pending_lost = 0;
	c->last = seq;
	c->records++;
	snprintf(kind, sizeof(kind), "%s/%s", src, stage);
	for (i = 0; i < c->nkinds && strcmp(c->kinds[i].name, kind); i++)
		;
	if (i == c->nkinds && i < 16) {
		snprintf(c->kinds[i].name, sizeof(c->kinds[i].name), "%s", kind);
		c->nkinds++;
	}
	if (i < 16)
		c->kinds[i].n++;
}

static void check_print(const struct check *c)
{
	printf("records=%llu lost=%llu first=%llu last=%llu reads=%llu gaps=%llu kinds=",
	       c->records, c->lost, c->first, c->last, c->reads, c->gaps);
	for (int i = 0; i < c->nkinds; i++)
		printf("%s%s:%llu", i ? "," : "", c->kinds[i].name, c->kinds[i].n);
	printf("%s\n", c->nkinds ? "" : "none");
}

/*
 * Reads until MINLINES whole lines (or lines matching -u) arrived; every
 * read must end a line.
 */
static int do_read(int argc, char **argv)
{
	size_t bufsize = 4096;
	long minlines = 1, lines = 0, matched = 0, delay_us = 0;
	int flags = 0, opt, fd = -1, summary = 0, rc = 0;
	regex_t until, show;
	char *buf, *until_re = NULL, *show_re = NULL;
	struct check c = { 0 };

	while ((opt = getopt(argc, argv, "nb:l:u:F:d:Sm:")) != -1) {
		switch (opt) {
		case 'n': flags |= O_NONBLOCK; break;
		case 'b': bufsize = strtoul(optarg, NULL, 0); break;
		case 'l': minlines = strtol(optarg, NULL, 0); break;
		case 'u': until_re = optarg; break;
		case 'F': fd = atoi(optarg); c.shared = 1; break;
		case 'd': delay_us = strtol(optarg, NULL, 0); break;
		case 'S': summary = 1; break;
		case 'm': show_re = optarg; break;
		default: return 3;
		}
	}
	if (until_re && regcomp(&until, until_re, REG_EXTENDED | REG_NOSUB))
		return 3;
	if (show_re && regcomp(&show, show_re, REG_EXTENDED | REG_NOSUB))
		return 3;
	buf = malloc(bufsize + 1);
	if (!buf)
		return 1;
	if (summary)
		catch_term();
	if (fd < 0)
		fd = open_dev(flags);
	else if (flags & O_NONBLOCK)	/* -F -n: the shared file becomes non-blocking */
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while ((until_re ? matched : lines) < minlines) {
		ssize_t n;

		if (terminated)
			break;
		n = read(fd, buf, bufsize);
		if (n < 0 && errno == EINTR && terminated)
			break;
		if (n < 0) {
			rc = fail("read");
			break;
		}
		if (n == 0 || buf[n - 1] != '\n') {
			printf("partial line: read returned %zd bytes\n", n);
			rc = 2;
			break;
		}
		if (summary && !c.reads)
			printf("started\n");	/* progress others can wait for */
		c.reads++;
		if (!summary)
			fwrite(buf, 1, n, stdout);
		for (char *line = buf, *end; line < buf + n; line = end + 1) {
			end = memchr(line, '\n', buf + n - line);
			*end = 0;
			lines++;
			if (summary)
				check_line(&c, line);
			if (show_re && !regexec(&show, line, 0, NULL, 0))
				printf("%s\n", line);
			if (until_re && !regexec(&until, line, 0, NULL, 0))
				matched++;
		}
		if (delay_us)
			usleep(delay_us);
	}
	if (summary) {
		check_print(&c);
		if (c.gaps && !rc)
			rc = 2;
	}
	return rc;
}

static volatile sig_atomic_t storm_signals;

static void on_storm(int sig) { (void)sig; storm_signals++; }

static int do_write(int argc, char **argv)
{
	long repeat = -1, writes = 0, ok = 0, errs[8] = { 0 }, backoff_us = 0, storm_us = 0;
	int verbose = 0;
	static const int errnos[] = { EINVAL, EPERM, ENODEV, ETIMEDOUT, EINTR, EFAULT, EAGAIN };
	const char *text;
	int opt, fd;

	while ((opt = getopt(argc, argv, "+r:e:i:v")) != -1) {
		switch (opt) {
		case 'v': verbose = 1; break;
		case 'i': storm_us = strtol(optarg, NULL, 0); break;
		case 'r': repeat = strtol(optarg, NULL, 0); break;
		case 'e': backoff_us = strtol(optarg, NULL, 0); break;
		default: return 3;
		}
	}
	if (optind == argc || (optind != argc - 1 && (repeat >= 0 || storm_us || backoff_us)))
		return 3;
	fd = open_dev(0);
	if (repeat < 0) {
		int rc = 0;

		for (; optind < argc; optind++) {
			ssize_t n = write(fd, argv[optind], strlen(argv[optind]));

			if (n < 0)
				rc = fail("write");
			else
				printf("wrote=%zd\n", n);
		}
		return rc;
	}
	text = argv[optind];
	catch_term();
	if (storm_us > 0) {
		struct sigaction sa = { .sa_handler = on_storm, .sa_flags = SA_RESTART };
		struct itimerval every = {
			.it_interval = { .tv_sec = storm_us / 1000000, .tv_usec = storm_us % 1000000 },
			.it_value = { .tv_sec = storm_us / 1000000, .tv_usec = storm_us % 1000000 },
		};

		sigaction(SIGALRM, &sa, NULL);
		if (setitimer(ITIMER_REAL, &every, NULL))
			return fail("setitimer");
	}
	while (!terminated && (repeat == 0 || writes < repeat)) {
		ssize_t n = write(fd, text, strlen(text));
		size_t i;

		if (n < 0 && errno == EINTR && terminated)
			break;
		writes++;
		if (n == (ssize_t)strlen(text)) {
			ok++;
			continue;
		}
		for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]) && (n >= 0 || errno != errnos[i]); i++)
			;
		errs[i]++;
		if (n >= 0 || i == sizeof(errnos) / sizeof(errnos[0]))
			printf("unexpected: write returned %zd, errno %d\n", n, n < 0 ? errno : 0);
		else if (verbose) {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			printf("errno=%s at %ld.%06ld\n", errname(errno), (long)ts.tv_sec, ts.tv_nsec / 1000);
		}
		if (backoff_us)
			usleep(backoff_us);
	}
	printf("writes=%ld ok=%ld", writes, ok);
	for (size_t i = 0; i <= sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errs[i])
			printf(" %s=%ld", i < sizeof(errnos) / sizeof(errnos[0]) ? errname(errnos[i]) : "other", errs[i]);
	if (storm_us > 0) {
		struct itimerval off = { 0 };

		setitimer(ITIMER_REAL, &off, NULL);
		printf(" signals=%ld", (long)storm_signals);
	}
	printf("\n");
	return 0;
}

static void on_signal(int sig) { (void)sig; }

/* Waits until task PID is in one of STATES ("S": asleep interruptibly),
 * for 10 s times the slowdown. */
static int wait_state(pid_t pid, const char *states)
{
	char path[64], stat[256];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (long tries = 0; tries < 10000L * slowdown(); tries++) {
		FILE *f = fopen(path, "r");
		char *state = NULL;

		if (f && fgets(stat, sizeof(stat), f))
			state = strrchr(stat, ')');
		if (f)
			fclose(f);
		if (state && state[2] && strchr(states, state[2]))
			return 0;
		usleep(1000);
	}
	return -1;
}

/* A writer killed while its command waits for its interrupt, and the next
 * command at once. A child writes TEXT and then reports on a pipe that the
 * write returned; once it sleeps in the write ('D': the command's wait is
 * killable, nothing else sleeps) it gets SIGKILL, and this process writes
 * NEXT on a file it opened before, with no fork or exec between. */
static int do_abandon(const char *text, const char *next)
{
	int done[2], status, fd = open_dev(0), abandoned;
	struct timespec ts;
	ssize_t n;
	char byte;
	pid_t pid;

	if (pipe(done))
		return fail("pipe");
	pid = fork();
	if (pid == 0) {
		close(done[0]);
		if (write(fd, text, strlen(text)) < 0)
			_exit(11);
		write(done[1], "w", 1);
		_exit(0);
	}
	close(done[1]);
	if (wait_state(pid, "DZ")) {
		kill(pid, SIGKILL);
		printf("child never asleep in write()\n");
		return 1;
	}
	kill(pid, SIGKILL);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	n = write(fd, next, strlen(next));
	if (waitpid(pid, &status, 0) != pid)
		return fail("waitpid");
	/* No byte: the child died inside its write, after the command had
	 * triggered its interrupt. */
	abandoned = read(done[0], &byte, 1) != 1 && WIFSIGNALED(status);
	printf("abandoned=%d t_next=%lld next=", abandoned, ts.tv_sec * 1000000000LL + ts.tv_nsec);
	if (n < 0)
		printf("errno=%s\n", errname(errno));
	else
		printf("wrote=%zd\n", n);
	return 0;
}

/* Opens PATH as user UID: what a user other than root gets. */
static int do_asuser(const char *uid, const char *path)
{
	int status, p[2];
	char out[64] = "";
	pid_t pid;

	if (pipe(p))
		return fail("pipe");
	pid = fork();
	if (pid == 0) {
		uid_t u = strtoul(uid, NULL, 0);
		int fd;

		if (setgroups(0, NULL) || setgid(u) || setuid(u))
			_exit(10);
		fd = open(path, O_RDONLY | O_NONBLOCK);
		dprintf(p[1], "%s", fd >= 0 ? "opened" : errname(errno));
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], out, sizeof(out) - 1) < 0 || waitpid(pid, &status, 0) != pid)
		return fail("asuser");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return printf("could not become user %s\n", uid), 1;
	printf("%s%s\n", strcmp(out, "opened") ? "errno=" : "", out);
	return 0;
}

/* A child blocks in read(); a signal without SA_RESTART must end it (EINTR). */
static int do_signal(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int ready[2], status;
	char byte;
	pid_t pid;

	if (pipe(ready))
		return fail("pipe");
	pid = fork();
	if (pid == 0) {
		char buf[4096];
		int fd = open_dev(0);

		sigaction(SIGUSR1, &sa, NULL);	/* sa_flags = 0: no SA_RESTART */
		write(ready[1], "r", 1);
		if (read(fd, buf, sizeof(buf)) >= 0)
			_exit(10);
		_exit(errno == EINTR ? 0 : 11);
	}
	if (read(ready[0], &byte, 1) != 1)
		return fail("pipe read");
	/* After the byte the child's only blocking call is read(): wait for
	 * it to be asleep ('S') there, then signal. A signal sent before the
	 * read() slept would find nothing to interrupt, and the child would
	 * then block for ever. */
	if (wait_state(pid, "S")) {
		kill(pid, SIGKILL);
		printf("child never asleep in read()\n");
		return 1;
	}
	kill(pid, SIGUSR1);
	/* The signal must end the read at once: a bound, not a wait (the
	 * alarm's handler has no SA_RESTART, so it ends waitpid()). */
	sigaction(SIGALRM, &sa, NULL);
	alarm(10 * slowdown());
	if (waitpid(pid, &status, 0) != pid) {
		kill(pid, SIGKILL);
		printf("child still in read() %d s after the signal\n", 10 * slowdown());
		return 1;
	}
	alarm(0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("errno=EINTR\n");
		return 0;
	}
	printf("child status %d\n", status);
	return 1;
}

/* Empties a non-blocking file after POLLIN: POLLIN promises a read that
 * does not block, so the first read must return records (not 0, not
 * EAGAIN), and the file is then read until EAGAIN. 1 on any other outcome. */
static int drain(int fd)
{
	static char buf[65536];
	ssize_t n;
	int first = 1;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		first = 0;
	if (n == 0) {
		printf("read after POLLIN returned 0\n");
		return 1;
	}
	if (errno == EINTR && terminated)
		return 0;
	if (errno == EAGAIN && !first)
		return 0;
	fail(first ? "first read after POLLIN" : "read after POLLIN");
	return 1;
}

static int do_poll(int timeout_ms, long loops)
{
	struct pollfd pfd = { .fd = open_dev(loops >= 0 ? O_NONBLOCK : 0), .events = POLLIN };
	long pollin = 0, timeouts = 0, i;

	if (loops < 0) {
		int n = poll(&pfd, 1, timeout_ms);

		if (n < 0)
			return fail("poll");
		printf("%s\n", n && (pfd.revents & POLLIN) ? "pollin" : "timeout");
		return 0;
	}
	catch_term();
	for (i = 0; !terminated && (loops == 0 || i < loops); i++) {
		int n = poll(&pfd, 1, timeout_ms);

		if (n < 0 && errno == EINTR && terminated)
			break;
		if (n < 0)
			return fail("poll");
		if (n && (pfd.revents & POLLIN)) {
			if (!pollin++)
				printf("pollin\n");
			if (drain(pfd.fd))
				return 1;
		} else {
			timeouts++;
		}
	}
	printf("pollin=%ld timeout=%ld\n", pollin, timeouts);
	return 0;
}

static int do_epoll(int timeout_ms, long loops)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	int fd = open_dev(loops >= 0 ? O_NONBLOCK : 0), ep = epoll_create1(0), n;
	long pollin = 0, timeouts = 0, i;

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		return fail("epoll");
	if (loops < 0) {
		n = epoll_wait(ep, &out, 1, timeout_ms);
		if (n < 0)
			return fail("epoll_wait");
		printf("%s\n", n && (out.events & EPOLLIN) ? "pollin" : "timeout");
		return 0;
	}
	catch_term();
	for (i = 0; !terminated && (loops == 0 || i < loops); i++) {
		n = epoll_wait(ep, &out, 1, timeout_ms);
		if (n < 0 && errno == EINTR && terminated)
			break;
		if (n < 0)
			return fail("epoll_wait");
		if (n && (out.events & EPOLLIN)) {
			if (!pollin++)
				printf("pollin\n");
			if (drain(fd))
				return 1;
		} else {
			timeouts++;
		}
	}
	printf("pollin=%ld timeout=%ld\n", pollin, timeouts);
	return 0;
}

static void on_alarm(int sig) { (void)sig; }

/* One read() of 0 bytes: it has nothing to wait for. */
static int do_read0(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	int flags = argc == 2 && !strcmp(argv[1], "-n") ? O_NONBLOCK : 0;
	int fd = argc == 3 && !strcmp(argv[1], "-F") ? atoi(argv[2]) : open_dev(flags);
	char buf[1];
	ssize_t n;

	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: alarm() ends a sleep */
	alarm(10 * slowdown());
	n = read(fd, buf, 0);
	alarm(0);
	if (n < 0 && errno == EINTR) {
		printf("blocked: read of 0 bytes still waiting after %d s\n", 10 * slowdown());
		return 1;
	}
	if (n < 0)
		return fail("read");
	printf("ret=%zd\n", n);
	return 0;
}

static int do_pwrite(const char *text)
{
	int fd = open_dev(0);
	ssize_t n = pwrite(fd, text, strlen(text), 0);

	if (n < 0)
		return fail("pwrite");
	printf("wrote=%zd\n", n);
	return 0;
}

static int do_select(int timeout_ms)
{
	static char buf[65536];
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms % 1000 * 1000 };
	int fd = open_dev(O_NONBLOCK), n;
	fd_set rd;
	ssize_t got;

	FD_ZERO(&rd);
	FD_SET(fd, &rd);
	n = select(fd + 1, &rd, NULL, NULL, &tv);
	if (n < 0)
		return fail("select");
	if (n == 0 || !FD_ISSET(fd, &rd)) {
		printf("timeout\n");
		return 0;
	}
	got = read(fd, buf, sizeof(buf));
	if (got < 0) {
		printf("readable errno=%s\n", errname(errno));
		return 0;
	}
	printf("readable ret=%zd\n", got);
	return 0;
}

/* Holds a file open (or only in an epoll set) until SIGTERM. */
static int do_hold(int argc, char **argv)
{
	struct epoll_event ev = { .events = EPOLLIN };
	const char *path = DEV;
	int epoll = 0, fd, ep;

	if (argc >= 2 && !strcmp(argv[1], "-e")) {
		epoll = 1;
		argc--, argv++;
	}
	if (argc >= 2)
		path = argv[1];
	fd = open(path, strcmp(path, DEV) ? O_RDONLY : O_RDWR);
	if (fd < 0)
		return fail("open");
	catch_term();
	if (epoll) {
		int n;

		ep = epoll_create1(0);
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
			return fail("epoll");
		close(fd);	/* the last reference: the file is released */
		printf("held\n");
		while (!terminated)
			if (epoll_wait(ep, &ev, 1, -1) > 0) {
				printf("unexpected: an event from a closed file\n");
				return 1;
			}
		n = epoll_wait(ep, &ev, 1, 0);
		if (n < 0)
			return fail("epoll_wait");
		printf("events=%d\n", n);
		return 0;
	}
	printf("held\n");
	while (!terminated)
		pause();
	return 0;
}

/* The top halves the statistics count for SOURCE, or -1. */
static long stat_tops(const char *source)
{
	char line[256], want[64];
	long n = -1;
	FILE *f = fopen("/sys/kernel/debug/irqctx/stats", "r");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "source=%s top=", source);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, want, strlen(want)))
			n = atol(line + strlen(want));
	fclose(f);
	return n;
}

/*
 * A child writes TEXT with a SIGUSR1 handler installed with SA_RESTART; once
 * the statistics show MIN top halves of SOURCE from it, the parent signals
 * it. Prints the write's outcome and the top halves it made: "wrote=BYTES
 * tops=N", BYTES short of TEXT's length when the signal ended the write
 * between two commands.
 *
 * With stop, the child is busybox's echo instead (sh -c 'echo -ne TEXT
 * >/dev/irqctx'), with no handler, and the parent stops it (SIGSTOP) and
 * continues it (SIGCONT) once it is stopped, as Ctrl-Z and fg do. Prints
 * "status=S tops=N at_stop=M": the echo's exit status, the top halves made,
 * and how many there were when the stop was sent.
 */
static int do_restart(const char *text, const char *source, long min, int stop)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	long before = stat_tops(source), now = before;
	int out[2], status;
	char result[128] = "";
	ssize_t n;
	pid_t pid;

	if (before < 0 || pipe(out))
		return fail("stats");
	pid = fork();
	if (pid == 0 && stop) {
		execl("/bin/sh", "sh", "-c", "echo -ne \"$0\" >/dev/irqctx", text, (char *)NULL);
		_exit(127);
	}
	if (pid == 0) {
		int fd = open_dev(0);

		sigaction(SIGUSR1, &sa, NULL);
		n = write(fd, text, strlen(text));
		if (n < 0)
			dprintf(out[1], "errno=%s", errname(errno));
		else
			dprintf(out[1], "wrote=%zd", n);
		_exit(0);
	}
	for (int tries = 0; tries < 100000 && now - before < min; tries++) {
		usleep(100);
		now = stat_tops(source);
	}
	if (stop) {
		/* Counted before the stop is sent: once it is, the burst goes on
		 * to its end (the stop takes effect when the write returns). */
		now = stat_tops(source);
		kill(pid, SIGSTOP);
		waitpid(pid, &status, WUNTRACED);
		if (WIFSTOPPED(status)) {
			kill(pid, SIGCONT);
			waitpid(pid, &status, 0);
		}
		printf("status=%d tops=%ld at_stop=%ld\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		       stat_tops(source) - before, now - before);
		return 0;
	}
	kill(pid, SIGUSR1);
	waitpid(pid, &status, 0);
	n = read(out[0], result, sizeof(result) - 1);
	if (n > 0)
		result[n] = 0;
	printf("%s tops=%ld\n", result, stat_tops(source) - before);
	return 0;
}

static int do_queued(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	int out[2], ready[2], status, blocker_running;
	char result[64] = "", c;
	long before;
	pid_t blocker, pid;
	ssize_t n;

	if (argc == 5 && !strcmp(argv[1], "-n")) {
		sa.sa_flags = 0;
		argv++;
	} else if (argc != 4) {
		return 3;
	}
	before = stat_tops(argv[1]);
	if (before < 0)
		return fail("stats");
	argv++;	/* argv[0] SOURCE, argv[1] BLOCKER, argv[2] TEXT */
	if (pipe(out) || pipe(ready))
		return fail("pipe");
	blocker = fork();
	if (blocker == 0) {
		int fd = open_dev(0);

		_exit(write(fd, argv[1], strlen(argv[1])) == (ssize_t)strlen(argv[1]) ? 0 : 1);
	}
	/* Its burst under way. */
	for (long tries = 0; stat_tops(argv[0]) <= before; tries++) {
		if (tries == 10000L * slowdown()) {
			kill(blocker, SIGKILL);
			printf("the blocker's burst never started\n");
			return 1;
		}
		usleep(1000);
	}
	pid = fork();
	if (pid == 0) {
		int fd = open_dev(0);

		sigaction(SIGUSR1, &sa, NULL);
		/* From here the only blocking call is the write. */
		if (write(ready[1], "r", 1) != 1)
			_exit(2);
		n = write(fd, argv[2], strlen(argv[2]));
		if (n < 0)
			dprintf(out[1], "errno=%s", errname(errno));
		else
			dprintf(out[1], "wrote=%zd", n);
		_exit(0);
	}
	/* Waiting for its turn: interruptibly. A writer never seen asleep
	 * while the burst still runs did not wait for its turn; one that
	 * came after the burst proves nothing (blocker_running=0). */
	if (read(ready[0], &c, 1) != 1 || wait_state(pid, "S")) {
		blocker_running = waitpid(blocker, &status, WNOHANG) == 0;
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (blocker_running)
			waitpid(blocker, &status, 0);
		printf("never_asleep blocker_running=%d\n", blocker_running);
		return 0;
	}
	blocker_running = waitpid(blocker, &status, WNOHANG) == 0;
	kill(pid, SIGUSR1);
	waitpid(pid, &status, 0);
	if (blocker_running)
		waitpid(blocker, &status, 0);
	n = read(out[0], result, sizeof(result) - 1);
	if (n > 0)
		result[n] = 0;
	printf("%s blocker_running=%d\n", result, blocker_running);
	return 0;
}

/* msi BDF on|off: sets the MSI Enable bit of BDF's MSI capability in its
 * config space (through sysfs). With it off, the device's next interrupt
 * goes nowhere (the kernel set INTx Disable when it enabled MSI): a lost
 * interrupt, on demand. */
static int do_msi(const char *bdf, const char *state)
{
	unsigned char cap = 0, id = 0;
	unsigned short ctl;
	char path[128];
	int fd, hops = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return fail("open config");
	if (pread(fd, &cap, 1, 0x34) != 1)
		return fail("read the capabilities pointer");
	while (cap && hops++ < 48) {
		if (pread(fd, &id, 1, cap) != 1)
			return fail("read a capability");
		if (id == 0x05)
			break;
		if (pread(fd, &cap, 1, cap + 1) != 1)
			return fail("read a capability");
	}
	if (!cap || id != 0x05)
		return printf("%s has no MSI capability\n", bdf), 1;
	if (pread(fd, &ctl, 2, cap + 2) != 2)
		return fail("read the MSI control");
	ctl = strcmp(state, "on") ? ctl & ~1 : ctl | 1;
	if (pwrite(fd, &ctl, 2, cap + 2) != 2)
		return fail("write the MSI control");
	close(fd);
	return 0;
}

/* BAR 0 of PCI device BDF, mapped through sysfs; NULL on failure. */
static volatile unsigned int *map_bar(const char *bdf)
{
	char path[128];
	void *bar;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		return fail("open resource0"), NULL;
	bar = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (bar == MAP_FAILED)
		return fail("mmap resource0"), NULL;
	return bar;
}

/* reg BDF OFFSET: prints the register; reg BDF OFFSET VALUE...: writes each
 * (every BAR mapped first, so that the writes follow each other at once). */
static int do_reg(int argc, char **argv)
{
	volatile unsigned int *bar[8];
	unsigned long off[8];
	int n = argc == 2 ? 1 : argc / 3;

	if (argc != 2 && (argc % 3 || n > 8))
		return 3;
	for (int i = 0; i < n; i++) {
		off[i] = strtoul(argv[i * 3 + 1], NULL, 0);
		if (off[i] > 4096 - 4 || off[i] % 4)
			return 3;
		bar[i] = map_bar(argv[i * 3]);
		if (!bar[i])
			return 1;
	}
	if (argc == 2) {
		printf("0x%08x\n", bar[0][off[0] / 4]);
		return 0;
	}
	for (int i = 0; i < n; i++)
		bar[i][off[i] / 4] = strtoul(argv[i * 3 + 2], NULL, 0);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "read"))
		return do_read(argc - 1, argv + 1);
	if (argc >= 3 && !strcmp(argv[1], "write"))
		return do_write(argc - 1, argv + 1);
	if (argc == 2 && !strcmp(argv[1], "signal"))
		return do_signal();
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "poll"))
		return do_poll(atoi(argv[2]), argc == 4 ? atol(argv[3]) : -1);
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "epoll"))
		return do_epoll(atoi(argv[2]), argc == 4 ? atol(argv[3]) : -1);
	if (argc >= 2 && !strcmp(argv[1], "read0"))
		return do_read0(argc - 1, argv + 1);
	if (argc == 3 && !strcmp(argv[1], "pwrite"))
		return do_pwrite(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "select"))
		return do_select(atoi(argv[2]));
	if (argc >= 2 && !strcmp(argv[1], "hold"))
		return do_hold(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "queued"))
		return do_queued(argc - 1, argv + 1);
	if (argc == 5 && !strcmp(argv[1], "restart"))
		return do_restart(argv[2], argv[3], atol(argv[4]), 0);
	if (argc == 5 && !strcmp(argv[1], "stop"))
		return do_restart(argv[2], argv[3], atol(argv[4]), 1);
	if (argc == 4 && !strcmp(argv[1], "asuser"))
		return do_asuser(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "abandon"))
		return do_abandon(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "msi"))
		return do_msi(argv[2], argv[3]);
	if (argc >= 4 && !strcmp(argv[1], "reg"))
		return do_reg(argc - 2, argv + 2);
	fprintf(stderr, "usage: see the comment at the top of irqctx_io.c\n");
	return 3;
}
