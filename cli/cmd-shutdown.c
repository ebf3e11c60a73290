/* SPDX-License-Identifier: MIT */
/* msgqctl shutdown: ask msgqd to stop cleanly. */
#include <stdio.h>

#include "msgqctl.h"

int cmd_shutdown(struct ctl *ctl, const struct command *cmd, int argc, char **argv) {
        static const struct option options[] = { COMMAND_HELP_OPTION, {} };
        struct msgq_reply rep;

        while (command_getopt(cmd, argc, argv, "+:h", options) != -1)
                ;
        if (optind < argc)
                die_usage(cmd, "unexpected argument '%s'", argv[optind]);

        ctl_call_or_die(ctl, ctl->prio, MSGQ_OP_EXIT, 0, 0, NULL, &rep);

        if (ctl->json) {
                struct msgq_json j;

                msgq_json_init(&j, stdout);
                msgq_json_begin_object(&j, NULL);
                msgq_json_bool(&j, "stopping", true);
                msgq_json_uint(&j, "daemon_pid", rep.daemon_pid);
                msgq_json_end_object(&j);
                msgq_json_finish(&j);
        } else {
                printf("msgqd pid %u is stopping\n", (unsigned) rep.daemon_pid);
        }
        return EXIT_OK;
}
