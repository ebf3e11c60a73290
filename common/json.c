/* SPDX-License-Identifier: MIT */
/*
 * A minimal JSON writer.
 *
 * j->depth counts the open objects and arrays; j->first[n - 1] says whether
 * the container at nesting level n has had a member yet, so the writer puts
 * the commas.  At depth 0 there is no comma: a document is one value.
 *
 * At most MSGQ_JSON_DEPTH containers can be open.  A container opened
 * deeper than that is left out of the output together with its key and
 * everything inside it; its end call is still expected (depth keeps
 * counting) and matches it, so the output stays valid JSON, only without
 * the too-deep part.  End calls without a matching begin are ignored.
 *
 * Keys are written when non-NULL and must be given inside objects, not in
 * arrays or at the top level (the writer does not track which is which).
 * Strings are written byte for byte except for '"', '\\' and the control
 * characters U+0000 .. U+001F, which are escaped as RFC 8259 requires
 * (\b \f \n \r \t, the others as \u00XX); other bytes, UTF-8 included, are
 * kept as they are, so the caller must pass valid UTF-8.  Write errors are
 * left in the FILE for the caller to check with ferror().
 */
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void msgq_json_init(struct msgq_json *j, FILE *f) {
        memset(j, 0, sizeof *j);
        j->f = f;
}

/* Whether something written now (at j->depth) would be in the output. */
static bool visible(const struct msgq_json *j) {
        return j->depth >= 0 && j->depth <= MSGQ_JSON_DEPTH;
}

static void write_string(FILE *f, const char *s) {
        static const char hex[] = "0123456789abcdef";

        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                switch (*p) {
                case '"':  fputs("\\\"", f); break;
                case '\\': fputs("\\\\", f); break;
                case '\b': fputs("\\b", f); break;
                case '\f': fputs("\\f", f); break;
                case '\n': fputs("\\n", f); break;
                case '\r': fputs("\\r", f); break;
                case '\t': fputs("\\t", f); break;
                default:
                        if (*p < 0x20) {
                                fputs("\\u00", f);
                                fputc(hex[*p >> 4], f);
                                fputc(hex[*p & 0xf], f);
                        } else {
                                fputc(*p, f);
                        }
                }
        }
        fputc('"', f);
}

/* The comma and the key before a value; false if the value is too deep. */
static bool begin_value(struct msgq_json *j, const char *key) {
        if (!visible(j))
                return false;
        if (j->depth > 0) {
                if (!j->first[j->depth - 1])
                        fputc(',', j->f);
                j->first[j->depth - 1] = false;
        }
        if (key) {
                write_string(j->f, key);
                fputc(':', j->f);
        }
        return true;
}

static void begin_container(struct msgq_json *j, const char *key, char open) {
        if (j->depth == INT_MAX)
                return;
        if (j->depth < MSGQ_JSON_DEPTH && begin_value(j, key)) {
                fputc(open, j->f);
                j->first[j->depth] = true;
        }
        j->depth++;
}

static void end_container(struct msgq_json *j, char close) {
        if (j->depth <= 0)
                return;
        j->depth--;
        if (j->depth < MSGQ_JSON_DEPTH)
                fputc(close, j->f);
}

void msgq_json_begin_object(struct msgq_json *j, const char *key) {
        begin_container(j, key, '{');
}

void msgq_json_end_object(struct msgq_json *j) {
        end_container(j, '}');
}

void msgq_json_begin_array(struct msgq_json *j, const char *key) {
        begin_container(j, key, '[');
}

void msgq_json_end_array(struct msgq_json *j) {
        end_container(j, ']');
}

void msgq_json_string(struct msgq_json *j, const char *key, const char *value) {
        if (!begin_value(j, key))
                return;
        if (value)
                write_string(j->f, value);
        else
                fputs("null", j->f);
}

void msgq_json_uint(struct msgq_json *j, const char *key, uint64_t value) {
        if (begin_value(j, key))
                fprintf(j->f, "%" PRIu64, value);
}

void msgq_json_int(struct msgq_json *j, const char *key, int64_t value) {
        if (begin_value(j, key))
                fprintf(j->f, "%" PRId64, value);
}

/*
 * The shortest of %.15g, %.16g and %.17g that reads back as the same
 * double (0.1 stays "0.1"), with the locale's decimal point turned back
 * into '.'.  %g never writes thousands separators.
 */
static void format_double(double value, char *buf, size_t size) {
        const char *point = localeconv()->decimal_point;
        size_t plen = point ? strlen(point) : 0;
        char *p;

        for (int prec = 15; prec <= 17; prec++) {
                snprintf(buf, size, "%.*g", prec, value);
                if (strtod(buf, NULL) == value)
                        break;
        }
        if (plen == 0 || strcmp(point, ".") == 0)
                return;
        p = strstr(buf, point);
        if (p) {
                *p = '.';
                memmove(p + 1, p + plen, strlen(p + plen) + 1);
        }
}

void msgq_json_double(struct msgq_json *j, const char *key, double value) {
        char buf[64];

        if (!begin_value(j, key))
                return;
        if (!isfinite(value)) {
                fputs("null", j->f);
                return;
        }
        format_double(value, buf, sizeof buf);
        fputs(buf, j->f);
}

void msgq_json_bool(struct msgq_json *j, const char *key, bool value) {
        if (begin_value(j, key))
                fputs(value ? "true" : "false", j->f);
}

/*
 * Ends the document with a newline.  Containers still open are not closed
 * (the writer does not know which were objects); the writer is ready for
 * another document afterwards (JSON lines).
 */
void msgq_json_finish(struct msgq_json *j) {
        fputc('\n', j->f);
        j->depth = 0;
        memset(j->first, 0, sizeof j->first);
}
