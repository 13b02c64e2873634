/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * --listen ADDR:PORT: a minimal HTTP/1.1 server for GET /metrics, driven by
 * the watcher's own poll loop.  It never blocks the loop: sockets are
 * non-blocking, at most WBW_HTTPD_CLIENTS connections are served at once,
 * each for at most WBW_HTTPD_IDLE_MS, with a request of at most
 * WBW_HTTPD_REQ_MAX bytes; one response per connection, then close.
 *
 * Silent or slow clients cannot lock a scraper out: when every slot is
 * taken, the oldest connection that has not sent a complete request in
 * WBW_HTTPD_GRACE_MS gives its slot to the next one waiting
 * (wbw_httpd_pick_slot); while no connection is that old, new ones wait in
 * the kernel's accept queue, in order, instead of being reset.  A request
 * already sent when its connection is accepted is answered at once.
 */
#ifndef WBW_HTTPD_H
#define WBW_HTTPD_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define WBW_HTTPD_CLIENTS 16
#define WBW_HTTPD_REQ_MAX 8192
#define WBW_HTTPD_IDLE_MS 5000
/* how long a new connection has to get its request in before it can be evicted */
#define WBW_HTTPD_GRACE_MS 250
#define WBW_HTTPD_DEFAULT_HOST "127.0.0.1"

/*
 * "PORT", ":PORT" (loopback), "ADDR:PORT", "[V6ADDR]:PORT" -> address.
 * Pure; 0 or -EINVAL.
 */
int wbw_httpd_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len);

/*
 * What to answer a request of `len` bytes: 0 while the request is not
 * complete (no blank line yet), else an HTTP status: 200 for GET or HEAD of
 * /metrics, 404 for another path, 405 for another method, 400 for a
 * malformed request.  *head: a HEAD request (no body).  Pure.
 */
int wbw_http_route(const char *req, size_t len, bool *head);

/* What wbw_httpd_pick_slot sees of a connection slot. */
struct wbw_httpd_slot {
	bool used;
	bool answered; /* a complete request was read: its response is due */
	uint64_t since_ms; /* accepted at */
};

/*
 * The slot for a new connection among n at now_ms: a free one, else the
 * oldest used one not yet answered and at least WBW_HTTPD_GRACE_MS old
 * (*evict set: its connection is to be closed), else -1: the newcomer waits.
 * Answered connections are never evicted, so a scraper that got its request
 * in gets its answer, and one that just connected has the grace time to
 * send it.  Pure.
 */
int wbw_httpd_pick_slot(const struct wbw_httpd_slot *slots, int n, uint64_t now_ms, bool *evict);

/* The response body of a 200: malloc'ed text, its length in *len; NULL on failure. */
typedef char *(*wbw_httpd_body_fn)(void *ctx, size_t *len);

struct wbw_httpd;

struct wbw_httpd *wbw_httpd__new(const struct sockaddr_storage *ss, socklen_t len,
				 wbw_httpd_body_fn body, void *ctx, char *err, size_t errlen);
void wbw_httpd__free(struct wbw_httpd *h);
/* Fill fds (room for 1 + WBW_HTTPD_CLIENTS) with what to poll; returns how many. */
int wbw_httpd__pollfds(struct wbw_httpd *h, struct pollfd *fds);
/* After poll(): accept, read, answer, close; and drop idle connections. */
void wbw_httpd__serve(struct wbw_httpd *h, const struct pollfd *fds, int n, uint64_t now_ms);
/* "ADDR:PORT" (or "[ADDR]:PORT") it listens on; the bound port if asked for 0 */
const char *wbw_httpd__where(const struct wbw_httpd *h);

#endif
