/* SPDX-License-Identifier: MIT */
/*
 * slow-flush: a disk whose flush the test holds, for msgqd (LD_PRELOAD).
 * With MSGQ_TEST_FLUSH_DIR=DIR in msgqd's environment, each fdatasync()
 * (msgqd's flush of its state file, ledstate_flush(); nothing else of
 * msgqd's calls it) appends "enter" to DIR/flushes, waits while DIR/hold
 * exists (60 s at most: nothing hangs forever), fails with EIO while
 * DIR/fail exists and else is the real one, then appends "leave"; each
 * fsync() (a directory's, or a new file's at a durable write) appends
 * "fsync".  Without MSGQ_TEST_FLUSH_DIR they are the real ones.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int fdatasync(int fd);
int fsync(int fd);

static void note(const char *dir, const char *what) {
        char path[PATH_MAX];
        int fd;

        snprintf(path, sizeof path, "%s/flushes", dir);
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
                return;
        (void) write(fd, what, strlen(what));
        close(fd);
}

static int exists(const char *dir, const char *name) {
        char path[PATH_MAX];

        snprintf(path, sizeof path, "%s/%s", dir, name);
        return access(path, F_OK) == 0;
}

int fdatasync(int fd) {
        int (*real)(int) = (int (*)(int)) dlsym(RTLD_NEXT, "fdatasync");
        const char *dir = getenv("MSGQ_TEST_FLUSH_DIR");
        struct timespec ms = { .tv_nsec = 1000000 };
        int r, err;

        if (!real) {
                errno = ENOSYS;
                return -1;
        }
        if (!dir || !*dir)
                return real(fd);
        note(dir, "enter\n");
        for (int i = 0; i < 60000 && exists(dir, "hold"); i++)
                nanosleep(&ms, NULL);
        if (exists(dir, "fail")) {
                r = -1;
                err = EIO;
        } else {
                r = real(fd);
                err = errno;
        }
        note(dir, "leave\n");
        errno = err;
        return r;
}

int fsync(int fd) {
        int (*real)(int) = (int (*)(int)) dlsym(RTLD_NEXT, "fsync");
        const char *dir = getenv("MSGQ_TEST_FLUSH_DIR");

        if (!real) {
                errno = ENOSYS;
                return -1;
        }
        if (dir && *dir)
                note(dir, "fsync\n");
        return real(fd);
}
