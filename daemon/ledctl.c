/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "ledctl.h"
#include "log.h"

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static void fill_state(const struct ledctl *c, struct msgq_led_state *st) {
        if (!st)
                return;
        st->on = led_get(c->led);
        st->blinking = c->blinking;
        st->period_ms = c->blinking ? c->period_ms : 0;
        st->remaining = c->blinking ? c->remaining : 0;
}

int ledctl_init(struct ledctl *c, struct led *led, void (*wake)(void *), void *userdata) {
        memset(c, 0, sizeof *c);
        c->led = led;
        c->wake = wake;
        c->wake_userdata = userdata;
        return -pthread_mutex_init(&c->lock, NULL);
}

static int on_blink_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct ledctl *c = userdata;

        pthread_mutex_lock(&c->lock);
        if (c->blinking && usec >= c->next_usec) {
                if (led_set(c->led, !led_get(c->led)) < 0)
                        log_warning("blink: cannot drive the LED: %m");
                if (c->remaining > 0 && --c->remaining == 0)
                        c->blinking = false; /* an even number of toggles: ends off */
                c->next_usec += (uint64_t) c->period_ms * 500u;
        }
        pthread_mutex_unlock(&c->lock);
        ledctl_sync(c);
        return 0;
}

int ledctl_attach(struct ledctl *c, sd_event *e) {
        int r = sd_event_add_time(e, &c->timer, CLOCK_MONOTONIC, UINT64_MAX, 1000,
                                  on_blink_timer, c);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
}

void ledctl_sync(struct ledctl *c) {
        bool blinking;
        uint64_t next;

        if (!c->timer)
                return;
        pthread_mutex_lock(&c->lock);
        blinking = c->blinking;
        next = c->next_usec;
        pthread_mutex_unlock(&c->lock);
        if (blinking) {
                sd_event_source_set_time(c->timer, next);
                sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
        } else {
                sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
        }
}

void ledctl_done(struct ledctl *c) {
        pthread_mutex_lock(&c->lock);
        c->blinking = false;
        if (c->led && led_set(c->led, false) < 0)
                log_warning("cannot turn the LED off: %m");
        led_close(c->led);
        c->led = NULL;
        pthread_mutex_unlock(&c->lock);
        c->timer = sd_event_source_disable_unref(c->timer);
        pthread_mutex_destroy(&c->lock);
}

/* Called with the lock held. A direct command ends any blinking. */
static int set_locked(struct ledctl *c, bool on) {
        c->blinking = false;
        return led_set(c->led, on);
}

int ledctl_set(struct ledctl *c, bool on, struct msgq_led_state *st) {
        int r;

        pthread_mutex_lock(&c->lock);
        r = set_locked(c, on);
        fill_state(c, st);
        pthread_mutex_unlock(&c->lock);
        return r;
}

int ledctl_toggle(struct ledctl *c, struct msgq_led_state *st) {
        int r;

        pthread_mutex_lock(&c->lock);
        r = set_locked(c, !led_get(c->led));
        fill_state(c, st);
        pthread_mutex_unlock(&c->lock);
        return r;
}

int ledctl_blink(struct ledctl *c, uint32_t period_ms, uint32_t count, struct msgq_led_state *st) {
        int r;

        if (period_ms < MSGQ_BLINK_PERIOD_MIN_MS || period_ms > MSGQ_BLINK_PERIOD_MAX_MS ||
            count > MSGQ_BLINK_COUNT_MAX)
                return -EINVAL;
        pthread_mutex_lock(&c->lock);
        r = led_set(c->led, true); /* the first toggle: on now */
        if (r >= 0) {
                c->blinking = true;
                c->period_ms = period_ms;
                c->remaining = count ? 2 * count - 1 : 0;
                c->next_usec = now_usec() + (uint64_t) period_ms * 500u;
        } else {
                c->blinking = false;
        }
        fill_state(c, st);
        pthread_mutex_unlock(&c->lock);
        if (r >= 0 && c->wake)
                c->wake(c->wake_userdata);
        return r;
}

void ledctl_state(struct ledctl *c, struct msgq_led_state *st) {
        pthread_mutex_lock(&c->lock);
        fill_state(c, st);
        pthread_mutex_unlock(&c->lock);
}
