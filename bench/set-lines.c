/* SPDX-License-Identifier: MIT */
/*
 * (g) setting 8 lines in one request: msgq_line_set() of lines 1 to 8,
 * changing none (all on already) and changing each (all on, then all off),
 * against the floor's round trip, msgqd's ping and 8 msgq_line_toggle()
 * calls of the same lines, in rounds in turn on a msgqd of its own with 8
 * outputs besides the LED.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

static const char *const kind_names[SET_LINES_KINDS] = { "floor", "ping", "set 8, no change",
                                                          "set 8", "8 toggles" };

/* msgq.conf with SET_LINES_N outputs, out1 .. out8, into path. */
static int write_config(const char *path) {
        FILE *f = fopen(path, "we");

        if (!f)
                return -errno;
        for (int i = 1; i <= SET_LINES_N; i++)
                fprintf(f, "[output out%d]\ngpio = gpiochip9:%d\n", i, i);
        return fclose(f) == 0 ? 0 : -errno;
}

/* One round of batch calls of t into s, its median kept in p50 (min, max). */
static int one_round(struct target *t, size_t batch, struct samples *s, double p50[2]) {
        size_t from = s->n;
        double m;

        for (size_t i = 0; i < batch; i++) {
                uint64_t t0 = now_ns();
                int r = target_call(t);

                if (r < 0)
                        return r;
                samples_add(s, now_ns() - t0);
        }
        m = samples_median_from_us(s, from);
        p50[0] = m < p50[0] ? m : p50[0];
        p50[1] = m > p50[1] ? m : p50[1];
        return 0;
}

static int open_targets(struct target t[SET_LINES_KINDS], int q, key_t key) {
        int r = 0;

        target_open_raw(&t[0], q);
        for (int k = 1; k < SET_LINES_KINDS && r == 0; k++)
                r = target_open_msgqd(&t[k], key);
        if (r < 0)
                return r;
        target_set_op(&t[2], MSGQ_OP_LINE_SET);
        target_set_lines(&t[2], SET_LINES_N, true);
        target_set_op(&t[3], MSGQ_OP_LINE_SET);
        target_set_lines(&t[3], SET_LINES_N, false);
        target_set_op(&t[4], MSGQ_OP_LED_TOGGLE);
        target_set_lines(&t[4], SET_LINES_N, false);
        return 0;
}

static int measure(struct target t[SET_LINES_KINDS], size_t warmup, size_t batch, size_t rounds,
                   struct set_lines_result *res) {
        int r = 0;

        for (int k = 0; k < SET_LINES_KINDS && r == 0; k++) {
                r = samples_init(&res->s[k], batch * rounds);
                res->round_p50[k][0] = 1e9;
                for (size_t i = 0; i < warmup / SET_LINES_N && r == 0; i++)
                        r = target_call(&t[k]);
        }
        for (size_t round = 0; round < rounds && r == 0; round++)
                for (int j = 0; j < SET_LINES_KINDS && r == 0; j++) {
                        int k = (int) ((round + (size_t) j) % SET_LINES_KINDS); /* who goes first */

                        r = one_round(&t[k], batch, &res->s[k], res->round_p50[k]);
                }
        return r;
}

int set_lines_run(const char *msgqd, const char *outdir, size_t warmup, size_t batch,
                  size_t rounds, struct set_lines_result *res) {
        struct target t[SET_LINES_KINDS] = {};
        struct daemon d = {};
        char conf[512], log[512];
        pid_t echo = -1;
        int q, r;

        snprintf(conf, sizeof conf, "%s/bench-lines.conf", outdir);
        snprintf(log, sizeof log, "%s/bench-msgqd.log", outdir);
        r = write_config(conf);
        q = r < 0 ? r : raw_queue();
        if (q < 0)
                return q;
        echo = raw_echo_start(q, -1);
        r = echo < 0 ? -errno : daemon_start_config(&d, msgqd, -1, log, conf);
        if (r == 0)
                r = open_targets(t, q, d.key);
        if (r == 0)
                r = measure(t, warmup, batch, rounds, res);
        res->have = r == 0;
        for (int k = 1; k < SET_LINES_KINDS; k++)
                target_close(&t[k]);
        daemon_stop(&d);
        raw_queue_remove(q);
        if (echo > 0)
                reap(echo);
        return r;
}

void set_lines_print(struct set_lines_result *res) {
        static const double pcts[] = { 50.0, 90.0, 99.0 };
        static const char *const names[] = { "p50", "p90", "p99" };

        if (!res->have)
                return;
        printf("\n(g) %d lines in one request, µs    floor     ping  set, same    set %d  %d toggles"
               "   ratios to the floor\n", SET_LINES_N, SET_LINES_N, SET_LINES_N);
        for (size_t p = 0; p < sizeof pcts / sizeof pcts[0]; p++) {
                double v[SET_LINES_KINDS];

                for (int k = 0; k < SET_LINES_KINDS; k++)
                        v[k] = samples_pct_us(&res->s[k], pcts[p]);
                printf("    %-26s %8.2f %8.2f %10.2f %8.2f %10.2f   %.2fx %.2fx %.2fx %.2fx\n",
                       names[p], v[0], v[1], v[2], v[3], v[4], v[1] / v[0], v[2] / v[0],
                       v[3] / v[0], v[4] / v[0]);
        }
        printf("    %-26s", "p50 of each round");
        for (int k = 0; k < SET_LINES_KINDS; k++)
                printf(" %5.1f-%-5.1f", res->round_p50[k][0], res->round_p50[k][1]);
        printf("\n    (%zu calls of each: %s, %s, %s (one request, nothing changes), %s (one\n"
               "    request, %d changes), %s (%d requests, each a change); rounds in turn, nothing\n"
               "    pinned)\n", res->s[0].n, kind_names[0], kind_names[1], kind_names[2],
               kind_names[3], SET_LINES_N, kind_names[4], SET_LINES_N);
}
