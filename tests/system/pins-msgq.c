// SPDX-License-Identifier: MIT
/*
 * pins-msgq: msgqd driven as fast as one client can, for the pin benchmark
 * (tests/system/guest-pins): COUNT toggles of the LED, each waiting for
 * msgqd's reply before the next.
 *
 *   pins-msgq COUNT        through libmsgq, msgq_led_toggle()
 *   pins-msgq text COUNT   as a text client (doc/PROTOCOL.md, "Text
 *                          requests"): "TOGGLE pid=PID" sent with msgsnd(),
 *                          the reply "OK led=..." read with msgrcv()
 *
 * The key as msgqctl takes it (msgq.conf).  Built for the guest against the
 * libmsgq of the package under test (tests/system/run cross-builds it).
 */
#include <errno.h>
#include <msgq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <unistd.h>

#define REPLY_BASE 1000000000L

struct text_msg {
        long mtype;
        char text[300];
};

/* COUNT text toggles on the queue of key, each reply awaited (a reply is
 * sent once the change is made; msgrcv() waits for it). */
static int text_toggles(key_t key, unsigned long count)
{
        struct text_msg req = { .mtype = 1 }, rep;
        long mine = REPLY_BASE + (long) getpid();
        unsigned long i;
        ssize_t n;
        int id, len;

        id = msgget(key, 0);
        if (id < 0) {
                fprintf(stderr, "pins-msgq: msgget(0x%08x): %s\n", (unsigned) key, strerror(errno));
                return 1;
        }
        len = snprintf(req.text, sizeof req.text, "TOGGLE pid=%ld", (long) getpid());
        for (i = 0; i < count; i++) {
                if (msgsnd(id, &req, (size_t) len + 1, 0) < 0) {
                        fprintf(stderr, "pins-msgq: text toggle %lu of %lu: msgsnd: %s\n", i + 1, count,
                                strerror(errno));
                        return 1;
                }
                n = msgrcv(id, &rep, sizeof rep.text - 1, mine, 0);
                if (n < 0) {
                        fprintf(stderr, "pins-msgq: text toggle %lu of %lu: msgrcv: %s\n", i + 1, count,
                                strerror(errno));
                        return 1;
                }
                rep.text[n] = '\0';
                if (strncmp(rep.text, "OK led=", 7) != 0) {
                        fprintf(stderr, "pins-msgq: text toggle %lu of %lu: msgqd said '%s'\n", i + 1, count,
                                rep.text);
                        return 1;
                }
        }
        return 0;
}

int main(int argc, char **argv)
{
        struct msgq *h;
        char err[256] = "";
        unsigned long i, count;
        const char *arg;
        char *end;
        int text, r;

        text = argc == 3 && strcmp(argv[1], "text") == 0;
        arg = argc == 2 ? argv[1] : text ? argv[2] : "";
        errno = 0;
        count = strtoul(arg, &end, 10);
        if (!(argc == 2 || text) || errno || end == arg || *end || count == 0 || count > 1000000) {
                fprintf(stderr, "usage: pins-msgq [text] COUNT (1 to 1000000 toggles)\n");
                return 2;
        }
        r = msgq_open_config(&h, NULL, 0, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "pins-msgq: %s\n", err[0] ? err : msgq_strerror(r));
                return 1;
        }
        if (text) {
                r = text_toggles(msgq_key(h), count);
                msgq_close(h);
                return r;
        }
        for (i = 0; i < count; i++) {
                r = msgq_led_toggle(h, NULL);
                if (r < 0) {
                        fprintf(stderr, "pins-msgq: toggle %lu of %lu: %s\n", i + 1, count, msgq_errmsg(h));
                        msgq_close(h);
                        return 1;
                }
        }
        msgq_close(h);
        return 0;
}
