/* SPDX-License-Identifier: MIT */
/* msgqctl shutdown: ask msgqd to stop cleanly. */
#include "msgqctl.h"
#include "output.h"

int cmd_shutdown(struct ctl *ctl, const struct command *cmd, int argc, char **argv) {
        struct msgq_reply rep;

        while (command_getopt(ctl, cmd, argc, argv, "", NULL) != -1)
                ;
        if (optind < argc)
                die_usage(cmd, "unexpected argument '%s'", argv[optind]);

        ctl_call_or_die(ctl, ctl->prio, MSGQ_OP_EXIT, 0, 0, NULL, &rep);
        output->stopping(rep.daemon_pid);
        return EXIT_OK;
}
