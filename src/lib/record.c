// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "lib/record.h"

static const struct ns_field_info fields[NS_FIELD_MAX] = {
#define NS_X(id, k, k_in, kd, flag) \
	[NS_F_##id] = { .key = k, .key_ingress = k_in, .kind = kd, .flag_text = flag },
	NS_FIELDS(NS_X)
#undef NS_X
};

static const char *const ecs_type_names[NS_ECS_TYPE_MAX] = {
#define NS_X(id, name) [NS_ECS_BIT_##id] = name,
	NS_ECS_TYPES(NS_X)
#undef NS_X
};

const char *ns_ecs_type_name(enum ns_ecs_type_bit bit)
{
	return bit < NS_ECS_TYPE_MAX ? ecs_type_names[bit] : NULL;
}

const struct ns_field_info *ns_field_info(enum ns_field id)
{
	return id > NS_F_NONE && id < NS_FIELD_MAX ? &fields[id] : NULL;
}

void ns_record_init(struct ns_record *rec, uint64_t epoch_ns, const char *action)
{
	memset(rec, 0, offsetof(struct ns_record, values));
	rec->epoch_ns = epoch_ns;
	rec->action = action;
}

/* The slot for @id: its existing value, or a new one. NULL for an unknown id. */
static struct ns_value *slot(struct ns_record *rec, enum ns_field id)
{
	struct ns_value *v = (struct ns_value *)ns_record_find(rec, id);

	if (v)
		return v;
	if (!ns_field_info(id) || rec->nvalues >= NS_RECORD_MAX_VALUES)
		return NULL;
	v = &rec->values[rec->nvalues++];
	v->id = id;
	return v;
}

void ns_record_u64(struct ns_record *rec, enum ns_field id, uint64_t val)
{
	struct ns_value *v = slot(rec, id);

	if (v)
		v->u64 = val;
}

void ns_record_i64(struct ns_record *rec, enum ns_field id, int64_t val)
{
	struct ns_value *v = slot(rec, id);

	if (v)
		v->i64 = val;
}

void ns_record_str(struct ns_record *rec, enum ns_field id, const char *val)
{
	struct ns_value *v = slot(rec, id);

	if (v)
		v->str = val;
}

void ns_record_bool(struct ns_record *rec, enum ns_field id, bool val)
{
	struct ns_value *v = slot(rec, id);

	if (v)
		v->b = val;
}

const struct ns_value *ns_record_find(const struct ns_record *rec, enum ns_field id)
{
	for (size_t i = 0; i < rec->nvalues; i++)
		if (rec->values[i].id == id)
			return &rec->values[i];
	return NULL;
}

void ns_record_hist(struct ns_record *rec, enum ns_field id, const struct ns_histogram *val)
{
	struct ns_value *v = slot(rec, id);

	if (v)
		v->hist = val;
}

void ns_record_double(struct ns_record *rec, enum ns_field id, double val)
{
	struct ns_value *v = slot(rec, id);

	if (v)
		v->dbl = val;
}

size_t ns_tcp_flag_names(uint64_t bits, const char *names[NS_TCP_FLAG_NAMES])
{
	/* The order of the flags byte of the TCP header (RFC 9293, RFC 3168). */
	static const char *const all[NS_TCP_FLAG_NAMES] = { "FIN", "SYN", "RST", "PSH",
							    "ACK", "URG", "ECE", "CWR" };
	size_t n = 0;

	for (int i = 0; i < NS_TCP_FLAG_NAMES; i++)
		if (bits & (1U << i))
			names[n++] = all[i];
	return n;
}
