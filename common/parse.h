/* SPDX-License-Identifier: MIT */
/* Parsing of the small values users type: keys, numbers, durations, modes. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * None of these accepts whitespace, a sign or trailing characters.  They
 * return 0, -EINVAL (bad syntax) or -ERANGE (value out of range), and leave
 * *ret untouched on error.
 */

/*
 * A System V key: "0x"/"0X" + hex digits of either case, 0x1 .. 0xffffffff
 * (as ipcs prints keys; 0x80000000 .. 0xffffffff are the negative key_t
 * values with those bits, 0xffffffff is -1), or decimal 1 .. 2147483647
 * without leading zeros.  0 (IPC_PRIVATE) is -ERANGE.
 */
int msgq_parse_key(const char *s, key_t *ret);
/* What msgq_parse_key() takes, in the words of every error about a key (and of msgq.conf). */
#define MSGQ_KEY_EXPECTED "0x1 to 0xffffffff in hex, or 1 to 2147483647 in decimal"
/* An unsigned decimal number within [min, max] (leading zeros allowed). */
int msgq_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *ret);
/* An unsigned decimal number of 64 bits, 0 .. UINT64_MAX (a change number), on every machine. */
int msgq_parse_u64(const char *s, uint64_t *ret);
/* An octal permission mode such as 0660 or 660 (at most 0777). */
int msgq_parse_mode(const char *s, unsigned *ret);
/* A boolean: 1/0, yes/no, true/false, on/off, in any case. */
int msgq_parse_bool(const char *s, bool *ret);
/*
 * Seconds with an optional fraction of 1 to 3 decimals ("2", "0.5", "1.25"),
 * > 0 and at most 3600, as milliseconds.  No ".5", "5.", exponents, inf, nan.
 */
int msgq_parse_seconds(const char *s, uint64_t *ret_ms);
/*
 * A duration as systemd writes them: a number ("2", "0.5", 1 to 3
 * decimals) with an optional unit, ms, s, min or h (also msec, sec, m),
 * without spaces; no unit means default_ms each ("500" with 1: 500 ms;
 * with 1000: 500 s).  Whole milliseconds within [min_ms, max_ms].
 */
int msgq_parse_duration(const char *s, uint64_t default_ms, uint64_t min_ms, uint64_t max_ms,
                        uint64_t *ret_ms);
