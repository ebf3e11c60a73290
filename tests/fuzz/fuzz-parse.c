/* SPDX-License-Identifier: MIT */
/*
 * The parsers of what users type (keys, numbers, modes, booleans,
 * seconds) on any string: no crash, no read past the NUL, *ret untouched
 * on refusal, results within range, and what they accept reads back the
 * same once printed in the canonical form.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "fuzz.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1), canon[64];
        unsigned long u = 4242, u2;
        uint64_t ms = 4242, ms2;
        unsigned mode = 4242, mode2;
        key_t key = 4242, key2;
        bool b = true, b2;
        int r;

        FUZZ_CHECK(s);
        memcpy(s, data, size);
        s[size] = '\0';

        r = msgq_parse_key(s, &key);
        FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
        if (r == 0) {
                FUZZ_CHECK(key != 0);
                snprintf(canon, sizeof canon, "0x%x", (unsigned) key);
                FUZZ_CHECK(msgq_parse_key(canon, &key2) == 0 && key2 == key);
        } else {
                FUZZ_CHECK(key == 4242);
        }

        r = msgq_parse_uint(s, 1, 10, &u);
        FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
        FUZZ_CHECK(r == 0 ? u >= 1 && u <= 10 : u == 4242);
        r = msgq_parse_uint(s, 0, ULONG_MAX, &u);
        if (r == 0) {
                snprintf(canon, sizeof canon, "%lu", u);
                FUZZ_CHECK(msgq_parse_uint(canon, 0, ULONG_MAX, &u2) == 0 && u2 == u);
        }

        r = msgq_parse_mode(s, &mode);
        FUZZ_CHECK(r == 0 ? mode <= 0777 : mode == 4242);
        if (r == 0) {
                snprintf(canon, sizeof canon, "0%o", mode);
                FUZZ_CHECK(msgq_parse_mode(canon, &mode2) == 0 && mode2 == mode);
        }

        r = msgq_parse_bool(s, &b);
        FUZZ_CHECK(r == 0 || b == true);
        if (r == 0)
                FUZZ_CHECK(msgq_parse_bool(b ? "yes" : "no", &b2) == 0 && b2 == b);

        r = msgq_parse_seconds(s, &ms);
        FUZZ_CHECK(r == 0 ? ms > 0 && ms <= 3600000 : ms == 4242);
        if (r == 0) {
                snprintf(canon, sizeof canon, "%llu.%03llu", (unsigned long long) (ms / 1000),
                         (unsigned long long) (ms % 1000));
                FUZZ_CHECK(msgq_parse_seconds(canon, &ms2) == 0 && ms2 == ms);
        }
        free(s);
        return 0;
}
