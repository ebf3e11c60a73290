/* SPDX-License-Identifier: MIT */
/*
 * state-write: what the state file costs each change, apart from the rest
 * of msgqd (README, "Benchmarks"; the "led toggle" column of msgq-bench's
 * (f)).  In one process, in rounds in turn, each a write of one table's
 * state (the LED's line, as msgqd --sim has it) in DIR:
 *
 *   new          ledstate_file_write() as a new file: what a change did
 *                before its reply up to format version 2, and what the
 *                first write after a start does (a new file, exchanged
 *                with the old one, which is removed)
 *   new+flush    the same, then ledstate_flush() of the file and its
 *                directory: the change and the flush after it (the flush
 *                thread's), one after the other
 *   slot         ledstate_file_write() over a slot of the file it made
 *                (format version 3): what a change does before its reply
 *   slot+flush   the same, then ledstate_flush() of the file alone (a
 *                write over a slot changes no directory)
 *   pwrite       the same text written over a fixed place of a file that
 *                is there already (one pwrite(), every other change at the
 *                other half of it), without the formatting, checksum and
 *                checks of "slot": the floor under it
 *
 *   state-write [-n ROUNDS] [-b BATCH] [-k KINDS] DIR
 *
 * KINDS: the letters of those to run (w, f, s, d, p, in the order above;
 * default all): "wsp" leaves out the flushes, and with them the disk's
 * work that a write after one may wait for.
 *
 * Prints p50, p90, p99 in µs, and the medians of each round.  Its files
 * are removed at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "ledstate.h"

enum { WRITE, WRITE_FLUSH, SLOT, SLOT_FLUSH, PWRITE, NKINDS };

static const char *const kind_names[NKINDS] = { "new", "new+flush", "slot", "slot+flush", "pwrite" };
static const char kind_letters[NKINDS + 1] = "wfsdp";

struct run {
        char path[512], place_path[512], raw_path[512];
        struct ledstate_file f;
        struct ledstate_writer w;
        int raw_fd;
        struct samples s[NKINDS];
        double round_p50[NKINDS][2];
};

/* One change of the LED's line into r->f (as a toggle makes it). */
static void change(struct run *r) {
        r->f.changes++;
        r->f.line[0].seq++;
        r->f.line[0].on = !r->f.line[0].on;
}

static int pwrite_raw(struct run *r) {
        char text[LEDSTATE_SLOT_MAX];
        int n = ledstate_body_format(&r->f, text, sizeof text);

        if (n < 0)
                return n;
        if (pwrite(r->raw_fd, text, (size_t) n, (off_t) (r->f.changes % 2) * LEDSTATE_SLOT_MAX) != n)
                return -errno ?: -EIO;
        return 0;
}

static int one(struct run *r, int kind) {
        int e;

        change(r);
        switch (kind) {
        case WRITE:
                return ledstate_file_write(r->path, NULL, &r->f);
        case WRITE_FLUSH:
                e = ledstate_file_write(r->path, NULL, &r->f);
                return e < 0 ? e : ledstate_flush(r->path, true);
        case SLOT:
                return ledstate_file_write(r->place_path, &r->w, &r->f);
        case SLOT_FLUSH:
                e = ledstate_file_write(r->place_path, &r->w, &r->f);
                return e < 0 ? e : ledstate_flush(r->place_path, false);
        default:
                return pwrite_raw(r);
        }
}

static int round_of(struct run *r, int kind, size_t batch) {
        size_t from = r->s[kind].n;
        double *v = malloc(batch * sizeof *v), m;

        if (!v)
                return -ENOMEM;

        for (size_t i = 0; i < batch; i++) {
                uint64_t t0 = now_ns();
                int e = one(r, kind);

                if (e < 0) {
                        free(v);
                        return e;
                }
                samples_add(&r->s[kind], now_ns() - t0);
                v[i] = (double) r->s[kind].ns[from + i] / 1000.0;
        }
        m = median(v, batch);
        free(v);
        r->round_p50[kind][0] = m < r->round_p50[kind][0] ? m : r->round_p50[kind][0];
        r->round_p50[kind][1] = m > r->round_p50[kind][1] ? m : r->round_p50[kind][1];
        return 0;
}

static int setup(struct run *r, const char *dir, size_t cap) {
        static const char zero[LEDSTATE_SIZE_MAX];
        int e;

        if (snprintf(r->path, sizeof r->path, "%s/led.state-write", dir) >= (int) sizeof r->path ||
            snprintf(r->place_path, sizeof r->place_path, "%s/led.state-write.slot", dir) >=
                    (int) sizeof r->place_path ||
            snprintf(r->raw_path, sizeof r->raw_path, "%s/led.state-write.raw", dir) >= (int) sizeof r->raw_path)
                return -ENAMETOOLONG;
        r->f = (struct ledstate_file) { .version = LEDSTATE_FILE_VERSION, .n = 1,
                                        .boot_us = ledstate_boot_us() };
        snprintf(r->f.line[0].name, sizeof r->f.line[0].name, "led");
        snprintf(r->f.line[0].gpio, sizeof r->f.line[0].gpio, "GPIO17");
        r->raw_fd = open(r->raw_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (r->raw_fd < 0)
                return -errno;
        if (write(r->raw_fd, zero, sizeof zero) != (ssize_t) sizeof zero || fsync(r->raw_fd) < 0)
                return -errno ?: -EIO;
        for (int k = 0; k < NKINDS; k++) {
                e = samples_init(&r->s[k], cap);
                if (e < 0)
                        return e;
                r->round_p50[k][0] = 1e9;
        }
        e = ledstate_file_save(r->path, NULL, &r->f);
        return e < 0 ? e : ledstate_file_save(r->place_path, &r->w, &r->f); /* as msgqd's start does */
}

static void report(struct run *r, size_t rounds, size_t batch) {
        static const double pcts[3] = { 50.0, 90.0, 99.0 };

        printf("state-write: one change's write of the state file, µs\n");
        printf("    %-20s", "");
        for (int k = 0; k < NKINDS; k++)
                printf(" %12s", kind_names[k]);
        printf("\n");
        for (int p = 0; p < 3; p++) {
                printf("    p%-19.0f", pcts[p]);
                for (int k = 0; k < NKINDS; k++)
                        if (r->s[k].n)
                                printf(" %12.2f", samples_pct_us(&r->s[k], pcts[p]));
                        else
                                printf(" %12s", "-");
                printf("\n");
        }
        printf("    %-20s", "p50 of each round");
        for (int k = 0; k < NKINDS; k++)
                if (r->s[k].n)
                        printf("  %5.1f-%-5.1f", r->round_p50[k][0], r->round_p50[k][1]);
                else
                        printf(" %12s", "-");
        printf("\n    (%zu rounds of %zu writes of each, in turn)\n", rounds, batch);
}

static void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die_usage(const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        fprintf(stderr, "state-write: ");
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nusage: state-write [-n ROUNDS] [-b BATCH] [-k KINDS] DIR\n");
        exit(2);
}

static size_t arg(const char *s) {
        char *end;
        unsigned long v = strtoul(s, &end, 10);

        if (*s == '\0' || *end || v == 0 || v > 100000)
                die_usage("'%s' is not a count from 1 to 100000", s);
        return (size_t) v;
}

int main(int argc, char **argv) {
        size_t rounds = 20, batch = 200;
        struct run r = { .raw_fd = -1 };
        const char *kinds = kind_letters;
        int c, e = 0;

        while ((c = getopt(argc, argv, "n:b:k:")) != -1) {
                if (c == 'n')
                        rounds = arg(optarg);
                else if (c == 'b')
                        batch = arg(optarg);
                else if (c == 'k' && optarg[strspn(optarg, kind_letters)] == '\0')
                        kinds = optarg;
                else if (c == 'k')
                        die_usage("KINDS '%s' is not letters of wfsdp", optarg);
                else
                        die_usage("unknown option");
        }
        if (optind + 1 != argc)
                die_usage(optind == argc ? "name the directory to write in" : "unexpected argument");
        e = setup(&r, argv[optind], rounds * batch);
        for (size_t i = 0; i < rounds && e == 0; i++)
                for (int j = 0; j < NKINDS && e == 0; j++) {
                        int k = (int) ((i + (size_t) j) % NKINDS); /* rotate who goes first */

                        if (strchr(kinds, kind_letters[k]))
                                e = round_of(&r, k, batch);
                }
        if (e == 0)
                report(&r, rounds, batch);
        else
                fprintf(stderr, "state-write: %s: %s\n", argv[optind], strerror(-e));
        if (r.raw_fd >= 0)
                close(r.raw_fd);
        ledstate_writer_close(&r.w);
        (void) unlink(r.raw_path);
        (void) unlink(r.place_path);
        (void) unlink(r.path);
        return e == 0 ? 0 : 1;
}
