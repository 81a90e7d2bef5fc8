// SPDX-License-Identifier: GPL-2.0-only
/* Reading a BPF map's kernel memory from its fdinfo text. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/mapmem.h"

static void reads_a_maps_fdinfo(void **state)
{
	/* As Linux 6.18 prints it (kernel/bpf/syscall.c, bpf_map_show_fdinfo()). */
	static const char text[] = "pos:\t0\n"
				   "flags:\t02000002\n"
				   "mnt_id:\t16\n"
				   "ino:\t1057\n"
				   "map_type:\t27\n"
				   "key_size:\t0\n"
				   "value_size:\t0\n"
				   "max_entries:\t2097152\n"
				   "map_flags:\t0x0\n"
				   "map_extra:\t0x0\n"
				   "memlock:\t2117632\n"
				   "map_id:\t4242\n"
				   "frozen:\t0\n";
	__u64 bytes = 0;
	__u32 id = 0;

	(void)state;
	assert_int_equal(ns_fdinfo_map_memlock(text, &id, &bytes), 0);
	assert_int_equal(id, 4242);
	assert_int_equal(bytes, 2117632);
}

static void other_descriptors_are_not_maps(void **state)
{
	/* A program's fdinfo has memlock too, but no map_type. */
	static const char prog[] = "pos:\t0\nflags:\t02000002\nprog_type:\t26\n"
				   "prog_jited:\t1\nmemlock:\t4096\nprog_id:\t77\n";
	__u64 bytes;
	__u32 id;

	(void)state;
	assert_int_equal(ns_fdinfo_map_memlock(prog, &id, &bytes), -ENOENT);
	assert_int_equal(ns_fdinfo_map_memlock("", &id, &bytes), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_a_maps_fdinfo),
		cmocka_unit_test(other_descriptors_are_not_maps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
