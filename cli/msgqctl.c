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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "msgq-build.h"
#include "msgqctl.h"
#include "parse.h"

static const struct command commands[] = {
        {
                .name = "led",
                .handler = cmd_led,
                .summary = "switch, blink, query or watch the LED",
                .usage = "led on|off|toggle|state\n"
                         "led blink PERIOD_MS [COUNT]\n"
                         "led watch [COUNT]\n"
                         "\n"
                         "Print the LED's state as msgqd reports it after the request:\n"
                         "  led: on\n"
                         "  led: off\n"
                         "  led: blinking (period 500 ms, 6 toggles left)\n"
                         "  led: blinking (period 500 ms, until cancelled)\n"
                         "\n"
                         "blink switches the LED on at once, then toggles it every PERIOD_MS/2\n"
                         "ms (PERIOD_MS 20..3600000): COUNT flashes (1..1000000) that end with\n"
                         "the LED off, or, without COUNT or with 0, until led on, off, toggle\n"
                         "or blink.\n"
                         "\n"
                         "watch prints the state, then every change of it as msgqd makes it\n"
                         "(on, off, a blink and its end; no polling), COUNT lines in all\n"
                         "(default: until interrupted).",
        },
        {
                .name = "send",
                .handler = cmd_send,
                .summary = "send a line of text to msgqd",
                .usage = "send [-p PRIORITY] [--] TEXT...\n"
                         "\n"
                         "Send TEXT (the words joined by single spaces, at most 256 bytes, no\n"
                         "control characters) and print \"sent: 11 bytes at priority 5\".\n"
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
                         "  1 requests, 1 replies, 0% loss; "
                         "rtt min/avg/max/mdev = 52.1/52.1/52.1/0.0 µs\n"
                         "\n"
                         "  -c, --count=COUNT        number of requests, at least 1\n"
                         "  -i, --interval=INTERVAL  seconds apart (default 1; 0: none)\n"
                         "\n"
                         "Exits 0 only if every request was answered.",
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
                         "Ask msgqd to stop; it answers before it exits.  Under systemd, prefer\n"
                         "`systemctl stop msgqd`: the service is not restarted either way.",
        },
        {
                .name = "help",
                .handler = cmd_help,
                .summary = "show this help, or a command's",
                .usage = "help [COMMAND]",
        },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

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
        printf("\nGlobal options and exit codes: %s --help\n", PROGRAM_NAME);
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
               "  -t, --timeout=SECONDS  wait at most SECONDS for each reply (default 3)\n"
               "  -p, --priority=PRIO    request priority, 1 (most urgent) .. 10 (default %d)\n"
               "  -j, --json             print JSON on stdout, errors included\n"
               "  -h, --help             show this help (COMMAND --help: the command's)\n"
               "  -V, --version          show the version\n"
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
               "  1  msgqd answered with an error\n"
               "  2  usage error (command, argument, key, priority, configuration)\n"
               "  3  msgqd unavailable: no queue, no answer in time, queue removed\n"
               "  4  permission denied on the queue\n"
               "\n"
               "With --json, stdout carries one JSON object, on errors\n"
               "{\"error\": MESSAGE, \"exit_code\": N}; messages also go to stderr.\n"
               "Run '%s COMMAND --help' for a command's usage; see msgqctl(1).\n",
               (unsigned) MSGQ_DEFAULT_KEY, PROGRAM_NAME);
}

int command_getopt(const struct command *cmd, int argc, char **argv, const char *shortopts,
                   const struct option *longopts) {
        int c;

        opterr = 0;
        c = getopt_long(argc, argv, shortopts, longopts, NULL);
        switch (c) {
        case 'h':
                command_print_usage(cmd);
                exit(EXIT_OK);
        case ':':
                die_usage(cmd, "option '%s' needs an argument", argv[optind - 1]);
        case '?':
                if (optopt)
                        die_usage(cmd, "unknown option '-%c'", optopt);
                die_usage(cmd, "unknown option '%s'", argv[optind - 1]);
        default:
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
        static const struct option options[] = { COMMAND_HELP_OPTION, {} };
        const struct command *which;

        while (command_getopt(cmd, argc, argv, "+:h", options) != -1)
                ;
        if (argc - optind > 1)
                die_usage(cmd, "too many arguments");
        if (argc - optind == 0) {
                program_print_help();
                return EXIT_OK;
        }
        which = command_find(argv[optind]);
        if (!which)
                die_usage(NULL, "unknown command '%s'", argv[optind]);
        command_print_usage(which);
        return EXIT_OK;
}

struct global_args {
        const char *key, *timeout, *prio;
        bool help, version;
        char error[128]; /* the first option error, reported once --json is known */
};

static void global_option_error(struct global_args *g, char **argv, int c) {
        if (g->error[0])
                return;
        if (c == ':')
                snprintf(g->error, sizeof(g->error), "option '%s' needs an argument",
                         argv[optind - 1]);
        else if (optopt)
                snprintf(g->error, sizeof(g->error), "unknown option '-%c'", optopt);
        else
                snprintf(g->error, sizeof(g->error), "unknown option '%s'", argv[optind - 1]);
}

static void parse_global_options(struct ctl *ctl, struct global_args *g, int argc, char **argv) {
        static const struct option options[] = {
                { "key", required_argument, NULL, 'k' },
                { "config", required_argument, NULL, 'c' },
                { "timeout", required_argument, NULL, 't' },
                { "priority", required_argument, NULL, 'p' },
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, "+:k:c:t:p:jhV", options, NULL)) != -1) {
                switch (c) {
                case 'k': g->key = optarg; break;
                case 'c': ctl->config_path = optarg; break;
                case 't': g->timeout = optarg; break;
                case 'p': g->prio = optarg; break;
                case 'j': ctl->json = true; break;
                case 'h': g->help = true; break;
                case 'V': g->version = true; break;
                default: global_option_error(g, argv, c); break;
                }
        }
}

/* Check the global option values once --json is known. */
static void check_global_options(struct ctl *ctl, const struct global_args *g) {
        if (g->error[0])
                die_usage(NULL, "%s", g->error);
        if (g->key) {
                if (msgq_parse_key(g->key, &ctl->key) < 0)
                        die_usage(NULL, "invalid key '%s': expected a non-zero number, "
                                  "decimal or 0x hex", g->key);
                ctl->key_set = true;
        }
        if (g->timeout && msgq_parse_seconds(g->timeout, &ctl->timeout_ms) < 0)
                die_usage(NULL, "invalid timeout '%s': expected seconds, more than 0 and "
                          "at most 3600", g->timeout);
        if (g->prio)
                ctl->prio = parse_priority(NULL, g->prio);
}

int main(int argc, char **argv) {
        struct ctl ctl = {
                .prio = MSGQ_PRIO_DEFAULT,
                .timeout_ms = CTL_TIMEOUT_DEFAULT_MS,
        };
        struct global_args g = {};
        const struct command *cmd;
        int r;

        parse_global_options(&ctl, &g, argc, argv);
        report_set_json(ctl.json);
        check_global_options(&ctl, &g);
        if (g.help) {
                program_print_help();
                return EXIT_OK;
        }
        if (g.version) {
                printf("%s %s (protocol %d)\n", PROGRAM_NAME, PACKAGE_VERSION,
                       MSGQ_PROTOCOL_VERSION);
                return EXIT_OK;
        }
        if (optind >= argc)
                die_usage(NULL, "no command given");

        cmd = command_find(argv[optind]);
        if (!cmd)
                die_usage(NULL, "unknown command '%s'", argv[optind]);

        argc -= optind;
        argv += optind;
        optind = 0; /* the handler's getopt starts afresh at argv[1] */
        r = cmd->handler(&ctl, cmd, argc, argv);
        ctl_close(&ctl);
        return r;
}
