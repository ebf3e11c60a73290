/* SPDX-License-Identifier: MIT */
/*
 * The LED as the daemon's threads share it: state under a lock, blinking
 * driven by an sd-event timer in the main loop.  Requests (receiver thread)
 * change the state and, for blink, wake the main loop to re-arm the timer.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "led.h"
#include "protocol.h"

struct ledctl {
        pthread_mutex_t lock;
        struct led *led;
        bool blinking;
        uint32_t period_ms;
        uint32_t remaining;     /* toggles left; 0 while blinking = forever */
        uint64_t next_usec;     /* when the next toggle is due */
        sd_event_source *timer; /* main loop only */
        void (*wake)(void *userdata);
        void *wake_userdata;
};

/* Takes ownership of led. wake (may be NULL) is called when blinking starts. */
int ledctl_init(struct ledctl *c, struct led *led, void (*wake)(void *), void *userdata);
/* Main loop: create the blink timer on e. */
int ledctl_attach(struct ledctl *c, sd_event *e);
/* Main loop: (re)arm or disarm the blink timer to match the state. */
void ledctl_sync(struct ledctl *c);
/* Turn off, stop blinking, release the line. */
void ledctl_done(struct ledctl *c);

int ledctl_set(struct ledctl *c, bool on, struct msgq_led_state *st);
int ledctl_toggle(struct ledctl *c, struct msgq_led_state *st);
/* count = blinks (on/off cycles), 0 = until another LED command. */
int ledctl_blink(struct ledctl *c, uint32_t period_ms, uint32_t count, struct msgq_led_state *st);
void ledctl_state(struct ledctl *c, struct msgq_led_state *st);
