/* SPDX-License-Identifier: MIT */
/*
 * msgqctl: what the command handlers share.
 *
 * Exit codes (stable; also in --help and msgqctl(1)):
 *   0  success
 *   1  msgqd answered with an error (reply status other than MSGQ_OK), or
 *      has no line of a name given
 *   2  usage error: unknown command or option, bad argument, key, priority,
 *      timeout, configuration file or MSGQ_KEY
 *   3  msgqd unavailable: no queue for the key, no answer within the
 *      timeout, the queue was removed, the queue could not be used, or
 *      (shutdown) msgqd did not let go of the key within the timeout
 *   4  permission denied on the queue
 *   5  the output could not be written (a full disk, a closed pipe)
 */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "clock.h"
#include "config.h"
#include "msgq.h"
#include "protocol.h"

#define PROGRAM_NAME "msgqctl"

enum {
        EXIT_OK = 0,
        EXIT_DAEMON_ERROR = 1,
        EXIT_USAGE = 2,
        EXIT_UNAVAILABLE = 3,
        EXIT_PERMISSION = 4,
        EXIT_OUTPUT = 5,
};

#define CTL_TIMEOUT_DEFAULT_MS 3000u
/* How long one watch (watch, mon) waits in msgqd for a change before msgqctl checks msgqd is there. */
#define CTL_WATCH_WAIT_MS 30000u
/* How long mon waits for a change msgqd has (a line's next, after what msgqd no longer kept). */
#define CTL_PEEK_MS 1000u
/* The longest msgqctl waits to tidy up after a signal (interrupt.h). */
#define CTL_TIDY_WAIT_MS 1000u

/* The global options as given, checked once all options are read. */
struct global_args {
        const char *key, *timeout, *prio, *config;
        bool json, help, version, quiet;
        char error[256]; /* the first option error, reported once --json is known */
        const struct command *error_cmd; /* where it was, NULL: before the command */
};

struct ctl {
        struct global_args args;

        /* The global options, checked, and the configuration. */
        long prio;
        uint64_t timeout_ms;
        const char *config_path; /* the file read: -c, or the default path */
        struct msgq_config config;
        key_t key;

        /* The connection (libmsgq), opened on first use. */
        struct msgq *msgq;
        /* The line the LED requests drive (led ACTION NAME); 0: the default output, led. */
        unsigned line;
};

struct command {
        const char *name;
        int (*handler)(struct ctl *ctl, const struct command *cmd, int argc, char **argv);
        const char *summary;
        /*
         * Synopsis lines without the program name, then optionally a blank
         * line and a description: "led on|off\nled blink MS\n\nText...".
         */
        const char *usage;
        bool no_queue; /* help: reads no configuration */
};

/* msgqctl.c: the command table, help and argument helpers. */
const struct command *command_find(const char *name);
void command_print_usage(const struct command *cmd);
void program_print_help(void);
/*
 * A handler's own options, getopt_long style, and the global options
 * anywhere among them (the command's own win where a letter is taken
 * twice: ping -c is its count, --config still the file).  Handles
 * -h/--help (the command's usage, exit 0); errors are usage errors,
 * reported once all options are read, so that a later --json applies.
 * Returns the next option character of the command's own, or -1 with the
 * global options checked, the configuration read (unless cmd->no_queue)
 * and optind at the first operand.  shortopts lists the command's letters
 * ("c:i:"), without '+', ':' or 'h'.
 */
int command_getopt(struct ctl *ctl, const struct command *cmd, int argc, char **argv,
                   const char *shortopts, const struct option *longopts);
/* A priority 1..10, or a usage error of cmd (NULL: a global option). */
long parse_priority(const struct command *cmd, const char *s);

/* report.c: the one error path. */
/* A message on stderr and in the output; returns code. */
int report(int code, const struct msgq_reply *rep, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
_Noreturn void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A usage error in cmd (NULL: the global options), with a hint to --help. */
_Noreturn void die_usage(const struct command *cmd, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* Reports a negative errno from the client; returns the exit code. */
int report_errno(const struct ctl *ctl, int err);
/* Reports a reply whose status is not MSGQ_OK; returns 1. */
int report_reply(const struct msgq_reply *rep);
/* "invalid argument: period 10 ms is below 20 ms". */
const char *reply_error(const struct msgq_reply *rep, char *buf, size_t size);
/* Ends the output's document and flushes stdout: 0, or -errno once reported. */
int output_flush(void);
/* output_flush, then the exit code: code, or 5 if only the output failed. */
int output_finish(int code);
/* A user's or group's name, or NULL. */
const char *user_name(uid_t uid);
const char *group_name(gid_t gid);

/* queue-info.c: what anyone may see of a queue, and advice when it is refused. */
struct queue_info;
/* The queue from /proc/sysvipc/msg: 0, -ENOENT or -errno. */
int queue_info_from_proc(key_t key, struct queue_info *q);
/* "permission denied on the queue with key ... (owner, group, mode): what to do". */
void permission_advice(const struct ctl *ctl, char *buf, size_t size);

/* session.c: the configuration, the queue and one request at a time. */
/* Defaults < configuration file < MSGQ_KEY < -k, as msgqd and msgq-mqtt resolve it. */
void ctl_configure(struct ctl *ctl, const struct command *cmd);
/* 0 or a negative errno (-ENOENT, -EACCES ...); never dies. */
int ctl_open(struct ctl *ctl);
void ctl_close(struct ctl *ctl);
/* One round trip within timeout_ms; 0 with *rep filled, or a negative errno. */
int ctl_call_within(struct ctl *ctl, uint64_t timeout_ms, long prio, uint16_t op, uint32_t arg0,
                    uint32_t arg1, const char *text, struct msgq_reply *rep);
/* The same within the -t timeout. */
int ctl_call(struct ctl *ctl, long prio, uint16_t op, uint32_t arg0, uint32_t arg1,
             const char *text, struct msgq_reply *rep);
/*
 * After a call a signal cut short: one ping within CTL_TIDY_WAIT_MS (or
 * -t), so that msgqd's late answer to that call is taken off the queue
 * (msgqd answers in order at one priority); errors are ignored.
 */
void ctl_tidy(struct ctl *ctl);
/* Withdraw the watch msgqd keeps for us (msgq_led_unwatch()) within the same; errors ignored. */
void ctl_led_unwatch(struct ctl *ctl);
/* The connection with -t (or timeout_ms) and -p set, for a libmsgq call; dies if it cannot be opened. */
struct msgq *ctl_msgq(struct ctl *ctl, uint64_t timeout_ms);
/* After a libmsgq call on ctl_msgq() that returned r: dies as ctl_check_or_die() when r < 0. */
void ctl_msgq_check_or_die(struct ctl *ctl, int r);
/* ctl_call that dies on a transport error or an error reply. */
void ctl_call_or_die(struct ctl *ctl, long prio, uint16_t op, uint32_t arg0, uint32_t arg1,
                     const char *text, struct msgq_reply *rep);
/* Die as ctl_call_or_die does when ctl_call returned r < 0 or rep is an error reply. */
void ctl_check_or_die(const struct ctl *ctl, int r, const struct msgq_reply *rep);

/* The handlers. */
int cmd_help(struct ctl *ctl, const struct command *cmd, int argc, char **argv);
int cmd_led(struct ctl *ctl, const struct command *cmd, int argc, char **argv);
int cmd_send(struct ctl *ctl, const struct command *cmd, int argc, char **argv);
int cmd_ping(struct ctl *ctl, const struct command *cmd, int argc, char **argv);
int cmd_stats(struct ctl *ctl, const struct command *cmd, int argc, char **argv);
int cmd_status(struct ctl *ctl, const struct command *cmd, int argc, char **argv);
int cmd_shutdown(struct ctl *ctl, const struct command *cmd, int argc, char **argv);
int cmd_list(struct ctl *ctl, const struct command *cmd, int argc, char **argv);
int cmd_get(struct ctl *ctl, const struct command *cmd, int argc, char **argv);
int cmd_set(struct ctl *ctl, const struct command *cmd, int argc, char **argv);
int cmd_watch(struct ctl *ctl, const struct command *cmd, int argc, char **argv);
int cmd_inputs(struct ctl *ctl, const struct command *cmd, int argc, char **argv);
int cmd_mon(struct ctl *ctl, const struct command *cmd, int argc, char **argv);

/* lines.c: msgqd's lines as msgqctl names them. */
struct ctl_lines {
        struct msgq_line_info line[MSGQ_LINES_MAX];
        size_t n;
        uint32_t daemon_pid;
};
/* msgqd's lines, listed once (within -t); dies as any call does. */
void lines_load(struct ctl *ctl, struct ctl_lines *t);
/* The line called name (regardless of case), or dies naming it, with the names msgqd has (exit 1). */
const struct msgq_line_info *lines_find(const struct ctl_lines *t, const char *name);
/*
 * The lines named in argv (argc of them; none: every line), each once, into
 * sel in the order given: how many.  An unknown name dies as lines_find();
 * a line named twice, or more than MSGQ_LINES_MAX, is a usage error of cmd.
 */
size_t lines_named(const struct command *cmd, const struct ctl_lines *t, int argc, char **argv,
                   const struct msgq_line_info **sel);
/* A line's name by its index, as listed ("line 7" for one msgqd added since). */
const char *lines_name(const struct ctl_lines *t, unsigned line);
/* Dies (exit 1) naming l when it is an input, which no request drives. */
void lines_check_output(const struct msgq_line_info *l);
/* msgqd's last change number: the latest of its lines' last changes. */
uint64_t lines_last_change(const struct ctl_lines *t);
