/*
 * svc_mock MS FILE [once]: a stand-in service for bench/svcctl_bench.sh.
 * It spends MS milliseconds "initialising", creates FILE (its readiness
 * signal) and then runs until it is stopped, as one process: what a real
 * daemon does, without the two extra processes (sleep, touch) a shell
 * version needs.  With "once" it exits once ready (for the baselines).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct timespec ts;
	long ms;
	int fd;

	if (argc < 3 || argc > 4 || (ms = strtol(argv[1], NULL, 10)) < 0) {
		fprintf(stderr, "usage: svc_mock MS FILE [once]\n");
		return 2;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	if ((fd = open(argv[2], O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		perror(argv[2]);
		return 1;
	}
	close(fd);
	if (argc == 4)
		return 0;
	for (;;)
		pause();
}
