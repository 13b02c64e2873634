// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "cli.h"
#include "wberrwatch.h"

#define PARSE(cli, err, ...)                                                              \
	({                                                                                \
		char *argv_[] = { "wberrwatch", __VA_ARGS__, NULL };                      \
		wbw_cli_parse((int)(sizeof(argv_) / sizeof(argv_[0])) - 1, argv_, (cli), \
			      (err), sizeof(err));                                        \
	})

static void test_defaults(void **state)
{
	struct wbw_cli cli;
	char err[256];
	char *argv[] = { "wberrwatch", NULL };

	(void)state;
	assert_int_equal(wbw_cli_parse(1, argv, &cli, err, sizeof(err)), WBW_EXIT_OK);
	assert_false(cli.json);
	assert_int_equal(cli.duration_ms, -1);
	assert_int_equal(cli.settle_ms, 200);
	assert_int_equal(cli.ringbuf_bytes, WBW_RINGBUF_DEFAULT);
	assert_int_equal(cli.filter_dev, 0);
	assert_int_equal(cli.tp_mode, WBW_TP_AUTO);
}

static void test_all_options(void **state)
{
	struct wbw_cli cli;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&cli, err, "--json", "--dev", "259:65536", "-d", "2.5", "--tp-mode",
			       "classic", "--settle", "50", "--ringbuf-size", "4M", "-v"),
			 WBW_EXIT_OK);
	assert_true(cli.json);
	assert_true(cli.verbose);
	assert_int_equal(cli.filter_dev, (259u << 20) | 65536);
	assert_int_equal(cli.duration_ms, 2500);
	assert_int_equal(cli.tp_mode, WBW_TP_CLASSIC);
	assert_int_equal(cli.settle_ms, 50);
	assert_int_equal(cli.ringbuf_bytes, 4u << 20);
	assert_int_equal(PARSE(&cli, err, "--errno", "EIO"), WBW_EXIT_OK);
	assert_int_equal(cli.filter_errno, 5);
	assert_int_equal(PARSE(&cli, err, "--errno=enospc"), WBW_EXIT_OK);
	assert_int_equal(cli.filter_errno, 28);
	assert_int_equal(PARSE(&cli, err, "--errno", "28"), WBW_EXIT_OK);
	assert_int_equal(cli.filter_errno, 28);
	assert_int_equal(PARSE(&cli, err, "--errno", "EWHAT"), WBW_EXIT_USAGE);
	assert_non_null(strstr(err, "invalid --errno 'EWHAT'"));
	assert_int_equal(PARSE(&cli, err, "--errno", "4096"), WBW_EXIT_USAGE);
	assert_int_equal(PARSE(&cli, err, "--errno", "0"), WBW_EXIT_USAGE);
	assert_int_equal(PARSE(&cli, err, "--mount", "/srv"), WBW_EXIT_OK);
	assert_string_equal(cli.mount_path, "/srv");
	assert_int_equal(PARSE(&cli, err, "--mount", "/srv", "--dev", "7:0"), WBW_EXIT_USAGE);
	assert_string_equal(err, "--dev and --mount both name a device: give one");
	assert_false(cli.all_files);
	assert_int_equal(PARSE(&cli, err, "--all-files", "--name-writers"), WBW_EXIT_OK);
	assert_true(cli.all_files);
	assert_true(cli.name_writers);
	assert_int_equal(PARSE(&cli, err, "--duration=0", "--tp-mode=btf", "-j"), WBW_EXIT_OK);
	assert_int_equal(cli.duration_ms, 0);
	assert_int_equal(cli.tp_mode, WBW_TP_BTF);
	assert_true(cli.json);
}

static void test_watch_command(void **state)
{
	struct wbw_cli cli;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&cli, err, "watch", "--json"), WBW_EXIT_OK);
	assert_true(cli.json);
	assert_int_equal(cli.command, WBW_CMD_WATCH);
	assert_int_equal(PARSE(&cli, err, "doctor", "--json"), WBW_EXIT_OK);
	assert_int_equal(cli.command, WBW_CMD_DOCTOR);
	assert_true(cli.json);
	assert_int_equal(PARSE(&cli, err, "--json", "doctor"), WBW_EXIT_USAGE);
	/* run: options, then the command after -- (or its first word); cmd_argv points into argv */
	char *run_argv[] = { "wberrwatch", "run", "--fail-on=unseen", "--report", "r.json", "--user",
			     "nobody", "--", "make", "-j2", "test", NULL };
	char *run_true[] = { "wberrwatch", "run", "true", NULL };

	assert_int_equal(wbw_cli_parse(11, run_argv, &cli, err, sizeof(err)), WBW_EXIT_OK);
	assert_int_equal(cli.command, WBW_CMD_RUN);
	assert_int_equal(cli.fail_on, WBW_FAIL_UNSEEN);
	assert_string_equal(cli.report_file, "r.json");
	assert_string_equal(cli.user, "nobody");
	assert_int_equal(cli.cmd_argc, 3);
	assert_string_equal(cli.cmd_argv[0], "make");
	assert_string_equal(cli.cmd_argv[1], "-j2");
	assert_null(cli.cmd_argv[3]);
	assert_int_equal(wbw_cli_parse(3, run_true, &cli, err, sizeof(err)), WBW_EXIT_OK);
	/* the default gate: every untold loss, with statuses no common program uses */
	assert_int_equal(cli.fail_on, WBW_FAIL_ANY);
	assert_int_equal(cli.gate_status, 86);
	assert_int_equal(cli.incomplete_status, 87);
	assert_int_equal(cli.writeback_wait_ms, 30000);
	assert_string_equal(cli.cmd_argv[0], "true");
	assert_int_equal(PARSE(&cli, err, "run"), WBW_EXIT_USAGE);
	assert_non_null(strstr(err, "run needs a command"));
	assert_int_equal(PARSE(&cli, err, "run", "--fail-on=some", "--", "true"), WBW_EXIT_USAGE);
	assert_int_equal(PARSE(&cli, err, "--fail-on=any"), WBW_EXIT_USAGE);
	assert_string_equal(err, "--fail-on, --report, --user, --gate-status, --incomplete-status "
				 "and --writeback-wait belong to `wberrwatch run`");
	assert_int_equal(PARSE(&cli, err, "--gate-status", "90"), WBW_EXIT_USAGE);
	assert_int_equal(PARSE(&cli, err, "scan", "--writeback-wait", "1"), WBW_EXIT_USAGE);
	assert_int_equal(PARSE(&cli, err, "run", "--gate-status", "120", "--incomplete-status", "121",
			       "--writeback-wait", "2.5", "--", "true"),
			 WBW_EXIT_OK);
	assert_int_equal(cli.gate_status, 120);
	assert_int_equal(cli.incomplete_status, 121);
	assert_int_equal(cli.writeback_wait_ms, 2500);
	assert_int_equal(PARSE(&cli, err, "run", "--writeback-wait", "0", "--", "true"), WBW_EXIT_OK);
	assert_int_equal(cli.writeback_wait_ms, 0);
	assert_int_equal(PARSE(&cli, err, "run", "--gate-status", "0", "--", "true"), WBW_EXIT_USAGE);
	assert_string_equal(err, "invalid --gate-status '0': expected 1 to 255");
	assert_int_equal(PARSE(&cli, err, "run", "--incomplete-status", "256", "--", "true"),
			 WBW_EXIT_USAGE);
	assert_string_equal(err, "invalid --incomplete-status '256': expected 1 to 255");
	assert_int_equal(PARSE(&cli, err, "run", "--gate-status", "87", "--", "true"), WBW_EXIT_USAGE);
	assert_string_equal(err, "--gate-status and --incomplete-status are both 87: give two statuses");
	assert_int_equal(PARSE(&cli, err, "run", "--writeback-wait", "-1", "--", "true"),
			 WBW_EXIT_USAGE);
	assert_int_equal(PARSE(&cli, err, "watch", "extra"), WBW_EXIT_USAGE);
	assert_string_equal(err, "unexpected argument 'extra'");
}

static void test_unknown_options(void **state)
{
	struct wbw_cli cli;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&cli, err, "--bogus"), WBW_EXIT_USAGE);
	assert_string_equal(err, "unknown option '--bogus'");
	assert_int_equal(PARSE(&cli, err, "-x"), WBW_EXIT_USAGE);
	assert_string_equal(err, "unknown option '-x'");
	assert_int_equal(PARSE(&cli, err, "--dev"), WBW_EXIT_USAGE);
	assert_string_equal(err, "option '--dev' needs a value");
	assert_int_equal(PARSE(&cli, err, "stray"), WBW_EXIT_USAGE);
}

static void test_bad_values(void **state)
{
	static const char *const bad_dev[] = { "7", "7:", ":0", "x:1", "4096:0", "1:1048576", "0:0",
					       "7:0x", "-1:0", "" };
	static const char *const bad_dur[] = { "", "-1", "1.", ".5", "1.2345", "abc", "1e3", "5s" };
	static const char *const bad_rb[] = { "0", "1000", "3M", "2048", "8G", "x", "-4K", "" };
	struct wbw_cli cli;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_dev) / sizeof(bad_dev[0]); i++) {
		assert_int_equal(PARSE(&cli, err, "--dev", (char *)bad_dev[i]), WBW_EXIT_USAGE);
		assert_non_null(strstr(err, "invalid --dev"));
	}
	for (size_t i = 0; i < sizeof(bad_dur) / sizeof(bad_dur[0]); i++) {
		assert_int_equal(PARSE(&cli, err, "--duration", (char *)bad_dur[i]), WBW_EXIT_USAGE);
		assert_non_null(strstr(err, "invalid --duration"));
	}
	for (size_t i = 0; i < sizeof(bad_rb) / sizeof(bad_rb[0]); i++) {
		assert_int_equal(PARSE(&cli, err, "--ringbuf-size", (char *)bad_rb[i]),
				 WBW_EXIT_USAGE);
		assert_non_null(strstr(err, "invalid --ringbuf-size"));
	}
	assert_int_equal(PARSE(&cli, err, "--tp-mode", "fentry"), WBW_EXIT_USAGE);
	assert_string_equal(err, "invalid --tp-mode 'fentry': expected auto, raw, btf or classic");
	assert_int_equal(PARSE(&cli, err, "--tp-mode", "raw"), WBW_EXIT_OK);
	assert_int_equal(cli.tp_mode, WBW_TP_RAW);
	assert_int_equal(PARSE(&cli, err, "--settle", "3600001"), WBW_EXIT_USAGE);
}

static void test_hooks(void **state)
{
	static const struct {
		const char *arg;
		enum wbw_hooks want;
	} ok[] = { { "auto", WBW_HOOKS_AUTO }, { "kernel", WBW_HOOKS_KERNEL },
		   { "fentry", WBW_HOOKS_FENTRY }, { "tracepoint", WBW_HOOKS_TRACEPOINT } };
	struct wbw_cli cli;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&cli, err, "-v"), WBW_EXIT_OK);
	assert_int_equal(cli.hooks, WBW_HOOKS_AUTO);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(PARSE(&cli, err, "--hooks", (char *)ok[i].arg), WBW_EXIT_OK);
		assert_int_equal(cli.hooks, ok[i].want);
		assert_string_equal(wbw_hooks_name(cli.hooks), ok[i].arg);
	}
	assert_int_equal(PARSE(&cli, err, "--hooks=kernel"), WBW_EXIT_OK);
	assert_int_equal(cli.hooks, WBW_HOOKS_KERNEL);
	assert_int_equal(PARSE(&cli, err, "--hooks", "kprobe"), WBW_EXIT_USAGE);
	assert_string_equal(err,
			    "invalid --hooks 'kprobe': expected auto, kernel, fentry or tracepoint");
	assert_int_equal(PARSE(&cli, err, "--hooks"), WBW_EXIT_USAGE);
}

static void test_process_filters(void **state)
{
	static const char *const bad_pid[] = { "0", "-1", "4194305", "12x", "", "+3", " 3" };
	struct wbw_cli cli;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&cli, err, "--pid", "4194304", "--comm", "postgres", "--cgroup",
			       "/sys/fs/cgroup/db.slice"),
			 WBW_EXIT_OK);
	assert_int_equal(cli.filter_pid, 4194304);
	assert_string_equal(cli.filter_comm, "postgres");
	assert_string_equal(cli.cgroup_path, "/sys/fs/cgroup/db.slice");
	assert_int_equal(PARSE(&cli, err, "run", "--pid=1", "--", "true"), WBW_EXIT_OK);
	assert_int_equal(cli.filter_pid, 1);
	for (size_t i = 0; i < sizeof(bad_pid) / sizeof(bad_pid[0]); i++) {
		assert_int_equal(PARSE(&cli, err, "--pid", (char *)bad_pid[i]), WBW_EXIT_USAGE);
		assert_non_null(strstr(err, "invalid --pid"));
	}
	/* 15 bytes is what the kernel keeps of a name; 16 can never match */
	assert_int_equal(PARSE(&cli, err, "--comm", "123456789012345"), WBW_EXIT_OK);
	assert_int_equal(PARSE(&cli, err, "--comm", "1234567890123456"), WBW_EXIT_USAGE);
	assert_string_equal(err, "invalid --comm '1234567890123456': expected a process name of 1 "
				 "to 15 bytes (the kernel keeps no more)");
	assert_int_equal(PARSE(&cli, err, "--comm", ""), WBW_EXIT_USAGE);
	assert_int_equal(PARSE(&cli, err, "--cgroup", ""), WBW_EXIT_USAGE);
	assert_string_equal(err, "invalid --cgroup '': expected a cgroup v2 directory");
	assert_int_equal(PARSE(&cli, err, "--container", "web-0"), WBW_EXIT_OK);
	assert_string_equal(cli.filter_container, "web-0");
	assert_int_equal(PARSE(&cli, err, "--container", ""), WBW_EXIT_USAGE);
	assert_string_equal(err, "invalid --container '': expected a container id or name");
}

static void test_listen(void **state)
{
	struct wbw_cli cli;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&cli, err, "--listen", "9465"), WBW_EXIT_OK);
	assert_string_equal(cli.listen, "9465");
	assert_int_equal(cli.listen_addr.ss_family, AF_INET);
	assert_int_equal(PARSE(&cli, err, "--listen", "[::]:9465"), WBW_EXIT_OK);
	assert_int_equal(cli.listen_addr.ss_family, AF_INET6);
	assert_int_equal(PARSE(&cli, err, "--listen", "localhost:9465"), WBW_EXIT_USAGE);
	assert_non_null(strstr(err, "invalid --listen 'localhost:9465': expected PORT"));
	assert_int_equal(PARSE(&cli, err, "scan", "--listen", "9465"), WBW_EXIT_USAGE);
	assert_string_equal(err, "scan is one pass: --listen and --metrics-file belong to a watch");
}

static void test_output(void **state)
{
	struct wbw_cli cli;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&cli, err, "--json"), WBW_EXIT_OK);
	assert_null(cli.output_file);
	assert_int_equal(PARSE(&cli, err, "--json", "--output", "/var/log/wbw.json"), WBW_EXIT_OK);
	assert_string_equal(cli.output_file, "/var/log/wbw.json");
	assert_int_equal(PARSE(&cli, err, "watch", "--output=w.log"), WBW_EXIT_OK);
	assert_string_equal(cli.output_file, "w.log");
	assert_int_equal(cli.command, WBW_CMD_WATCH);
	assert_int_equal(PARSE(&cli, err, "--output", ""), WBW_EXIT_USAGE);
	assert_string_equal(err, "invalid --output '': expected a path");
	assert_int_equal(PARSE(&cli, err, "--output"), WBW_EXIT_USAGE);
	assert_string_equal(err, "option '--output' needs a value");
	assert_int_equal(PARSE(&cli, err, "--output", "a.log", "--output", "b.log"), WBW_EXIT_USAGE);
	assert_string_equal(err, "--output given twice ('a.log', 'b.log'): give one file");
	/* the same file twice is still twice: the command line says something else */
	assert_int_equal(PARSE(&cli, err, "--output=a", "--output=a"), WBW_EXIT_USAGE);
	static const char *const elsewhere[] = { "run", "scan", "doctor" };

	for (size_t i = 0; i < sizeof(elsewhere) / sizeof(elsewhere[0]); i++) {
		assert_int_equal(PARSE(&cli, err, (char *)elsewhere[i], "--output", "w.log", "--", "true"),
				 WBW_EXIT_USAGE);
		assert_string_equal(err, "--output belongs to a watch: run writes to stderr and "
					 "--report, scan and doctor to stdout");
	}
	assert_int_equal(PARSE(&cli, err, "scan", "--output", "w.log"), WBW_EXIT_USAGE);
	assert_non_null(strstr(err, "--output belongs to a watch"));
}

static void test_usage_mentions_every_option(void **state)
{
	static const char *const opts[] = { "--json", "--dev", "--duration", "--tp-mode", "--settle",
					    "--ringbuf-size", "--verbose", "--help", "--version",
					    "--all-files", "--name-writers", "--fail-on", "--report",
					    "--user", "--metrics-file", "--errno", "--mount", "--pid",
					    "--comm", "--cgroup", "--container", "--listen",
					    "--output" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	wbw_cli_usage(f);
	fclose(f);
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		assert_non_null(strstr(buf, opts[i]));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_watch_command),
		cmocka_unit_test(test_unknown_options),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_process_filters),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_output),
		cmocka_unit_test(test_usage_mentions_every_option),
	};
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
