// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_oversized_request_is_refused),
		cmocka_unit_test(test_parse_addr),
	};
	return cmocka_run_group_tests_name("httpd", tests, NULL, NULL);
}
