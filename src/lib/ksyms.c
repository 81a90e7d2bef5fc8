// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ksyms.h"
#include "lib/parse.h"

struct ksym {
	__u64 addr;
	size_t name; /* offset in names */
};

struct ns_ksyms {
	struct ksym *syms;
	size_t count;
	char *names;
	bool restricted;
};

static int cmp_ksym(const void *a, const void *b)
{
	__u64 x = ((const struct ksym *)a)->addr, y = ((const struct ksym *)b)->addr;

	return x < y ? -1 : x > y;
}

/* Appends; grows the arrays geometrically. */
static int add(struct ns_ksyms *ks, size_t *cap, size_t *names_len, size_t *names_cap, __u64 addr,
	       const char *name)
{
	size_t len = strlen(name) + 1;

	if (ks->count == *cap) {
		struct ksym *grown = realloc(ks->syms, (*cap ? *cap * 2 : 4096) * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		ks->syms = grown;
		*cap = *cap ? *cap * 2 : 4096;
	}
	if (*names_len + len > *names_cap) {
		size_t ncap = *names_cap ? *names_cap * 2 : 65536;
		char *grown;

		while (ncap < *names_len + len)
			ncap *= 2;
		grown = realloc(ks->names, ncap);
		if (!grown)
			return -ENOMEM;
		ks->names = grown;
		*names_cap = ncap;
	}
	memcpy(ks->names + *names_len, name, len);
	ks->syms[ks->count++] = (struct ksym){ .addr = addr, .name = *names_len };
	*names_len += len;
	return 0;
}

struct ns_ksyms *ns_ksyms__load(const char *path)
{
	size_t cap = 0, names_len = 0, names_cap = 0;
	bool any_address = false;
	struct ns_ksyms *ks;
	char line[512];
	int err = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return NULL;
	ks = calloc(1, sizeof(*ks));
	if (!ks) {
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	while (!err && fgets(line, sizeof(line), f)) {
		/* "ffffffff81200000 t tcp_v4_rcv\t[module]\n" */
		char *type = strchr(line, ' '), *name;
		uint64_t addr;

		if (!type || type[1] == '\0' || type[2] != ' ')
			continue;
		*type++ = '\0';
		/* Text symbols only: a drop location is always code. */
		if (!strchr("tTwW", *type) || ns_parse_hex_u64(line, &addr))
			continue;
		name = type + 2;
		name[strcspn(name, " \t\n")] = '\0';
		any_address |= addr != 0;
		err = add(ks, &cap, &names_len, &names_cap, addr, name);
	}
	fclose(f);
	if (err) {
		ns_ksyms__free(ks);
		errno = -err;
		return NULL;
	}
	ks->restricted = !any_address;
	qsort(ks->syms, ks->count, sizeof(*ks->syms), cmp_ksym);
	return ks;
}

void ns_ksyms__free(struct ns_ksyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->names);
	free(ks);
}

bool ns_ksyms__restricted(const struct ns_ksyms *ks)
{
	return ks->restricted;
}

size_t ns_ksyms__count(const struct ns_ksyms *ks)
{
	return ks->count;
}

void ns_ksyms__format(const struct ns_ksyms *ks, __u64 addr, char *buf, size_t len)
{
	size_t lo = 0, hi = ks ? ks->count : 0;

	/* The last symbol at or below addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!ks || ks->restricted || lo == 0) {
		snprintf(buf, len, "0x%llx", (unsigned long long)addr);
		return;
	}
	snprintf(buf, len, "%s+0x%llx", ks->names + ks->syms[lo - 1].name,
		 (unsigned long long)(addr - ks->syms[lo - 1].addr));
}

int ns_ksyms__range(const struct ns_ksyms *ks, const char *name, __u64 *start, __u64 *end)
{
	if (ks->restricted)
		return -EPERM;
	/* Sorted by address, so the next higher address ends the symbol. */
	for (size_t i = 0; i < ks->count; i++) {
		if (strcmp(ks->names + ks->syms[i].name, name))
			continue;
		*start = ks->syms[i].addr;
		*end = *start;
		for (size_t j = i + 1; j < ks->count && *end == *start; j++)
			*end = ks->syms[j].addr;
		if (*end == *start)
			return -ENOENT;
		return 0;
	}
	return -ENOENT;
}

static struct {
	struct ns_ksyms *ks;
	int load_errno;
} kernel;

const struct ns_ksyms *ns_ksyms_default(void)
{
	if (!kernel.ks && !kernel.load_errno) {
		kernel.ks = ns_ksyms__load("/proc/kallsyms");
		if (!kernel.ks)
			kernel.load_errno = errno ? errno : EIO;
	}
	errno = kernel.load_errno;
	return kernel.ks;
}

void ns_ksyms_default_release(void)
{
	ns_ksyms__free(kernel.ks);
	kernel.ks = NULL;
	kernel.load_errno = 0;
}
