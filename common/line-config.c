/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config.h" /* enum msgq_led_start, msgq_led_stop */
#include "line-config.h"
#include "parse.h"

const char msgq_line_name_rule[] = "1 to 31 letters, digits, '-' or '_', starting with a letter";

static bool is_letter(unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int msgq_line_name_check(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || !is_letter((unsigned char) s[0]))
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];

                if (!is_letter(c) && !(c >= '0' && c <= '9') && c != '-' && c != '_')
                        return -EINVAL;
        }
        return n > MSGQ_LINE_NAME_MAX ? -ENAMETOOLONG : 0;
}

const char msgq_follow_rule[] = "the name of an [input NAME] section, or !NAME for its opposite level";

int msgq_follow_parse(const char *value, char *name, bool *invert) {
        bool not = value[0] == '!';

        if (msgq_line_name_check(value + not) < 0)
                return -EINVAL;
        snprintf(name, MSGQ_LINE_NAME_MAX + 1, "%s", value + not);
        *invert = not;
        return 0;
}

int msgq_gpio_check(const char *s) {
        const char *colon = strrchr(s, ':');
        size_t n = strlen(s);

        if (n == 0 || n >= sizeof ((struct msgq_output *) NULL)->gpio)
                return -EINVAL;
        if (colon && (colon == s || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1)))
                return -EINVAL;
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;

                if (c <= ' ' || c >= 0x7f)
                        return -EINVAL;
        }
        return 0;
}

bool msgq_line_name_eq(const char *a, const char *b) {
        return strcasecmp(a, b) == 0;
}

/* CHIP:OFFSET as "gpiochipN:OFFSET" or "NAME:OFFSET"; a line name as it is. */
static void gpio_canonical(const char *s, char *buf, size_t size) {
        const char *colon = strrchr(s, ':');
        unsigned long offset, num;
        char chip[64];

        if (!colon || msgq_parse_uint(colon + 1, 0, 0xffffffffUL, &offset) < 0) {
                snprintf(buf, size, "%s", s);
                return;
        }
        snprintf(chip, sizeof chip, "%.*s", (int) (colon - s), s);
        if (msgq_parse_uint(chip, 0, 0xffffffffUL, &num) == 0)
                snprintf(buf, size, "gpiochip%lu:%lu", num, offset);
        else if (strncmp(chip, "/dev/", 5) == 0 && !strchr(chip + 5, '/'))
                snprintf(buf, size, "%s:%lu", chip + 5, offset);
        else
                snprintf(buf, size, "%s:%lu", chip, offset);
}

bool msgq_gpio_same_line(const char *a, const char *b) {
        char x[80], y[80];

        gpio_canonical(a, x, sizeof x);
        gpio_canonical(b, y, sizeof y);
        return strcmp(x, y) == 0;
}

void msgq_output_init(struct msgq_output *o, const char *name) {
        memset(o, 0, sizeof *o);
        snprintf(o->name, sizeof o->name, "%s", name);
        o->start = MSGQ_LED_START_RESTORE;
        o->stop = MSGQ_LED_STOP_OFF;
        o->kind = MSGQ_LINE_KIND_LED;
}

static const struct output_setting {
        const char *name;
        const char *expected;
} output_settings[] = {
        { "gpio", "a GPIO line name or CHIP:OFFSET (OFFSET a number), 1 to 63 printable "
                  "characters, no spaces" },
        { "active_low", "yes or no (also true/false, on/off, 1/0)" },
        { "start", "restore, off or on" },
        { "stop", "off or keep" },
        { "kind", "led or relay" },
        { "description", "at most 63 printable characters" },
        { "follow", msgq_follow_rule },
};

#define N_OUTPUT_SETTINGS (sizeof output_settings / sizeof output_settings[0])

const char *msgq_output_setting_names(void) {
        return "gpio, active_low, start, stop, kind, description, follow";
}

/* The index of value in words (NULL-terminated), or -EINVAL. */
static int word_index(const char *value, const char *const *words) {
        for (int i = 0; words[i]; i++)
                if (strcmp(value, words[i]) == 0)
                        return i;
        return -EINVAL;
}

static bool printable(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || (unsigned char) *s >= 0x7f)
                        return false;
        return true;
}

/* One value into o: 0 or -EINVAL. */
static int set_value(struct msgq_output *o, const char *name, const char *value) {
        static const char *const start[] = { "restore", "off", "on", NULL };
        static const char *const stop[] = { "off", "keep", NULL };
        static const char *const kind[] = { "led", "relay", NULL };
        int i;

        if (strcmp(name, "gpio") == 0) {
                if (msgq_gpio_check(value) < 0)
                        return -EINVAL;
                snprintf(o->gpio, sizeof o->gpio, "%s", value);
                return 0;
        }
        if (strcmp(name, "active_low") == 0)
                return msgq_parse_bool(value, &o->active_low);
        if (strcmp(name, "follow") == 0)
                return msgq_follow_parse(value, o->follow, &o->follow_invert);
        if (strcmp(name, "description") == 0) {
                if (strlen(value) > MSGQ_LINE_DESC_MAX || !printable(value))
                        return -EINVAL;
                snprintf(o->description, sizeof o->description, "%s", value);
                return 0;
        }
        i = word_index(value, strcmp(name, "start") == 0 ? start
                              : strcmp(name, "stop") == 0 ? stop : kind);
        if (i < 0)
                return i;
        if (strcmp(name, "start") == 0)
                o->start = i;
        else if (strcmp(name, "stop") == 0)
                o->stop = i;
        else
                o->kind = (enum msgq_line_kind) i;
        return 0;
}

int msgq_output_set(struct msgq_output *o, const char *name, const char *value,
                    const char **expected) {
        for (size_t i = 0; i < N_OUTPUT_SETTINGS; i++) {
                if (strcmp(output_settings[i].name, name) != 0)
                        continue;
                *expected = output_settings[i].expected;
                return set_value(o, name, value);
        }
        return -ENOENT;
}
