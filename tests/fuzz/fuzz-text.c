/* SPDX-License-Identifier: MIT */
/*
 * msgq_text_decode() on any bytes, as plain clients in any language send
 * them: no crash, a status for every refusal, and what it accepts means the
 * same request once encoded in the binary form and decoded again.  The
 * text replies to it are formatted into buffers of every small size.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "protocol.h"

static void format_replies(const struct msgq_request *req) {
        struct msgq_reply rep = { .op = req->op, .token = req->token, .daemon_pid = 4242,
                                  .led = { .on = 1, .blinking = req->op == MSGQ_OP_LED_BLINK },
                                  .stats = { .uptime_ms = UINT64_MAX, .errors = UINT64_MAX } };
        char buf[MSGQ_MSG_MAX];

        for (uint32_t status = 0; status <= _MSGQ_ERR_MAX; status++) {
                rep.status = status;
                snprintf(rep.error, sizeof rep.error, "%s", status % 2 ? "" : "cannot drive it");
                for (size_t size = 0; size <= 64; size++) {
                        int n = msgq_text_reply_format(&rep, buf, size);
                        FUZZ_CHECK(n == -EMSGSIZE || (n >= 0 && (size_t) n < size));
                        if (n >= 0)
                                FUZZ_CHECK(strlen(buf) == (size_t) n);
                }
                FUZZ_CHECK(msgq_text_reply_format(&rep, buf, sizeof buf) > 0);
                FUZZ_CHECK(strncmp(buf, status == MSGQ_OK ? "OK" : "ERR ", status == MSGQ_OK ? 2 : 4) == 0);
        }
}

/* A line's name: 1 to 31 letters, digits, '-' or '_', starting with a letter. */
static bool name_ok(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > MSGQ_LINE_NAME_MAX || !isalpha((unsigned char) s[0]))
                return false;
        return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        long prio = size ? 1 + data[0] % MSGQ_PRIO_MAX : 5;
        struct msgq_request req, again = { .prio = prio };
        unsigned char buf[MSGQ_MSG_MAX];
        uint32_t status = UINT32_MAX;
        int r, len;

        r = msgq_text_decode(data, size, prio, &req, &status);
        FUZZ_CHECK(req.prio == prio);
        FUZZ_CHECK(status < _MSGQ_ERR_MAX);
        FUZZ_CHECK((r == 0) == (status == MSGQ_OK));
        FUZZ_CHECK(req.text_len == 0);
        if (r < 0) {
                FUZZ_CHECK(r == -EBADMSG || r == -EMSGSIZE || r == -EOPNOTSUPP || r == -EINVAL);
                return 0;
        }
        FUZZ_CHECK(!msgq_body_is_binary(data, size));
        FUZZ_CHECK(req.op > 0 && req.op < _MSGQ_OP_MAX && req.op != MSGQ_OP_SEND);
        /* pid= or not: a reply address, or no reply wanted. */
        FUZZ_CHECK(req.pid ? msgq_request_has_address(&req) && req.flags == 0
                           : req.flags == MSGQ_REQ_NO_REPLY);
        for (size_t i = 0; i < size; i++)
                FUZZ_CHECK((data[i] >= 0x20 && data[i] < 0x7f) ||
                           (i >= size - 2 && (data[i] == '\n' || data[i] == '\0')));

        /* Lines by name: names by the rules, each once; binary names none, msgqd looks them up. */
        FUZZ_CHECK(req.nvalues <= MSGQ_LINES_MAX && (req.nvalues > 0) == (req.op == MSGQ_OP_LINE_SET));
        for (size_t i = 0; i < req.nvalues; i++) {
                const char *name = msgq_line_value_name(&req, i);

                FUZZ_CHECK(strlen(name) == req.values[i].name_len && name_ok(name));
                for (size_t j = 0; j < i; j++)
                        FUZZ_CHECK(strcasecmp(name, msgq_line_value_name(&req, j)) != 0);
        }
        FUZZ_CHECK(!req.line_name[0] || name_ok(req.line_name));
        if (req.nvalues > 0 || req.line_name[0]) {
                format_replies(&req);
                return 0;
        }
        req.pid = req.pid ? req.pid : 1;
        req.token = 99;
        req.deadline_ns = 1;
        len = msgq_request_encode(&req, buf, sizeof buf);
        FUZZ_CHECK(len == MSGQ_REQUEST_HEADER_SIZE);
        FUZZ_CHECK(msgq_request_decode(buf, (size_t) len, &again, &status) == 0);
        FUZZ_CHECK(again.op == req.op && again.arg0 == req.arg0 && again.arg1 == req.arg1 &&
                   again.pid == req.pid && again.flags == req.flags);
        format_replies(&req);
        return 0;
}
