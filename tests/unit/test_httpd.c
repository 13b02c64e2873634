// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "httpd.h"

static int route(const char *req, bool *head)
{
	return wbw_http_route(req, strlen(req), head);
}

static void test_route(void **state)
{
	bool head;

	(void)state;
	assert_int_equal(route("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", &head), 200);
	assert_false(head);
	assert_int_equal(route("HEAD /metrics HTTP/1.0\r\n\r\n", &head), 200);
	assert_true(head);
	/* Prometheus may add a query; bare LF line ends are accepted */
	assert_int_equal(route("GET /metrics?x=1 HTTP/1.1\n\n", &head), 200);
	assert_int_equal(route("GET / HTTP/1.1\r\n\r\n", &head), 404);
	assert_int_equal(route("GET /metricsx HTTP/1.1\r\n\r\n", &head), 404);
	assert_int_equal(route("GET /metrics/ HTTP/1.1\r\n\r\n", &head), 404);
	assert_int_equal(route("POST /metrics HTTP/1.1\r\n\r\n", &head), 405);
	assert_int_equal(route("get /metrics HTTP/1.1\r\n\r\n", &head), 405);
	/* malformed */
	assert_int_equal(route("GET\r\n\r\n", &head), 400);
	assert_int_equal(route("GET /metrics\r\n\r\n", &head), 400);
	assert_int_equal(route("GET metrics HTTP/1.1\r\n\r\n", &head), 400);
	assert_int_equal(route("GET /metrics SPDY/3\r\n\r\n", &head), 400);
	assert_int_equal(route("GET  HTTP/1.1\r\n\r\n", &head), 400);
	/* not complete yet: wait for the blank line */
	assert_int_equal(route("", &head), 0);
	assert_int_equal(route("GET /metrics HTTP/1.1\r\n", &head), 0);
	assert_int_equal(route("GET /metrics HTTP/1.1\r\nHost: x\r\n", &head), 0);
}

static void test_oversized_request_is_refused(void **state)
{
	static char big[WBW_HTTPD_REQ_MAX];
	bool head;

	(void)state;
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
	assert_int_equal(wbw_http_route(big, sizeof(big) - 1, &head), 0);
	assert_int_equal(wbw_http_route(big, sizeof(big), &head), 400);
}

static void test_parse_addr(void **state)
{
	static const char *const bad[] = { "", "0", "65536", "x", ":", "1.2.3.4:", "1.2.3.4",
					   "localhost:9465", "::1:9465", "[::1]", "[::1]9465",
					   "[]:1", "1.2.3.4:-1", "1.2.3.4:9465x", "300.1.1.1:1" };
	struct sockaddr_storage ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	char buf[64];
	socklen_t len;

	(void)state;
	/* a port alone: loopback, never every interface */
	assert_int_equal(wbw_httpd_parse_addr("9465", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(len, sizeof(*a4));
	assert_int_equal(ntohs(a4->sin_port), 9465);
	assert_string_equal(inet_ntop(AF_INET, &a4->sin_addr, buf, sizeof(buf)), "127.0.0.1");
	assert_int_equal(wbw_httpd_parse_addr(":65535", &ss, &len), 0);
	assert_string_equal(inet_ntop(AF_INET, &a4->sin_addr, buf, sizeof(buf)), "127.0.0.1");
	assert_int_equal(ntohs(a4->sin_port), 65535);
	assert_int_equal(wbw_httpd_parse_addr("0.0.0.0:1", &ss, &len), 0);
	assert_string_equal(inet_ntop(AF_INET, &a4->sin_addr, buf, sizeof(buf)), "0.0.0.0");
	assert_int_equal(wbw_httpd_parse_addr("[::1]:9465", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(*a6));
	assert_int_equal(ntohs(a6->sin6_port), 9465);
	assert_string_equal(inet_ntop(AF_INET6, &a6->sin6_addr, buf, sizeof(buf)), "::1");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(wbw_httpd_parse_addr(bad[i], &ss, &len), -EINVAL);
}

static void test_pick_slot(void **state)
{
	const uint64_t now = 1000, old = now - WBW_HTTPD_GRACE_MS;
	struct wbw_httpd_slot s[4];
	bool evict;

	(void)state;
	/* a free slot first, even when an older unanswered one could go */
	memset(s, 0, sizeof(s));
	assert_int_equal(wbw_httpd_pick_slot(s, 4, now, &evict), 0);
	assert_false(evict);
	s[0] = (struct wbw_httpd_slot){ .used = true, .since_ms = old - 3 };
	s[1] = (struct wbw_httpd_slot){ .used = true, .since_ms = old - 2 };
	s[3] = (struct wbw_httpd_slot){ .used = true, .since_ms = old - 1 };
	assert_int_equal(wbw_httpd_pick_slot(s, 4, now, &evict), 2);
	assert_false(evict);
	/* full: the oldest unanswered, wherever it sits */
	s[2] = (struct wbw_httpd_slot){ .used = true, .since_ms = old - 4 };
	assert_int_equal(wbw_httpd_pick_slot(s, 4, now, &evict), 2);
	assert_true(evict);
	s[2].since_ms = old;
	assert_int_equal(wbw_httpd_pick_slot(s, 4, now, &evict), 0);
	assert_true(evict);
	/* an answered connection is never evicted, however old */
	s[0].answered = true;
	assert_int_equal(wbw_httpd_pick_slot(s, 4, now, &evict), 1);
	assert_true(evict);
	s[1].answered = true;
	assert_int_equal(wbw_httpd_pick_slot(s, 4, now, &evict), 3);
	assert_true(evict);
	/* of equal ages, the first */
	s[2].since_ms = old - 1;
	assert_int_equal(wbw_httpd_pick_slot(s, 4, now, &evict), 2);
	assert_true(evict);
	/* within the grace time a connection stays: exactly WBW_HTTPD_GRACE_MS old may go */
	s[2].since_ms = s[3].since_ms = old + 1;
	assert_int_equal(wbw_httpd_pick_slot(s, 4, now, &evict), -1);
	assert_false(evict);
	s[3].since_ms = old;
	assert_int_equal(wbw_httpd_pick_slot(s, 4, now, &evict), 3);
	assert_true(evict);
	/* all answering: the newcomer waits */
	s[2].answered = s[3].answered = true;
	assert_int_equal(wbw_httpd_pick_slot(s, 4, now, &evict), -1);
	assert_false(evict);
	assert_int_equal(wbw_httpd_pick_slot(s, 0, now, &evict), -1);
	assert_false(evict);
}

static char *body_fn(void *ctx, size_t *len)
{
	(void)ctx;
	*len = 4;
	return strdup("x 1\n");
}

/* One pass of the watcher's loop: poll (briefly), then serve at time now. */
static void pass(struct wbw_httpd *h, uint64_t now)
{
	struct pollfd fds[1 + WBW_HTTPD_CLIENTS];
	int n = wbw_httpd__pollfds(h, fds);

	assert_true(poll(fds, (nfds_t)n, 200) >= 0);
	wbw_httpd__serve(h, fds, n, now);
}

static int dial(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (const struct sockaddr *)ss, len), 0);
	return fd;
}

/*
 * 1: the server closed it; 0: still open, nothing to read.  Loopback
 * delivers a close before close() returns; the wait is only a margin.
 */
static int closed_by_server(int fd, int wait_ms)
{
	char b[64];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, wait_ms) == 0)
		return 0;
	return recv(fd, b, sizeof(b), MSG_DONTWAIT) <= 0;
}

/* fd got a whole 200 answer, and the server closed it after */
static void expect_200(int fd)
{
	char resp[256];
	ssize_t n = recv(fd, resp, sizeof(resp) - 1, MSG_WAITALL);

	assert_true(n > 0);
	resp[n] = '\0';
	assert_int_equal(strncmp(resp, "HTTP/1.1 200 OK\r\n", 17), 0);
	assert_non_null(strstr(resp, "\r\n\r\nx 1\n"));
}

/* fds[from..WBW_HTTPD_CLIENTS) are all still open */
static void expect_open(const int *fds, int from)
{
	for (int i = from; i < WBW_HTTPD_CLIENTS; i++)
		assert_int_equal(closed_by_server(fds[i], 0), 0);
}

/*
 * Over real loopback sockets: slots full of silent and partial requests, a
 * new connection evicts exactly the oldest one and is answered; one whose
 * request is waiting when accepted is answered in the same pass.
 */
static void test_full_slots_evict_the_oldest(void **state)
{
	static const char get[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
	struct sockaddr_storage ss;
	socklen_t len;
	struct wbw_httpd *h;
	char err[128];
	int fds[WBW_HTTPD_CLIENTS], late, filler, filler2, eager, newcomer, n;
	struct pollfd pfds[1 + WBW_HTTPD_CLIENTS];
	const char *where;

	(void)state;
	assert_int_equal(wbw_httpd_parse_addr("127.0.0.1:1", &ss, &len), 0);
	((struct sockaddr_in *)&ss)->sin_port = 0; /* any free port */
	h = wbw_httpd__new(&ss, len, body_fn, NULL, err, sizeof(err));
	assert_non_null(h);
	where = wbw_httpd__where(h);
	assert_int_equal(strncmp(where, "127.0.0.1:", 10), 0);
	assert_int_not_equal(strcmp(where, "127.0.0.1:0"), 0);
	assert_int_equal(wbw_httpd_parse_addr(where, &ss, &len), 0);

	/* one at a time, so that each has its own age: 100, 101, ... */
	for (int i = 0; i < WBW_HTTPD_CLIENTS; i++) {
		fds[i] = dial(&ss, len);
		pass(h, 100 + (uint64_t)i);
	}
	/* the oldest two drip part of a request: partial requests are evictable too */
	assert_int_equal(send(fds[0], "GET /met", 8, 0), 8);
	assert_int_equal(send(fds[1], "GET /met", 8, 0), 8);
	pass(h, 200);
	expect_open(fds, 0);

	/* full, and the oldest is 200 ms old: a newcomer waits, queued, no one goes */
	late = dial(&ss, len);
	pass(h, 300);
	expect_open(fds, 0);
	assert_int_equal(closed_by_server(late, 0), 0);
	/* once the oldest, fds[0], is WBW_HTTPD_GRACE_MS old it goes, and no other */
	pass(h, 100 + WBW_HTTPD_GRACE_MS + 10);
	assert_int_equal(closed_by_server(fds[0], 1000), 1);
	expect_open(fds, 1);
	/* its request, sent later, is answered */
	assert_int_equal(send(late, get, sizeof(get) - 1, 0), (ssize_t)sizeof(get) - 1);
	pass(h, 370);
	expect_200(late);

	/* late is done: its slot is free again, and a silent filler takes it */
	filler = dial(&ss, len);
	pass(h, 371);
	expect_open(fds, 1);

	/* a request already sent when accepted: answered in that same pass */
	eager = dial(&ss, len);
	assert_int_equal(send(eager, get, sizeof(get) - 1, 0), (ssize_t)sizeof(get) - 1);
	pass(h, 400);
	expect_200(eager);
	/* it took the slot of the next oldest, fds[1], mid-request */
	assert_int_equal(closed_by_server(fds[1], 1000), 1);
	expect_open(fds, 2);
	assert_int_equal(closed_by_server(filler, 0), 0);

	/* eager is done too: fill its slot again */
	filler2 = dial(&ss, len);
	pass(h, 401);
	expect_open(fds, 2);

	/*
	 * The oldest, fds[2], sends its request after the poll, while a
	 * newcomer waits to be accepted: it is read and answered, not evicted,
	 * and the newcomer takes the slot its answer freed; no one else goes.
	 */
	newcomer = dial(&ss, len);
	n = wbw_httpd__pollfds(h, pfds);
	assert_true(poll(pfds, (nfds_t)n, 200) >= 0);
	assert_int_equal(send(fds[2], get, sizeof(get) - 1, 0), (ssize_t)sizeof(get) - 1);
	wbw_httpd__serve(h, pfds, n, 500);
	expect_200(fds[2]);
	expect_open(fds, 3);
	assert_int_equal(closed_by_server(newcomer, 0), 0);

	/* and past WBW_HTTPD_IDLE_MS every silent one is dropped */
	pass(h, 500 + WBW_HTTPD_IDLE_MS + 200);
	for (int i = 3; i < WBW_HTTPD_CLIENTS; i++)
		assert_int_equal(closed_by_server(fds[i], 1000), 1);
	assert_int_equal(closed_by_server(newcomer, 1000), 1);
	assert_int_equal(closed_by_server(filler2, 1000), 1);
	assert_int_equal(closed_by_server(filler, 1000), 1);
	for (int i = 0; i < WBW_HTTPD_CLIENTS; i++)
		close(fds[i]);
	close(late);
	close(filler);
	close(eager);
	close(newcomer);
	close(filler2);
	wbw_httpd__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_oversized_request_is_refused),
		cmocka_unit_test(test_parse_addr),
		cmocka_unit_test(test_pick_slot),
		cmocka_unit_test(test_full_slots_evict_the_oldest),
	};
	return cmocka_run_group_tests_name("httpd", tests, NULL, NULL);
}
