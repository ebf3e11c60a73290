/* SPDX-License-Identifier: MIT */
/*
 * What anyone may see of a queue: /proc/sysvipc/msg, readable by every
 * user, unlike IPC_STAT, which needs read permission on the queue.  And
 * the advice for a user the queue refuses, from its real mode and group
 * and the configured group; never "join group root".
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "msgqctl.h"
#include "output.h"

int queue_info_from_proc(key_t key, struct queue_info *q) {
        char line[512];
        FILE *f;
        int r = -ENOENT;

        f = fopen("/proc/sysvipc/msg", "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof line, f)) {
                int k, id, lspid, lrpid;
                unsigned mode, uid, gid, cuid, cgid;
                unsigned long cbytes, qnum;
                long long stime, rtime, ctime;

                /* key msqid perms cbytes qnum lspid lrpid uid gid cuid cgid stime rtime ctime */
                if (sscanf(line, "%d %d %o %lu %lu %d %d %u %u %u %u %lld %lld %lld", &k, &id,
                           &mode, &cbytes, &qnum, &lspid, &lrpid, &uid, &gid, &cuid, &cgid,
                           &stime, &rtime, &ctime) != 14 || (key_t) k != key)
                        continue;
                *q = (struct queue_info) {
                        .key = key, .msqid = id, .mode = mode & 0777,
                        .uid = uid, .gid = gid, .cuid = cuid, .cgid = cgid,
                        .cbytes = cbytes, .qnum = qnum, .lspid = lspid, .lrpid = lrpid,
                        .stime = (time_t) stime, .rtime = (time_t) rtime, .ctime = (time_t) ctime,
                };
                r = 0;
                break;
        }
        fclose(f);
        return r;
}

/* Whether this process has gid among its groups. */
static bool in_group_now(gid_t gid) {
        gid_t groups[256];
        int n = getgroups(256, groups);

        if (getegid() == gid)
                return true;
        for (int i = 0; i < n; i++)
                if (groups[i] == gid)
                        return true;
        return false;
}

/* Whether the user is listed as a member of gid (in /etc/group, or as primary group). */
static bool member_listed(gid_t gid) {
        const struct passwd *pw = getpwuid(geteuid());
        const struct group *gr = getgrgid(gid);

        if (!pw || !gr)
                return false;
        if (pw->pw_gid == gid)
                return true;
        for (char **m = gr->gr_mem; m && *m; m++)
                if (strcmp(*m, pw->pw_name) == 0)
                        return true;
        return false;
}

/* What a user of a queue that serves its group should do. */
static void advice_group(const char *group, gid_t gid, char *buf, size_t size) {
        if (in_group_now(gid))
                snprintf(buf, size, "this login is in group '%s' already; ask the "
                         "administrator to check the queue", group);
        else if (member_listed(gid))
                snprintf(buf, size, "you were added to group '%s' after this login began: "
                         "log in again (or run 'newgrp %s')", group, group);
        else
                snprintf(buf, size, "join group '%s' (and log in again)", group);
}

/* What to do when the queue serves no group one could join. */
static void advice_no_group(const struct ctl *ctl, const char *why, char *buf, size_t size) {
        const char *configured = ctl->config.group;

        if (configured[0] && strcmp(configured, "root") != 0)
                snprintf(buf, size, "%s, but %s says group = %s: restart msgqd to apply it, "
                         "then join group '%s'", why, ctl->config_path, configured, configured);
        else
                snprintf(buf, size, "%s: only its owner and root may use it; to share it, set "
                         "group = GROUP (and mode = 0660) in %s, restart msgqd and join GROUP",
                         why, ctl->config_path);
}

void permission_advice(const struct ctl *ctl, char *buf, size_t size) {
        char owner[64], group[64], why[128], advice[512];
        struct queue_info q;

        if (queue_info_from_proc(ctl->key, &q) < 0) {
                snprintf(buf, size, "permission denied on the queue with key 0x%08x",
                         (unsigned) ctl->key);
                return;
        }
        snprintf(owner, sizeof owner, "%s", user_name(q.uid) ? user_name(q.uid) : "");
        if (!owner[0])
                snprintf(owner, sizeof owner, "%u", (unsigned) q.uid);
        snprintf(group, sizeof group, "%s", group_name(q.gid) ? group_name(q.gid) : "");
        if (!group[0])
                snprintf(group, sizeof group, "%u", (unsigned) q.gid);

        if (q.uid == geteuid() || q.cuid == geteuid())
                snprintf(advice, sizeof advice, "its mode refuses even its owner: restart msgqd, "
                         "which sets the configured mode and group again");
        else if (q.gid != 0 && (q.mode & 0060) == 0060)
                advice_group(group, q.gid, advice, sizeof advice);
        else {
                if (q.gid == 0)
                        snprintf(why, sizeof why, "its group is root");
                else
                        snprintf(why, sizeof why, "its mode gives group '%s' no read and write",
                                 group);
                advice_no_group(ctl, why, advice, sizeof advice);
        }
        snprintf(buf, size, "permission denied on the queue with key 0x%08x (owner %s, group %s, "
                 "mode %04o): %s", (unsigned) ctl->key, owner, group, q.mode, advice);
}
