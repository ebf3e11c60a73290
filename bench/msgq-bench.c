/* SPDX-License-Identifier: MIT */
/*
 * msgq-bench: msgqd against the kernel's floor, in one run on one machine.
 *
 *   (a) the floor: a bare msgsnd/msgrcv ping-pong, client and echo server
 *       on one CPU, then on two;
 *   (b) msgqd's round trip (ping) through common/client.c, pinned the same
 *       way, interleaved with (a) round by round so both see the same noise;
 *   (c) throughput with 1, 4 and 16 concurrent clients against as many
 *       floor pairs (and against the floors of msgqd's shape, one queue for
 *       all clients: one echo server, and one echo server per CPU; and
 *       against one queue per CPU, the shape it would take to match pairs);
 *   (d) one-shot `msgqctl led on` against `ipcs -q`, fork/exec'd in turn;
 *   (e) an idle msgqd's wake-ups, and its VmRSS before and after a million
 *       requests;
 *   (f) what an LED change costs: `led toggle` round trips (each a change,
 *       written to the state file before its reply) against ping and
 *       against `led on` while on (no change, nothing written), in
 *       alternating rounds;
 *   (g) setting 8 lines in one request (msgq_line_set()) against the
 *       floor, ping and 8 requests of one line each, on a msgqd of its own
 *       with 8 outputs (set-lines.c);
 *   (h) an input's edge to the client waiting for it in
 *       msgq_line_events(), against the floor of that shape (a pipe
 *       written, a reader process sending it on with msgsnd to a client
 *       blocked in msgrcv), pinned as (a) is, on a msgqd of its own with
 *       one input; its wake-ups per edge, and while idle (edge.c).
 *
 * Prints a table with ratios; writes latency percentiles (p50 .. p99.9) of
 * (a, b) to bench-latency.dat and of (h) to bench-edge.dat, and with
 * gnuplot their charts, bench-latency.png and bench-edge.png.
 */
#include <errno.h>
#include <sys/stat.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "plural.h"

#define MAX_CLIENTS 16
#define NPCT        4

static const double pcts[NPCT] = { 50.0, 90.0, 99.0, 99.9 };
static const char *const pct_names[NPCT] = { "p50", "p90", "p99", "p99.9" };
static const int client_counts[] = { 1, 4, 16 };
#define NCOUNTS ((int) (sizeof client_counts / sizeof client_counts[0]))

struct options {
        const char *msgqd, *msgqctl, *outdir, *chart_script;
        size_t warmup;            /* round trips before measuring */
        size_t batch[2];          /* round trips per round: 1 CPU, 2 CPUs */
        size_t rounds;
        uint64_t window_ns;       /* throughput: one measurement */
        int repeats;              /* throughput: measurements (median) */
        size_t spawns;            /* (d): runs of each program */
        long long requests;       /* (e): requests before the second VmRSS */
        unsigned idle_s;          /* (e): idle window */
        size_t edges;             /* (h): edges of each kind per round */
        const char *only;         /* sections to run: letters of "acdefgh" */
};

enum variant { FLOOR_PAIRS, FLOOR_ONE_SERVER, FLOOR_CPU_SERVERS, FLOOR_CPU_QUEUES, MSGQD, NVARIANTS };

struct results {
        int cpus[2];
        double load[2];
        struct samples lat[2][2];       /* [1 CPU, 2 CPUs][floor, msgqd] */
        double round_p50[2][2][2];      /* min and max of the rounds' medians */
        bool have_lat[2];
        double tput[NCOUNTS][NVARIANTS];
        double tput_cpu[NCOUNTS][NVARIANTS]; /* CPU µs per request, all processes */
        double tput_csw[NCOUNTS][NVARIANTS]; /* context switches per request */
        bool have_tput;
        struct samples wall[3], cpu[3]; /* ipcs -q, msgqctl led on, msgqctl --version */
        bool have_spawn;
        bool have_idle;
        long wakeups_fresh, wakeups_after, rss_start, rss_before, rss_mid, rss_after;
        long long served_before, served_after;
        struct samples chg[3];          /* (f): ping, led on while on, led toggle */
        double chg_round_p50[3][2];     /* min and max of the rounds' medians */
        bool have_chg;
        struct set_lines_result set_lines; /* (g) */
        struct edge_result edge;           /* (h) */
};

struct shared {
        volatile int stop;
        volatile int failed;
        struct {
                uint64_t count;
                char pad[56];
        } client[MAX_CLIENTS];
};

static pid_t main_pid;
static struct shared *shared;

static void cleanup(void) {
        if (getpid() != main_pid)
                return;
        daemons_kill_all();
        raw_queues_remove();
}

static void on_signal(int sig) {
        cleanup();
        _exit(128 + sig);
}

static void log_path(const struct options *o, char *buf, size_t size) {
        snprintf(buf, size, "%s/bench-msgqd.log", o->outdir);
}

static double loadavg(void) {
        double l = -1.0;
        FILE *f = fopen("/proc/loadavg", "re");

        if (f) {
                if (fscanf(f, "%lf", &l) != 1)
                        l = -1.0;
                fclose(f);
        }
        return l;
}

/* ---- (a) and (b): round-trip latency ---- */

static int latency(const struct options *o, struct results *res, int mode) {
        int client_cpu = res->cpus[0], server_cpu = res->cpus[mode];
        struct target t[2] = {};
        struct daemon d = {};
        size_t batch = o->batch[mode];
        char log[512];
        pid_t echo;
        int q, r;

        log_path(o, log, sizeof log);
        q = raw_queue();
        if (q < 0)
                return q;
        echo = raw_echo_start(q, server_cpu);
        if (echo < 0)
                return -errno;
        r = daemon_start(&d, o->msgqd, server_cpu, log);
        if (r < 0)
                goto out;
        pin_self(client_cpu);
        target_open_raw(&t[0], q);
        r = target_open_msgqd(&t[1], d.key);
        if (r < 0)
                goto out;
        for (int k = 0; k < 2; k++) {
                r = samples_init(&res->lat[mode][k], batch * o->rounds);
                if (r < 0)
                        goto out;
                res->round_p50[mode][k][0] = 1e9;
                for (size_t i = 0; i < o->warmup && r == 0; i++)
                        r = target_call(&t[k]);
        }
        for (size_t round = 0; round < o->rounds && r == 0; round++) {
                for (int j = 0; j < 2 && r == 0; j++) {
                        int k = (int) ((round + (size_t) j) % 2); /* alternate who goes first */
                        struct samples *s = &res->lat[mode][k];
                        size_t from = s->n;
                        double p50;

                        for (size_t i = 0; i < batch; i++) {
                                uint64_t t0 = now_ns();

                                r = target_call(&t[k]);
                                if (r < 0)
                                        break;
                                samples_add(s, now_ns() - t0);
                        }
                        p50 = samples_median_from_us(s, from);
                        if (p50 < res->round_p50[mode][k][0])
                                res->round_p50[mode][k][0] = p50;
                        if (p50 > res->round_p50[mode][k][1])
                                res->round_p50[mode][k][1] = p50;
                }
        }
        res->have_lat[mode] = r == 0;
out:
        target_close(&t[1]);
        pin_self(-1);
        daemon_stop(&d);
        raw_queue_remove(q);
        reap(echo);
        return r;
}

/* ---- (c): throughput ---- */

static _Noreturn void client_loop(int i, enum variant v, const int *msqids, int nq, key_t key) {
        struct target t;
        int r = v == MSGQD            ? target_open_msgqd(&t, key)
                : v == FLOOR_CPU_QUEUES ? target_open_raw_per_cpu(&t, msqids, nq)
                                        : target_open_raw(&t, msqids[nq - 1]);

        while (r == 0 && !shared->stop) {
                r = target_call(&t);
                if (r == 0)
                        __atomic_fetch_add(&shared->client[i].count, 1, __ATOMIC_RELAXED);
        }
        if (r < 0)
                shared->failed = -r;
        target_close(&t);
        _exit(r < 0);
}

static uint64_t total_count(int n) {
        uint64_t sum = 0;

        for (int i = 0; i < n; i++)
                sum += __atomic_load_n(&shared->client[i].count, __ATOMIC_RELAXED);
        return sum;
}

/*
 * Requests per second of n clients of variant v (msgqd is d), and the CPU
 * time per request of every process taking part: clients, servers, msgqd's
 * threads.  The machine's other load slows the rate but hardly the CPU cost.
 */
static double throughput(const struct options *o, enum variant v, int n, const struct daemon *d,
                         double *cpu_us, double *csw) {
        int q[MAX_CLIENTS];
        pid_t echo[MAX_CLIENTS], extra[MAX_CLIENTS], client[MAX_CLIENTS];
        int nq = 0, nc = 0, nec = 0, ncpus = (int) sysconf(_SC_NPROCESSORS_ONLN);
        long sw0, sw1, dsw0 = v == MSGQD ? task_switches(d->pid) : 0;
        uint64_t c0, c1, t0, t1, cpu0 = children_cpu_ns(&sw0);
        long long dcpu0 = v == MSGQD ? task_cpu_ns(d->pid) : 0;
        double rate = -1.0;

        memset(shared, 0, sizeof *shared);
        for (int i = 0; i < n; i++) {
                if (v == FLOOR_PAIRS || (v != MSGQD && i == 0)) {
                        q[nq] = raw_queue();
                        if (q[nq] < 0)
                                goto out;
                        echo[nq] = raw_echo_start(q[nq], v == FLOOR_CPU_SERVERS || v == FLOOR_CPU_QUEUES ? 0 : -1);
                        if (echo[nq] < 0)
                                goto out;
                        nq++;
                }
                /* A queue and an echo server for each further CPU, pinned to it. */
                for (int cpu = 1; v == FLOOR_CPU_QUEUES && i == 0 && cpu < ncpus && nq < MAX_CLIENTS; cpu++) {
                        q[nq] = raw_queue();
                        if (q[nq] < 0)
                                goto out;
                        echo[nq] = raw_echo_start(q[nq], cpu);
                        if (echo[nq] < 0)
                                goto out;
                        nq++;
                }
                /* More echo servers on the same queue, one pinned to each further CPU. */
                for (int cpu = 1; v == FLOOR_CPU_SERVERS && i == 0 && cpu < ncpus && nec < MAX_CLIENTS; cpu++) {
                        extra[nec] = raw_echo_start(q[0], cpu);
                        if (extra[nec] < 0)
                                goto out;
                        nec++;
                }
                client[nc] = fork_worker(-1);
                if (client[nc] == 0)
                        client_loop(i, v, q, nq, d->key);
                if (client[nc] < 0)
                        goto out;
                nc++;
        }
        sleep_ns(o->window_ns / 5); /* warm-up */
        c0 = total_count(n);
        t0 = now_ns();
        sleep_ns(o->window_ns);
        c1 = total_count(n);
        t1 = now_ns();
        if (!shared->failed)
                rate = (double) (c1 - c0) * 1e9 / (double) (t1 - t0);
out:
        shared->stop = 1;
        for (int i = 0; i < nc; i++)
                reap(client[i]);
        for (int i = 0; i < nq; i++) {
                raw_queue_remove(q[i]);
                reap(echo[i]);
        }
        for (int i = 0; i < nec; i++)
                reap(extra[i]);
        c1 = total_count(n);
        *cpu_us = (double) (children_cpu_ns(&sw1) - cpu0) / 1000.0;
        *csw = (double) (sw1 - sw0);
        if (v == MSGQD) {
                *cpu_us += (double) (task_cpu_ns(d->pid) - dcpu0) / 1000.0;
                *csw += (double) (task_switches(d->pid) - dsw0);
        }
        *cpu_us = c1 ? *cpu_us / (double) c1 : 0.0;
        *csw = c1 ? *csw / (double) c1 : 0.0;
        return rate;
}

static int throughputs(const struct options *o, struct results *res, const struct daemon *d) {
        for (int c = 0; c < NCOUNTS; c++) {
                double runs[NVARIANTS][16], cpu[NVARIANTS][16], csw[NVARIANTS][16];

                for (int rep = 0; rep < o->repeats; rep++) {
                        for (int j = 0; j < NVARIANTS; j++) {
                                int v = (j + rep) % NVARIANTS; /* rotate the order */

                                runs[v][rep] = throughput(o, (enum variant) v, client_counts[c], d,
                                                          &cpu[v][rep], &csw[v][rep]);
                                if (runs[v][rep] < 0) {
                                        fprintf(stderr, "msgq-bench: throughput run failed: %s\n",
                                                strerror(shared->failed ? shared->failed : errno));
                                        return -EIO;
                                }
                        }
                }
                for (int v = 0; v < NVARIANTS; v++) {
                        res->tput[c][v] = median(runs[v], (size_t) o->repeats);
                        res->tput_cpu[c][v] = median(cpu[v], (size_t) o->repeats);
                        res->tput_csw[c][v] = median(csw[v], (size_t) o->repeats);
                }
        }
        res->have_tput = true;
        return 0;
}

/* ---- (d): one-shot processes ---- */

static int spawns(const struct options *o, struct results *res, key_t key) {
        char keystr[16];
        char *const argv[3][6] = {
                { "ipcs", "-q", NULL },
                { (char *) o->msgqctl, "-k", keystr, "led", "on", NULL },
                { (char *) o->msgqctl, "--version", NULL },
        };
        size_t warmup = o->spawns / 25 + 1;
        int r;

        snprintf(keystr, sizeof keystr, "0x%08x", (unsigned) key);
        for (int k = 0; k < 3; k++) {
                if ((r = samples_init(&res->wall[k], o->spawns)) < 0 ||
                    (r = samples_init(&res->cpu[k], o->spawns)) < 0)
                        return r;
        }
        for (size_t i = 0; i < warmup + o->spawns; i++) {
                for (int j = 0; j < 3; j++) {
                        int k = (int) ((i + (size_t) j) % 3); /* rotate the order */
                        uint64_t wall, cpu;

                        r = spawn_timed(argv[k], &wall, &cpu);
                        if (r < 0) {
                                fprintf(stderr, "msgq-bench: %s %s failed: %s\n", argv[k][0],
                                        argv[k][1], strerror(-r));
                                return r;
                        }
                        if (i >= warmup) {
                                samples_add(&res->wall[k], wall);
                                samples_add(&res->cpu[k], cpu);
                        }
                }
        }
        res->have_spawn = true;
        return 0;
}

/* ---- (f): an LED change against requests that change nothing ---- */

static const uint16_t change_ops[3] = { MSGQ_OP_PING, MSGQ_OP_LED_ON, MSGQ_OP_LED_TOGGLE };

/* One round of n calls of t into s; its median kept in p50[2] (min, max). */
static int change_round(struct target *t, size_t n, struct samples *s, double p50[2]) {
        size_t from = s->n;
        double m;

        for (size_t i = 0; i < n; i++) {
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

/*
 * On the msgqd of the run, with the LED on: rounds of ping, of `led on`
 * (on already: no change) and of `led toggle` (an even number: each round
 * ends on), in turn.
 */
static int led_changes(const struct options *o, struct results *res, key_t key) {
        size_t batch = o->batch[1] & ~(size_t) 1;
        struct target t[3] = {};
        int r = 0;

        for (int k = 0; k < 3 && r == 0; k++) {
                r = target_open_msgqd(&t[k], key);
                target_set_op(&t[k], change_ops[k]);
                if (r == 0)
                        r = samples_init(&res->chg[k], batch * o->rounds);
                res->chg_round_p50[k][0] = 1e9;
        }
        for (size_t i = 0; i < o->warmup && r == 0; i++)
                r = target_call(&t[i % 3]);
        if (r == 0)
                r = target_call(&t[1]); /* on */
        for (size_t round = 0; round < o->rounds && r == 0; round++)
                for (int j = 0; j < 3 && r == 0; j++) {
                        int k = (int) ((round + (size_t) j) % 3); /* rotate who goes first */

                        r = change_round(&t[k], batch, &res->chg[k], res->chg_round_p50[k]);
                }
        for (int k = 0; k < 3; k++)
                target_close(&t[k]);
        res->have_chg = r == 0;
        return r;
}

static void print_changes(struct results *res) {
        static const char *const what[3] = { "ping", "led on, on", "led toggle" };

        if (!res->have_chg)
                return;
        printf("\n(f) an LED change, round trip µs    ping  led on, on  led toggle   ratios to ping\n");
        for (int p = 0; p < NPCT; p++) {
                double v[3];

                for (int k = 0; k < 3; k++)
                        v[k] = samples_pct_us(&res->chg[k], pcts[p]);
                printf("    %-22s %10.2f %11.2f %11.2f   %.2fx / %.2fx\n", pct_names[p], v[0], v[1], v[2],
                       v[1] / v[0], v[2] / v[0]);
        }
        printf("    %-22s", "p50 of each round");
        for (int k = 0; k < 3; k++)
                printf("  %4.1f-%-5.1f", res->chg_round_p50[k][0], res->chg_round_p50[k][1]);
        printf("\n    (%zu round trips of each: %s, %s (no change, nothing written), %s (each a\n"
               "    change, in the state file before its reply); rounds in turn, nothing pinned)\n",
               res->chg[0].n, what[0], what[1], what[2]);
}

/* ---- (e): an idle daemon, and a million requests ---- */

static long idle_wakeups(const struct options *o, pid_t pid) {
        long before = task_switches(pid), after;

        sleep_ns((uint64_t) o->idle_s * 1000000000ull);
        after = task_switches(pid);
        return before < 0 || after < 0 ? -1 : after - before;
}

/* n requests to msgqd from four clients at once. */
static int load_run(const struct target *t, long long n) {
        pid_t client[4];
        int failed = 0;

        for (int i = 0; i < 4; i++) {
                client[i] = fork_worker(-1);
                if (client[i] == 0) {
                        struct target c;
                        int r = target_open_msgqd(&c, msgq_key(t->msgq));

                        for (long long j = 0; j < n / 4 && r == 0; j++)
                                r = target_call(&c);
                        _exit(r < 0);
                }
                failed |= client[i] < 0;
        }
        for (int i = 0; i < 4; i++) {
                int st = client[i] > 0 ? reap(client[i]) : 1;
                failed |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
        }
        return failed ? -EIO : 0;
}

/*
 * o->requests requests from four clients, after a warm-up of the same shape
 * (a twentieth as many): VmRSS before, half-way and after.
 */
static int load(const struct options *o, struct results *res, struct target *t, pid_t pid) {
        int r = load_run(t, o->requests / 20);

        res->served_before = target_served(t);
        res->rss_before = vm_rss_kb(pid);
        if (r == 0)
                r = load_run(t, o->requests / 2);
        res->rss_mid = vm_rss_kb(pid);
        if (r == 0)
                r = load_run(t, o->requests - o->requests / 2);
        res->served_after = target_served(t);
        res->rss_after = vm_rss_kb(pid);
        if (r == 0 && (res->served_before < 0 || res->served_after < 0))
                r = -EIO;
        return r;
}

/* ---- the report ---- */

/* "client" or "clients" in the table, padded to one width. */
static const char *clients_s(int c) {
        return plural((unsigned) client_counts[c], " ", "s");
}

static const char *verdict(bool met) {
        return met ? "met" : "MISSED";
}

static void print_latency(struct results *res, int mode) {
        double f50 = samples_pct_us(&res->lat[mode][0], 50.0);
        double d50 = samples_pct_us(&res->lat[mode][1], 50.0);

        printf("  %s (client on CPU %d, servers on CPU %d)\n", mode ? "2 CPUs" : "1 CPU",
               res->cpus[0], res->cpus[mode]);
        for (int p = 0; p < NPCT; p++) {
                double f = samples_pct_us(&res->lat[mode][0], pcts[p]);
                double d = samples_pct_us(&res->lat[mode][1], pcts[p]);

                printf("    %-22s %9.2f %9.2f %8.2fx", pct_names[p], f, d, d / f);
                if (p == 0 && mode == 0)
                        printf("   <= 1.15x  %s", verdict(d50 <= 1.15 * f50));
                printf("\n");
        }
        printf("    %-22s %4.1f-%-4.1f %4.1f-%-4.1f\n", "p50 of each round",
               res->round_p50[mode][0][0], res->round_p50[mode][0][1],
               res->round_p50[mode][1][0], res->round_p50[mode][1][1]);
        printf("    %-22s %9zu %9zu\n", "round trips", res->lat[mode][0].n, res->lat[mode][1].n);
}

static void print_report(const struct options *o, struct results *res) {
        long ncpus = sysconf(_SC_NPROCESSORS_ONLN);
        struct utsname u;

        uname(&u);
        printf("\nmsgq-bench: msgqd against a bare msgsnd/msgrcv ping-pong (the floor)\n");
        printf("machine: %ld %s online, Linux %s, load average %.2f at start, %.2f at end\n\n",
               ncpus, plural((unsigned long) ncpus, "CPU", "CPUs"), u.release, res->load[0], res->load[1]);

        if (res->have_lat[0])
                printf("(a, b) round trip, µs            floor     msgqd    ratio   target\n");
        for (int mode = 0; mode < 2; mode++)
                if (res->have_lat[mode])
                        print_latency(res, mode);

        if (res->have_tput) {
                printf("\n(c) throughput, requests/s      floor     msgqd    ratio   target\n");
                for (int c = 0; c < NCOUNTS; c++) {
                        double f = res->tput[c][FLOOR_PAIRS], d = res->tput[c][MSGQD];

                        printf("    %2d client%s vs %2d pair%s %9.0f %9.0f %8.2fx   >= 0.85x  %s\n",
                               client_counts[c], clients_s(c), client_counts[c],
                               clients_s(c), f, d, d / f, verdict(d >= 0.85 * f));
                }
                printf("    msgqd's shape, one queue for all clients:\n");
                for (int c = 0; c < NCOUNTS; c++) {
                        double d = res->tput[c][MSGQD];

                        printf("    %2d client%s vs one server %9.0f %9.0f %8.2fx\n",
                               client_counts[c], clients_s(c),
                               res->tput[c][FLOOR_ONE_SERVER], d, d / res->tput[c][FLOOR_ONE_SERVER]);
                        printf("    %2d client%s vs %ld server%s  %9.0f %9.0f %8.2fx\n",
                               client_counts[c], clients_s(c), ncpus,
                               plural((unsigned long) ncpus, " ", "s"),
                               res->tput[c][FLOOR_CPU_SERVERS], d, d / res->tput[c][FLOOR_CPU_SERVERS]);
                }
                printf("    another shape, one queue and server per CPU (clients use their CPU's):\n");
                for (int c = 0; c < NCOUNTS; c++) {
                        double d = res->tput[c][MSGQD];

                        printf("    %2d client%s vs %ld queue%s   %9.0f %9.0f %8.2fx\n",
                               client_counts[c], clients_s(c), ncpus,
                               plural((unsigned long) ncpus, " ", "s"),
                               res->tput[c][FLOOR_CPU_QUEUES], d, d / res->tput[c][FLOOR_CPU_QUEUES]);
                }
                printf("    CPU per request, µs            pairs    msgqd    ratio  one server    ratio\n");
                for (int c = 0; c < NCOUNTS; c++) {
                        double f = res->tput_cpu[c][FLOOR_PAIRS], d = res->tput_cpu[c][MSGQD];
                        double one = res->tput_cpu[c][FLOOR_ONE_SERVER];

                        printf("    %2d client%s %19.2f %9.2f %8.2fx %11.2f %8.2fx\n",
                               client_counts[c], clients_s(c), f, d, d / f, one, d / one);
                }
                printf("    context switches per request\n");
                for (int c = 0; c < NCOUNTS; c++) {
                        double f = res->tput_csw[c][FLOOR_PAIRS], d = res->tput_csw[c][MSGQD];
                        double one = res->tput_csw[c][FLOOR_ONE_SERVER];

                        printf("    %2d client%s %19.2f %9.2f %8.2fx %11.2f %8.2fx\n",
                               client_counts[c], clients_s(c), f, d, d / f, one, d / one);
                }
                printf("    (median of %d %s of %.1f s each; no pinning)\n", o->repeats,
                       plural((unsigned) o->repeats, "window", "windows"),
                       (double) o->window_ns / 1e9);
        }

        if (res->have_spawn) {
                static const char *const what[3] = { "ipcs -q", "msgqctl led on",
                                                     "msgqctl --version" };

                printf("\n(d) one-shot process, µs        ipcs -q   msgqctl led on  ratio   target\n");
                for (int p = 0; p < 2; p++) {
                        double i = samples_pct_us(&res->wall[0], pcts[p]);
                        double c = samples_pct_us(&res->wall[1], pcts[p]);

                        printf("    wall time %-12s %11.0f %11.0f %8.2fx", pct_names[p], i, c, c / i);
                        if (p == 0)
                                printf("   <= 1.3x  %s", verdict(c <= 1.3 * i));
                        printf("\n");
                }
                printf("    CPU time p50 %20.0f %11.0f %8.2fx\n", samples_pct_us(&res->cpu[0], 50.0),
                       samples_pct_us(&res->cpu[1], 50.0),
                       samples_pct_us(&res->cpu[1], 50.0) / samples_pct_us(&res->cpu[0], 50.0));
                printf("    %s alone (start-up, no request): wall p50 %.0f µs\n", what[2],
                       samples_pct_us(&res->wall[2], 50.0));
                printf("    (%zu %s of each, fork/exec'd in turn, output to /dev/null)\n",
                       res->wall[0].n, plural(res->wall[0].n, "run", "runs"));
        }

        if (!res->have_idle)
                return;
        printf("\n(e) an idle msgqd                                   value   target\n");
        printf("    wake-ups in %2u s, fresh, no watchdog            %6ld   0          %s\n",
               o->idle_s, res->wakeups_fresh, verdict(res->wakeups_fresh == 0));
        printf("    wake-ups in %2u s, right after the load          %6ld   (the reply sweep)\n",
               o->idle_s, res->wakeups_after);
        printf("    VmRSS fresh, kB                                 %6ld\n", res->rss_start);
        printf("    VmRSS after a warm-up like the load, kB         %6ld\n", res->rss_before);
        printf("    VmRSS half-way, kB                              %6ld\n", res->rss_mid);
        printf("    VmRSS after %8lld requests more, kB          %6ld   no growth in the\n",
               res->served_after - res->served_before - 1, res->rss_after);
        printf("    growth over the second half, kB                 %6ld   second half  %s\n",
               res->rss_after - res->rss_mid, verdict(res->rss_after <= res->rss_mid));
}

/*
 * Percentiles into OUTDIR/name.dat (v[p]: floor and msgqd on one CPU, then
 * on two; have[mode] false: zeros) and, with gnuplot, a chart name.png.
 */
static void write_chart(const struct options *o, const char *name, const char *title,
                        const char *what, double v[NPCT][4]) {
        char dat[512], png[512], cmd[2048];
        FILE *f;

        snprintf(dat, sizeof dat, "%s/%s.dat", o->outdir, name);
        snprintf(png, sizeof png, "%s/%s.png", o->outdir, name);
        f = fopen(dat, "we");
        if (!f) {
                fprintf(stderr, "msgq-bench: cannot write %s: %m\n", dat);
                return;
        }
        fprintf(f, "# %s in µs\n# pct floor-1cpu msgqd-1cpu floor-2cpus msgqd-2cpus\n", what);
        for (int p = 0; p < NPCT; p++)
                fprintf(f, "%s %.3f %.3f %.3f %.3f\n", pct_names[p], v[p][0], v[p][1], v[p][2], v[p][3]);
        fclose(f);
        printf("\n%s percentiles: %s\n", what, dat);
        if (!o->chart_script)
                return;
        snprintf(cmd, sizeof cmd, "gnuplot -e \"datafile='%s'; outfile='%s'; charttitle='%s'\" '%s' 2>&1",
                 dat, png, title, o->chart_script);
        if (system("command -v gnuplot >/dev/null 2>&1") != 0)
                printf("chart: not drawn, gnuplot is not installed (apt-get install gnuplot-nox)\n");
        else if (system(cmd) == 0)
                printf("chart: %s\n", png);
        else
                printf("chart: gnuplot failed\n");
}

/* (a, b): bench-latency; (h): bench-edge, its floor the 2-hop one. */
static void write_charts(const struct options *o, struct results *res) {
        double v[NPCT][4];

        if (res->have_lat[0]) {
                for (int p = 0; p < NPCT; p++)
                        for (int mode = 0; mode < 2; mode++)
                                for (int k = 0; k < 2; k++)
                                        v[p][mode * 2 + k] = res->have_lat[mode] ?
                                                samples_pct_us(&res->lat[mode][k], pcts[p]) : 0.0;
                write_chart(o, "bench-latency", "Round trip: msgqd against the bare msgsnd/msgrcv floor",
                            "round trip", v);
        }
        if (res->edge.have[0]) {
                static const int kinds[2] = { EDGE_FLOOR, EDGE_MSGQD };

                for (int p = 0; p < NPCT; p++)
                        for (int mode = 0; mode < 2; mode++)
                                for (int k = 0; k < 2; k++)
                                        v[p][mode * 2 + k] = res->edge.have[mode] ?
                                                samples_pct_us(&res->edge.s[mode][kinds[k]], pcts[p]) : 0.0;
                write_chart(o, "bench-edge", "An edge to the waiting client: msgqd against a pipe, a "
                            "reader and msgsnd", "edge to client", v);
        }
}

/* ---- main ---- */

static void usage(FILE *f) {
        fprintf(f,
                "Usage: msgq-bench [OPTIONS]\n"
                "msgqd against a bare System V ping-pong, side by side (about 2 minutes).\n\n"
                "      --msgqd PATH         the daemon (default $MSGQD)\n"
                "      --msgqctl PATH       the CLI (default $MSGQCTL)\n"
                "      --chart-script PATH  gnuplot script for the chart (none: no chart)\n"
                "  -o, --output DIR         where the data, chart and daemon log go (default .)\n"
                "      --quick              a few seconds: checks the benchmark, not msgqd\n"
                "      --only SECTIONS      run only these of a (with b), c, d, e, f, g, h: --only a\n"
                "  -h, --help               show this help\n");
}

static int parse_options(int argc, char **argv, struct options *o) {
        enum { OPT_MSGQD = 0x100, OPT_MSGQCTL, OPT_CHART, OPT_QUICK, OPT_ONLY };
        static const struct option longopts[] = {
                { "msgqd", required_argument, NULL, OPT_MSGQD },
                { "msgqctl", required_argument, NULL, OPT_MSGQCTL },
                { "chart-script", required_argument, NULL, OPT_CHART },
                { "output", required_argument, NULL, 'o' },
                { "quick", no_argument, NULL, OPT_QUICK },
                { "only", required_argument, NULL, OPT_ONLY },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        *o = (struct options) {
                .msgqd = getenv("MSGQD"),
                .msgqctl = getenv("MSGQCTL"),
                .outdir = ".",
                .warmup = 2000,
                .batch = { 20000, 5000 },
                .rounds = 10,
                .window_ns = 1000000000ull,
                .repeats = 3,
                .spawns = 500,
                .requests = 1000000,
                .idle_s = 10,
                .edges = 1000,
                .only = "acdefgh",
        };
        while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) >= 0) {
                switch (c) {
                case OPT_MSGQD: o->msgqd = optarg; break;
                case OPT_MSGQCTL: o->msgqctl = optarg; break;
                case OPT_CHART: o->chart_script = optarg; break;
                case 'o': o->outdir = optarg; break;
                case OPT_QUICK:
                        o->warmup = 200;
                        o->batch[0] = 2000;
                        o->batch[1] = 500;
                        o->rounds = 4;
                        o->window_ns = 200000000ull;
                        o->repeats = 1;
                        o->spawns = 40;
                        o->requests = 20000;
                        o->idle_s = 1;
                        o->edges = 100;
                        break;
                case OPT_ONLY: o->only = optarg; break;
                case 'h': usage(stdout); exit(EXIT_SUCCESS);
                default: return -EINVAL;
                }
        }
        if (optind < argc || !o->msgqd || !o->msgqctl) {
                fprintf(stderr, "msgq-bench: %s\n", optind < argc ? "unexpected argument" :
                        "name msgqd and msgqctl (--msgqd, --msgqctl or $MSGQD, $MSGQCTL)");
                return -EINVAL;
        }
        /* Before any measuring: the results must have a place to go. */
        if (mkdir(o->outdir, 0755) < 0 && errno != EEXIST) {
                fprintf(stderr, "msgq-bench: cannot create %s: %m\n", o->outdir);
                return -errno;
        }
        return 0;
}

static bool wanted(const struct options *o, char section) {
        return strchr(o->only, section) != NULL;
}

/*
 * One unpinned msgqd serves (e), (c), (d) and (f): first its idle window
 * while nobody has talked to it, then the rest, then a million requests more.
 */
static int run(const struct options *o, struct results *res) {
        struct daemon d = {};
        struct target t = {};
        char log[512];
        int r;

        log_path(o, log, sizeof log);
        r = truncate(log, 0); /* the daemons of this run append to it */
        r = daemon_start(&d, o->msgqd, -1, log);
        if (r < 0) {
                fprintf(stderr, "msgq-bench: cannot start %s: %s\n", o->msgqd, strerror(-r));
                return r;
        }
        if (wanted(o, 'e')) {
                fprintf(stderr, "msgq-bench: (e) %u s of an idle msgqd\n", o->idle_s);
                sleep_ns(500000000ull); /* let start-up settle */
                res->rss_start = vm_rss_kb(d.pid);
                res->wakeups_fresh = idle_wakeups(o, d.pid);
        }
        r = target_open_msgqd(&t, d.key);
        if (r < 0)
                goto out;

        for (int mode = 0; mode < 2 && wanted(o, 'a'); mode++) {
                if (res->cpus[mode] < 0)
                        continue;
                fprintf(stderr, "msgq-bench: (a, b) round trips, %d CPU%s\n", mode + 1,
                        mode ? "s" : "");
                r = latency(o, res, mode);
                if (r < 0) {
                        fprintf(stderr, "msgq-bench: latency run failed: %s\n", strerror(-r));
                        goto out;
                }
        }
        if (wanted(o, 'c')) {
                fprintf(stderr, "msgq-bench: (c) throughput\n");
                r = throughputs(o, res, &d);
                if (r < 0)
                        goto out;
        }
        if (wanted(o, 'd')) {
                fprintf(stderr, "msgq-bench: (d) one-shot processes\n");
                r = spawns(o, res, d.key);
                if (r < 0)
                        goto out;
        }
        if (wanted(o, 'f')) {
                fprintf(stderr, "msgq-bench: (f) LED changes\n");
                r = led_changes(o, res, d.key);
                if (r < 0) {
                        fprintf(stderr, "msgq-bench: LED changes failed: %s\n", strerror(-r));
                        goto out;
                }
        }
        if (wanted(o, 'e')) {
                fprintf(stderr, "msgq-bench: (e) %lld %s, then %u s idle\n", o->requests,
                        plural((unsigned long long) o->requests, "request", "requests"), o->idle_s);
                r = load(o, res, &t, d.pid);
                if (r < 0) {
                        fprintf(stderr, "msgq-bench: load failed: %s\n", strerror(-r));
                        goto out;
                }
                res->wakeups_after = idle_wakeups(o, d.pid);
                res->have_idle = true;
        }
out:
        target_close(&t);
        daemon_stop(&d);
        return r;
}

/* Every sample kept (free of a part not run: of NULL). */
static void results_free(struct results *res) {
        struct samples *all[] = { &res->lat[0][0], &res->lat[0][1], &res->lat[1][0], &res->lat[1][1],
                                  &res->wall[0], &res->wall[1], &res->wall[2], &res->cpu[0], &res->cpu[1],
                                  &res->cpu[2], &res->chg[0], &res->chg[1], &res->chg[2] };

        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
                samples_free(all[i]);
        for (size_t k = 0; k < SET_LINES_KINDS; k++)
                samples_free(&res->set_lines.s[k]);
        for (size_t m = 0; m < 2; m++)
                for (size_t k = 0; k < EDGE_KINDS; k++)
                        samples_free(&res->edge.s[m][k]);
}

int main(int argc, char **argv) {
        struct options o;
        struct results res = { .wakeups_after = -1 };
        struct sigaction sa = { .sa_handler = on_signal };
        int r;

        if (parse_options(argc, argv, &o) < 0) {
                usage(stderr);
                return 2;
        }
        main_pid = getpid();
        atexit(cleanup);
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (shared == MAP_FAILED) {
                perror("msgq-bench: mmap");
                return 1;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        usable_cpus(res.cpus);
        res.load[0] = loadavg();

        r = run(&o, &res);
        if (r == 0 && wanted(&o, 'g')) {
                fprintf(stderr, "msgq-bench: (g) %d lines in one request\n", SET_LINES_N);
                r = set_lines_run(o.msgqd, o.outdir, o.warmup, o.batch[1], o.rounds, &res.set_lines);
                if (r < 0)
                        fprintf(stderr, "msgq-bench: (g) failed: %s\n", strerror(-r));
        }
        if (r == 0 && wanted(&o, 'h')) {
                r = edge_run(o.msgqd, o.outdir, res.cpus, o.warmup / 20, o.edges, o.rounds, o.idle_s,
                             &res.edge);
                if (r < 0)
                        fprintf(stderr, "msgq-bench: (h) failed: %s\n", strerror(-r));
        }
        res.load[1] = loadavg();
        if (r == 0) {
                print_report(&o, &res);
                print_changes(&res);
                set_lines_print(&res.set_lines);
                edge_print(&res.edge);
                write_charts(&o, &res);
        }
        results_free(&res);
        return r < 0 ? 1 : 0;
}
