/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledstate.h"
#include "line-config.h"
#include "log.h"
#include "protocol.h"

#define MAGIC "msgqd-led-state"

static uint64_t clock_us(clockid_t id) {
        struct timespec ts;

        clock_gettime(id, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

uint64_t ledstate_now_us(void) {
        return clock_us(CLOCK_BOOTTIME);
}

uint64_t ledstate_boot_us(void) {
        uint64_t boot = clock_us(CLOCK_BOOTTIME), real = clock_us(CLOCK_REALTIME);

        return real > boot ? real - boot : 0;
}

/* Decimal digits only, no sign or leading zero (but "0"), at most max. */
static int parse_u64(const char *s, size_t n, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;

        if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                unsigned d = (unsigned) (s[i] - '0');

                if (d > 9 || d > max || v > (max - d) / 10)
                        return -EBADMSG;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

/*
 * The line at *pos must be "name VALUE\n": VALUE (without the newline) in
 * *value and *len, *pos moved past it.
 */
static int take_line(const char *buf, size_t n, size_t *pos, const char *name, const char **value,
                     size_t *len) {
        size_t k = strlen(name);
        const char *nl;

        if (n - *pos < k + 1 || memcmp(buf + *pos, name, k) != 0 || buf[*pos + k] != ' ')
                return -EBADMSG;
        *value = buf + *pos + k + 1;
        nl = memchr(*value, '\n', n - (*pos + k + 1));
        if (!nl)
                return -EBADMSG; /* truncated */
        *len = (size_t) (nl - *value);
        *pos = (size_t) (nl - buf) + 1;
        return 0;
}

static int take_u64(const char *buf, size_t n, size_t *pos, const char *name, uint64_t max,
                    uint64_t *ret) {
        const char *v;
        size_t len;
        int r = take_line(buf, n, pos, name, &v, &len);

        return r < 0 ? r : parse_u64(v, len, max, ret);
}

/* What no line table (lines.c) would have written: a blink's fields without a blink, and so on. */
static int check_blink(bool on, bool blinking, uint32_t period_ms, uint32_t remaining, uint64_t next_toggle_us) {
        if (!blinking)
                return period_ms || remaining || next_toggle_us ? -EBADMSG : 0;
        if (period_ms < MSGQ_BLINK_PERIOD_MIN_MS || period_ms > MSGQ_BLINK_PERIOD_MAX_MS ||
            remaining > 2 * MSGQ_BLINK_COUNT_MAX)
                return -EBADMSG;
        /* A counted blink starts on with an odd number of toggles left, and ends off. */
        if (remaining > 0 && on != (remaining % 2 == 1))
                return -EBADMSG;
        return 0;
}

/* A line of a version-2 file: a good name and gpio setting, a state no line table refuses. */
static int check_line(const struct ledstate_line *l) {
        if (msgq_line_name_check(l->name) < 0 || msgq_gpio_check(l->gpio) < 0)
                return -EBADMSG;
        if (!l->input && (l->count || l->lost))
                return -EBADMSG;
        if (l->input && (l->blinking || l->lost > l->count)) /* an input never blinks */
                return -EBADMSG;
        return check_blink(l->on, l->blinking, l->period_ms, l->remaining, l->next_toggle_us);
}

/* What any file must be before its lines are read: 0, -ENODATA, -EFBIG or -EBADMSG (a NUL). */
static int check_text(const char *buf, size_t n) {
        if (n == 0)
                return -ENODATA;
        if (n > LEDSTATE_SIZE_MAX)
                return -EFBIG;
        return memchr(buf, '\0', n) ? -EBADMSG : 0;
}

static int take_version(const char *buf, size_t n, size_t *pos, uint64_t *version) {
        const char *v;
        size_t len;

        if (take_line(buf, n, pos, MAGIC, &v, &len) < 0 || parse_u64(v, len, UINT32_MAX, version) < 0)
                return -EBADMSG;
        return 0;
}

/*
 * The rest of a version-1 file, msgq 0.1's and 0.2's, after its first
 * line: the line "led", its gpio and active_low not recorded, every change
 * its own.
 */
static int parse_v1(const char *buf, size_t n, size_t *pos, struct ledstate_file *f) {
        struct ledstate_line *l = &f->line[0];
        uint64_t on, blinking, period, remaining;
        int r;

        *f = (struct ledstate_file) { .version = 1, .n = 1 };
        if ((r = take_u64(buf, n, pos, "on", 1, &on)) < 0 ||
            (r = take_u64(buf, n, pos, "blinking", 1, &blinking)) < 0 ||
            (r = take_u64(buf, n, pos, "period_ms", UINT32_MAX, &period)) < 0 ||
            (r = take_u64(buf, n, pos, "remaining", 2ull * MSGQ_BLINK_COUNT_MAX, &remaining)) < 0 ||
            (r = take_u64(buf, n, pos, "changes", UINT64_MAX, &f->changes)) < 0 ||
            (r = take_u64(buf, n, pos, "boot_us", UINT64_MAX, &f->boot_us)) < 0 ||
            (r = take_u64(buf, n, pos, "next_toggle_us", UINT64_MAX, &l->next_toggle_us)) < 0)
                return r;
        if (*pos != n)
                return -EBADMSG;
        snprintf(l->name, sizeof l->name, "%s", MSGQ_LINE_DEFAULT);
        l->seq = (uint32_t) f->changes;
        l->on = on;
        l->blinking = blinking;
        l->period_ms = (uint32_t) period;
        l->remaining = (uint32_t) remaining;
        return check_blink(l->on, l->blinking, l->period_ms, l->remaining, l->next_toggle_us);
}

/* printf at *len in buf: -ENOBUFS when it does not fit. */
static int append(char *buf, size_t size, size_t *len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int append(char *buf, size_t size, size_t *len, const char *fmt, ...) {
        va_list ap;
        int n;

        if (*len >= size)
                return -ENOBUFS;
        va_start(ap, fmt);
        n = vsnprintf(buf + *len, size - *len, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t) n >= size - *len)
                return -ENOBUFS;
        *len += (size_t) n;
        return 0;
}

/* f's records from "changes" on at *len in buf; with check, only what can be read back. */
static int format_body(const struct ledstate_file *f, char *buf, size_t size, size_t *len, bool check) {
        int r;

        if (f->n == 0 || f->n > LEDSTATE_LINES_MAX)
                return -EINVAL;
        r = append(buf, size, len, "changes %" PRIu64 "\nboot_us %" PRIu64 "\nlines %zu\n", f->changes,
                   f->boot_us, f->n);
        for (size_t i = 0; r == 0 && i < f->n; i++) {
                const struct ledstate_line *l = &f->line[i];

                /* Only what can be read back: a file that cannot would be no state at all. */
                if (check && check_line(l) < 0)
                        return -EINVAL;
                r = append(buf, size, len,
                           "line %s\ngpio %s\nactive_low %d\nseq %" PRIu32 "\non %d\nblinking %d\n"
                           "period_ms %" PRIu32 "\nremaining %" PRIu32 "\nnext_toggle_us %" PRIu64 "\n",
                           l->name, l->gpio, l->active_low, l->seq, l->on, l->blinking, l->period_ms,
                           l->remaining, l->next_toggle_us);
                if (r == 0 && l->input)
                        r = append(buf, size, len, "count %" PRIu64 "\nlost %" PRIu64 "\n", l->count, l->lost);
        }
        return r;
}

int ledstate_body_format(const struct ledstate_file *f, char *buf, size_t size) {
        size_t len = 0;
        int r = format_body(f, buf, size, &len, true);

        return r < 0 ? r : (int) len;
}

/* The last line of a slot: "crc32 " and 8 lowercase hex digits. */
#define CRC_LINE_LEN 15

/*
 * CRC-32 as IEEE 802.3 and zlib's crc32() have it
 * (CRC-32/ISO-HDLC: the polynomial 0x04c11db7 reflected, 0xedb88320; the
 * register starts at and is finally xor'ed with 0xffffffff; "123456789"
 * gives 0xcbf43926), a byte at a time from a table made once.
 */
static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void) {
        for (uint32_t i = 0; i < 256; i++) {
                uint32_t c = i;

                for (int k = 0; k < 8; k++)
                        c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
                crc_table[i] = c;
        }
}

uint32_t ledstate_crc32(const void *buf, size_t n) {
        const unsigned char *p = buf;
        uint32_t c = 0xffffffffu;

        pthread_once(&crc_once, crc_init);
        for (size_t i = 0; i < n; i++)
                c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
        return c ^ 0xffffffffu;
}

static size_t round_up(size_t n, size_t to) {
        return (n + to - 1) / to * to;
}

int ledstate_slot_size(const struct ledstate_file *f) {
        char buf[LEDSTATE_SLOT_MAX];
        struct ledstate_file w;
        size_t len = 0;
        int r;

        if (f->n == 0 || f->n > LEDSTATE_LINES_MAX)
                return -EINVAL;
        /* Every number at its most digits: no later state of this table takes more. */
        w = *f;
        w.changes = w.boot_us = UINT64_MAX;
        for (size_t i = 0; i < w.n; i++) {
                struct ledstate_line *l = &w.line[i];

                l->seq = l->period_ms = l->remaining = UINT32_MAX;
                l->on = l->blinking = l->active_low = true;
                l->next_toggle_us = l->count = l->lost = UINT64_MAX;
        }
        r = append(buf, sizeof buf, &len, MAGIC " 3\nslot %d\n", LEDSTATE_SLOT_MAX);
        if (r == 0)
                r = format_body(&w, buf, sizeof buf, &len, false);
        if (r < 0 || len + CRC_LINE_LEN > LEDSTATE_SLOT_MAX)
                return -EINVAL;
        return (int) round_up(len + CRC_LINE_LEN, LEDSTATE_SLOT_PAGE);
}

int ledstate_slot_format(const struct ledstate_file *f, size_t slot_size, char *buf) {
        char crc[CRC_LINE_LEN + 1];
        size_t len = 0;
        int r;

        if (slot_size < LEDSTATE_SLOT_ALIGN || slot_size > LEDSTATE_SLOT_MAX || slot_size % LEDSTATE_SLOT_ALIGN)
                return -EINVAL;
        r = append(buf, slot_size, &len, MAGIC " %d\nslot %zu\n", LEDSTATE_FILE_VERSION, slot_size);
        if (r == 0)
                r = format_body(f, buf, slot_size - CRC_LINE_LEN, &len, true);
        if (r < 0)
                return r;
        memset(buf + len, '\n', slot_size - CRC_LINE_LEN - len);
        snprintf(crc, sizeof crc, "crc32 %08" PRIx32 "\n", ledstate_crc32(buf, slot_size - CRC_LINE_LEN));
        memcpy(buf + slot_size - CRC_LINE_LEN, crc, CRC_LINE_LEN); /* the slot's end, without snprintf's NUL */
        return 0;
}

int ledstate_file_format(const struct ledstate_file *f, char *buf, size_t size) {
        int slot = ledstate_slot_size(f), r;

        if (slot < 0)
                return slot;
        if ((size_t) slot * 2 > size)
                return -ENOBUFS;
        r = ledstate_slot_format(f, (size_t) slot, buf);
        if (r < 0)
                return r;
        memcpy(buf + slot, buf, (size_t) slot); /* both slots: the one state */
        return 2 * slot;
}

/* "name VALUE\n", VALUE 1 to size - 1 bytes, into out. */
static int take_str(const char *buf, size_t n, size_t *pos, const char *name, char *out, size_t size) {
        const char *v;
        size_t len;
        int r = take_line(buf, n, pos, name, &v, &len);

        if (r < 0)
                return r;
        if (len == 0 || len >= size)
                return -EBADMSG;
        memcpy(out, v, len);
        out[len] = '\0';
        return 0;
}

static int parse_line(const char *buf, size_t n, size_t *pos, struct ledstate_line *l) {
        uint64_t active_low, seq, on, blinking, period, remaining;
        int r;

        *l = (struct ledstate_line) {};
        if ((r = take_str(buf, n, pos, "line", l->name, sizeof l->name)) < 0 ||
            (r = take_str(buf, n, pos, "gpio", l->gpio, sizeof l->gpio)) < 0 ||
            (r = take_u64(buf, n, pos, "active_low", 1, &active_low)) < 0 ||
            (r = take_u64(buf, n, pos, "seq", UINT32_MAX, &seq)) < 0 ||
            (r = take_u64(buf, n, pos, "on", 1, &on)) < 0 ||
            (r = take_u64(buf, n, pos, "blinking", 1, &blinking)) < 0 ||
            (r = take_u64(buf, n, pos, "period_ms", UINT32_MAX, &period)) < 0 ||
            (r = take_u64(buf, n, pos, "remaining", 2ull * MSGQ_BLINK_COUNT_MAX, &remaining)) < 0 ||
            (r = take_u64(buf, n, pos, "next_toggle_us", UINT64_MAX, &l->next_toggle_us)) < 0)
                return r;
        /* An input's record goes on with its counter. */
        l->input = n - *pos >= 6 && memcmp(buf + *pos, "count ", 6) == 0;
        if (l->input && ((r = take_u64(buf, n, pos, "count", UINT64_MAX, &l->count)) < 0 ||
                         (r = take_u64(buf, n, pos, "lost", UINT64_MAX, &l->lost)) < 0))
                return r;
        l->active_low = active_low;
        l->seq = (uint32_t) seq;
        l->on = on;
        l->blinking = blinking;
        l->period_ms = (uint32_t) period;
        l->remaining = (uint32_t) remaining;
        return check_line(l);
}

/* Line i of f names a line or a gpio that one before it does too (no msgq.conf configures that). */
static bool duplicate(const struct ledstate_file *f, size_t i) {
        for (size_t j = 0; j < i; j++)
                if (msgq_line_name_eq(f->line[j].name, f->line[i].name) ||
                    msgq_gpio_same_line(f->line[j].gpio, f->line[i].gpio))
                        return true;
        return false;
}

/*
 * The records of a version-2 file after its first line, or of a version-3
 * slot after its first two: *pos at their end, where the caller looks on.
 */
static int parse_v2(const char *buf, size_t n, size_t *pos, struct ledstate_file *f) {
        uint64_t lines;
        int r;

        if ((r = take_u64(buf, n, pos, "changes", UINT64_MAX, &f->changes)) < 0 ||
            (r = take_u64(buf, n, pos, "boot_us", UINT64_MAX, &f->boot_us)) < 0 ||
            (r = take_u64(buf, n, pos, "lines", LEDSTATE_LINES_MAX, &lines)) < 0)
                return r;
        if (lines == 0)
                return -EBADMSG;
        for (f->n = 0; f->n < lines; f->n++) {
                r = parse_line(buf, n, pos, &f->line[f->n]);
                if (r < 0)
                        return r;
                if (duplicate(f, f->n))
                        return -EBADMSG;
        }
        return 0;
}

/* 8 lowercase hex digits. */
static int parse_hex32(const char *s, uint32_t *ret) {
        uint32_t v = 0;

        for (int i = 0; i < 8; i++) {
                unsigned d = s[i] >= '0' && s[i] <= '9' ? (unsigned) (s[i] - '0') :
                             s[i] >= 'a' && s[i] <= 'f' ? (unsigned) (s[i] - 'a' + 10) : 16;

                if (d > 15)
                        return -EBADMSG;
                v = v << 4 | d;
        }
        *ret = v;
        return 0;
}

/* One slot of a version-3 file, size bytes: whole, its checksum right, as ledstate_slot_format() writes it. */
static int parse_slot(const char *buf, size_t size, struct ledstate_file *f) {
        const char *crc = buf + size - CRC_LINE_LEN;
        uint64_t version, slot;
        uint32_t sum;
        size_t pos = 0, end = size - CRC_LINE_LEN;

        if (memcmp(crc, "crc32 ", 6) != 0 || crc[CRC_LINE_LEN - 1] != '\n' || parse_hex32(crc + 6, &sum) < 0 ||
            sum != ledstate_crc32(buf, end))
                return -EBADMSG;
        *f = (struct ledstate_file) { .version = 3, .slot_size = size };
        if (take_version(buf, end, &pos, &version) < 0 || version != 3 ||
            take_u64(buf, end, &pos, "slot", LEDSTATE_SLOT_MAX, &slot) < 0 || slot != size ||
            parse_v2(buf, end, &pos, f) < 0)
                return -EBADMSG;
        for (; pos < end; pos++) /* the rest of the slot: newlines */
                if (buf[pos] != '\n')
                        return -EBADMSG;
        return 0;
}

/* The slot size the first slot's second line says, when it is one: else 0. */
static size_t slot_size_said(const char *buf, size_t n) {
        uint64_t version, slot;
        size_t pos = 0;

        if (take_version(buf, n, &pos, &version) < 0 || take_u64(buf, n, &pos, "slot", LEDSTATE_SLOT_MAX, &slot) < 0 ||
            slot < LEDSTATE_SLOT_ALIGN || slot % LEDSTATE_SLOT_ALIGN)
                return 0;
        return (size_t) slot;
}

/*
 * A version-3 file: two slots of the same size, a multiple of
 * LEDSTATE_SLOT_ALIGN (the first one's "slot" line says which; when that
 * line is torn, half the file); the good one of the highest change number.
 * A slot cut short (the file truncated) is a bad one.
 */
static int parse_v3(const char *buf, size_t n, struct ledstate_file *f) {
        struct ledstate_file t[2];
        size_t size = slot_size_said(buf, n) ?: n / 2;
        bool good[2];
        int take;

        if (size < LEDSTATE_SLOT_ALIGN || size > LEDSTATE_SLOT_MAX || size % LEDSTATE_SLOT_ALIGN || n > 2 * size)
                return -EBADMSG;
        for (int i = 0; i < 2; i++)
                good[i] = n >= (size_t) (i + 1) * size && parse_slot(buf + (size_t) i * size, size, &t[i]) == 0;
        take = good[1] && (!good[0] || t[1].changes > t[0].changes);
        if (!good[take])
                return -EBADMSG;
        *f = t[take];
        f->slot = (unsigned) take;
        f->bad = (unsigned) !good[0] | (unsigned) !good[1] << 1;
        return 0;
}

int ledstate_file_parse(const char *buf, size_t n, struct ledstate_file *f) {
        struct ledstate_file t = { .version = 2 };
        uint64_t version = 0;
        size_t pos = 0;
        int r = check_text(buf, n);

        /* Version 3's slots end in newlines; a NUL is in none of the versions. */
        if (r == 0)
                r = take_version(buf, n, &pos, &version);
        if (r < 0)
                return r;
        if (version == 1)
                return parse_v1(buf, n, &pos, &t) ?: (*f = t, 0);
        if (version == 2) {
                r = parse_v2(buf, n, &pos, &t);
                return r < 0 ? r : pos != n ? -EBADMSG : (*f = t, 0);
        }
        if (version == 3)
                return parse_v3(buf, n, f);
        return -EPROTONOSUPPORT;
}

const char *ledstate_strerror(int r) {
        switch (r) {
        case -ENODATA:
                return "the file is empty";
        case -EFBIG:
                return "the file is too large to be msgqd's";
        case -EPROTONOSUPPORT:
                return "the file is of a format version this msgqd does not know";
        case -EBADMSG:
                return "the file is corrupt (truncated, or not msgqd's)";
        default:
                return strerror(-r);
        }
}

static bool same_boot(uint64_t a, uint64_t b) {
        return (a > b ? a - b : b - a) <= LEDSTATE_SAME_BOOT_US;
}

bool ledstate_line_advance(struct ledstate_line *l, uint64_t file_boot_us, uint64_t boot_us,
                           uint64_t now_us) {
        uint64_t half, k;

        if (!l->blinking)
                return false;
        half = (uint64_t) l->period_ms * 500u;
        if (!same_boot(file_boot_us, boot_us) || l->next_toggle_us > now_us + half) {
                l->next_toggle_us = now_us + half;
                return false;
        }
        if (l->next_toggle_us > now_us)
                return false;
        k = (now_us - l->next_toggle_us) / half + 1; /* the toggles due */
        if (l->remaining > 0 && k >= l->remaining) {
                l->on = l->blinking = false; /* ended, off */
                l->period_ms = l->remaining = 0;
                l->next_toggle_us = 0;
                return true;
        }
        l->on ^= k % 2;
        if (l->remaining > 0)
                l->remaining -= (uint32_t) k;
        l->next_toggle_us += k * half;
        return false;
}

const char *ledstate_line_describe(const struct ledstate_line *l, char *buf, size_t size) {
        if (!l->blinking)
                snprintf(buf, size, "%s", l->on ? "on" : "off");
        else if (l->remaining == 0)
                snprintf(buf, size, "blinking, period %" PRIu32 " ms, until cancelled", l->period_ms);
        else
                snprintf(buf, size, "blinking, period %" PRIu32 " ms, %" PRIu32 " blink%s left",
                         l->period_ms, (l->remaining + 1) / 2, l->remaining > 2 ? "s" : "");
        return buf;
}

/* The record of f called name: its index, or -ENOENT. */
static int find_name(const struct ledstate_file *f, const char *name) {
        for (size_t i = 0; i < f->n; i++)
                if (msgq_line_name_eq(f->line[i].name, name))
                        return (int) i;
        return -ENOENT;
}

int ledstate_find(const struct ledstate_file *f, const struct msgq_output *o) {
        int i = find_name(f, o->name);

        if (i < 0 || f->version == 1) /* version 1 recorded neither gpio nor active_low */
                return i;
        if (!msgq_gpio_same_line(f->line[i].gpio, o->gpio))
                return -EXDEV;
        return f->line[i].active_low == o->active_low ? i : -EINVAL;
}

/* Why the line o does not take up its record (ledstate_find()'s r < 0), from path. */
static void log_not_taken(const struct ledstate_file *f, const struct msgq_output *o, int r, const char *path) {
        const struct ledstate_line *l = &f->line[find_name(f, o->name)];

        if (r == -EXDEV)
                log_notice("line '%s' is not restored from %s: moved from gpio %s to %s", o->name, path,
                           l->gpio, o->gpio);
        else
                log_notice("line '%s' is not restored from %s: active_low was %s, is %s now", o->name, path,
                           l->active_low ? "yes" : "no", o->active_low ? "yes" : "no");
}

/* The line of out called name, or whose gpio names the same line as gpio: NULL when none is. */
static const struct msgq_output *configured(const struct msgq_output *out, size_t n, const char *name,
                                            const char *gpio) {
        for (size_t j = 0; j < n; j++)
                if (name ? msgq_line_name_eq(out[j].name, name) : msgq_gpio_same_line(out[j].gpio, gpio))
                        return &out[j];
        return NULL;
}

/* The records of f that no line of out is called by: removed from msgq.conf, or renamed. */
static void log_gone(const struct ledstate_file *f, const struct msgq_output *out, size_t n, const char *path) {
        for (size_t i = 0; i < f->n; i++) {
                const struct ledstate_line *l = &f->line[i];
                const struct msgq_output *now;

                if (configured(out, n, l->name, NULL))
                        continue;
                now = l->gpio[0] ? configured(out, n, NULL, l->gpio) : NULL;
                if (now)
                        log_notice("the state of line '%s' in %s is not restored: renamed: no line '%s' is "
                                   "configured, and its gpio %s is line '%s' now", l->name, path, l->name,
                                   l->gpio, now->name);
                else
                        log_notice("the state of line '%s' in %s is not restored: removed: no line '%s' is "
                                   "configured", l->name, path, l->name);
        }
}

/* Line l is changed: one more change of the table's and of the line's. */
static void count_change(struct ledstate_file *f, struct ledstate_line *l) {
        f->changes++;
        l->seq++;
}

/* Line i's start from its record k of file (k < 0: none), then its policy: 1 when as the file had it. */
static bool start_line(struct ledstate_file *f, size_t i, const struct msgq_output *o,
                       const struct ledstate_file *file, int k, uint64_t now_us) {
        struct ledstate_line *l = &f->line[i];
        bool on = o->start == MSGQ_LED_START_ON;

        *l = k >= 0 ? file->line[k] : (struct ledstate_line) {};
        snprintf(l->name, sizeof l->name, "%s", o->name);
        snprintf(l->gpio, sizeof l->gpio, "%s", o->gpio);
        l->active_low = o->active_low;
        if (k >= 0 && ledstate_line_advance(l, file->boot_us, f->boot_us, now_us))
                count_change(f, l); /* the blink ended while msgqd was away */
        if (o->start == MSGQ_LED_START_RESTORE)
                return k >= 0;
        if (l->on != on || l->blinking) {
                l->on = on;
                l->blinking = false;
                l->period_ms = l->remaining = 0;
                l->next_toggle_us = 0;
                count_change(f, l);
        }
        return false;
}

void ledstate_start_lines(struct ledstate_file *f, const struct msgq_output *out, size_t n,
                          const char *path, bool *restored) {
        struct ledstate_file file = { .version = LEDSTATE_FILE_VERSION };
        uint64_t now_us = ledstate_now_us();
        int r = path ? ledstate_file_load(path, &file) : -ENOENT;

        /* Missing is no news: the first start. */
        if (r < 0 && r != -ENOENT)
                log_warning("cannot restore the lines from %s: %s; no line is restored", path,
                            ledstate_strerror(r));
        if (r < 0)
                file = (struct ledstate_file) { .version = LEDSTATE_FILE_VERSION };
        else if (file.bad)
                log_notice("%s: slot %u is torn or corrupt (a write cut short by a crash or a power cut), "
                           "ignored: the state of change %" PRIu64 " in slot %u is taken", path,
                           file.bad & 1 ? 1u : 2u, file.changes, file.slot + 1);
        *f = (struct ledstate_file) { .version = LEDSTATE_FILE_VERSION, .changes = file.changes,
                                      .boot_us = ledstate_boot_us(), .n = n };
        for (size_t i = 0; i < n; i++) {
                int k = ledstate_find(&file, &out[i]);

                if (k < 0 && k != -ENOENT)
                        log_not_taken(&file, &out[i], k, path);
                restored[i] = start_line(f, i, &out[i], &file, k, now_us);
        }
        log_gone(&file, out, n, path);
}
