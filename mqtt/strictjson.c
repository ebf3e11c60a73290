/* SPDX-License-Identifier: MIT */
/*
 * json-c parses the text first, so the scan below reads a text json-c took
 * as one object: it only has to find what json-c took but JSON is not, and
 * the object's own keys (depth 1) with their values as written.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "strictjson.h"

struct scan {
        struct strictjson *j;
        json_tokener *tok;      /* json-c's, reset for each key */
        const char *text;
        size_t len;
        int depth;              /* objects and arrays open */
        bool want_key;          /* the next string at depth 1 is a key */
        size_t value_start;     /* of the last member's value */
        char *why;
        size_t size;
};

static int refuse(const struct scan *s, const char *what, const char *text, size_t len) {
        char shown[64];

        snprintf(s->why, s->size, "%s%s", what, text ? strictjson_shown(text, len, shown, sizeof shown) : "");
        return -EINVAL;
}

const char *strictjson_shown(const char *text, size_t len, char *buf, size_t size) {
        size_t n = len;

        if (n > 40) {
                n = 40;
                while (n > 0 && ((unsigned char) text[n] & 0xc0) == 0x80) /* not inside a character */
                        n--;
        }
        snprintf(buf, size, "%.*s%s", (int) n, text, n < len ? "..." : "");
        return buf;
}

/* The closing quote of the string opening at i; 0 for a control character in it. */
static size_t string_end(const struct scan *s, size_t i) {
        for (i++; i < s->len && s->text[i] != '"'; i++) {
                if ((unsigned char) s->text[i] < 0x20)
                        return 0;
                if (s->text[i] == '\\')
                        i++;
        }
        return i < s->len ? i : 0;
}

/* A JSON string, as written (quotes included), decoded; NULL if it is none. */
static json_object *decode_string(json_tokener *tok, const char *raw, size_t n) {
        json_object *o;

        json_tokener_reset(tok);
        o = json_tokener_parse_ex(tok, raw, (int) n);
        if (o && !json_object_is_type(o, json_type_string)) {
                json_object_put(o);
                o = NULL;
        }
        return o;
}

/* The key text[start..end] (quotes included): decoded, NUL-free, new. */
static int add_key(struct scan *s, size_t start, size_t end) {
        struct strictjson *j = s->j;
        size_t n = end + 1 - start;
        const char *raw = s->text + start;
        json_object *key;

        if (j->count == STRICTJSON_MEMBERS_MAX) {
                snprintf(s->why, s->size, "too many keys: at most %u", STRICTJSON_MEMBERS_MAX);
                return -EINVAL;
        }
        key = decode_string(s->tok, raw, n);
        if (!key)
                return refuse(s, "invalid JSON: key ", raw, n);
        j->keys[j->count] = key;
        j->member[j->count] = (struct strictjson_member) { .key = json_object_get_string(key),
                                                           .key_text = raw, .key_text_len = n };
        j->count++;
        if ((size_t) json_object_get_string_len(key) != strlen(json_object_get_string(key)))
                return refuse(s, "NUL character in key ", raw, n);
        for (size_t k = 0; k + 1 < j->count; k++) {
                if (strcmp(j->member[k].key, json_object_get_string(key)) == 0)
                        return refuse(s, "duplicate key ", raw, n);
        }
        return 0;
}

/* The last member's value ends before text[end]. */
static void end_value(struct scan *s, size_t end) {
        struct strictjson_member *m = &s->j->member[s->j->count - 1];
        size_t start = s->value_start;

        while (start < end && strchr(" \t\r\n", s->text[start]))
                start++;
        while (end > start && strchr(" \t\r\n", s->text[end - 1]))
                end--;
        m->text = s->text + start;
        m->text_len = end - start;
}

/* Outside strings: what JSON has there; NaN, Infinity and single quotes are refused. */
static int other_char(struct scan *s, size_t i) {
        char c = s->text[i];

        if (c == 'N' || c == 'I')
                return refuse(s, "invalid JSON: NaN and Infinity are not JSON numbers", NULL, 0);
        if (c == '\'')
                return refuse(s, "invalid JSON: a string in single quotes", NULL, 0);
        if (!strchr(" \t\r\n0123456789+-.eEtruefalsn", c) || c == '\0') {
                snprintf(s->why, s->size, "invalid JSON: unexpected character 0x%02x", (unsigned char) c);
                return -EINVAL;
        }
        return 0;
}

static int scan_char(struct scan *s, size_t *i) {
        size_t end;

        switch (s->text[*i]) {
        case '"':
                end = string_end(s, *i);
                if (!end)
                        return refuse(s, "invalid JSON: control character in a string", NULL, 0);
                if (s->depth == 1 && s->want_key && add_key(s, *i, end) < 0)
                        return -EINVAL;
                s->want_key = false;
                *i = end;
                return 0;
        case '{':
        case '[':
                s->want_key = ++s->depth == 1;
                return 0;
        case '}':
        case ']':
                if (s->depth-- == 1 && s->j->count)
                        end_value(s, *i);
                return 0;
        case ':':
                if (s->depth == 1)
                        s->value_start = *i + 1;
                return 0;
        case ',':
                if (s->depth == 1) {
                        end_value(s, *i);
                        s->want_key = true;
                }
                return 0;
        default:
                return other_char(s, *i);
        }
}

/* json-c's reading of the text as one object, nothing after it; NULL with why filled otherwise. */
static json_object *parse_object(json_tokener *tok, const char *text, size_t len, char *why, size_t size) {
        json_object *o = json_tokener_parse_ex(tok, text, (int) len);

        if (!o || json_tokener_get_error(tok) != json_tokener_success) {
                enum json_tokener_error e = json_tokener_get_error(tok);
                snprintf(why, size, "invalid JSON: %s",
                         e == json_tokener_continue ? "unexpected end" : json_tokener_error_desc(e));
                json_object_put(o);
                o = NULL;
        } else if (json_tokener_get_parse_end(tok) != len) {
                snprintf(why, size, "invalid JSON: text after the object");
                json_object_put(o);
                o = NULL;
        } else if (!json_object_is_type(o, json_type_object)) {
                snprintf(why, size, "expected a JSON object");
                json_object_put(o);
                o = NULL;
        }
        return o;
}

/* Each member's key, decoded and checked, and its value's text. */
static int scan(struct scan *s) {
        for (size_t i = 0; i < s->len; i++) {
                if (scan_char(s, &i) < 0)
                        return -EINVAL;
        }
        return 0;
}

int strictjson_parse(struct strictjson *j, const char *text, size_t len, char *why, size_t why_size) {
        struct scan s = { .j = j, .tok = json_tokener_new(), .text = text, .len = len, .why = why, .size = why_size };
        bool alike;
        int r;

        memset(j, 0, sizeof *j);
        if (!s.tok) {
                snprintf(why, why_size, "out of memory");
                return -EINVAL;
        }
        json_tokener_set_flags(s.tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        j->root = parse_object(s.tok, text, len, why, why_size);
        r = j->root ? scan(&s) : -EINVAL;
        json_tokener_free(s.tok);
        if (r < 0)
                return r;
        alike = (size_t) json_object_object_length(j->root) == j->count;
        for (size_t k = 0; k < j->count; k++)
                alike = alike && json_object_object_get_ex(j->root, j->member[k].key, &j->member[k].value);
        if (!alike) { /* json-c and the scan found other keys: never seen */
                snprintf(why, why_size, "invalid JSON: the keys were not read alike");
                return -EINVAL;
        }
        return 0;
}

void strictjson_free(struct strictjson *j) {
        for (size_t k = 0; k < j->count; k++)
                json_object_put(j->keys[k]);
        json_object_put(j->root);
        memset(j, 0, sizeof *j);
}
