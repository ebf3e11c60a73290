/* SPDX-License-Identifier: MIT */
/* The daemon's request handlers: one small function per operation. */
#pragma once

#include "daemon.h"
#include "protocol.h"

/*
 * The changes a request made, for the log: kept while the request is
 * served and logged once its reply is sent (request_log_changes()), so
 * that a journal that is behind, whose full socket makes a send wait,
 * never holds back the reply.
 */
enum change_kind {
        CHANGE_SET,    /* on, off: at info only when the level changed */
        CHANGE_TOGGLE,
        CHANGE_LINE_SET,
        CHANGE_BLINK,
};

struct change_log {
        size_t n;
        struct change_entry {
                uint16_t line;
                uint8_t kind; /* enum change_kind */
                bool on;
                int level;
        } entry[MSGQ_LINES_MAX];
};

/*
 * Serve a decoded, valid request and fill rep (status, LED state, figures,
 * error text) and log with what it changed.  Counts it as served at its
 * priority.  Returns whether rep is to be sent now: not for a led-watch
 * that waits for the next change (the LED controller's notify callback
 * answers it).
 */
bool request_handle(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep,
                    struct change_log *log);
/* Log what request_handle() put in log: after the reply is sent. */
void request_log_changes(struct msgqd *d, const struct msgq_request *req, const struct change_log *log);
/* Fill rep as an error answer to a request that could not be decoded (not counted). */
void request_reject(struct msgqd *d, const struct msgq_request *req, uint32_t status,
                    const char *why, struct msgq_reply *rep);
