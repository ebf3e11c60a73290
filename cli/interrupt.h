/* SPDX-License-Identifier: MIT */
/*
 * SIGINT (Ctrl-C) and SIGTERM end msgqctl's commands that go on, led watch
 * and ping, cleanly, as they end gpiomon (and ping(8) Ctrl-C): the command
 * stops waiting, finishes its output (ping's summary) and exits with its
 * own code, 0 when all went well, instead of being killed (130, 143).
 *
 * No work in a signal handler: the signals are blocked, and a thread of
 * their own waits for them (sigwait), notes one, and cancels the call in
 * progress with msgq_cancel(), again every 5 ms until the command has
 * taken the news (interrupt_calm()), so that a call that was about to
 * start is cut short too; the call returns -ECANCELED.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct ctl;

/* Open the queue (0 or a negative errno, as ctl_open) and catch SIGINT and SIGTERM. */
int interrupt_catch(struct ctl *ctl);
/* Whether SIGINT or SIGTERM came. */
bool interrupted(void);
/*
 * The command has stopped: calls are no longer cancelled, until another
 * signal comes (which cancels the command's tidy-up).
 */
void interrupt_calm(void);
/* Sleep until when_ns (CLOCK_MONOTONIC) or a signal, whichever comes first. */
void interrupt_sleep_until(uint64_t when_ns);
/* Before the connection closes: nothing is cancelled any more. */
void interrupt_end(void);
