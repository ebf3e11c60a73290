/* SPDX-License-Identifier: MIT */
/*
 * msgqd as systemd sees it: the notifications on NOTIFY_SOCKET.  READY=1
 * carries a STATUS= with the key, the LED and the figures; under
 * WatchdogSec= (WATCHDOG_USEC, WATCHDOG_PID) every ping is WATCHDOG=1 and
 * STATUS= comes along only when the figures changed, and none comes while the
 * serving thread is stuck in a request; without a watchdog an idle msgqd
 * sends nothing at all; SIGTERM brings STOPPING=1.
 *
 * The real msgqd --sim on private keys (harness.h); this file keeps its own
 * notify socket open for the daemon's whole life.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

struct notified {
        struct daemon d;
        int sock;
        char ready[1024];       /* the READY=1 datagram */
};

static struct notified n = { .sock = -1 };

static long now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The next datagram containing what, within ms: 1 (copied to buf), or 0. */
static int next_notification(const char *what, int ms, char *buf, size_t size) {
        long end = now_ms() + ms;

        for (;;) {
                struct pollfd p = { .fd = n.sock, .events = POLLIN };
                long left = end - now_ms();
                ssize_t len;

                if (left <= 0 || poll(&p, 1, (int) left) <= 0)
                        return 0;
                len = recv(n.sock, buf, size - 1, 0);
                if (len < 0)
                        return 0;
                buf[len] = '\0';
                if (strstr(buf, what))
                        return 1;
        }
}

/* How many datagrams containing what arrive within ms. */
static int count_notifications(const char *what, int ms) {
        long end = now_ms() + ms;
        char buf[1024];
        int count = 0;

        for (long left; (left = end - now_ms()) > 0;)
                count += next_notification(what, (int) left, buf, sizeof buf);
        return count;
}

/* Drop the datagrams already waiting. */
static void drain_notifications(void) {
        char buf[1024];

        while (recv(n.sock, buf, sizeof buf, MSG_DONTWAIT) >= 0)
                ;
}

/*
 * Start msgqd --sim on a fresh key as systemd would: watchdog_usec 0 is no
 * watchdog; watchdog_pid 0 is msgqd's own PID; each change of the simulated
 * LED takes sim_delay_ms.
 */
static void start_as(unsigned long watchdog_usec, pid_t watchdog_pid, unsigned sim_delay_ms) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char keystr[32], notify[64];
        socklen_t len;
        pid_t pid;

        n.d.key = test_key();
        snprintf(keystr, sizeof keystr, "0x%08x", (unsigned) n.d.key);
        snprintf(notify, sizeof notify, "@msgq-systemd-test/%d/%08x", (int) getpid(), (unsigned) n.d.key);
        memcpy(sa.sun_path + 1, notify + 1, strlen(notify) - 1);
        len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(notify));
        n.sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(n.sock, 0);
        ck_assert_msg(bind(n.sock, (struct sockaddr *) &sa, len) == 0, "bind %s: %s", notify, strerror(errno));

        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                const char *msgqd = getenv("MSGQD");
                char value[32];

                prctl(PR_SET_PDEATHSIG, SIGKILL);
                setenv("NOTIFY_SOCKET", notify, 1);
                unsetenv("MSGQ_KEY");
                unsetenv("WATCHDOG_USEC");
                unsetenv("WATCHDOG_PID");
                snprintf(value, sizeof value, "%u", sim_delay_ms);
                setenv("MSGQD_SIM_DELAY_MS", value, 1);
                if (watchdog_usec) {
                        snprintf(value, sizeof value, "%lu", watchdog_usec);
                        setenv("WATCHDOG_USEC", value, 1);
                        snprintf(value, sizeof value, "%d", (int) (watchdog_pid ? watchdog_pid : getpid()));
                        setenv("WATCHDOG_PID", value, 1);
                }
                execl(msgqd, "msgqd", "--sim", "-k", keystr, (char *) NULL);
                fprintf(stderr, "exec %s: %s\n", msgqd ? msgqd : "(MSGQD unset)", strerror(errno));
                _exit(127);
        }
        n.d.pid = pid;
        ck_assert_msg(next_notification("READY=1", 5000, n.ready, sizeof n.ready),
                      "no READY=1 from msgqd within 5 s");
}

static void start(unsigned long watchdog_usec) {
        start_as(watchdog_usec, 0, 0);
}

static void stop(void) {
        ck_assert_int_eq(daemon_stop(&n.d), 0);
        ck_assert(!queue_exists(n.d.key));
}

static void ping(int times) {
        struct run r;

        for (int i = 0; i < times; i++) {
                ck_assert_int_eq(ctl(&r, n.d.key, "ping", NULL), 0);
                ck_assert_msg(r.status == 0, "msgqctl ping: %d: %s", r.status, r.err);
        }
}

/* READY=1 comes with a STATUS= naming the key, the LED and the figures. */
START_TEST(test_ready_has_status) {
        char expect[128];

        start(0);
        snprintf(expect, sizeof expect, "STATUS=Serving key 0x%08x, LED simulated: 0 requests served, 0 errors",
                 (unsigned) n.d.key);
        ck_assert_msg(strstr(n.ready, expect), "READY=1 datagram: '%s'", n.ready);
        stop();
}
END_TEST

/* Without a watchdog, an idle msgqd notifies nothing, requests included. */
START_TEST(test_quiet_without_watchdog) {
        int count;

        start(0);
        ping(3);
        count = count_notifications("", 1500);
        ck_assert_msg(count == 0, "%d notifications from a msgqd without watchdog", count);
        stop();
}
END_TEST

/* Under WatchdogSec=, the pings bring the figures up to date. */
START_TEST(test_watchdog_ping_updates_status) {
        char buf[1024];

        start(200000);
        ping(3);
        for (;;) {
                ck_assert_msg(next_notification("STATUS=", 2000, buf, sizeof buf),
                              "no STATUS= with 3 requests served within 2 s of them");
                ck_assert_msg(strstr(buf, "WATCHDOG=1"), "STATUS= without WATCHDOG=1: '%s'", buf);
                if (strstr(buf, ": 3 requests served, 0 errors"))
                        break;
        }
        stop();
}
END_TEST

/* An unchanged status is not sent again: the pings go on without it. */
START_TEST(test_status_only_when_changed) {
        int pings;

        start(200000);
        ping(1);
        ck_assert(count_notifications("STATUS=", 1000) >= 1);
        pings = count_notifications("WATCHDOG=1", 1000);
        ck_assert_msg(pings >= 3, "only %d WATCHDOG=1 in a second at WatchdogSec=0.2s", pings);
        ck_assert_int_eq(count_notifications("STATUS=", 1000), 0);
        stop();
}
END_TEST

/* WATCHDOG_PID names another process: that watchdog is not msgqd's to ping. */
START_TEST(test_watchdog_of_another_pid) {
        int pings;

        start_as(200000, getpid(), 0);
        pings = count_notifications("WATCHDOG=1", 1000);
        ck_assert_msg(pings == 0, "%d WATCHDOG=1 for a watchdog of PID %d", pings, (int) getpid());
        stop();
}
END_TEST

/*
 * The serving thread stuck in a request (here a simulated GPIO write that
 * takes 1.5 s) for over half the period: no pings until it is done, so that
 * systemd would restart msgqd.  The main loop itself is alive all along.
 */
START_TEST(test_no_ping_while_stuck) {
        struct run r;
        int pings;
        char buf[1024];

        start_as(200000, 0, 1500);
        ck_assert_msg(next_notification("WATCHDOG=1", 1000, buf, sizeof buf), "no WATCHDOG=1 before the request");
        /* Unanswered within 0.2 s, the request stays with msgqd, which serves it for 1.5 s. */
        ck_assert_int_eq(ctl(&r, n.d.key, "-t", "0.2", "led", "on", NULL), 0);
        ck_assert_msg(r.status == 3, "msgqctl -t 0.2 led on: exit %d: %s", r.status, r.err);
        /* Pings sent in the first 0.1 s of the request may be waiting. */
        drain_notifications();
        pings = count_notifications("WATCHDOG=1", 900);
        ck_assert_msg(pings == 0, "%d WATCHDOG=1 while msgqd was stuck in a request", pings);
        ck_assert_msg(next_notification("WATCHDOG=1", 3000, buf, sizeof buf),
                      "no WATCHDOG=1 once the request was done");
        ck_assert_int_eq(ctl(&r, n.d.key, "-t", "5", "led", "state", NULL), 0);
        ck_assert_msg(r.status == 0 && strcmp(r.out, "led: on\n") == 0, "led state: exit %d: '%s' %s",
                      r.status, r.out, r.err);
        stop();
}
END_TEST

/* SIGTERM: STOPPING=1, then the queue is gone and msgqd exits 0. */
START_TEST(test_sigterm_sends_stopping) {
        char buf[1024];

        start(0);
        ck_assert_int_eq(kill(n.d.pid, SIGTERM), 0);
        ck_assert_msg(next_notification("STOPPING=1", 5000, buf, sizeof buf), "no STOPPING=1 after SIGTERM");
        ck_assert_int_eq(daemon_wait(&n.d, 5000), 0);
        ck_assert(!queue_exists(n.d.key));
}
END_TEST

/* ---- runner ---- */

int main(void) {
        Suite *s = suite_create("systemd");

        harness_init();
        harness_add(s, "ready-status", test_ready_has_status, 30);
        harness_add(s, "quiet", test_quiet_without_watchdog, 30);
        harness_add(s, "watchdog-status", test_watchdog_ping_updates_status, 30);
        harness_add(s, "status-changed", test_status_only_when_changed, 30);
        harness_add(s, "watchdog-pid", test_watchdog_of_another_pid, 30);
        harness_add(s, "watchdog-stuck", test_no_ping_while_stuck, 30);
        harness_add(s, "stopping", test_sigterm_sends_stopping, 30);
        return harness_run(s);
}
