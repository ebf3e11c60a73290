/* SPDX-License-Identifier: MIT */
/*
 * msgqctl: what the command handlers share.
 *
 * Exit codes (stable; also in --help and msgqctl(1)):
 *   0  success
 *   1  msgqd answered with an error (reply status other than MSGQ_OK)
 *   2  usage error: unknown command or option, bad argument, key, priority,
 *      timeout, configuration file or MSGQ_KEY
 *   3  msgqd unavailable: no queue for the key, no answer within the
 *      timeout, the queue was removed, or the queue could not be used
 *   4  permission denied on the queue
 */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "client.h"
#include "json.h"
#include "protocol.h"

#define PROGRAM_NAME "msgqctl"

enum {
        EXIT_OK = 0,
        EXIT_DAEMON_ERROR = 1,
        EXIT_USAGE = 2,
        EXIT_UNAVAILABLE = 3,
        EXIT_PERMISSION = 4,
};

#define CTL_TIMEOUT_DEFAULT_MS 3000u

struct ctl {
        /* From the command line. */
        const char *config_path; /* -c, NULL: the default path if present */
        bool key_set;            /* -k given */
        key_t key;
        long prio;
        uint64_t timeout_ms;
        bool json;

        /* The connection, opened on first use. */
        bool key_resolved;
        bool open;
        struct msgq_client client;
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
};

/* msgqctl.c: the command table, help and argument helpers. */
const struct command *command_find(const char *name);
void command_print_usage(const struct command *cmd);
void program_print_help(void);
/*
 * A handler's own options, getopt_long style.  Handles -h/--help (prints
 * the command's usage, exits 0) and reports unknown options and missing
 * arguments as usage errors.  Returns the next option character or -1,
 * leaving optind at the first operand.  shortopts should start with "+:h".
 */
int command_getopt(const struct command *cmd, int argc, char **argv, const char *shortopts,
                   const struct option *longopts);
#define COMMAND_HELP_OPTION { "help", no_argument, NULL, 'h' }
/* A priority 1..10, or a usage error of cmd (NULL: a global option). */
long parse_priority(const struct command *cmd, const char *s);

/* report.c: errors on stderr (and as JSON on stdout with --json). */
void report_set_json(bool json);
_Noreturn void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A usage error in cmd (NULL: the global options), with a hint to --help. */
_Noreturn void die_usage(const struct command *cmd, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* The exit code and message for a negative errno from the client. */
int report_errno(const struct ctl *ctl, int err, char *buf, size_t size);
/* The message for a reply whose status is not MSGQ_OK; returns exit code 1. */
int report_status(const struct msgq_reply *rep, char *buf, size_t size);
/* Dies with exit code 1 for a reply whose status is not MSGQ_OK. */
_Noreturn void die_reply(const struct msgq_reply *rep);
/* Write "error" and "exit_code" members into an open JSON object. */
void report_json_members(struct msgq_json *j, const char *message, int code);
/* "3 s", "0.5 s", "1.25 s". */
const char *format_seconds(uint64_t ms, char *buf, size_t size);

/* session.c: the key, the queue and one request at a time. */
key_t ctl_key(struct ctl *ctl);
/* 0 or a negative errno (-ENOENT, -EACCES ...); never dies. */
int ctl_open(struct ctl *ctl);
void ctl_close(struct ctl *ctl);
/* One round trip; 0 with *rep filled, or a negative errno. */
int ctl_call(struct ctl *ctl, long prio, uint16_t op, uint32_t arg0, uint32_t arg1,
             const char *text, struct msgq_reply *rep);
/* ctl_call that dies on a transport error or an error reply. */
void ctl_call_or_die(struct ctl *ctl, long prio, uint16_t op, uint32_t arg0, uint32_t arg1,
                     const char *text, struct msgq_reply *rep);
/* Die as ctl_call_or_die does when ctl_call returned r < 0 or rep is an error reply. */
void ctl_check_or_die(const struct ctl *ctl, int r, const struct msgq_reply *rep);

/* cmd-led.c: the LED state as the led and stats commands print it. */
const char *led_describe(const struct msgq_led_state *led, char *buf, size_t size);
void led_print_json(struct msgq_json *j, const char *key, const struct msgq_led_state *led);

/* cmd-stats.c: the daemon's figures, for stats and status. */
void stats_print_text(const struct msgq_reply *rep);
void stats_print_json(struct msgq_json *j, const char *key, const struct msgq_reply *rep);

/* The handlers. */
int cmd_help(struct ctl *ctl, const struct command *cmd, int argc, char **argv);
int cmd_led(struct ctl *ctl, const struct command *cmd, int argc, char **argv);
int cmd_send(struct ctl *ctl, const struct command *cmd, int argc, char **argv);
int cmd_ping(struct ctl *ctl, const struct command *cmd, int argc, char **argv);
int cmd_stats(struct ctl *ctl, const struct command *cmd, int argc, char **argv);
int cmd_status(struct ctl *ctl, const struct command *cmd, int argc, char **argv);
int cmd_shutdown(struct ctl *ctl, const struct command *cmd, int argc, char **argv);
