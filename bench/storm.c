// SPDX-License-Identifier: GPL-2.0-only
/*
 * A TCP connection storm on loopback: client threads connect, send a small
 * request, read the reply and close, as fast as they can; server threads
 * accept, read, reply and close first (so TIME_WAIT stays on the server side
 * and clients never run out of ports). Prints the completed connections per
 * second as one JSON line.
 *
 *   storm [-c client threads] [-s server threads] [-d seconds] [-p port]
 *         [-b request/reply bytes]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static atomic_bool stopping;
static atomic_ulong completed, failed;
static int listen_fd;
static struct sockaddr_in addr;
static size_t msg_len = 64;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

static void *server(void *arg)
{
	char buf[4096];

	(void)arg;
	while (!atomic_load(&stopping)) {
		int fd = accept(listen_fd, NULL, NULL);

		if (fd < 0)
			continue;
		if (!read_full(fd, buf, msg_len))
			(void)!write(fd, buf, msg_len);
		close(fd);
	}
	return NULL;
}

static void *client(void *arg)
{
	char buf[4096];

	(void)arg;
	memset(buf, 'x', sizeof(buf));
	while (!atomic_load(&stopping)) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		bool ok = false;

		if (fd < 0)
			break;
		if (!connect(fd, (struct sockaddr *)&addr, sizeof(addr)) &&
		    write(fd, buf, msg_len) == (ssize_t)msg_len && !read_full(fd, buf, msg_len))
			ok = read(fd, buf, 1) == 0; /* the server's FIN */
		close(fd);
		atomic_fetch_add(ok ? &completed : &failed, 1);
	}
	return NULL;
}

static int usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-c clients] [-s servers] [-d seconds] [-p port] [-b bytes]\n",
		prog);
	return 2;
}

int main(int argc, char **argv)
{
	int clients = 2, servers = 2, port = 7777, opt, one = 1;
	double seconds = 5, start, elapsed;
	pthread_t threads[128];
	int nthreads = 0;

	while ((opt = getopt(argc, argv, "c:s:d:p:b:")) != -1) {
		switch (opt) {
		case 'c':
			clients = strtol(optarg, NULL, 10);
			break;
		case 's':
			servers = strtol(optarg, NULL, 10);
			break;
		case 'd':
			seconds = strtod(optarg, NULL);
			break;
		case 'p':
			port = strtol(optarg, NULL, 10);
			break;
		case 'b':
			msg_len = strtoul(optarg, NULL, 10);
			break;
		default:
			return usage(argv[0]);
		}
	}
	if (clients < 1 || servers < 1 || clients + servers > 128 || seconds <= 0 || msg_len < 1 ||
	    msg_len > 4096)
		return usage(argv[0]);
	addr.sin_family = AF_INET;
	addr.sin_port = htons(port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(listen_fd, 4096)) {
		perror("storm: listen");
		return 1;
	}
	for (int i = 0; i < servers; i++)
		pthread_create(&threads[nthreads++], NULL, server, NULL);
	start = now();
	for (int i = 0; i < clients; i++)
		pthread_create(&threads[nthreads++], NULL, client, NULL);
	usleep(seconds * 1e6);
	atomic_store(&stopping, true);
	elapsed = now() - start;
	/* Unblock servers waiting in accept(). */
	shutdown(listen_fd, SHUT_RDWR);
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	printf("{\"connections\": %lu, \"failed\": %lu, \"seconds\": %.3f, \"rate\": %.1f}\n",
	       atomic_load(&completed), atomic_load(&failed), elapsed,
	       atomic_load(&completed) / elapsed);
	return 0;
}
