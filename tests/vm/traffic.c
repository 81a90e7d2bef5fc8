// SPDX-License-Identifier: GPL-2.0-only
/*
 * Known loopback traffic for the kernel matrix, where there is no Python:
 *
 *   traffic conns PORT N      N connections to a listener on PORT, 3 bytes each way
 *   traffic refused PORT N    N connects to PORT, where nothing listens
 *   traffic udp PORT N        N datagrams to PORT, where nothing listens
 *   traffic overflow PORT N S a listener (backlog 1) that never accepts, N
 *                             clients trying to connect, for S seconds
 *
 * Prints "ok" and exits 0 when the traffic went as intended.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int listener(int port, int backlog)
{
	struct sockaddr_in a = loopback(port);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, backlog))
		return -1;
	return fd;
}

static int connect_to(int port, int flags)
{
	struct sockaddr_in a = loopback(port);
	int fd = socket(AF_INET, SOCK_STREAM | flags, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static int conns(int port, int n)
{
	int lfd = listener(port, 16);
	char buf[3];

	for (int i = 0; lfd >= 0 && i < n; i++) {
		int c = connect_to(port, 0), a = accept(lfd, NULL, NULL);

		if (c < 0 || a < 0 || write(c, "abc", 3) != 3 || read(a, buf, 3) != 3 ||
		    write(a, "xyz", 3) != 3 || read(c, buf, 3) != 3)
			return 1;
		close(c);
		close(a);
	}
	return lfd < 0;
}

static int refused(int port, int n)
{
	for (int i = 0; i < n; i++)
		if (connect_to(port, 0) >= 0 || errno != ECONNREFUSED)
			return 1;
	return 0;
}

static int udp(int port, int n)
{
	struct sockaddr_in to = loopback(port);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	for (int i = 0; fd >= 0 && i < n; i++)
		if (sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) != 1)
			return 1;
	return fd < 0;
}

static int overflow(int port, int n, int seconds)
{
	int lfd = listener(port, 1);

	for (int i = 0; lfd >= 0 && i < n; i++)
		if (connect_to(port, SOCK_NONBLOCK) < 0)
			return 1;
	sleep(seconds);
	return lfd < 0;
}

/* A whole decimal number from 0 to 65535, or -1. */
static int number(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno || end == s || *end || v < 0 || v > 65535 ? -1 : (int)v;
}

int main(int argc, char **argv)
{
	int port, n, ret = 2;

	if (argc < 4)
		goto usage;
	port = number(argv[2]);
	n = number(argv[3]);
	if (port < 1 || n < 0)
		goto usage;
	if (!strcmp(argv[1], "conns"))
		ret = conns(port, n);
	else if (!strcmp(argv[1], "refused"))
		ret = refused(port, n);
	else if (!strcmp(argv[1], "udp"))
		ret = udp(port, n);
	else if (!strcmp(argv[1], "overflow") && argc == 5)
		ret = overflow(port, n, number(argv[4]));
	if (ret != 2) {
		puts(ret ? "failed" : "ok");
		return ret;
	}
usage:
	fprintf(stderr, "usage: traffic conns|refused|udp|overflow PORT N [SECONDS]\n");
	return 2;
}
