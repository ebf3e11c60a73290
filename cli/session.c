/* SPDX-License-Identifier: MIT */
/*
 * msgqctl's side of a conversation with msgqd: the global options and the
 * configuration (resolved once, as msgqd and msgq-mqtt resolve it), the
 * queue opened on first use, one request at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgq-build.h"
#include "msgqctl.h"
#include "output.h"
#include "parse.h"

/* The global options' values, once all options are read: usage errors. */
static void check_global_options(struct ctl *ctl) {
        const struct global_args *g = &ctl->args;
        char expected[160];
        int r;

        if (g->error[0])
                die_usage(g->error_cmd, "%s", g->error);
        if (g->key && (r = msgq_parse_key(g->key, &ctl->key)) < 0)
                die_usage(NULL, "invalid key '%s': %s", g->key,
                          msgq_config_expected("key", r, expected, sizeof expected));
        if (g->timeout && msgq_parse_duration(g->timeout, 1000, 1, 3600000, &ctl->timeout_ms) < 0)
                die_usage(NULL, "invalid timeout '%s': expected seconds (or 500ms, 2s, 1min), "
                          "more than 0 and at most 3600 s", g->timeout);
        if (g->prio)
                ctl->prio = parse_priority(NULL, g->prio);
}

void ctl_configure(struct ctl *ctl, const struct command *cmd) {
        char err[512];

        output = ctl->args.quiet ? &quiet_output : ctl->args.json ? &json_output : &text_output;
        check_global_options(ctl);
        if (ctl->args.version) {
                printf("%s %s (protocol %d)\n", PROGRAM_NAME, PACKAGE_VERSION,
                       MSGQ_PROTOCOL_VERSION);
                exit(output_finish(EXIT_OK));
        }
        if (cmd && cmd->no_queue)
                return;
        ctl->config_path = ctl->args.config ? ctl->args.config : msgq_config_default_path();
        if (msgq_config_resolve(&ctl->config, ctl->args.config, ctl->args.key, err,
                                sizeof err) < 0)
                die(EXIT_USAGE, "%s", err);
        ctl->key = ctl->config.key;
}

int ctl_open(struct ctl *ctl) {
        int r;

        if (ctl->open)
                return 0;
        r = msgq_client_open(&ctl->client, ctl->key);
        if (r < 0)
                return r;
        ctl->open = true;
        return 0;
}

void ctl_close(struct ctl *ctl) {
        if (!ctl->open)
                return;
        msgq_client_close(&ctl->client);
        ctl->open = false;
}

int ctl_call_within(struct ctl *ctl, uint64_t timeout_ms, long prio, uint16_t op, uint32_t arg0,
                    uint32_t arg1, const char *text, struct msgq_reply *rep) {
        struct msgq_request req;
        size_t len = text ? strlen(text) : 0;
        int r;

        if (len > MSGQ_TEXT_MAX)
                return -EMSGSIZE;
        r = ctl_open(ctl);
        if (r < 0)
                return r;

        memset(&req, 0, sizeof req);
        req.prio = prio;
        req.op = op;
        req.arg0 = arg0;
        req.arg1 = arg1;
        req.text_len = (uint16_t) len;
        if (len)
                memcpy(req.text, text, len);
        memset(rep, 0, sizeof *rep);
        return msgq_client_call(&ctl->client, prio, &req, rep, timeout_ms);
}

int ctl_call(struct ctl *ctl, long prio, uint16_t op, uint32_t arg0, uint32_t arg1,
             const char *text, struct msgq_reply *rep) {
        return ctl_call_within(ctl, ctl->timeout_ms, prio, op, arg0, arg1, text, rep);
}

void ctl_call_or_die(struct ctl *ctl, long prio, uint16_t op, uint32_t arg0, uint32_t arg1,
                     const char *text, struct msgq_reply *rep) {
        ctl_check_or_die(ctl, ctl_call(ctl, prio, op, arg0, arg1, text, rep), rep);
}

void ctl_check_or_die(const struct ctl *ctl, int r, const struct msgq_reply *rep) {
        if (r < 0)
                exit(output_finish(report_errno(ctl, r)));
        if (rep->status != MSGQ_OK)
                exit(output_finish(report_reply(rep)));
}
