/* SPDX-License-Identifier: MIT */
/*
 * An input: requests the line through a backend (input-sim.c,
 * input-gpiod1.c or input-gpiod2.c), tells what the kernel lost, and
 * debounces where the kernel does not (debounce.c).
 */
#include "msgq-build.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input-private.h"
#include "led-private.h"

/* msgq.conf's values are these (input-config.h). */
_Static_assert((int) INPUT_BIAS_PULL_UP == (int) MSGQ_INPUT_BIAS_PULL_UP &&
               (int) INPUT_BIAS_PULL_DOWN == (int) MSGQ_INPUT_BIAS_PULL_DOWN &&
               (int) INPUT_BIAS_DISABLED == (int) MSGQ_INPUT_BIAS_DISABLED &&
               (int) INPUT_EDGE_BOTH == (int) MSGQ_INPUT_EDGES_BOTH &&
               (int) INPUT_EDGE_RISING == (int) MSGQ_INPUT_EDGES_RISING,
               "input.h and input-config.h disagree");

int input_settings_check(const struct input_settings *s) {
        if (!s || s->bias > INPUT_BIAS_DISABLED || s->edges < INPUT_EDGE_RISING ||
            s->edges > INPUT_EDGE_BOTH || s->debounce_us > INPUT_DEBOUNCE_MAX_US)
                return -EINVAL;
        return 0;
}

struct input *input_new(const struct input_settings *s) {
        struct input *in = calloc(1, sizeof *in);

        if (in) {
                in->settings = *s;
                in->fd = -1;
        }
        return in;
}

/*
 * Both edges, whatever edges the input records: with only the rising asked
 * for, the kernel would not say when the line fell, and msgqd would answer
 * on and keep on in its file until the next rise.  take_raw() records and
 * counts only the configured ones; the others keep the level.
 */
unsigned input_kernel_edges(const struct input_settings *s, bool kernel_debounce) {
        return INPUT_EDGE_BOTH;
}

uint32_t input_gap(struct input_gaps *g, const struct input_raw *raw, bool both, bool *at_least) {
        uint32_t lost = 0;

        *at_least = false;
        if (raw->seqno != 0) {
                if (g->last_seqno != 0 && raw->seqno - g->last_seqno > 1)
                        lost = raw->seqno - g->last_seqno - 1;
                g->last_seqno = raw->seqno;
        } else if (both && raw->rising == g->raw_level) {
                lost = 1;               /* an edge the other way went missing */
                *at_least = true;
        }
        g->raw_level = raw->rising;
        return lost;
}

void input_start(struct input *in, bool level) {
        uint64_t ns = (uint64_t) in->settings.debounce_us * 1000u;

        in->level = level;
        in->gaps.raw_level = level;
        in->fresh = true;
        debounce_init(&in->debounce, ns, level);
}

enum input_debounce_by input_debounce_by(const struct input *in) {
        if (!in || in->settings.debounce_us == 0)
                return INPUT_DEBOUNCE_NONE;
        return in->ops->kernel_debounce ? INPUT_DEBOUNCE_KERNEL : INPUT_DEBOUNCE_MSGQD;
}

static bool readable(int fd) {
        struct pollfd p = { .fd = fd, .events = POLLIN };

        return poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

/*
 * Of lost edges after level (both kinds, as the kernel is asked for both),
 * those of the kinds edges records: they go in turn, the first away from
 * level.
 */
uint32_t input_lost_of(unsigned edges, bool level, uint32_t lost) {
        uint32_t rising = level ? lost / 2 : (lost + 1) / 2;

        switch (edges & INPUT_EDGE_BOTH) {
        case INPUT_EDGE_RISING:
                return rising;
        case INPUT_EDGE_FALLING:
                return lost - rising;
        default:
                return lost;
        }
}

/*
 * Whether raw is an edge from before the line was requested: the first one
 * read, going the way of the level read at the start (both edges are asked
 * for).  A chip may latch an edge while no one has the line's interrupt
 * (the PL061 detects edges while it is masked), and the kernel reports it
 * once the line is requested again: an edge while msgqd was away, which
 * the level read at the start already holds (and an away change tells),
 * not a change after it.
 */
static bool stale(struct input *in, const struct input_raw *raw) {
        bool first = in->fresh;

        in->fresh = false;
        if (!first || in->kernel_edges != INPUT_EDGE_BOTH || raw->rising != in->gaps.raw_level)
                return false;
        if (raw->seqno != 0)
                in->gaps.last_seqno = raw->seqno;
        return true;
}

/* One raw edge: an event to record now (1), or one for the debounce, not recorded or dropped (0). */
static int take_raw(struct input *in, const struct input_raw *raw, struct input_event *ev) {
        bool at_least, before = in->gaps.raw_level;
        uint32_t lost;

        if (stale(in, raw))
                return 0;
        lost = input_gap(&in->gaps, raw, in->kernel_edges == INPUT_EDGE_BOTH, &at_least);

        in->pending_lost += input_lost_of(in->settings.edges, before, lost);
        in->pending_at_least |= at_least;
        if (input_debounce_by(in) == INPUT_DEBOUNCE_MSGQD) {
                debounce_edge(&in->debounce, raw->rising, raw->ts_ns);
                return 0;
        }
        in->level = raw->rising;
        if (!(in->settings.edges & (raw->rising ? INPUT_EDGE_RISING : INPUT_EDGE_FALLING)))
                return 0;       /* its level only */
        *ev = (struct input_event) {
                .rising = raw->rising, .level = raw->rising, .kernel_ns = raw->ts_ns,
                .kernel_seqno = raw->seqno, .lost = in->pending_lost,
                .lost_at_least = in->pending_at_least,
        };
        in->pending_lost = 0;
        in->pending_at_least = false;
        return 1;
}

int input_read(struct input *in, struct input_event *ev, size_t max) {
        struct input_raw raw[INPUT_RAW_MAX];
        size_t n = 0;
        int r;

        if (!in || (!ev && max > 0))
                return -EINVAL;
        if (max == 0 || !readable(in->fd))
                return 0;
        r = in->ops->read(in, raw, max < INPUT_RAW_MAX ? max : INPUT_RAW_MAX);
        if (r < 0)
                return r == -EAGAIN ? 0 : r;
        for (int i = 0; i < r; i++)
                n += (size_t) take_raw(in, &raw[i], &ev[n]);
        return (int) n;
}

uint64_t input_deadline(const struct input *in) {
        if (!in || input_debounce_by(in) != INPUT_DEBOUNCE_MSGQD)
                return 0;
        return debounce_deadline(&in->debounce);
}

int input_settle(struct input *in, uint64_t now_ns, struct input_event *ev) {
        uint64_t ts;
        bool level;

        if (!in || !ev || input_debounce_by(in) != INPUT_DEBOUNCE_MSGQD)
                return 0;
        if (debounce_settle(&in->debounce, now_ns, &level, &ts) == 0)
                return 0;
        in->level = level;
        /* Both edges were asked of the kernel: count only the configured. */
        if (!(in->settings.edges & (level ? INPUT_EDGE_RISING : INPUT_EDGE_FALLING)))
                return 0;
        *ev = (struct input_event) {
                .rising = level, .level = level, .kernel_ns = ts, .lost = in->pending_lost,
                .lost_at_least = in->pending_at_least, .debounced = true,
        };
        in->pending_lost = 0;
        in->pending_at_least = false;
        return 1;
}

const char *input_chip(const struct input *in, unsigned *offset) {
        *offset = in && in->chip[0] ? in->offset : 0;
        return in && in->chip[0] ? in->chip : "sim";
}

bool input_level(const struct input *in) {
        return in && in->level;
}

int input_get(struct input *in, bool *level) {
        if (!in || !level)
                return -EINVAL;
        return in->ops->get(in, level);
}

int input_fd(const struct input *in) {
        return in ? in->fd : -EINVAL;
}

const char *input_describe(const struct input *in) {
        return in ? in->desc : "no input";
}

void input_close(struct input *in) {
        if (!in)
                return;
        if (in->ops)
                in->ops->close(in);
        free(in);
}

/* Start from the level the line has now. */
static int start_at_level(struct input *in) {
        bool level = false;
        int r = in->ops->get(in, &level);

        if (r == 0)
                input_start(in, level);
        return r;
}

int input_open_sim(struct input **ret, const struct input_settings *s, const char *name) {
        struct input *in;
        int r;

        if (!ret)
                return -EINVAL;
        *ret = NULL;
        if (input_settings_check(s) < 0 || !name || !*name || strchr(name, '/'))
                return -EINVAL;
        in = input_new(s);
        if (!in)
                return -ENOMEM;
        r = input_sim_request(in, name);
        if (r == 0)
                r = start_at_level(in);
        if (r < 0) {
                input_close(in);
                return r;
        }
        *ret = in;
        return 0;
}

#if MSGQ_GPIOD_API > 0
struct input_request {
        struct input *in;
        const char *consumer;
};

static int try_request(void *ctx, const char *path, const char *name, unsigned offset) {
        struct input_request *rq = ctx;

        return input_gpiod_request(rq->in, path, name, offset, rq->consumer);
}

static int request_gpio(struct input *in, const struct led_spec *ls, const char *consumer) {
        return led_find_line(ls, try_request, &(struct input_request) { in, consumer });
}
#else
static int request_gpio(struct input *in, const struct led_spec *ls, const char *consumer) {
        (void) in;
        (void) ls;
        (void) consumer;
        return -EOPNOTSUPP;
}
#endif

int input_open_gpio(struct input **ret, const char *spec, const struct input_settings *s,
                    const char *consumer) {
        struct led_spec ls;
        struct input *in;
        int r;

        if (!ret)
                return -EINVAL;
        *ret = NULL;
        if (input_settings_check(s) < 0 || led_parse_spec(spec, &ls) < 0)
                return -EINVAL;
        if (led_gpiod_api == 0)
                return -EOPNOTSUPP;
        in = input_new(s);
        if (!in)
                return -ENOMEM;
        r = request_gpio(in, &ls, consumer && *consumer ? consumer : "msgqd");
        if (r == 0)
                r = start_at_level(in);
        if (r < 0) {
                input_close(in);
                return r;
        }
        *ret = in;
        return 0;
}
