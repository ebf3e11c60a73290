/* SPDX-License-Identifier: MIT */
/*
 * msgqctl's side of a conversation with msgqd: which key (configuration
 * file < MSGQ_KEY < -k), opening the queue on first use, one request at a
 * time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "msgqctl.h"

static _Noreturn void die_config(const char *path, int err, int line) {
        if (line > 0)
                die(EXIT_USAGE, "%s:%d: invalid configuration line", path, line);
        die(EXIT_USAGE, "cannot read %s: %s", path, strerror(-err));
}

/*
 * With -k, neither the default file nor MSGQ_KEY could change the key, so
 * they are not read; a file named with -c is always read and checked.
 */
key_t ctl_key(struct ctl *ctl) {
        struct msgq_config config;
        int r, line = 0;

        if (ctl->key_resolved)
                return ctl->key;

        msgq_config_defaults(&config);
        if (ctl->config_path) {
                r = msgq_config_load(&config, ctl->config_path, &line);
                if (r < 0)
                        die_config(ctl->config_path, r, line);
        } else if (!ctl->key_set) {
                const char *path = msgq_config_default_path();

                r = msgq_config_load(&config, path, &line);
                if (r < 0 && r != -ENOENT)
                        die_config(path, r, line);
        }
        if (!ctl->key_set) {
                if (msgq_config_from_env(&config) < 0)
                        die(EXIT_USAGE, "invalid MSGQ_KEY '%s': expected a non-zero number, "
                            "decimal or 0x hex", getenv("MSGQ_KEY"));
                ctl->key = config.key;
        }
        ctl->key_resolved = true;
        return ctl->key;
}

int ctl_open(struct ctl *ctl) {
        int r;

        if (ctl->open)
                return 0;
        r = msgq_client_open(&ctl->client, ctl_key(ctl));
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

int ctl_call(struct ctl *ctl, long prio, uint16_t op, uint32_t arg0, uint32_t arg1,
             const char *text, struct msgq_reply *rep) {
        struct msgq_request req;
        size_t len = text ? strlen(text) : 0;
        int r;

        if (len > MSGQ_TEXT_MAX)
                return -EMSGSIZE;
        r = ctl_open(ctl);
        if (r < 0)
                return r;

        memset(&req, 0, sizeof(req));
        req.prio = prio;
        req.op = op;
        req.arg0 = arg0;
        req.arg1 = arg1;
        req.text_len = (uint16_t) len;
        if (len)
                memcpy(req.text, text, len);
        memset(rep, 0, sizeof(*rep));
        return msgq_client_call(&ctl->client, prio, &req, rep, ctl->timeout_ms);
}

void ctl_call_or_die(struct ctl *ctl, long prio, uint16_t op, uint32_t arg0, uint32_t arg1,
                     const char *text, struct msgq_reply *rep) {
        ctl_check_or_die(ctl, ctl_call(ctl, prio, op, arg0, arg1, text, rep), rep);
}

void ctl_check_or_die(const struct ctl *ctl, int r, const struct msgq_reply *rep) {
        char message[512];

        if (r < 0) {
                int code = report_errno(ctl, r, message, sizeof(message));

                die(code, "%s", message);
        }
        if (rep->status != MSGQ_OK)
                die_reply(rep);
}
