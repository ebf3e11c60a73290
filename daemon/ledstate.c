/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ledstate.h"
#include "log.h"
#include "protocol.h"

#define MAGIC "msgqd-led-state"

static uint64_t clock_us(clockid_t id) {
        struct timespec ts;

        clock_gettime(id, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

uint64_t ledstate_now_us(void) {
        return clock_us(CLOCK_BOOTTIME);
}

uint64_t ledstate_boot_us(void) {
        uint64_t boot = clock_us(CLOCK_BOOTTIME), real = clock_us(CLOCK_REALTIME);

        return real > boot ? real - boot : 0;
}

/*
 * path and each missing directory above it, made with exactly mode (not
 * the umask's), as mkdir -p -m would: 0 or -errno (-ENOTDIR: a file in
 * the way).
 */
static int make_dirs(const char *path, mode_t mode) {
        char buf[PATH_MAX];
        size_t n = strlen(path);
        struct stat st;

        if (n == 0 || n >= sizeof buf)
                return -ENAMETOOLONG;
        memcpy(buf, path, n + 1);
        for (size_t i = 1; i <= n; i++) {
                if (buf[i] != '/' && buf[i] != '\0')
                        continue;
                buf[i] = '\0';
                if (stat(buf, &st) == 0) {
                        if (!S_ISDIR(st.st_mode))
                                return -ENOTDIR;
                } else if (errno != ENOENT) {
                        return -errno;
                } else if (mkdir(buf, mode) == 0) {
                        if (chmod(buf, mode) < 0)
                                return -errno;
                } else if (errno != EEXIST) {
                        return -errno;
                }
                buf[i] = path[i];
        }
        return 0;
}

static int copy_dir(char *buf, size_t size, const char *dir, size_t len) {
        int n = snprintf(buf, size, "%.*s", (int) len, dir);

        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

int ledstate_user_dir(char *buf, size_t size) {
        const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
        int n;

        if (xdg && xdg[0] == '/')
                n = snprintf(buf, size, "%s/msgqd", xdg);
        else if (home && home[0] == '/')
                n = snprintf(buf, size, "%s/.local/state/msgqd", home);
        else
                return -ENOENT;
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

/* Whether msgqd may keep its files in dir (made when missing): 0 or -errno. */
static int usable_dir(const char *dir, mode_t mode) {
        int r = make_dirs(dir, mode);

        if (r == 0 && access(dir, W_OK | X_OK) < 0)
                r = -errno;
        return r;
}

int ledstate_dir(char *buf, size_t size, const char *builtin, int *builtin_err) {
        const char *env = getenv("STATE_DIRECTORY");
        char user[PATH_MAX];
        int r;

        *builtin_err = 0;
        if (env && env[0] && env[0] != ':')
                return copy_dir(buf, size, env, strcspn(env, ":")) ?: LEDSTATE_DIR_ENV;
        r = *builtin_err = usable_dir(builtin, 0755);
        /* Out of reach for this user (not a directory that cannot be at all): the user's own. */
        if ((r == -EACCES || r == -EPERM || r == -EROFS) && geteuid() != 0 &&
            ledstate_user_dir(user, sizeof user) == 0 && usable_dir(user, 0700) == 0)
                return copy_dir(buf, size, user, strlen(user)) ?: LEDSTATE_DIR_USER;
        return copy_dir(buf, size, builtin, strlen(builtin)) ?: LEDSTATE_DIR_BUILTIN;
}

int ledstate_path(char *buf, size_t size, const char *dir, key_t key) {
        int n = snprintf(buf, size, "%s/led.0x%08x", dir, (unsigned) key);

        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

int ledstate_format(const struct ledstate *s, char *buf, size_t size) {
        int n;

        n = snprintf(buf, size,
                     MAGIC " %d\non %d\nblinking %d\nperiod_ms %" PRIu32 "\nremaining %" PRIu32
                     "\nchanges %" PRIu64 "\nboot_us %" PRIu64 "\nnext_toggle_us %" PRIu64 "\n",
                     LEDSTATE_VERSION, s->on, s->blinking, s->period_ms, s->remaining, s->changes,
                     s->boot_us, s->next_toggle_us);
        return n < 0 || (size_t) n >= size ? -ENOBUFS : n;
}

/* Decimal digits only, no sign or leading zero (but "0"), at most max. */
static int parse_u64(const char *s, size_t n, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;

        if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                unsigned d = (unsigned) (s[i] - '0');

                if (d > 9 || d > max || v > (max - d) / 10)
                        return -EBADMSG;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

/*
 * The line at *pos must be "name VALUE\n": VALUE (without the newline) in
 * *value and *len, *pos moved past it.
 */
static int take_line(const char *buf, size_t n, size_t *pos, const char *name, const char **value,
                     size_t *len) {
        size_t k = strlen(name);
        const char *nl;

        if (n - *pos < k + 1 || memcmp(buf + *pos, name, k) != 0 || buf[*pos + k] != ' ')
                return -EBADMSG;
        *value = buf + *pos + k + 1;
        nl = memchr(*value, '\n', n - (*pos + k + 1));
        if (!nl)
                return -EBADMSG; /* truncated */
        *len = (size_t) (nl - *value);
        *pos = (size_t) (nl - buf) + 1;
        return 0;
}

static int take_u64(const char *buf, size_t n, size_t *pos, const char *name, uint64_t max,
                    uint64_t *ret) {
        const char *v;
        size_t len;
        int r = take_line(buf, n, pos, name, &v, &len);

        return r < 0 ? r : parse_u64(v, len, max, ret);
}

/* What no line table (lines.c) would have written: a blink's fields without a blink, and so on. */
static int check_state(const struct ledstate *s) {
        if (!s->blinking)
                return s->period_ms || s->remaining || s->next_toggle_us ? -EBADMSG : 0;
        if (s->period_ms < MSGQ_BLINK_PERIOD_MIN_MS || s->period_ms > MSGQ_BLINK_PERIOD_MAX_MS)
                return -EBADMSG;
        /* A counted blink starts on with an odd number of toggles left, and ends off. */
        if (s->remaining > 0 && s->on != (s->remaining % 2 == 1))
                return -EBADMSG;
        return 0;
}

static int parse_version(const char *buf, size_t n, size_t *pos) {
        uint64_t version;
        const char *v;
        size_t len;

        if (take_line(buf, n, pos, MAGIC, &v, &len) < 0 || parse_u64(v, len, UINT32_MAX, &version) < 0)
                return -EBADMSG;
        return version == LEDSTATE_VERSION ? 0 : -EPROTONOSUPPORT;
}

int ledstate_parse(const char *buf, size_t n, struct ledstate *s) {
        struct ledstate t = {};
        uint64_t on, blinking, period, remaining;
        size_t pos = 0;
        int r;

        if (n == 0)
                return -ENODATA;
        if (n > LEDSTATE_SIZE_MAX)
                return -EFBIG;
        if (memchr(buf, '\0', n))
                return -EBADMSG;
        r = parse_version(buf, n, &pos);
        if (r < 0)
                return r;
        if ((r = take_u64(buf, n, &pos, "on", 1, &on)) < 0 ||
            (r = take_u64(buf, n, &pos, "blinking", 1, &blinking)) < 0 ||
            (r = take_u64(buf, n, &pos, "period_ms", UINT32_MAX, &period)) < 0 ||
            (r = take_u64(buf, n, &pos, "remaining", 2ull * MSGQ_BLINK_COUNT_MAX, &remaining)) < 0 ||
            (r = take_u64(buf, n, &pos, "changes", UINT64_MAX, &t.changes)) < 0 ||
            (r = take_u64(buf, n, &pos, "boot_us", UINT64_MAX, &t.boot_us)) < 0 ||
            (r = take_u64(buf, n, &pos, "next_toggle_us", UINT64_MAX, &t.next_toggle_us)) < 0)
                return r;
        if (pos != n)
                return -EBADMSG;
        t.on = on;
        t.blinking = blinking;
        t.period_ms = (uint32_t) period;
        t.remaining = (uint32_t) remaining;
        r = check_state(&t);
        if (r == 0)
                *s = t;
        return r;
}

int ledstate_load(const char *path, struct ledstate *s) {
        char buf[LEDSTATE_SIZE_MAX + 1];
        struct stat st;
        size_t n = 0;
        ssize_t k;
        int fd, r = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                r = -errno;
        else if (!S_ISREG(st.st_mode))
                r = -EBADMSG;
        while (r == 0 && n < sizeof buf) {
                k = read(fd, buf + n, sizeof buf - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        r = -errno;
                else if (k == 0)
                        break;
                else
                        n += (size_t) k;
        }
        close(fd);
        return r < 0 ? r : ledstate_parse(buf, n, s);
}

static int write_all(int fd, const char *buf, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, buf, n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                buf += k;
                n -= (size_t) k;
        }
        return 0;
}

/*
 * The directory of path, opened to be fsync'ed.  Missing (a run by hand,
 * where no systemd made it, or removed since), it is made with its parents.
 */
static int open_dir(const char *path) {
        const char *slash = strrchr(path, '/');
        char dir[PATH_MAX];
        int fd;

        if (!slash)
                snprintf(dir, sizeof dir, ".");
        else
                snprintf(dir, sizeof dir, "%.*s", (int) (slash == path ? 1 : slash - path), path);
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && make_dirs(dir, 0755) == 0)
                fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static int write_tmp(const char *tmp, const char *text, size_t n, bool durable) {
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        int r;

        if (fd < 0)
                return -errno;
        r = write_all(fd, text, n);
        if (r == 0 && durable && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        return r;
}

/*
 * tmp in path's place.  Over a file, an exchange of the two, and the old
 * one removed: a rename over a file makes ext4 (auto_da_alloc) start to
 * write the new one's data out at once, which costs the request that
 * changed the LED ten times the rest of the write (the flush that follows
 * writes it out anyway).  With nothing there yet, or on a filesystem that
 * cannot exchange: a rename.
 */
static int replace(const char *tmp, const char *path) {
        struct stat st;

        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
            renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
                (void) unlink(tmp); /* the earlier state */
                return 0;
        }
        return rename(tmp, path) < 0 ? -errno : 0;
}

/* The new file in place of the old one; with durable, each flushed to the disk. */
static int write_state(const char *path, const struct ledstate *s, bool durable) {
        char text[LEDSTATE_SIZE_MAX], tmp[PATH_MAX];
        int n, dfd, r;

        n = ledstate_format(s, text, sizeof text);
        if (n < 0)
                return n;
        if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int) sizeof tmp)
                return -ENAMETOOLONG;
        dfd = open_dir(path);
        if (dfd < 0)
                return dfd;
        r = write_tmp(tmp, text, (size_t) n, durable);
        if (r == 0)
                r = replace(tmp, path);
        if (r < 0)
                (void) unlink(tmp);
        else if (durable && fsync(dfd) < 0)
                r = -errno;
        close(dfd);
        return r;
}

int ledstate_save(const char *path, const struct ledstate *s) {
        return write_state(path, s, true);
}

int ledstate_write(const char *path, const struct ledstate *s) {
        return write_state(path, s, false);
}

int ledstate_flush(const char *path) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK), dfd, r = 0;

        if (fd < 0)
                return -errno;
        if (fsync(fd) < 0)
                r = -errno;
        close(fd);
        dfd = open_dir(path);
        if (dfd < 0)
                return r < 0 ? r : dfd;
        if (fsync(dfd) < 0 && r == 0)
                r = -errno;
        close(dfd);
        return r;
}

/* Emptied, when the directory forbids its removal but the file may be written. */
static int empty_file(const char *path) {
        int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK), r = 0;

        if (fd < 0)
                return -errno;
        if (ftruncate(fd, 0) < 0)
                r = -errno;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        close(fd);
        return r;
}

int ledstate_forget(const char *path, uint64_t changes) {
        struct ledstate s;
        int dfd, r;

        if (ledstate_load(path, &s) == 0 && s.changes == changes)
                return 1;
        if (unlink(path) < 0 && errno != ENOENT) {
                r = -errno;
                return empty_file(path) == 0 ? 0 : r;
        }
        /* The removal too outlives a power cut, when the disk still takes a flush. */
        dfd = open_dir(path);
        if (dfd >= 0) {
                (void) fsync(dfd);
                close(dfd);
        }
        return 0;
}

const char *ledstate_strerror(int r) {
        switch (r) {
        case -ENODATA:
                return "the file is empty";
        case -EFBIG:
                return "the file is too large to be msgqd's";
        case -EPROTONOSUPPORT:
                return "the file is of a format version this msgqd does not know";
        case -EBADMSG:
                return "the file is corrupt (truncated, or not msgqd's)";
        default:
                return strerror(-r);
        }
}

static bool same_boot(uint64_t a, uint64_t b) {
        return (a > b ? a - b : b - a) <= LEDSTATE_SAME_BOOT_US;
}

void ledstate_advance(struct ledstate *s, uint64_t boot_us, uint64_t now_us) {
        uint64_t half, k;

        if (!s->blinking)
                return;
        half = (uint64_t) s->period_ms * 500u;
        if (!same_boot(s->boot_us, boot_us) || s->next_toggle_us > now_us + half) {
                s->boot_us = boot_us;
                s->next_toggle_us = now_us + half;
                return;
        }
        if (s->next_toggle_us > now_us)
                return;
        k = (now_us - s->next_toggle_us) / half + 1; /* the toggles due */
        if (s->remaining > 0 && k >= s->remaining) {
                *s = (struct ledstate) { .changes = s->changes + 1, .boot_us = boot_us }; /* ended, off */
                return;
        }
        s->on ^= k % 2;
        if (s->remaining > 0)
                s->remaining -= (uint32_t) k;
        s->next_toggle_us += k * half;
}

const char *ledstate_describe(const struct ledstate *s, char *buf, size_t size) {
        if (!s->blinking)
                snprintf(buf, size, "%s", s->on ? "on" : "off");
        else if (s->remaining == 0)
                snprintf(buf, size, "blinking, period %" PRIu32 " ms, until cancelled", s->period_ms);
        else
                snprintf(buf, size, "blinking, period %" PRIu32 " ms, %" PRIu32 " blink%s left",
                         s->period_ms, (s->remaining + 1) / 2, s->remaining > 2 ? "s" : "");
        return buf;
}

/* The file's state, or off (change 0) when there is none to use. */
static int load_or_off(struct ledstate *s, const char *path, uint64_t boot_us) {
        int r = path ? ledstate_load(path, s) : -ENOENT;

        if (r == 0) {
                ledstate_advance(s, boot_us, ledstate_now_us());
                return 1;
        }
        /* Missing is no news: the first start ("LED at start: off" follows). */
        if (path && r != -ENOENT)
                log_warning("cannot restore the LED from %s: %s; the LED starts off", path,
                            ledstate_strerror(r));
        *s = (struct ledstate) { .boot_us = boot_us };
        return 0;
}

int ledstate_start(struct ledstate *s, enum msgq_led_start policy, const char *path) {
        uint64_t boot_us = ledstate_boot_us();
        bool on;
        int restored;

        restored = load_or_off(s, path, boot_us);
        if (policy == MSGQ_LED_START_RESTORE)
                return restored;
        on = policy == MSGQ_LED_START_ON;
        if (s->on != on || s->blinking)
                *s = (struct ledstate) { .on = on, .changes = s->changes + 1, .boot_us = boot_us };
        return 0;
}
