/* SPDX-License-Identifier: MIT */
/*
 * The smallest msgqd client: the seed chapter's client, speaking the text
 * protocol.  Usage: plain-client KEY PRIORITY COMMAND [reply]
 *   plain-client 0x6d736771 1 ON          fire and forget
 *   plain-client 0x6d736771 5 STATE reply  wait (5 s at most) for the answer
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <unistd.h>

struct message { long type; char text[512]; };

static void on_alarm(int sig) { (void) sig; }

int main(int argc, char **argv) {
        struct message m;
        int id, reply = argc > 4 && strcmp(argv[4], "reply") == 0;
        ssize_t n;

        if (argc < 4) {
                fprintf(stderr, "usage: %s KEY PRIORITY COMMAND [reply]\n", argv[0]);
                return 2;
        }
        id = msgget((key_t) strtol(argv[1], NULL, 0), 0);
        if (id < 0) {
                perror("msgget (is msgqd running?)");
                return 3;
        }
        m.type = strtol(argv[2], NULL, 10);
        if (reply) /* name our reply address: type 1000000000 + PID */
                snprintf(m.text, sizeof m.text, "%s pid=%d", argv[3], (int) getpid());
        else
                snprintf(m.text, sizeof m.text, "%s", argv[3]);
        if (msgsnd(id, &m, strlen(m.text) + 1, 0) < 0) {
                perror("msgsnd");
                return 1;
        }
        if (!reply)
                return 0;
        signal(SIGALRM, on_alarm); /* msgrcv is interrupted, never restarted */
        alarm(5);
        n = msgrcv(id, &m, sizeof m.text - 1, 1000000000L + getpid(), 0);
        if (n < 0) {
                perror("msgrcv");
                return 3;
        }
        m.text[n] = '\0'; /* replies carry no NUL */
        printf("%s\n", m.text);
        return strncmp(m.text, "OK", 2) == 0 ? 0 : 1;
}
