// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <libmnl/libmnl.h>

#include "lib/sockdiag.h"

struct parse_attrs {
	const struct nlattr *meminfo;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	struct parse_attrs *a = data;

	if (mnl_attr_get_type(attr) == INET_DIAG_SKMEMINFO &&
	    mnl_attr_get_payload_len(attr) >= (SK_MEMINFO_DROPS + 1) * sizeof(__u32))
		a->meminfo = attr;
	return MNL_CB_OK;
}

int ns_sockdiag_parse(const struct nlmsghdr *nlh, int protocol, struct ns_diag_sock *out)
{
	const struct inet_diag_msg *msg;
	struct parse_attrs attrs = { 0 };
	size_t alen;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*msg)))
		return -EINVAL;
	msg = mnl_nlmsg_get_payload(nlh);
	if (msg->idiag_family != AF_INET && msg->idiag_family != AF_INET6)
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof(*msg), attr_cb, &attrs) < 0)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->family = msg->idiag_family;
	out->protocol = protocol;
	out->state = msg->idiag_state;
	out->cookie = (__u64)msg->id.idiag_cookie[1] << 32 | msg->id.idiag_cookie[0];
	out->inode = msg->idiag_inode;
	out->rqueue = msg->idiag_rqueue;
	out->wqueue = msg->idiag_wqueue;
	out->lport = ntohs(msg->id.idiag_sport);
	out->rport = ntohs(msg->id.idiag_dport);
	alen = msg->idiag_family == AF_INET ? 4 : 16;
	memcpy(out->laddr, msg->id.idiag_src, alen);
	memcpy(out->raddr, msg->id.idiag_dst, alen);
	if (attrs.meminfo) {
		const __u32 *mem = mnl_attr_get_payload(attrs.meminfo);

		out->drops = mem[SK_MEMINFO_DROPS];
		out->has_drops = true;
	}
	return 0;
}

struct dump {
	int protocol;
	ns_diag_fn fn;
	void *ctx;
	int ret;
};

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct ns_diag_sock sk;

	if (ns_sockdiag_parse(nlh, d->protocol, &sk))
		return MNL_CB_OK; /* not ours to judge: skip it */
	d->ret = d->fn(&sk, d->ctx);
	return d->ret ? MNL_CB_STOP : MNL_CB_OK;
}

static int dump_family(struct mnl_socket *nl, int family, int protocol, __u32 states, bool drops,
		       struct dump *d)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;
	unsigned int seq = 1, portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int ret;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = protocol;
	req->idiag_states = states;
	if (drops)
		req->idiag_ext = 1U << (INET_DIAG_SKMEMINFO - 1);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, n, seq, portid, msg_cb, d);
		if (ret == MNL_CB_ERROR)
			return errno ? -errno : -EIO;
		if (ret == MNL_CB_STOP)
			return d->ret;
	}
}

int ns_sockdiag_dump(int protocol, __u32 states, bool drops, ns_diag_fn fn, void *ctx)
{
	struct dump d = { .protocol = protocol, .fn = fn, .ctx = ctx };
	static const int families[] = { AF_INET, AF_INET6 };
	struct mnl_socket *nl;
	int err = 0;

	nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		err = -errno;
	for (size_t i = 0; !err && i < 2; i++) {
		err = dump_family(nl, families[i], protocol, states, drops, &d);
		/* A kernel without IPv6 (or UDP diag) has nothing to say: ENOENT. */
		if (err == -ENOENT)
			err = 0;
	}
	mnl_socket_close(nl);
	return err;
}
