/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resume.h"
#include "statedir.h"

int resume_file_open(struct resume_file *f, const char *builtin, const char *node_id) {
        size_t len;
        const char *env = msgq_state_directory(&len);
        char dir[PATH_MAX];
        int n;

        f->fd = -1;
        if (env)
                n = snprintf(dir, sizeof dir, "%.*s", (int) len, env);
        else
                n = snprintf(dir, sizeof dir, "%s", builtin);
        if (n < 0 || (size_t) n >= sizeof dir ||
            snprintf(f->path, sizeof f->path, "%s/changes.%s", dir, node_id) >= (int) sizeof f->path) {
                snprintf(f->path, sizeof f->path, "%s", dir);
                return -ENAMETOOLONG;
        }
        if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
                int r = -errno;

                snprintf(f->path, sizeof f->path, "%s", dir);
                return r;
        }
        f->fd = open(f->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        return f->fd < 0 ? -errno : 0;
}

int resume_file_read(const struct resume_file *f, uint64_t *number) {
        char buf[RESUME_FILE_LEN + 1];
        ssize_t n = pread(f->fd, buf, sizeof buf, 0);

        if (n < 0)
                return -errno;
        if (n == 0)
                return -ENOENT;
        if ((size_t) n != RESUME_FILE_LEN || buf[RESUME_FILE_LEN - 1] != '\n' ||
            strspn(buf, "0123456789") != RESUME_FILE_LEN - 1)
                return -EBADMSG;
        buf[RESUME_FILE_LEN - 1] = '\0';
        errno = 0;
        *number = strtoull(buf, NULL, 10);
        return errno ? -EBADMSG : 0;
}

int resume_file_clear(const struct resume_file *f) {
        return ftruncate(f->fd, 0) < 0 ? -errno : 0;
}

int resume_file_write(const struct resume_file *f, uint64_t number) {
        char buf[RESUME_FILE_LEN + 1];

        if (f->fd < 0)
                return -EBADF;
        snprintf(buf, sizeof buf, "%020" PRIu64 "\n", number);
        errno = 0;
        if (pwrite(f->fd, buf, RESUME_FILE_LEN, 0) != (ssize_t) RESUME_FILE_LEN)
                return errno ? -errno : -EIO;
        return 0;
}

void resume_file_close(struct resume_file *f) {
        if (f->fd >= 0)
                close(f->fd);
        f->fd = -1;
}
