// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "httpd.h"

static int parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 65535)
			return -EINVAL;
	}
	if (v == 0)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int wbw_httpd_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *port_s, *colon;
	size_t hlen;
	uint16_t port;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		hlen = (size_t)(end - s - 1);
		if (hlen == 0 || hlen >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		port_s = end + 2;
	} else if ((colon = strrchr(s, ':'))) {
		hlen = (size_t)(colon - s);
		if (hlen >= sizeof(host) || memchr(s, ':', hlen))
			return -EINVAL; /* a bare IPv6 address needs brackets */
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		port_s = colon + 1;
	} else {
		host[0] = '\0';
		port_s = s;
	}
	if (parse_port(port_s, &port))
		return -EINVAL;
	/* no host: loopback, never every interface by accident */
	if (!host[0])
		snprintf(host, sizeof(host), "%s", WBW_HTTPD_DEFAULT_HOST);
	if (s[0] == '[') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			return -EINVAL;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			return -EINVAL;
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*len = sizeof(*a4);
	}
	return 0;
}

int wbw_http_route(const char *req, size_t len, bool *head)
{
	const char *eol, *sp1, *sp2, *end = NULL;
	size_t mlen, tlen;

	*head = false;
	/* the whole header block first: answering early and closing would reset the peer */
	for (size_t i = 0; i + 1 < len; i++) {
		if (req[i] == '\n' && (req[i + 1] == '\n' ||
				       (i + 2 < len && req[i + 1] == '\r' && req[i + 2] == '\n'))) {
			end = req + i;
			break;
		}
	}
	if (!end)
		return len >= WBW_HTTPD_REQ_MAX ? 400 : 0;
	eol = memchr(req, '\n', (size_t)(end - req) + 1);
	sp1 = memchr(req, ' ', (size_t)(eol - req));
	if (!sp1)
		return 400;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (!sp2 || (size_t)(eol - sp2) < 9 || memcmp(sp2 + 1, "HTTP/1.", 7))
		return 400;
	mlen = (size_t)(sp1 - req);
	tlen = (size_t)(sp2 - sp1 - 1);
	if (tlen == 0 || sp1[1] != '/')
		return 400;
	if (mlen == 4 && !memcmp(req, "HEAD", 4))
		*head = true;
	else if (!(mlen == 3 && !memcmp(req, "GET", 3)))
		return 405;
	/* /metrics, with or without a query string (Prometheus may add one) */
	if (tlen >= 8 && !memcmp(sp1 + 1, "/metrics", 8) && (tlen == 8 || sp1[9] == '?'))
		return 200;
	return 404;
}

struct client {
	int fd;
	uint64_t since_ms;
	size_t got;
	char req[WBW_HTTPD_REQ_MAX];
	char *resp; /* once answered: what is left to send */
	size_t resp_len, resp_off;
};

struct wbw_httpd {
	int lfd;
	wbw_httpd_body_fn body;
	void *ctx;
	struct client clients[WBW_HTTPD_CLIENTS];
	/* connections wait in the accept queue for a slot: do not poll the listener */
	bool backlogged;
	char where[INET6_ADDRSTRLEN + 8]; /* ADDR:PORT, [ADDR]:PORT for IPv6 */
};

/* ADDR:PORT, [ADDR]:PORT for IPv6: how --listen's address is shown */
static void set_where(struct wbw_httpd *h, const struct sockaddr_storage *ss)
{
	bool v6 = ss->ss_family == AF_INET6;
	char host[INET6_ADDRSTRLEN] = "?";

	inet_ntop(ss->ss_family,
		  v6 ? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
		     : (const void *)&((const struct sockaddr_in *)ss)->sin_addr,
		  host, sizeof(host));
	snprintf(h->where, sizeof(h->where), "%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "",
		 ntohs(v6 ? ((const struct sockaddr_in6 *)ss)->sin6_port
			  : ((const struct sockaddr_in *)ss)->sin_port));
}

struct wbw_httpd *wbw_httpd__new(const struct sockaddr_storage *ss, socklen_t len,
				 wbw_httpd_body_fn body, void *ctx, char *err, size_t errlen)
{
	struct wbw_httpd *h = calloc(1, sizeof(*h));
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	int one = 1;

	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	set_where(h, ss);
	for (int i = 0; i < WBW_HTTPD_CLIENTS; i++)
		h->clients[i].fd = -1;
	h->body = body;
	h->ctx = ctx;
	h->lfd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/*
	 * A backlog well past the slots: while hostile clients churn, a
	 * scraper's SYN dropped on a full queue would wait a second or more
	 * for its retransmission; queued, it is accepted on the next pass.
	 */
	if (h->lfd < 0 || setsockopt(h->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(h->lfd, (const struct sockaddr *)ss, len) ||
	    listen(h->lfd, 4 * WBW_HTTPD_CLIENTS)) {
		snprintf(err, errlen, "--listen %s: %s%s", h->where, strerror(errno),
			 errno == EACCES ? " (ports below 1024 need CAP_NET_BIND_SERVICE)" : "");
		wbw_httpd__free(h);
		return NULL;
	}
	/* port 0 (the unit tests): say the port the kernel chose */
	if (!getsockname(h->lfd, (struct sockaddr *)&bound, &blen))
		set_where(h, &bound);
	return h;
}

const char *wbw_httpd__where(const struct wbw_httpd *h)
{
	return h->where;
}

static void drop(struct client *c)
{
	close(c->fd);
	free(c->resp);
	c->fd = -1;
	c->resp = NULL;
	c->got = c->resp_len = c->resp_off = 0;
}

void wbw_httpd__free(struct wbw_httpd *h)
{
	if (!h)
		return;
	for (int i = 0; i < WBW_HTTPD_CLIENTS; i++)
		if (h->clients[i].fd >= 0)
			drop(&h->clients[i]);
	if (h->lfd >= 0)
		close(h->lfd);
	free(h);
}

int wbw_httpd__pollfds(struct wbw_httpd *h, struct pollfd *fds)
{
	int n = 0;

	/* kept at fds[0] even while backlogged: wbw_httpd__serve looks there */
	fds[n++] = (struct pollfd){ .fd = h->lfd, .events = h->backlogged ? 0 : POLLIN };
	for (int i = 0; i < WBW_HTTPD_CLIENTS; i++)
		if (h->clients[i].fd >= 0)
			fds[n++] = (struct pollfd){ .fd = h->clients[i].fd,
						    .events = h->clients[i].resp ? POLLOUT : POLLIN };
	return n;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 503: return "Service Unavailable";
	default: return "Bad Request";
	}
}

/* Build the whole response; the body only for a 200 GET. */
static void answer(struct wbw_httpd *h, struct client *c, int status, bool head)
{
	char *body = NULL, hdr[256];
	size_t blen = 0;
	const char *ctype = "text/plain; charset=utf-8";
	int hlen;

	if (status == 200) {
		body = h->body(h->ctx, &blen);
		if (!body)
			status = 503;
		/* the Prometheus text exposition format, version 0.0.4 */
		ctype = "text/plain; version=0.0.4; charset=utf-8";
	}
	if (status != 200) {
		char msg[96];

		blen = (size_t)snprintf(msg, sizeof(msg), "%d %s: wberrwatch serves GET /metrics\n",
					status, reason(status));
		body = strdup(msg);
		ctype = "text/plain; charset=utf-8";
	}
	hlen = snprintf(hdr, sizeof(hdr),
			"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
			"Connection: close\r\n\r\n",
			status, reason(status), ctype, blen, status == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (head)
		blen = 0;
	c->resp = malloc((size_t)hlen + blen);
	if (!c->resp) {
		free(body);
		drop(c);
		return;
	}
	memcpy(c->resp, hdr, (size_t)hlen);
	if (blen && body)
		memcpy(c->resp + hlen, body, blen);
	c->resp_len = (size_t)hlen + blen;
	c->resp_off = 0;
	free(body);
}

static void on_readable(struct wbw_httpd *h, struct client *c)
{
	ssize_t n = recv(c->fd, c->req + c->got, sizeof(c->req) - c->got, MSG_DONTWAIT);
	bool head;
	int status;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop(c); /* the peer went away before asking */
		return;
	}
	c->got += (size_t)n;
	status = wbw_http_route(c->req, c->got, &head);
	if (status)
		answer(h, c, status, head);
}

static void on_writable(struct client *c)
{
	while (c->resp_off < c->resp_len) {
		ssize_t n = send(c->fd, c->resp + c->resp_off, c->resp_len - c->resp_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			drop(c);
			return;
		}
		c->resp_off += (size_t)n;
	}
	shutdown(c->fd, SHUT_WR);
	drop(c);
}

int wbw_httpd_pick_slot(const struct wbw_httpd_slot *slots, int n, uint64_t now_ms, bool *evict)
{
	int victim = -1;

	*evict = false;
	for (int k = 0; k < n; k++) {
		if (!slots[k].used)
			return k;
		if (slots[k].answered || now_ms - slots[k].since_ms < WBW_HTTPD_GRACE_MS)
			continue;
		/* strictly older: of equal ages the first slot goes, a stable choice */
		if (victim < 0 || slots[k].since_ms < slots[victim].since_ms)
			victim = k;
	}
	*evict = victim >= 0;
	return victim;
}

/* Read what the client sent, or send what is due; either may close it. */
static void service(struct wbw_httpd *h, struct client *c)
{
	if (c->resp)
		on_writable(c);
	else
		on_readable(h, c);
	/* answered on read: try to send at once, the usual case for a small reply */
	if (c->fd >= 0 && c->resp)
		on_writable(c);
}

/*
 * Accept what waits while there is room.  The unanswered connections are
 * read first: a request that came in since the poll (a scraper delayed
 * between connect and send) is answered rather than evicted.
 */
static void admit(struct wbw_httpd *h, uint64_t now_ms)
{
	struct wbw_httpd_slot slots[WBW_HTTPD_CLIENTS];

	for (int k = 0; k < WBW_HTTPD_CLIENTS; k++)
		if (h->clients[k].fd >= 0 && !h->clients[k].resp)
			service(h, &h->clients[k]);
	for (;;) {
		struct client *c;
		bool evict;
		int k, fd;

		for (k = 0; k < WBW_HTTPD_CLIENTS; k++)
			slots[k] = (struct wbw_httpd_slot){ .used = h->clients[k].fd >= 0,
							    .answered = h->clients[k].resp != NULL,
							    .since_ms = h->clients[k].since_ms };
		k = wbw_httpd_pick_slot(slots, WBW_HTTPD_CLIENTS, now_ms, &evict);
		h->backlogged = k < 0;
		if (k < 0)
			return; /* the rest wait in the accept queue, in order */
		fd = accept4(h->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		c = &h->clients[k];
		if (evict)
			drop(c);
		c->fd = fd;
		c->since_ms = now_ms;
		c->got = 0;
		/*
		 * A scraper sends its request right after connecting, so it is
		 * usually here already: answered now, it cannot be evicted.
		 */
		service(h, c);
	}
}

void wbw_httpd__serve(struct wbw_httpd *h, const struct pollfd *fds, int n, uint64_t now_ms)
{
	for (int i = 1; i < n; i++) {
		struct client *c = NULL;

		if (!fds[i].revents)
			continue;
		for (int k = 0; k < WBW_HTTPD_CLIENTS; k++)
			if (h->clients[k].fd == fds[i].fd)
				c = &h->clients[k];
		if (c)
			service(h, c);
	}
	/* backlogged: the listener was not polled, but a slot may have come free */
	if (h->backlogged || (n > 0 && (fds[0].revents & POLLIN)))
		admit(h, now_ms);
	for (int k = 0; k < WBW_HTTPD_CLIENTS; k++)
		if (h->clients[k].fd >= 0 && now_ms - h->clients[k].since_ms > WBW_HTTPD_IDLE_MS)
			drop(&h->clients[k]);
}
