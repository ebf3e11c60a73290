/* SPDX-License-Identifier: MIT */
/*
 * msgqctl stats (msgqd's figures) and status (the queue's IPC_STAT, then
 * msgqd's figures).  Text output is "label: value" lines, values aligned.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/msg.h>
#include <time.h>

#include "msgqctl.h"
#include "queue.h"

#define FIELD "%-20s"

static void print_field_u64(const char *label, uint64_t value) {
        printf(FIELD "%llu\n", label, (unsigned long long) value);
}

void stats_print_text(const struct msgq_reply *rep) {
        const struct msgq_stats *s = &rep->stats;
        uint64_t served = 0;
        char led[96];

        printf(FIELD "%u\n", "daemon pid:", (unsigned) s->daemon_pid);
        printf(FIELD "%llu.%03llu s\n", "uptime:", (unsigned long long) (s->uptime_ms / 1000),
               (unsigned long long) (s->uptime_ms % 1000));
        for (int i = 0; i < MSGQ_PRIO_MAX; i++)
                served += s->served[i];
        print_field_u64("served:", served);
        printf(FIELD, "served by priority:");
        for (int i = 0; i < MSGQ_PRIO_MAX; i++)
                printf("%s%d=%llu", i ? " " : "", i + 1, (unsigned long long) s->served[i]);
        putchar('\n');
        print_field_u64("errors:", s->errors);
        print_field_u64("malformed:", s->malformed);
        print_field_u64("replies late:", s->replies_late);
        print_field_u64("replies deferred:", s->replies_deferred);
        print_field_u64("replies dropped:", s->replies_dropped);
        print_field_u64("replies reclaimed:", s->replies_reclaimed);
        print_field_u64("queue recreated:", s->queue_recreated);
        printf(FIELD "%s\n", "led:", led_describe(&rep->led, led, sizeof(led)));
}

void stats_print_json(struct msgq_json *j, const char *key, const struct msgq_reply *rep) {
        const struct msgq_stats *s = &rep->stats;
        uint64_t served = 0;

        for (int i = 0; i < MSGQ_PRIO_MAX; i++)
                served += s->served[i];
        msgq_json_begin_object(j, key);
        msgq_json_uint(j, "daemon_pid", s->daemon_pid);
        msgq_json_uint(j, "uptime_ms", s->uptime_ms);
        msgq_json_uint(j, "served", served);
        msgq_json_begin_array(j, "served_by_priority");
        for (int i = 0; i < MSGQ_PRIO_MAX; i++)
                msgq_json_uint(j, NULL, s->served[i]);
        msgq_json_end_array(j);
        msgq_json_uint(j, "errors", s->errors);
        msgq_json_uint(j, "malformed", s->malformed);
        msgq_json_uint(j, "replies_late", s->replies_late);
        msgq_json_uint(j, "replies_deferred", s->replies_deferred);
        msgq_json_uint(j, "replies_dropped", s->replies_dropped);
        msgq_json_uint(j, "replies_reclaimed", s->replies_reclaimed);
        msgq_json_uint(j, "queue_recreated", s->queue_recreated);
        led_print_json(j, "led", &rep->led);
        msgq_json_end_object(j);
}

int cmd_stats(struct ctl *ctl, const struct command *cmd, int argc, char **argv) {
        static const struct option options[] = { COMMAND_HELP_OPTION, {} };
        struct msgq_reply rep;

        while (command_getopt(cmd, argc, argv, "+:h", options) != -1)
                ;
        if (optind < argc)
                die_usage(cmd, "unexpected argument '%s'", argv[optind]);

        ctl_call_or_die(ctl, ctl->prio, MSGQ_OP_STATS, 0, 0, NULL, &rep);

        if (ctl->json) {
                struct msgq_json j;

                msgq_json_init(&j, stdout);
                stats_print_json(&j, NULL, &rep);
                msgq_json_finish(&j);
        } else {
                stats_print_text(&rep);
        }
        return EXIT_OK;
}

static const char *user_name(uid_t uid) {
        const struct passwd *pw = getpwuid(uid);

        return pw ? pw->pw_name : NULL;
}

static const char *group_name(gid_t gid) {
        const struct group *gr = getgrgid(gid);

        return gr ? gr->gr_name : NULL;
}

/* "uid=1000(alice)", or "uid=1000" without a name. */
static void print_id(const char *label, unsigned id, const char *name) {
        if (name)
                printf("%s=%u(%s)", label, id, name);
        else
                printf("%s=%u", label, id);
}

/* As ipcs does: ctime()'s format in local time, or "Not set". */
static const char *format_time(time_t t, char *buf, size_t size) {
        struct tm tm;

        if (t == 0 || !localtime_r(&t, &tm) ||
            strftime(buf, size, "%a %b %e %H:%M:%S %Y", &tm) == 0)
                snprintf(buf, size, "Not set");
        return buf;
}

/* The layout of `ipcs -q -i ID`, with the key and user and group names. */
static void queue_print_text(key_t key, int msqid, const struct msqid_ds *ds) {
        const struct ipc_perm *p = &ds->msg_perm;
        char t[64];

        printf("Message Queue msqid=%d key=0x%08x\n", msqid, (unsigned) key);
        print_id("uid", p->uid, user_name(p->uid));
        putchar('\t');
        print_id("gid", p->gid, group_name(p->gid));
        putchar('\t');
        print_id("cuid", p->cuid, user_name(p->cuid));
        putchar('\t');
        print_id("cgid", p->cgid, group_name(p->cgid));
        printf("\tmode=%04o\n", (unsigned) (p->mode & 0777));
        printf("cbytes=%lu\tqbytes=%lu\tqnum=%lu\tlspid=%d\tlrpid=%d\n",
               (unsigned long) ds->__msg_cbytes, (unsigned long) ds->msg_qbytes,
               (unsigned long) ds->msg_qnum, (int) ds->msg_lspid, (int) ds->msg_lrpid);
        printf("send_time=%s\n", format_time(ds->msg_stime, t, sizeof(t)));
        printf("rcv_time=%s\n", format_time(ds->msg_rtime, t, sizeof(t)));
        printf("change_time=%s\n", format_time(ds->msg_ctime, t, sizeof(t)));
}

static void json_time(struct msgq_json *j, const char *key, time_t t) {
        if (t == 0)
                msgq_json_string(j, key, NULL);
        else
                msgq_json_int(j, key, (int64_t) t);
}

static void queue_print_json(struct msgq_json *j, key_t key, int msqid,
                             const struct msqid_ds *ds) {
        const struct ipc_perm *p = &ds->msg_perm;
        char buf[16];

        msgq_json_begin_object(j, "queue");
        snprintf(buf, sizeof(buf), "0x%08x", (unsigned) key);
        msgq_json_string(j, "key", buf);
        msgq_json_int(j, "msqid", msqid);
        msgq_json_uint(j, "uid", p->uid);
        msgq_json_string(j, "user", user_name(p->uid));
        msgq_json_uint(j, "gid", p->gid);
        msgq_json_string(j, "group", group_name(p->gid));
        msgq_json_uint(j, "cuid", p->cuid);
        msgq_json_string(j, "creator_user", user_name(p->cuid));
        msgq_json_uint(j, "cgid", p->cgid);
        msgq_json_string(j, "creator_group", group_name(p->cgid));
        snprintf(buf, sizeof(buf), "%04o", (unsigned) (p->mode & 0777));
        msgq_json_string(j, "mode", buf);
        msgq_json_uint(j, "cbytes", ds->__msg_cbytes);
        msgq_json_uint(j, "qbytes", ds->msg_qbytes);
        msgq_json_uint(j, "qnum", ds->msg_qnum);
        msgq_json_int(j, "lspid", ds->msg_lspid);
        msgq_json_int(j, "lrpid", ds->msg_lrpid);
        json_time(j, "send_time", ds->msg_stime);
        json_time(j, "rcv_time", ds->msg_rtime);
        json_time(j, "change_time", ds->msg_ctime);
        msgq_json_end_object(j);
}

/* The queue's IPC_STAT figures, or dies: no queue, no permission. */
static int queue_stat_or_die(struct ctl *ctl, struct msqid_ds *ds) {
        char message[512];
        int msqid, r;

        msqid = msgq_queue_open(ctl_key(ctl));
        r = msqid < 0 ? msqid : msgq_queue_stat(msqid, ds);
        if (r < 0)
                die(report_errno(ctl, r, message, sizeof(message)), "%s", message);
        return msqid;
}

int cmd_status(struct ctl *ctl, const struct command *cmd, int argc, char **argv) {
        static const struct option options[] = { COMMAND_HELP_OPTION, {} };
        struct msgq_reply rep;
        struct msqid_ds ds;
        char message[512];
        int msqid, r, code = EXIT_OK;

        while (command_getopt(cmd, argc, argv, "+:h", options) != -1)
                ;
        if (optind < argc)
                die_usage(cmd, "unexpected argument '%s'", argv[optind]);

        /* The queue as it was before this command's own request. */
        msqid = queue_stat_or_die(ctl, &ds);
        r = ctl_call(ctl, ctl->prio, MSGQ_OP_STATS, 0, 0, NULL, &rep);
        if (r < 0)
                code = report_errno(ctl, r, message, sizeof(message));
        else if (rep.status != MSGQ_OK)
                code = report_status(&rep, message, sizeof(message));

        if (ctl->json) {
                struct msgq_json j;

                msgq_json_init(&j, stdout);
                msgq_json_begin_object(&j, NULL);
                queue_print_json(&j, ctl->key, msqid, &ds);
                if (code == EXIT_OK)
                        stats_print_json(&j, "daemon", &rep);
                else
                        msgq_json_string(&j, "daemon", NULL);
                if (code != EXIT_OK)
                        report_json_members(&j, message, code);
                msgq_json_end_object(&j);
                msgq_json_finish(&j);
        } else {
                queue_print_text(ctl->key, msqid, &ds);
                putchar('\n');
                if (code == EXIT_OK)
                        stats_print_text(&rep);
                else
                        printf("msgqd: %s\n", r < 0 ? "not answering" : "error");
        }
        if (code != EXIT_OK) {
                fflush(stdout);
                fprintf(stderr, "%s: %s\n", PROGRAM_NAME, message);
        }
        return code;
}
