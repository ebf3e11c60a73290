/* SPDX-License-Identifier: MIT */
/*
 * The bridge's connection to msgqd: a libmsgq handle (msgq.h, the public
 * API only), opened when first needed and again after msgqd made a new
 * queue, and one call per command with what msgqd answered.  A handle is
 * used by the thread that opened it (the worker and the watcher have one
 * each); msgqd_cancel() may come from another thread while the owner
 * cannot open or close it (board.c's watch_handle_lock).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "msgq.h"

#define MSGQD_ERROR_MAX 320u

/* One queue key's handle. */
struct msgqd_conn {
        key_t key;
        struct msgq *h;         /* NULL: not open */
        int msqid;              /* the queue it opened, for the kernel's figures; -1: none */
        unsigned timeout_ms;
};

/* What msgqd answered one call. */
struct msgqd_answer {
        bool answered;          /* msgqd answered (with success or its error) */
        int status;             /* msgqd's status (enum msgq_status), 0: success */
        char error[MSGQD_ERROR_MAX]; /* when !answered or status: what went wrong, in words */
        uint32_t daemon_pid;
        struct msgq_led_state led;
        uint64_t led_time_ns;   /* when msgqd made led (CLOCK_REALTIME), 0: not said */
        struct msgq_stats stats;
        size_t n;               /* line-list, input-list: how many msgqd has; line-events: the events given */
        struct msgq_watch_result watched; /* line-events: what was missed, where to go on */
};

/*
 * What a call asks: the protocol's op (MSGQ_OP_LED_ON .. _BLINK of line,
 * _SEND, _STATS, _LINE_LIST into lines, _LINE_EVENTS of every line into
 * events, _INPUT_LIST into inputs).
 */
struct msgqd_ask {
        uint16_t op;
        uint16_t line;          /* the LED operations: the line's index (0: led) */
        uint32_t arg0, arg1;    /* blink: period, count */
        uint64_t since;         /* line-events: the change number seen */
        struct msgq_line_info *lines;   /* line-list: max of them */
        struct msgq_event *events;      /* line-events: max of them */
        struct msgq_input_info *inputs; /* input-list: max of them */
        size_t max;
        const char *text;       /* send */
        int prio;               /* 1..10 */
        unsigned watch_ms;      /* line-events: how long it waits (the others: the connection's timeout) */
};

void msgqd_init(struct msgqd_conn *c, key_t key, unsigned timeout_ms);
/* Open the handle unless it is open: 0, -ENOENT (no queue: no msgqd), -EACCES, -ENOMEM. */
int msgqd_open(struct msgqd_conn *c);
/*
 * Send ask and wait for its answer (opening the handle first if need be):
 * 0 when msgqd answered (a->status says how), else the negative errno of
 * no answer (-ENOENT no queue, -EIDRM its queue removed, -ETIMEDOUT,
 * -ECANCELED, -EACCES) with a->error in words.  After -ENOENT and -EIDRM
 * the caller closes the handle (msgqd_gone()): the next msgqd makes a new
 * queue.
 */
int msgqd_call(struct msgqd_conn *c, const struct msgqd_ask *ask, struct msgqd_answer *a);
/* Whether msgqd_call()'s r means the queue is gone (close, and open anew later). */
bool msgqd_gone(int r);
/* From another thread, while the owner cannot close the handle: end the call in progress. */
void msgqd_cancel(struct msgqd_conn *c);
void msgqd_close(struct msgqd_conn *c);
