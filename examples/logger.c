/* SPDX-License-Identifier: MIT */
/*
 * logger: msgqd's events into a file, one line each, on libmsgq; the
 * acquisition-to-logging pair of the seed chapter done with numbers.
 * examples/logger.py is the same program on the Python module, and writes
 * the same file.
 *
 *   logger [-k KEY] FILE [NAME...]
 *
 * Every change of the lines named (of every line without a name) is
 * appended to FILE as it comes, each line written at once, the file
 * synced after each batch.  At start the logger reads FILE's last line
 * and asks msgqd for the changes after its number: killed and started
 * again, it loses nothing msgqd kept and writes nothing twice.  What
 * msgqd could not keep is a line of its own.  The lines (fields split
 * by one space; TIME is UTC with ns, "-" when there is none):
 *
 *   N TIME LINE EDGE LEVEL            change N: EDGE rising, falling or
 *                                     away (of an input), output (of an
 *                                     output); LEVEL on or off
 *   N - * lost COUNT history          changes up to N msgqd no longer
 *                                     kept, of every line (COUNT is
 *                                     every line's, also of lines not
 *                                     named: see below)
 *   N - LINE lost COUNT history       of those, COUNT were LINE's (a
 *                                     line named)
 *   N TIME LINE lost COUNT overflow   before change N, edges the kernel
 *                                     dropped (COUNT+: at least COUNT)
 *   N TIME LINE lost unknown away     before change N, the line changed
 *                                     while msgqd was not running
 *   N - * start                       a new file, from msgqd's change N
 *   N - * behind FROM                 msgqd's number N was behind the
 *                                     file's FROM (msgqd lost its state)
 *
 * An overflow or away line is written with its change in one write(); one
 * found alone at the end of FILE is dropped, as a torn last line is.
 *
 * Without NAMEs a history line counts the changes of every line, all of
 * which the file logs.  With NAMEs it says how many were each named line's,
 * one line for each that lost any, from the line's own count of changes
 * (seq: each change carries the line's count after it, so the changes
 * lost between two of the line's are the difference less one); none when
 * no named line lost any.  Where that count is not known (the logger
 * started again after the line had changed past the file's last number,
 * or msgqd lost its state), the line of every line ("*") is written
 * instead, and its COUNT is of all lines, not only those named.
 *
 * Ctrl-C and SIGTERM end it; a stopped msgqd is waited for.
 *
 * Built on its own: cc -o logger logger.c $(pkg-config --cflags --libs msgq) -pthread
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memrchr(), pthread_cond_clockwait() */
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <msgq.h>

#define WAIT_MS        10000u  /* one wait in msgqd; then again */
#define RECONNECT_MS   200     /* how often to look for a stopped msgqd */
#define PEEK_MS        1000u   /* to ask for a change msgqd has */
#define RECANCEL_NS    5000000 /* cancel again until the main thread has stopped */
#define TAIL_MAX       4096    /* of FILE read at start: its last lines */
#define RECORD_MAX     256

static const char *prog = "logger";

/*
 * The signals' thread and the main one share stop: lock guards stop and
 * target, the handle whose call a signal cancels (NULL while there is
 * none); woken wakes the main thread's sleep while it waits for msgqd.
 */
static struct {
        pthread_mutex_t lock;
        pthread_cond_t woken;
        bool stop;
        struct msgq *target;
} sig = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, NULL };

struct logger {
        const char *path;
        int fd;
        key_t key;
        struct msgq *h;
        uint32_t daemon_pid;            /* whose table names holds */
        char names[MSGQ_LINES_MAX][MSGQ_LINE_NAME_MAX + 1];
        char *const *want;              /* the names asked for */
        int nwant;
        unsigned line;                  /* the one watched, or MSGQ_LINE_ALL */
        uint64_t wanted;                /* bit i: line i is logged */
        uint64_t since;                 /* the file's last number */
        uint32_t seq[MSGQ_LINES_MAX];   /* a named line's own count as of since */
        uint64_t seq_known;             /* bit i: seq[i] is known */
        bool learn;                     /* ask msgqd's table for seq[] before the next call */
        bool waiting_said;
};

static void vsay(const char *f, va_list ap) {
        fprintf(stderr, "%s: ", prog);
        vfprintf(stderr, f, ap);
        fputc('\n', stderr);
}

static void say(const char *f, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *f, ...) {
        va_list ap;

        va_start(ap, f);
        vsay(f, ap);
        va_end(ap);
}

static void die(const char *f, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *f, ...) {
        va_list ap;

        va_start(ap, f);
        vsay(f, ap);
        va_end(ap);
        exit(EXIT_FAILURE);
}

static bool stopping(void) {
        bool stop;

        pthread_mutex_lock(&sig.lock);
        stop = sig.stop;
        pthread_mutex_unlock(&sig.lock);
        return stop;
}

static void set_target(struct msgq *h) {
        pthread_mutex_lock(&sig.lock);
        sig.target = h;
        pthread_mutex_unlock(&sig.lock);
}

/* Cancel the call in progress again and again: one about to start when the signal came too. */
static void *signal_thread(void *arg) {
        const sigset_t *set = arg;
        int signo;

        while (sigwait(set, &signo) != 0)
                ;
        pthread_mutex_lock(&sig.lock);
        sig.stop = true;
        pthread_cond_broadcast(&sig.woken);
        pthread_mutex_unlock(&sig.lock);
        for (;;) {
                pthread_mutex_lock(&sig.lock);
                if (sig.target)
                        msgq_cancel(sig.target); /* returns once the call has */
                pthread_mutex_unlock(&sig.lock);
                nanosleep(&(struct timespec) { .tv_nsec = RECANCEL_NS }, NULL);
        }
        return NULL;
}

static void catch_signals(void) {
        static sigset_t set;
        pthread_t thread;

        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        /* Blocked before the thread starts: only its sigwait() takes them. */
        if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0 ||
            pthread_create(&thread, NULL, signal_thread, &set) != 0)
                die("cannot catch SIGINT and SIGTERM");
        pthread_detach(thread);
}

/* Sleep ms, or less when a signal comes. */
static void nap(int ms) {
        struct timespec until;

        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long) ms * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_mutex_lock(&sig.lock);
        while (!sig.stop && pthread_cond_clockwait(&sig.woken, &sig.lock, CLOCK_MONOTONIC, &until) == 0)
                ;
        pthread_mutex_unlock(&sig.lock);
}

/* ---- the file ---- */

static void write_record(struct logger *l, const char *text, size_t len) {
        while (len > 0) {
                ssize_t n = write(l->fd, text, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        die("%s: cannot write: %s", l->path, strerror(errno));
                text += n;
                len -= (size_t) n;
        }
}

static void sync_file(struct logger *l) {
        if (fdatasync(l->fd) < 0)
                die("%s: cannot sync: %s", l->path, strerror(errno));
}

/* Its number, and whether the line is a loss told before its change (overflow, away). */
static int parse_record(const char *line, uint64_t *number, bool *before_change) {
        char fields[6][32];
        char *end;
        int n;

        n = sscanf(line, "%31s %31s %31s %31s %31s %31s", fields[0], fields[1], fields[2], fields[3],
                   fields[4], fields[5]);
        if (n < 4 || fields[0][0] < '0' || fields[0][0] > '9')
                return -EINVAL;
        errno = 0;
        *number = strtoull(fields[0], &end, 10);
        if (errno || *end)
                return -EINVAL;
        *before_change = false;
        if (n == 6 && !strcmp(fields[3], "lost")) {
                *before_change = strcmp(fields[5], "history") != 0;
                return 0;
        }
        if ((n == 4 && !strcmp(fields[3], "start")) || n == 5) /* a change, or behind */
                return 0;
        return -EINVAL;
}

static void truncate_to(struct logger *l, off_t size) {
        if (ftruncate(l->fd, size) < 0)
                die("%s: cannot truncate: %s", l->path, strerror(errno));
}

/*
 * The file's last number in l->since; false for an empty file.  A torn
 * last line (no newline: killed while writing it) is cut off, and so is
 * a loss told before its change that came without it; either is said.
 */
static bool resume(struct logger *l) {
        char tail[TAIL_MAX + 1];
        struct stat st;
        off_t start;
        ssize_t n;
        char *end, *line;

        if (fstat(l->fd, &st) < 0)
                die("%s: %s", l->path, strerror(errno));
        if (st.st_size == 0)
                return false;
        start = st.st_size > TAIL_MAX ? st.st_size - TAIL_MAX : 0;
        n = pread(l->fd, tail, (size_t) (st.st_size - start), start);
        if (n != st.st_size - start)
                die("%s: cannot read its end: %s", l->path, n < 0 ? strerror(errno) : "short read");
        tail[n] = '\0';
        for (;;) {
                uint64_t number;
                bool before_change;

                end = memrchr(tail, '\n', (size_t) n);
                if (!end && start == 0 && n == 0)
                        return false;
                if (!end)
                        die("%s: no logger line at its end (not a logger's file?)", l->path);
                if (end + 1 != tail + n) {
                        say("%s: dropped a torn last line (%zd bytes: '%.*s')", l->path,
                            tail + n - end - 1, (int) (tail + n - end - 1), end + 1);
                        n = end + 1 - tail;
                        truncate_to(l, start + n);
                        tail[n] = '\0';
                        continue;
                }
                *end = '\0';
                line = memrchr(tail, '\n', (size_t) (end - tail));
                line = line ? line + 1 : tail;
                if (line == tail && start > 0)
                        die("%s: last line longer than %d bytes (not a logger's file?)", l->path, TAIL_MAX);
                if (parse_record(line, &number, &before_change) < 0)
                        die("%s: last line is not a logger's: '%s'", l->path, line);
                if (!before_change) {
                        l->since = number;
                        return true;
                }
                say("%s: dropped a last line without its change: '%s'", l->path, line);
                n = line - tail;
                truncate_to(l, start + n);
                tail[n] = '\0';
        }
}

/* ---- msgqd ---- */

static void close_msgq(struct logger *l) {
        set_target(NULL);
        msgq_close(l->h);
        l->h = NULL;
}

/* msgqd's lines by index, the names asked for resolved: after each start of msgqd. */
static int load_table(struct logger *l) {
        struct msgq_line_info lines[MSGQ_LINES_MAX];
        int n = msgq_line_list(l->h, lines, MSGQ_LINES_MAX);

        if (n < 0)
                return n;
        memset(l->names, 0, sizeof l->names);
        for (int i = 0; i < n && i < MSGQ_LINES_MAX; i++)
                snprintf(l->names[lines[i].st.line % MSGQ_LINES_MAX], sizeof l->names[0], "%s",
                         lines[i].name);
        l->daemon_pid = msgq_daemon_pid(l->h);
        l->seq_known = 0; /* another msgqd: its table may be another */
        l->learn = true;
        l->wanted = l->nwant ? 0 : ~0ull;
        l->line = MSGQ_LINE_ALL;
        for (int i = 0; i < l->nwant; i++) {
                int r = msgq_line_find(l->h, l->want[i]);

                if (r == -ENOENT || r == -EINVAL)
                        die("%s", msgq_errmsg(l->h));
                if (r < 0)
                        return r;
                l->wanted |= 1ull << r;
                if (l->nwant == 1)
                        l->line = (unsigned) r;
        }
        return 0;
}

/*
 * The named lines' own counts as of the file's last number, where msgqd's
 * table tells them: of a line whose last change is not after that number.
 */
static void learn_seqs(struct logger *l) {
        struct msgq_line_info lines[MSGQ_LINES_MAX];
        int n;

        l->learn = false;
        if (!l->nwant)
                return;
        n = msgq_line_list(l->h, lines, MSGQ_LINES_MAX);
        for (int i = 0; i < n && i < MSGQ_LINES_MAX; i++) {
                unsigned line = lines[i].st.line;

                if (line < MSGQ_LINES_MAX && (l->wanted & (1ull << line)) && !(l->seq_known & (1ull << line)) &&
                    lines[i].st.led.changes <= l->since) {
                        l->seq[line] = lines[i].st.seq;
                        l->seq_known |= 1ull << line;
                }
        }
}

/* msgqd's last change number. */
static int last_change(struct logger *l, uint64_t *last) {
        struct msgq_line_info lines[MSGQ_LINES_MAX];
        int n = msgq_line_list(l->h, lines, MSGQ_LINES_MAX);

        if (n < 0)
                return n;
        *last = 0;
        for (int i = 0; i < n && i < MSGQ_LINES_MAX; i++)
                if (lines[i].st.led.changes > *last)
                        *last = lines[i].st.led.changes;
        return 0;
}

/* Open the queue, waiting for msgqd while it is not there; false when a signal came first. */
static bool connect_msgq(struct logger *l) {
        char err[256];
        int r;

        while (!stopping()) {
                r = msgq_open_config(&l->h, NULL, l->key, err, sizeof err);
                if (r == -ENOENT) {
                        if (!l->waiting_said)
                                say("msgqd is not running; waiting for it");
                        l->waiting_said = true;
                        nap(RECONNECT_MS);
                        continue;
                }
                if (r < 0)
                        die("%s", err[0] ? err : msgq_strerror(r));
                set_target(l->h);
                r = load_table(l);
                if (r == -EIDRM || r == -ECANCELED) {
                        close_msgq(l);
                        continue;
                }
                if (r < 0)
                        die("%s", msgq_errmsg(l->h));
                if (l->waiting_said)
                        say("msgqd is back");
                l->waiting_said = false;
                return true;
        }
        return false;
}

/* ---- records ---- */

static const char *time_text(uint64_t ns, char *buf, size_t size) {
        time_t s = (time_t) (ns / 1000000000u);
        struct tm tm;
        size_t n;

        if (ns == 0 || !gmtime_r(&s, &tm))
                return "-";
        n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, size - n, ".%09" PRIu64 "Z", ns % 1000000000u);
        return buf;
}

static const char *line_name(const struct logger *l, unsigned line, char *buf, size_t size) {
        if (line < MSGQ_LINES_MAX && l->names[line][0])
                return l->names[line];
        snprintf(buf, size, "#%u", line); /* a line msgqd added since */
        return buf;
}

/* One change, with the loss told before it, in one write(). */
static void log_event(struct logger *l, const struct msgq_event *e) {
        static const char *const edges[] = { "output", "rising", "falling", "away" };
        char text[2 * RECORD_MAX], when[48], lname[16], edge[16];
        const char *name = line_name(l, e->ch.st.line, lname, sizeof lname);
        uint64_t number = e->ch.st.led.changes;
        int n = 0;

        time_text(e->ch.time_ns, when, sizeof when);
        if (e->edge < 4)
                snprintf(edge, sizeof edge, "%s", edges[e->edge]);
        else
                snprintf(edge, sizeof edge, "edge%u", e->edge);
        if (e->lost)
                n += snprintf(text + n, sizeof text - (size_t) n,
                              "%" PRIu64 " %s %s lost %" PRIu32 "%s overflow\n", number, when, name, e->lost,
                              e->flags & MSGQ_EVENT_F_LOST_AT_LEAST ? "+" : "");
        if (e->edge == MSGQ_EDGE_AWAY)
                n += snprintf(text + n, sizeof text - (size_t) n, "%" PRIu64 " %s %s lost unknown away\n",
                              number, when, name);
        n += snprintf(text + n, sizeof text - (size_t) n, "%" PRIu64 " %s %s %s %s\n", number, when, name,
                      edge, e->ch.st.led.on ? "on" : "off");
        write_record(l, text, (size_t) n);
}

/*
 * How many of the changes after since up to upto msgqd no longer kept were
 * the named line's, from its own count: before them (seq[line]), and after
 * them, that of its next change less one (in ev, the changes kept after
 * them, or asked for), or its count now when its last change is not after
 * upto (*lines: msgqd's table, asked once); -1 when not known.
 */
static int64_t lost_of_line(struct logger *l, unsigned line, uint64_t upto, const struct msgq_event *ev, int n,
                            struct msgq_line_info *lines, int *nlines) {
        struct msgq_watch_result next = { 0 };
        struct msgq_event e;
        uint32_t seq = l->seq[line];
        int r;

        if (!(l->seq_known & (1ull << line)))
                return -1;
        for (int i = 0; i < n; i++)
                if (ev[i].ch.st.line == line)
                        return ev[i].ch.st.seq > seq ? (int64_t) (ev[i].ch.st.seq - 1 - seq) : -1;
        if (*nlines < 0)
                *nlines = msgq_line_list(l->h, lines, MSGQ_LINES_MAX);
        for (int i = 0; i < *nlines && i < MSGQ_LINES_MAX; i++)
                if (lines[i].st.line == line && lines[i].st.led.changes <= upto)
                        return lines[i].st.seq >= seq ? (int64_t) (lines[i].st.seq - seq) : -1;
        /* It changed after upto: its next change, if msgqd still keeps it. */
        r = msgq_line_events(l->h, line, upto, PEEK_MS, &e, 1, &next);
        if (r == 1 && next.missed == 0 && e.ch.st.seq > seq)
                return (int64_t) (e.ch.st.seq - 1 - seq);
        return -1;
}

/*
 * The changes after since msgqd no longer kept (res->missed, before ev):
 * without names, one line of every line's; with names, a line for each
 * named line that lost some, and the line of every line when a named
 * line's own count is not known.
 */
static void log_history(struct logger *l, const struct msgq_watch_result *res, const struct msgq_event *ev,
                        int n) {
        struct msgq_line_info lines[MSGQ_LINES_MAX];
        char text[(MSGQ_LINES_MAX + 1) * 80], lname[16];
        uint64_t upto = l->since + res->missed;
        bool all = l->nwant == 0;
        int nlines = -1, len = 0;

        for (unsigned i = 0; i < MSGQ_LINES_MAX && l->nwant; i++) {
                int64_t lost;

                if (!(l->wanted & (1ull << i)))
                        continue;
                lost = lost_of_line(l, i, upto, ev, n, lines, &nlines);
                if (lost < 0) {
                        all = true;
                        l->seq_known &= ~(1ull << i); /* known again from its next change */
                        continue;
                }
                l->seq[i] += (uint32_t) lost;
                if (lost > 0)
                        len += snprintf(text + len, sizeof text - (size_t) len,
                                        "%" PRIu64 " - %s lost %" PRId64 " history\n", upto,
                                        line_name(l, i, lname, sizeof lname), lost);
        }
        if (all)
                len += snprintf(text + len, sizeof text - (size_t) len, "%" PRIu64 " - * lost %" PRIu32 " history\n",
                                upto, res->missed);
        write_record(l, text, (size_t) len);
}

static void log_marker(struct logger *l, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void log_marker(struct logger *l, const char *f, ...) {
        char text[RECORD_MAX];
        va_list ap;
        int n;

        va_start(ap, f);
        n = vsnprintf(text, sizeof text, f, ap);
        va_end(ap);
        write_record(l, text, (size_t) n);
        sync_file(l);
}

/* ---- the loop ---- */

/* msgqd refused the number: behind the file's (its state lost), or another mistake. */
static void refused(struct logger *l) {
        uint64_t last;
        int r = last_change(l, &last);

        if (r < 0)
                die("%s", msgq_errmsg(l->h));
        if (last >= l->since)
                die("%s", msgq_errmsg(l->h));
        say("msgqd's number %" PRIu64 " is behind the file's %" PRIu64 " (msgqd lost its state?): "
            "going on from %" PRIu64, last, l->since, last);
        log_marker(l, "%" PRIu64 " - * behind %" PRIu64 "\n", last, l->since);
        l->since = last;
        l->seq_known = 0; /* the lines' counts started again too */
        l->learn = true;
}

static void run(struct logger *l) {
        struct msgq_event ev[MSGQ_LINES_MAX];
        struct msgq_watch_result res;
        int r;

        while (!stopping()) {
                if (!l->h && !connect_msgq(l))
                        break;
                if (l->learn)
                        learn_seqs(l);
                res = (struct msgq_watch_result) { 0 };
                r = msgq_line_events(l->h, l->line, l->since, WAIT_MS, ev, MSGQ_LINES_MAX, &res);
                if (r == -ETIMEDOUT || r == -ECANCELED)
                        continue;
                if (r == -EIDRM) {
                        say("msgqd stopped; waiting for it");
                        l->waiting_said = true;
                        close_msgq(l);
                        continue;
                }
                if (r == -EINVAL && msgq_daemon_pid(l->h) != l->daemon_pid) {
                        load_table(l); /* another msgqd, another table: ask again */
                        continue;      /* (if it went again, the next call says how) */
                }
                if (r == -EINVAL) {
                        refused(l);
                        continue;
                }
                if (r < 0)
                        die("%s", msgq_errmsg(l->h));
                if (msgq_daemon_pid(l->h) != l->daemon_pid) {
                        /* Another msgqd, perhaps another table: its indexes first, then ask again. */
                        load_table(l); /* (if it went again, the next call says how) */
                        continue;
                }
                if (res.missed)
                        log_history(l, &res, ev, r);
                for (int i = 0; i < r; i++) {
                        unsigned line = ev[i].ch.st.line;

                        if (line < MSGQ_LINES_MAX && (l->wanted & (1ull << line))) {
                                log_event(l, &ev[i]);
                                l->seq[line] = ev[i].ch.st.seq;
                                l->seq_known |= 1ull << line;
                        }
                }
                sync_file(l);
                l->since = res.next;
        }
        if (l->h) {
                set_target(NULL);
                msgq_set_timeout(l->h, 1000);
                msgq_led_unwatch(l->h); /* the watch msgqd may still keep for us */
                msgq_close(l->h);
                l->h = NULL;
        }
}

static void usage(FILE *f) {
        fprintf(f, "usage: %s [-k KEY] FILE [NAME...]\n"
                   "Append each change of msgqd's lines NAME (all without one) to FILE, one line\n"
                   "each; started again, go on after FILE's last number.\n"
                   "  -k KEY   msgqd's queue key (default: as msgqctl, MSGQ_KEY or msgq.conf)\n",
                prog);
}

int main(int argc, char **argv) {
        struct logger l = { .fd = -1 };
        unsigned long key;
        char *end;
        int c;

        while ((c = getopt(argc, argv, "hk:")) != -1) {
                switch (c) {
                case 'k':
                        errno = 0;
                        key = strtoul(optarg, &end, 0);
                        if (errno || *end || !optarg[0] || key == 0 || key > 0xffffffffUL)
                                die("invalid key '%s': expected a number such as 0x6d736771", optarg);
                        l.key = (key_t) key;
                        break;
                case 'h':
                        usage(stdout);
                        return EXIT_SUCCESS;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        if (optind >= argc) {
                usage(stderr);
                return 2;
        }
        l.path = argv[optind];
        l.want = argv + optind + 1;
        l.nwant = argc - optind - 1;
        if (l.nwant > MSGQ_LINES_MAX)
                die("%d names: msgqd has %d lines at most", l.nwant, MSGQ_LINES_MAX);
        catch_signals();
        l.fd = open(l.path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (l.fd < 0)
                die("%s: %s", l.path, strerror(errno));
        if (!connect_msgq(&l))
                return EXIT_SUCCESS;
        if (resume(&l)) {
                say("%s: going on after %" PRIu64, l.path, l.since);
        } else {
                int r = last_change(&l, &l.since);

                if (r < 0)
                        die("%s", msgq_errmsg(l.h));
                log_marker(&l, "%" PRIu64 " - * start\n", l.since);
                say("%s: a new file, from msgqd's change %" PRIu64, l.path, l.since);
        }
        run(&l);
        if (close(l.fd) < 0)
                die("%s: %s", l.path, strerror(errno));
        return EXIT_SUCCESS;
}
