// SPDX-License-Identifier: GPL-2.0
/*
 * irqctx_io: the system calls the selftests need and busybox cannot make
 * (O_NONBLOCK reads, exact buffer sizes, signals into a blocked read, poll).
 * Prints what happened: data, "errno=NAME" or "pollin"/"timeout".
 *
 *   irqctx_io read [-n] [-b BUFSIZE] [-l MINLINES] [-u REGEX]
 *   irqctx_io write TEXT
 *   irqctx_io signal
 *   irqctx_io poll TIMEOUT_MS
 *   irqctx_io epoll TIMEOUT_MS
 *
 * read stops after MINLINES lines, or with -u after a line matching the
 * extended regular expression REGEX (and what the same read() returned).
 *
 * Exit status: 0 as expected, 1 a system call failed (errno printed),
 * 2 a protocol violation (a read returned part of a line), 3 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
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
	default: return "other";
	}
}

static int fail(const char *what)
{
	printf("errno=%s (%s: %s)\n", errname(errno), what, strerror(errno));
	return 1;
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

/* Reads until MINLINES whole lines arrived; every read must end a line. */
static int do_read(int argc, char **argv)
{
	size_t bufsize = 4096;
	long minlines = 1, lines = 0;
	int flags = 0, opt, fd, matched = 0;
	regex_t until;
	char *buf, *until_re = NULL;

	while ((opt = getopt(argc, argv, "nb:l:u:")) != -1) {
		switch (opt) {
		case 'n': flags |= O_NONBLOCK; break;
		case 'b': bufsize = strtoul(optarg, NULL, 0); break;
		case 'l': minlines = strtol(optarg, NULL, 0); break;
		case 'u': until_re = optarg; minlines = -1; break;
		default: return 3;
		}
	}
	if (until_re && regcomp(&until, until_re, REG_EXTENDED | REG_NOSUB))
		return 3;
	buf = malloc(bufsize + 1);
	if (!buf)
		return 1;
	fd = open_dev(flags);
	while (until_re ? !matched : lines < minlines) {
		ssize_t n = read(fd, buf, bufsize);

		if (n < 0)
			return fail("read");
		if (n == 0 || buf[n - 1] != '\n') {
			printf("partial line: read returned %zd bytes\n", n);
			return 2;
		}
		fwrite(buf, 1, n, stdout);
		for (char *line = buf, *end; line < buf + n; line = end + 1) {
			end = memchr(line, '\n', buf + n - line);
			*end = 0;
			lines++;
			if (until_re && !regexec(&until, line, 0, NULL, 0))
				matched = 1;
		}
	}
	return 0;
}

static int do_write(const char *text)
{
	int fd = open_dev(0);
	ssize_t n = write(fd, text, strlen(text));

	if (n < 0)
		return fail("write");
	printf("wrote=%zd\n", n);
	return 0;
}

static void on_signal(int sig) { (void)sig; }

/* A child blocks in read(); a signal without SA_RESTART must end it (EINTR). */
static int do_signal(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int ready[2], status;
	char path[64], stat[256];
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
	if (read(ready[0], path, 1) != 1)
		return fail("pipe read");
	/* After the byte the child's only blocking call is read(): wait for
	 * it to be asleep ('S') there, then signal. */
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (int tries = 0; tries < 5000; tries++) {
		FILE *f = fopen(path, "r");
		char *state;

		if (!f || !fgets(stat, sizeof(stat), f))
			return fail("stat");
		fclose(f);
		state = strrchr(stat, ')');
		if (state && state[2] == 'S')
			break;
		usleep(1000);
	}
	kill(pid, SIGUSR1);
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("errno=EINTR\n");
		return 0;
	}
	printf("child status %d\n", status);
	return 1;
}

static int do_poll(int timeout_ms)
{
	struct pollfd pfd = { .fd = open_dev(0), .events = POLLIN };
	int n = poll(&pfd, 1, timeout_ms);

	if (n < 0)
		return fail("poll");
	printf("%s\n", n && (pfd.revents & POLLIN) ? "pollin" : "timeout");
	return 0;
}

static int do_epoll(int timeout_ms)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	int fd = open_dev(0), ep = epoll_create1(0), n;

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		return fail("epoll");
	n = epoll_wait(ep, &out, 1, timeout_ms);
	if (n < 0)
		return fail("epoll_wait");
	printf("%s\n", n && (out.events & EPOLLIN) ? "pollin" : "timeout");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "read"))
		return do_read(argc - 1, argv + 1);
	if (argc == 3 && !strcmp(argv[1], "write"))
		return do_write(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "signal"))
		return do_signal();
	if (argc == 3 && !strcmp(argv[1], "poll"))
		return do_poll(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "epoll"))
		return do_epoll(atoi(argv[2]));
	fprintf(stderr, "usage: see the comment at the top of irqctx_io.c\n");
	return 3;
}
