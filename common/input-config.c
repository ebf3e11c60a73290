/* SPDX-License-Identifier: MIT */
/* An [input NAME] section's settings (input-config.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "input-config.h"
#include "parse.h"

void msgq_input_init(struct msgq_input *in, const char *name) {
        memset(in, 0, sizeof *in);
        snprintf(in->name, sizeof in->name, "%s", name);
        in->bias = MSGQ_INPUT_BIAS_AS_IS;
        in->edges = MSGQ_INPUT_EDGES_BOTH;
}

static const struct input_setting {
        const char *name;
        const char *expected;
} input_settings[] = {
        { "gpio", "a GPIO line name or CHIP:OFFSET (OFFSET a number), 1 to 63 printable "
                  "characters, no spaces" },
        { "active_low", "yes or no (also true/false, on/off, 1/0)" },
        { "bias", "pull-up, pull-down, disabled or as-is" },
        { "edges", "rising, falling or both" },
        { "debounce", "0, or a whole number with its unit, us, ms or s, from 1us to 1s (20ms)" },
        { "description", "at most 63 printable characters" },
};

#define N_INPUT_SETTINGS (sizeof input_settings / sizeof input_settings[0])

const char *msgq_input_setting_names(void) {
        return "gpio, active_low, bias, edges, debounce, description";
}

int msgq_parse_debounce(const char *s, uint32_t *ret_us) {
        static const struct {
                const char *unit;
                unsigned long us;
        } units[] = { { "us", 1 }, { "ms", 1000 }, { "s", 1000000 } };
        size_t digits = strspn(s, "0123456789");
        unsigned long n;
        char num[16];

        if (strcmp(s, "0") == 0) {
                *ret_us = 0;
                return 0;
        }
        if (digits == 0 || digits >= sizeof num)
                return -EINVAL;
        snprintf(num, sizeof num, "%.*s", (int) digits, s);
        if (msgq_parse_uint(num, 1, MSGQ_DEBOUNCE_MAX_US, &n) < 0)
                return -EINVAL;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
                if (strcmp(s + digits, units[i].unit) != 0)
                        continue;
                if (n > MSGQ_DEBOUNCE_MAX_US / units[i].us)
                        return -EINVAL;
                *ret_us = (uint32_t) (n * units[i].us);
                return 0;
        }
        return -EINVAL;
}

static const char *const bias_names[] = { "as-is", "pull-up", "pull-down", "disabled", NULL };
static const char *const edges_names[] = { "", "rising", "falling", "both", NULL };

const char *msgq_input_bias_name(unsigned bias) {
        return bias <= MSGQ_INPUT_BIAS_DISABLED ? bias_names[bias] : NULL;
}

const char *msgq_input_edges_name(unsigned edges) {
        return edges >= MSGQ_INPUT_EDGES_RISING && edges <= MSGQ_INPUT_EDGES_BOTH ? edges_names[edges] : NULL;
}

const char *msgq_format_debounce(uint32_t us, char *buf, size_t size) {
        if (us == 0)
                snprintf(buf, size, "0");
        else if (us % 1000000 == 0)
                snprintf(buf, size, "%us", (unsigned) (us / 1000000));
        else if (us % 1000 == 0)
                snprintf(buf, size, "%ums", (unsigned) (us / 1000));
        else
                snprintf(buf, size, "%uus", (unsigned) us);
        return buf;
}

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

/* One value into in: 0 or -EINVAL. */
static int set_value(struct msgq_input *in, const char *name, const char *value) {
        int i;

        if (strcmp(name, "gpio") == 0) {
                if (msgq_gpio_check(value) < 0)
                        return -EINVAL;
                snprintf(in->gpio, sizeof in->gpio, "%s", value);
                return 0;
        }
        if (strcmp(name, "active_low") == 0)
                return msgq_parse_bool(value, &in->active_low);
        if (strcmp(name, "debounce") == 0)
                return msgq_parse_debounce(value, &in->debounce_us);
        if (strcmp(name, "description") == 0) {
                if (strlen(value) > MSGQ_LINE_DESC_MAX || !printable(value))
                        return -EINVAL;
                snprintf(in->description, sizeof in->description, "%s", value);
                return 0;
        }
        i = word_index(value, strcmp(name, "bias") == 0 ? bias_names : edges_names);
        if (i <= 0 && strcmp(name, "edges") == 0)
                return -EINVAL;         /* "" is no edge */
        if (i < 0)
                return i;
        if (strcmp(name, "bias") == 0)
                in->bias = (enum msgq_input_bias) i;
        else
                in->edges = (enum msgq_input_edges) i;
        return 0;
}

int msgq_input_set(struct msgq_input *in, const char *name, const char *value,
                   const char **expected) {
        for (size_t i = 0; i < N_INPUT_SETTINGS; i++) {
                if (strcmp(input_settings[i].name, name) != 0)
                        continue;
                *expected = input_settings[i].expected;
                return set_value(in, name, value);
        }
        return -ENOENT;
}
