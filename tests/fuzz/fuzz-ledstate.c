/* SPDX-License-Identifier: MIT */
/*
 * ledstate_parse() on any bytes: no crash, no read past them, one of its
 * documented errors, and every file it accepts is exactly the one
 * ledstate_format() writes for what it read (the format has one spelling),
 * with a state no line table would refuse to take up.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "ledstate.h"
#include "protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct ledstate s;
        char again[LEDSTATE_SIZE_MAX];
        int r, n;

        memset(&s, 0xa5, sizeof s);
        r = ledstate_parse((const char *) data, size, &s);
        FUZZ_CHECK(r == 0 || r == -ENODATA || r == -EFBIG || r == -EPROTONOSUPPORT || r == -EBADMSG);
        FUZZ_CHECK(strlen(ledstate_strerror(r)) > 0);
        if (r < 0)
                return 0;
        n = ledstate_format(&s, again, sizeof again);
        FUZZ_CHECK(n > 0 && (size_t) n == size && memcmp(again, data, size) == 0);
        if (s.blinking) {
                FUZZ_CHECK(s.period_ms >= MSGQ_BLINK_PERIOD_MIN_MS && s.period_ms <= MSGQ_BLINK_PERIOD_MAX_MS);
                FUZZ_CHECK(s.remaining <= 2 * MSGQ_BLINK_COUNT_MAX);
        } else {
                FUZZ_CHECK(s.period_ms == 0 && s.remaining == 0 && s.next_toggle_us == 0);
        }
        return 0;
}
