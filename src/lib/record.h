/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The record: what a family makes of a kernel event, and what every renderer
 * (text, JSON lines) consumes. A record carries the common parts (time,
 * action, owner, endpoints) plus typed values from the field table below.
 * Renderers never ask which family a record came from.
 *
 * Endpoints are kept from this host's point of view (local, remote) and the
 * direction says who initiated. JSON uses the ECS view (source = initiator of
 * the connection, or sender of the packet), so a field may name a second key
 * for records whose source is the remote end.
 */
#ifndef NETSIGHT_RECORD_H
#define NETSIGHT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netsight/event.h>

struct ns_cgroup_identity;
struct ns_histogram;

enum ns_kind {
	NS_KIND_U64,
	NS_KIND_I64,
	NS_KIND_BYTES,
	NS_KIND_DURATION, /* nanoseconds; JSON integer */
	NS_KIND_MILLIS, /* nanoseconds; JSON milliseconds with microsecond precision */
	NS_KIND_STR,
	NS_KIND_BOOL,
	NS_KIND_KADDR, /* kernel text address, shown as "function+0xoffset" */
	NS_KIND_KEYWORD, /* a number that ECS defines as a keyword: a JSON string */
	NS_KIND_ERRNO, /* a positive errno: JSON error.code (its name) and error.message */
	/* struct ns_histogram: JSON <key>.buckets, <key>.count, <key>.sum_us */
	NS_KIND_HISTOGRAM,
	NS_KIND_TIME, /* CLOCK_REALTIME ns: JSON ISO 8601 UTC, text as the run's --time */
	NS_KIND_TCP_FLAGS, /* TCP header flag bits: JSON ["SYN","ACK"], text SYN,ACK */
	NS_KIND_RATE, /* bytes per second */
};

/*
 * id, JSON key, JSON key when the remote end is the source (NULL: same),
 * kind, text for a true boolean in a text column.
 */
#define NS_FIELDS(X)                                                                     \
	X(CONNECT_LATENCY, "tcp.connect_latency_ms", NULL, NS_KIND_MILLIS, NULL)         \
	X(ERROR, "error.code", NULL, NS_KIND_ERRNO, NULL)                                \
	X(DURATION, "event.duration", NULL, NS_KIND_DURATION, NULL)                      \
	X(BYTES_SENT, "source.bytes", "destination.bytes", NS_KIND_BYTES, NULL)          \
	X(BYTES_RECEIVED, "destination.bytes", "source.bytes", NS_KIND_BYTES, NULL)      \
	X(RTT, "tcp.rtt_ms", NULL, NS_KIND_MILLIS, NULL)                                 \
	X(RETRANSMITS, "tcp.retransmits", NULL, NS_KIND_U64, NULL)                       \
	X(RETRANSMITS_FAILED, "tcp.retransmits_failed", NULL, NS_KIND_U64, NULL)         \
	X(CLOSE_REASON, "tcp.close_reason", NULL, NS_KIND_STR, NULL)                     \
	X(PREEXISTING, "tcp.preexisting", NULL, NS_KIND_BOOL, "pre-existing")            \
	X(PREEXISTING_CLOSES, "tcp.closes_preexisting", NULL, NS_KIND_U64, NULL)         \
	X(DROP_REASON, "drop.reason", NULL, NS_KIND_STR, NULL)                           \
	X(DROP_LOCATION, "drop.location", NULL, NS_KIND_KADDR, NULL)                     \
	X(DROP_ATTRIBUTION, "drop.attribution", NULL, NS_KIND_STR, NULL)                 \
	X(INGRESS_IFNAME, "observer.ingress.interface.name", NULL, NS_KIND_STR, NULL)    \
	X(INGRESS_IFINDEX, "observer.ingress.interface.id", NULL, NS_KIND_KEYWORD, NULL) \
	X(EGRESS_IFNAME, "observer.egress.interface.name", NULL, NS_KIND_STR, NULL)      \
	X(EGRESS_IFINDEX, "observer.egress.interface.id", NULL, NS_KIND_KEYWORD, NULL)   \
	X(NETNS, "network.netns", NULL, NS_KIND_U64, NULL)                               \
	X(TCP_STATE, "tcp.state", NULL, NS_KIND_STR, NULL)                               \
	X(RESET_REASON, "tcp.reset_reason", NULL, NS_KIND_STR, NULL)                     \
	X(COUNT, "count", NULL, NS_KIND_U64, NULL)                                       \
	X(LISTEN_BACKLOG, "tcp.listen.backlog", NULL, NS_KIND_U64, NULL)                 \
	X(LISTEN_QUEUE, "tcp.listen.queue", NULL, NS_KIND_U64, NULL)                     \
	X(SYNACK_RETRANSMITS, "tcp.synack_retransmits", NULL, NS_KIND_U64, NULL)         \
	X(RESETS_RECEIVED, "tcp.resets_received", NULL, NS_KIND_U64, NULL)               \
	X(RESETS_SENT, "tcp.resets_sent", NULL, NS_KIND_U64, NULL)                       \
	X(CONNECTS_FAILED, "tcp.connects_failed", NULL, NS_KIND_U64, NULL)               \
	X(LISTEN_OVERFLOWS, "tcp.listen_overflows", NULL, NS_KIND_U64, NULL)             \
	X(SUMMARY_SCOPE, "summary.scope", NULL, NS_KIND_STR, NULL)                       \
	X(LOSS_SOURCE, "netsight.loss.source", NULL, NS_KIND_STR, NULL)                  \
	X(MESSAGE, "message", NULL, NS_KIND_STR, NULL)                                   \
	X(LATENCY_METRIC, "latency.metric", NULL, NS_KIND_STR, NULL)                     \
	X(GROUP, "netsight.group", NULL, NS_KIND_STR, NULL)                              \
	X(HISTOGRAM, "histogram", NULL, NS_KIND_HISTOGRAM, NULL)                         \
	X(LATENCY_MIN, "latency.min_us", NULL, NS_KIND_U64, NULL)                        \
	X(LATENCY_MAX, "latency.max_us", NULL, NS_KIND_U64, NULL)                        \
	X(LATENCY_P50, "latency.p50_us", NULL, NS_KIND_U64, NULL)                        \
	X(LATENCY_P90, "latency.p90_us", NULL, NS_KIND_U64, NULL)                        \
	X(LATENCY_P99, "latency.p99_us", NULL, NS_KIND_U64, NULL)                        \
	X(FLOW_PACKETS, "source.packets", NULL, NS_KIND_U64, NULL)                       \
	X(FLOW_RATE, "flow.bytes_per_second", NULL, NS_KIND_RATE, NULL)                  \
	X(FLOW_TOTAL_BYTES, "flow.bytes_total", NULL, NS_KIND_BYTES, NULL)               \
	X(FLOW_START, "flow.start", NULL, NS_KIND_TIME, NULL)                            \
	X(FLOW_END, "flow.end", NULL, NS_KIND_TIME, NULL)                                \
	X(TCP_FLAGS, "tcp.flags", NULL, NS_KIND_TCP_FLAGS, NULL)                         \
	X(DNS_TYPE, "dns.type", NULL, NS_KIND_STR, NULL)                                 \
	X(DNS_ID, "dns.id", NULL, NS_KIND_KEYWORD, NULL)                                 \
	X(DNS_QNAME, "dns.question.name", NULL, NS_KIND_STR, NULL)                       \
	X(DNS_QTYPE, "dns.question.type", NULL, NS_KIND_STR, NULL)                       \
	X(DNS_RCODE, "dns.response_code", NULL, NS_KIND_STR, NULL)                       \
	X(DNS_ANSWERS, "dns.answers_count", NULL, NS_KIND_U64, NULL)                     \
	X(DNS_LATENCY, "dns.latency_ms", NULL, NS_KIND_MILLIS, NULL)                     \
	X(DNS_TIMEOUTS, "dns.timeouts", NULL, NS_KIND_U64, NULL)                         \
	X(DNS_ERRORS, "dns.errors", NULL, NS_KIND_U64, NULL)                             \
	X(DNS_RCODES, "dns.response_codes", NULL, NS_KIND_STR, NULL)                     \
	X(OUTCOME, "event.outcome", NULL, NS_KIND_STR, NULL)                             \
	X(ICMP_TYPE, "icmp.type", NULL, NS_KIND_U64, NULL)                               \
	X(ICMP_CODE, "icmp.code", NULL, NS_KIND_U64, NULL)                               \
	X(FLOW_FRAGMENTS, "flow.fragments", NULL, NS_KIND_BOOL, "fragments")             \
	X(FLOW_TRUNCATED, "flow.truncated", NULL, NS_KIND_BOOL, "truncated")

enum ns_field {
	NS_F_NONE = 0,
#define NS_X(id, key, key_ingress, kind, flag_text) NS_F_##id,
	NS_FIELDS(NS_X)
#undef NS_X
		NS_FIELD_MAX,
};

struct ns_field_info {
	const char *key;
	const char *key_ingress;
	enum ns_kind kind;
	const char *flag_text;
};

const struct ns_field_info *ns_field_info(enum ns_field id);

/* ECS network.direction: which way the connection (or packet) crossed this host. */
enum ns_direction {
	NS_DIR_NONE, /* unknown */
	NS_DIR_EGRESS, /* this host initiated the connection, or sent the packet */
	NS_DIR_INGRESS, /* the remote end initiated, or the packet came in */
};

/*
 * ECS event.type values, as bits; a record lists them in this order. No
 * bit: "info".
 */
#define NS_ECS_TYPES(X)             \
	X(CONNECTION, "connection") \
	X(START, "start")           \
	X(END, "end")               \
	X(DENIED, "denied")         \
	X(ERROR, "error")           \
	X(PROTOCOL, "protocol")     \
	X(INFO, "info")

enum ns_ecs_type_bit {
#define NS_X(id, name) NS_ECS_BIT_##id,
	NS_ECS_TYPES(NS_X)
#undef NS_X
		NS_ECS_TYPE_MAX,
};

enum ns_ecs_type {
#define NS_X(id, name) NS_ECS_##id = 1U << NS_ECS_BIT_##id,
	NS_ECS_TYPES(NS_X)
#undef NS_X
};

const char *ns_ecs_type_name(enum ns_ecs_type_bit bit);

/* Parts of a record's tuple that are not known (summary rows keep only some). */
enum ns_tuple_part {
	NS_PART_LADDR = 1U << 0,
	NS_PART_LPORT = 1U << 1,
	NS_PART_RADDR = 1U << 2,
	NS_PART_RPORT = 1U << 3,
};

struct ns_value {
	enum ns_field id;
	union {
		uint64_t u64;
		int64_t i64;
		bool b;
		double dbl;
		const char *str; /* static, or owned by the family's decoder */
		const struct ns_histogram *hist; /* owned by the family */
	};
};

#define NS_RECORD_MAX_VALUES 32

/* ECS event.kind: what a record is. */
enum ns_record_kind {
	NS_RECORD_EVENT, /* something that happened */
	NS_RECORD_METRIC, /* a count over a period: summary rows, losses */
};

struct ns_record {
	uint64_t epoch_ns;
	const char *action;
	enum ns_record_kind kind;
	unsigned int ecs_types; /* enum ns_ecs_type bits */
	struct ns_owner owner; /* pid 0: unknown */
	/*
	 * family 0: no endpoints. A socket's tuple is local/remote and
	 * @direction says which end initiated; with @packet it is a packet's,
	 * laddr/lport its sender, raddr/rport its destination.
	 */
	struct ns_tuple tuple;
	enum ns_direction direction;
	bool packet;
	unsigned int unknown; /* enum ns_tuple_part bits */
	/*
	 * What the owner's cgroup says, where a row stands for a container
	 * rather than a cgroup; NULL: looked up from owner.cgroup_id.
	 */
	const struct ns_cgroup_identity *identity;
	/* Summary rows sort by rank, then by count, largest first. */
	unsigned int rank;
	size_t nvalues;
	struct ns_value values[NS_RECORD_MAX_VALUES];
};

/*
 * Whether the record names a process: pid 0 with a name is the idle task
 * (swapper/N), in whose context softirq work often runs.
 */
static inline bool ns_record_has_owner(const struct ns_record *rec)
{
	return rec->owner.pid || rec->owner.comm[0];
}

/* Whether the record names the socket's opener, another process than its user. */
static inline bool ns_record_has_opener(const struct ns_record *rec)
{
	return rec->owner.opener_pid && rec->owner.opener_pid != rec->owner.pid;
}

/* Whether the ECS source is the tuple's remote end (an accepted connection). */
static inline bool ns_record_remote_is_source(const struct ns_record *rec)
{
	return !rec->packet && rec->direction == NS_DIR_INGRESS;
}

void ns_record_init(struct ns_record *rec, uint64_t epoch_ns, const char *action);
void ns_record_u64(struct ns_record *rec, enum ns_field id, uint64_t v);
void ns_record_i64(struct ns_record *rec, enum ns_field id, int64_t v);
void ns_record_str(struct ns_record *rec, enum ns_field id, const char *v);
void ns_record_bool(struct ns_record *rec, enum ns_field id, bool v);
void ns_record_hist(struct ns_record *rec, enum ns_field id, const struct ns_histogram *v);
void ns_record_double(struct ns_record *rec, enum ns_field id, double v);

/* TCP header flags by name (FIN, SYN, RST, PSH, ACK, URG, ECE, CWR). */
#define NS_TCP_FLAG_NAMES 8
/* The names of the flags set in @bits, in header order, into @names; how many. */
size_t ns_tcp_flag_names(uint64_t bits, const char *names[NS_TCP_FLAG_NAMES]);
const struct ns_value *ns_record_find(const struct ns_record *rec, enum ns_field id);

#endif /* NETSIGHT_RECORD_H */
