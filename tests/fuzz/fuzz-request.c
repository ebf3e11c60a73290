/* SPDX-License-Identifier: MIT */
/*
 * msgq_request_decode() on any bytes, as msgqd receives them from anyone
 * who may write the queue: no crash, no read past the body, a status for
 * every refusal, and what it accepts is canonical (encoding the decoded
 * request gives back the very same bytes).
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct msgq_request req = { .prio = 7 }, again = { .prio = 7 };
        unsigned char buf[MSGQ_MSG_MAX];
        uint32_t status = UINT32_MAX;
        int r, len;

        r = msgq_request_decode(data, size, &req, &status);
        FUZZ_CHECK(req.prio == 7);
        FUZZ_CHECK(status < _MSGQ_ERR_MAX);
        FUZZ_CHECK((r == 0) == (status == MSGQ_OK));
        FUZZ_CHECK(req.text_len <= MSGQ_TEXT_MAX && req.text[req.text_len] == '\0');
        FUZZ_CHECK(req.pid == 0 || msgq_request_has_address(&req));
        if (r < 0) {
                FUZZ_CHECK(r == -EBADMSG || r == -EPROTO || r == -EMSGSIZE || r == -EOPNOTSUPP ||
                           r == -EINVAL);
                FUZZ_CHECK(status != MSGQ_OK);
                return 0;
        }
        FUZZ_CHECK(msgq_body_is_binary(data, size));
        FUZZ_CHECK(size >= MSGQ_REQUEST_HEADER_SIZE && size <= MSGQ_REQUEST_MAX_SIZE);
        FUZZ_CHECK(req.op > 0 && req.op < _MSGQ_OP_MAX);
        FUZZ_CHECK(msgq_request_has_address(&req));
        FUZZ_CHECK(strlen(req.text) == req.text_len);

        len = msgq_request_encode(&req, buf, sizeof buf);
        FUZZ_CHECK(len >= 0 && (size_t) len == size && memcmp(buf, data, size) == 0);
        FUZZ_CHECK(msgq_request_decode(buf, (size_t) len, &again, &status) == 0);
        FUZZ_CHECK(memcmp(&req, &again, sizeof req) == 0);
        /* An encoder given too little room refuses, and writes nothing past it. */
        FUZZ_CHECK(msgq_request_encode(&req, buf, size - 1) == -EMSGSIZE);
        return 0;
}
