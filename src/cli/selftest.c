// SPDX-License-Identifier: GPL-2.0-only
/*
 * The self-test scenario. A child process moves into a network namespace of
 * its own and makes known traffic on its loopback, one stage at a time, on
 * the parent's command; the parent traces with the conns, tcp and drops
 * families, keeps only what happened in that namespace, and compares it with
 * the namespace's counters (/proc/<child>/net/snmp and netstat) read before
 * and after each stage. The namespace goes with the child.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli/selftest.h"
#include "lib/nstat.h"
#include "lib/session.h"
#include "lib/units.h"
#include "probes/drop.h"
#include "probes/registry.h"

#define CONNECTIONS 5
#define REFUSED 3
#define DATAGRAMS 4
#define OVERFLOW_CLIENTS 4
/* SYNs are retransmitted after 1 s, then 3 s: this reads counters in between. */
#define OVERFLOW_HOLD_MS 1600
#define SETTLE_MS 300

enum stage {
	STAGE_READY = 'R',
	STAGE_CONNECT = 'A',
	STAGE_REFUSED = 'B',
	STAGE_UDP = 'C',
	STAGE_OVERFLOW = 'D',
	STAGE_RELEASE = 'X', /* closes what the overflow stage holds */
	STAGE_QUIT = 'Q',
	REPLY_OK = 'K',
	REPLY_FAILED = 'E',
};

/* ---- the child, in its own network namespace ---- */

static int lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		err = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!err && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		err = -errno;
	close(fd);
	return err;
}

static struct sockaddr_in loopback(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* A socket of @type bound to 127.0.0.1 on a free port (in *port); listening if TCP. */
static int bound(int type, int backlog, uint16_t *port)
{
	struct sockaddr_in a = loopback(0);
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    (type == SOCK_STREAM && listen(fd, backlog)) ||
	    getsockname(fd, (struct sockaddr *)&a, &len)) {
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* A port nothing listens on: one just given back. */
static int closed_port(int type, uint16_t *port)
{
	int fd = bound(type, 1, port);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int connect_to(uint16_t port, int flags)
{
	struct sockaddr_in a = loopback(port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) && errno != EINPROGRESS) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static bool exchange(int client, int server)
{
	char buf[3];

	return write(client, "abc", 3) == 3 && read(server, buf, 3) == 3 &&
	       write(server, "xyz", 3) == 3 && read(client, buf, 3) == 3;
}

static bool stage_connections(void)
{
	uint16_t port;
	int lfd = bound(SOCK_STREAM, 16, &port);
	bool ok = lfd >= 0;

	for (int i = 0; ok && i < CONNECTIONS; i++) {
		int c = connect_to(port, 0), a = c >= 0 ? accept(lfd, NULL, NULL) : -1;

		ok = a >= 0 && exchange(c, a);
		if (c >= 0)
			close(c);
		if (a >= 0)
			close(a);
	}
	if (lfd >= 0)
		close(lfd);
	return ok;
}

static bool stage_refused(void)
{
	uint16_t port;

	if (closed_port(SOCK_STREAM, &port))
		return false;
	for (int i = 0; i < REFUSED; i++)
		if (connect_to(port, 0) >= 0 || errno != ECONNREFUSED)
			return false;
	return true;
}

static bool stage_udp(void)
{
	uint16_t port;
	struct sockaddr_in to;
	bool ok = !closed_port(SOCK_DGRAM, &port);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	to = loopback(port);
	for (int i = 0; ok && fd >= 0 && i < DATAGRAMS; i++)
		ok = sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) == 1;
	if (fd >= 0)
		close(fd);
	return ok && fd >= 0;
}

/* A listener with room for 2 (backlog 1) that never accepts, and more clients. */
static bool stage_overflow(int fds[OVERFLOW_CLIENTS + 1])
{
	uint16_t port;
	bool ok;

	fds[0] = bound(SOCK_STREAM, 1, &port);
	ok = fds[0] >= 0;
	for (int i = 1; ok && i <= OVERFLOW_CLIENTS; i++)
		ok = (fds[i] = connect_to(port, SOCK_NONBLOCK)) >= 0;
	return ok;
}

static void release(int fds[OVERFLOW_CLIENTS + 1])
{
	for (int i = 0; i <= OVERFLOW_CLIENTS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void reply(int ctl, bool ok)
{
	char c = ok ? REPLY_OK : REPLY_FAILED;

	if (write(ctl, &c, 1) != 1)
		_exit(1);
}

static void child(int ctl)
{
	int held[OVERFLOW_CLIENTS + 1];
	char c;

	memset(held, -1, sizeof(held));
	if (unshare(CLONE_NEWNET) || lo_up()) {
		reply(ctl, false);
		_exit(1);
	}
	reply(ctl, true);
	while (read(ctl, &c, 1) == 1 && c != STAGE_QUIT) {
		switch (c) {
		case STAGE_CONNECT:
			reply(ctl, stage_connections());
			break;
		case STAGE_REFUSED:
			reply(ctl, stage_refused());
			break;
		case STAGE_UDP:
			reply(ctl, stage_udp());
			break;
		case STAGE_OVERFLOW:
			reply(ctl, stage_overflow(held));
			break;
		case STAGE_RELEASE:
			release(held);
			memset(held, -1, sizeof(held));
			reply(ctl, true);
			break;
		default:
			reply(ctl, false);
		}
	}
	_exit(0);
}

/* ---- the parent: tracing and comparing ---- */

/* What netsight reported in the scenario's namespace, per stage. */
struct tally {
	__u64 netns;
	uint64_t connects, accepts, refused, resets_sent, udp_no_socket, overflows;
};

static bool field_is(const struct ns_record *rec, enum ns_field f, const char *want)
{
	const struct ns_value *v = ns_record_find(rec, f);

	return v && !strcmp(v->str, want);
}

static void tally(const struct ns_record *rec, const struct ns_family *fam, void *ctx)
{
	const struct ns_value *netns = ns_record_find(rec, NS_F_NETNS);
	const struct ns_value *v;
	struct tally *t = ctx;

	(void)fam;
	if (!netns || netns->u64 != t->netns)
		return;
	if (!strcmp(rec->action, "connect"))
		t->connects++;
	else if (!strcmp(rec->action, "accept"))
		t->accepts++;
	else if (!strcmp(rec->action, "connect_failed") && (v = ns_record_find(rec, NS_F_ERROR)) &&
		 v->u64 == ECONNREFUSED)
		t->refused++;
	else if (!strcmp(rec->action, "reset_sent"))
		t->resets_sent++;
	else if (!strcmp(rec->action, "drop") && field_is(rec, NS_F_DROP_REASON, "NO_SOCKET") &&
		 rec->tuple.protocol == IPPROTO_UDP)
		t->udp_no_socket++;
	else if (!strcmp(rec->action, "listen_overflow") && (v = ns_record_find(rec, NS_F_COUNT)))
		t->overflows += v->u64;
}

struct scenario {
	struct ns_session *s;
	struct tally t;
	pid_t pid;
	int ctl;
	struct ns_nstat before;
	struct ns_selftest *out;
};

/* Reads and handles events for @ms; with @ctl >= 0 returns early on its reply. */
static int pump(struct scenario *sc, int ms, char *reply_out)
{
	uint64_t deadline = ns_boot_now() + (uint64_t)ms * 1000000;
	struct pollfd pfd = { .fd = sc->ctl, .events = POLLIN };
	int err = 0;

	while (!err && ns_boot_now() < deadline) {
		err = ns_session__poll(sc->s, 50);
		if (err == -EINTR)
			err = 0;
		if (!err)
			err = ns_session__drain(sc->s);
		if (!err)
			err = ns_session__tick(sc->s);
		if (!err && reply_out && poll(&pfd, 1, 0) == 1)
			return read(sc->ctl, reply_out, 1) == 1 ? 0 : -EPIPE;
	}
	return err ? err : reply_out ? -ETIMEDOUT : 0;
}

/* Runs stage @stage in the child and waits for its reply and the events. */
static int run_stage(struct scenario *sc, char stage, int settle_ms)
{
	char r = 0;
	int err;

	ns_nstat_release(&sc->before);
	err = ns_nstat_read(&sc->before, sc->pid);
	if (err)
		return err;
	memset(&sc->t.connects, 0, sizeof(sc->t) - offsetof(struct tally, connects));
	if (write(sc->ctl, &stage, 1) != 1)
		return -EPIPE;
	err = pump(sc, 10000, &r);
	if (!err && r != REPLY_OK)
		err = -EIO;
	return err ? err : pump(sc, settle_ms, NULL);
}

/*
 * Compares @seen with the growth of @counter since the stage began, unless
 * @skipped says why this kernel cannot make them equal.
 */
static int check(struct scenario *sc, const char *what, uint64_t seen, const char *counter,
		 const char *skipped)
{
	struct ns_selftest *out = sc->out;
	struct ns_nstat after;
	struct ns_check *c;
	int err;

	if (out->n == NS_SELFTEST_MAX_CHECKS)
		return -E2BIG;
	if (skipped) {
		out->checks[out->n++] = (struct ns_check){
			.what = what, .counter = counter, .pass = true, .skipped = skipped
		};
		return 0;
	}
	err = ns_nstat_read(&after, sc->pid);
	if (err)
		return err;
	c = &out->checks[out->n++];
	c->what = what;
	c->counter = counter;
	c->seen = seen;
	c->kernel = ns_nstat_get(&after, counter) - ns_nstat_get(&sc->before, counter);
	c->pass = c->seen == c->kernel;
	ns_nstat_release(&after);
	return 0;
}

static int load(struct scenario *sc)
{
	static const struct ns_family *const families[] = { &ns_owner_family, &ns_conn_family,
							    &ns_tcp_family, &ns_drop_family, NULL };
	__u8 wanted[NS_DROP_REASON_SLOTS];
	int err = ns_drop_reasons_load();

	if (err)
		return err;
	ns_drop_all_reasons(wanted);
	ns_drop_select(wanted);
	/* What loads is tested; the checks of a family that does not say so. */
	for (size_t i = 0; families[i]; i++)
		ns_session__add(sc->s, families[i]);
	if (!ns_session__object(sc->s, ns_owner_family.name))
		return -ENOTSUP;
	ns_session__attach(sc->s);
	return ns_session__start(sc->s);
}

/* Why checks of family @name cannot be made, or NULL. */
static const char *missing(struct scenario *sc, const char *name)
{
	return ns_session__object(sc->s, name) ? NULL : "the kernel refuses a program it needs";
}

static int stages(struct scenario *sc)
{
	const char *conn = missing(sc, "conn"), *tcp = missing(sc, "tcp");
	const char *resets = tcp, *drop = missing(sc, "drop"), *accepts = conn, *live = tcp;
	int err;

	if (!resets && !ns_session__usable(sc->s, "tcp_send_reset"))
		resets = "this kernel's tcp_send_reset does not report resets nobody owns";
	if (!live && !ns_session__usable(sc->s, "tcp_iter_listeners") &&
	    !ns_session__usable(sc->s, "tcp_poll_listeners"))
		live = "listeners are checked only when they close (both pollers are refused)";
	err = run_stage(sc, STAGE_CONNECT, SETTLE_MS);
	if (!err)
		err = check(sc, "connect events", sc->t.connects, "TcpActiveOpens", conn);
	if (!err)
		err = check(sc, "accept events", sc->t.accepts, "TcpPassiveOpens", accepts);
	if (!err)
		err = run_stage(sc, STAGE_REFUSED, SETTLE_MS);
	if (!err)
		err = check(sc, "connect_failed ECONNREFUSED", sc->t.refused, "TcpAttemptFails",
			    conn);
	if (!err)
		err = check(sc, "reset_sent events", sc->t.resets_sent, "TcpOutRsts", resets);
	if (!err)
		err = run_stage(sc, STAGE_UDP, SETTLE_MS);
	if (!err)
		err = check(sc, "NO_SOCKET UDP drops", sc->t.udp_no_socket, "UdpNoPorts", drop);
	if (!err)
		err = run_stage(sc, STAGE_OVERFLOW, OVERFLOW_HOLD_MS);
	if (!err)
		err = check(sc, "listen_overflow count, listener open", sc->t.overflows,
			    "TcpExtListenOverflows", live);
	if (!err)
		err = run_stage(sc, STAGE_RELEASE, 0);
	return err;
}

static int start_child(struct scenario *sc)
{
	char path[64], r = 0;
	struct stat st;
	int pair[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair))
		return -errno;
	sc->pid = fork();
	if (sc->pid < 0) {
		close(pair[0]);
		close(pair[1]);
		return -errno;
	}
	if (!sc->pid) {
		close(pair[0]);
		child(pair[1]);
	}
	close(pair[1]);
	sc->ctl = pair[0];
	if (read(sc->ctl, &r, 1) != 1 || r != REPLY_OK)
		return -EPERM; /* the child could not make its namespace */
	snprintf(path, sizeof(path), "/proc/%d/ns/net", sc->pid);
	if (stat(path, &st))
		return -errno;
	sc->t.netns = st.st_ino;
	return 0;
}

static void stop_child(struct scenario *sc)
{
	char quit = STAGE_QUIT;

	if (sc->pid <= 0)
		return;
	if (write(sc->ctl, &quit, 1) != 1)
		kill(sc->pid, SIGKILL);
	close(sc->ctl);
	waitpid(sc->pid, NULL, 0);
}

int ns_selftest_run(const struct ns_cli_opts *o, struct ns_selftest *out)
{
	struct scenario sc = { .out = out, .ctl = -1 };
	struct ns_session_opts sopts = {
		.ringbuf_size = 4 << 20,
		.on_record = tally,
		.ctx = &sc.t,
		.cfg.flags = NS_CFG_ACCEPT_EVENTS,
		.refuse = o->refuse,
		.quiet = true,
	};
	int err;

	memset(out, 0, sizeof(*out));
	err = start_child(&sc);
	if (err) {
		snprintf(out->message, sizeof(out->message),
			 "could not create the test's network namespace");
		goto out;
	}
	sc.s = ns_session__new(&sopts);
	err = sc.s ? load(&sc) : -errno;
	if (err) {
		snprintf(out->message, sizeof(out->message), "could not trace: %s",
			 sc.s ? ns_session__subject(sc.s) : "no memory");
		goto out;
	}
	err = stages(&sc);
	if (err)
		snprintf(out->message, sizeof(out->message), "the scenario failed");
out:
	stop_child(&sc);
	ns_session__free(sc.s);
	ns_nstat_release(&sc.before);
	out->error = err;
	return err;
}

bool ns_selftest_passed(const struct ns_selftest *t)
{
	if (t->error || !t->n)
		return false;
	for (size_t i = 0; i < t->n; i++)
		if (!t->checks[i].pass)
			return false;
	return true;
}
