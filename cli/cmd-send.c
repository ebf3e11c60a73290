/* SPDX-License-Identifier: MIT */
/* msgqctl send [-p PRIORITY] TEXT...|-: one line of text for msgqd. */
#include <stdio.h>
#include <string.h>

#include "msgqctl.h"
#include "output.h"

static void check_text(const struct command *cmd, const char *text, size_t len) {
        if (len == 0)
                die_usage(cmd, "empty text");
        for (size_t i = 0; i < len; i++) {
                unsigned char ch = (unsigned char) text[i];

                if (ch < 0x20 || ch == 0x7f)
                        die_usage(cmd, "text contains a control character (0x%02x at byte %zu)",
                                  ch, i);
        }
}

/* TEXT's words joined by single spaces, checked before anything is copied. */
static size_t join_text(const struct command *cmd, int argc, char **argv, char *text,
                        size_t size) {
        size_t len = 0;

        for (int i = 0; i < argc; i++)
                len += strlen(argv[i]) + (i > 0);
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
        return len;
}

/* "-": one line from standard input (up to its end), the newline removed. */
static size_t read_text(const struct command *cmd, char *text, size_t size) {
        size_t len = fread(text, 1, size - 1, stdin);

        if (ferror(stdin))
                die(EXIT_USAGE, "cannot read the text from standard input");
        if (len > 0 && text[len - 1] == '\n')
                len--;
        if (len > MSGQ_TEXT_MAX)
                die_usage(cmd, "text too long: more than %u bytes", (unsigned) MSGQ_TEXT_MAX);
        if (getchar() != EOF)
                die_usage(cmd, "text too long or more than one line on standard input");
        text[len] = '\0';
        return len;
}

int cmd_send(struct ctl *ctl, const struct command *cmd, int argc, char **argv) {
        static const struct option options[] = {
                { "priority", required_argument, NULL, 'p' },
                {},
        };
        char text[MSGQ_TEXT_MAX + 2];
        struct msgq_reply rep;
        const char *prio_arg = NULL;
        long prio;
        size_t len;
        int c;

        while ((c = command_getopt(ctl, cmd, argc, argv, "p:", options)) != -1)
                if (c == 'p')
                        prio_arg = optarg;
        prio = prio_arg ? parse_priority(cmd, prio_arg) : ctl->prio;
        argc -= optind;
        argv += optind;
        if (argc < 1)
                die_usage(cmd, "missing TEXT (or - to read it from standard input)");
        if (argc == 1 && strcmp(argv[0], "-") == 0)
                len = read_text(cmd, text, MSGQ_TEXT_MAX + 2);
        else
                len = join_text(cmd, argc, argv, text, sizeof text);
        check_text(cmd, text, len); /* a NUL byte is a control character too */

        ctl_call_or_die(ctl, prio, MSGQ_OP_SEND, 0, 0, text, &rep);
        output->sent(len, prio);
        return EXIT_OK;
}
