// SPDX-License-Identifier: GPL-2.0-only
/*
 * The price of one system call that touches no socket: a tight loop of
 * getppid(), through syscall() so no library caches it. Prints the best
 * nanoseconds per call of a few repetitions as one JSON line, so that a
 * scheduler hiccup in one repetition does not count.
 *
 *   syscall_loop [-n calls per repetition] [-r repetitions]
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long calls = 2000000, reps = 5;
	double best = 0;
	int opt;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		switch (opt) {
		case 'n':
			calls = strtol(optarg, NULL, 10);
			break;
		case 'r':
			reps = strtol(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: %s [-n calls] [-r repetitions]\n", argv[0]);
			return 2;
		}
	}
	if (calls <= 0 || reps <= 0) {
		fprintf(stderr, "%s: -n and -r must be positive\n", argv[0]);
		return 2;
	}
	for (long r = 0; r < reps; r++) {
		double t0 = now(), ns;

		for (long i = 0; i < calls; i++)
			syscall(SYS_getppid);
		ns = (now() - t0) * 1e9 / calls;
		if (!r || ns < best)
			best = ns;
	}
	printf("{\"ns_per_call\": %.2f, \"calls\": %ld}\n", best, calls * reps);
	return 0;
}
