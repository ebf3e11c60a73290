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

#define FLASH_RANGE "flash must be a number of seconds, more than 0 and at most 3600"

/* Only what is malformed is refused, and the reason says what. */
START_TEST(test_malformed_commands) {
        static const struct {
                const char *payload, *why;
        } cases[] = {
                { "{\"state\":\"ON\",\"flash\":\"short\"}", FLASH_RANGE },
                { "{\"state\":\"ON\",\"flash\":0}", FLASH_RANGE },
                { "{\"state\":\"ON\",\"flash\":3601}", FLASH_RANGE },
                { "{\"state\":\"TOGGLE\",\"flash\":2}", "flash needs state ON or OFF" },
                { "{\"state\":\"ON\",\"transition\":\"slow\"}", "transition must be a number, 0 or more" },
                { "{\"state\":\"ON\",\"transition\":-1}", "transition must be a number, 0 or more" },
                { "{\"state\":\"ON\",\"brightness\":true}", "brightness must be a number, 0 or more" },
                { "{\"state\":\"ON\",\"color\":7}", "color must be an object" },
                { "{\"flash\":2}", "missing state" },
                { "{\"state\":\"ON\",\"effect\":\"rainbow\"}", "effect must be blink or none" },
                { "{\"state\":\"ON\"", "invalid JSON: unexpected end" },
        };

        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                ck_assert_msg(led(cases[i].payload) == -EINVAL, "%s accepted", cases[i].payload);
                ck_assert_str_eq(why, cases[i].why);
        }
}
END_TEST

/* What payload (state or attributes) says of msgqd's LED state. */
static const char *shown(char *(*payload)(const struct led_view *), bool on, bool blinking, uint32_t period,
                         uint32_t remaining) {
        static char buf[256];
        struct msgq_led_state st = { .on = on, .blinking = blinking, .period_ms = period, .remaining = remaining };
        struct led_view v;
        char *s;

        led_view_from(&st, &v);
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

int main(void) {
        Suite *s = suite_create("payload");
        TCase *tc = tcase_create("payload");

        tcase_add_test(tc, test_home_assistant_commands);
        tcase_add_test(tc, test_malformed_commands);
        tcase_add_test(tc, test_state_says_the_effect);
        tcase_add_test(tc, test_discovery_config);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
