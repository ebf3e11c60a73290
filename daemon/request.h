/* SPDX-License-Identifier: MIT */
/* The daemon's request handlers: one small function per operation. */
#pragma once

#include "daemon.h"
#include "protocol.h"

/*
 * Serve a decoded, valid request and fill rep (status, LED state, figures,
 * error text).  Counts it as served at its priority.  Returns whether rep
 * is to be sent now: not for a led-watch that waits for the next change
 * (the LED controller's notify callback answers it).
 */
bool request_handle(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep);
/* Fill rep as an error answer to a request that could not be decoded (not counted). */
void request_reject(struct msgqd *d, const struct msgq_request *req, uint32_t status,
                    const char *why, struct msgq_reply *rep);
