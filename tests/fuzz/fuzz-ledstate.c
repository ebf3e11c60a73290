/* SPDX-License-Identifier: MIT */
/*
 * ledstate_file_parse() on any bytes: no crash, no read past them, one of
 * its documented errors, and every file it accepts is exactly the one
 * msgqd writes for what it read (each version has one spelling: version 3
 * ledstate_slot_format()'s for the slot taken, the other one refused or of
 * no higher change number; version 2 its lines after "msgqd-led-state 2";
 * version 1 msgq 0.2's, written out below), with
 * lines no line table would refuse to take up: 1 to 64, each a good name
 * and gpio setting, no name or line twice, a state line.c could be in.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "ledstate.h"
#include "line-config.h"
#include "protocol.h"

/* A version-1 file as msgq 0.2 wrote it, for f's one line. */
static int format_v1(const struct ledstate_file *f, char *buf, size_t size) {
        const struct ledstate_line *l = &f->line[0];

        return snprintf(buf, size,
                        "msgqd-led-state 1\non %d\nblinking %d\nperiod_ms %" PRIu32 "\nremaining %" PRIu32
                        "\nchanges %" PRIu64 "\nboot_us %" PRIu64 "\nnext_toggle_us %" PRIu64 "\n",
                        l->on, l->blinking, l->period_ms, l->remaining, f->changes, f->boot_us,
                        l->next_toggle_us);
}

static void check_line(const struct ledstate_file *f, size_t i) {
        const struct ledstate_line *l = &f->line[i];

        FUZZ_CHECK(msgq_line_name_check(l->name) == 0);
        FUZZ_CHECK(f->version == 1 ? l->gpio[0] == '\0' : msgq_gpio_check(l->gpio) == 0);
        for (size_t j = 0; j < i; j++)
                FUZZ_CHECK(!msgq_line_name_eq(f->line[j].name, l->name) &&
                           !msgq_gpio_same_line(f->line[j].gpio, l->gpio));
        if (l->blinking) {
                FUZZ_CHECK(l->period_ms >= MSGQ_BLINK_PERIOD_MIN_MS && l->period_ms <= MSGQ_BLINK_PERIOD_MAX_MS);
                FUZZ_CHECK(l->remaining <= 2 * MSGQ_BLINK_COUNT_MAX);
                FUZZ_CHECK(l->remaining == 0 || l->on == (l->remaining % 2 == 1));
        } else {
                FUZZ_CHECK(l->period_ms == 0 && l->remaining == 0 && l->next_toggle_us == 0);
        }
}

/* A version-2 file for f: "msgqd-led-state 2" and its lines. */
static int format_v2(const struct ledstate_file *f, char *buf, size_t size) {
        int n = snprintf(buf, size, "msgqd-led-state 2\n");

        return n < 0 || (size_t) n >= size ? -ENOBUFS : n + ledstate_body_format(f, buf + n, size - (size_t) n);
}

/* The slot taken is ledstate_slot_format()'s; the other one is refused, or of no higher change number. */
static void check_v3(const struct ledstate_file *f, const uint8_t *data, size_t size) {
        static char again[LEDSTATE_SLOT_MAX];
        static uint8_t both[LEDSTATE_SIZE_MAX];
        static struct ledstate_file other;
        size_t slot = f->slot_size;

        FUZZ_CHECK(size >= slot * (f->slot + 1) && size <= 2 * slot && f->slot <= 1 &&
                   (f->bad & (1u << f->slot)) == 0 && f->bad <= 3);
        FUZZ_CHECK(ledstate_slot_format(f, slot, again) == 0);
        FUZZ_CHECK(memcmp(again, data + f->slot * slot, slot) == 0);
        if (f->bad & (1u << !f->slot))
                return;
        /* The other slot alone, before a slot of garbage: it is read as good. */
        FUZZ_CHECK(size == 2 * slot);
        memcpy(both, data + !f->slot * slot, slot);
        memset(both + slot, 'x', slot);
        FUZZ_CHECK(ledstate_file_parse((const char *) both, size, &other) == 0 && other.bad == 2);
        FUZZ_CHECK(other.changes < f->changes || (other.changes == f->changes && f->slot == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static struct ledstate_file f;
        static char again[LEDSTATE_SIZE_MAX];
        int r, n;

        memset(&f, 0xa5, sizeof f);
        r = ledstate_file_parse((const char *) data, size, &f);
        FUZZ_CHECK(r == 0 || r == -ENODATA || r == -EFBIG || r == -EPROTONOSUPPORT || r == -EBADMSG);
        FUZZ_CHECK(strlen(ledstate_strerror(r)) > 0);
        if (r < 0)
                return 0;
        FUZZ_CHECK(f.version >= 1 && f.version <= 3);
        FUZZ_CHECK(f.n >= 1 && f.n <= LEDSTATE_LINES_MAX && (f.version > 1 || f.n == 1));
        for (size_t i = 0; i < f.n; i++)
                check_line(&f, i);
        if (f.version == 1) {
                FUZZ_CHECK(strcmp(f.line[0].name, MSGQ_LINE_DEFAULT) == 0 && !f.line[0].active_low);
                FUZZ_CHECK(f.line[0].seq == (uint32_t) f.changes);
        }
        if (f.version == 3) {
                check_v3(&f, data, size);
                return 0;
        }
        n = f.version == 1 ? format_v1(&f, again, sizeof again) : format_v2(&f, again, sizeof again);
        FUZZ_CHECK(n > 0 && (size_t) n == size && memcmp(again, data, size) == 0);
        return 0;
}
