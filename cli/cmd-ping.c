/* SPDX-License-Identifier: MIT */
/*
 * msgqctl ping [-c COUNT] [-i INTERVAL]: sequential round trips, like
 * ping(8).  Text output, one line per request, then the summary:
 *   reply from msgqd pid 1234: seq=1 time=52.1 µs
 *   no reply: seq=2 (timeout after 3 s)
 *   error from msgqd pid 1234: seq=3: daemon shutting down
 *   3 requests, 2 replies, 33% loss; rtt min/avg/max/mdev = 48.0/50.0/52.1/2.0 µs
 * A timed-out request is counted as lost and the next one is sent; losing
 * the queue or the permission to use it stops at once.  Ctrl-C stops and
 * prints the summary.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "msgqctl.h"
#include "parse.h"

#define NS_PER_MS 1000000ull

struct ping_run {
        unsigned long sent, replies, error_replies, lost;
        double min, max, sum, sum2; /* round trip times in µs */
        int fatal;                  /* the exit code that stopped the run, or 0 */
        char message[512];          /* why the exit code is not 0 */
};

static volatile sig_atomic_t interrupted;

static void on_sigint(int signo) {
        interrupted = 1;
}

static void catch_sigint(void) {
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_sigint; /* no SA_RESTART: waits end early */
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
}

/* Newton's method; saves linking libm for one square root. */
static double square_root(double x) {
        double r = x > 1.0 ? x : 1.0;

        if (x <= 0.0)
                return 0.0;
        for (int i = 0; i < 100; i++) {
                double next = (r + x / r) / 2.0;

                if (next >= r)
                        break;
                r = next;
        }
        return r;
}

/* Whole nanoseconds: JSON shows 52.107, not 52.10699999999999. */
static double round_ns(double us) {
        return (double) (int64_t) (us * 1000.0 + 0.5) / 1000.0;
}

static void sleep_until(uint64_t when_ns) {
        struct timespec ts = {
                .tv_sec = (time_t) (when_ns / 1000000000ull),
                .tv_nsec = (long) (when_ns % 1000000000ull),
        };

        while (!interrupted && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
                ;
}

static void record_rtt(struct ping_run *run, double us) {
        if (run->replies == 0 || us < run->min)
                run->min = us;
        if (run->replies == 0 || us > run->max)
                run->max = us;
        run->sum += us;
        run->sum2 += us * us;
        run->replies++;
}

/* One request; prints its line or JSON element.  Returns false to stop. */
static bool ping_once(struct ctl *ctl, struct msgq_json *j, struct ping_run *run,
                      unsigned long seq) {
        struct msgq_reply rep;
        char secs[32], message[512];
        uint64_t t0, t1;
        double us;
        int r;

        t0 = msgq_now_ns();
        r = ctl_call(ctl, ctl->prio, MSGQ_OP_PING, 0, 0, NULL, &rep);
        t1 = msgq_now_ns();
        run->sent++;
        us = (double) (t1 - t0) / 1000.0;

        if (r == -ETIMEDOUT) {
                run->lost++;
                format_seconds(ctl->timeout_ms, secs, sizeof(secs));
                if (j) {
                        msgq_json_begin_object(j, NULL);
                        msgq_json_uint(j, "seq", seq);
                        snprintf(message, sizeof(message), "no answer within %s", secs);
                        msgq_json_string(j, "error", message);
                        msgq_json_end_object(j);
                } else {
                        printf("no reply: seq=%lu (timeout after %s)\n", seq, secs);
                }
                return true;
        }
        if (r < 0) {
                run->lost++;
                run->fatal = report_errno(ctl, r, run->message, sizeof(run->message));
                return false;
        }

        record_rtt(run, us);
        if (rep.status != MSGQ_OK) {
                run->error_replies++;
                report_status(&rep, run->message, sizeof(run->message));
        }
        if (j) {
                msgq_json_begin_object(j, NULL);
                msgq_json_uint(j, "seq", seq);
                msgq_json_double(j, "rtt_us", round_ns(us));
                msgq_json_uint(j, "daemon_pid", rep.daemon_pid);
                if (rep.status != MSGQ_OK)
                        msgq_json_string(j, "error", run->message);
                msgq_json_end_object(j);
        } else if (rep.status != MSGQ_OK) {
                printf("error from msgqd pid %u: seq=%lu: %s\n", (unsigned) rep.daemon_pid, seq,
                       run->message + strlen("msgqd: "));
        } else {
                printf("reply from msgqd pid %u: seq=%lu time=%.1f µs\n",
                       (unsigned) rep.daemon_pid, seq, us);
        }
        return true;
}

static unsigned long loss_percent(const struct ping_run *run) {
        return run->sent ? (run->sent - run->replies) * 100 / run->sent : 0;
}

static double rtt_mdev(const struct ping_run *run) {
        double avg = run->sum / (double) run->replies;
        double var = run->sum2 / (double) run->replies - avg * avg;

        return square_root(var);
}

static void print_summary_text(const struct ping_run *run) {
        printf("%lu requests, %lu replies, %lu%% loss", run->sent, run->replies,
               loss_percent(run));
        if (run->replies)
                printf("; rtt min/avg/max/mdev = %.1f/%.1f/%.1f/%.1f µs", run->min,
                       run->sum / (double) run->replies, run->max, rtt_mdev(run));
        putchar('\n');
}

static void print_summary_json(struct msgq_json *j, const struct ping_run *run) {
        msgq_json_uint(j, "requests", run->sent);
        msgq_json_uint(j, "replies", run->replies);
        msgq_json_uint(j, "loss_percent", loss_percent(run));
        if (run->replies) {
                msgq_json_begin_object(j, "rtt_us");
                msgq_json_double(j, "min", round_ns(run->min));
                msgq_json_double(j, "avg", round_ns(run->sum / (double) run->replies));
                msgq_json_double(j, "max", round_ns(run->max));
                msgq_json_double(j, "mdev", round_ns(rtt_mdev(run)));
                msgq_json_end_object(j);
        } else {
                msgq_json_string(j, "rtt_us", NULL);
        }
}

/* Fatal first, then error replies, then lost requests. */
static int ping_exit_code(const struct ctl *ctl, struct ping_run *run) {
        char secs[32];

        if (run->fatal)
                return run->fatal;
        if (run->error_replies)
                return EXIT_DAEMON_ERROR;
        if (run->lost) {
                snprintf(run->message, sizeof(run->message),
                         "%lu of %lu requests got no answer within %s", run->lost, run->sent,
                         format_seconds(ctl->timeout_ms, secs, sizeof(secs)));
                return EXIT_UNAVAILABLE;
        }
        return EXIT_OK;
}

static void parse_ping_args(const struct command *cmd, int argc, char **argv,
                            unsigned long *count, uint64_t *interval_ms) {
        static const struct option options[] = {
                { "count", required_argument, NULL, 'c' },
                { "interval", required_argument, NULL, 'i' },
                COMMAND_HELP_OPTION,
                {},
        };
        unsigned long zero;
        int c;

        while ((c = command_getopt(cmd, argc, argv, "+:hc:i:", options)) != -1) {
                switch (c) {
                case 'c':
                        if (msgq_parse_uint(optarg, 1, UINT32_MAX, count) < 0)
                                die_usage(cmd, "invalid count '%s': expected 1 or more", optarg);
                        break;
                case 'i':
                        if (msgq_parse_uint(optarg, 0, 0, &zero) == 0)
                                *interval_ms = 0;
                        else if (msgq_parse_seconds(optarg, interval_ms) < 0)
                                die_usage(cmd, "invalid interval '%s': expected seconds, "
                                          "0 .. 3600", optarg);
                        break;
                }
        }
        if (optind < argc)
                die_usage(cmd, "unexpected argument '%s'", argv[optind]);
}

int cmd_ping(struct ctl *ctl, const struct command *cmd, int argc, char **argv) {
        struct ping_run run = {};
        struct msgq_json json, *j = NULL;
        unsigned long count = 1;
        uint64_t interval_ms = 1000, last_sent = 0;
        int r, code;

        parse_ping_args(cmd, argc, argv, &count, &interval_ms);

        r = ctl_open(ctl);
        if (r < 0) {
                code = report_errno(ctl, r, run.message, sizeof(run.message));
                die(code, "%s", run.message);
        }
        if (count > 1)
                catch_sigint();
        if (ctl->json) {
                j = &json;
                msgq_json_init(j, stdout);
                msgq_json_begin_object(j, NULL);
                msgq_json_begin_array(j, "pings");
        }

        for (unsigned long seq = 1; seq <= count && !interrupted; seq++) {
                /* INTERVAL after the previous request was sent, or now if later. */
                if (seq > 1 && interval_ms)
                        sleep_until(last_sent + interval_ms * NS_PER_MS);
                if (interrupted)
                        break;
                last_sent = msgq_now_ns();
                if (!ping_once(ctl, j, &run, seq))
                        break;
                fflush(stdout);
        }

        code = ping_exit_code(ctl, &run);
        if (j) {
                msgq_json_end_array(j);
                print_summary_json(j, &run);
                if (code)
                        report_json_members(j, run.message, code);
                msgq_json_end_object(j);
                msgq_json_finish(j);
        } else {
                print_summary_text(&run);
        }
        if (code) {
                fflush(stdout);
                fprintf(stderr, "%s: %s\n", PROGRAM_NAME, run.message);
        }
        return code;
}
