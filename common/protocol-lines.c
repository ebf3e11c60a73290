/* SPDX-License-Identifier: MIT */
/*
 * The line table's payloads (doc/PROTOCOL.md, Lines in binary, and
 * Inputs): line-set's entries in the request, and the replies to line-set,
 * line-list, line-watch, line-events and input-list.  protocol.c frames them; every field is checked here.
 */
#include <errno.h>
#include <stdio.h>
#include <strings.h>

#include "line-config.h"
#include "protocol-private.h"

/* ---- line-set's entries ---- */

int lines_set_encode(const struct msgq_request *req, unsigned char *q, size_t room) {
        size_t len = (size_t) req->nvalues * MSGQ_LINE_SET_ENTRY;

        if (req->nvalues == 0 || req->nvalues > MSGQ_LINES_MAX)
                return -EINVAL;
        if (room < len)
                return -EMSGSIZE;
        for (size_t i = 0; i < req->nvalues; i++, q += MSGQ_LINE_SET_ENTRY) {
                put16(q, req->values[i].line);
                q[2] = req->values[i].on;
                q[3] = 0;
        }
        return (int) len;
}

int msgq_line_set_twice(const struct msgq_request *req) {
        for (size_t i = 0; i < req->nvalues; i++) {
                const struct msgq_line_value *a = &req->values[i];

                for (size_t j = 0; j < i; j++) {
                        const struct msgq_line_value *b = &req->values[j];

                        if (a->name_len ? strcasecmp(msgq_line_value_name(req, i),
                                                     msgq_line_value_name(req, j)) == 0
                                        : a->line == b->line)
                                return (int) i;
                }
        }
        return -1;
}

bool lines_set_has_twice(const struct msgq_request *req) {
        return msgq_line_set_twice(req) >= 0;
}

int msgq_line_set_check(const unsigned char *q, size_t len, char *why, size_t size) {
        size_t n = len / MSGQ_LINE_SET_ENTRY;

        if (len % MSGQ_LINE_SET_ENTRY != 0 || n == 0 || n > MSGQ_LINES_MAX) {
                if (why)
                        snprintf(why, size, "line-set takes 1 to %u entries of %u bytes, not %zu bytes",
                                 MSGQ_LINES_MAX, MSGQ_LINE_SET_ENTRY, len);
                return -EINVAL;
        }
        for (size_t i = 0; i < n; i++, q += MSGQ_LINE_SET_ENTRY) {
                const char *what = get16(q) >= MSGQ_LINES_MAX ? "no such line (at most 64)"
                                   : q[2] > 1                ? "value not 0 (off) or 1 (on)"
                                   : q[3] != 0               ? "pad byte not 0"
                                                             : NULL;

                if (!what)
                        continue;
                if (why)
                        snprintf(why, size, "line-set entry %zu (line %u, value %u, pad %u): %s", i, get16(q),
                                 q[2], q[3], what);
                return -EINVAL;
        }
        return 0;
}

int lines_set_decode(const unsigned char *q, size_t len, struct msgq_request *req) {
        size_t n = len / MSGQ_LINE_SET_ENTRY;

        req->nvalues = 0;
        if (msgq_line_set_check(q, len, NULL, 0) < 0)
                return -EINVAL;
        for (size_t i = 0; i < n; i++, q += MSGQ_LINE_SET_ENTRY)
                req->values[i] = (struct msgq_line_value) { .line = get16(q), .on = q[2] };
        req->nvalues = (uint16_t) n;
        return lines_set_has_twice(req) ? -EINVAL : 0;
}

/* ---- a line's state, and its changes ---- */

static void record_encode(const struct msgq_line_state *st, unsigned char *q) {
        put16(q, st->line);
        q[2] = st->led.on;
        q[3] = st->led.blinking;
        put32(q + 4, st->led.period_ms);
        put32(q + 8, st->led.remaining);
        put32(q + 12, st->seq);
        put64(q + 16, st->led.changes);
}

static int record_decode(const unsigned char *q, struct msgq_line_state *st) {
        if (get16(q) >= MSGQ_LINES_MAX || q[2] > 1 || q[3] > 1)
                return -EBADMSG;
        *st = (struct msgq_line_state) {
                .led = { .on = q[2], .blinking = q[3], .period_ms = get32(q + 4),
                         .remaining = get32(q + 8), .changes = get64(q + 16) },
                .line = get16(q), .seq = get32(q + 12),
        };
        return 0;
}

/* ---- line-list ---- */

static size_t list_entry_size(const struct msgq_line_info *e) {
        return MSGQ_LIST_ENTRY + strnlen(e->name, MSGQ_LINE_NAME_MAX) +
               strnlen(e->chip, sizeof e->chip - 1);
}

/*
 * As many entries as fit in one message (the client asks again for the
 * rest); room is the buffer's, which must hold them: else -EMSGSIZE, as
 * every encoder.
 */
static int list_encode(const struct msgq_reply *rep, unsigned char *q, size_t room) {
        const size_t limit = MSGQ_MSG_MAX - MSGQ_REPLY_HEADER_SIZE;
        size_t len = 4;
        uint16_t n = 0;

        if (room < len || rep->list_count > MSGQ_LIST_MAX)
                return -EMSGSIZE;
        for (; n < rep->list_count && len + list_entry_size(&rep->list[n]) <= limit; n++) {
                const struct msgq_line_info *e = &rep->list[n];
                unsigned char *p = q + len;
                size_t name_len = strnlen(e->name, MSGQ_LINE_NAME_MAX);
                size_t chip_len = strnlen(e->chip, sizeof e->chip - 1);

                if (len + list_entry_size(e) > room)
                        return -EMSGSIZE;
                record_encode(&e->st, p);
                put32(p + 24, e->offset);
                put32(p + 28, e->by_pid);
                p[32] = e->flags;
                p[33] = (unsigned char) name_len;
                p[34] = (unsigned char) chip_len;
                p[35] = 0;
                memcpy(p + MSGQ_LIST_ENTRY, e->name, name_len);
                memcpy(p + MSGQ_LIST_ENTRY + name_len, e->chip, chip_len);
                len += list_entry_size(e);
        }
        put16(q, rep->list_total);
        put16(q + 2, n);
        return (int) len;
}

/* Printable ASCII, no spaces: a name or a chip's name. */
static bool word_is_clean(const unsigned char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (s[i] <= ' ' || s[i] >= 0x7f)
                        return false;
        return true;
}

/* One entry at q (left bytes remain): its size, or -EBADMSG. */
static int list_entry_decode(const unsigned char *q, size_t left, struct msgq_line_info *e) {
        size_t name_len, chip_len;

        if (left < MSGQ_LIST_ENTRY)
                return -EBADMSG;
        name_len = q[33];
        chip_len = q[34];
        if (name_len == 0 || name_len > MSGQ_LINE_NAME_MAX || chip_len >= sizeof e->chip ||
            q[35] != 0 || (q[32] & ~MSGQ_LINE_F_ALL) || left < MSGQ_LIST_ENTRY + name_len + chip_len ||
            !word_is_clean(q + MSGQ_LIST_ENTRY, name_len + chip_len) || record_decode(q, &e->st) < 0)
                return -EBADMSG;
        memcpy(e->name, q + MSGQ_LIST_ENTRY, name_len);
        e->name[name_len] = '\0';
        /* Only what msgq.conf allows: a name goes into shells' completions and scripts. */
        if (msgq_line_name_check(e->name) < 0)
                return -EBADMSG;
        e->offset = get32(q + 24);
        e->by_pid = get32(q + 28);
        e->flags = q[32];
        memcpy(e->chip, q + MSGQ_LIST_ENTRY + name_len, chip_len);
        e->chip[chip_len] = '\0';
        return (int) (MSGQ_LIST_ENTRY + name_len + chip_len);
}

static int list_decode(const unsigned char *q, size_t len, struct msgq_reply *rep) {
        size_t pos = 4;

        if (len < 4)
                return -EBADMSG;
        rep->list_total = get16(q);
        rep->list_count = get16(q + 2);
        if (rep->list_total > MSGQ_LINES_MAX || rep->list_count > MSGQ_LIST_MAX ||
            rep->list_count > rep->list_total)
                return -EBADMSG;
        for (size_t i = 0; i < rep->list_count; i++) {
                int n = list_entry_decode(q + pos, len - pos, &rep->list[i]);

                if (n < 0 || rep->list[i].st.line >= rep->list_total ||
                    (i > 0 && rep->list[i].st.line <= rep->list[i - 1].st.line))
                        return -EBADMSG;
                pos += (size_t) n;
        }
        return pos == len ? 0 : -EBADMSG;
}

/* ---- line-watch ---- */

static int watch_encode(const struct msgq_reply *rep, unsigned char *q, size_t room) {
        size_t len = 8 + (size_t) rep->nchanges * MSGQ_CHANGE_RECORD;

        if (rep->nchanges > MSGQ_CHANGES_MAX || room < len)
                return -EMSGSIZE;
        put32(q, rep->missed);
        put16(q + 4, rep->nchanges);
        put16(q + 6, 0);
        for (size_t i = 0; i < rep->nchanges; i++) {
                unsigned char *p = q + 8 + i * MSGQ_CHANGE_RECORD;

                record_encode(&rep->changes_after[i].st, p);
                put64(p + MSGQ_LINE_RECORD, rep->changes_after[i].time_ns);
        }
        return (int) len;
}

static int watch_decode(const unsigned char *q, size_t len, struct msgq_reply *rep) {
        if (len < 8 || get16(q + 6) != 0)
                return -EBADMSG;
        rep->missed = get32(q);
        rep->nchanges = get16(q + 4);
        if (rep->nchanges > MSGQ_CHANGES_MAX || len != 8 + (size_t) rep->nchanges * MSGQ_CHANGE_RECORD)
                return -EBADMSG;
        for (size_t i = 0; i < rep->nchanges; i++) {
                const unsigned char *p = q + 8 + i * MSGQ_CHANGE_RECORD;

                if (record_decode(p, &rep->changes_after[i].st) < 0 ||
                    (i > 0 && rep->changes_after[i].st.led.changes <= rep->changes_after[i - 1].st.led.changes))
                        return -EBADMSG;
                rep->changes_after[i].time_ns = get64(p + MSGQ_LINE_RECORD);
        }
        return 0;
}

/* ---- line-events ---- */

static int events_encode(const struct msgq_reply *rep, unsigned char *q, size_t room) {
        size_t len = 8 + (size_t) rep->nchanges * MSGQ_EVENT_RECORD;

        if (rep->nchanges > MSGQ_EVENTS_MAX || room < len)
                return -EMSGSIZE;
        put32(q, rep->missed);
        put16(q + 4, rep->nchanges);
        put16(q + 6, 0);
        for (size_t i = 0; i < rep->nchanges; i++) {
                const struct msgq_event *c = &rep->events[i];
                unsigned char *p = q + 8 + i * MSGQ_EVENT_RECORD;

                record_encode(&c->ch.st, p);
                put64(p + MSGQ_LINE_RECORD, c->ch.time_ns);
                put64(p + 32, c->kernel_ns);
                put32(p + 40, c->kernel_seqno);
                put32(p + 44, c->lost);
                p[48] = c->edge;
                p[49] = c->flags;
                put16(p + 50, 0);
                put32(p + 52, 0);
        }
        return (int) len;
}

/* One event record at p into c: 0, or -EBADMSG. */
static int event_decode(const unsigned char *p, struct msgq_event *c) {
        if (record_decode(p, &c->ch.st) < 0 || p[48] >= _MSGQ_EDGE_MAX || (p[49] & ~MSGQ_EVENT_F_ALL) ||
            get16(p + 50) != 0 || get32(p + 52) != 0)
                return -EBADMSG;
        c->ch.time_ns = get64(p + MSGQ_LINE_RECORD);
        c->kernel_ns = get64(p + 32);
        c->kernel_seqno = get32(p + 40);
        c->lost = get32(p + 44);
        c->edge = p[48];
        c->flags = p[49];
        return 0;
}

static int events_decode(const unsigned char *q, size_t len, struct msgq_reply *rep) {
        if (len < 8 || get16(q + 6) != 0)
                return -EBADMSG;
        rep->missed = get32(q);
        rep->nchanges = get16(q + 4);
        if (rep->nchanges > MSGQ_EVENTS_MAX || len != 8 + (size_t) rep->nchanges * MSGQ_EVENT_RECORD)
                return -EBADMSG;
        for (size_t i = 0; i < rep->nchanges; i++)
                if (event_decode(q + 8 + i * MSGQ_EVENT_RECORD, &rep->events[i]) < 0 ||
                    (i > 0 && rep->events[i].ch.st.led.changes <= rep->events[i - 1].ch.st.led.changes))
                        return -EBADMSG;
        return 0;
}

/* ---- input-list ---- */

static int inputs_encode(const struct msgq_reply *rep, unsigned char *q, size_t room) {
        size_t len = 4 + (size_t) rep->list_count * MSGQ_INPUT_ENTRY;

        if (rep->list_count > MSGQ_INPUTS_MAX || room < len)
                return -EMSGSIZE;
        put16(q, rep->list_total);
        put16(q + 2, rep->list_count);
        for (size_t i = 0; i < rep->list_count; i++) {
                const struct msgq_input_info *e = &rep->inputs[i];
                unsigned char *p = q + 4 + i * MSGQ_INPUT_ENTRY;

                memset(p, 0, MSGQ_INPUT_ENTRY);
                put16(p, e->line);
                p[2] = e->bias;
                p[3] = e->edges;
                p[4] = e->debounce_by;
                put32(p + 8, e->debounce_us);
                put64(p + 16, e->count);
                put64(p + 24, e->lost);
        }
        return (int) len;
}

static int input_entry_decode(const unsigned char *p, struct msgq_input_info *e) {
        if (get16(p) >= MSGQ_LINES_MAX || p[2] > 3 || p[3] < 1 || p[3] > 3 || p[4] > 2 || p[5] != 0 ||
            get16(p + 6) != 0 || get32(p + 12) != 0 || get64(p + 24) > get64(p + 16))
                return -EBADMSG;
        *e = (struct msgq_input_info) { .line = get16(p), .bias = p[2], .edges = p[3], .debounce_by = p[4],
                                        .debounce_us = get32(p + 8), .count = get64(p + 16),
                                        .lost = get64(p + 24) };
        return 0;
}

static int inputs_decode(const unsigned char *q, size_t len, struct msgq_reply *rep) {
        if (len < 4)
                return -EBADMSG;
        rep->list_total = get16(q);
        rep->list_count = get16(q + 2);
        if (rep->list_total > MSGQ_LINES_MAX || rep->list_count > MSGQ_INPUTS_MAX ||
            rep->list_count > rep->list_total || len != 4 + (size_t) rep->list_count * MSGQ_INPUT_ENTRY)
                return -EBADMSG;
        for (size_t i = 0; i < rep->list_count; i++)
                if (input_entry_decode(q + 4 + i * MSGQ_INPUT_ENTRY, &rep->inputs[i]) < 0 ||
                    (i > 0 && rep->inputs[i].line <= rep->inputs[i - 1].line))
                        return -EBADMSG;
        return 0;
}

/* ---- the replies ---- */

int lines_reply_encode(const struct msgq_reply *rep, unsigned char *q, size_t room) {
        switch (rep->op) {
        case MSGQ_OP_LINE_SET:
                if (room < 24)
                        return -EMSGSIZE;
                put64(q, rep->set_lines);
                put64(q + 8, rep->set_on & rep->set_lines);
                put64(q + 16, rep->set_first);
                return 24;
        case MSGQ_OP_LINE_LIST:
                return list_encode(rep, q, room);
        case MSGQ_OP_LINE_WATCH:
                return watch_encode(rep, q, room);
        case MSGQ_OP_LINE_EVENTS:
                return events_encode(rep, q, room);
        case MSGQ_OP_INPUT_LIST:
                return inputs_encode(rep, q, room);
        default:
                return -EINVAL;
        }
}

int lines_reply_decode(const unsigned char *q, size_t len, struct msgq_reply *rep) {
        switch (rep->op) {
        case MSGQ_OP_LINE_SET:
                if (len != 24)
                        return -EBADMSG;
                rep->set_lines = get64(q);
                rep->set_on = get64(q + 8);
                rep->set_first = get64(q + 16);
                return rep->set_on & ~rep->set_lines ? -EBADMSG : 0;
        case MSGQ_OP_LINE_LIST:
                return list_decode(q, len, rep);
        case MSGQ_OP_LINE_WATCH:
                return watch_decode(q, len, rep);
        case MSGQ_OP_LINE_EVENTS:
                return events_decode(q, len, rep);
        case MSGQ_OP_INPUT_LIST:
                return inputs_decode(q, len, rep);
        default:
                return -EBADMSG;
        }
}
