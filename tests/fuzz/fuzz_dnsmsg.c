// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the DNS message reader (lib/dnsmsg.c): any bytes, as
 * the kernel may copy them. Besides the sanitizers' checks, what it reads
 * must make sense: a NUL-terminated name in presentation format, and a
 * name read at every offset stays inside the buffer.
 *
 *   make fuzz FUZZ_SECONDS=600     (corpus: tests/fuzz/corpus/dnsmsg)
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/dnsmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ns_dns_msg m;
	char name[NS_DNS_NAME_LEN];

	if (!ns_dns_parse(data, size, &m) && m.has_question) {
		assert(memchr(m.qname, '\0', sizeof(m.qname)));
		assert(m.qname[0]);
	}
	for (size_t off = 12; off < size && off < 64; off++) {
		size_t at = off;

		if (!ns_dns_read_name(data, size, &at, name, sizeof(name)))
			assert(at > off && at <= size && memchr(name, '\0', sizeof(name)));
	}
	return 0;
}
