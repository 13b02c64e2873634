// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cli.h"
#include "httpd.h"
#include "correlate.h"
#include "wberrwatch.h"

enum {
	OPT_JSON = 'j',
	OPT_VERBOSE = 'v',
	OPT_HELP = 'h',
	OPT_DURATION = 'd',
	OPT_VERSION = 0x100,
	OPT_DEV,
	OPT_TP_MODE,
	OPT_SETTLE,
	OPT_RINGBUF,
	OPT_ALL_FILES,
	OPT_NAME_WRITERS,
	OPT_METRICS_FILE,
	OPT_FAIL_ON,
	OPT_REPORT,
	OPT_USER,
	OPT_ERRNO,
	OPT_MOUNT,
	OPT_PID,
	OPT_COMM,
	OPT_CGROUP,
	OPT_CONTAINER,
	OPT_LISTEN,
	OPT_HOOKS,
	OPT_GATE_STATUS,
	OPT_INCOMPLETE_STATUS,
	OPT_WRITEBACK_WAIT,
	OPT_HANDOVER_WINDOW,
	OPT_PER_PROCESS,
	OPT_OUTPUT,
};

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "dev", required_argument, NULL, OPT_DEV },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "tp-mode", required_argument, NULL, OPT_TP_MODE },
	{ "settle", required_argument, NULL, OPT_SETTLE },
	{ "ringbuf-size", required_argument, NULL, OPT_RINGBUF },
	{ "all-files", no_argument, NULL, OPT_ALL_FILES },
	{ "name-writers", no_argument, NULL, OPT_NAME_WRITERS },
	{ "metrics-file", required_argument, NULL, OPT_METRICS_FILE },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "user", required_argument, NULL, OPT_USER },
	{ "errno", required_argument, NULL, OPT_ERRNO },
	{ "mount", required_argument, NULL, OPT_MOUNT },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "container", required_argument, NULL, OPT_CONTAINER },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "hooks", required_argument, NULL, OPT_HOOKS },
	{ "gate-status", required_argument, NULL, OPT_GATE_STATUS },
	{ "incomplete-status", required_argument, NULL, OPT_INCOMPLETE_STATUS },
	{ "writeback-wait", required_argument, NULL, OPT_WRITEBACK_WAIT },
	{ "handover-window", required_argument, NULL, OPT_HANDOVER_WINDOW },
	{ "per-process", no_argument, NULL, OPT_PER_PROCESS },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ 0 },
};

void wbw_cli_usage(FILE *f)
{
	fprintf(f,
		"Usage: wberrwatch [watch] [OPTIONS]\n"
		"       wberrwatch run [OPTIONS] [--fail-on=any|unreported|unseen] [--report FILE]\n"
		"                      [--user NAME] [--gate-status N] [--incomplete-status N]\n"
		"                      [--writeback-wait SECS] -- CMD [ARGS...]\n"
		"       wberrwatch scan [--json]\n"
		"       wberrwatch doctor [--json]\n"
		"\n"
		"Watch writeback errors (data the kernel failed to write to disk) and which\n"
		"files were told about them by fsync(2) and friends: verdicts REPORTED,\n"
		"UNREPORTED, UNSEEN, SUPERSEDED and RETRIED.\n"
		"\n"
		"Options:\n"
		"  -j, --json             one JSON object per line on stdout (schema: docs/json.md)\n"
		"      --output FILE      watch: append the lines to FILE instead of stdout, and\n"
		"                         reopen it on SIGHUP (after logrotate moved it)\n"
		"      --dev MAJ:MIN      only errors on this device, e.g. 7:0 (filtered in the kernel)\n"
		"      --mount PATH       only errors on the filesystem PATH is on (its device)\n"
		"      --errno ERR        only errors with this errno: a name (EIO) or a number\n"
		"      --pid PID          only verdicts about process PID (its tgid): the file's\n"
		"                         holder, or for UNSEEN/SUPERSEDED the writer (implies\n"
		"                         --name-writers)\n"
		"      --comm NAME        the same, for processes named NAME (as in ps -o comm)\n"
		"      --cgroup PATH      the same, for processes in the cgroup v2 directory PATH or\n"
		"                         below it\n"
		"      --container ID|NAME  the same, for processes in the container with this id\n"
		"                         (at least 12 digits of it) or name (Kubernetes' or podman's)\n"
		"      --all-files        files open read-only are due to be told too (UNREPORTED)\n"
		"      --per-process      judge releases per process; by default per application:\n"
		"                         the cgroup v2 (a service, a container), or the process\n"
		"                         alone in the root cgroup\n"
		"      --handover-window SECS  how long a file released untold waits for another\n"
		"                         process of its application to be told before its\n"
		"                         UNREPORTED is final (default %d; 0: until the error is)\n"
		"      --name-writers     name the process that dirtied the data an error loses;\n"
		"                         hooks every page a write dirties: costs buffered writes\n"
		"                         (see OVERHEAD in the man page)\n"
		"  -d, --duration SECS    stop after SECS seconds; 0 exits as soon as attached\n"
		"      --metrics-file PATH  Prometheus text metrics, rewritten atomically every 10 s\n"
		"                         and at exit (for node_exporter's textfile collector: *.prom)\n"
		"      --listen ADDR:PORT serve the same metrics at http://ADDR:PORT/metrics; PORT\n"
		"                         alone or :PORT listens on 127.0.0.1 only; [::1]:PORT for IPv6\n"
		"      --tp-mode MODE     auto, raw, btf or classic: the BPF program type on the\n"
		"                         tracepoints (auto: raw_tp if it loads, else classic)\n"
		"      --hooks HOOKS      auto, kernel, fentry or tracepoint: how file releases are\n"
		"                         seen (auto: the kernel's file_release_unreported_wb_err\n"
		"                         event if it has it (patches/0001), else fentry on __fput\n"
		"                         if this kernel allows it, else iterator polling and\n"
		"                         sched_process_exit)\n"
		"      --settle MS        report an error once its burst of events was quiet for\n"
		"                         MS milliseconds (default %llu)\n"
		"      --ringbuf-size N   ring buffer bytes, a power of two; K/M suffixes (default %uM)\n"
		"  -v, --verbose          print libbpf's own messages\n"
		"\n"
		"Run options (wberrwatch run ... -- CMD):\n"
		"      --fail-on WHAT     verdicts about CMD's processes and data that fail it: any\n"
		"                         (default: every untold loss), unreported (UNREPORTED,\n"
		"                         RETRIED) or unseen (UNSEEN, SUPERSEDED)\n"
		"      --gate-status N    exit status when the gate trips (default %d)\n"
		"      --incomplete-status N  exit status when records were lost and the verdicts\n"
		"                         cannot be vouched for (default %d)\n"
		"      --writeback-wait SECS  after CMD exits, wait up to SECS for what it wrote\n"
		"                         to reach the disk, then judge it (default %d; 0: do not wait)\n"
		"      --report FILE      the run's JSON lines, written atomically at the end\n"
		"      --user NAME        run CMD as NAME (default: the sudo caller, else root without\n"
		"                         capabilities); CMD never inherits wberrwatch's capabilities\n"
		"  -h, --help             this text\n"
		"      --version          print the version\n"
		"\n"
		"Commands:\n"
		"  watch (default)        watch until stopped, print errors, observations, verdicts\n"
		"  run -- CMD             run CMD, judge only its process tree, exit with its status\n"
		"  scan                   list open files whose next fsync would report an error\n"
		"  doctor                 try every hook kind here; exit status as a watch would\n"
		"\n"
		"Exit status:\n"
		"  0  stopped by SIGINT/SIGTERM or --duration      3  missing privilege (CAP_BPF, CAP_PERFMON)\n"
		"  1  runtime failure                              4  kernel has no BTF\n"
		"  2  unknown option or bad value                  5  kernel lacks the tracepoints\n"
		"  6  kernel lacks the hook --hooks asks for (fentry, kernel)\n"
		"  run: CMD's own status, or %d (--gate-status) when verdicts matched --fail-on, or\n"
		"       %d (--incomplete-status) when records were lost and the verdicts cannot be\n"
		"       vouched for; stderr and --report say which\n"
		"\n"
		"Examples:\n"
		"  sudo wberrwatch                      live view of every writeback error\n"
		"  sudo wberrwatch --json --dev 7:0     JSON lines for one device\n"
		"  sudo wberrwatch --duration 0         check that the tool loads here\n"
		"  sudo wberrwatch doctor               which hooks this kernel allows, and why not\n"
		"  sudo wberrwatch run -- make test     fail the job if its data was lost silently\n",
		(int)(WBW_CORR_DEFAULT_HANDOVER_NS / 1000000000),
		(unsigned long long)(WBW_CORR_DEFAULT_SETTLE_NS / 1000000), WBW_RINGBUF_DEFAULT >> 20,
		WBW_RUN_GATE_STATUS_DEFAULT, WBW_RUN_INCOMPLETE_STATUS_DEFAULT,
		WBW_RUN_WRITEBACK_WAIT_DEFAULT_MS / 1000, WBW_RUN_GATE_STATUS_DEFAULT,
		WBW_RUN_INCOMPLETE_STATUS_DEFAULT);
}

const char *wbw_tp_mode_name(enum wbw_tp_mode m)
{
	switch (m) {
	case WBW_TP_AUTO: return "auto";
	case WBW_TP_RAW: return "raw";
	case WBW_TP_BTF: return "btf";
	case WBW_TP_CLASSIC: return "classic";
	}
	return "?";
}

const char *wbw_hooks_name(enum wbw_hooks h)
{
	switch (h) {
	case WBW_HOOKS_AUTO: return "auto";
	case WBW_HOOKS_FENTRY: return "fentry";
	case WBW_HOOKS_TRACEPOINT: return "tracepoint";
	case WBW_HOOKS_KERNEL: return "kernel";
	}
	return "?";
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return WBW_EXIT_USAGE;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "EIO", "eio" or "5": 1..4095, the range errseq_t can hold */
static int parse_errno(const char *s, int *err)
{
	uint64_t v;

	if (*s >= '0' && *s <= '9') {
		if (parse_u64(s, &v) || v == 0 || v > 4095)
			return -EINVAL;
		*err = (int)v;
		return 0;
	}
	for (int e = 1; e < 4096; e++) {
		const char *name = strerrorname_np(e);

		if (name && !strcasecmp(name, s)) {
			*err = e;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_dev(const char *s, uint32_t *dev)
{
	char *end;
	unsigned long major, minor;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	major = strtoul(s, &end, 10);
	if (*end != ':' || end[1] < '0' || end[1] > '9')
		return -EINVAL;
	minor = strtoul(end + 1, &end, 10);
	/* the kernel's dev_t has 12 bits of major and 20 of minor */
	if (*end || major >= (1ul << 12) || minor >= (1ul << 20))
		return -EINVAL;
	if (major == 0 && minor == 0)
		return -EINVAL;
	*dev = (uint32_t)(major << 20 | minor);
	return 0;
}

/* "2", "0.5", "1.25": seconds with up to millisecond precision */
static int parse_seconds(const char *s, int64_t *ms)
{
	uint64_t whole = 0, frac = 0;
	const char *dot = strchr(s, '.');
	char intpart[32];
	size_t n = dot ? (size_t)(dot - s) : strlen(s);
	int digits = 0;

	if (n == 0 || n >= sizeof(intpart))
		return -EINVAL;
	memcpy(intpart, s, n);
	intpart[n] = '\0';
	if (parse_u64(intpart, &whole) || whole > 100u * 365 * 86400)
		return -EINVAL;
	if (dot) {
		const char *p = dot + 1;

		if (!*p)
			return -EINVAL;
		for (; *p; p++, digits++) {
			if (*p < '0' || *p > '9' || digits >= 3)
				return -EINVAL;
			frac = frac * 10 + (uint64_t)(*p - '0');
		}
		for (; digits < 3; digits++)
			frac *= 10;
	}
	*ms = (int64_t)(whole * 1000 + frac);
	return 0;
}

/* The one message for an option that takes seconds. */
static int fail_seconds(char *err, size_t errlen, const char *opt, const char *arg,
			const char *example)
{
	return fail(err, errlen, "invalid --%s '%s': expected seconds, e.g. %s", opt, arg, example);
}

static int parse_size(const char *s, uint64_t *bytes)
{
	char num[32];
	size_t n = strlen(s);
	uint64_t mult = 1, v;

	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 'k': case 'K': mult = 1ull << 10; num[--n] = '\0'; break;
	case 'm': case 'M': mult = 1ull << 20; num[--n] = '\0'; break;
	case 'g': case 'G': mult = 1ull << 30; num[--n] = '\0'; break;
	}
	if (parse_u64(num, &v) || v > (1ull << 32) / mult)
		return -EINVAL;
	*bytes = v * mult;
	return 0;
}

static int parse_options(int argc, char **argv, struct wbw_cli *cli, char *err, size_t errlen);

int wbw_cli_parse(int argc, char **argv, struct wbw_cli *cli, char *err, size_t errlen)
{
	enum wbw_command cmd = WBW_CMD_WATCH;
	int rc, first;

	/* `wberrwatch COMMAND [OPTIONS]`: the command comes first */
	if (argc > 1 && !strcmp(argv[1], "doctor"))
		cmd = WBW_CMD_DOCTOR;
	else if (argc > 1 && !strcmp(argv[1], "run"))
		cmd = WBW_CMD_RUN;
	else if (argc > 1 && !strcmp(argv[1], "scan"))
		cmd = WBW_CMD_SCAN;
	if (cmd != WBW_CMD_WATCH || (argc > 1 && !strcmp(argv[1], "watch"))) {
		argc--;
		argv++;
	}
	rc = parse_options(argc, argv, cli, err, errlen);
	cli->command = cmd;
	if (rc)
		return rc;
	first = optind;
	if (cli->mount_path && cli->filter_dev)
		return fail(err, errlen, "--dev and --mount both name a device: give one");
	/*
	 * run's stdout is the command's (its lines go to stderr and --report);
	 * scan and doctor print one answer: only a watch has a log to rotate
	 */
	if (cmd != WBW_CMD_WATCH && cli->output_file)
		return fail(err, errlen, "--output belongs to a watch: run writes to stderr and "
				       "--report, scan and doctor to stdout");
	if (cmd == WBW_CMD_RUN) {
		if (cli->gate_status == cli->incomplete_status)
			return fail(err, errlen,
				    "--gate-status and --incomplete-status are both %d: give two statuses",
				    cli->gate_status);
		if (first >= argc)
			return fail(err, errlen, "run needs a command: wberrwatch run [OPTIONS] -- CMD [ARGS...]");
		cli->cmd_argv = argv + first;
		cli->cmd_argc = argc - first;
		return WBW_EXIT_OK;
	}
	if (cmd == WBW_CMD_SCAN && (cli->listen || cli->metrics_file))
		return fail(err, errlen, "scan is one pass: --listen and --metrics-file belong to a watch");
	if (cli->fail_on_set || cli->report_file || cli->user || cli->run_option)
		return fail(err, errlen, "--fail-on, --report, --user, --gate-status, "
				       "--incomplete-status and --writeback-wait belong to "
				       "`wberrwatch run`");
	if (first < argc)
		return fail(err, errlen, "unexpected argument '%s'", argv[first]);
	return WBW_EXIT_OK;
}

static int parse_options(int argc, char **argv, struct wbw_cli *cli, char *err, size_t errlen)
{
	int opt;

	memset(cli, 0, sizeof(*cli));
	cli->duration_ms = -1;
	cli->settle_ms = WBW_CORR_DEFAULT_SETTLE_NS / 1000000;
	cli->gate_status = WBW_RUN_GATE_STATUS_DEFAULT;
	cli->incomplete_status = WBW_RUN_INCOMPLETE_STATUS_DEFAULT;
	cli->writeback_wait_ms = WBW_RUN_WRITEBACK_WAIT_DEFAULT_MS;
	cli->handover_ms = (int64_t)(WBW_CORR_DEFAULT_HANDOVER_NS / 1000000);
	cli->ringbuf_bytes = WBW_RINGBUF_DEFAULT;
	if (errlen)
		err[0] = '\0';

	optind = 0; /* full re-initialisation (glibc): parse may run more than once */
	opterr = 0; /* our own messages, on our own terms */
	while ((opt = getopt_long(argc, argv, "+:jvhd:", long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_JSON:
			cli->json = true;
			break;
		case OPT_VERBOSE:
			cli->verbose = true;
			break;
		case OPT_HELP:
			cli->help = true;
			break;
		case OPT_VERSION:
			cli->version = true;
			break;
		case OPT_ALL_FILES:
			cli->all_files = true;
			break;
		case OPT_NAME_WRITERS:
			cli->name_writers = true;
			break;
		case OPT_ERRNO:
			if (parse_errno(optarg, &cli->filter_errno))
				return fail(err, errlen,
					    "invalid --errno '%s': expected an errno name such as EIO or "
					    "ENOSPC, or a number from 1 to 4095", optarg);
			break;
		case OPT_PID: {
			uint64_t pid;

			/* PID_MAX_LIMIT: 4194304 on 64-bit kernels */
			if (parse_u64(optarg, &pid) || pid == 0 || pid > 4194304)
				return fail(err, errlen,
					    "invalid --pid '%s': expected a process id from 1 to 4194304",
					    optarg);
			cli->filter_pid = (uint32_t)pid;
			break;
		}
		case OPT_COMM:
			/* TASK_COMM_LEN is 16: the kernel keeps 15 bytes of a name */
			if (!*optarg || strlen(optarg) > WBW_TASK_COMM_LEN - 1)
				return fail(err, errlen,
					    "invalid --comm '%s': expected a process name of 1 to %d bytes "
					    "(the kernel keeps no more)", optarg, WBW_TASK_COMM_LEN - 1);
			cli->filter_comm = optarg;
			break;
		case OPT_CGROUP:
			if (!*optarg)
				return fail(err, errlen, "invalid --cgroup '': expected a cgroup v2 directory");
			cli->cgroup_path = optarg;
			break;
		case OPT_CONTAINER:
			if (!*optarg)
				return fail(err, errlen,
					    "invalid --container '': expected a container id or name");
			cli->filter_container = optarg;
			break;
		case OPT_MOUNT:
			if (!*optarg)
				return fail(err, errlen, "invalid --mount '': expected a path");
			cli->mount_path = optarg;
			break;
		case OPT_GATE_STATUS:
		case OPT_INCOMPLETE_STATUS: {
			uint64_t v;
			const char *name = opt == OPT_GATE_STATUS ? "gate-status" : "incomplete-status";

			/* 0 would pass for success; above 255 the shell sees it modulo 256 */
			if (parse_u64(optarg, &v) || v < 1 || v > 255)
				return fail(err, errlen, "invalid --%s '%s': expected 1 to 255", name,
					    optarg);
			*(opt == OPT_GATE_STATUS ? &cli->gate_status : &cli->incomplete_status) = (int)v;
			cli->run_option = true;
			break;
		}
		case OPT_HANDOVER_WINDOW:
			if (parse_seconds(optarg, &cli->handover_ms))
				return fail_seconds(err, errlen, "handover-window", optarg, "600");
			break;
		case OPT_PER_PROCESS:
			cli->per_process = true;
			break;
		case OPT_WRITEBACK_WAIT:
			if (parse_seconds(optarg, &cli->writeback_wait_ms))
				return fail_seconds(err, errlen, "writeback-wait", optarg, "30 or 2.5");
			cli->run_option = true;
			break;
		case OPT_FAIL_ON:
			cli->fail_on_set = true;
			if (!strcmp(optarg, "unreported"))
				cli->fail_on = WBW_FAIL_UNREPORTED;
			else if (!strcmp(optarg, "unseen"))
				cli->fail_on = WBW_FAIL_UNSEEN;
			else if (!strcmp(optarg, "any"))
				cli->fail_on = WBW_FAIL_ANY;
			else
				return fail(err, errlen,
					    "invalid --fail-on '%s': expected unreported, unseen or any",
					    optarg);
			break;
		case OPT_REPORT:
			if (!*optarg)
				return fail(err, errlen, "invalid --report '': expected a path");
			cli->report_file = optarg;
			break;
		case OPT_USER:
			if (!*optarg)
				return fail(err, errlen, "invalid --user '': expected a user name");
			cli->user = optarg;
			break;
		case OPT_OUTPUT:
			if (!*optarg)
				return fail(err, errlen, "invalid --output '': expected a path");
			/* the last one winning would leave the first file silently unwritten */
			if (cli->output_file)
				return fail(err, errlen, "--output given twice ('%s', '%s'): give one file",
					    cli->output_file, optarg);
			cli->output_file = optarg;
			break;
		case OPT_METRICS_FILE:
			if (!*optarg)
				return fail(err, errlen, "invalid --metrics-file '': expected a path");
			cli->metrics_file = optarg;
			break;
		case OPT_LISTEN:
			if (wbw_httpd_parse_addr(optarg, &cli->listen_addr, &cli->listen_addr_len))
				return fail(err, errlen,
					    "invalid --listen '%s': expected PORT, ADDR:PORT or "
					    "[IPV6ADDR]:PORT with a numeric address and a port from 1 to "
					    "65535, e.g. 127.0.0.1:9465", optarg);
			cli->listen = optarg;
			break;
		case OPT_DEV:
			if (parse_dev(optarg, &cli->filter_dev))
				return fail(err, errlen,
					    "invalid --dev '%s': expected MAJOR:MINOR of a device, e.g. 7:0 "
					    "(see the third field of /proc/self/mountinfo)", optarg);
			break;
		case OPT_DURATION:
			if (parse_seconds(optarg, &cli->duration_ms))
				return fail_seconds(err, errlen, "duration", optarg, "10 or 0.5");
			break;
		case OPT_TP_MODE:
			if (!strcmp(optarg, "auto"))
				cli->tp_mode = WBW_TP_AUTO;
			else if (!strcmp(optarg, "raw"))
				cli->tp_mode = WBW_TP_RAW;
			else if (!strcmp(optarg, "btf"))
				cli->tp_mode = WBW_TP_BTF;
			else if (!strcmp(optarg, "classic"))
				cli->tp_mode = WBW_TP_CLASSIC;
			else
				return fail(err, errlen,
					    "invalid --tp-mode '%s': expected auto, raw, btf or classic", optarg);
			break;
		case OPT_HOOKS:
			if (!strcmp(optarg, "auto"))
				cli->hooks = WBW_HOOKS_AUTO;
			else if (!strcmp(optarg, "fentry"))
				cli->hooks = WBW_HOOKS_FENTRY;
			else if (!strcmp(optarg, "tracepoint"))
				cli->hooks = WBW_HOOKS_TRACEPOINT;
			else if (!strcmp(optarg, "kernel"))
				cli->hooks = WBW_HOOKS_KERNEL;
			else
				return fail(err, errlen,
					    "invalid --hooks '%s': expected auto, kernel, fentry or tracepoint",
					    optarg);
			break;
		case OPT_SETTLE:
			if (parse_u64(optarg, &cli->settle_ms) || cli->settle_ms > 3600000)
				return fail(err, errlen,
					    "invalid --settle '%s': expected milliseconds, 0 to 3600000",
					    optarg);
			break;
		case OPT_RINGBUF:
			/* BPF ring buffers are a power-of-two number of pages */
			if (parse_size(optarg, &cli->ringbuf_bytes) || cli->ringbuf_bytes < 4096 ||
			    (cli->ringbuf_bytes & (cli->ringbuf_bytes - 1)))
				return fail(err, errlen,
					    "invalid --ringbuf-size '%s': expected a power of two from 4K "
					    "to 4G, e.g. 16M", optarg);
			break;
		case ':':
			return fail(err, errlen, "option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt && optopt < 0x100)
				return fail(err, errlen, "unknown option '-%c'", optopt);
			return fail(err, errlen, "unknown option '%s'", argv[optind - 1]);
		}
	}
	return WBW_EXIT_OK;
}
