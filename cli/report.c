/* SPDX-License-Identifier: MIT */
/*
 * How msgqctl reports failures: one line on stderr prefixed "msgqctl: ",
 * and with --json also {"error": MESSAGE, "exit_code": N} on stdout, so
 * that a script reading stdout always gets one JSON document.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgqctl.h"

static bool json_errors;

void report_set_json(bool json) {
        json_errors = json;
}

void report_json_members(struct msgq_json *j, const char *message, int code) {
        msgq_json_string(j, "error", message);
        msgq_json_int(j, "exit_code", code);
}

static void print_json_error(const char *message, int code, const struct msgq_reply *rep) {
        struct msgq_json j;

        msgq_json_init(&j, stdout);
        msgq_json_begin_object(&j, NULL);
        report_json_members(&j, message, code);
        if (rep) {
                msgq_json_string(&j, "status", msgq_status_to_string(rep->status));
                msgq_json_uint(&j, "status_code", rep->status);
        }
        msgq_json_end_object(&j);
        msgq_json_finish(&j);
}

static _Noreturn __attribute__((format(printf, 5, 0))) void
report_and_exit(int code, const struct command *hint, bool usage, const struct msgq_reply *rep,
                const char *fmt, va_list ap) {
        char message[1024];

        vsnprintf(message, sizeof(message), fmt, ap);
        fflush(stdout);
        fprintf(stderr, "%s: %s\n", PROGRAM_NAME, message);
        if (usage)
                fprintf(stderr, "Try '%s%s%s --help'.\n", PROGRAM_NAME, hint ? " " : "",
                        hint ? hint->name : "");
        if (json_errors)
                print_json_error(message, code, rep);
        exit(code);
}

void die(int code, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        report_and_exit(code, NULL, false, NULL, fmt, ap);
}

void die_usage(const struct command *cmd, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        report_and_exit(EXIT_USAGE, cmd, true, NULL, fmt, ap);
}

int report_status(const struct msgq_reply *rep, char *buf, size_t size) {
        const char *status = msgq_status_to_string(rep->status);

        /* "msgqd: invalid argument: period 10 ms is below 20 ms" */
        if (rep->error[0] && strcmp(rep->error, status) != 0)
                snprintf(buf, size, "msgqd: %s: %s", status, rep->error);
        else
                snprintf(buf, size, "msgqd: %s", status);
        return EXIT_DAEMON_ERROR;
}

void die_reply(const struct msgq_reply *rep) {
        char message[MSGQ_ERROR_TEXT_MAX + 128];

        report_status(rep, message, sizeof(message));
        fflush(stdout);
        fprintf(stderr, "%s: %s\n", PROGRAM_NAME, message);
        if (json_errors)
                print_json_error(message, EXIT_DAEMON_ERROR, rep);
        exit(EXIT_DAEMON_ERROR);
}

const char *format_seconds(uint64_t ms, char *buf, size_t size) {
        if (ms % 1000 == 0)
                snprintf(buf, size, "%llu s", (unsigned long long) (ms / 1000));
        else if (ms % 100 == 0)
                snprintf(buf, size, "%llu.%01llu s", (unsigned long long) (ms / 1000),
                         (unsigned long long) (ms % 1000 / 100));
        else if (ms % 10 == 0)
                snprintf(buf, size, "%llu.%02llu s", (unsigned long long) (ms / 1000),
                         (unsigned long long) (ms % 1000 / 10));
        else
                snprintf(buf, size, "%llu.%03llu s", (unsigned long long) (ms / 1000),
                         (unsigned long long) (ms % 1000));
        return buf;
}

/*
 * The queue's owner, group and mode, from /proc/sysvipc/msg: readable by
 * everyone, unlike IPC_STAT, which needs read permission on the queue.
 */
static int queue_perms_from_proc(key_t key, unsigned *mode, uid_t *uid, gid_t *gid) {
        char line[512];
        FILE *f;
        int r = -ENOENT;

        f = fopen("/proc/sysvipc/msg", "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                int k, id;
                unsigned m, u, g;

                /* key msqid perms cbytes qnum lspid lrpid uid gid ... */
                if (sscanf(line, "%d %d %o %*u %*u %*d %*d %u %u", &k, &id, &m, &u, &g) != 5)
                        continue;
                if ((key_t) k != key)
                        continue;
                *mode = m & 0777;
                *uid = u;
                *gid = g;
                r = 0;
                break;
        }
        fclose(f);
        return r;
}

static void permission_message(key_t key, char *buf, size_t size) {
        char owner[64], group[64];
        const struct passwd *pw;
        const struct group *gr;
        unsigned mode = 0;
        uid_t uid = 0;
        gid_t gid = 0;

        if (queue_perms_from_proc(key, &mode, &uid, &gid) < 0) {
                snprintf(buf, size, "permission denied on the queue with key 0x%08x: "
                         "join the queue's group (and log in again)", (unsigned) key);
                return;
        }
        pw = getpwuid(uid);
        if (pw)
                snprintf(owner, sizeof(owner), "%s", pw->pw_name);
        else
                snprintf(owner, sizeof(owner), "%u", (unsigned) uid);
        gr = getgrgid(gid);
        if (gr)
                snprintf(group, sizeof(group), "%s", gr->gr_name);
        else
                snprintf(group, sizeof(group), "%u", (unsigned) gid);
        snprintf(buf, size, "permission denied on the queue with key 0x%08x "
                 "(owner %s, group %s, mode %04o): join group '%s' (and log in again)",
                 (unsigned) key, owner, group, mode, group);
}

int report_errno(const struct ctl *ctl, int err, char *buf, size_t size) {
        unsigned key = (unsigned) ctl->key;
        char secs[32];

        switch (err) {
        case -ENOENT:
                snprintf(buf, size, "no queue with key 0x%08x: is msgqd running?", key);
                return EXIT_UNAVAILABLE;
        case -ETIMEDOUT:
                snprintf(buf, size, "no answer from msgqd within %s (key 0x%08x); the request "
                         "stays queued and is served when msgqd is back",
                         format_seconds(ctl->timeout_ms, secs, sizeof(secs)), key);
                return EXIT_UNAVAILABLE;
        case -EIDRM:
                snprintf(buf, size, "the queue with key 0x%08x was removed while "
                         "waiting for the answer (msgqd stopped?)", key);
                return EXIT_UNAVAILABLE;
        case -EACCES:
        case -EPERM:
                permission_message(ctl->key, buf, size);
                return EXIT_PERMISSION;
        default:
                snprintf(buf, size, "cannot use the queue with key 0x%08x: %s", key,
                         strerror(-err));
                return EXIT_UNAVAILABLE;
        }
}
