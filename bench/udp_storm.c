// SPDX-License-Identifier: GPL-2.0-only
/*
 * A drop storm: threads send small UDP datagrams to a port nobody listens on,
 * on loopback (or at -a ADDR), as fast as they can. Every datagram is dropped
 * by the kernel (NO_SOCKET). Prints the datagrams sent per second as one JSON
 * line.
 *
 *   udp_storm [-t threads] [-d seconds] [-p port] [-b bytes] [-a IPv4 address]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static atomic_bool stopping;
static atomic_ulong sent;
static struct sockaddr_in addr;
static size_t msg_len = 32;

static void *sender(void *arg)
{
	char buf[1500] = { 0 };
	unsigned long n = 0;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	(void)arg;
	if (fd < 0)
		return NULL;
	while (!atomic_load_explicit(&stopping, memory_order_relaxed))
		if (sendto(fd, buf, msg_len, 0, (struct sockaddr *)&addr, sizeof(addr)) > 0)
			n++;
	atomic_fetch_add(&sent, n);
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = 2, port = 9, opt;
	double seconds = 5, elapsed;
	struct timespec t0, t1;
	pthread_t tid[64];

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	while ((opt = getopt(argc, argv, "t:d:p:b:a:")) != -1) {
		switch (opt) {
		case 't':
			threads = strtol(optarg, NULL, 10);
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
		case 'a':
			if (inet_pton(AF_INET, optarg, &addr.sin_addr) != 1)
				return 2;
			break;
		default:
			fprintf(stderr,
				"usage: %s [-t threads] [-d seconds] [-p port] [-b bytes] [-a address]\n",
				argv[0]);
			return 2;
		}
	}
	if (threads < 1 || threads > 64 || seconds <= 0 || msg_len < 1 || msg_len > 1400)
		return 2;
	addr.sin_family = AF_INET;
	addr.sin_port = htons(port);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, sender, NULL);
	usleep(seconds * 1e6);
	atomic_store(&stopping, true);
	for (int i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	elapsed = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("{\"packets\": %lu, \"seconds\": %.3f, \"rate\": %.1f}\n", atomic_load(&sent),
	       elapsed, atomic_load(&sent) / elapsed);
	return 0;
}
