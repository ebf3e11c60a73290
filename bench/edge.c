/* SPDX-License-Identifier: MIT */
/*
 * (h) an edge to the client waiting for it: msgqd --sim of its own with one
 * input, whose FIFO takes the line's level ('1', '0'); a client waits in
 * msgq_line_events().  The benchmark writes an edge and takes the time from
 * just before write() to the client's return (CLOCK_MONOTONIC is one clock
 * for every process).  msgqd's main loop wakes for the edge, records it,
 * writes the state file (doc/PROTOCOL.md, Guarantees: the state an answer
 * tells of is in the file before it is sent) and answers the watch: one
 * wake-up of msgqd and one of the client, when the file's writes do not
 * sleep.  msgqd's flush thread then flushes the file to the disk, which
 * no edge waits for: its wake-ups are counted apart.
 *
 * The floor, of that shape: a reader process blocked in read() on a pipe
 * wakes for the byte written and sends it on with msgsnd() to a client
 * blocked in msgrcv(): the same two wake-ups, and nothing else.  The
 * one-hop floor, msgsnd() straight to the client (on the writer's CPU),
 * shows what one wake-up alone costs.
 *
 * Each edge is written only when every process taking part sleeps (the
 * client in its wait, msgqd's threads and the reader in theirs, msgqd's
 * queue empty): an edge into a quiet system, as the round trips of (a)
 * are.  Rounds of each kind in turn, pinned to one CPU, then the writer
 * and client on one and msgqd or the reader on another, as (a) is.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

#define INPUT_NAME       "edge"
#define ANSWER_TIMEOUT_MS 10000
#define ASLEEP_TIMEOUT_NS (10ull * 1000000000ull)
/* The client's watch: longer than any idle window, so that it never ends in one. */
#define WATCH_TIMEOUT_MS 60000u
/*
 * The client's other calls: msgqd's reply sweep looks for their replies a
 * second after this, which the idle window waits out (2.5 s).
 */
#define CALL_TIMEOUT_MS  500u
#define IDLE_SETTLE_NS   2500000000ull

static const char *const kind_names[EDGE_KINDS] = { "floor, 2 hops", "floor, 1 hop", "msgqd" };

/* What a client tells the benchmark after each wait (one write, atomic). */
struct answer {
        uint64_t t1;            /* now_ns() at the return */
        int32_t r;              /* its result: 0, or -errno */
        uint8_t high;           /* the level the edge left (ready: the level now) */
};

struct edge_run {
        pid_t msgqd, msgqd_client, floor_client, reader;
        int msqid;              /* msgqd's queue */
        int floor_msqid;
        int fifo;               /* msgqd's input, write end */
        int pipe_w;             /* the floor reader's pipe, write end */
        int answer[EDGE_KINDS]; /* from the clients, read ends (the floors share one) */
        bool high[EDGE_KINDS];  /* the level each kind's last edge left */
};

/* The client's answer, within ANSWER_TIMEOUT_MS: 0, or -errno (its own error too). */
static int take_answer(int fd, struct answer *a) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int k = poll(&p, 1, ANSWER_TIMEOUT_MS);
        ssize_t n;

        if (k <= 0)
                return k == 0 ? -ETIMEDOUT : -errno;
        n = read(fd, a, sizeof *a);
        if (n != (ssize_t) sizeof *a)
                return n < 0 ? -errno : -EPIPE;
        return a->r;
}

static void send_answer(int fd, uint64_t t1, int r, bool high) {
        struct answer a = { .t1 = t1, .r = r, .high = high };

        if (write(fd, &a, sizeof a) != (ssize_t) sizeof a)
                _exit(1);
}

/* ---- the clients and the reader, each a process of its own ---- */

/* Waits in msgq_line_events() for each edge of the input, and says when it returned. */
static _Noreturn void msgqd_client(key_t key, int fd) {
        struct msgq_led_state st;
        struct msgq *h;
        uint64_t since;
        int line, r;

        r = msgq_open(&h, key);
        if (r == 0)
                r = msgq_set_timeout(h, CALL_TIMEOUT_MS);
        line = r < 0 ? r : msgq_line_find(h, INPUT_NAME);
        r = line < 0 ? line : msgq_line_state(h, (unsigned) line, &st);
        send_answer(fd, 0, r, r == 0 && st.on);
        since = r == 0 ? st.changes : 0;
        while (r == 0) {
                struct msgq_watch_result res;
                struct msgq_event ev[4];
                uint64_t t1;
                int n = msgq_line_events(h, (unsigned) line, since, WATCH_TIMEOUT_MS, ev, 4, &res);

                t1 = now_ns();
                if (n < 0)
                        r = n;
                else if (n != 1 || ev[0].ch.st.line != line ||
                         (ev[0].edge != MSGQ_EDGE_RISING && ev[0].edge != MSGQ_EDGE_FALLING))
                        r = -EPROTO; /* not the one edge written */
                send_answer(fd, t1, r, r == 0 && ev[0].edge == MSGQ_EDGE_RISING);
                since = res.next;
        }
        msgq_close(h);
        _exit(1);
}

/* Waits in msgrcv() for the byte the reader, or the benchmark itself, sends. */
static _Noreturn void floor_client(int msqid, int fd) {
        struct msgq_msgbuf m;

        send_answer(fd, 0, 0, false);
        for (;;) {
                ssize_t n = msgrcv(msqid, &m, MSGQ_MSG_MAX, 1, 0);
                uint64_t t1 = now_ns();

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        _exit(0); /* EIDRM: the benchmark is done */
                send_answer(fd, t1, 0, m.body[0] == '1');
        }
}

/* Blocked in read() on the pipe; each byte sent on in a 40-byte message, as (a)'s. */
static _Noreturn void floor_reader(int rfd, int msqid) {
        struct msgq_msgbuf m = { .mtype = 1 };

        for (;;) {
                ssize_t n = read(rfd, m.body, 1);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        _exit(0); /* the benchmark closed the pipe */
                while (msgsnd(msqid, &m, MSGQ_REQUEST_HEADER_SIZE, 0) < 0)
                        if (errno != EINTR)
                                _exit(0);
        }
}

/* ---- the benchmark's side ---- */

/* Until each of the processes sleeps and msgqd's queue is empty (its watch taken). */
static int wait_asleep(const struct edge_run *e, enum edge_kind k) {
        uint64_t end = now_ns() + ASLEEP_TIMEOUT_NS;

        for (;;) {
                struct msqid_ds ds;
                int r;

                if (k == EDGE_MSGQD) {
                        r = task_asleep(e->msgqd_client);
                        if (r == 1 && msgctl(e->msqid, IPC_STAT, &ds) < 0)
                                r = -errno;
                        if (r == 1)
                                r = ds.msg_qnum == 0;
                        if (r == 1)
                                r = task_asleep(e->msgqd);
                } else {
                        r = task_asleep(e->floor_client);
                        if (r == 1)
                                r = task_asleep(e->reader);
                }
                if (r != 0)
                        return r < 0 ? r : 0;
                if (now_ns() > end)
                        return -ETIMEDOUT;
                sleep_ns(20000);
        }
}

/* One edge of kind k: the level turned over; its time into s (NULL: not kept). */
static int one_edge(struct edge_run *e, enum edge_kind k, struct samples *s) {
        char c = e->high[k] ? '0' : '1';
        struct msgq_msgbuf m = { .mtype = 1, .body = { (unsigned char) c } };
        struct answer a;
        uint64_t t0;
        ssize_t n;
        int r = wait_asleep(e, k);

        if (r < 0)
                return r;
        t0 = now_ns();
        switch (k) {
        case EDGE_FLOOR: n = write(e->pipe_w, &c, 1); break;
        case EDGE_ONE_HOP: n = msgsnd(e->floor_msqid, &m, MSGQ_REQUEST_HEADER_SIZE, 0) < 0 ? -1 : 1; break;
        default: n = write(e->fifo, &c, 1); break;
        }
        if (n != 1)
                return n < 0 ? -errno : -EIO;
        r = take_answer(e->answer[k], &a);
        if (r < 0)
                return r;
        if (a.high != (c == '1'))
                return -EPROTO; /* the client saw another edge than the one written */
        e->high[k] = a.high;
        if (s)
                samples_add(s, a.t1 - t0);
        return 0;
}

/* msgq.conf with the one input, into path. */
static int write_config(const char *path) {
        FILE *f = fopen(path, "we");

        if (!f)
                return -errno;
        fprintf(f, "[input %s]\ngpio = gpiochip9:1\n", INPUT_NAME);
        return fclose(f) == 0 ? 0 : -errno;
}

/* msgqd with the input, pinned to cpu, its FIFO in outdir/bench-inputs. */
static int start_msgqd(struct edge_run *e, struct daemon *d, const char *msgqd, const char *outdir,
                       int cpu) {
        char conf[512], log[512], dir[512], fifo[600], level[700];
        int r;

        snprintf(conf, sizeof conf, "%s/bench-edge.conf", outdir);
        snprintf(log, sizeof log, "%s/bench-msgqd.log", outdir);
        snprintf(dir, sizeof dir, "%s/bench-inputs", outdir);
        snprintf(fifo, sizeof fifo, "%s/%s", dir, INPUT_NAME);
        snprintf(level, sizeof level, "%s.level", fifo);
        r = write_config(conf);
        if (r < 0)
                return r;
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        /* A new FIFO, low: no other process holds it, no earlier run's level. */
        if ((unlink(fifo) < 0 && errno != ENOENT) || (unlink(level) < 0 && errno != ENOENT))
                return -errno;
        /* msgqd inherits it; no other msgqd of the benchmark has an input. */
        setenv("MSGQD_SIM_INPUTS", dir, 1);
        r = daemon_start_config(d, msgqd, cpu, log, conf);
        unsetenv("MSGQD_SIM_INPUTS");
        if (r < 0)
                return r;
        e->msgqd = d->pid;
        e->msqid = msgget(d->key, 0);
        if (e->msqid < 0)
                return -errno;
        /* msgqd holds the FIFO open for reading: no wait here. */
        e->fifo = open(fifo, O_WRONLY | O_CLOEXEC);
        return e->fifo < 0 ? -errno : 0;
}

/* A client process in *pid, answering on a pipe of its own: its first answer (ready) taken. */
static int start_client(struct edge_run *e, enum edge_kind k, int cpu, key_t key, pid_t *pid,
                        struct answer *ready) {
        int p[2];

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        *pid = fork_worker(cpu);
        if (*pid == 0) {
                close(p[0]);
                if (k == EDGE_MSGQD)
                        msgqd_client(key, p[1]);
                floor_client(e->floor_msqid, p[1]);
        }
        close(p[1]);
        if (*pid < 0) {
                close(p[0]);
                return -errno;
        }
        e->answer[k] = p[0];
        if (k == EDGE_FLOOR)
                e->answer[EDGE_ONE_HOP] = p[0];
        return take_answer(p[0], ready);
}

static pid_t start_reader(struct edge_run *e, int cpu) {
        int p[2];
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid = fork_worker(cpu);
        if (pid == 0) {
                close(p[1]);
                floor_reader(p[0], e->floor_msqid);
        }
        close(p[0]);
        if (pid < 0) {
                close(p[1]);
                return -errno;
        }
        e->pipe_w = p[1];
        return pid;
}

/*
 * msgqd's wake-ups in idle_s seconds, its input idle and a client waiting
 * on it, once the reply sweep for the client's first calls has passed.
 */
static long idle_wakeups(const struct edge_run *e, unsigned idle_s) {
        long before, after;

        if (wait_asleep(e, EDGE_MSGQD) < 0)
                return -1;
        sleep_ns(IDLE_SETTLE_NS);
        before = task_switches(e->msgqd);
        sleep_ns((uint64_t) idle_s * 1000000000ull);
        after = task_switches(e->msgqd);
        return before < 0 || after < 0 ? -1 : after - before;
}

struct edge_params {
        const char *msgqd, *outdir;
        size_t warmup, batch, rounds;
        unsigned idle_s;
};

static int measure(struct edge_run *e, const struct edge_params *p, int mode, struct edge_result *res) {
        long main0, all0, reader0, main1, all1, reader1, flush0 = 0, flush1 = 0;
        /* An msgqd that keeps its state file flushes it in a thread of its own (an older one: none). */
        pid_t flusher = thread_named(e->msgqd, "msgqd-flush");
        size_t edges = 0;
        int r = 0;

        for (int k = 0; k < EDGE_KINDS && r == 0; k++) {
                r = samples_init(&res->s[mode][k], p->batch * p->rounds);
                res->round_p50[mode][k][0] = 1e9;
                for (size_t i = 0; i < p->warmup && r == 0; i++)
                        r = one_edge(e, (enum edge_kind) k, NULL);
        }
        main0 = thread_switches(e->msgqd, e->msgqd);
        if (flusher > 0)
                flush0 = thread_switches(e->msgqd, flusher);
        all0 = task_switches(e->msgqd);
        reader0 = task_switches(e->reader);
        for (size_t round = 0; round < p->rounds && r == 0; round++) {
                for (int j = 0; j < EDGE_KINDS && r == 0; j++) {
                        int k = (int) ((round + (size_t) j) % EDGE_KINDS); /* who goes first */
                        struct samples *s = &res->s[mode][k];
                        double *p50 = res->round_p50[mode][k], m;
                        size_t from = s->n;

                        for (size_t i = 0; i < p->batch && r == 0; i++)
                                r = one_edge(e, (enum edge_kind) k, s);
                        if (r < 0)
                                break;
                        m = samples_median_from_us(s, from);
                        p50[0] = m < p50[0] ? m : p50[0];
                        p50[1] = m > p50[1] ? m : p50[1];
                        edges += k == EDGE_MSGQD ? p->batch : 0;
                }
        }
        main1 = thread_switches(e->msgqd, e->msgqd);
        if (flusher > 0)
                flush1 = thread_switches(e->msgqd, flusher);
        all1 = task_switches(e->msgqd);
        reader1 = task_switches(e->reader);
        if (r == 0 && (main0 < 0 || all0 < 0 || reader0 < 0 || main1 < 0 || all1 < 0 || reader1 < 0 ||
                       flush0 < 0 || flush1 < 0))
                r = -EIO;
        if (r == 0 && edges > 0) {
                /* The reader wakes only for the 2-hop floor's edges: as many as msgqd's. */
                res->msgqd_main_csw[mode] = (double) (main1 - main0) / (double) edges;
                res->msgqd_flush_csw[mode] = (double) (flush1 - flush0) / (double) edges;
                res->msgqd_other_csw[mode] = (double) ((all1 - all0) - (main1 - main0) - (flush1 - flush0)) /
                                             (double) edges;
                res->reader_csw[mode] = (double) (reader1 - reader0) / (double) edges;
        }
        return r;
}

/* One mode: 0, everything on cpus[0]; 1, msgqd and the reader on cpus[1]. */
static int run_mode(const struct edge_params *p, int mode, struct edge_result *res) {
        int client_cpu = res->cpus[0], server_cpu = res->cpus[mode];
        struct edge_run e = { .fifo = -1, .pipe_w = -1, .answer = { -1, -1, -1 }, .msqid = -1 };
        struct daemon d = {};
        struct answer ready = {};
        int r;

        e.floor_msqid = raw_queue();
        if (e.floor_msqid < 0)
                return e.floor_msqid;
        r = start_msgqd(&e, &d, p->msgqd, p->outdir, server_cpu);
        if (r == 0 && (e.reader = start_reader(&e, server_cpu)) < 0)
                r = (int) e.reader;
        if (r == 0)
                r = start_client(&e, EDGE_FLOOR, client_cpu, 0, &e.floor_client, &ready);
        if (r == 0)
                r = start_client(&e, EDGE_MSGQD, client_cpu, d.key, &e.msgqd_client, &ready);
        e.high[EDGE_MSGQD] = ready.high;
        pin_self(client_cpu);
        if (r == 0 && mode == 0 && p->idle_s > 0) {
                fprintf(stderr, "msgq-bench: (h) %u s of an idle msgqd with an input\n", p->idle_s);
                res->idle_wakeups = idle_wakeups(&e, p->idle_s);
                res->have_idle = res->idle_wakeups >= 0;
        }
        if (r == 0)
                r = measure(&e, p, mode, res);
        res->have[mode] = r == 0;
        pin_self(-1);

        if (e.fifo >= 0)
                close(e.fifo);
        if (e.msgqd_client > 0)
                kill(e.msgqd_client, SIGKILL); /* in a wait of a minute */
        daemon_stop(&d);
        if (e.pipe_w >= 0)
                close(e.pipe_w); /* the reader's read() ends */
        raw_queue_remove(e.floor_msqid); /* the floor client's msgrcv() ends */
        if (e.msgqd_client > 0)
                reap(e.msgqd_client);
        if (e.floor_client > 0)
                reap(e.floor_client);
        if (e.reader > 0)
                reap(e.reader);
        for (int k = 0; k < EDGE_KINDS; k++)
                if (e.answer[k] >= 0 && k != EDGE_ONE_HOP)
                        close(e.answer[k]);
        return r;
}

int edge_run(const char *msgqd, const char *outdir, const int cpus[2], size_t warmup, size_t batch,
             size_t rounds, unsigned idle_s, struct edge_result *res) {
        const struct edge_params p = { .msgqd = msgqd, .outdir = outdir, .warmup = warmup,
                                       .batch = batch, .rounds = rounds, .idle_s = idle_s };
        int r = 0;

        res->cpus[0] = cpus[0];
        res->cpus[1] = cpus[1];
        res->idle_s = idle_s;
        res->outdir = outdir;
        for (int mode = 0; mode < 2 && r == 0; mode++) {
                if (cpus[mode] < 0)
                        continue;
                fprintf(stderr, "msgq-bench: (h) edges to a waiting client, %d CPU%s\n", mode + 1,
                        mode ? "s" : "");
                r = run_mode(&p, mode, res);
        }
        return r;
}

void edge_print(struct edge_result *res) {
        static const double pcts[] = { 50.0, 90.0, 99.0 };
        static const char *const names[] = { "p50", "p90", "p99" };

        if (!res->have[0] && !res->have[1] && !res->have_idle)
                return;
        printf("\n(h) an edge to the waiting client, µs   %s  %s     msgqd   ratio to 2 hops\n",
               kind_names[EDGE_FLOOR], kind_names[EDGE_ONE_HOP]);
        for (int mode = 0; mode < 2; mode++) {
                if (!res->have[mode])
                        continue;
                printf("  %s (writer and client on CPU %d, msgqd and the reader on CPU %d)\n",
                       mode ? "2 CPUs" : "1 CPU", res->cpus[0], res->cpus[mode]);
                for (size_t p = 0; p < sizeof pcts / sizeof pcts[0]; p++) {
                        double v[EDGE_KINDS];

                        for (int k = 0; k < EDGE_KINDS; k++)
                                v[k] = samples_pct_us(&res->s[mode][k], pcts[p]);
                        printf("    %-26s %13.2f %12.2f %9.2f   %.2fx\n", names[p], v[EDGE_FLOOR],
                               v[EDGE_ONE_HOP], v[EDGE_MSGQD], v[EDGE_MSGQD] / v[EDGE_FLOOR]);
                }
                printf("    %-26s", "p50 of each round");
                for (int k = 0; k < EDGE_KINDS; k++)
                        printf("   %5.1f-%-5.1f", res->round_p50[mode][k][0], res->round_p50[mode][k][1]);
                printf("\n    wake-ups per edge: msgqd's main thread %.2f, its flush thread %.2f, its\n"
                       "    other threads %.2f (the client's next watch); the floor's reader %.2f\n",
                       res->msgqd_main_csw[mode], res->msgqd_flush_csw[mode], res->msgqd_other_csw[mode],
                       res->reader_csw[mode]);
        }
        if (res->have_idle)
                printf("    msgqd's wake-ups in %2u s, its input idle, a client waiting on it: %ld"
                       "   target 0  %s\n", res->idle_s, res->idle_wakeups,
                       res->idle_wakeups == 0 ? "met" : "MISSED");
        printf("    (%zu edges of each kind and mode, from just before write() to the client's\n"
               "    return, each into a quiet system, rounds in turn; 2 hops: a pipe, a reader's\n"
               "    msgsnd, the client's msgrcv: msgqd's shape, the floor its ratio is to; 1 hop:\n"
               "    msgsnd to the client, on the writer's CPU; msgqd writes its state file in %s)\n",
               res->s[res->have[0] ? 0 : 1][EDGE_MSGQD].n, res->outdir);
}
