/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "log.h"

static const char *log_ident = "msgq";
static int log_max = LOG_INFO;
static bool log_journal;

/* stderr goes to the journal when JOURNAL_STREAM names its device:inode. */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return st.st_dev == dev && st.st_ino == ino;
}

void msgq_log_open(const char *ident, int max_level) {
        log_ident = ident;
        log_max = max_level;
        log_journal = stderr_is_journal();
}

void msgq_log_set_level(int max_level) {
        log_max = max_level;
}

int msgq_log_level(void) {
        return log_max;
}

/* pid 0: not about a request; line NULL: about no line. */
static void log_write(int level, uint32_t pid, long prio, const char *line, const char *fmt, va_list ap)
        __attribute__((format(printf, 5, 0)));
static void log_write(int level, uint32_t pid, long prio, const char *line, const char *fmt, va_list ap) {
        int saved = errno;

        if (level > log_max)
                return;
        if (log_journal) {
                char buf[1024];
                vsnprintf(buf, sizeof buf, fmt, ap);
                if (line)
                        sd_journal_send("MESSAGE=%s", buf, "PRIORITY=%i", level,
                                        "SYSLOG_IDENTIFIER=%s", log_ident, "MSGQ_LINE=%s", line,
                                        "MSGQ_CLIENT_PID=%u", pid, "MSGQ_PRIORITY=%ld", prio, NULL);
                else if (pid)
                        sd_journal_send("MESSAGE=%s", buf, "PRIORITY=%i", level,
                                        "SYSLOG_IDENTIFIER=%s", log_ident,
                                        "MSGQ_CLIENT_PID=%u", pid, "MSGQ_PRIORITY=%ld", prio, NULL);
                else
                        sd_journal_send("MESSAGE=%s", buf, "PRIORITY=%i", level,
                                        "SYSLOG_IDENTIFIER=%s", log_ident, NULL);
        } else {
                flockfile(stderr);
                fprintf(stderr, "%s: ", log_ident);
                vfprintf(stderr, fmt, ap);
                fputc('\n', stderr);
                funlockfile(stderr);
        }
        errno = saved;
}

void msgq_logv(int level, const char *fmt, va_list ap) {
        log_write(level, 0, 0, NULL, fmt, ap);
}

void msgq_log_request(int level, uint32_t pid, long prio, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        log_write(level, pid, prio, NULL, fmt, ap);
        va_end(ap);
}

void msgq_log_line(int level, uint32_t pid, long prio, const char *line, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        log_write(level, pid, prio, line, fmt, ap);
        va_end(ap);
}

void msgq_log(int level, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        msgq_logv(level, fmt, ap);
        va_end(ap);
}

int msgq_stdout_close(int status) {
        errno = 0;
        if (fflush(stdout) == 0 && !ferror(stdout))
                return status;
        fprintf(stderr, "%s: cannot write the output: %s\n", log_ident,
                strerror(errno ? errno : EIO));
        return EXIT_FAILURE;
}
