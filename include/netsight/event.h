/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel <-> user contract shared by every probe family: the common event
 * header, socket owner and connection tuple, the in-kernel error counters and
 * the per-object configuration. Included by clang (BPF target, after
 * vmlinux.h) and by the user-space compiler, so only fixed-width types, fixed
 * arrays and explicit padding appear here; sizes are asserted at the bottom.
 */
#ifndef NETSIGHT_EVENT_H
#define NETSIGHT_EVENT_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define NS_COMM_LEN 16
#define NS_ADDR_LEN 16
/* How many of each filter (--pid, --comm, --cgroup, ports, --addr) a run takes. */
#define NS_MAX_PIDS 16
#define NS_MAX_COMMS 8
#define NS_MAX_CGROUPS 4
#define NS_MAX_PORTS 16
#define NS_MAX_CIDRS 8
#define NS_MAX_CONTAINERS 4
/* A --container id or prefix: up to 64 hex digits, NUL-padded. */
#define NS_CONTAINER_ARG_LEN 68
/* cgroups the --container filter holds (the container's and those nested in it). */
#define NS_FILTER_CGROUPS_MAX 4096

/*
 * Event types: one per record layout. The name is used in diagnostics only;
 * what a record is called in output (event.action) belongs to its family.
 */
#define NS_EVENT_TYPES(X) \
	X(CONN, "conn") X(DROP, "drop") X(TCP, "tcp") X(FLOW, "flow") X(DNS, "dns")

enum ns_event_type {
	NS_EVENT_NONE = 0,
#define NS_X(id, name) NS_EVENT_##id,
	NS_EVENT_TYPES(NS_X)
#undef NS_X
		NS_EVENT_TYPE_MAX,
};

/*
 * Why the kernel side could not do its job. Each is a per-CPU counter that
 * user space sums and reports; "lost" ones mean an event never reached user
 * space, the others mean an event went out with less information.
 */
#define NS_ERRORS(X)                                                                          \
	X(RINGBUF_FULL, "ringbuf_full", 1, "events dropped because the ring buffer was full") \
	X(OWNER_STORAGE, "owner_storage", 0,                                                  \
	  "sockets whose owner could not be recorded (socket storage allocation failed)")     \
	X(CONN_STORAGE, "conn_storage", 1,                                                    \
	  "connections not followed to their end (socket storage allocation failed)")         \
	X(SUMMARY_FULL, "summary_full", 0,                                                    \
	  "updates that found the in-kernel summary table full (counted only in totals, "     \
	  "or in an 'other' row)")                                                            \
	X(LISTENER_STORAGE, "listener_storage", 0,                                            \
	  "listening sockets not watched for overflows (socket storage allocation failed)")   \
	X(NESTED_EVENTS, "nested_runs", 1,                                                    \
	  "program runs the kernel skipped, their events missing: the tracepoint fired "      \
	  "again on a CPU where the program was already running (an interrupt within it)")    \
	X(NESTED_OWNERS, "nested_owner_runs", 0,                                              \
	  "ownership updates the kernel skipped: the tracepoint fired again on a CPU where "  \
	  "the owner program was already running")

enum ns_error {
#define NS_X(id, name, lost, desc) NS_ERR_##id,
	NS_ERRORS(NS_X)
#undef NS_X
		NS_ERR_MAX,
};

/* struct ns_owner.flags */
enum ns_owner_flag {
	/* Inherited from the listening socket, until a process uses the socket. */
	NS_OWNER_PROVISIONAL = 1U << 0,
	/* The socket was created by a listener (this host accepted it). */
	NS_OWNER_PASSIVE = 1U << 1,
	/* The owner was inside the --cgroup filter's subtree when recorded. */
	NS_OWNER_IN_CGROUP = 1U << 2,
};

/*
 * The process a socket belongs to, recorded in process context. pid 0:
 * unknown. pid, comm and cgroup_id are the socket's current user: the process
 * that most recently sent or received data on it. opener_pid and opener_comm
 * name the caller of connect() or accept() (listen(), or socket() for UDP),
 * 0 when that is unknown (a socket open before start-up).
 */
struct ns_owner {
	__u64 cgroup_id;
	__u32 pid;
	__u32 flags;
	char comm[NS_COMM_LEN];
	__u32 opener_pid;
	__u32 pad;
	char opener_comm[NS_COMM_LEN];
};

/*
 * A socket's endpoints from this host's point of view. IPv4 addresses use the
 * first four bytes; IPv4-mapped IPv6 sockets are reported as AF_INET by the
 * kernel side, so aggregation keys and filters see one form per address.
 */
struct ns_tuple {
	__u8 laddr[NS_ADDR_LEN];
	__u8 raddr[NS_ADDR_LEN];
	__u16 lport;
	__u16 rport;
	__u16 family;
	__u8 protocol;
	__u8 pad;
};

/* A listening port in a network namespace (the owner family's owner_listeners). */
struct ns_listen_key {
	__u32 netns; /* network namespace inode */
	__u16 port;
	__u16 pad;
};

/* First member of every event; size lets decoders accept longer events. */
struct ns_event_hdr {
	__u64 ts_ns; /* CLOCK_BOOTTIME */
	__u64 cookie; /* socket cookie, 0 if none */
	__u16 type; /* enum ns_event_type */
	__u16 size;
	__u32 netns; /* network namespace inode of the socket or packet, 0 if unknown */
};

/* An address range (--addr): the network's bits, the rest zero. */
struct ns_cidr {
	__u8 addr[NS_ADDR_LEN]; /* IPv4 in the first four bytes */
	__u8 prefix; /* bits that must match */
	__u8 family; /* AF_INET or AF_INET6 */
	__u8 pad[2];
};

/* Which end of a connection a port filter looks at. */
enum ns_port_side {
	NS_PORT_EITHER, /* --port */
	NS_PORT_LOCAL, /* --local-port */
	NS_PORT_REMOTE, /* --remote-port */
};

/*
 * Per-object configuration, one copy in each BPF object's rodata. Zero means
 * "off"; the defaults live in user space. Values of one filter are
 * alternatives (any may match); different filters must all match.
 */
struct ns_config {
	__u64 cgroup_ids[NS_MAX_CGROUPS]; /* owner in one of these cgroup v2 subtrees */
	__u32 cgroup_levels[NS_MAX_CGROUPS]; /* depth of each below the cgroup2 root */
	__u32 ncgroups;
	__u32 npids;
	__u32 pids[NS_MAX_PIDS];
	char comms[NS_MAX_COMMS][NS_COMM_LEN];
	__u32 ncomms;
	__u32 nports;
	__u16 ports[NS_MAX_PORTS];
	__u8 port_sides[NS_MAX_PORTS]; /* enum ns_port_side */
	struct ns_cidr cidrs[NS_MAX_CIDRS];
	__u32 ncidrs;
	/* Per event type: a bit (1 << action) per action to report; 0: all. */
	__u32 events[NS_EVENT_TYPE_MAX];
	__u16 family; /* AF_INET or AF_INET6 */
	__u16 pad;
	/* Wake the reader once this much is pending; 0: wake for every event. */
	__u32 wakeup_bytes;
	__u32 flags; /* enum ns_config_flag */
	__u32 summary_by; /* tcp --summary --by: enum ns_tcp_by */
	__u32 max_groups; /* latency: groups per reading; 0: the family's maximum */
	__u32 latency_by; /* latency --by: enum ns_latency_by */
	/*
	 * --container: ids or prefixes, for user space, which keeps the ids of
	 * their cgroups in the map ns_filter_cgroups (NS_CFG_CONTAINER_FILTER).
	 */
	__u32 ncontainers;
	char containers[NS_MAX_CONTAINERS][NS_CONTAINER_ARG_LEN];
};

enum ns_config_flag {
	/* Aggregate in kernel maps instead of sending events. */
	NS_CFG_SUMMARY = 1U << 0,
	/* Report accept events (the owner family sees accepted sockets claimed). */
	NS_CFG_ACCEPT_EVENTS = 1U << 1,
	/* Only owners whose cgroup is in ns_filter_cgroups (--container). */
	NS_CFG_CONTAINER_FILTER = 1U << 2,
	/* Latency histograms: the owner family's I/O programs take samples too. */
	NS_CFG_LATENCY = 1U << 3,
	/* Count connection events in ns_conn_counts (include/netsight/conn.h). */
	NS_CFG_CONN_COUNTS = 1U << 4,
	/* With NS_CFG_SUMMARY or NS_CFG_CONN_COUNTS: send the events as well. */
	NS_CFG_EVENTS = 1U << 5,
};

/*
 * Fallbacks the loader switches on at run time, in every object's
 * ns_fallbacks variable, when the program that normally does a job is
 * unavailable on the running kernel. Zero: every primary path works.
 */
enum ns_fallback {
	/* Owners of sockets open before start-up come from ns_owner_seed (by cookie). */
	NS_FB_OWNER_SEED = 1U << 0,
	/* A close held back is also kept in conn_held, for user space to read at exit. */
	NS_FB_CONN_HELD = 1U << 1,
	/* Listeners are kept in tcp_listen_list (by address) and polled by tcp_poll_listeners. */
	NS_FB_LISTEN_LIST = 1U << 2,
	/* Listeners open before start-up: drop count at start from tcp_listen_seed (by cookie). */
	NS_FB_LISTEN_SEED = 1U << 3,
};

_Static_assert(sizeof(struct ns_owner) == 56, "ns_owner layout");
_Static_assert(sizeof(struct ns_tuple) == 40, "ns_tuple layout");
_Static_assert(sizeof(struct ns_event_hdr) == 24, "ns_event_hdr layout");
_Static_assert(sizeof(struct ns_cidr) == 20, "ns_cidr layout");
_Static_assert(sizeof(struct ns_config) == 520 + 4 * NS_CONTAINER_ARG_LEN, "ns_config layout");

#endif /* NETSIGHT_EVENT_H */
