/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "protocol-private.h"

/* LED state (12 bytes; 28 with its time), eight u64 figures, then one u64 per priority. */
#define LED_PAYLOAD   12u
#define LED_TIME_PAYLOAD (LED_PAYLOAD + 16u)
#define STATS_PAYLOAD (LED_PAYLOAD + 8u * (8u + MSGQ_PRIO_MAX))

static const unsigned char magic[4] = { 'M', 'Q', 0, MSGQ_PROTOCOL_VERSION };

static const char *const op_names[_MSGQ_OP_MAX] = {
        [MSGQ_OP_PING] = "ping",
        [MSGQ_OP_LED_ON] = "led-on",
        [MSGQ_OP_LED_OFF] = "led-off",
        [MSGQ_OP_LED_TOGGLE] = "led-toggle",
        [MSGQ_OP_LED_STATE] = "led-state",
        [MSGQ_OP_LED_BLINK] = "led-blink",
        [MSGQ_OP_SEND] = "send",
        [MSGQ_OP_STATS] = "stats",
        [MSGQ_OP_EXIT] = "exit",
        [MSGQ_OP_LED_WATCH] = "led-watch",
        [MSGQ_OP_LINE_SET] = "line-set",
        [MSGQ_OP_LINE_LIST] = "line-list",
        [MSGQ_OP_LINE_WATCH] = "line-watch",
        [MSGQ_OP_LINE_EVENTS] = "line-events",
        [MSGQ_OP_INPUT_LIST] = "input-list",
};

static const char *const status_names[_MSGQ_ERR_MAX] = {
        [MSGQ_OK] = "ok",
        [MSGQ_ERR_MALFORMED] = "malformed request",
        [MSGQ_ERR_VERSION] = "unsupported protocol version",
        [MSGQ_ERR_UNKNOWN_OP] = "unknown operation",
        [MSGQ_ERR_INVALID] = "invalid argument",
        [MSGQ_ERR_TOO_LARGE] = "request too large",
        [MSGQ_ERR_LED] = "LED error",
        [MSGQ_ERR_SHUTDOWN] = "daemon shutting down",
};

const char *msgq_op_to_string(uint16_t op) {
        if (op >= _MSGQ_OP_MAX || !op_names[op])
                return "unknown";
        return op_names[op];
}

int msgq_op_from_string(const char *s) {
        for (int op = 1; op < _MSGQ_OP_MAX; op++)
                if (strcmp(s, op_names[op]) == 0)
                        return op;
        return -EINVAL;
}

const char *msgq_status_to_string(uint32_t status) {
        if (status >= _MSGQ_ERR_MAX)
                return "unknown error";
        return status_names[status];
}


bool msgq_body_is_binary(const void *body, size_t len) {
        /* The first three bytes decide: "MQ\0" is no text command (a text "MQ" with
         * its NUL counts as binary, and is malformed either way). */
        return len >= 3 && memcmp(body, magic, 3) == 0;
}

static bool text_is_clean(const char *s, size_t len) {
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) s[i];
                if (c < 0x20 || c == 0x7f)
                        return false;
        }
        return true;
}

/* The line at offset 38 and line-set's lines: where an op takes them. */
static int lines_validate(const struct msgq_request *req) {
        if (!msgq_op_has_line(req->op) && (req->line != 0 || req->line_name[0]))
                return -EINVAL;
        if (req->line == MSGQ_LINE_ALL && !msgq_op_is_watch(req->op))
                return -EINVAL;
        if (req->op == MSGQ_OP_LINE_SET)
                return req->nvalues > 0 && req->nvalues <= MSGQ_LINES_MAX && !lines_set_has_twice(req)
                               ? 0 : -EINVAL;
        return req->nvalues == 0 ? 0 : -EINVAL;
}

static int args_validate(const struct msgq_request *req) {
        switch (req->op) {
        case MSGQ_OP_LED_BLINK:
                if (req->arg0 < MSGQ_BLINK_PERIOD_MIN_MS || req->arg0 > MSGQ_BLINK_PERIOD_MAX_MS)
                        return -EINVAL;
                return req->arg1 > MSGQ_BLINK_COUNT_MAX ? -EINVAL : 0;
        case MSGQ_OP_LED_WATCH:
        case MSGQ_OP_LINE_WATCH:
        case MSGQ_OP_LINE_EVENTS:
                return 0; /* any change number */
        case MSGQ_OP_LINE_LIST:
        case MSGQ_OP_INPUT_LIST:
                return req->arg0 >= MSGQ_LINES_MAX || req->arg1 != 0 ? -EINVAL : 0;
        default:
                return req->arg0 != 0 || req->arg1 != 0 ? -EINVAL : 0;
        }
}

/* Per-operation argument rules, shared by the binary and text decoders. */
static int request_validate(const struct msgq_request *req, uint32_t *status) {
        *status = MSGQ_ERR_INVALID;
        if (req->op == 0 || req->op >= _MSGQ_OP_MAX) {
                *status = MSGQ_ERR_UNKNOWN_OP;
                return -EOPNOTSUPP;
        }
        if (req->flags & ~MSGQ_REQ_FLAGS)
                return -EINVAL;
        if ((req->flags & MSGQ_REQ_TIME) && (!msgq_op_has_led(req->op) || req->op == MSGQ_OP_STATS))
                return -EINVAL;
        if (args_validate(req) < 0 || lines_validate(req) < 0)
                return -EINVAL;
        if (req->op == MSGQ_OP_SEND) {
                if (req->text_len == 0 || !text_is_clean(req->text, req->text_len))
                        return -EINVAL;
        } else if (req->text_len != 0) {
                return -EINVAL;
        }
        *status = MSGQ_OK;
        return 0;
}

int msgq_request_encode(const struct msgq_request *req, void *buf, size_t size) {
        unsigned char *p = buf;
        size_t len = MSGQ_REQUEST_HEADER_SIZE + req->text_len;
        int n = 0;

        if (req->text_len > MSGQ_TEXT_MAX)
                return -EINVAL;
        if (size < len)
                return -EMSGSIZE;
        if (req->op == MSGQ_OP_LINE_SET) {
                if (req->text_len != 0)
                        return -EINVAL;
                n = lines_set_encode(req, p + MSGQ_REQUEST_HEADER_SIZE, size - MSGQ_REQUEST_HEADER_SIZE);
                if (n < 0)
                        return n;
                len += (size_t) n;
        }
        memcpy(p, magic, 4);
        put32(p + 4, req->pid);
        put64(p + 8, req->token);
        put64(p + 16, req->deadline_ns);
        put16(p + 24, req->op);
        put16(p + 26, req->flags);
        put32(p + 28, req->arg0);
        put32(p + 32, req->arg1);
        put16(p + 36, (uint16_t) (req->text_len + n));
        put16(p + 38, req->line);
        if (req->op != MSGQ_OP_LINE_SET)
                memcpy(p + MSGQ_REQUEST_HEADER_SIZE, req->text, req->text_len);
        return (int) len;
}

bool msgq_request_has_address(const struct msgq_request *req) {
        return req->pid > 0 && req->pid <= MSGQ_PID_MAX;
}

int msgq_request_decode(const void *body, size_t len, struct msgq_request *req, uint32_t *status) {
        const unsigned char *p = body;
        long prio = req->prio;

        msgq_request_clear(req);
        req->prio = prio;
        *status = MSGQ_ERR_MALFORMED;

        if (!msgq_body_is_binary(body, len))
                return -EBADMSG;
        /* The address first: even a broken request can be answered. */
        if (len >= MSGQ_REQUEST_ADDRESS_SIZE) {
                uint32_t pid = get32(p + 4);
                if (pid > 0 && pid <= MSGQ_PID_MAX) {
                        req->pid = pid;
                        req->token = get64(p + 8);
                }
        }
        if (len >= 4 && p[3] != MSGQ_PROTOCOL_VERSION) {
                *status = MSGQ_ERR_VERSION;
                return -EPROTO;
        }
        if (len > MSGQ_REQUEST_MAX_SIZE) {
                *status = MSGQ_ERR_TOO_LARGE;
                return -EMSGSIZE;
        }
        if (len < MSGQ_REQUEST_HEADER_SIZE || !req->pid)
                return -EBADMSG;

        req->deadline_ns = get64(p + 16);
        req->op = get16(p + 24);
        req->flags = get16(p + 26);
        req->arg0 = get32(p + 28);
        req->arg1 = get32(p + 32);
        req->text_len = get16(p + 36);
        req->line = get16(p + 38);
        if (req->text_len != len - MSGQ_REQUEST_HEADER_SIZE) {
                req->text_len = 0;
                return -EBADMSG;
        }
        if (req->op == MSGQ_OP_LINE_SET) {
                /* The entries are no text: checked here, kept in values[]. */
                *status = MSGQ_ERR_INVALID;
                if (lines_set_decode(p + MSGQ_REQUEST_HEADER_SIZE, req->text_len, req) < 0) {
                        req->text_len = 0;
                        return -EINVAL;
                }
                req->text_len = 0;
        }
        memcpy(req->text, p + MSGQ_REQUEST_HEADER_SIZE, req->text_len);
        req->text[req->text_len] = '\0';
        return request_validate(req, status);
}

int msgq_reply_encode(const struct msgq_reply *rep, void *buf, size_t size) {
        unsigned char *p = buf, *q;
        size_t payload = 0;

        if (rep->status != MSGQ_OK) {
                payload = strnlen(rep->error, MSGQ_ERROR_TEXT_MAX);
        } else if (rep->op == MSGQ_OP_STATS) {
                payload = STATS_PAYLOAD;
        } else if (msgq_op_has_led(rep->op)) {
                payload = rep->led_time ? LED_TIME_PAYLOAD : LED_PAYLOAD;
        } else if (msgq_op_has_changes(rep->op)) {
                int n = size < MSGQ_REPLY_HEADER_SIZE ? -EMSGSIZE
                        : lines_reply_encode(rep, p + MSGQ_REPLY_HEADER_SIZE,
                                             size - MSGQ_REPLY_HEADER_SIZE);
                if (n < 0)
                        return n;
                payload = (size_t) n;
        }
        if (size < MSGQ_REPLY_HEADER_SIZE + payload)
                return -EMSGSIZE;

        memcpy(p, magic, 4);
        put32(p + 4, rep->status);
        put64(p + 8, rep->token);
        put64(p + 16, rep->expires_ns);
        put16(p + 24, rep->op);
        put16(p + 26, (uint16_t) payload);
        put32(p + 28, rep->daemon_pid);
        put64(p + 32, msgq_op_has_changes(rep->op) && rep->status == MSGQ_OK ? rep->led.changes : 0);
        q = p + MSGQ_REPLY_HEADER_SIZE;

        if (rep->status != MSGQ_OK) {
                memcpy(q, rep->error, payload);
        } else if (msgq_op_has_led(rep->op)) {
                q[0] = rep->led.on;
                q[1] = rep->led.blinking;
                put16(q + 2, rep->line);
                put32(q + 4, rep->led.period_ms);
                put32(q + 8, rep->led.remaining);
                if (payload == LED_TIME_PAYLOAD) {
                        put64(q + 12, rep->led_time_ns);
                        put64(q + 20, rep->led_monotonic_ns);
                }
                if (rep->op == MSGQ_OP_STATS) {
                        const struct msgq_stats *s = &rep->stats;
                        const uint64_t v[] = { s->uptime_ms, s->errors, s->malformed,
                                               s->replies_late, s->replies_deferred,
                                               s->replies_dropped, s->replies_reclaimed,
                                               ((uint64_t) s->queue_recreated << 32) | s->daemon_pid };
                        q += LED_PAYLOAD;
                        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++, q += 8)
                                put64(q, v[i]);
                        for (size_t i = 0; i < MSGQ_PRIO_MAX; i++, q += 8)
                                put64(q, s->served[i]);
                }
        }
        return (int) (MSGQ_REPLY_HEADER_SIZE + payload);
}

/* The payload's length for a good reply to op. */
static bool reply_payload_fits(uint16_t op, size_t payload) {
        if (op == MSGQ_OP_STATS)
                return payload == STATS_PAYLOAD;
        if (msgq_op_has_led(op))
                return payload == LED_PAYLOAD || payload == LED_TIME_PAYLOAD;
        return payload == 0;
}

/* A line's state (msgq 0.1's LED state): q its payload, changes from the header. */
static int led_decode(const unsigned char *q, uint64_t changes, struct msgq_led_state *led,
                      uint16_t *line) {
        if (get16(q + 2) >= MSGQ_LINES_MAX)
                return -EBADMSG;
        *line = get16(q + 2);
        led->on = q[0] != 0;
        led->blinking = q[1] != 0;
        led->period_ms = get32(q + 4);
        led->remaining = get32(q + 8);
        led->changes = changes;
        return 0;
}

/* The figures that follow the LED's state in a STATS reply. */
static void stats_decode(const unsigned char *q, struct msgq_stats *s) {
        uint64_t pids;

        s->uptime_ms = get64(q), q += 8;
        s->errors = get64(q), q += 8;
        s->malformed = get64(q), q += 8;
        s->replies_late = get64(q), q += 8;
        s->replies_deferred = get64(q), q += 8;
        s->replies_dropped = get64(q), q += 8;
        s->replies_reclaimed = get64(q), q += 8;
        pids = get64(q), q += 8;
        s->daemon_pid = (uint32_t) pids;
        s->queue_recreated = (uint32_t) (pids >> 32);
        for (size_t i = 0; i < MSGQ_PRIO_MAX; i++, q += 8)
                s->served[i] = get64(q);
}

int msgq_reply_decode(const void *body, size_t len, struct msgq_reply *rep) {
        const unsigned char *p = body, *q;
        size_t payload;

        msgq_reply_clear(rep);
        if (len < MSGQ_REPLY_HEADER_SIZE || memcmp(p, magic, 3) != 0)
                return -EBADMSG;
        if (p[3] != MSGQ_PROTOCOL_VERSION)
                return -EPROTO;
        payload = get16(p + 26);
        if (len != MSGQ_REPLY_HEADER_SIZE + payload)
                return -EBADMSG;
        rep->status = get32(p + 4);
        rep->token = get64(p + 8);
        rep->expires_ns = get64(p + 16);
        rep->op = get16(p + 24);
        rep->daemon_pid = get32(p + 28);
        q = p + MSGQ_REPLY_HEADER_SIZE;

        if ((rep->status != MSGQ_OK || !msgq_op_has_changes(rep->op)) && get64(p + 32) != 0)
                return -EBADMSG;
        if (rep->status != MSGQ_OK) {
                if (payload > MSGQ_ERROR_TEXT_MAX || !text_is_clean((const char *) q, payload))
                        return -EBADMSG;
                memcpy(rep->error, q, payload);
                rep->error[payload] = '\0';
                return 0;
        }
        if (!msgq_op_has_led(rep->op) && msgq_op_has_changes(rep->op)) {
                rep->led.changes = get64(p + 32);
                return lines_reply_decode(q, payload, rep);
        }
        if (!reply_payload_fits(rep->op, payload))
                return -EBADMSG;
        if (payload >= LED_PAYLOAD && led_decode(q, get64(p + 32), &rep->led, &rep->line) < 0)
                return -EBADMSG;
        if (payload == LED_TIME_PAYLOAD) {
                rep->led_time = true;
                rep->led_time_ns = get64(q + 12);
                rep->led_monotonic_ns = get64(q + 20);
        }
        if (rep->op == MSGQ_OP_STATS)
                stats_decode(q + LED_PAYLOAD, &rep->stats);
        return 0;
}

/* ---- the text form ---- */

/* named: a line's name may follow the numbers; SET's arguments are NAME=VALUE. */
static const struct {
        const char *word;
        uint16_t op;
        unsigned nargs_min, nargs_max;
        bool named;
} text_commands[] = {
        { "ON", MSGQ_OP_LED_ON, 0, 0, true },
        { "OFF", MSGQ_OP_LED_OFF, 0, 0, true },
        { "TOGGLE", MSGQ_OP_LED_TOGGLE, 0, 0, true },
        { "STATE", MSGQ_OP_LED_STATE, 0, 0, true },
        { "BLINK", MSGQ_OP_LED_BLINK, 1, 2, true },
        { "SET", MSGQ_OP_LINE_SET, 1, MSGQ_LINES_MAX, false },
        { "PING", MSGQ_OP_PING, 0, 0, false },
        { "STATS", MSGQ_OP_STATS, 0, 0, false },
        { "EXIT", MSGQ_OP_EXIT, 0, 0, false },
};

/* A strict unsigned decimal of at most 10 digits. */
static int text_number(const char *s, size_t len, uint32_t *ret) {
        uint64_t v = 0;

        if (len == 0 || len > 10)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t) (s[i] - '0');
        }
        if (v > UINT32_MAX)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

/*
 * The command's text without one trailing NUL (C clients send strlen + 1)
 * and one newline: clean, ASCII, not too long.
 */
static int text_trim(const char *s, size_t *len, uint32_t *status) {
        if (*len > 0 && s[*len - 1] == '\0')
                (*len)--;
        if (*len > 0 && s[*len - 1] == '\n')
                (*len)--;
        if (*len > MSGQ_TEXT_MAX) {
                *status = MSGQ_ERR_TOO_LARGE;
                return -EMSGSIZE;
        }
        if (!text_is_clean(s, *len))
                return -EBADMSG;
        for (size_t k = 0; k < *len; k++)
                if ((unsigned char) s[k] >= 0x80)
                        return -EBADMSG; /* text commands are ASCII */
        return 0;
}

/* A command's words: the first TEXT_WORDS_MAX, and the last. */
#define TEXT_WORDS_MAX (MSGQ_LINES_MAX + 1)
struct text_words {
        const char *word[TEXT_WORDS_MAX], *last;
        size_t len[TEXT_WORDS_MAX], last_len;
};

/* Split at spaces; returns how many words there are. */
static size_t text_split(const char *s, size_t len, struct text_words *w) {
        size_t n = 0, i = 0;

        while (i < len) {
                size_t start;
                while (i < len && s[i] == ' ')
                        i++;
                if (i == len)
                        break;
                start = i;
                while (i < len && s[i] != ' ')
                        i++;
                if (n < TEXT_WORDS_MAX) {
                        w->word[n] = s + start;
                        w->len[n] = i - start;
                }
                w->last = s + start;
                w->last_len = i - start;
                n++;
        }
        return n;
}

/* A line's name as a word: 1 to 31 letters, digits, '-' and '_', starting with a letter. */
static int text_name(const char *s, size_t len, char *name) {
        if (len == 0 || len > MSGQ_LINE_NAME_MAX ||
            !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) s[i];

                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      c == '-' || c == '_'))
                        return -EINVAL;
        }
        memcpy(name, s, len);
        name[len] = '\0';
        return 0;
}

#define TEXT_NAME_RULE "a line's name is 1 to 31 letters, digits, '-' and '_', starting with a letter"

/* The word (len bytes) refused, and why, into req->why for the answer: -EINVAL. */
static int text_refused(struct msgq_request *req, const char *word, size_t len, const char *rule) {
        snprintf(req->why, sizeof req->why, "'%.*s%s': %s", len > 32 ? 32 : (int) len, word,
                 len > 32 ? "..." : "", rule);
        return -EINVAL;
}

/*
 * SET's NAME=VALUE words into values[], VALUE on, off, 1 or 0 in any case;
 * the names one after the other in text[], each with its NUL (they are
 * shorter than the words they come from, which fit in it).
 */
static int text_set(const struct text_words *w, size_t nargs, struct msgq_request *req) {
        size_t at = 0;

        for (size_t a = 0; a < nargs; a++) {
                const char *s = w->word[a + 1], *eq = memchr(s, '=', w->len[a + 1]);
                struct msgq_line_value *v = &req->values[a];
                size_t vlen;

                *v = (struct msgq_line_value) { .name_at = (uint16_t) at };
                if (!eq)
                        return text_refused(req, s, w->len[a + 1], "not NAME=VALUE");
                if (text_name(s, (size_t) (eq - s), req->text + at) < 0)
                        return text_refused(req, s, w->len[a + 1], TEXT_NAME_RULE);
                v->name_len = (uint8_t) (eq - s);
                at += (size_t) v->name_len + 1;
                vlen = w->len[a + 1] - (size_t) (eq + 1 - s);
                if ((vlen == 2 && strncasecmp(eq + 1, "on", 2) == 0) || (vlen == 1 && eq[1] == '1'))
                        v->on = 1;
                else if ((vlen == 3 && strncasecmp(eq + 1, "off", 3) == 0) || (vlen == 1 && eq[1] == '0'))
                        v->on = 0;
                else
                        return text_refused(req, s, w->len[a + 1], "VALUE is on, off, 1 or 0");
        }
        req->nvalues = (uint16_t) nargs;
        return 0;
}

/* The arguments of command c: numbers, a line's name last where it takes one, or SET's. */
static int text_args(size_t c, const struct text_words *w, size_t nwords, struct msgq_request *req) {
        uint32_t args[2] = { 0, 0 };
        unsigned nargs = (unsigned) nwords - 1;
        const char *last;

        if (nwords > TEXT_WORDS_MAX)
                return -EINVAL;
        last = w->word[nwords - 1];
        if (text_commands[c].op == MSGQ_OP_LINE_SET)
                return nargs < 1 || nargs > MSGQ_LINES_MAX ? -EINVAL : text_set(w, nargs, req);
        if (text_commands[c].named && nargs > text_commands[c].nargs_min &&
            !(last[0] >= '0' && last[0] <= '9')) {
                if (text_name(last, w->len[nwords - 1], req->line_name) < 0)
                        return text_refused(req, last, w->len[nwords - 1], TEXT_NAME_RULE);
                nargs--;
        }
        if (nargs < text_commands[c].nargs_min || nargs > text_commands[c].nargs_max)
                return -EINVAL;
        for (unsigned a = 0; a < nargs; a++)
                if (text_number(w->word[a + 1], w->len[a + 1], &args[a]) < 0)
                        return -EINVAL;
        req->arg0 = args[0];
        req->arg1 = args[1];
        return 0;
}

/* The command the first of nwords names, with its arguments. */
static int text_command(const struct text_words *w, size_t nwords, struct msgq_request *req,
                        uint32_t *status) {
        for (size_t c = 0; c < sizeof text_commands / sizeof text_commands[0]; c++) {
                if (strlen(text_commands[c].word) != w->len[0] ||
                    strncasecmp(text_commands[c].word, w->word[0], w->len[0]) != 0)
                        continue;
                req->op = text_commands[c].op;
                *status = MSGQ_ERR_INVALID;
                if (text_args(c, w, nwords, req) < 0)
                        return -EINVAL;
                return request_validate(req, status);
        }
        *status = MSGQ_ERR_UNKNOWN_OP;
        return -EOPNOTSUPP;
}

/* A last word pid=N names the reply address, however many words came before: 1, else 0 or -EBADMSG. */
static int text_pid(const struct text_words *w, size_t nwords, struct msgq_request *req) {
        uint32_t pid = 0;

        if (nwords < 2 || w->last_len <= 4 || strncasecmp(w->last, "pid=", 4) != 0)
                return 0;
        if (text_number(w->last + 4, w->last_len - 4, &pid) < 0 || pid == 0 || pid > MSGQ_PID_MAX)
                return -EBADMSG;
        req->pid = pid;
        req->flags = 0;
        return 1;
}

int msgq_text_decode(const void *body, size_t len, long prio, struct msgq_request *req,
                     uint32_t *status) {
        struct text_words w;
        size_t nwords, received = len;
        int r;

        msgq_request_clear(req);
        req->prio = prio;
        req->flags = MSGQ_REQ_NO_REPLY;
        *status = MSGQ_ERR_MALFORMED;
        r = text_trim(body, &len, status);
        if (r == -EMSGSIZE && received < MSGQ_MSG_MAX) /* too long, surely not cut: answered as it says */
                (void) text_pid(&w, text_split(body, len, &w), req);
        if (r < 0)
                return r;
        nwords = text_split(body, len, &w);
        if (nwords == 0)
                return -EBADMSG;
        r = text_pid(&w, nwords, req);
        if (r < 0)
                return r;
        return text_command(&w, nwords - (size_t) r, req, status);
}

int msgq_text_reply_format(const struct msgq_reply *rep, char *buf, size_t size) {
        int n;
        const char *what = msgq_status_to_string(rep->status);
        bool detail = rep->error[0] && strcmp(rep->error, what) != 0;

        if (rep->status != MSGQ_OK)
                n = snprintf(buf, size, "ERR %s%s%s", what, detail ? ": " : "",
                             detail ? rep->error : "");
        else if (rep->op == MSGQ_OP_STATS)
                n = snprintf(buf, size, "OK uptime_ms=%llu errors=%llu led=%s",
                             (unsigned long long) rep->stats.uptime_ms,
                             (unsigned long long) rep->stats.errors, rep->led.on ? "on" : "off");
        else if (rep->op >= MSGQ_OP_LED_ON && rep->op <= MSGQ_OP_LED_BLINK)
                n = snprintf(buf, size, "OK %s=%s%s",
                             rep->line_name[0] ? rep->line_name : MSGQ_LINE_DEFAULT,
                             rep->led.on ? "on" : "off", rep->led.blinking ? " blinking" : "");
        else if (rep->op == MSGQ_OP_LINE_SET)
                n = snprintf(buf, size, "OK set=%d", __builtin_popcountll(rep->set_lines));
        else if (rep->op == MSGQ_OP_PING)
                n = snprintf(buf, size, "OK pong pid=%u", rep->daemon_pid);
        else
                n = snprintf(buf, size, "OK");
        if (n < 0)
                return -EINVAL;
        if ((size_t) n >= size)
                return -EMSGSIZE;
        return n;
}
