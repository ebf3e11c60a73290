/* SPDX-License-Identifier: MIT */
/* msgqctl send [-p PRIORITY] TEXT...: one line of text for msgqd. */
#include <stdio.h>
#include <string.h>

#include "msgqctl.h"

/* TEXT's words joined by single spaces, checked before anything is copied. */
static size_t join_text(const struct command *cmd, int argc, char **argv, char *text,
                        size_t size) {
        size_t len = 0;

        for (int i = 0; i < argc; i++)
                len += strlen(argv[i]) + (i > 0);
        if (len == 0)
                die_usage(cmd, "empty text");
        if (len > MSGQ_TEXT_MAX || len >= size)
                die_usage(cmd, "text too long: %zu bytes, at most %u", len,
                          (unsigned) MSGQ_TEXT_MAX);

        len = 0;
        for (int i = 0; i < argc; i++) {
                size_t n = strlen(argv[i]);

                if (i > 0)
                        text[len++] = ' ';
                memcpy(text + len, argv[i], n);
                len += n;
        }
        text[len] = '\0';

        for (size_t i = 0; i < len; i++) {
                unsigned char ch = (unsigned char) text[i];

                if (ch < 0x20 || ch == 0x7f)
                        die_usage(cmd, "text contains a control character (0x%02x at byte %zu)",
                                  ch, i);
        }
        return len;
}

int cmd_send(struct ctl *ctl, const struct command *cmd, int argc, char **argv) {
        static const struct option options[] = {
                { "priority", required_argument, NULL, 'p' },
                COMMAND_HELP_OPTION,
                {},
        };
        char text[MSGQ_TEXT_MAX + 1];
        struct msgq_reply rep;
        long prio = ctl->prio;
        size_t len;
        int c;

        while ((c = command_getopt(cmd, argc, argv, "+:hp:", options)) != -1)
                if (c == 'p')
                        prio = parse_priority(cmd, optarg);
        argc -= optind;
        argv += optind;
        if (argc < 1)
                die_usage(cmd, "missing TEXT");
        len = join_text(cmd, argc, argv, text, sizeof(text));

        ctl_call_or_die(ctl, prio, MSGQ_OP_SEND, 0, 0, text, &rep);

        if (ctl->json) {
                struct msgq_json j;

                msgq_json_init(&j, stdout);
                msgq_json_begin_object(&j, NULL);
                msgq_json_bool(&j, "sent", true);
                msgq_json_uint(&j, "bytes", len);
                msgq_json_int(&j, "priority", prio);
                msgq_json_end_object(&j);
                msgq_json_finish(&j);
        } else {
                printf("sent: %zu byte%s at priority %ld\n", len, len == 1 ? "" : "s", prio);
        }
        return EXIT_OK;
}
