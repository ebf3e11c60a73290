/* SPDX-License-Identifier: MIT */
/*
 * Strict parsers for the values users type.  None of them accepts leading or
 * trailing whitespace, a sign, or anything after the number: strtoul() would
 * quietly take " 12", "+12", "-1" (as ULONG_MAX) and "12abc", so the digits
 * are read by hand.  Every function returns 0, -EINVAL (not the expected
 * syntax) or -ERANGE (the syntax is right, the value is not), and leaves
 * *ret alone on error.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "parse.h"

#define SECONDS_MAX   3600u
#define FRACTION_MAX  3 /* decimals: milliseconds */

static int digit_value(char c, unsigned base) {
        int v;

        if (c >= '0' && c <= '9')
                v = c - '0';
        else if (c >= 'a' && c <= 'f')
                v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
                v = c - 'A' + 10;
        else
                return -1;
        return v < (int) base ? v : -1;
}

/*
 * The first N characters of S as digits in BASE (at least one, nothing
 * else).  A value above MAX is -ERANGE, but only once all N characters are
 * known to be digits: "99999999999x" is a syntax error, not a range error.
 */
static int parse_digits_n(const char *s, size_t n, unsigned base, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;
        bool over = false;

        if (n == 0)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                int d = digit_value(s[i], base);

                if (d < 0)
                        return -EINVAL;
                if (over || (uint64_t) d > max || v > (max - (uint64_t) d) / base)
                        over = true;
                else
                        v = v * base + (uint64_t) d;
        }
        if (over)
                return -ERANGE;
        *ret = v;
        return 0;
}

static int parse_digits(const char *s, unsigned base, uint64_t max, uint64_t *ret) {
        return parse_digits_n(s, strlen(s), base, max, ret);
}

static bool is_hex_prefix(const char *s) {
        return s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

/*
 * Keys: "0x" or "0X" and hexadecimal digits (either case), or decimal.
 *
 * Hexadecimal covers the full 32 bits, 0x1 .. 0xffffffff, because that is
 * how ipcs(1) prints keys: 0x80000000 .. 0xffffffff are the negative key_t
 * values with the same bits (0xffffffff is key_t -1), as the kernel sees them.
 * Decimal is 1 .. 2147483647 (INT32_MAX); a larger decimal number is
 * -ERANGE and a negative one, like any sign, -EINVAL.  A decimal number may
 * not start with 0 ("0660" would be octal to C and to strtol(s, NULL, 0), so
 * it is refused rather than guessed).  0 in any spelling is IPC_PRIVATE,
 * which names no shared queue: -ERANGE.
 */
int msgq_parse_key(const char *s, key_t *ret) {
        uint64_t v;
        int r;

        if (!s || !*s)
                return -EINVAL;
        if (is_hex_prefix(s))
                r = parse_digits(s + 2, 16, UINT32_MAX, &v);
        else if (s[0] == '0' && s[1])
                return -EINVAL;
        else
                r = parse_digits(s, 10, INT32_MAX, &v);
        if (r < 0)
                return r;
        if (v == 0)
                return -ERANGE;
        *ret = (key_t) (int32_t) (uint32_t) v;
        return 0;
}

/* Decimal digits only; leading zeros are allowed ("007" is 7). */
int msgq_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *ret) {
        uint64_t v;
        int r;

        if (!s || min > max)
                return -EINVAL;
        r = parse_digits(s, 10, ULONG_MAX, &v);
        if (r < 0)
                return r;
        if (v < min || v > max)
                return -ERANGE;
        *ret = (unsigned long) v;
        return 0;
}

int msgq_parse_u64(const char *s, uint64_t *ret) {
        uint64_t v;
        int r;

        if (!s)
                return -EINVAL;
        r = parse_digits(s, 10, UINT64_MAX, &v);
        if (r < 0)
                return r;
        *ret = v;
        return 0;
}

/* Octal digits, with or without a leading 0: "0660", "660", "0". */
int msgq_parse_mode(const char *s, unsigned *ret) {
        uint64_t v;
        int r;

        if (!s)
                return -EINVAL;
        r = parse_digits(s, 8, 0777, &v);
        if (r < 0)
                return r;
        *ret = (unsigned) v;
        return 0;
}

/* ASCII only, so that no locale (Turkish "I") changes the answer. */
static bool ascii_equal_nocase(const char *a, const char *b) {
        for (; *a && *b; a++, b++) {
                char x = (*a >= 'A' && *a <= 'Z') ? (char) (*a - 'A' + 'a') : *a;
                char y = (*b >= 'A' && *b <= 'Z') ? (char) (*b - 'A' + 'a') : *b;

                if (x != y)
                        return false;
        }
        return *a == *b;
}

int msgq_parse_bool(const char *s, bool *ret) {
        static const char *const yes[] = { "1", "yes", "true", "on" };
        static const char *const no[] = { "0", "no", "false", "off" };

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
                if (ascii_equal_nocase(s, yes[i])) {
                        *ret = true;
                        return 0;
                }
                if (ascii_equal_nocase(s, no[i])) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

/*
 * DIGITS[.DIGITS] with 1 to 3 decimals: "2", "0.5", "1.25", "3600.000".
 * ".5", "5.", "1e3", "0x10", "inf" and "nan" are -EINVAL, as are 4 or more
 * decimals even when they are zeros ("1.0000").  0 and anything above
 * 3600 s are -ERANGE.
 */
int msgq_parse_seconds(const char *s, uint64_t *ret_ms) {
        const char *dot;
        uint64_t sec, frac = 0;
        int r;

        if (!s)
                return -EINVAL;
        dot = strchr(s, '.');
        if (!dot)
                dot = s + strlen(s);
        r = parse_digits_n(s, (size_t) (dot - s), 10, SECONDS_MAX, &sec);
        if (r == -EINVAL)
                return r;
        if (*dot) {
                size_t decimals = strlen(dot + 1);

                if (decimals == 0 || decimals > FRACTION_MAX)
                        return -EINVAL;
                if (parse_digits(dot + 1, 10, 999, &frac) < 0)
                        return -EINVAL;
                for (; decimals < FRACTION_MAX; decimals++)
                        frac *= 10;
        }
        if (r < 0)
                return r;
        if ((sec == SECONDS_MAX && frac > 0) || (sec == 0 && frac == 0))
                return -ERANGE;
        *ret_ms = sec * 1000 + frac;
        return 0;
}

/* The milliseconds of a time unit as systemd spells them, 0 if unknown. */
static uint64_t unit_ms(const char *unit) {
        static const struct {
                const char *name;
                uint64_t ms;
        } units[] = {
                { "ms", 1 }, { "msec", 1 }, { "s", 1000 }, { "sec", 1000 },
                { "min", 60000 }, { "m", 60000 }, { "h", 3600000 },
        };

        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
                if (strcmp(units[i].name, unit) == 0)
                        return units[i].ms;
        return 0;
}

int msgq_parse_duration(const char *s, uint64_t default_ms, uint64_t min_ms, uint64_t max_ms,
                        uint64_t *ret_ms) {
        const char *dot, *unit;
        uint64_t whole, frac = 0, per_unit, milli;
        size_t decimals = 0;

        if (!s)
                return -EINVAL;
        unit = s + strspn(s, "0123456789.");
        per_unit = *unit ? unit_ms(unit) : default_ms;
        if (per_unit == 0)
                return -EINVAL;
        dot = memchr(s, '.', (size_t) (unit - s));
        if (!dot)
                dot = unit;
        if (parse_digits_n(s, (size_t) (dot - s), 10, 999999999, &whole) == -EINVAL)
                return -EINVAL;
        if (dot < unit) {
                decimals = (size_t) (unit - dot - 1);
                if (decimals == 0 || decimals > FRACTION_MAX ||
                    parse_digits_n(dot + 1, decimals, 10, 999, &frac) < 0)
                        return -EINVAL;
                for (; decimals < FRACTION_MAX; decimals++)
                        frac *= 10;
        }
        if (parse_digits_n(s, (size_t) (dot - s), 10, 999999999, &whole) < 0)
                return -ERANGE;
        milli = (whole * 1000 + frac) * per_unit; /* thousandths of a millisecond */
        if (milli % 1000 != 0)
                return -EINVAL;
        if (milli / 1000 < min_ms || milli / 1000 > max_ms)
                return -ERANGE;
        *ret_ms = milli / 1000;
        return 0;
}
