/* SPDX-License-Identifier: MIT */
/*
 * A command's JSON object, read so that it means exactly what it says.
 *
 * json-c parses it (JSON_TOKENER_STRICT, UTF-8 checked), and what json-c
 * takes beyond RFC 8259 or quietly changes is refused here, the same with
 * every json-c version:
 *   - NaN, Infinity and strings in single quotes (not JSON);
 *   - a control character written as it is in a string (JSON escapes them);
 *   - a key with a NUL in it ("st\u0000x": json-c would read "st");
 *   - a key twice (json-c would keep the last value, another reader the first);
 *   - more than STRICTJSON_MEMBERS_MAX keys.
 * Each member keeps its value as the payload wrote it, for error messages.
 * No I/O: tests/check-payload.c drives it through payload.c.
 */
#pragma once

#include <stddef.h>

#include <json-c/json.h>

#define STRICTJSON_MEMBERS_MAX 32u

struct strictjson_member {
        const char *key;        /* as decoded: never a NUL in it */
        const char *key_text;   /* as written, quotes included */
        size_t key_text_len;
        json_object *value;     /* owned by the object */
        const char *text;       /* the value as written, without the blanks around it */
        size_t text_len;
};

struct strictjson {
        json_object *root;
        size_t count;           /* members, in the payload's order */
        struct strictjson_member member[STRICTJSON_MEMBERS_MAX];
        json_object *keys[STRICTJSON_MEMBERS_MAX]; /* the decoded keys */
};

/*
 * TEXT (LEN bytes, NUL-terminated, kept by the caller while *j is used) as
 * one JSON object.  Returns 0, or -EINVAL with why filled ("invalid JSON:
 * ...", "duplicate key ...").  Call strictjson_free() either way.
 */
int strictjson_parse(struct strictjson *j, const char *text, size_t len, char *why, size_t why_size);
void strictjson_free(struct strictjson *j);

/* A value's text for an error message: at most 40 bytes (whole UTF-8 characters), then "...". */
const char *strictjson_shown(const char *text, size_t len, char *buf, size_t size);
