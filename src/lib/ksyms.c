// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdint.h>
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

/*
 * A text symbol of a /proc/kallsyms line ("ffffffff81200000 t tcp_v4_rcv\t[mod]"):
 * true with @addr and @name (NUL-terminated inside @line), false for others.
 */
static bool parse_text_symbol(char *line, __u64 *addr, char **name)
{
	char *type = strchr(line, ' ');
	uint64_t a;

	if (!type || type[1] == '\0' || type[2] != ' ')
		return false;
	*type++ = '\0';
	/* Text symbols only: a drop location is always code. */
	if (!strchr("tTwW", *type) || ns_parse_hex_u64(line, &a))
		return false;
	*name = type + 2;
	(*name)[strcspn(*name, " \t\n")] = '\0';
	*addr = a;
	return true;
}

struct ns_ksyms *ns_ksyms__load(const char *path)
{
	size_t cap = 0, names_len = 0, names_cap = 0;
	bool any_address = false;
	struct ns_ksyms *ks;
	char line[512], *name;
	__u64 addr;
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
		if (!parse_text_symbol(line, &addr, &name))
			continue;
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

/*
 * The names of single addresses, looked up in /proc/kallsyms one pass per
 * address and remembered: a process that only names drop locations (a few
 * dozen functions) holds them, not the whole table (several MiB).
 */
#define NAMES_MAX 4096

struct named {
	__u64 addr;
	char *text;
};

static struct {
	struct named *items; /* by address */
	size_t n;
	const char *path;
} names = { .path = "/proc/kallsyms" };

/* @addr as ns_ksyms__format() gives it, from one pass over @path. */
static void name_from_file(const char *path, __u64 addr, char *buf, size_t len)
{
	char line[512], best[512] = "", *name;
	__u64 at, best_at = 0;
	bool found = false;
	FILE *f = fopen(path, "re");

	while (f && fgets(line, sizeof(line), f)) {
		if (!parse_text_symbol(line, &at, &name) || !at || at > addr)
			continue;
		if (!found || at >= best_at) {
			found = true;
			best_at = at;
			snprintf(best, sizeof(best), "%s", name);
		}
	}
	if (f)
		fclose(f);
	if (found)
		snprintf(buf, len, "%s+0x%llx", best, (unsigned long long)(addr - best_at));
	else
		snprintf(buf, len, "0x%llx", (unsigned long long)addr);
}

static size_t name_slot(__u64 addr)
{
	size_t lo = 0, hi = names.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (names.items[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void ns_ksyms_name(__u64 addr, char *buf, size_t len)
{
	size_t at = name_slot(addr);
	struct named *grown;
	char *text;

	if (at < names.n && names.items[at].addr == addr) {
		snprintf(buf, len, "%s", names.items[at].text);
		return;
	}
	if (kernel.ks)
		ns_ksyms__format(kernel.ks, addr, buf, len);
	else
		name_from_file(names.path, addr, buf, len);
	if (names.n == NAMES_MAX || !(text = strdup(buf)))
		return;
	grown = realloc(names.items, (names.n + 1) * sizeof(*grown));
	if (!grown) {
		free(text);
		return;
	}
	names.items = grown;
	memmove(&names.items[at + 1], &names.items[at], (names.n - at) * sizeof(*grown));
	names.items[at] = (struct named){ .addr = addr, .text = text };
	names.n++;
}

void ns_ksyms_names_release(void)
{
	for (size_t i = 0; i < names.n; i++)
		free(names.items[i].text);
	free(names.items);
	names.items = NULL;
	names.n = 0;
}

void ns_ksyms_names_source(const char *path)
{
	ns_ksyms_names_release();
	names.path = path ? path : "/proc/kallsyms";
}
