/* SPDX-License-Identifier: MIT */
/*
 * msgqctl shutdown: ask msgqd to stop cleanly, and wait until it has let go
 * of the key (its queue removed, its lock released), as systemctl stop
 * waits for the service to be gone: a msgqd started next is not refused.
 */
#include <errno.h>
#include <signal.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <time.h>

#include "clock.h"
#include "msgqctl.h"
#include "output.h"

/* How often msgqctl looks whether msgqd has let go of the key. */
#define SHUTDOWN_POLL_NS (5 * 1000000L)

/*
 * Whether the msgqd that had queue msqid and lock semid (-1: none seen)
 * has let go of key: both gone (or made anew by a msgqd started since), or
 * msgqd itself gone, killed meanwhile (the kernel freed its lock then).
 */
static bool key_free(key_t key, int msqid, int semid, uint32_t pid) {
        int q = msgget(key, 0), s = semget(key, 0, 0);

        if (q != msqid && (semid < 0 || s != semid))
                return true;
        return pid > 0 && kill((pid_t) pid, 0) < 0 && errno == ESRCH;
}

/* Until key_free(), at most timeout_ms: 0 or -ETIMEDOUT. */
static int wait_key_free(key_t key, int msqid, int semid, uint32_t pid, uint64_t timeout_ms) {
        uint64_t end = msgq_now_ns() + timeout_ms * 1000000u;

        while (!key_free(key, msqid, semid, pid)) {
                if (msgq_now_ns() >= end)
                        return -ETIMEDOUT;
                nanosleep(&(struct timespec) { .tv_nsec = SHUTDOWN_POLL_NS }, NULL);
        }
        return 0;
}

int cmd_shutdown(struct ctl *ctl, const struct command *cmd, int argc, char **argv) {
        struct msgq_reply rep;
        char secs[32];
        int msqid, semid;

        while (command_getopt(ctl, cmd, argc, argv, "", NULL) != -1)
                ;
        if (optind < argc)
                die_usage(cmd, "unexpected argument '%s'", argv[optind]);

        msqid = msgget(ctl->key, 0); /* msgqd's queue and lock (anyone may look them up) */
        semid = semget(ctl->key, 0, 0);
        ctl_call_or_die(ctl, ctl->prio, MSGQ_OP_EXIT, 0, 0, NULL, &rep);
        if (wait_key_free(ctl->key, msqid, semid, rep.daemon_pid, ctl->timeout_ms) < 0)
                return report(EXIT_UNAVAILABLE, &rep,
                              "msgqd pid %u is stopping, but has not let go of key 0x%08x within %s "
                              "(its queue or its lock is still there)", (unsigned) rep.daemon_pid,
                              (unsigned) ctl->key, format_seconds(ctl->timeout_ms, secs, sizeof secs));
        output->stopped(rep.daemon_pid);
        return EXIT_OK;
}
