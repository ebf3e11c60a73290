/* SPDX-License-Identifier: MIT */
/* msgqd's debounce of one input (debounce.h). */
#include "debounce.h"

void debounce_init(struct debounce *d, uint64_t period_ns, bool level) {
        *d = (struct debounce) { .period_ns = period_ns, .level = level, .raw = level };
}

void debounce_edge(struct debounce *d, bool raw, uint64_t ts_ns) {
        d->raw = raw;
        d->raw_ns = ts_ns;
        d->pending = true;
}

uint64_t debounce_deadline(const struct debounce *d) {
        if (!d->pending)
                return 0;
        /* A deadline of 0 would read as none: a raw edge at time 0 settles at 1 ns at the earliest. */
        return d->raw_ns + d->period_ns > 0 ? d->raw_ns + d->period_ns : 1;
}

int debounce_settle(struct debounce *d, uint64_t now_ns, bool *level, uint64_t *ts_ns) {
        if (!d->pending || now_ns < debounce_deadline(d))
                return 0;
        d->pending = false;
        if (d->raw == d->level)
                return 0;
        d->level = d->raw;
        *level = d->level;
        *ts_ns = d->raw_ns;
        return 1;
}
