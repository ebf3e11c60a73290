/* SPDX-License-Identifier: MIT */
/* Unit tests for common/json.c: exact output, captured with open_memstream(). */
#include <check.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "json.h"
#include "unit.h"

static char *buf;
static size_t len;
static FILE *out;
static struct msgq_json j;

static void setup(void) {
        buf = NULL;
        len = 0;
        out = open_memstream(&buf, &len);
        ck_assert_ptr_nonnull(out);
        msgq_json_init(&j, out);
}

static void teardown(void) {
        if (out)
                fclose(out);
        out = NULL;
        free(buf);
        buf = NULL;
}

/* Everything written so far. */
static const char *output(void) {
        ck_assert_int_eq(fflush(out), 0);
        ck_assert_ptr_nonnull(buf);
        return buf;
}

/*
 * When python3 is around, check that TEXT is one valid JSON document too.
 * Exit status 127 is the shell not finding python3: nothing to check with.
 */
static void assert_parses(const char *text) {
        FILE *p = popen("python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null", "w");
        int status;

        if (!p)
                return;
        fputs(text, p);
        status = pclose(p);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                return;
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "not valid JSON: %s", text);
}

START_TEST(test_empty_object) {
        msgq_json_begin_object(&j, NULL);
        msgq_json_end_object(&j);
        msgq_json_finish(&j);
        ck_assert_str_eq(output(), "{}\n");
}
END_TEST

START_TEST(test_empty_array) {
        msgq_json_begin_array(&j, NULL);
        msgq_json_end_array(&j);
        msgq_json_finish(&j);
        ck_assert_str_eq(output(), "[]\n");
}
END_TEST

START_TEST(test_object_members) {
        msgq_json_begin_object(&j, NULL);
        msgq_json_string(&j, "name", "msgq");
        msgq_json_uint(&j, "key", 0x6d736771);
        msgq_json_int(&j, "delta", -5);
        msgq_json_bool(&j, "on", true);
        msgq_json_bool(&j, "off", false);
        msgq_json_string(&j, "none", NULL);
        msgq_json_end_object(&j);
        msgq_json_finish(&j);
        ck_assert_str_eq(output(),
                         "{\"name\":\"msgq\",\"key\":1836279665,\"delta\":-5,"
                         "\"on\":true,\"off\":false,\"none\":null}\n");
        assert_parses(output());
}
END_TEST

START_TEST(test_array_values) {
        msgq_json_begin_array(&j, NULL);
        msgq_json_uint(&j, NULL, 1);
        msgq_json_string(&j, NULL, "two");
        msgq_json_bool(&j, NULL, true);
        msgq_json_string(&j, NULL, NULL);
        msgq_json_double(&j, NULL, 0.5);
        msgq_json_end_array(&j);
        msgq_json_finish(&j);
        ck_assert_str_eq(output(), "[1,\"two\",true,null,0.5]\n");
        assert_parses(output());
}
END_TEST

START_TEST(test_nested) {
        msgq_json_begin_object(&j, NULL);
        msgq_json_string(&j, "a", "x");
        msgq_json_begin_object(&j, "led");
        msgq_json_bool(&j, "on", true);
        msgq_json_begin_array(&j, "history");
        msgq_json_begin_object(&j, NULL);
        msgq_json_uint(&j, "t", 1);
        msgq_json_end_object(&j);
        msgq_json_begin_object(&j, NULL);
        msgq_json_end_object(&j);
        msgq_json_begin_array(&j, NULL);
        msgq_json_end_array(&j);
        msgq_json_end_array(&j);
        msgq_json_end_object(&j);
        msgq_json_begin_array(&j, "empty");
        msgq_json_end_array(&j);
        msgq_json_uint(&j, "b", 2);
        msgq_json_end_object(&j);
        msgq_json_finish(&j);
        ck_assert_str_eq(output(),
                         "{\"a\":\"x\",\"led\":{\"on\":true,\"history\":[{\"t\":1},{},[]]},"
                         "\"empty\":[],\"b\":2}\n");
        assert_parses(output());
}
END_TEST

START_TEST(test_top_level_scalars) {
        msgq_json_string(&j, NULL, "just a string");
        msgq_json_finish(&j);
        msgq_json_uint(&j, NULL, 7);
        msgq_json_finish(&j);
        /* finish makes the writer ready for the next line of JSON lines. */
        msgq_json_begin_array(&j, NULL);
        msgq_json_uint(&j, NULL, 1);
        msgq_json_uint(&j, NULL, 2);
        msgq_json_end_array(&j);
        msgq_json_finish(&j);
        ck_assert_str_eq(output(), "\"just a string\"\n7\n[1,2]\n");
}
END_TEST

START_TEST(test_integers) {
        msgq_json_begin_array(&j, NULL);
        msgq_json_uint(&j, NULL, 0);
        msgq_json_uint(&j, NULL, UINT64_MAX);
        msgq_json_int(&j, NULL, 0);
        msgq_json_int(&j, NULL, INT64_MAX);
        msgq_json_int(&j, NULL, INT64_MIN);
        msgq_json_int(&j, NULL, -1);
        msgq_json_end_array(&j);
        msgq_json_finish(&j);
        ck_assert_str_eq(output(),
                         "[0,18446744073709551615,0,9223372036854775807,"
                         "-9223372036854775808,-1]\n");
        assert_parses(output());
}
END_TEST

START_TEST(test_doubles) {
        msgq_json_begin_array(&j, NULL);
        msgq_json_double(&j, NULL, 0.0);
        msgq_json_double(&j, NULL, 1.0);
        msgq_json_double(&j, NULL, -2.5);
        msgq_json_double(&j, NULL, 0.1);
        msgq_json_double(&j, NULL, 1.0 / 3.0);
        msgq_json_double(&j, NULL, 1e300);
        msgq_json_double(&j, NULL, 5e-324);
        msgq_json_double(&j, NULL, 123456789.125);
        msgq_json_end_array(&j);
        msgq_json_finish(&j);
        ck_assert_str_eq(output(),
                         "[0,1,-2.5,0.1,0.3333333333333333,1e+300,4.94065645841247e-324,"
                         "123456789.125]\n");
        assert_parses(output());
}
END_TEST

START_TEST(test_doubles_round_trip) {
        static const double values[] = { 0.1, 0.2, 0.3, 2.0 / 3.0, 1e-7, 123.456, 9007199254740993.0, 1.7976931348623157e308 };

        for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
                char *text = NULL;
                size_t n = 0;
                FILE *f = open_memstream(&text, &n);
                struct msgq_json w;

                ck_assert_ptr_nonnull(f);
                msgq_json_init(&w, f);
                msgq_json_double(&w, NULL, values[i]);
                fclose(f);
                ck_assert_msg(strtod(text, NULL) == values[i], "%s does not read back as %.17g", text, values[i]);
                free(text);
        }
}
END_TEST

START_TEST(test_doubles_not_finite) {
        msgq_json_begin_object(&j, NULL);
        msgq_json_double(&j, "inf", INFINITY);
        msgq_json_double(&j, "ninf", -INFINITY);
        msgq_json_double(&j, "nan", NAN);
        msgq_json_double(&j, "ok", 2);
        msgq_json_end_object(&j);
        msgq_json_finish(&j);
        ck_assert_str_eq(output(), "{\"inf\":null,\"ninf\":null,\"nan\":null,\"ok\":2}\n");
        assert_parses(output());
}
END_TEST

START_TEST(test_doubles_locale) {
        /*
         * A locale with a decimal comma must not leak into the JSON.  Where
         * none is installed this runs in the C locale and checks less.
         */
        static const char *const locales[] = { "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "de_DE", "fr_FR" };
        const char *used = NULL;

        for (size_t i = 0; i < sizeof locales / sizeof locales[0] && !used; i++)
                used = setlocale(LC_NUMERIC, locales[i]);
        msgq_json_double(&j, NULL, 1.5);
        msgq_json_finish(&j);
        setlocale(LC_NUMERIC, "C");
        ck_assert_str_eq(output(), "1.5\n");
}
END_TEST

START_TEST(test_escape_specials) {
        msgq_json_string(&j, NULL, "a\"b\\c/d");
        msgq_json_finish(&j);
        ck_assert_str_eq(output(), "\"a\\\"b\\\\c/d\"\n");
        assert_parses(output());
}
END_TEST

START_TEST(test_escape_short_controls) {
        msgq_json_string(&j, NULL, "\b\f\n\r\t");
        msgq_json_finish(&j);
        ck_assert_str_eq(output(), "\"\\b\\f\\n\\r\\t\"\n");
}
END_TEST

START_TEST(test_escape_every_control) {
        /* Every byte 0x01 .. 0x1f, then 0x20 and DEL (0x7f), which stay as they are. */
        static const char *const want[32] = {
                [0x01] = "\\u0001", [0x02] = "\\u0002", [0x03] = "\\u0003",
                [0x04] = "\\u0004", [0x05] = "\\u0005", [0x06] = "\\u0006",
                [0x07] = "\\u0007", [0x08] = "\\b", [0x09] = "\\t",
                [0x0a] = "\\n", [0x0b] = "\\u000b", [0x0c] = "\\f",
                [0x0d] = "\\r", [0x0e] = "\\u000e", [0x0f] = "\\u000f",
                [0x10] = "\\u0010", [0x11] = "\\u0011", [0x12] = "\\u0012",
                [0x13] = "\\u0013", [0x14] = "\\u0014", [0x15] = "\\u0015",
                [0x16] = "\\u0016", [0x17] = "\\u0017", [0x18] = "\\u0018",
                [0x19] = "\\u0019", [0x1a] = "\\u001a", [0x1b] = "\\u001b",
                [0x1c] = "\\u001c", [0x1d] = "\\u001d", [0x1e] = "\\u001e",
                [0x1f] = "\\u001f",
        };
        char in[40], expect[300];
        size_t n = 0;

        expect[0] = '\0';
        strcat(expect, "\"");
        for (int c = 1; c < 0x20; c++) {
                in[n++] = (char) c;
                strcat(expect, want[c]);
        }
        in[n++] = ' ';
        in[n++] = 0x7f;
        in[n] = '\0';
        strcat(expect, " \x7f\"\n");

        msgq_json_string(&j, NULL, in);
        msgq_json_finish(&j);
        ck_assert_str_eq(output(), expect);
        assert_parses(output());
}
END_TEST

START_TEST(test_utf8_kept) {
        /* é, €, U+1F4A1 and U+2028: bytes pass through unchanged. */
        msgq_json_string(&j, NULL, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xa1 \xe2\x80\xa8");
        msgq_json_finish(&j);
        ck_assert_str_eq(output(), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xa1 \xe2\x80\xa8\"\n");
        assert_parses(output());
}
END_TEST

START_TEST(test_keys_escaped) {
        msgq_json_begin_object(&j, NULL);
        msgq_json_uint(&j, "a\"b", 1);
        msgq_json_uint(&j, "back\\slash", 2);
        msgq_json_uint(&j, "line\nbreak\x01", 3);
        msgq_json_begin_array(&j, "tab\t");
        msgq_json_end_array(&j);
        msgq_json_begin_object(&j, "");
        msgq_json_end_object(&j);
        msgq_json_end_object(&j);
        msgq_json_finish(&j);
        ck_assert_str_eq(output(),
                         "{\"a\\\"b\":1,\"back\\\\slash\":2,\"line\\nbreak\\u0001\":3,"
                         "\"tab\\t\":[],\"\":{}}\n");
        assert_parses(output());
}
END_TEST

START_TEST(test_empty_string) {
        msgq_json_begin_object(&j, NULL);
        msgq_json_string(&j, "e", "");
        msgq_json_end_object(&j);
        msgq_json_finish(&j);
        ck_assert_str_eq(output(), "{\"e\":\"\"}\n");
}
END_TEST

START_TEST(test_long_string) {
        size_t n = 100000;
        char *s = malloc(n + 1);
        const char *o;

        ck_assert_ptr_nonnull(s);
        memset(s, 'q', n);
        s[n] = '\0';
        s[n / 2] = '"';
        msgq_json_string(&j, NULL, s);
        msgq_json_finish(&j);
        o = output();
        ck_assert_uint_eq(strlen(o), n + 4); /* quotes, one backslash, newline */
        ck_assert_int_eq(o[0], '"');
        ck_assert_int_eq(o[n / 2 + 1], '\\');
        ck_assert_int_eq(o[n / 2 + 2], '"');
        ck_assert_int_eq(o[n + 2], '"');
        free(s);
}
END_TEST

START_TEST(test_max_depth) {
        /* MSGQ_JSON_DEPTH nested arrays are all written. */
        char expect[64];
        size_t n = 0;

        for (int i = 0; i < MSGQ_JSON_DEPTH; i++)
                msgq_json_begin_array(&j, NULL);
        msgq_json_uint(&j, NULL, 1);
        msgq_json_uint(&j, NULL, 2);
        for (int i = 0; i < MSGQ_JSON_DEPTH; i++)
                msgq_json_end_array(&j);
        msgq_json_finish(&j);

        for (int i = 0; i < MSGQ_JSON_DEPTH; i++)
                expect[n++] = '[';
        memcpy(expect + n, "1,2", 3);
        n += 3;
        for (int i = 0; i < MSGQ_JSON_DEPTH; i++)
                expect[n++] = ']';
        expect[n++] = '\n';
        expect[n] = '\0';
        ck_assert_str_eq(output(), expect);
        ck_assert_int_eq(j.depth, 0);
}
END_TEST

START_TEST(test_too_deep_left_out) {
        /* The levels past MSGQ_JSON_DEPTH vanish with their keys; the rest stays valid. */
        char expect[256] = "";

        msgq_json_begin_object(&j, NULL);
        for (int i = 1; i < MSGQ_JSON_DEPTH; i++)
                msgq_json_begin_object(&j, "o");
        msgq_json_uint(&j, "before", 1);
        msgq_json_begin_object(&j, "deep");           /* level DEPTH + 1: left out */
        msgq_json_uint(&j, "x", 1);
        msgq_json_begin_array(&j, "deeper");
        msgq_json_string(&j, NULL, "y");
        msgq_json_end_array(&j);
        msgq_json_end_object(&j);
        msgq_json_uint(&j, "after", 2);
        for (int i = 1; i < MSGQ_JSON_DEPTH; i++)
                msgq_json_end_object(&j);
        msgq_json_uint(&j, "top", 3);
        msgq_json_end_object(&j);
        msgq_json_finish(&j);

        strcat(expect, "{");
        for (int i = 1; i < MSGQ_JSON_DEPTH; i++)
                strcat(expect, "\"o\":{");
        strcat(expect, "\"before\":1,\"after\":2");
        for (int i = 1; i < MSGQ_JSON_DEPTH; i++)
                strcat(expect, "}");
        strcat(expect, ",\"top\":3}\n");
        ck_assert_str_eq(output(), expect);
        assert_parses(output());
}
END_TEST

START_TEST(test_very_deep_is_safe) {
        /* Far more levels than the array holds: nothing overflows, ends match. */
        char expect[64];
        size_t n = 0;

        for (int i = 0; i < 1000; i++)
                msgq_json_begin_array(&j, NULL);
        msgq_json_uint(&j, NULL, 42);
        for (int i = 0; i < 1000; i++)
                msgq_json_end_array(&j);
        ck_assert_int_eq(j.depth, 0);
        msgq_json_finish(&j);

        for (int i = 0; i < MSGQ_JSON_DEPTH; i++)
                expect[n++] = '[';
        for (int i = 0; i < MSGQ_JSON_DEPTH; i++)
                expect[n++] = ']';
        memcpy(expect + n, "\n", 2);
        ck_assert_str_eq(output(), expect);
}
END_TEST

START_TEST(test_unbalanced_end_ignored) {
        msgq_json_end_object(&j);
        msgq_json_end_array(&j);
        ck_assert_int_eq(j.depth, 0);
        msgq_json_begin_object(&j, NULL);
        msgq_json_end_object(&j);
        msgq_json_end_object(&j);
        msgq_json_finish(&j);
        ck_assert_str_eq(output(), "{}\n");
}
END_TEST

static Suite *json_suite(void) {
        Suite *s = suite_create("json");
        TCase *tc;

        tc = tcase_create("structure");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_empty_object);
        tcase_add_test(tc, test_empty_array);
        tcase_add_test(tc, test_object_members);
        tcase_add_test(tc, test_array_values);
        tcase_add_test(tc, test_nested);
        tcase_add_test(tc, test_top_level_scalars);
        tcase_add_test(tc, test_max_depth);
        tcase_add_test(tc, test_too_deep_left_out);
        tcase_add_test(tc, test_very_deep_is_safe);
        tcase_add_test(tc, test_unbalanced_end_ignored);
        suite_add_tcase(s, tc);

        tc = tcase_create("numbers");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_integers);
        tcase_add_test(tc, test_doubles);
        tcase_add_test(tc, test_doubles_round_trip);
        tcase_add_test(tc, test_doubles_not_finite);
        tcase_add_test(tc, test_doubles_locale);
        suite_add_tcase(s, tc);

        tc = tcase_create("strings");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_escape_specials);
        tcase_add_test(tc, test_escape_short_controls);
        tcase_add_test(tc, test_escape_every_control);
        tcase_add_test(tc, test_utf8_kept);
        tcase_add_test(tc, test_keys_escaped);
        tcase_add_test(tc, test_empty_string);
        tcase_add_test(tc, test_long_string);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        return unit_run(json_suite());
}
