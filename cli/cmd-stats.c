/* SPDX-License-Identifier: MIT */
/*
 * msgqctl stats (msgqd's figures) and status (the queue as ipcs shows it,
 * then msgqd's figures).
 */
#include <errno.h>
#include <sys/msg.h>

#include "msgqctl.h"
#include "output.h"
#include "queue.h"

int cmd_stats(struct ctl *ctl, const struct command *cmd, int argc, char **argv) {
        struct msgq_reply rep;

        while (command_getopt(ctl, cmd, argc, argv, "", NULL) != -1)
                ;
        if (optind < argc)
                die_usage(cmd, "unexpected argument '%s'", argv[optind]);

        ctl_call_or_die(ctl, ctl->prio, MSGQ_OP_STATS, 0, 0, NULL, &rep);
        output->stats(&rep);
        return EXIT_OK;
}

static void queue_info_from_stat(key_t key, int msqid, const struct msqid_ds *ds,
                                 struct queue_info *q) {
        const struct ipc_perm *p = &ds->msg_perm;

        *q = (struct queue_info) {
                .key = key,
                .msqid = msqid,
                .uid = p->uid,
                .gid = p->gid,
                .cuid = p->cuid,
                .cgid = p->cgid,
                .mode = p->mode & 0777,
                .cbytes = ds->__msg_cbytes,
                .qnum = ds->msg_qnum,
                .qbytes_known = true,
                .qbytes = ds->msg_qbytes,
                .lspid = ds->msg_lspid,
                .lrpid = ds->msg_lrpid,
                .stime = ds->msg_stime,
                .rtime = ds->msg_rtime,
                .ctime = ds->msg_ctime,
        };
}

/*
 * The queue's figures: IPC_STAT, or for a user the queue refuses what
 * /proc/sysvipc/msg shows everyone (as `ipcs -q -i` does).  Returns 0, or
 * the exit code reported when the queue is missing or cannot be read.
 */
static int queue_info(struct ctl *ctl, struct queue_info *q, int *refused) {
        struct msqid_ds ds;
        int msqid, r;

        *refused = 0;
        msqid = msgq_queue_open(ctl->key);
        r = msqid < 0 ? msqid : msgq_queue_stat(msqid, &ds);
        if (r == 0) {
                queue_info_from_stat(ctl->key, msqid, &ds, q);
                return 0;
        }
        if ((r == -EACCES || r == -EPERM) && queue_info_from_proc(ctl->key, q) == 0) {
                *refused = r;
                return 0;
        }
        return report_errno(ctl, r);
}

int cmd_status(struct ctl *ctl, const struct command *cmd, int argc, char **argv) {
        struct msgq_reply rep;
        struct queue_info q;
        int refused, r, code;

        while (command_getopt(ctl, cmd, argc, argv, "", NULL) != -1)
                ;
        if (optind < argc)
                die_usage(cmd, "unexpected argument '%s'", argv[optind]);

        /* The queue as it was before this command's own request. */
        code = queue_info(ctl, &q, &refused);
        if (code)
                return code;
        if (refused) {
                output->status(&q, NULL, "not asked (permission denied)");
                return report_errno(ctl, refused);
        }
        r = ctl_call(ctl, ctl->prio, MSGQ_OP_STATS, 0, 0, NULL, &rep);
        if (r < 0)
                output->status(&q, NULL, "not answering");
        else
                output->status(&q, rep.status == MSGQ_OK ? &rep : NULL, "error");
        if (r < 0)
                return report_errno(ctl, r);
        if (rep.status != MSGQ_OK)
                return report_reply(&rep);
        return EXIT_OK;
}
