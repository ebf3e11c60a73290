/* SPDX-License-Identifier: MIT */
/*
 * msgqctl: the control tool of msgqd.
 *
 *   msgqctl [-k KEY] [-c FILE] [-t SECONDS] [-p PRIO] [--json] COMMAND ...
 *
 * main() parses the global options, finds COMMAND in the table below and
 * hands it the rest of the command line; each handler checks its own
 * arguments.  --help and `help` are generated from the same table.
 *
 * Exit codes: 0 success, 1 msgqd answered with an error, 2 usage error,
 * 3 msgqd unavailable, 4 permission denied (details in msgqctl.h).
 */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "msgq-build.h"
#include "msgqctl.h"
#include "output.h"
#include "parse.h"
#include "usage.h"

static const struct command commands[] = {
        {
                .name = "list",
                .handler = cmd_list,
                .summary = "list msgqd's lines (as gpioinfo)",
                .usage = "list [--names]\n"
                         "\n"
                         "Print msgqd's lines, its outputs, one a line in index order: the index,\n"
                         "the name, the chip and offset, the state, the settings (kind, active-low,\n"
                         "start and stop policy) and the last change with who made it:\n"
                         "  msgqd pid 1234 - 2 lines:\n"
                         "  \tline  0:\t\"led\"\tgpiochip0:17\toff\tkind=led start=restore stop=off\t"
                         "change 3 by msgqd\n"
                         "  \tline  1:\t\"pump\"\tgpiochip0:22\ton\tkind=relay start=off stop=off\t"
                         "change 5 by pid 4242\n"
                         "\n"
                         "  --names   only the names, one a line (for completion and scripts)",
        },
        {
                .name = "get",
                .handler = cmd_get,
                .summary = "print the level of lines (as gpioget)",
                .usage = "get [NAME...]\n"
                         "\n"
                         "Print each line's level as NAME=on or NAME=off on one line, in the\n"
                         "order given (without NAME: every line), as set takes them:\n"
                         "  pump=on fan=off\n"
                         "Names may be in any case.  A name msgqd does not have is an error\n"
                         "that names it (exit code 1).",
        },
        {
                .name = "set",
                .handler = cmd_set,
                .summary = "set several lines at once (as gpioset)",
                .usage = "set NAME=VALUE...\n"
                         "\n"
                         "Set each line NAME to VALUE (on, off, 1 or 0) in one request: msgqd\n"
                         "checks them all first and changes none when one is wrong, ends their\n"
                         "blinks, and sets the lines of one chip in one kernel call, so that they\n"
                         "change together.  Print the levels as get does:\n"
                         "  pump=on led=off",
        },
        {
                .name = "watch",
                .handler = cmd_watch,
                .summary = "print each change of lines as it happens (as gpiomon)",
                .usage = "watch [-n COUNT] [NAME...]\n"
                         "\n"
                         "Print every change of the lines named (without NAME: of every line)\n"
                         "from now on, as msgqd makes it (no polling), one a line: the time\n"
                         "msgqd made it (local, to the nanosecond), the line, what it became and\n"
                         "the change's number in msgqd's one sequence of every line:\n"
                         "  2026-12-07 05:01:02.123456789 pump: on (change 17)\n"
                         "Changes msgqd no longer kept for it (more than 1024 behind) are a line\n"
                         "of their own: \"missed 3 changes: ...\".  Ctrl-C or SIGTERM end it with\n"
                         "exit code 0.  With --json, one JSON object per line (JSON lines).\n"
                         "\n"
                         "  -n, --count=COUNT  stop after COUNT changes",
        },
        {
                .name = "inputs",
                .handler = cmd_inputs,
                .summary = "list msgqd's inputs with their counters (as gpioinfo)",
                .usage = "inputs [--names] [NAME...]\n"
                         "\n"
                         "Print msgqd's inputs (without NAME: every one), as list prints lines:\n"
                         "the index, the name, the chip and offset, the level, the settings (the\n"
                         "edges counted, the bias, active-low, the debounce period and who does\n"
                         "it, the kernel or msgqd), the edges counted (with those the kernel\n"
                         "lost) and the number of the last change:\n"
                         "  msgqd pid 1234 - 2 inputs:\n"
                         "  \tline  1:\t\"door\"\tgpiochip0:5\toff\tedges=both bias=pull-up "
                         "debounce=0\tcount 12\tchange 40\n"
                         "  \tline  3:\t\"meter\"\tgpiochip0:6\ton\tedges=rising bias=as-is "
                         "debounce=20ms by=kernel\tcount 5077 (2 lost)\tchange 41\n"
                         "A NAME that is an output is an error naming it (exit code 1).\n"
                         "\n"
                         "  --names   only the names, one a line (for completion and scripts)",
        },
        {
                .name = "mon",
                .handler = cmd_mon,
                .summary = "print each edge of inputs as it happens (as gpiomon)",
                .usage = "mon [--since N] [-n COUNT] [NAME...]\n"
                         "\n"
                         "Print every event of the lines named (without NAME: of every line) as\n"
                         "msgqd numbers it (no polling), one a line: the time the kernel saw the\n"
                         "edge (local, to the nanosecond), the line, the edge (rising, falling,\n"
                         "or away: changed while msgqd was not running), the level after it and\n"
                         "the number msgqd gave it:\n"
                         "  2026-12-07T05:01:02.123456789+0100 door: rising, on (change 17)\n"
                         "An output's change has no edge: what it became, as watch prints it.\n"
                         "What was lost is a line of its own, with how many and why:\n"
                         "  lost 3 changes (18 to 20): msgqd no longer keeps them\n"
                         "  lost 2 edges of door: the kernel's buffer overflowed\n"
                         "  lost edges of door: msgqd was not running (how many is unknown)\n"
                         "Ctrl-C or SIGTERM end it with exit code 0.  With --json, one JSON\n"
                         "object per line (JSON lines).\n"
                         "\n"
                         "  --since=N          first every event after change N (the last a\n"
                         "                     logger wrote), then on; default: from now\n"
                         "  -n, --count=COUNT  stop after COUNT events",
        },
        {
                .name = "led",
                .handler = cmd_led,
                .summary = "switch, blink, query or watch the LED, or a line",
                .usage = "led on|off|toggle|state [NAME]\n"
                         "led blink PERIOD_MS [COUNT] [NAME]\n"
                         "led watch [COUNT] [NAME]\n"
                         "\n"
                         "Print the LED's state as msgqd reports it after the request:\n"
                         "  led: on\n"
                         "  led: off\n"
                         "  led: blinking (period 500 ms, 3 blinks left)\n"
                         "  led: blinking (period 500 ms, until cancelled)\n"
                         "The action may be in any case (ON, Off).  With NAME, the line of that\n"
                         "name (see list) instead of the default output, led: \"pump: on\".\n"
                         "\n"
                         "blink switches the LED on at once, then toggles it every PERIOD_MS/2\n"
                         "ms (PERIOD_MS 20..3600000, or with a unit: 1s, 0.5s): COUNT blinks\n"
                         "(1..1000000) that end with the LED off, or, without COUNT or with 0,\n"
                         "until led on, off, toggle or blink.\n"
                         "\n"
                         "watch prints the state, then every change of it as msgqd makes it\n"
                         "(on, off, a blink and its end; no polling), COUNT lines in all\n"
                         "(default: until Ctrl-C or SIGTERM, which end it with exit code 0).\n"
                         "With --json, one JSON object per line (JSON lines), each written as\n"
                         "the change happens.",
        },
        {
                .name = "send",
                .handler = cmd_send,
                .summary = "send a line of text to msgqd",
                .usage = "send [-p PRIORITY] [--] TEXT...\n"
                         "send [-p PRIORITY] -\n"
                         "\n"
                         "Send TEXT (the words joined by single spaces, at most 256 bytes, no\n"
                         "control characters) and print \"sent: 11 bytes at priority 5\".\n"
                         "With -, read one line of text from standard input instead.\n"
                         "\n"
                         "  -p, --priority=PRIORITY  1 (most urgent) .. 10, instead of the\n"
                         "                           global -p\n"
                         "\n"
                         "Use -- before TEXT that starts with a dash.",
        },
        {
                .name = "ping",
                .handler = cmd_ping,
                .summary = "measure round trips to msgqd",
                .usage = "ping [-c COUNT] [-i INTERVAL]\n"
                         "\n"
                         "Send COUNT ping requests one after the other (default 1, so that\n"
                         "scripts can check that msgqd answers) and print one line per reply,\n"
                         "then a summary:\n"
                         "  reply from msgqd pid 1234: seq=1 time=52.1 µs\n"
                         "  1 request, 1 reply, 0% loss; "
                         "rtt min/avg/max/mdev = 52.1/52.1/52.1/0.0 µs\n"
                         "\n"
                         "  -c, --count=COUNT        number of requests, at least 1\n"
                         "  -i, --interval=INTERVAL  seconds apart, or with a unit: 200ms\n"
                         "                           (default 1; 0: none)\n"
                         "\n"
                         "Ctrl-C or SIGTERM stops it and prints the summary.  Exits 0 only\n"
                         "if every request was answered.  After ping, -c is the count: give\n"
                         "the configuration file as --config=FILE.",
        },
        {
                .name = "stats",
                .handler = cmd_stats,
                .summary = "print msgqd's counters",
                .usage = "stats\n"
                         "\n"
                         "Print msgqd's figures: uptime, requests served per priority, errors,\n"
                         "malformed requests, replies late/deferred/dropped/reclaimed, times\n"
                         "the queue was recreated, its pid and the LED state.",
        },
        {
                .name = "status",
                .handler = cmd_status,
                .summary = "print the queue's state and msgqd's counters",
                .usage = "status\n"
                         "\n"
                         "Print the queue's IPC_STAT figures the way `ipcs -q -i ID` does, then\n"
                         "msgqd's figures as `stats` prints them.  If the queue exists but\n"
                         "msgqd does not answer, the queue is still printed and the exit code\n"
                         "is 3.",
        },
        {
                .name = "shutdown",
                .handler = cmd_shutdown,
                .summary = "ask msgqd to stop cleanly",
                .usage = "shutdown\n"
                         "\n"
                         "Ask msgqd to stop; it answers before it exits.  Then wait, up to the\n"
                         "timeout (-t) again, until msgqd has removed its queue and released its\n"
                         "lock on the key, so that a msgqd started next serves.  Under systemd,\n"
                         "prefer `systemctl stop msgqd`: the service is not restarted either way.",
        },
        {
                .name = "help",
                .handler = cmd_help,
                .summary = "show this help, or a command's",
                .usage = "help [COMMAND]",
                .no_queue = true,
        },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

const struct command *command_find(const char *name) {
        for (size_t i = 0; i < N_COMMANDS; i++)
                if (strcmp(commands[i].name, name) == 0)
                        return &commands[i];
        return NULL;
}

void command_print_usage(const struct command *cmd) {
        const char *p = cmd->usage;
        bool first = true;

        /* The synopsis lines, up to a blank line. */
        while (*p && *p != '\n') {
                const char *nl = strchrnul(p, '\n');

                printf("%s %s [OPTIONS] %.*s\n", first ? "Usage:" : "      ", PROGRAM_NAME,
                       (int) (nl - p), p);
                first = false;
                p = *nl ? nl + 1 : nl;
        }
        printf("\n%c%s.\n", toupper((unsigned char) cmd->summary[0]), cmd->summary + 1);
        if (*p == '\n')
                printf("\n%s\n", p + 1);
        printf("\n"
               "Global options, before or after the command: -k KEY, -c FILE, -t TIME,\n"
               "-p PRIO, -j/--json, -q/--quiet; see %s --help, with the exit codes.\n",
               PROGRAM_NAME);
}

void program_print_help(void) {
        printf("Usage: %s [OPTIONS] COMMAND [ARGS...]\n"
               "\n"
               "Control msgqd, the LED daemon on a System V message queue.\n"
               "\n"
               "Options:\n"
               "  -k, --key=KEY          the queue's key, decimal or 0x hex\n"
               "  -c, --config=FILE      read FILE (must exist) instead of\n"
               "                         %s (if present)\n"
               "  -t, --timeout=TIME     wait at most TIME for each reply: seconds, or with\n"
               "                         a unit, 500ms, 2s, 1min (default 3s)\n"
               "  -p, --priority=PRIO    request priority, 1 (most urgent) .. 10 (default %d)\n"
               "  -j, --json             print JSON on stdout, errors included\n"
               "  -q, --quiet            print nothing on stdout; errors still on stderr\n"
               "  -h, --help             show this help (COMMAND --help: the command's)\n"
               "  -V, --version          show the version\n"
               "\n"
               "Options may also follow the command (msgqctl status --json).\n"
               "\n"
               "Commands:\n",
               PROGRAM_NAME, msgq_config_default_path(), MSGQ_PRIO_DEFAULT);
        for (size_t i = 0; i < N_COMMANDS; i++)
                printf("  %-10s %s\n", commands[i].name, commands[i].summary);
        printf("\n"
               "The key: -k, else MSGQ_KEY, else the configuration file's, else 0x%08x.\n"
               "\n"
               "Exit codes:\n"
               "  0  success\n"
               "  1  msgqd answered with an error, or has no line of a name given\n"
               "  2  usage error (command, argument, key, priority, configuration)\n"
               "  3  msgqd unavailable: no queue, no answer or stop in time, queue removed\n"
               "  4  permission denied on the queue\n"
               "  5  the output could not be written\n"
               "\n"
               "With --json, stdout carries one JSON object (watch, mon, led watch: one\n"
               "per line, JSON lines), on errors {\"error\": MESSAGE, \"exit_code\": N};\n"
               "messages also go to stderr.\n"
               "Run '%s COMMAND --help' for a command's usage; see msgqctl(1).\n",
               (unsigned) MSGQ_DEFAULT_KEY, PROGRAM_NAME);
}

/* The global options, also valid after the command. */
static const struct option global_options[] = {
        { "key", required_argument, NULL, 'k' },
        { "config", required_argument, NULL, 'c' },
        { "timeout", required_argument, NULL, 't' },
        { "priority", required_argument, NULL, 'p' },
        { "json", no_argument, NULL, 'j' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        {},
};
#define GLOBAL_SHORTOPTS "k:c:t:p:jqhV"
#define N_GLOBAL_OPTIONS (sizeof global_options / sizeof global_options[0] - 1)
/* A global long option whose letter a command uses for its own returns this plus the letter. */
#define GLOBAL_LONG_ONLY 0x100

static void global_option_error(struct global_args *g, char **argv, int c,
                                const struct option *longopts) {
        if (!g->error[0])
                msgq_option_error(c, argv, longopts, g->error, sizeof g->error);
}

/* A global option into g; false if c is none. */
static bool global_option(struct global_args *g, int c) {
        switch (c) {
        case 'k': g->key = optarg; return true;
        case 'c': g->config = optarg; return true;
        case 't': g->timeout = optarg; return true;
        case 'p': g->prio = optarg; return true;
        case 'j': g->json = true; return true;
        case 'q': g->quiet = true; return true;
        case 'h': g->help = true; return true;
        case 'V': g->version = true; return true;
        default: return false;
        }
}

/*
 * The command's options followed by the global ones: shortopts ":" + the
 * command's letters + the global letters it does not use; a global long
 * option whose letter the command took returns GLOBAL_LONG_ONLY + letter.
 */
static void merge_options(const char *own_short, const struct option *own_long,
                          char *shortopts, size_t size, struct option *longopts, size_t n) {
        size_t k = 0;

        snprintf(shortopts, size, ":h%s", own_short);
        for (const char *p = GLOBAL_SHORTOPTS; *p; p++) {
                if (*p == ':' || strchr(shortopts, *p))
                        continue;
                size_t len = strlen(shortopts), w = p[1] == ':' ? 2 : 1;

                if (len + w < size) {
                        memcpy(shortopts + len, p, w);
                        shortopts[len + w] = '\0';
                }
        }
        for (; own_long[k].name && k < n - 1; k++)
                longopts[k] = own_long[k];
        for (size_t i = 0; i < N_GLOBAL_OPTIONS && k < n - 1; i++) {
                longopts[k] = global_options[i];
                if (strchr(own_short, global_options[i].val))
                        longopts[k].val = GLOBAL_LONG_ONLY + global_options[i].val;
                k++;
        }
        memset(&longopts[k], 0, sizeof longopts[k]);
}

int command_getopt(struct ctl *ctl, const struct command *cmd, int argc, char **argv,
                   const char *own_short, const struct option *own_long) {
        static const struct option none[] = { {} };
        struct option longopts[32];
        char shortopts[64];
        int c;

        merge_options(own_short, own_long ? own_long : none, shortopts, sizeof shortopts,
                      longopts, sizeof longopts / sizeof longopts[0]);
        opterr = 0;
        for (;;) {
                c = getopt_long(argc, argv, shortopts, longopts, NULL);
                if (c == 'h' && !ctl->args.error[0]) {
                        command_print_usage(cmd);
                        exit(output_finish(EXIT_OK));
                }
                if (c == ':' || c == '?') {
                        if (!ctl->args.error[0])
                                ctl->args.error_cmd = cmd;
                        global_option_error(&ctl->args, argv, c, longopts);
                        continue;
                }
                if (c >= GLOBAL_LONG_ONLY) {
                        global_option(&ctl->args, c - GLOBAL_LONG_ONLY);
                        continue;
                }
                if (c != -1 && !strchr(own_short, c) && global_option(&ctl->args, c))
                        continue;
                if (c == -1)
                        ctl_configure(ctl, cmd);
                return c;
        }
}

long parse_priority(const struct command *cmd, const char *s) {
        unsigned long prio;

        if (msgq_parse_uint(s, MSGQ_PRIO_MIN, MSGQ_PRIO_MAX, &prio) < 0)
                die_usage(cmd, "invalid priority '%s': expected %d (most urgent) .. %d", s,
                          MSGQ_PRIO_MIN, MSGQ_PRIO_MAX);
        return (long) prio;
}

int cmd_help(struct ctl *ctl, const struct command *cmd, int argc, char **argv) {
        const struct command *which;

        while (command_getopt(ctl, cmd, argc, argv, "", NULL) != -1)
                ;
        if (argc - optind > 1)
                die_usage(cmd, "too many arguments");
        if (argc - optind == 0) {
                program_print_help();
                return EXIT_OK;
        }
        which = command_find(argv[optind]);
        if (!which)
                die_usage(NULL, "unknown command '%s'%s", argv[optind],
                          msgq_did_you_mean(argv[optind], "", commands, N_COMMANDS, sizeof commands[0]));
        command_print_usage(which);
        return EXIT_OK;
}

/* The global options before the command. */
static void parse_leading_options(struct ctl *ctl, int argc, char **argv) {
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, "+:" GLOBAL_SHORTOPTS, global_options, NULL)) != -1)
                if (!global_option(&ctl->args, c))
                        global_option_error(&ctl->args, argv, c, global_options);
}

int main(int argc, char **argv) {
        struct ctl ctl = {
                .prio = MSGQ_PRIO_DEFAULT,
                .timeout_ms = CTL_TIMEOUT_DEFAULT_MS,
        };
        const struct command *help = command_find("help"), *cmd;
        int r;

        /* A closed pipe is a write error, exit 5 (output_finish), not death by SIGPIPE. */
        signal(SIGPIPE, SIG_IGN);
        parse_leading_options(&ctl, argc, argv);
        if (ctl.args.help || ctl.args.version || optind >= argc) {
                ctl_configure(&ctl, help); /* option errors, --version */
                if (!ctl.args.help)
                        die_usage(NULL, "no command given");
                program_print_help();
                return output_finish(EXIT_OK);
        }
        cmd = command_find(argv[optind]);
        if (!cmd) {
                ctl_configure(&ctl, help);
                die_usage(NULL, "unknown command '%s'%s", argv[optind],
                          msgq_did_you_mean(argv[optind], "", commands, N_COMMANDS, sizeof commands[0]));
        }

        argc -= optind;
        argv += optind;
        optind = 0; /* the handler's getopt starts afresh at argv[1] */
        r = cmd->handler(&ctl, cmd, argc, argv);
        ctl_close(&ctl);
        return output_finish(r);
}
