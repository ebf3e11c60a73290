/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "clock.h"
#include "payload.h"
#include "strictjson.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int refuse(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(char *why, size_t size, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(why, size, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

/* The payload without surrounding ASCII whitespace, as a NUL-terminated copy. */
static size_t trimmed(const void *payload, size_t len, char *buf) {
        const char *p = payload;

        while (len > 0 && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
                p++;
                len--;
        }
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r' ||
                           p[len - 1] == '\n'))
                len--;
        if (len > 0) /* an empty MQTT payload comes as NULL: no memcpy from it */
                memcpy(buf, p, len);
        buf[len] = '\0';
        return len;
}

/* "<key> must be <what>, not <the value as written>". */
static int refuse_value(const struct strictjson_member *m, char *why, size_t size, const char *what, ...)
        __attribute__((format(printf, 4, 5)));
static int refuse_value(const struct strictjson_member *m, char *why, size_t size, const char *what, ...) {
        char expected[96], shown[64];
        va_list ap;

        va_start(ap, what);
        vsnprintf(expected, sizeof expected, what, ap);
        va_end(ap);
        return refuse(why, size, "%s must be %s, not %s", m->key, expected,
                      strictjson_shown(m->text, m->text_len, shown, sizeof shown));
}

/* An integer from min to max (json-c reads one too large for 64 bits as the largest). */
static int get_uint(const struct strictjson_member *m, uint32_t min, uint32_t max, uint32_t *ret, char *why,
                    size_t size) {
        int64_t n = json_object_get_int64(m->value);

        if (!json_object_is_type(m->value, json_type_int) || n < min || n > max)
                return refuse_value(m, why, size, "an integer from %u to %u", min, max);
        *ret = (uint32_t) n;
        return 0;
}

/* A finite number from min to max (json-c reads 1e400 as infinity). */
static bool number_in(json_object *v, double min, double max, double *ret) {
        double d = json_object_get_double(v);

        if (!(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) ||
            !isfinite(d) || d < min || d > max)
                return false;
        *ret = d;
        return true;
}

/* The word S (LEN bytes, all of them compared) as an LED operation, in any case. */
static int led_word(const char *s, size_t len, uint16_t *op) {
        static const struct {
                const char *word;
                uint16_t op;
        } words[] = { { "ON", MSGQ_OP_LED_ON }, { "OFF", MSGQ_OP_LED_OFF }, { "TOGGLE", MSGQ_OP_LED_TOGGLE } };

        for (size_t i = 0; i < COUNT(words); i++) {
                if (len == strlen(words[i].word) && strncasecmp(s, words[i].word, len) == 0) {
                        *op = words[i].op;
                        return 0;
                }
        }
        return -EINVAL;
}

/* v is the string s, every byte of it (a NUL does not end it). */
static bool string_is(json_object *v, const char *s) {
        return json_object_is_type(v, json_type_string) && (size_t) json_object_get_string_len(v) == strlen(s) &&
               memcmp(json_object_get_string(v), s, strlen(s)) == 0;
}

/*
 * What a led/set object asks for.  Beside msgq's own keys (state, effect,
 * period_ms, count) it takes every key Home Assistant's JSON light sends
 * (doc/HOME-ASSISTANT.md): flash as a blink of that many seconds; the
 * keys of a light with brightness or colours, which this LED has not,
 * checked and ignored; and keys of later versions, ignored.
 */
struct led_ask {
        bool has_state, blink, has_period, has_count, has_flash;
        uint16_t op;
        uint32_t period, count;
        double flash_s;
};

/*
 * Keys taken and ignored, with what each must be.  Numbers: transition
 * up to Home Assistant's own bound (VALID_TRANSITION, 6553 s); the others
 * up to 65535, more than any light sends (HA's brightness is 0..255 on
 * its brightness_scale, colour temperatures are mireds or kelvin).
 */
static const struct {
        const char *key;
        json_type type;         /* json_type_double: a number from 0 to max */
        double max;
} ignored_keys[] = {
        { "transition", json_type_double, 6553 },       /* seconds: the LED switches at once */
        { "brightness", json_type_double, 65535 },      /* it has one brightness */
        { "color_temp", json_type_double, 65535 },
        { "white", json_type_double, 65535 },
        { "color", json_type_object, 0 },
};

/* The keys with a meaning here (the ignored ones too): one of them in another case is refused. */
static const char *const led_keys[] = { "state", "effect", "period_ms", "count", "flash" };

static const char *led_key_in_other_case(const char *key) {
        for (size_t i = 0; i < COUNT(led_keys); i++) {
                if (strcasecmp(key, led_keys[i]) == 0)
                        return led_keys[i];
        }
        for (size_t i = 0; i < COUNT(ignored_keys); i++) {
                if (strcasecmp(key, ignored_keys[i].key) == 0)
                        return ignored_keys[i].key;
        }
        return NULL;
}

static int unknown_key(const struct strictjson_member *m, char *why, size_t size) {
        const char *k = led_key_in_other_case(m->key);
        char shown[64];

        if (k)
                return refuse(why, size, "unknown key %s (keys are lower case: %s)",
                              strictjson_shown(m->key_text, m->key_text_len, shown, sizeof shown), k);
        return 0; /* a key of a later version: not an error */
}

static int ignored_key(const struct strictjson_member *m, char *why, size_t size) {
        double d;

        for (size_t i = 0; i < COUNT(ignored_keys); i++) {
                if (strcmp(m->key, ignored_keys[i].key) != 0)
                        continue;
                if (ignored_keys[i].type == json_type_object && !json_object_is_type(m->value, json_type_object))
                        return refuse_value(m, why, size, "an object");
                if (ignored_keys[i].type == json_type_double && !number_in(m->value, 0, ignored_keys[i].max, &d))
                        return refuse_value(m, why, size, "a number from 0 to %g", ignored_keys[i].max);
                return 0;
        }
        return unknown_key(m, why, size);
}

static int led_key(const struct strictjson_member *m, struct led_ask *a, char *why, size_t size) {
        json_object *v = m->value;

        if (strcmp(m->key, "state") == 0) {
                if (!json_object_is_type(v, json_type_string) ||
                    led_word(json_object_get_string(v), (size_t) json_object_get_string_len(v), &a->op) < 0)
                        return refuse_value(m, why, size, "ON, OFF or TOGGLE");
                a->has_state = true;
        } else if (strcmp(m->key, "effect") == 0) {
                if (string_is(v, "blink"))
                        a->blink = true;
                else if (!string_is(v, "none") && !json_object_is_type(v, json_type_null))
                        return refuse_value(m, why, size, "blink, none or null");
        } else if (strcmp(m->key, "period_ms") == 0) {
                if (get_uint(m, MSGQ_BLINK_PERIOD_MIN_MS, MSGQ_BLINK_PERIOD_MAX_MS, &a->period, why, size) < 0)
                        return -EINVAL;
                a->has_period = true;
        } else if (strcmp(m->key, "count") == 0) {
                if (get_uint(m, 0, MSGQ_BLINK_COUNT_MAX, &a->count, why, size) < 0)
                        return -EINVAL;
                a->has_count = true;
        } else if (strcmp(m->key, "flash") == 0) {
                if (!number_in(v, FLASH_MIN_S, FLASH_MAX_S, &a->flash_s))
                        return refuse_value(m, why, size, "a number of seconds from %g to %u", FLASH_MIN_S,
                                            FLASH_MAX_S);
                a->has_flash = true;
        } else {
                return ignored_key(m, why, size);
        }
        return 0;
}

/*
 * A flash: blink for flash_s seconds, rounded to the millisecond (1 ms at
 * least), in blinks of FLASH_PERIOD_MS rounded up (one at least, never 0,
 * which would blink until cancelled); then the state asked for (also OFF,
 * where a counted blink ends).
 */
static int led_flash(const struct led_ask *a, struct command *cmd, char *why, size_t size) {
        uint64_t ms = (uint64_t) (a->flash_s * 1000 + 0.5);

        if (a->op == MSGQ_OP_LED_TOGGLE)
                return refuse(why, size, "flash needs state ON or OFF");
        cmd->op = MSGQ_OP_LED_BLINK;
        cmd->arg0 = FLASH_PERIOD_MS;
        cmd->arg1 = (uint32_t) ((ms + FLASH_PERIOD_MS - 1) / FLASH_PERIOD_MS);
        cmd->then_op = a->op;
        return 0;
}

static int led_json(const struct strictjson *j, struct command *cmd, char *why, size_t size) {
        struct led_ask a = { .period = BLINK_DEFAULT_PERIOD };

        for (size_t k = 0; k < j->count; k++) {
                if (led_key(&j->member[k], &a, why, size) < 0)
                        return -EINVAL;
        }
        if (!a.has_state && !a.blink)
                return refuse(why, size, "missing state");
        if (a.blink && a.has_state && a.op != MSGQ_OP_LED_ON)
                return refuse(why, size, "effect blink needs state ON");
        if (!a.blink && (a.has_period || a.has_count))
                return refuse(why, size, "period_ms and count need effect blink");
        if (a.blink) { /* the effect asked for is the state asked for: no flash before it */
                cmd->op = MSGQ_OP_LED_BLINK;
                cmd->arg0 = a.period;
                cmd->arg1 = a.count;
        } else if (a.has_flash) {
                return led_flash(&a, cmd, why, size);
        } else {
                cmd->op = a.op;
        }
        return 0;
}

static int parse_led(char *text, size_t len, struct command *cmd, char *why, size_t size) {
        struct strictjson j;
        int r;

        if (text[0] != '{') {
                if (led_word(text, len, &cmd->op) < 0)
                        return refuse(why, size, "expected ON, OFF, TOGGLE or a JSON object");
                return 0;
        }
        r = strictjson_parse(&j, text, len, why, size);
        if (r == 0)
                r = led_json(&j, cmd, why, size);
        strictjson_free(&j);
        return r;
}

static int set_text(struct command *cmd, const char *s, size_t len, char *why, size_t size) {
        if (len == 0)
                return refuse(why, size, "empty text");
        if (len > MSGQ_TEXT_MAX)
                return refuse(why, size, "text too long: %zu bytes, at most %u", len, MSGQ_TEXT_MAX);
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) s[i];

                if (c < 0x20 || c == 0x7f)
                        return refuse(why, size, "text contains a control character (0x%02x)", c);
        }
        memcpy(cmd->text, s, len);
        cmd->text[len] = '\0';
        return 0;
}

static int send_key(const struct strictjson_member *m, struct command *cmd, char *why, size_t size) {
        char shown[64];
        uint32_t prio;

        if (strcmp(m->key, "text") == 0) {
                if (!json_object_is_type(m->value, json_type_string))
                        return refuse_value(m, why, size, "a string");
                return set_text(cmd, json_object_get_string(m->value),
                                (size_t) json_object_get_string_len(m->value), why, size);
        }
        if (strcmp(m->key, "priority") == 0) {
                if (get_uint(m, MSGQ_PRIO_MIN, MSGQ_PRIO_MAX, &prio, why, size) < 0)
                        return -EINVAL;
                cmd->prio = prio;
                return 0;
        }
        return refuse(why, size, "unknown key %s", strictjson_shown(m->key_text, m->key_text_len, shown, sizeof shown));
}

static int parse_send(char *text, size_t len, struct command *cmd, char *why, size_t size) {
        struct strictjson j;
        int r;

        cmd->op = MSGQ_OP_SEND;
        if (text[0] != '{')
                return set_text(cmd, text, len, why, size);
        r = strictjson_parse(&j, text, len, why, size);
        for (size_t k = 0; r == 0 && k < j.count; k++)
                r = send_key(&j.member[k], cmd, why, size);
        if (r == 0 && !cmd->text[0])
                r = refuse(why, size, "missing text");
        strictjson_free(&j);
        return r;
}

/* <line>/set: the line's name into cmd->line, in lower case (names ignore case); -EINVAL if not that. */
static int set_line(const char *subtopic, struct command *cmd) {
        size_t n = strcspn(subtopic, "/");

        if (n == 0 || n > MSGQ_LINE_NAME_MAX || strcmp(subtopic + n, "/set") != 0)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) subtopic[i];

                if (!isalnum(c) && c != '-' && c != '_')
                        return -EINVAL;
                cmd->line[i] = (char) tolower(c);
        }
        cmd->line[n] = '\0';
        return 0;
}

int payload_parse_command(const char *subtopic, const void *payload, size_t len,
                          struct command *cmd, char *why, size_t why_size) {
        char text[PAYLOAD_MAX + 1];

        memset(cmd, 0, sizeof *cmd);
        snprintf(cmd->topic, sizeof cmd->topic, "%s", subtopic);
        if (len > PAYLOAD_MAX)
                return refuse(why, why_size, "payload too long: %zu bytes, at most %u", len, PAYLOAD_MAX);
        if (len > 0 && memchr(payload, '\0', len))
                return refuse(why, why_size, "payload contains a NUL byte");
        len = trimmed(payload, len, text);
        if (set_line(subtopic, cmd) == 0)
                return parse_led(text, len, cmd, why, why_size);
        if (strcmp(subtopic, TOPIC_SEND) == 0)
                return parse_send(text, len, cmd, why, why_size);
        if (strcmp(subtopic, TOPIC_STATS_GET) == 0) {
                cmd->op = MSGQ_OP_STATS;
                return 0;
        }
        return refuse(why, why_size, "unknown topic");
}

void led_view_from(const struct msgq_led_state *st, uint64_t time_ns, struct led_view *v) {
        memset(v, 0, sizeof *v);
        v->blinking = st->blinking;
        v->on = st->on || st->blinking;
        v->period_ms = st->blinking ? st->period_ms : 0;
        v->blinks_left = st->blinking ? (st->remaining + 1) / 2 : 0; /* toggles left, the last one off */
        v->time_ns = time_ns;
}

bool led_view_equal(const struct led_view *a, const struct led_view *b) {
        return a->on == b->on && a->blinking == b->blinking && a->period_ms == b->period_ms &&
               a->blinks_left == b->blinks_left;
}

/* o's text as a malloc'd string; o is released. */
static char *finish(json_object *o) {
        char *s = NULL;

        if (o) {
                const char *t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                                          JSON_C_TO_STRING_NOSLASHESCAPE);
                s = t ? strdup(t) : NULL;
                json_object_put(o);
        }
        return s;
}

static void add_string(json_object *o, const char *key, const char *value) {
        json_object_object_add(o, key, json_object_new_string(value));
}

static void add_uint(json_object *o, const char *key, uint64_t value) {
        json_object_object_add(o, key, json_object_new_uint64(value));
}

/*
 * Every state says what the effect is: Home Assistant's JSON light keeps
 * its effect until a state payload has an effect key (null clears it).
 */
static json_object *led_object(const struct led_view *v) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        add_string(o, "state", v->on ? "ON" : "OFF");
        if (v->blinking) {
                add_string(o, "effect", "blink");
                add_uint(o, "period_ms", v->period_ms);
        } else {
                json_object_object_add(o, "effect", NULL);
        }
        if (v->time_ns) { /* when msgqd made the state, in UTC, as msgqctl --json led watch says it */
                char when[64];
                add_string(o, "time", msgq_format_time(v->time_ns, true, when, sizeof when));
        }
        return o;
}

char *payload_led_state(const struct led_view *v) {
        return finish(led_object(v));
}

/* For Home Assistant's json_attributes_topic: the blink's period and the blinks left when it began. */
char *payload_led_attributes(const struct led_view *v) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        json_object_object_add(o, "blinking", json_object_new_boolean(v->blinking));
        if (v->blinking) {
                add_uint(o, "period_ms", v->period_ms);
                if (v->blinks_left)
                        add_uint(o, "blinks_left", v->blinks_left);
        }
        return finish(o);
}

char *payload_error(const char *topic, const char *error) {
        json_object *o = json_object_new_object();

        if (o) {
                add_string(o, "topic", topic);
                add_string(o, "error", error);
        }
        return finish(o);
}

static void add_topic(json_object *o, const char *key, const struct settings *s, const char *subtopic) {
        char buf[SETTINGS_PREFIX_MAX + MSGQ_LINE_NAME_MAX + 32];

        snprintf(buf, sizeof buf, "%s/%s", s->prefix, subtopic);
        add_string(o, key, buf);
}

static void add_bool(json_object *o, const char *key, bool value) {
        json_object_object_add(o, key, json_object_new_boolean(value));
}

/* The device: named after the prefix, without a leading "msgq/" (HA puts the names together). */
static json_object *discovery_device(const struct settings *s, const char *node_id, const char *version) {
        json_object *dev = json_object_new_object(), *ids = json_object_new_array();
        const char *name = s->prefix;

        if (!dev || !ids) {
                json_object_put(dev);
                json_object_put(ids);
                return NULL;
        }
        if (strncmp(name, "msgq/", 5) == 0 && name[5])
                name += 5;
        json_object_array_add(ids, json_object_new_string(node_id));
        json_object_object_add(dev, "identifiers", ids);
        add_string(dev, "name", name);
        add_string(dev, "manufacturer", "msgq");
        add_string(dev, "model", "msgqd");
        add_string(dev, "sw_version", version);
        return dev;
}

static json_object *discovery_origin(const char *version) {
        json_object *o = json_object_new_object();

        if (o) {
                add_string(o, "name", "msgq-mqtt");
                add_string(o, "sw_version", version);
        }
        return o;
}

/*
 * Home Assistant's templates (Jinja2) for the light: what HA's turn_on and
 * turn_off become on led/set (the JSON the bridge takes from any client,
 * flash in seconds), and what HA reads in a state.  Only "is defined" is
 * asked of a variable HA may not pass: HA logs a warning for any other use
 * of an undefined one.  doc/HOME-ASSISTANT.md says what HA passes.
 */
#define TPL_FLASH      "{% if flash is defined %},\"flash\":{{ 10 if flash == 'long' else 2 }}{% endif %}"
#define TPL_TRANSITION "{% if transition is defined %},\"transition\":{{ transition }}{% endif %}"
static const char tpl_command_on[] =
        "{\"state\":\"ON\""
        "{% if effect is defined %},\"effect\":\"{{ 'none' if effect == 'off' else effect }}\"{% endif %}"
        TPL_FLASH TPL_TRANSITION "}";
static const char tpl_command_off[] = "{\"state\":\"OFF\"" TPL_FLASH TPL_TRANSITION "}";
static const char tpl_state[] = "{{ value_json.state | lower }}";
static const char tpl_effect[] = "{{ value_json.get('effect') or 'off' }}"; /* null: HA's "off", no effect */

static json_object *string_array(const char *const *items) {
        json_object *a = json_object_new_array();

        for (; a && *items; items++)
                json_object_array_add(a, json_object_new_string(*items));
        return a;
}

/*
 * Home Assistant's MQTT discovery: a light with the template schema, which
 * every HA from 2024.1 on takes as it is, with nothing in its log (the JSON
 * schema has no such config: doc/HOME-ASSISTANT.md).  On/off, blink as its
 * one effect and "off" for none, flash, the bridge's availability, the
 * blink's figures as attributes.  No YAML needed.
 */
/* What an output's entity is called and where its topics are. */
struct entity {
        const char *name;       /* the entity's name */
        const char *topic;      /* its topics' first level: led, pump, ... */
};

/* The keys every entity of the board has: ids, availability, device, origin. */
static int add_common(json_object *o, const struct settings *s, const char *node_id, const char *version,
                      const struct entity *e) {
        json_object *dev = discovery_device(s, node_id, version), *origin = discovery_origin(version);
        char buf[SETTINGS_NODE_ID_MAX + MSGQ_LINE_NAME_MAX + 8], sub[MSGQ_LINE_NAME_MAX + 16];

        if (!dev || !origin) {
                json_object_put(dev);
                json_object_put(origin);
                return -ENOMEM;
        }
        add_string(o, "name", e->name);
        snprintf(buf, sizeof buf, "%s_%s", node_id, e->topic);
        add_string(o, "unique_id", buf);
        snprintf(sub, sizeof sub, "%s/set", e->topic);
        add_topic(o, "command_topic", s, sub);
        snprintf(sub, sizeof sub, "%s/state", e->topic);
        add_topic(o, "state_topic", s, sub);
        snprintf(sub, sizeof sub, "%s/attributes", e->topic);
        add_topic(o, "json_attributes_topic", s, sub);
        add_topic(o, "availability_topic", s, TOPIC_AVAILABILITY);
        add_string(o, "payload_available", "online");
        add_string(o, "payload_not_available", "offline");
        json_object_object_add(o, "qos", json_object_new_int(1));
        add_bool(o, "retain", false);
        add_bool(o, "optimistic", false);
        json_object_object_add(o, "device", dev);
        json_object_object_add(o, "origin", origin);
        return 0;
}

/*
 * Home Assistant's MQTT discovery: a light with the template schema, which
 * every HA from 2024.1 on takes as it is, with nothing in its log (the JSON
 * schema has no such config: doc/HOME-ASSISTANT.md).  On/off, blink as its
 * one effect and "off" for none, flash, the bridge's availability, the
 * blink's figures as attributes.  No YAML needed.
 */
static char *discovery_light(const struct settings *s, const char *node_id, const char *version,
                             const struct entity *e) {
        json_object *o = json_object_new_object();
        json_object *effects = string_array((const char *const[]) { "off", "blink", NULL });
        json_object *modes = string_array((const char *const[]) { "onoff", NULL });

        if (!o || !effects || !modes || add_common(o, s, node_id, version, e) < 0) {
                json_object_put(o);
                json_object_put(effects);
                json_object_put(modes);
                return NULL;
        }
        add_string(o, "schema", "template");
        add_string(o, "command_on_template", tpl_command_on);
        add_string(o, "command_off_template", tpl_command_off);
        add_string(o, "state_template", tpl_state);
        add_string(o, "effect_template", tpl_effect);
        json_object_object_add(o, "effect_list", effects);
        /* Dropped by the template schema; keeps a JSON-schema light of msgq 0.1.0 valid until HA restarts. */
        json_object_object_add(o, "supported_color_modes", modes);
        return finish(o);
}

/*
 * A relay: a switch (doc/HOME-ASSISTANT.md, "switch"), which sends the
 * light's JSON on set and reads the state the light reads; a blinking
 * relay shows on.
 */
static char *discovery_switch(const struct settings *s, const char *node_id, const char *version,
                              const struct entity *e) {
        json_object *o = json_object_new_object();

        if (!o || add_common(o, s, node_id, version, e) < 0) {
                json_object_put(o);
                return NULL;
        }
        add_string(o, "payload_on", "{\"state\":\"ON\"}");
        add_string(o, "payload_off", "{\"state\":\"OFF\"}");
        add_string(o, "value_template", "{{ value_json.state }}");
        add_string(o, "state_on", "ON");
        add_string(o, "state_off", "OFF");
        add_string(o, "device_class", "switch");
        return finish(o);
}

char *payload_discovery(const struct settings *s, const char *node_id, const char *version) {
        return discovery_light(s, node_id, version, &(struct entity) { .name = "LED", .topic = "led" });
}

char *payload_discovery_output(const struct settings *s, const char *node_id, const char *version,
                               const char *name, const char *topic, bool relay) {
        const struct entity e = { .name = name, .topic = topic };

        return relay ? discovery_switch(s, node_id, version, &e) : discovery_light(s, node_id, version, &e);
}

/*
 * An input's entities (doc/HOME-ASSISTANT.md, "Inputs"): the binary_sensor
 * of its level and the event entity of its edges, both reading the input's
 * own topics; no command topic, nothing HA can drive.
 */
static json_object *input_common(const struct settings *s, const char *node_id, const char *version, const char *name,
                                 const char *uid, const char *state) {
        json_object *o = json_object_new_object(), *dev = discovery_device(s, node_id, version);
        json_object *origin = discovery_origin(version);
        char buf[SETTINGS_NODE_ID_MAX + MSGQ_LINE_NAME_MAX + 16];

        if (!o || !dev || !origin) {
                json_object_put(o);
                json_object_put(dev);
                json_object_put(origin);
                return NULL;
        }
        add_string(o, "name", name);
        snprintf(buf, sizeof buf, "%s_%s", node_id, uid);
        add_string(o, "unique_id", buf);
        add_topic(o, "state_topic", s, state);
        add_topic(o, "availability_topic", s, TOPIC_AVAILABILITY);
        add_string(o, "payload_available", "online");
        add_string(o, "payload_not_available", "offline");
        json_object_object_add(o, "qos", json_object_new_int(1));
        json_object_object_add(o, "device", dev);
        json_object_object_add(o, "origin", origin);
        return o;
}

char *payload_discovery_input(const struct settings *s, const char *node_id, const char *version, const char *name,
                              const char *topic, enum input_entity e, unsigned edges, const char *device_class) {
        static const char *const suffix[] = { [INPUT_BINARY_SENSOR] = "", [INPUT_EVENT] = " edge",
                                              [INPUT_COUNT] = " count" };
        static const char *const uid_suffix[] = { [INPUT_BINARY_SENSOR] = "", [INPUT_EVENT] = ".edge",
                                                  [INPUT_COUNT] = ".count" };
        char ename[MSGQ_LINE_NAME_MAX + 8], uid[MSGQ_LINE_NAME_MAX + 8], state[MSGQ_LINE_NAME_MAX + 16];
        const char *types[4];
        size_t n = 0;
        json_object *o, *list;

        snprintf(ename, sizeof ename, "%s%s", name, suffix[e]);
        snprintf(uid, sizeof uid, "%s%s", topic, uid_suffix[e]);
        snprintf(state, sizeof state, "%s/%s", topic, e == INPUT_EVENT ? "event" : "state");
        if (!(o = input_common(s, node_id, version, ename, uid, state)))
                return NULL;
        switch (e) {
        case INPUT_BINARY_SENSOR:
                add_string(o, "value_template", "{{ value_json.state }}");
                add_string(o, "payload_on", "ON");
                add_string(o, "payload_off", "OFF");
                if (device_class && device_class[0])
                        add_string(o, "device_class", device_class);
                return finish(o);
        case INPUT_COUNT:
                /* No unit, no last_reset: msgqd's counter only goes down when its state is lost (a new cycle). */
                add_string(o, "value_template", "{{ value_json.count }}");
                add_string(o, "state_class", "total_increasing");
                return finish(o);
        case INPUT_EVENT:
                break;
        }
        if (edges & INPUT_EDGES_RISING)
                types[n++] = "rising";
        if (edges & INPUT_EDGES_FALLING)
                types[n++] = "falling";
        types[n++] = "missed";
        types[n] = NULL;
        list = string_array(types);
        if (!list) {
                json_object_put(o);
                return NULL;
        }
        json_object_object_add(o, "event_types", list);
        return finish(o);
}

static void add_count(json_object *o, const uint64_t *count) {
        if (count)
                add_uint(o, "count", *count);
}

char *payload_input_state(bool on, const uint64_t *count, uint64_t number) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        add_string(o, "state", on ? "ON" : "OFF");
        add_count(o, count);
        add_uint(o, "number", number);
        return finish(o);
}

char *payload_input_event(bool on, uint64_t number, uint64_t time_ns, const uint64_t *count) {
        json_object *o = json_object_new_object();
        char t[64];

        if (!o)
                return NULL;
        add_string(o, "event_type", on ? "rising" : "falling");
        add_uint(o, "number", number);
        add_uint(o, "level", on);
        if (time_ns) {
                time_t sec = (time_t) (time_ns / 1000000000u);
                struct tm tm;
                size_t n;

                gmtime_r(&sec, &tm);
                n = strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%S", &tm);
                snprintf(t + n, sizeof t - n, ".%09uZ", (unsigned) (time_ns % 1000000000u));
                add_string(o, "time", t);
        }
        add_count(o, count);
        return finish(o);
}

char *payload_input_missed(uint64_t number, const uint64_t *missed, int at_least, const char *reason, int level,
                           const uint64_t *count) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        add_string(o, "event_type", "missed");
        add_uint(o, "number", number);
        json_object_object_add(o, "missed", missed ? json_object_new_uint64(*missed) : NULL);
        if (at_least >= 0)
                json_object_object_add(o, "at_least", json_object_new_boolean(at_least));
        add_string(o, "reason", reason);
        if (level >= 0)
                add_uint(o, "level", (uint64_t) level);
        add_count(o, count);
        return finish(o);
}

char *payload_changes(uint64_t number) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        add_uint(o, "number", number);
        return finish(o);
}

int payload_parse_changes(const void *payload, size_t len, uint64_t *number) {
        char text[PAYLOAD_MAX + 1], why[PAYLOAD_WHY_MAX];
        struct strictjson j;
        int r;

        if (len == 0 || len > PAYLOAD_MAX || memchr(payload, '\0', len))
                return -EINVAL;
        len = trimmed(payload, len, text);
        r = strictjson_parse(&j, text, len, why, sizeof why);
        if (r == 0 && (j.count != 1 || strcmp(j.member[0].key, "number") != 0 ||
                       !json_object_is_type(j.member[0].value, json_type_int) ||
                       strspn(j.member[0].text, "0123456789") != j.member[0].text_len))
                r = -EINVAL;
        if (r == 0) {
                /* As written: json-c would give UINT64_MAX for a number above it. */
                errno = 0;
                *number = strtoull(j.member[0].text, NULL, 10);
                if (errno)
                        r = -EINVAL;
        }
        strictjson_free(&j);
        return r;
}

char *payload_stats(const struct msgq_stats *st, const struct msgq_led_state *led, key_t key, int msqid,
                    const struct msqid_ds *ds, const struct bridge_figures *f) {
        json_object *o = json_object_new_object(), *d = json_object_new_object();
        json_object *q = json_object_new_object(), *b = json_object_new_object();
        json_object *served = json_object_new_array();
        struct led_view v;
        uint64_t total = 0;
        char buf[16];

        if (!o || !d || !q || !b || !served) {
                json_object_put(o);
                json_object_put(d);
                json_object_put(q);
                json_object_put(b);
                json_object_put(served);
                return NULL;
        }
        led_view_from(led, 0, &v);
        add_uint(d, "daemon_pid", st->daemon_pid);
        add_uint(d, "uptime_ms", st->uptime_ms);
        for (int i = 0; i < MSGQ_PRIO_MAX; i++) {
                json_object_array_add(served, json_object_new_uint64(st->served[i]));
                total += st->served[i];
        }
        add_uint(d, "served", total);
        json_object_object_add(d, "served_by_priority", served);
        add_uint(d, "errors", st->errors);
        add_uint(d, "malformed", st->malformed);
        add_uint(d, "replies_late", st->replies_late);
        add_uint(d, "replies_deferred", st->replies_deferred);
        add_uint(d, "replies_dropped", st->replies_dropped);
        add_uint(d, "replies_reclaimed", st->replies_reclaimed);
        add_uint(d, "queue_recreated", st->queue_recreated);
        json_object_object_add(d, "led", led_object(&v));
        json_object_object_add(o, "daemon", d);

        snprintf(buf, sizeof buf, "0x%08x", (unsigned) key);
        add_string(q, "key", buf);
        add_uint(q, "msqid", (uint64_t) msqid);
        add_uint(q, "qnum", ds->msg_qnum);
        add_uint(q, "cbytes", ds->__msg_cbytes);
        add_uint(q, "qbytes", ds->msg_qbytes);
        json_object_object_add(o, "queue", q);

        add_uint(b, "commands", f->commands);
        add_uint(b, "applied", f->applied);
        add_uint(b, "failed", f->failed);
        add_uint(b, "pending", f->pending);
        add_uint(b, "led_state_requests", f->led_state_requests);
        add_uint(b, "polls", f->led_state_requests); /* its earlier name, kept for who reads it */
        add_uint(b, "daemon_lost", f->daemon_lost);
        json_object_object_add(o, "bridge", b);
        return finish(o);
}
