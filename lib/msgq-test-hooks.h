/* SPDX-License-Identifier: MIT */
/*
 * Test hooks: places in libmsgq where a test can pause a thread, to make
 * a race's window wide enough to hit every time.  They exist only in the
 * test build of the library (lib/meson.build's libmsgq_hooked, built with
 * -DMSGQ_TEST_HOOKS, never installed): the installed libmsgq has none, and
 * exports nothing of them.
 *
 * msgq_test_hook_cancel: msgq_cancel() has seen a call in progress and is
 * about to mark it cancelled.
 */
#pragma once

struct msgq;

#ifdef MSGQ_TEST_HOOKS
extern void (*msgq_test_hook_cancel)(struct msgq *h);
#define MSGQ_TEST_HOOK(name, h)                         \
        do {                                            \
                if (msgq_test_hook_##name)              \
                        msgq_test_hook_##name(h);       \
        } while (0)
#else
#define MSGQ_TEST_HOOK(name, h) do { } while (0)
#endif
