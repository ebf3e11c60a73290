/* SPDX-License-Identifier: MIT */
/*
 * Unit: what travels on MQTT (mqtt/payload.c): every command Home
 * Assistant's JSON light publishes, the state and attribute payloads it
 * reads, and the discovery config, against the contract in
 * doc/HOME-ASSISTANT.md.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "payload.h"
#include "settings.h"
#include "unit.h"

static struct command cmd;
static char why[PAYLOAD_WHY_MAX];

static int led(const char *payload) {
        why[0] = '\0';
        return payload_parse_command(TOPIC_LED_SET, payload, strlen(payload), &cmd, why, sizeof why);
}

#define EXPECT_LED(payload, op_, arg0_, arg1_, then_)                                                      \
        do {                                                                                               \
                ck_assert_msg(led(payload) == 0, "%s: %s", payload, why);                                  \
                ck_assert_msg(cmd.op == (op_) && cmd.arg0 == (arg0_) && cmd.arg1 == (arg1_) &&             \
                              cmd.then_op == (then_), "%s: op %u %u %u then %u", payload, cmd.op, cmd.arg0, \
                              cmd.arg1, cmd.then_op);                                                      \
        } while (0)

/* What HA 2024.1 and the newest (schema_json.py, async_turn_on/off) publish for a light like this one. */
START_TEST(test_home_assistant_commands) {
        EXPECT_LED("{\"state\":\"ON\"}", MSGQ_OP_LED_ON, 0, 0, 0);
        EXPECT_LED("{\"state\":\"OFF\"}", MSGQ_OP_LED_OFF, 0, 0, 0);
        EXPECT_LED("{\"state\":\"ON\",\"effect\":\"blink\"}", MSGQ_OP_LED_BLINK, BLINK_DEFAULT_PERIOD, 0, 0);
        EXPECT_LED("{\"state\":\"ON\",\"transition\":1.0}", MSGQ_OP_LED_ON, 0, 0, 0);
        EXPECT_LED("{\"state\":\"OFF\",\"transition\":2}", MSGQ_OP_LED_OFF, 0, 0, 0);
        /* flash short (2 s) and long (10 s): a blink of that long, then the state asked for. */
        EXPECT_LED("{\"state\":\"ON\",\"flash\":2}", MSGQ_OP_LED_BLINK, FLASH_PERIOD_MS, 4, MSGQ_OP_LED_ON);
        EXPECT_LED("{\"state\":\"ON\",\"flash\":10}", MSGQ_OP_LED_BLINK, FLASH_PERIOD_MS, 20, MSGQ_OP_LED_ON);
        EXPECT_LED("{\"state\":\"OFF\",\"flash\":2}", MSGQ_OP_LED_BLINK, FLASH_PERIOD_MS, 4, MSGQ_OP_LED_OFF);
        EXPECT_LED("{\"state\":\"ON\",\"flash\":0.2}", MSGQ_OP_LED_BLINK, FLASH_PERIOD_MS, 1, MSGQ_OP_LED_ON);
        EXPECT_LED("{\"state\":\"ON\",\"flash\":2,\"transition\":0.5}", MSGQ_OP_LED_BLINK, FLASH_PERIOD_MS, 4,
                   MSGQ_OP_LED_ON);
        /* The effect asked for is the state asked for: no flash before it. */
        EXPECT_LED("{\"state\":\"ON\",\"effect\":\"blink\",\"flash\":2}", MSGQ_OP_LED_BLINK, BLINK_DEFAULT_PERIOD,
                   0, 0);
        /* A light with brightness or colours sends these; this LED has neither: checked, ignored. */
        EXPECT_LED("{\"state\":\"ON\",\"brightness\":128}", MSGQ_OP_LED_ON, 0, 0, 0);
        EXPECT_LED("{\"state\":\"ON\",\"color\":{\"h\":10.0,\"s\":50.0}}", MSGQ_OP_LED_ON, 0, 0, 0);
        EXPECT_LED("{\"state\":\"ON\",\"color_temp\":4000}", MSGQ_OP_LED_ON, 0, 0, 0);
        EXPECT_LED("{\"state\":\"ON\",\"white\":255}", MSGQ_OP_LED_ON, 0, 0, 0);
        /* A key of a later version is not an error. */
        EXPECT_LED("{\"state\":\"ON\",\"some_future_key\":[1,2]}", MSGQ_OP_LED_ON, 0, 0, 0);
        EXPECT_LED("{\"state\":\"OFF\",\"effect\":null}", MSGQ_OP_LED_OFF, 0, 0, 0);
        /* msgq's own. */
        EXPECT_LED("on", MSGQ_OP_LED_ON, 0, 0, 0);
        EXPECT_LED(" TOGGLE\n", MSGQ_OP_LED_TOGGLE, 0, 0, 0);
        EXPECT_LED("{\"effect\":\"blink\",\"period_ms\":100,\"count\":3}", MSGQ_OP_LED_BLINK, 100, 3, 0);
}
END_TEST

#define FLASH_RANGE "flash must be a number of seconds from 0.001 to 3600, not "
#define STATE_WORDS "state must be ON, OFF or TOGGLE, not "

struct refused {
        const char *payload, *why;
};

static void expect_refused(const char *subtopic, const struct refused *cases, size_t n) {
        for (size_t i = 0; i < n; i++) {
                why[0] = '\0';
                ck_assert_msg(payload_parse_command(subtopic, cases[i].payload, strlen(cases[i].payload), &cmd, why,
                                                    sizeof why) == -EINVAL,
                              "%s accepted: op %u %u %u then %u", cases[i].payload, cmd.op, cmd.arg0, cmd.arg1,
                              cmd.then_op);
                ck_assert_str_eq(why, cases[i].why);
        }
}

/* Only what is malformed is refused, and the reason says what. */
START_TEST(test_malformed_commands) {
        static const struct refused cases[] = {
                { "{\"state\":\"ON\",\"flash\":\"short\"}", FLASH_RANGE "\"short\"" },
                { "{\"state\":\"ON\",\"flash\":0}", FLASH_RANGE "0" },
                { "{\"state\":\"ON\",\"flash\":3601}", FLASH_RANGE "3601" },
                { "{\"state\":\"TOGGLE\",\"flash\":2}", "flash needs state ON or OFF" },
                { "{\"state\":\"ON\",\"transition\":\"slow\"}", "transition must be a number from 0 to 6553, not \"slow\"" },
                { "{\"state\":\"ON\",\"transition\":-1}", "transition must be a number from 0 to 6553, not -1" },
                { "{\"state\":\"ON\",\"brightness\":true}", "brightness must be a number from 0 to 65535, not true" },
                { "{\"state\":\"ON\",\"color\":7}", "color must be an object, not 7" },
                { "{\"flash\":2}", "missing state" },
                { "{\"state\":\"ON\",\"effect\":\"rainbow\"}", "effect must be blink, none or null, not \"rainbow\"" },
                { "{\"state\":\"ON\"", "invalid JSON: unexpected end" },
        };

        expect_refused(TOPIC_LED_SET, cases, sizeof cases / sizeof cases[0]);
}
END_TEST

/*
 * A payload means exactly what it says, or is refused with the key, the
 * value as written and what is taken: issue 19's payloads (each drove the
 * LED: a flash rounded to 0 ms blinked until cancelled, a comparison
 * stopped at a NUL), and the same class of hole in every key and value.
 */
START_TEST(test_hostile_led_commands) {
        static const struct refused cases[] = {
                /* A flash that rounds to 0 ms, or is no finite number. */
                { "{\"state\":\"OFF\",\"flash\":0.0001}", FLASH_RANGE "0.0001" },
                { "{\"state\":\"OFF\",\"flash\":1e-300}", FLASH_RANGE "1e-300" },
                { "{\"state\":\"ON\",\"flash\":0.0009}", FLASH_RANGE "0.0009" },
                { "{\"state\":\"ON\",\"flash\":-2}", FLASH_RANGE "-2" },
                { "{\"state\":\"ON\",\"flash\":1e400}", FLASH_RANGE "1e400" },
                { "{\"state\":\"ON\",\"flash\":true}", FLASH_RANGE "true" },
                { "{\"state\":\"ON\",\"flash\":NaN}", "invalid JSON: NaN and Infinity are not JSON numbers" },
                { "{\"state\":\"ON\",\"flash\":Infinity}", "invalid JSON: NaN and Infinity are not JSON numbers" },
                { "{\"state\":\"ON\",\"flash\":-Infinity}", "invalid JSON: NaN and Infinity are not JSON numbers" },
                { "{\"state\":\"ON\",\"effect\":\"blink\",\"flash\":0.0001}", FLASH_RANGE "0.0001" },
                /* Strings compared at their full length: a NUL or anything after the word. */
                { "{\"state\":\"ON\\u0000junk\"}", STATE_WORDS "\"ON\\u0000junk\"" },
                { "{\"state\":\"ON \"}", STATE_WORDS "\"ON \"" },
                { "{\"state\":\"ONE\"}", STATE_WORDS "\"ONE\"" },
                { "{\"state\":true}", STATE_WORDS "true" },
                { "{\"state\":[\"ON\"]}", STATE_WORDS "[\"ON\"]" },
                { "{\"state\":\"ON\\ud800\"}", STATE_WORDS "\"ON\\ud800\"" },
                { "{\"effect\":\"blink\\u0000junk\"}", "effect must be blink, none or null, not \"blink\\u0000junk\"" },
                { "{\"state\":\"ON\",\"effect\":\"none\\u0000\"}",
                  "effect must be blink, none or null, not \"none\\u0000\"" },
                { "{\"state\":\"ON\",\"effect\":\"Blink\"}", "effect must be blink, none or null, not \"Blink\"" },
                { "{\"state\":\"ON\",\"effect\":1}", "effect must be blink, none or null, not 1" },
                /* Integers: no fraction, nothing saturated to 64 bits. */
                { "{\"effect\":\"blink\",\"period_ms\":1e3}", "period_ms must be an integer from 20 to 3600000, not 1e3" },
                { "{\"effect\":\"blink\",\"count\":99999999999999999999}",
                  "count must be an integer from 0 to 1000000, not 99999999999999999999" },
                { "{\"effect\":\"blink\",\"count\":-99999999999999999999}",
                  "count must be an integer from 0 to 1000000, not -99999999999999999999" },
                { "{\"effect\":\"blink\",\"period_ms\":\"500\"}",
                  "period_ms must be an integer from 20 to 3600000, not \"500\"" },
                /* Keys that ignored numbers still check. */
                { "{\"state\":\"ON\",\"transition\":1e400}", "transition must be a number from 0 to 6553, not 1e400" },
                { "{\"state\":\"ON\",\"transition\":6553.5}", "transition must be a number from 0 to 6553, not 6553.5" },
                { "{\"state\":\"ON\",\"brightness\":65536}", "brightness must be a number from 0 to 65535, not 65536" },
                { "{\"state\":\"ON\",\"white\":-0.5}", "white must be a number from 0 to 65535, not -0.5" },
                /* Keys: each once, no NUL, msgq's own in lower case only. */
                { "{\"state\":\"ON\",\"state\":\"OFF\"}", "duplicate key \"state\"" },
                { "{\"state\":\"OFF\",\"st\\u0061te\":\"ON\"}", "duplicate key \"st\\u0061te\"" },
                { "{\"state\\u0000x\":\"ON\"}", "NUL character in key \"state\\u0000x\"" },
                { "{\"state\":\"OFF\",\"state\\u0000\":\"ON\"}", "NUL character in key \"state\\u0000\"" },
                { "{\"State\":\"ON\"}", "unknown key \"State\" (keys are lower case: state)" },
                { "{\"state\":\"ON\",\"FLASH\":0.0001}", "unknown key \"FLASH\" (keys are lower case: flash)" },
                { "{\"state\":\"ON\",\"Transition\":1}", "unknown key \"Transition\" (keys are lower case: transition)" },
                /* What json-c takes and JSON is not. */
                { "{'state':\"ON\"}", "invalid JSON: a string in single quotes" },
                { "{\"state\":\"ON\t\"}", "invalid JSON: control character in a string" },
                { "{\"state\":\"ON\xff\"}", "invalid JSON: invalid utf-8 string" },
                /* Plain text: the whole word. */
                { "ON junk", "expected ON, OFF, TOGGLE or a JSON object" },
                { "ONjunk", "expected ON, OFF, TOGGLE or a JSON object" },
                { "O", "expected ON, OFF, TOGGLE or a JSON object" },
                { "", "expected ON, OFF, TOGGLE or a JSON object" },
        };

        expect_refused(TOPIC_LED_SET, cases, sizeof cases / sizeof cases[0]);
}
END_TEST

/* What no key or length check above covers: NUL bytes, the length, the number of keys, a long value shown. */
START_TEST(test_hostile_sizes) {
        char big[PAYLOAD_MAX + 2], *p = big;

        ck_assert_int_eq(payload_parse_command(TOPIC_LED_SET, "ON\0junk", 7, &cmd, why, sizeof why), -EINVAL);
        ck_assert_str_eq(why, "payload contains a NUL byte");
        ck_assert_int_eq(payload_parse_command(TOPIC_LED_SET, "{\"state\":\"ON\"}\0", 15, &cmd, why, sizeof why),
                         -EINVAL);
        ck_assert_str_eq(why, "payload contains a NUL byte");

        memset(big, ' ', sizeof big);
        memcpy(big, "ON", 2);
        ck_assert_int_eq(payload_parse_command(TOPIC_LED_SET, big, PAYLOAD_MAX + 1, &cmd, why, sizeof why), -EINVAL);
        ck_assert_str_eq(why, "payload too long: 1025 bytes, at most 1024");
        ck_assert_int_eq(payload_parse_command(TOPIC_LED_SET, big, PAYLOAD_MAX, &cmd, why, sizeof why), 0);

        p += sprintf(p, "{\"state\":\"ON\"");
        for (int i = 1; i <= 32; i++)
                p += sprintf(p, ",\"k%d\":0", i);
        sprintf(p, "}");
        ck_assert_int_eq(led(big), -EINVAL);
        ck_assert_str_eq(why, "too many keys: at most 32");

        ck_assert_int_eq(led("{\"state\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}"), -EINVAL);
        ck_assert_str_eq(why, STATE_WORDS "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...");
        /* Cut at 40 bytes, or before a character that does not fit whole. */
        ck_assert_int_eq(led("{\"state\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xc3\xa9\xc3\xa9\"}"), -EINVAL);
        ck_assert_str_eq(why, STATE_WORDS "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xc3\xa9...");
        ck_assert_int_eq(led("{\"state\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xc3\xa9\xc3\xa9\"}"), -EINVAL);
        ck_assert_str_eq(why, STATE_WORDS "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...");
}
END_TEST

/* The same on send: the text at its full length, priority an integer, keys once. */
START_TEST(test_hostile_send_commands) {
        static const struct refused cases[] = {
                { "{\"text\":\"a\",\"text\":\"b\"}", "duplicate key \"text\"" },
                { "{\"text\":\"a\\u0000b\"}", "text contains a control character (0x00)" },
                { "{\"text\":5}", "text must be a string, not 5" },
                { "{\"text\":\"a\",\"priority\":1e400}", "priority must be an integer from 1 to 10, not 1e400" },
                { "{\"text\":\"a\",\"priority\":2.0}", "priority must be an integer from 1 to 10, not 2.0" },
                { "{\"text\":\"a\",\"priority\":11}", "priority must be an integer from 1 to 10, not 11" },
                { "{\"text\":\"a\",\"Priority\":2}", "unknown key \"Priority\"" },
                { "{\"text\":\"a\",\"p\\u0000\":2}", "NUL character in key \"p\\u0000\"" },
                { "{'text':\"a\"}", "invalid JSON: a string in single quotes" },
                { "{\"priority\":1}", "missing text" },
        };

        expect_refused(TOPIC_SEND, cases, sizeof cases / sizeof cases[0]);
}
END_TEST

/* The edges that stay taken, each meaning what it says. */
START_TEST(test_edges_taken) {
        EXPECT_LED("{\"state\":\"ON\",\"flash\":0.001}", MSGQ_OP_LED_BLINK, FLASH_PERIOD_MS, 1, MSGQ_OP_LED_ON);
        EXPECT_LED("{\"state\":\"OFF\",\"flash\":3600}", MSGQ_OP_LED_BLINK, FLASH_PERIOD_MS, 7200, MSGQ_OP_LED_OFF);
        EXPECT_LED("{\"state\":\"ON\",\"flash\":2.001}", MSGQ_OP_LED_BLINK, FLASH_PERIOD_MS, 5, MSGQ_OP_LED_ON);
        EXPECT_LED("{\"state\":\"on\",\"transition\":0}", MSGQ_OP_LED_ON, 0, 0, 0);
        EXPECT_LED("{\"state\":\"Off\",\"transition\":6553}", MSGQ_OP_LED_OFF, 0, 0, 0);
        EXPECT_LED("{\"state\":\"ON\",\"transition\":1e-05}", MSGQ_OP_LED_ON, 0, 0, 0);
        EXPECT_LED("{\"st\\u0061te\":\"\\u004fN\"}", MSGQ_OP_LED_ON, 0, 0, 0);
        EXPECT_LED("{\"state\":\"ON\",\"effect\":\"none\"}", MSGQ_OP_LED_ON, 0, 0, 0);
        EXPECT_LED("{\"effect\":\"blink\",\"count\":1000000}", MSGQ_OP_LED_BLINK, BLINK_DEFAULT_PERIOD, 1000000, 0);
        EXPECT_LED(" { \"state\" : \"ON\" , \"color\" : { \"h\" : 1 , \"h\" : 2 } } ", MSGQ_OP_LED_ON, 0, 0, 0);
        static const char text_cmd[] = "{\"text\":\"caf\xc3\xa9\",\"priority\":10}";

        ck_assert_msg(payload_parse_command(TOPIC_SEND, text_cmd, strlen(text_cmd), &cmd, why, sizeof why) == 0, "%s", why);
        ck_assert_str_eq(cmd.text, "caf\xc3\xa9");
        ck_assert_int_eq(cmd.prio, 10);
}
END_TEST

/* What payload (state or attributes) says of msgqd's LED state. */
static const char *shown(char *(*payload)(const struct led_view *), bool on, bool blinking, uint32_t period,
                         uint32_t remaining) {
        static char buf[256];
        struct msgq_led_state st = { .on = on, .blinking = blinking, .period_ms = period, .remaining = remaining };
        struct led_view v;
        char *s;

        led_view_from(&st, 0, &v);
        s = payload(&v);
        ck_assert_ptr_nonnull(s);
        snprintf(buf, sizeof buf, "%s", s);
        free(s);
        return buf;
}

static const char *state_of(bool on, bool blinking, uint32_t period, uint32_t remaining) {
        return shown(payload_led_state, on, blinking, period, remaining);
}

static const char *attributes_of(bool blinking, uint32_t period, uint32_t remaining) {
        return shown(payload_led_attributes, true, blinking, period, remaining);
}

/* HA's JSON light changes its effect only when a state has the key: every state has it. */
START_TEST(test_state_says_the_effect) {
        ck_assert_str_eq(state_of(false, false, 0, 0), "{\"state\":\"OFF\",\"effect\":null}");
        ck_assert_str_eq(state_of(true, false, 0, 0), "{\"state\":\"ON\",\"effect\":null}");
        ck_assert_str_eq(state_of(false, true, 250, 0), "{\"state\":\"ON\",\"effect\":\"blink\",\"period_ms\":250}");
        ck_assert_str_eq(state_of(true, true, 100, 5), "{\"state\":\"ON\",\"effect\":\"blink\",\"period_ms\":100}");
        ck_assert_str_eq(attributes_of(false, 0, 0), "{\"blinking\":false}");
        ck_assert_str_eq(attributes_of(true, 250, 0), "{\"blinking\":true,\"period_ms\":250}");
        /* msgqd counts toggles left, the last one off: 3 blinks are 5 toggles after the first. */
        ck_assert_str_eq(attributes_of(true, 100, 5), "{\"blinking\":true,\"period_ms\":100,\"blinks_left\":3}");
}
END_TEST

/* A state with its time says it, in UTC to the nanosecond; the attributes do not, and views do not compare it. */
START_TEST(test_state_says_its_time) {
        struct msgq_led_state st = { .on = true };
        struct led_view v, w;
        char *s;

        led_view_from(&st, 1796605523123456789ull, &v);
        s = payload_led_state(&v);
        ck_assert_str_eq(s, "{\"state\":\"ON\",\"effect\":null,\"time\":\"2026-12-07T01:05:23.123456789Z\"}");
        free(s);
        s = payload_led_attributes(&v);
        ck_assert_str_eq(s, "{\"blinking\":false}");
        free(s);
        led_view_from(&st, 1796605523123457789ull, &w);
        ck_assert(led_view_equal(&v, &w));
}
END_TEST

static json_object *discovery(const char *prefix) {
        struct settings s;
        char node[SETTINGS_NODE_ID_MAX + 1];
        json_object *o;
        char *text;

        settings_defaults(&s);
        ck_assert_int_eq(settings_set_prefix(s.prefix, prefix), 0);
        settings_node_id(&s, node, sizeof node);
        text = payload_discovery(&s, node, "1.2.3");
        ck_assert_ptr_nonnull(text);
        o = json_tokener_parse(text);
        free(text);
        ck_assert_ptr_nonnull(o);
        return o;
}

static const char *str(json_object *o, const char *path) {
        char copy[128], *save = NULL;
        json_object *v = o;

        snprintf(copy, sizeof copy, "%s", path);
        for (char *k = strtok_r(copy, ".", &save); k; k = strtok_r(NULL, ".", &save))
                ck_assert_msg(json_object_object_get_ex(v, k, &v), "no %s", path);
        return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* The template schema (doc/HOME-ASSISTANT.md); tests/check-mqtt.c renders its templates as HA does. */
START_TEST(test_discovery_config) {
        json_object *o = discovery("msgq/board1"), *v;

        ck_assert_str_eq(str(o, "schema"), "\"template\"");
        ck_assert_str_eq(str(o, "unique_id"), "\"msgq_board1_led\"");
        ck_assert_str_eq(str(o, "command_topic"), "\"msgq/board1/led/set\"");
        ck_assert_str_eq(str(o, "state_topic"), "\"msgq/board1/led/state\"");
        ck_assert_str_eq(str(o, "json_attributes_topic"), "\"msgq/board1/led/attributes\"");
        ck_assert_str_eq(str(o, "availability_topic"), "\"msgq/board1/availability\"");
        ck_assert_str_eq(str(o, "effect_list"), "[\"off\",\"blink\"]");
        ck_assert_str_eq(str(o, "state_template"), "\"{{ value_json.state | lower }}\"");
        ck_assert_str_eq(str(o, "effect_template"), "\"{{ value_json.get('effect') or 'off' }}\"");
        ck_assert(strstr(str(o, "command_on_template"), "{\\\"state\\\":\\\"ON\\\""));
        ck_assert(strstr(str(o, "command_off_template"), "{\\\"state\\\":\\\"OFF\\\""));
        /* For a JSON-schema light of msgq 0.1.0 until HA restarts; never color_mode (an error from HA 2025.3). */
        ck_assert_str_eq(str(o, "supported_color_modes"), "[\"onoff\"]");
        ck_assert(!json_object_object_get_ex(o, "color_mode", &v));
        ck_assert_str_eq(str(o, "origin.name"), "\"msgq-mqtt\"");
        ck_assert_str_eq(str(o, "origin.sw_version"), "\"1.2.3\"");
        /* The device is named after the prefix without "msgq/": HA's entity is light.board1_led. */
        ck_assert_str_eq(str(o, "device.name"), "\"board1\"");
        ck_assert_str_eq(str(o, "device.identifiers"), "[\"msgq_board1\"]");
        ck_assert_str_eq(str(o, "name"), "\"LED\"");
        json_object_put(o);

        o = discovery("site.b1");
        ck_assert_str_eq(str(o, "unique_id"), "\"site-2eb1_led\"");
        ck_assert_str_eq(str(o, "device.name"), "\"site.b1\"");
        json_object_put(o);
}
END_TEST

/* An input's payloads (doc/HOME-ASSISTANT.md, "Inputs"), and a counter not known left out. */
START_TEST(test_input_payloads) {
        uint64_t count = 17, missed = 5;
        char *p;

        p = payload_input_state(true, &count, 1234);
        ck_assert_str_eq(p, "{\"state\":\"ON\",\"count\":17,\"number\":1234}");
        free(p);
        p = payload_input_state(false, NULL, 1);
        ck_assert_str_eq(p, "{\"state\":\"OFF\",\"number\":1}");
        free(p);
        p = payload_input_event(true, 1234, 1796606625123456789ull, &count);
        ck_assert_str_eq(p, "{\"event_type\":\"rising\",\"number\":1234,\"level\":1,"
                            "\"time\":\"2026-12-07T01:23:45.123456789Z\",\"count\":17}");
        free(p);
        p = payload_input_missed(1240, &missed, 0, "overflow", 0, &count);
        ck_assert_str_eq(p, "{\"event_type\":\"missed\",\"number\":1240,\"missed\":5,\"at_least\":false,"
                            "\"reason\":\"overflow\",\"level\":0,\"count\":17}");
        free(p);
        p = payload_input_missed(1240, &missed, 1, "overflow", 0, &count);
        ck_assert_str_eq(p, "{\"event_type\":\"missed\",\"number\":1240,\"missed\":5,\"at_least\":true,"
                            "\"reason\":\"overflow\",\"level\":0,\"count\":17}");
        free(p);
        p = payload_input_missed(7, NULL, -1, "away", 1, &count);
        ck_assert_str_eq(p, "{\"event_type\":\"missed\",\"number\":7,\"missed\":null,\"reason\":\"away\","
                            "\"level\":1,\"count\":17}");
        free(p);
        p = payload_input_missed(7, &missed, -1, "history", -1, NULL);
        ck_assert_str_eq(p, "{\"event_type\":\"missed\",\"number\":7,\"missed\":5,\"reason\":\"history\"}");
        free(p);
        p = payload_changes(1240);
        ck_assert_str_eq(p, "{\"number\":1240}");
        free(p);
}
END_TEST

/* <prefix>/changes read back: {"number":N} only. */
START_TEST(test_changes_read_back) {
        static const char *const bad[] = { "", "1240", "{}", "{\"number\":-1}", "{\"number\":1.5}",
                                           "{\"number\":\"1\"}", "{\"number\":1,\"x\":2}", "{\"Number\":1}",
                                           "{\"number\":18446744073709551616}", "{\"number\":1", NULL };
        uint64_t n = 0;

        ck_assert_int_eq(payload_parse_changes("{\"number\":1240}", 15, &n), 0);
        ck_assert_uint_eq(n, 1240);
        ck_assert_int_eq(payload_parse_changes(" {\"number\":18446744073709551615}\n", 33, &n), 0);
        ck_assert_uint_eq(n, UINT64_MAX);
        ck_assert_int_eq(payload_parse_changes("{\"number\":0}", 12, &n), 0);
        ck_assert_uint_eq(n, 0);
        for (size_t i = 0; bad[i]; i++)
                ck_assert_msg(payload_parse_changes(bad[i], strlen(bad[i]), &n) == -EINVAL, "%s taken", bad[i]);
}
END_TEST

int main(void) {
        Suite *s = suite_create("payload");
        TCase *tc = tcase_create("payload");

        tcase_add_test(tc, test_home_assistant_commands);
        tcase_add_test(tc, test_malformed_commands);
        tcase_add_test(tc, test_hostile_led_commands);
        tcase_add_test(tc, test_hostile_sizes);
        tcase_add_test(tc, test_hostile_send_commands);
        tcase_add_test(tc, test_edges_taken);
        tcase_add_test(tc, test_state_says_the_effect);
        tcase_add_test(tc, test_state_says_its_time);
        tcase_add_test(tc, test_discovery_config);
        tcase_add_test(tc, test_input_payloads);
        tcase_add_test(tc, test_changes_read_back);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
