/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "msgqd.h"
#include "protocol.h"
#include "queue.h"

void msgqd_init(struct msgqd_conn *c, key_t key, unsigned timeout_ms) {
        memset(c, 0, sizeof *c);
        c->key = key;
        c->msqid = -1;
        c->timeout_ms = timeout_ms;
}

int msgqd_open(struct msgqd_conn *c) {
        int r;

        if (c->h)
                return 0;
        r = msgq_open(&c->h, c->key);
        if (r < 0)
                return r;
        r = msgq_set_timeout(c->h, c->timeout_ms);
        if (r < 0) {
                msgqd_close(c);
                return r;
        }
        c->msqid = msgq_queue_open(c->key); /* the figures' queue; a call finds out if it is gone */
        return 0;
}

void msgqd_close(struct msgqd_conn *c) {
        msgq_close(c->h);
        c->h = NULL;
        c->msqid = -1;
}

void msgqd_cancel(struct msgqd_conn *c) {
        if (c->h)
                msgq_cancel(c->h);
}

/* A count or a negative errno: the count in a->n, 0 for the count. */
static int counted(int r, struct msgqd_answer *a) {
        if (r < 0)
                return r;
        a->n = (size_t) r;
        return 0;
}

/* The library call for ask->op. */
static int dispatch(struct msgq *h, const struct msgqd_ask *ask, struct msgqd_answer *a) {
        unsigned line = ask->line;

        switch (ask->op) {
        case MSGQ_OP_LED_ON: return msgq_line_on(h, line, &a->led);
        case MSGQ_OP_LED_OFF: return msgq_line_off(h, line, &a->led);
        case MSGQ_OP_LED_TOGGLE: return msgq_line_toggle(h, line, &a->led);
        case MSGQ_OP_LED_STATE: return msgq_line_state(h, line, &a->led);
        case MSGQ_OP_LED_BLINK: return msgq_line_blink(h, line, ask->arg0, ask->arg1, &a->led);
        case MSGQ_OP_LINE_LIST: return counted(msgq_line_list(h, ask->lines, ask->max), a);
        case MSGQ_OP_LINE_EVENTS:
                return counted(msgq_line_events(h, MSGQ_LINE_ALL, ask->since, ask->watch_ms, ask->events,
                                                ask->max, &a->watched), a);
        case MSGQ_OP_INPUT_LIST: return counted(msgq_input_list(h, ask->inputs, ask->max), a);
        case MSGQ_OP_SEND: return msgq_send(h, ask->text ? ask->text : "");
        case MSGQ_OP_STATS: return msgq_get_stats(h, &a->stats, &a->led);
        default: return -EOPNOTSUPP;
        }
}

int msgqd_call(struct msgqd_conn *c, const struct msgqd_ask *ask, struct msgqd_answer *a) {
        int r;

        memset(a, 0, sizeof *a);
        r = msgqd_open(c);
        if (r == 0)
                r = msgq_set_priority(c->h, ask->prio);
        if (r < 0) {
                snprintf(a->error, sizeof a->error, "%s", msgq_strerror(r));
                return r;
        }
        r = dispatch(c->h, ask, a);
        a->status = msgq_daemon_status(c->h);
        a->answered = r == 0 || a->status != MSGQ_OK;
        if (a->answered)
                a->daemon_pid = msgq_daemon_pid(c->h);
        if (r == 0 && msgq_op_has_led(ask->op) && ask->op != MSGQ_OP_STATS)
                msgq_led_time(c->h, &a->led_time_ns, NULL);
        if (r < 0)
                snprintf(a->error, sizeof a->error, "%s", msgq_errmsg(c->h));
        return a->answered ? 0 : r;
}

bool msgqd_gone(int r) {
        return r == -EIDRM || r == -ENOENT;
}
