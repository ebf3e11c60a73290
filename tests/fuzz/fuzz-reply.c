/* SPDX-License-Identifier: MIT */
/*
 * msgq_reply_decode() on any bytes, as a client finds them on its reply
 * type (where anyone who may write the queue can put anything): no crash,
 * no read past the body, error texts without control characters, and what
 * it accepts decodes the same after encoding it again.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* Zeroed: a decoder leaves the entries past its counts alone (msgq_reply_clear()). */
        struct msgq_reply rep = { .status = 0 }, again = { .status = 0 };
        unsigned char buf[MSGQ_MSG_MAX];
        char text[MSGQ_MSG_MAX];
        int r, len;

        r = msgq_reply_decode(data, size, &rep);
        if (r < 0) {
                FUZZ_CHECK(r == -EBADMSG || r == -EPROTO);
                return 0;
        }
        FUZZ_CHECK(size >= MSGQ_REPLY_HEADER_SIZE && size <= MSGQ_MSG_MAX);
        FUZZ_CHECK(rep.led.on <= 1 && rep.led.blinking <= 1);
        FUZZ_CHECK(strlen(rep.error) <= MSGQ_ERROR_TEXT_MAX);
        for (const char *c = rep.error; *c; c++)
                FUZZ_CHECK((unsigned char) *c >= 0x20 && *c != 0x7f);
        FUZZ_CHECK(rep.status == MSGQ_OK || strlen(rep.error) == size - MSGQ_REPLY_HEADER_SIZE);

        len = msgq_reply_encode(&rep, buf, sizeof buf);
        FUZZ_CHECK(len >= 0 && (size_t) len == size);
        FUZZ_CHECK(msgq_reply_decode(buf, (size_t) len, &again) == 0);
        FUZZ_CHECK(memcmp(&rep, &again, sizeof rep) == 0);
        FUZZ_CHECK(msgq_reply_encode(&rep, buf, size - 1) == -EMSGSIZE);

        /* What a text client would be sent for it. */
        for (size_t n = 0; n < sizeof text; n += 7) {
                int t = msgq_text_reply_format(&rep, text, n);
                FUZZ_CHECK(t == -EMSGSIZE || (t >= 0 && (size_t) t < n && strlen(text) == (size_t) t));
        }
        return 0;
}
