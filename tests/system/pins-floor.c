// SPDX-License-Identifier: MIT
/*
 * pins-floor: the floor of the pin benchmark (tests/system/guest-pins), a
 * program that holds its lines through libgpiod and nothing else:
 *
 *   pins-floor reflex CHIP IN OUT COUNT   drive OUT to IN's new level at each
 *                                         of IN's edges, in its edge-event
 *                                         loop; exit after COUNT edges, or
 *                                         after 60 s without one (status 1)
 *   pins-floor toggle CHIP OUT COUNT      drive OUT to 1, 0, 1, ... COUNT
 *                                         times, as fast as it can
 *   pins-floor set CHIP COUNT OUT...      drive every OUT to 1, then 0, ...
 *                                         COUNT times, all lines in one
 *                                         libgpiod call each time
 *
 * CHIP is a name (gpiochip0) or a path (/dev/gpiochip0).  Built for the
 * guest against its release's libgpiod: 1.6 (bookworm), or 2.x with
 * PINS_GPIOD_V2 (trixie); tests/system/run cross-builds it.
 */
#include <errno.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CONSUMER "pins-floor"
#define IDLE_S 60
#define BANK_MAX 8 /* the PL061's lines */

static const char *prog = "pins-floor";

static void die(const char *fmt, const char *what)
{
        fprintf(stderr, "%s: ", prog);
        fprintf(stderr, fmt, what);
        fprintf(stderr, "%s%s\n", errno ? ": " : "", errno ? strerror(errno) : "");
        exit(2);
}

static unsigned number(const char *s, const char *what)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v > 1000000) {
                errno = 0;
                die("bad %s", what);
        }
        return (unsigned)v;
}

#ifdef PINS_GPIOD_V2

struct pins {
        struct gpiod_line_request *req;
        unsigned in, out;
};

static void add_line(struct gpiod_line_config *lc, unsigned offset, int output)
{
        struct gpiod_line_settings *s = gpiod_line_settings_new();

        if (!s)
                die("%s", "gpiod_line_settings_new");
        if (output) {
                gpiod_line_settings_set_direction(s, GPIOD_LINE_DIRECTION_OUTPUT);
                gpiod_line_settings_set_output_value(s, GPIOD_LINE_VALUE_INACTIVE);
        } else {
                gpiod_line_settings_set_direction(s, GPIOD_LINE_DIRECTION_INPUT);
                gpiod_line_settings_set_edge_detection(s, GPIOD_LINE_EDGE_BOTH);
        }
        if (gpiod_line_config_add_line_settings(lc, &offset, 1, s))
                die("%s", "gpiod_line_config_add_line_settings");
        gpiod_line_settings_free(s);
}

/* Request OUT as an output at 0 and, unless IN is -1, IN for both edges. */
/* The lines of lc (freed here) on chipname, requested as CONSUMER. */
static struct gpiod_line_request *request_lines(const char *chipname, struct gpiod_line_config *lc)
{
        char path[256];
        struct gpiod_chip *chip;
        struct gpiod_request_config *rc = gpiod_request_config_new();
        struct gpiod_line_request *req;

        snprintf(path, sizeof(path), "%s%s", strchr(chipname, '/') ? "" : "/dev/", chipname);
        chip = gpiod_chip_open(path);
        if (!chip)
                die("cannot open %s", path);
        if (!rc)
                die("%s", "gpiod_request_config_new");
        gpiod_request_config_set_consumer(rc, CONSUMER);
        req = gpiod_chip_request_lines(chip, rc, lc);
        if (!req)
                die("cannot request the lines of %s", path);
        gpiod_request_config_free(rc);
        gpiod_line_config_free(lc);
        gpiod_chip_close(chip);
        return req;
}

static struct gpiod_line_config *line_config_new(void)
{
        struct gpiod_line_config *lc = gpiod_line_config_new();

        if (!lc)
                die("%s", "gpiod_line_config_new");
        return lc;
}

static void pins_open(struct pins *p, const char *chipname, int in, unsigned out)
{
        struct gpiod_line_config *lc = line_config_new();

        if (in >= 0)
                add_line(lc, (unsigned)in, 0);
        add_line(lc, out, 1);
        p->req = request_lines(chipname, lc);
        p->in = (unsigned)in;
        p->out = out;
}

static void pins_set(struct pins *p, int level)
{
        if (gpiod_line_request_set_value(p->req, p->out,
                                         level ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE))
                die("%s", "gpiod_line_request_set_value");
}

/* The lines of a set: outputs at 0, requested together. */
struct bank {
        struct gpiod_line_request *req;
        size_t n;
};

static void bank_open(struct bank *b, const char *chipname, const unsigned *out, size_t n)
{
        struct gpiod_line_config *lc = line_config_new();
        size_t i;

        for (i = 0; i < n; i++)
                add_line(lc, out[i], 1);
        b->req = request_lines(chipname, lc);
        b->n = n;
}

/* Every line of the bank to level, in one call. */
static void bank_set(struct bank *b, int level)
{
        enum gpiod_line_value v[BANK_MAX];
        size_t i;

        for (i = 0; i < b->n; i++)
                v[i] = level ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
        if (gpiod_line_request_set_values(b->req, v))
                die("%s", "gpiod_line_request_set_values");
}

/* Follow COUNT edges of IN on OUT; 0, or -ETIMEDOUT after IDLE_S idle. */
static int pins_reflex(struct pins *p, unsigned count)
{
        struct gpiod_edge_event_buffer *buf = gpiod_edge_event_buffer_new(64);
        unsigned seen = 0;
        int i, n;

        if (!buf)
                die("%s", "gpiod_edge_event_buffer_new");
        while (seen < count) {
                n = gpiod_line_request_wait_edge_events(p->req, (int64_t)IDLE_S * 1000000000);
                if (n < 0)
                        die("%s", "gpiod_line_request_wait_edge_events");
                if (n == 0)
                        return -ETIMEDOUT;
                n = gpiod_line_request_read_edge_events(p->req, buf, 64);
                if (n < 0)
                        die("%s", "gpiod_line_request_read_edge_events");
                for (i = 0; i < n && seen < count; i++, seen++) {
                        struct gpiod_edge_event *ev = gpiod_edge_event_buffer_get_event(buf, (unsigned long)i);

                        pins_set(p, gpiod_edge_event_get_event_type(ev) == GPIOD_EDGE_EVENT_RISING_EDGE);
                }
        }
        gpiod_edge_event_buffer_free(buf);
        return 0;
}

#else /* libgpiod 1.6 */

struct pins {
        struct gpiod_line *in, *out;
};

static void pins_open(struct pins *p, const char *chipname, int in, unsigned out)
{
        struct gpiod_chip *chip = gpiod_chip_open_lookup(chipname);

        if (!chip)
                die("cannot open %s", chipname);
        p->in = in >= 0 ? gpiod_chip_get_line(chip, (unsigned)in) : NULL;
        p->out = gpiod_chip_get_line(chip, out);
        if (!p->out || (in >= 0 && !p->in))
                die("no such line on %s", chipname);
        if (p->in && gpiod_line_request_both_edges_events(p->in, CONSUMER))
                die("cannot request the input line of %s", chipname);
        if (gpiod_line_request_output(p->out, CONSUMER, 0))
                die("cannot request the output line of %s", chipname);
}

static void pins_set(struct pins *p, int level)
{
        if (gpiod_line_set_value(p->out, level))
                die("%s", "gpiod_line_set_value");
}

struct bank {
        struct gpiod_line_bulk bulk;
        size_t n;
};

static void bank_open(struct bank *b, const char *chipname, const unsigned *out, size_t n)
{
        struct gpiod_chip *chip = gpiod_chip_open_lookup(chipname);
        unsigned offsets[BANK_MAX];
        int zeros[BANK_MAX] = { 0 };

        if (!chip)
                die("cannot open %s", chipname);
        memcpy(offsets, out, n * sizeof(*out));
        if (gpiod_chip_get_lines(chip, offsets, (unsigned)n, &b->bulk))
                die("no such line on %s", chipname);
        if (gpiod_line_request_bulk_output(&b->bulk, CONSUMER, zeros))
                die("cannot request the output lines of %s", chipname);
        b->n = n;
}

static void bank_set(struct bank *b, int level)
{
        int v[BANK_MAX];
        size_t i;

        for (i = 0; i < b->n; i++)
                v[i] = level;
        if (gpiod_line_set_value_bulk(&b->bulk, v))
                die("%s", "gpiod_line_set_value_bulk");
}

static int pins_reflex(struct pins *p, unsigned count)
{
        struct timespec idle = { IDLE_S, 0 };
        struct gpiod_line_event ev;
        unsigned seen;
        int r;

        for (seen = 0; seen < count; seen++) {
                r = gpiod_line_event_wait(p->in, &idle);
                if (r < 0)
                        die("%s", "gpiod_line_event_wait");
                if (r == 0)
                        return -ETIMEDOUT;
                if (gpiod_line_event_read(p->in, &ev))
                        die("%s", "gpiod_line_event_read");
                pins_set(p, ev.event_type == GPIOD_LINE_EVENT_RISING_EDGE);
        }
        return 0;
}

#endif

static void usage(void)
{
        fprintf(stderr, "usage: %s reflex CHIP IN OUT COUNT\n"
                        "       %s toggle CHIP OUT COUNT\n"
                        "       %s set CHIP COUNT OUT... (1 to %d lines)\n", prog, prog, prog, BANK_MAX);
        exit(2);
}

int main(int argc, char **argv)
{
        struct pins p;
        struct bank b;
        unsigned i, count, out[BANK_MAX];

        if (argc == 6 && !strcmp(argv[1], "reflex")) {
                count = number(argv[5], "COUNT");
                pins_open(&p, argv[2], (int)number(argv[3], "IN"), number(argv[4], "OUT"));
                if (pins_reflex(&p, count) == 0)
                        return 0;
                fprintf(stderr, "%s: no edge on line %s for %d s\n", prog, argv[3], IDLE_S);
                return 1;
        }
        if (argc == 5 && !strcmp(argv[1], "toggle")) {
                count = number(argv[4], "COUNT");
                pins_open(&p, argv[2], -1, number(argv[3], "OUT"));
                for (i = 1; i <= count; i++)
                        pins_set(&p, i & 1);
                return 0;
        }
        if (argc >= 5 && argc - 4 <= BANK_MAX && !strcmp(argv[1], "set")) {
                count = number(argv[3], "COUNT");
                for (i = 0; i < (unsigned)argc - 4; i++)
                        out[i] = number(argv[4 + i], "OUT");
                bank_open(&b, argv[2], out, (size_t)argc - 4);
                for (i = 1; i <= count; i++)
                        bank_set(&b, i & 1);
                return 0;
        }
        usage();
        return 2;
}
