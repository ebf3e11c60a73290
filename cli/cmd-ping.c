/* SPDX-License-Identifier: MIT */
/*
 * msgqctl ping [-c COUNT] [-i INTERVAL]: sequential round trips, like
 * ping(8).  Text output, one line per request, then the summary:
 *   reply from msgqd pid 1234: seq=1 time=52.1 µs
 *   no reply: seq=2 (timeout after 3 s)
 *   error from msgqd pid 1234: seq=3: daemon shutting down
 *   3 requests, 2 replies, 33% loss; rtt min/avg/max/mdev = 48.0/50.0/52.1/2.0 µs
 * A timed-out request is counted as lost and the next one is sent; losing
 * the queue or the permission to use it stops at once.  Ctrl-C (SIGINT) or
 * SIGTERM stops and prints the summary (interrupt.h); a request it cuts
 * short counts as lost.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "interrupt.h"
#include "msgqctl.h"
#include "output.h"
#include "parse.h"
#include "plural.h"

#define NS_PER_MS 1000000ull

struct ping_run {
        unsigned long sent, replies, error_replies, lost;
        double min, max, sum, sum2; /* round trip times in µs */
        int fatal;                  /* the client's error that stopped the run, or 0 */
        bool cut;                   /* the last request was cut short by a signal */
        struct msgq_reply error;    /* the last error reply */
};

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

static void record_rtt(struct ping_run *run, double us) {
        if (run->replies == 0 || us < run->min)
                run->min = us;
        if (run->replies == 0 || us > run->max)
                run->max = us;
        run->sum += us;
        run->sum2 += us * us;
        run->replies++;
}

/* One request, handed to the output.  Returns false to stop. */
static bool ping_once(struct ctl *ctl, struct ping_run *run, unsigned long seq) {
        struct ping_result p = { .seq = seq, .timeout_ms = ctl->timeout_ms };
        struct msgq_reply rep;
        char error[MSGQ_ERROR_TEXT_MAX + 64];
        uint64_t t0;
        int r;

        t0 = msgq_now_ns();
        r = ctl_call(ctl, ctl->prio, MSGQ_OP_PING, 0, 0, NULL, &rep);
        p.rtt_us = (double) (msgq_now_ns() - t0) / 1000.0;
        run->sent++;
        if (r == -ECANCELED) { /* by a signal: lost, but not printed as a timeout */
                run->lost++;
                run->cut = true;
                interrupt_calm();
                ctl_tidy(ctl);
                return false;
        }
        if (r < 0 && r != -ETIMEDOUT) {
                run->lost++;
                run->fatal = r;
                return false;
        }
        if (r == -ETIMEDOUT) {
                run->lost++;
        } else {
                p.answered = true;
                p.daemon_pid = rep.daemon_pid;
                record_rtt(run, p.rtt_us);
                if (rep.status != MSGQ_OK) {
                        run->error_replies++;
                        run->error = rep;
                        p.error = reply_error(&rep, error, sizeof error);
                }
        }
        output->ping(&p);
        return true;
}

static void ping_totals(const struct ping_run *run, struct ping_totals *t) {
        double avg = run->replies ? run->sum / (double) run->replies : 0.0;

        *t = (struct ping_totals) {
                .requests = run->sent,
                .replies = run->replies,
                .loss_percent = run->sent ? (run->sent - run->replies) * 100 / run->sent : 0,
                .min = run->min,
                .avg = avg,
                .max = run->max,
                .mdev = run->replies ? square_root(run->sum2 / (double) run->replies - avg * avg)
                                     : 0.0,
        };
}

/* Fatal first, then error replies, then lost requests; reported. */
static int ping_exit_code(const struct ctl *ctl, const struct ping_run *run) {
        char secs[32];

        if (run->fatal)
                return report_errno(ctl, run->fatal);
        if (run->error_replies)
                return report_reply(&run->error);
        if (run->lost)
                return report(EXIT_UNAVAILABLE, NULL, "%lu of %lu %s got no answer within %s%s",
                              run->lost, run->sent, plural(run->sent, "request", "requests"),
                              format_seconds(ctl->timeout_ms, secs, sizeof secs),
                              run->cut ? " (the last one cut short by a signal)" : "");
        return EXIT_OK;
}

/* The values are checked once all options are read, so that a later --json applies. */
static void parse_ping_args(struct ctl *ctl, const struct command *cmd, int argc, char **argv,
                            unsigned long *count, uint64_t *interval_ms) {
        static const struct option options[] = {
                { "count", required_argument, NULL, 'c' },
                { "interval", required_argument, NULL, 'i' },
                {},
        };
        const char *count_arg = NULL, *interval_arg = NULL;
        int c;

        while ((c = command_getopt(ctl, cmd, argc, argv, "c:i:", options)) != -1) {
                if (c == 'c')
                        count_arg = optarg;
                else if (c == 'i')
                        interval_arg = optarg;
        }
        if (count_arg && msgq_parse_uint(count_arg, 1, UINT32_MAX, count) < 0)
                die_usage(cmd, "invalid count '%s': expected 1 or more", count_arg);
        if (interval_arg &&
            msgq_parse_duration(interval_arg, 1000, 0, 3600000, interval_ms) < 0)
                die_usage(cmd, "invalid interval '%s': expected seconds (or 200ms, 1s), "
                          "0 .. 3600 s", interval_arg);
        if (optind < argc)
                die_usage(cmd, "unexpected argument '%s'", argv[optind]);
}

int cmd_ping(struct ctl *ctl, const struct command *cmd, int argc, char **argv) {
        struct ping_run run = {};
        struct ping_totals totals;
        unsigned long count = 1;
        uint64_t interval_ms = 1000, last_sent = 0;
        int r;

        parse_ping_args(ctl, cmd, argc, argv, &count, &interval_ms);

        /* Permission denied is the first request's failure: ping reports what it gathered, nothing. */
        r = interrupt_catch(ctl);
        if (r < 0 && r != -EACCES && r != -EPERM)
                return report_errno(ctl, r);
        output->ping_start();
        for (unsigned long seq = 1; seq <= count && !interrupted(); seq++) {
                /* INTERVAL after the previous request was sent, or now if later. */
                if (seq > 1 && interval_ms)
                        interrupt_sleep_until(last_sent + interval_ms * NS_PER_MS);
                if (interrupted())
                        break;
                last_sent = msgq_now_ns();
                if (!ping_once(ctl, &run, seq))
                        break;
                /* A closed pipe or a full disk: no more requests for nobody to see (exit 5). */
                if (fflush(stdout) != 0 || ferror(stdout))
                        break;
        }
        ping_totals(&run, &totals);
        output->ping_end(&totals);
        return ping_exit_code(ctl, &run);
}
