/* SPDX-License-Identifier: MIT */
/*
 * The state file on the disk (ledstate.h): where it is, read, written over
 * a slot or as a new one in place of the old one, flushed, and forgotten
 * after a failed write.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledstate.h"
#include "statedir.h"

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
        size_t len;
        const char *env = msgq_state_directory(&len);
        char user[PATH_MAX];
        int r;

        *builtin_err = 0;
        if (env)
                return copy_dir(buf, size, env, len) ?: LEDSTATE_DIR_ENV;
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

/* Up to size bytes of the regular file at path into buf: its length, or -errno (-EBADMSG: not a regular file). */
static ssize_t read_file(const char *path, char *buf, size_t size) {
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
        while (r == 0 && n < size) {
                k = read(fd, buf + n, size - n);
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
        return r < 0 ? r : (ssize_t) n;
}

int ledstate_file_load(const char *path, struct ledstate_file *f) {
        char buf[LEDSTATE_SIZE_MAX + 1];
        ssize_t n = read_file(path, buf, sizeof buf);

        return n < 0 ? (int) n : ledstate_file_parse(buf, (size_t) n, f);
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

/* The new file (text, n bytes) in place of the old one; with durable, each flushed to the disk. */
static int write_text(const char *path, const char *text, size_t n, bool durable) {
        char tmp[PATH_MAX];
        int dfd, r;

        if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int) sizeof tmp)
                return -ENAMETOOLONG;
        dfd = open_dir(path);
        if (dfd < 0)
                return dfd;
        r = write_tmp(tmp, text, n, durable);
        if (r == 0)
                r = replace(tmp, path);
        if (r < 0)
                (void) unlink(tmp);
        else if (durable && fsync(dfd) < 0)
                r = -errno;
        close(dfd);
        return r;
}

void ledstate_writer_close(struct ledstate_writer *w) {
        if (w->slot_size > 0)
                close(w->fd);
        *w = (struct ledstate_writer) {};
}

/*
 * A new file for f in path's place; w set for writes over its slots
 * (opened once it is in place), and made when its directory is still to
 * be flushed (not durable; or an earlier new file's, when this one failed).
 */
static int write_file(const char *path, struct ledstate_writer *w, const struct ledstate_file *f, bool durable) {
        char text[LEDSTATE_SIZE_MAX];
        int n = ledstate_file_format(f, text, sizeof text), r, fd;
        bool made = w && w->made;

        if (w)
                ledstate_writer_close(w);
        r = n < 0 ? n : write_text(path, text, (size_t) n, durable);
        if (r == 0 && w && (fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) >= 0)
                *w = (struct ledstate_writer) { .slot_size = (size_t) n / 2, .next = 1, .fd = fd };
        if (w)
                w->made = r == 0 ? !durable : made;
        return r;
}

static int pwrite_all(int fd, const char *buf, size_t n, off_t at) {
        while (n > 0) {
                ssize_t k = pwrite(fd, buf, n, at);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        return -EIO;
                buf += k;
                n -= (size_t) k;
                at += k;
        }
        return 0;
}

/*
 * f over w's next slot of w's file: 0, 1 when it cannot be written there
 * (the file removed or replaced since, of another size, f does not fit its
 * slot: a new one is due), or -errno from the write.
 */
static int write_slot(const struct ledstate_writer *w, const struct ledstate_file *f) {
        char text[LEDSTATE_SLOT_MAX];
        struct stat st;

        if (ledstate_slot_format(f, w->slot_size, text) < 0)
                return 1;
        if (fstat(w->fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink == 0 ||
            (uint64_t) st.st_size != 2 * (uint64_t) w->slot_size)
                return 1;
        return pwrite_all(w->fd, text, w->slot_size, (off_t) (w->next * w->slot_size));
}

int ledstate_file_save(const char *path, struct ledstate_writer *w, const struct ledstate_file *f) {
        return write_file(path, w, f, true);
}

int ledstate_file_write(const char *path, struct ledstate_writer *w, const struct ledstate_file *f) {
        bool made;
        int r;

        if (!w || w->slot_size == 0)
                return write_file(path, w, f, false);
        r = write_slot(w, f);
        if (r > 0)
                return write_file(path, w, f, false);
        if (r < 0) {
                made = w->made; /* an earlier new file's directory is still to be flushed */
                ledstate_writer_close(w);
                w->made = made;
        } else {
                w->next ^= 1;
        }
        return r;
}

int ledstate_flush(const char *path, bool dir) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK), dfd, r = 0;

        if (fd < 0)
                return -errno;
        if (fdatasync(fd) < 0)
                r = -errno;
        close(fd);
        if (!dir)
                return r;
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
        struct ledstate_file f;
        int dfd, r;

        if (ledstate_file_load(path, &f) == 0 && f.changes == changes)
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

