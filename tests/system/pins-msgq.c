// SPDX-License-Identifier: MIT
/*
 * pins-msgq: msgqd driven as fast as one client can, for the pin benchmark
 * (tests/system/guest-pins): COUNT msgq_led_toggle() calls through libmsgq,
 * each waiting for msgqd's reply before the next.
 *
 *   pins-msgq COUNT        the key as msgqctl takes it (msgq.conf)
 *
 * Built for the guest against the libmsgq of the package under test
 * (tests/system/run cross-builds it).
 */
#include <errno.h>
#include <msgq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
        struct msgq *h;
        char err[256] = "";
        unsigned long i, count;
        char *end;
        int r;

        errno = 0;
        count = argc == 2 ? strtoul(argv[1], &end, 10) : 0;
        if (argc != 2 || errno || end == argv[1] || *end || count == 0 || count > 1000000) {
                fprintf(stderr, "usage: pins-msgq COUNT (1 to 1000000 toggles)\n");
                return 2;
        }
        r = msgq_open_config(&h, NULL, 0, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "pins-msgq: %s\n", err[0] ? err : msgq_strerror(r));
                return 1;
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
