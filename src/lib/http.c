// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <strings.h>
#include <unistd.h>
#include <microhttpd.h>

#include "lib/http.h"

/* A scraper that sends nothing for this long is dropped. */
#define NS_HTTP_TIMEOUT_S 5
/*
 * Connections at once: enough that clients holding idle connections open
 * cannot keep a scrape or /healthz out (poll(), not select(), so past
 * FD_SETSIZE), well within the default limit of 1024 descriptors.
 */
#define NS_HTTP_MAX_CONNECTIONS 512

struct ns_http {
	struct MHD_Daemon *daemon;
	ns_http_handler handler;
	void *ctx;
};

int ns_http_parse_listen(const char *text, void *sockaddr, size_t *len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM };
	char host[64];
	const char *port, *colon = strrchr(text, ':');
	struct addrinfo *ai;
	size_t hostlen;

	if (!colon || !colon[1] || colon == text)
		return -EINVAL;
	port = colon + 1;
	hostlen = colon - text;
	if (text[0] == '[') {
		if (hostlen < 3 || text[hostlen - 1] != ']')
			return -EINVAL;
		text++;
		hostlen -= 2;
	}
	if (hostlen >= sizeof(host) || strspn(port, "0123456789") != strlen(port) ||
	    atoi(port) < 1 || atoi(port) > 65535)
		return -EINVAL;
	memcpy(host, text, hostlen);
	host[hostlen] = '\0';
	if (getaddrinfo(host, port, &hints, &ai))
		return -EINVAL;
	if (ai->ai_addrlen > *len) {
		freeaddrinfo(ai);
		return -EINVAL;
	}
	memcpy(sockaddr, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

int ns_http_get(const char *listen, const char *path, struct ns_strbuf *body)
{
	struct sockaddr_storage addr;
	struct ns_strbuf reply;
	size_t len = sizeof(addr);
	char buf[4096], *end;
	int fd, err = 0, status;
	ssize_t n;

	if (ns_http_parse_listen(listen, &addr, &len))
		return -EINVAL;
	fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, len)) {
		err = -errno;
		close(fd);
		return err;
	}
	n = snprintf(buf, sizeof(buf), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, listen);
	if (n < 0 || (size_t)n >= sizeof(buf) || write(fd, buf, n) != n) {
		close(fd);
		return -EIO;
	}
	ns_strbuf_init(&reply);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		ns_strbuf_add(&reply, buf, n);
	if (n < 0)
		err = -errno;
	close(fd);
	end = reply.buf ? strstr(reply.buf, "\r\n\r\n") : NULL;
	if (!err && (!end || sscanf(reply.buf, "HTTP/%*s %d", &status) != 1))
		err = -EPROTO;
	if (!err)
		ns_strbuf_adds(body, end + 4);
	ns_strbuf_release(&reply);
	return err ? err : status;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	struct ns_http *h = cls;
	struct ns_http_reply reply = { .status = 500, .content_type = "text/plain" };
	struct MHD_Response *resp;
	const char *accept;
	enum MHD_Result ret;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, "Allow", "GET, HEAD");
		ret = MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	/* The first call only announces the request. */
	if (!*req_cls) {
		*req_cls = h;
		return MHD_YES;
	}
	accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	ns_strbuf_init(&reply.body);
	h->handler(url, accept ? accept : "", &reply, h->ctx);
	if (ns_strbuf_error(&reply.body)) {
		ns_strbuf_release(&reply.body);
		return MHD_NO;
	}
	/* The server frees the body once it is sent. */
	resp = MHD_create_response_from_buffer(reply.body.len, reply.body.buf,
					       MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		ns_strbuf_release(&reply.body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, reply.content_type);
	ret = MHD_queue_response(conn, reply.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

struct ns_http *ns_http__start(const char *listen, ns_http_handler handler, void *ctx)
{
	struct sockaddr_storage addr;
	size_t len = sizeof(addr);
	struct ns_http *h;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;

	if (ns_http_parse_listen(listen, &addr, &len)) {
		errno = EINVAL;
		return NULL;
	}
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->handler = handler;
	h->ctx = ctx;
	errno = 0;
	h->daemon = MHD_start_daemon(flags, ntohs(((struct sockaddr_in *)&addr)->sin_port), NULL,
				     NULL, answer, h, MHD_OPTION_SOCK_ADDR, &addr,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)NS_HTTP_TIMEOUT_S,
				     MHD_OPTION_CONNECTION_LIMIT,
				     (unsigned int)NS_HTTP_MAX_CONNECTIONS, MHD_OPTION_END);
	if (!h->daemon) {
		int err = errno ? errno : EADDRINUSE;

		free(h);
		errno = err;
		return NULL;
	}
	return h;
}

void ns_http__stop(struct ns_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->daemon);
	free(h);
}

double ns_http_accept_quality(const char *accept, const char *type)
{
	double best[3] = { -1, -1, -1 }; /* the type, its wildcard, any type */
	size_t tlen = strcspn(type, "/");

	while (accept && *accept) {
		size_t len = strcspn(accept, ",");
		char range[128], *q;
		double quality = 1;
		size_t rlen;
		int kind = -1;

		snprintf(range, sizeof(range), "%.*s", (int)(len < 127 ? len : 127), accept);
		accept += len + (accept[len] == ',');
		q = strstr(range, ";q=");
		if (!q)
			q = strstr(range, "; q=");
		if (q)
			quality = strtod(strchr(q, '=') + 1, NULL);
		range[strcspn(range, ";")] = '\0';
		/* Trim the blanks around the range. */
		for (rlen = strlen(range);
		     rlen && (range[rlen - 1] == ' ' || range[rlen - 1] == '\t');)
			range[--rlen] = '\0';
		q = range + strspn(range, " \t");
		if (!strcasecmp(q, type))
			kind = 0;
		else if (!strncasecmp(q, type, tlen) && !strcmp(q + tlen, "/*"))
			kind = 1;
		else if (!strcmp(q, "*/*"))
			kind = 2;
		if (kind >= 0 && quality > best[kind])
			best[kind] = quality < 0 ? 0 : quality > 1 ? 1 : quality;
	}
	for (int k = 0; k < 3; k++)
		if (best[k] >= 0)
			return best[k];
	return -1;
}
