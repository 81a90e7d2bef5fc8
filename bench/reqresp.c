// SPDX-License-Identifier: GPL-2.0-only
/*
 * Request/response on long-lived loopback connections: each client thread
 * opens one connection and sends small requests on it, each answered by a
 * server thread of its own, as fast as they go. Prints the completed
 * requests per second as one JSON line.
 *
 *   reqresp [-c connections] [-d seconds] [-p port] [-b request/reply bytes]
 */
#include <arpa/inet.h>
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
static atomic_ulong completed;
static struct sockaddr_in addr;
static size_t msg_len = 32;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads exactly @len bytes; false at end of stream or on error. */
static bool read_all(int fd, char *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n <= 0)
			return false;
		got += n;
	}
	return true;
}

static void *answer(void *arg)
{
	int fd = (int)(long)arg;
	char buf[4096];

	while (read_all(fd, buf, msg_len) && write(fd, buf, msg_len) == (ssize_t)msg_len)
		;
	close(fd);
	return NULL;
}

static void *ask(void *arg)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	char buf[4096];

	(void)arg;
	memset(buf, 'q', sizeof(buf));
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		return (void *)1L;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (!atomic_load(&stopping)) {
		if (write(fd, buf, msg_len) != (ssize_t)msg_len || !read_all(fd, buf, msg_len))
			return (void *)1L;
		atomic_fetch_add(&completed, 1);
	}
	close(fd);
	return NULL;
}

static int usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-c connections] [-d seconds] [-p port] [-b bytes]\n", prog);
	return 2;
}

int main(int argc, char **argv)
{
	int conns = 2, port = 7778, opt, one = 1, lfd;
	double seconds = 5, start, elapsed;
	pthread_t clients[64], servers[64];
	void *failed;
	int bad = 0;

	while ((opt = getopt(argc, argv, "c:d:p:b:")) != -1) {
		switch (opt) {
		case 'c':
			conns = strtol(optarg, NULL, 10);
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
	if (conns < 1 || conns > 64 || seconds <= 0 || msg_len < 1 || msg_len > 4096)
		return usage(argv[0]);
	addr.sin_family = AF_INET;
	addr.sin_port = htons(port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 64)) {
		perror("reqresp: listen");
		return 1;
	}
	for (int i = 0; i < conns; i++)
		pthread_create(&clients[i], NULL, ask, NULL);
	for (int i = 0; i < conns; i++) {
		int fd = accept(lfd, NULL, NULL);

		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		pthread_create(&servers[i], NULL, answer, (void *)(long)fd);
	}
	start = now();
	atomic_store(&completed, 0);
	usleep(seconds * 1e6);
	atomic_store(&stopping, true);
	elapsed = now() - start;
	for (int i = 0; i < conns; i++) {
		pthread_join(clients[i], &failed);
		bad += failed != NULL;
	}
	for (int i = 0; i < conns; i++)
		pthread_join(servers[i], NULL);
	close(lfd);
	printf("{\"requests\": %lu, \"failed_connections\": %d, \"seconds\": %.3f, "
	       "\"rate\": %.1f}\n",
	       atomic_load(&completed), bad, elapsed, atomic_load(&completed) / elapsed);
	return bad != 0;
}
