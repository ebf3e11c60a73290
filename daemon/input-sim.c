/* SPDX-License-Identifier: MIT */
/*
 * The simulated input, for machines without GPIO and for the tests: a pipe
 * (or, with MSGQD_SIM_INPUTS=DIR, the FIFO DIR/NAME) takes the line's
 * level, byte by byte: '1' high, '0' low, 'o' the kernel drops the next
 * edge, 'u' the edges from then on come unnumbered, as libgpiod 1.6 gives
 * them (msgqd then tells a dropped edge only by two alike in a row, and
 * how many only as a lower bound).  It behaves as the kernel does: an edge
 * only when the level changes, only the edges asked for, numbered per line
 * from 1 (a dropped edge takes its number), active-low applied, no
 * debounce (msgqd's own does it).  DIR/NAME.level keeps the level between
 * two msgqd.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "input-private.h"

struct sim {
        int wfd;                        /* the write end (the FIFO itself: rfd) */
        bool high;                      /* the line's physical level */
        bool drop_next;                 /* 'o' seen: the next edge is lost */
        bool unnumbered;                /* 'u' seen: no kernel numbers (libgpiod 1.6) */
        uint32_t seqno;                 /* the last edge's number */
        int level_fd;                   /* DIR/NAME.level; -1 without MSGQD_SIM_INPUTS */
};

/* In place, one byte: no new file and no truncation, which on ext4 waited for its journal each edge. */
static void save_level(struct sim *s) {
        if (s->level_fd >= 0)
                (void) !pwrite(s->level_fd, s->high ? "1" : "0", 1, 0);
}

/* One byte: 1 and *raw when it makes an edge the kernel reports. */
static int sim_byte(struct input *in, struct sim *s, char c, struct input_raw *raw) {
        bool high, rising;

        if (c == 'o') {
                s->drop_next = true;
                return 0;
        }
        if (c == 'u') {
                s->unnumbered = true;
                return 0;
        }
        if (c != '0' && c != '1')
                return 0;               /* newlines and the like */
        high = c == '1';
        if (high == s->high)
                return 0;
        s->high = high;
        save_level(s);
        rising = high != in->settings.active_low;
        if (!(in->kernel_edges & (rising ? INPUT_EDGE_RISING : INPUT_EDGE_FALLING)))
                return 0;
        s->seqno++;
        if (s->drop_next) {
                s->drop_next = false;
                return 0;
        }
        *raw = (struct input_raw) { .rising = rising, .ts_ns = msgq_now_ns(),
                                    .seqno = s->unnumbered ? 0 : s->seqno };
        return 1;
}

static int sim_read(struct input *in, struct input_raw *raw, size_t max) {
        struct sim *s = in->priv;
        size_t n = 0;
        char c;

        /* A byte at a time, so that what is left stays for the next read. */
        while (n < max) {
                ssize_t k = read(in->fd, &c, 1);

                if (k < 0)
                        return n > 0 ? (int) n : (errno == EAGAIN ? 0 : -errno);
                if (k == 0)
                        break;
                n += (size_t) sim_byte(in, s, c, &raw[n]);
        }
        return (int) n;
}

static int sim_get(struct input *in, bool *level) {
        struct sim *s = in->priv;

        *level = s->high != in->settings.active_low;
        return 0;
}

static void sim_close(struct input *in) {
        struct sim *s = in->priv;

        if (s->wfd >= 0 && s->wfd != in->fd)
                close(s->wfd);
        if (s->level_fd >= 0)
                close(s->level_fd);
        if (in->fd >= 0)
                close(in->fd);
        free(s);
        in->priv = NULL;
}

static const struct input_ops sim_ops = {
        .read = sim_read,
        .get = sim_get,
        .kernel_debounce = false,
        .close = sim_close,
};

/* The FIFO DIR/NAME, made if absent, and the level DIR/NAME.level. */
static int open_fifo(struct input *in, struct sim *s, const char *dir, const char *name) {
        char path[PATH_MAX], level_path[PATH_MAX];
        struct stat st;
        int k;

        k = snprintf(path, sizeof path, "%s/%s", dir, name);
        if (k < 0 || (size_t) k >= sizeof path ||
            snprintf(level_path, sizeof level_path, "%s.level", path) >= (int) sizeof level_path)
                return -ENAMETOOLONG;
        if (mkfifo(path, 0600) < 0 && errno != EEXIST)
                return -errno;
        if (lstat(path, &st) < 0)
                return -errno;
        if (!S_ISFIFO(st.st_mode))
                return -EEXIST;         /* something else has the name */
        /* Read-write: the FIFO never reads as closed when a writer goes. */
        in->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (in->fd < 0)
                return -errno;
        s->wfd = in->fd;
        s->level_fd = open(level_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        return s->level_fd < 0 ? -errno : 0;
}

static void load_level(struct input *in, struct sim *s) {
        char c = 0;

        if (s->level_fd < 0 || pread(s->level_fd, &c, 1, 0) != 1)
                c = 0;
        if (c == '0' || c == '1')
                s->high = c == '1';
        else
                s->high = in->settings.bias == INPUT_BIAS_PULL_UP;
}

static int open_pipe(struct input *in, struct sim *s) {
        int p[2];

        if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
                return -errno;
        in->fd = p[0];
        s->wfd = p[1];
        return 0;
}

int input_sim_request(struct input *in, const char *name) {
        const char *dir = getenv("MSGQD_SIM_INPUTS");
        struct sim *s = calloc(1, sizeof *s);
        int r;

        if (!s)
                return -ENOMEM;
        s->wfd = s->level_fd = -1;
        in->priv = s;
        in->ops = &sim_ops;
        in->kernel_edges = input_kernel_edges(&in->settings, false);
        r = dir && *dir ? open_fifo(in, s, dir, name) : open_pipe(in, s);
        load_level(in, s);
        snprintf(in->desc, sizeof in->desc, "simulated input %s%s", name,
                 in->settings.active_low ? ", active-low" : "");
        return r;
}

int input_sim_write(struct input *in, const char *bytes) {
        struct sim *s;
        size_t n;

        if (!in || !bytes || in->ops != &sim_ops)
                return -EINVAL;
        s = in->priv;
        n = strlen(bytes);
        if (write(s->wfd, bytes, n) != (ssize_t) n)
                return -EIO;
        return 0;
}
