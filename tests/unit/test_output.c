// SPDX-License-Identifier: GPL-2.0-only
/* The output's backlog: whole lines into pipes, and loss records past a full backlog. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/output.h"
#include "lib/record.h"

/* A record whose JSON line is a few hundred bytes long. */
static struct ns_record event(unsigned int i)
{
	struct ns_record rec;

	ns_record_init(&rec, 1795309323ULL * 1000000000 + i, "close");
	rec.owner.pid = 100 + i;
	memcpy(rec.owner.comm, "server", 7);
	rec.tuple.family = AF_INET;
	rec.tuple.protocol = 6;
	memcpy(rec.tuple.laddr, (unsigned char[]){ 10, 1, 2, 3 }, 4);
	memcpy(rec.tuple.raddr, (unsigned char[]){ 10, 1, 2, 4 }, 4);
	rec.tuple.lport = 8080;
	rec.tuple.rport = 40000 + i;
	return rec;
}

/* A pipe of one page whose write end never blocks. */
static void small_pipe(int fds[2])
{
	assert_int_equal(pipe2(fds, O_NONBLOCK), 0);
	assert_true(fcntl(fds[1], F_SETPIPE_SZ, 4096) >= 4096);
}

static void a_pipe_gets_whole_lines(void **state)
{
	struct ns_output out;
	char buf[65536];
	ssize_t n;
	int fds[2];

	(void)state;
	small_pipe(fds);
	assert_int_equal(ns_output_init(&out, fds[1], NS_FORMAT_JSON, NULL, "conns"), 0);
	for (unsigned int i = 0; i < 100; i++) {
		struct ns_record rec = event(i);

		ns_output_record(&out, &rec);
	}
	/* The reader takes one page and then nothing: what it got ends with a line. */
	assert_int_equal(ns_output_write(&out, 0), 0);
	n = read(fds[0], buf, sizeof(buf));
	assert_true(n > 0 && n <= PIPE_BUF);
	assert_int_equal(buf[n - 1], '\n');
	/* Every record counted as delivered is a whole line the reader has. */
	{
		uint64_t lines = 0;

		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
		assert_int_equal(out.delivered, lines);
	}
	ns_output_release(&out);
	close(fds[0]);
	close(fds[1]);
}

static void a_loss_record_passes_a_full_backlog(void **state)
{
	struct ns_output out;
	struct ns_record rec;
	size_t before;
	int fds[2];

	(void)state;
	small_pipe(fds);
	assert_int_equal(ns_output_init(&out, fds[1], NS_FORMAT_JSON, NULL, "conns"), 0);
	out.backlog_limit = 2000;
	for (unsigned int i = 0; i < 50; i++) {
		rec = event(i);
		ns_output_record(&out, &rec);
	}
	assert_true(out.undelivered[NS_UNDELIVERED_BACKLOG] > 0);
	before = out.backlog.len;
	ns_record_init(&rec, 1795309323ULL * 1000000000, "events_lost");
	rec.kind = NS_RECORD_METRIC;
	ns_record_u64(&rec, NS_F_COUNT, out.undelivered[NS_UNDELIVERED_BACKLOG]);
	ns_output_notice(&out, &rec);
	assert_true(out.backlog.len > before);
	assert_non_null(strstr(out.backlog.buf + before, "\"event.action\":\"events_lost\""));
	/* It is not an event: not counted among the records. */
	assert_int_equal(out.records, 50);
	ns_output_release(&out);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_pipe_gets_whole_lines),
		cmocka_unit_test(a_loss_record_passes_a_full_backlog),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
