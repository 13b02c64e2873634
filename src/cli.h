/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Command line: parsing (pure, unit-tested), usage text and exit statuses. */
#ifndef WBW_CLI_H
#define WBW_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

/* Exit statuses; documented in --help, the man page and docs/usage.md. */
enum wbw_exit {
	WBW_EXIT_OK = 0,
	WBW_EXIT_FAILURE = 1,        /* runtime failure (load, attach, I/O) */
	WBW_EXIT_USAGE = 2,          /* unknown option or bad value */
	WBW_EXIT_NO_PRIVILEGE = 3,   /* missing CAP_BPF / CAP_PERFMON */
	WBW_EXIT_NO_BTF = 4,         /* kernel has no BTF */
	WBW_EXIT_NO_TRACEPOINT = 5,  /* kernel lacks the writeback error tracepoints / ring buffer */
	WBW_EXIT_NO_HOOK = 6,        /* --hooks=fentry|kernel and the kernel has no such hook */
};

/*
 * run's own statuses, beside the command's: the defaults are ones no common
 * program exits with (sqlite3 exits 10 on an I/O error, rsync 1-35, shells
 * 126-127, signals 128+), and --gate-status / --incomplete-status change them.
 */
#define WBW_RUN_GATE_STATUS_DEFAULT 86       /* verdicts matched --fail-on */
#define WBW_RUN_INCOMPLETE_STATUS_DEFAULT 87 /* records lost: the verdicts cannot be vouched for */
/* run: how long, after CMD exits, to wait for its data to be written back */
#define WBW_RUN_WRITEBACK_WAIT_DEFAULT_MS 30000

/* run --fail-on: which verdicts about the command fail it */
enum wbw_fail_on {
	WBW_FAIL_ANY = 0,        /* default: every untold loss of the command's data */
	WBW_FAIL_UNREPORTED,     /* UNREPORTED, RETRIED: told nothing, or a false success */
	WBW_FAIL_UNSEEN,         /* UNSEEN, SUPERSEDED: nobody was told */
};

enum wbw_tp_mode {
	WBW_TP_AUTO = 0,  /* raw_tp if it loads, else classic tracepoints */
	WBW_TP_RAW,       /* raw_tp only */
	WBW_TP_BTF,       /* tp_btf only */
	WBW_TP_CLASSIC,   /* classic tracepoints only */
};

/* How file releases are seen (the UNREPORTED verdict). */
enum wbw_hooks {
	WBW_HOOKS_AUTO = 0,   /* kernel if the kernel has the event, else fentry if it loads, else tracepoint */
	WBW_HOOKS_FENTRY,     /* fentry/__fput: exact releases (stock kernels) */
	WBW_HOOKS_TRACEPOINT, /* iter/task_file polling + sched_process_exit (no fentry) */
	WBW_HOOKS_KERNEL,     /* filemap:file_release_unreported_wb_err (patches/0001) */
};

enum wbw_command {
	WBW_CMD_WATCH = 0,
	WBW_CMD_DOCTOR,
	WBW_CMD_RUN,
	WBW_CMD_SCAN,
};

struct wbw_cli {
	enum wbw_command command;
	bool json;
	bool verbose;
	bool help;
	bool version;
	bool all_files;         /* read-only files are due to be told too */
	bool name_writers;      /* hook every inode dirtying to name writers (costs writes) */
	enum wbw_tp_mode tp_mode;
	enum wbw_hooks hooks;
	uint32_t filter_dev;    /* kernel dev_t encoding; 0 = all */
	int filter_errno;       /* 0 = all */
	const char *mount_path; /* --mount: resolved to filter_dev by the caller */
	uint32_t filter_pid;    /* --pid: tgid; 0 = all */
	const char *filter_comm; /* --comm: 1 to 15 bytes */
	const char *cgroup_path; /* --cgroup: checked and walked by the caller */
	const char *filter_container; /* --container: an id, id prefix or name */
	int64_t duration_ms;    /* -1: until signalled; 0: exit once attached */
	uint64_t settle_ms;
	uint64_t ringbuf_bytes;
	const char *metrics_file; /* Prometheus textfile, rewritten atomically */
	const char *output_file;  /* watch: the lines go here, reopened on SIGHUP */
	const char *listen;       /* --listen as given: serve /metrics over HTTP */
	struct sockaddr_storage listen_addr;
	socklen_t listen_addr_len;
	/* run */
	enum wbw_fail_on fail_on;
	bool fail_on_set;
	bool run_option;         /* an option only `run` takes was given */
	int gate_status;         /* exit status when the gate trips */
	int incomplete_status;   /* exit status when records were lost */
	int64_t writeback_wait_ms; /* after CMD exits: wait this long for its writeback */
	int64_t handover_ms;     /* how long a release untold waits for its application */
	bool per_process;        /* each process is its own application (not its cgroup) */
	const char *report_file; /* JSON lines of the run, written atomically at the end */
	const char *user;        /* run the command as this user */
	char **cmd_argv;         /* NULL-terminated */
	int cmd_argc;
};

/*
 * Parse argv into cli.  Returns WBW_EXIT_OK, or WBW_EXIT_USAGE with a
 * message in err.
 */
int wbw_cli_parse(int argc, char **argv, struct wbw_cli *cli, char *err, size_t errlen);
void wbw_cli_usage(FILE *f);
const char *wbw_tp_mode_name(enum wbw_tp_mode m);
const char *wbw_hooks_name(enum wbw_hooks h);

#endif
