/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small HTTP server for the agent's endpoints, on libmicrohttpd: its own
 * thread accepts and serves connections, so a slow or half-open client never
 * holds up the caller; each request is answered from one handler call.
 */
#ifndef NETSIGHT_HTTP_H
#define NETSIGHT_HTTP_H

#include <stddef.h>

#include "lib/strbuf.h"

/* What a handler answers. */
struct ns_http_reply {
	unsigned int status; /* 200, 404, ... */
	const char *content_type; /* static */
	struct ns_strbuf body; /* filled by the handler, sent and freed by the server */
};

/*
 * Called from the server's thread for each GET or HEAD: @path ("/metrics"),
 * @accept (the Accept header, or "").
 */
typedef void (*ns_http_handler)(const char *path, const char *accept, struct ns_http_reply *reply,
				void *ctx);

struct ns_http;

/*
 * GET http://@listen@path (the agent's own endpoints, on this host): the body
 * into @body; the HTTP status, or a negative errno (-ECONNREFUSED: nothing
 * listens there).
 */
int ns_http_get(const char *listen, const char *path, struct ns_strbuf *body);

/*
 * Parses "ADDR:PORT" ("127.0.0.1:9464", "[::1]:9464", "0.0.0.0:9464") into
 * a socket address. 0 or -EINVAL.
 */
int ns_http_parse_listen(const char *text, void *sockaddr, size_t *len);

/*
 * Listens on @listen ("ADDR:PORT") and serves until ns_http__stop(). NULL
 * with errno set: EINVAL (bad address), EADDRINUSE, EACCES, ...
 */
struct ns_http *ns_http__start(const char *listen, ns_http_handler handler, void *ctx);
void ns_http__stop(struct ns_http *h);

/*
 * The quality (RFC 9110 12.4.2, 0 to 1) an Accept header gives media type
 * @type ("application/openmetrics-text"): its own range's, else its type's
 * wildcard range's ("text" and "*"), else the any-type range's; -1 if
 * nothing in it matches. Parameters other than q are ignored. A range listed
 * twice counts with its best quality.
 */
double ns_http_accept_quality(const char *accept, const char *type);

#endif /* NETSIGHT_HTTP_H */
