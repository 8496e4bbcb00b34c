/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What irqctx_fuzz's two halves share: the operations and their checks
 * (irqctx_fuzz.c) and the coverage-guided search over programs of them
 * (fuzz_guide.c).
 *
 * A program is what the workers of one run do: per process, the seed its
 * set-up draws from (open files, O_NONBLOCK, SA_RESTART) and a list of
 * steps, each an action (write, read, poll, ...) with the seed its
 * arguments are drawn from. The same program makes the same calls with the
 * same arguments; what they return can still depend on timing (which
 * worker is blocked when another signals it, how many records are queued).
 * As text, one line:
 *
 *   SEED ACTION.SEED ACTION.SEED ... | SEED ACTION.SEED ...
 *
 * (seeds in hex, processes separated by "|"), e.g.
 * "1f03 write.9a0c11e2 read.77 | 5 poll.3 signal.e0".
 */
#ifndef IRQCTX_FUZZ_H
#define IRQCTX_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* splitmix64: the generator both halves draw from, reproducible from
 * its state. */
static inline uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#define PROG_MAX_PROCS 4
#define PROG_MAX_STEPS 24

struct step {
	uint8_t action;		/* index in actions[] */
	uint32_t seed;
};

struct program {
	int nprocs;
	uint32_t init[PROG_MAX_PROCS];
	int nsteps[PROG_MAX_PROCS];
	struct step steps[PROG_MAX_PROCS][PROG_MAX_STEPS];
};

/* The actions a step can take: their names and how often a random step
 * takes each (percent). */
struct action {
	const char *name;
	void (*run)(void);
	unsigned int weight;
};

extern const struct action actions[];
extern const unsigned int nactions;

/* The action a draw R in 0..99 picks, by the weights. */
unsigned int action_at(unsigned int r);

/* The outcome of one run of the workers. */
enum run_result { RUN_OK, RUN_FAILED, RUN_STUCK };

/*
 * Runs PROG (or, if NULL, OPS random operations from SEED in PROCS workers)
 * with the ticker beside it, checking every result; failure lines go to
 * stdout unless LOG is given, which then receives them (at most LOG_SIZE
 * bytes, NUL-terminated).
 */
enum run_result run_workers(const struct program *prog, int procs, uint64_t seed, long ops,
			    char *log, size_t log_size);

/* Puts the module back in its state after loading (timer stopped, default
 * period, bh=workqueue), so that a program does what it did before. 0 or -1. */
int reset_module(void);

/* Prints the results of every operation made so far and the follow-up
 * checks' counts. */
void print_totals(void);

/* The guided mode (fuzz_guide.c): irqctx_fuzz -G MINUTES ...; exit status. */
int guided_main(int argc, char **argv);

/* Program text (above): 0, or -1 if LINE is not a program. */
int prog_parse(const char *line, struct program *p);
/* The text of P in BUF (at most SIZE bytes with the NUL). */
void prog_format(const struct program *p, char *buf, size_t size);

#endif
