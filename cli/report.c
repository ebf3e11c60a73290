/* SPDX-License-Identifier: MIT */
/*
 * The one way msgqctl reports a failure: one line on stderr prefixed
 * "msgqctl: " (and a hint to --help for usage errors), and the output's
 * error(), which with --json puts {"error": MESSAGE, "exit_code": N} on
 * stdout, so that a script reading stdout always gets its JSON document.
 * Everything leaves through output_finish(), which also turns output that
 * could not be written into an error, as ipcs does.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgqctl.h"
#include "output.h"

const char *user_name(uid_t uid) {
        const struct passwd *pw = getpwuid(uid);

        return pw ? pw->pw_name : NULL;
}

const char *group_name(gid_t gid) {
        const struct group *gr = getgrgid(gid);

        return gr ? gr->gr_name : NULL;
}

/* usage: a hint to the --help of cmd (NULL: the program's) follows the message. */
static __attribute__((format(printf, 5, 0))) int
report_v(int code, bool usage, const struct command *cmd, const struct msgq_reply *rep,
         const char *fmt, va_list ap) {
        char message[1024];

        vsnprintf(message, sizeof message, fmt, ap);
        fflush(stdout);
        fprintf(stderr, "%s: %s\n", PROGRAM_NAME, message);
        if (usage)
                fprintf(stderr, "Try '%s%s%s --help'.\n", PROGRAM_NAME, cmd ? " " : "",
                        cmd ? cmd->name : "");
        if (!ferror(stdout))
                output->error(message, code, rep);
        return code;
}

int report(int code, const struct msgq_reply *rep, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        code = report_v(code, false, NULL, rep, fmt, ap);
        va_end(ap);
        return code;
}

int output_flush(void) {
        static int write_errno;

        output->end();
        errno = 0;
        if (fflush(stdout) == 0 && !ferror(stdout))
                return 0;
        if (!write_errno) {
                write_errno = errno ? errno : EIO;
                fprintf(stderr, "%s: cannot write the output: %s\n", PROGRAM_NAME,
                        strerror(write_errno));
        }
        return -write_errno;
}

int output_finish(int code) {
        if (output_flush() < 0 && code == EXIT_OK)
                return EXIT_OUTPUT;
        return code;
}

void die(int code, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        report_v(code, false, NULL, NULL, fmt, ap);
        va_end(ap);
        exit(output_finish(code));
}

void die_usage(const struct command *cmd, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        report_v(EXIT_USAGE, true, cmd, NULL, fmt, ap);
        va_end(ap);
        exit(output_finish(EXIT_USAGE));
}

const char *reply_error(const struct msgq_reply *rep, char *buf, size_t size) {
        const char *status = msgq_status_to_string(rep->status);

        /* "invalid argument: period 10 ms is below 20 ms" */
        if (rep->error[0] && strcmp(rep->error, status) != 0)
                snprintf(buf, size, "%s: %s", status, rep->error);
        else
                snprintf(buf, size, "%s", status);
        return buf;
}

int report_reply(const struct msgq_reply *rep) {
        char message[MSGQ_ERROR_TEXT_MAX + 128];

        return report(EXIT_DAEMON_ERROR, rep, "msgqd: %s",
                      reply_error(rep, message, sizeof message));
}

int report_errno(const struct ctl *ctl, int err) {
        unsigned key = (unsigned) ctl->key;
        char secs[32], advice[512];

        switch (err) {
        case -ENOENT:
                return report(EXIT_UNAVAILABLE, NULL, "no queue with key 0x%08x: is msgqd running?",
                              key);
        case -ETIMEDOUT:
                return report(EXIT_UNAVAILABLE, NULL,
                              "no answer from msgqd within %s (key 0x%08x); the request stays "
                              "queued and is served when msgqd is back",
                              format_seconds(ctl->timeout_ms, secs, sizeof secs), key);
        case -EIDRM:
                return report(EXIT_UNAVAILABLE, NULL,
                              "the queue with key 0x%08x was removed while waiting for the "
                              "answer (msgqd stopped?)", key);
        case -EACCES:
        case -EPERM:
                permission_advice(ctl, advice, sizeof advice);
                return report(EXIT_PERMISSION, NULL, "%s", advice);
        default:
                return report(EXIT_UNAVAILABLE, NULL, "cannot use the queue with key 0x%08x: %s",
                              key, strerror(-err));
        }
}
