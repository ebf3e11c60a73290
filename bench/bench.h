/* SPDX-License-Identifier: MIT */
/*
 * msgq-bench: msgqd measured against the kernel's own floor, a bare
 * msgsnd/msgrcv ping-pong between two processes, side by side in one run.
 *
 *   samples.c  latency samples, percentiles, medians
 *   procs.c    CPUs, worker processes, msgqd, /proc figures, timed spawns
 *   floor.c    the raw ping-pong: an echo server as bare as System V allows
 *   target.c   one round trip, to the floor or to msgqd (common/client.c):
 *              a ping, or another request (an LED change, a set of lines)
 *   set-lines.c (g): 8 lines set in one request against 8 requests
 *   edge.c     (h): an input's edge to the client waiting for it
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "msgq.h"
#include "protocol.h"

/* ---- samples.c ---- */

struct samples {
        uint32_t *ns;
        size_t n, cap;
        bool sorted;
};

int samples_init(struct samples *s, size_t cap);
void samples_free(struct samples *s);
void samples_add(struct samples *s, uint64_t ns);
/* The pct-th percentile (0 < pct <= 100) in µs; sorts on first use. */
double samples_pct_us(struct samples *s, double pct);
/* Median of n values (reorders them). */
double median(double *v, size_t n);
/* The median, in µs, of the samples from index from on (one round's). */
double samples_median_from_us(const struct samples *s, size_t from);

/* ---- procs.c ---- */

uint64_t now_ns(void);
void sleep_ns(uint64_t ns);
/* The first two CPUs this process may run on; cpu[1] = -1 on one CPU. */
void usable_cpus(int cpu[2]);
/* Pin the calling process to cpu, or let it run anywhere (cpu < 0). */
int pin_self(int cpu);
/* fork() a worker that dies with us, pinned to cpu (< 0: anywhere). 0 in the child. */
pid_t fork_worker(int cpu);
/* Wait for pid to exit; its wait status, or -errno. */
int reap(pid_t pid);

struct daemon {
        pid_t pid;
        key_t key;
};

/* Start msgqd --sim on an unused private key, pinned to cpu; wait for READY=1. */
int daemon_start(struct daemon *d, const char *path, int cpu, const char *log_path);
/* The same with -c config (NULL: none). */
int daemon_start_config(struct daemon *d, const char *path, int cpu, const char *log_path,
                        const char *config);
/* SIGTERM and wait: msgqd removes its queue. */
void daemon_stop(struct daemon *d);
/* Kill every daemon still running (from a signal handler too). */
void daemons_kill_all(void);

/* Context switches of every thread of pid so far, or -errno. */
long task_switches(pid_t pid);
/* Context switches of thread tid of pid so far, or -errno. */
long thread_switches(pid_t pid, pid_t tid);
/* The thread of pid called name (its comm), or -errno (-ENOENT: none). */
pid_t thread_named(pid_t pid, const char *name);
/* 1 when every thread of pid sleeps (state S: waiting for an event), 0 if not, or -errno. */
int task_asleep(pid_t pid);
/* CPU time of every thread of pid so far (schedstat), in ns, or -errno. */
long long task_cpu_ns(pid_t pid);
/* CPU time of the children reaped so far, in ns, and their context switches. */
uint64_t children_cpu_ns(long *switches);
/* VmRSS of pid in kB, or -errno. */
long vm_rss_kb(pid_t pid);
/* posix_spawn argv (stdout and stderr to /dev/null), wait; wall and CPU time. */
int spawn_timed(char *const argv[], uint64_t *wall_ns, uint64_t *cpu_ns);

/* ---- floor.c ---- */

/* A private queue (IPC_PRIVATE), removed by raw_queues_remove(). */
int raw_queue(void);
/* Remove every queue raw_queue() made (from a signal handler too). */
void raw_queues_remove(void);
void raw_queue_remove(int msqid);
/* An echo server on msqid, pinned to cpu; it exits when the queue goes. */
pid_t raw_echo_start(int msqid, int cpu);

/* ---- target.c ---- */

enum target_kind { TARGET_RAW, TARGET_MSGQD };

#define TARGET_MAX_QUEUES 16

struct target {
        enum target_kind kind;
        int msqid;                  /* raw */
        int cpu_msqid[TARGET_MAX_QUEUES]; /* raw, one queue per CPU: the one */
        int ncpu_msqid;                   /* of the CPU the call starts on */
        long reply_type;            /* raw */
        unsigned char request[MSGQ_REQUEST_HEADER_SIZE]; /* raw */
        struct msgq *msgq;          /* msgqd, through libmsgq */
        uint16_t op;                /* msgqd: the request each call makes (ping) */
        unsigned nlines;            /* msgqd, line-set or led-toggle: lines 1 .. nlines */
        uint8_t level;              /* line-set: the level the next call sets */
        bool same;                  /* line-set: always on (after the first: no change) */
};

/* Open a target: the raw echo server's queue, or msgqd's key. */
int target_open_raw(struct target *t, int msqid);
/* A raw target with one queue per CPU: each call goes to its CPU's queue. */
int target_open_raw_per_cpu(struct target *t, const int *msqids, int n);
int target_open_msgqd(struct target *t, key_t key);
/* msgqd only: make each call this request instead of ping (MSGQ_OP_LED_TOGGLE). */
void target_set_op(struct target *t, uint16_t op);
/*
 * msgqd only, with op MSGQ_OP_LINE_SET: each call sets lines 1 .. n in one
 * request, all on, then all off (each a change), or with same all on each
 * time (no change); with MSGQ_OP_LED_TOGGLE: each call toggles them one
 * request after the other (n round trips).
 */
void target_set_lines(struct target *t, unsigned n, bool same);

/* ---- set-lines.c: (g) ---- */

#define SET_LINES_N 8
/* floor, ping, one set of SET_LINES_N lines changing none, changing all, SET_LINES_N toggles */
#define SET_LINES_KINDS 5
struct set_lines_result {
        struct samples s[SET_LINES_KINDS];
        double round_p50[SET_LINES_KINDS][2]; /* min and max of the rounds' medians */
        bool have;
};
/*
 * Rounds of batch calls of each kind in turn, nothing pinned, on a msgqd
 * of its own with SET_LINES_N outputs (its configuration and log in outdir).
 */
int set_lines_run(const char *msgqd, const char *outdir, size_t warmup, size_t batch,
                  size_t rounds, struct set_lines_result *res);
void set_lines_print(struct set_lines_result *res);

/* ---- edge.c: (h) ---- */

/* the floor of msgqd's shape (pipe, reader, msgsnd), msgsnd alone, msgqd */
enum edge_kind { EDGE_FLOOR, EDGE_ONE_HOP, EDGE_MSGQD, EDGE_KINDS };

struct edge_result {
        int cpus[2];
        struct samples s[2][EDGE_KINDS];        /* [1 CPU, 2 CPUs][kind] */
        double round_p50[2][EDGE_KINDS][2];     /* min and max of the rounds' medians */
        double msgqd_main_csw[2];               /* per edge: msgqd's main thread's switches */
        double msgqd_flush_csw[2];              /* its flush thread's (the state file to the disk) */
        double msgqd_other_csw[2];              /* its other threads' (the next watch) */
        double reader_csw[2];                   /* the floor's reader's */
        bool have[2];
        unsigned idle_s;
        long idle_wakeups;                      /* msgqd's, its input idle, a client waiting */
        bool have_idle;
        const char *outdir;                     /* where msgqd's state file was */
};
/*
 * Rounds of batch edges of each kind in turn, pinned to cpus[0], then
 * across cpus[0] and cpus[1] (< 0: not), on a msgqd of its own with one
 * input (its configuration, FIFO and log in outdir); before the first
 * mode's edges (idle_s > 0), msgqd's wake-ups in idle_s seconds idle.
 */
int edge_run(const char *msgqd, const char *outdir, const int cpus[2], size_t warmup, size_t batch,
             size_t rounds, unsigned idle_s, struct edge_result *res);
void edge_print(struct edge_result *res);
void target_close(struct target *t);
/* One request and its reply: 0 or -errno. */
int target_call(struct target *t);
/* msgqd only: requests it has served (its stats), or -errno. */
long long target_served(struct target *t);
