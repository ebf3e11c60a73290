/* SPDX-License-Identifier: MIT */
/*
 * The shared LED: set, toggle and state under the lock, and blinking on a
 * real sd-event loop with a real timer (no mock clock).  Transitions are
 * counted by looking at the state after every sd_event_run(), which
 * dispatches at most one timer callback, hence at most one toggle.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-event.h>

#include "clock.h"
#include "led-private.h"
#include "lines.h"
#include "log.h"
#include "unit.h"

static struct lines c;
static bool c_done;
static sd_event *e;
static struct wake wake = { .fd = -1 };
static int wakes;
static int marker;

/* An LED that records what is done to it. */
static int rec_sets, rec_closes;
static bool rec_last;

static int rec_set(struct led *l, bool on) {
        (void) l;
        rec_sets++;
        rec_last = on;
        return 0;
}

static void rec_close(struct led *l) {
        (void) l;
        rec_closes++;
}

static const struct led_ops rec_ops = { .set = rec_set, .close = rec_close };

/* How often the controller woke the main loop: the wake's counter, taken. */
static int count_wakes(void) {
        wakes += (int) wake_take(&wake);
        return wakes;
}

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static void init_with(struct led *l) {
        wakes = 0;
        if (wake.fd < 0)
                ck_assert_int_eq(wake_open(&wake), 0);
        (void) wake_take(&wake);
        ck_assert_int_eq(lines_init(&c, l, &wake), 0);
        c_done = false;
        ck_assert_int_eq(sd_event_new(&e), 0);
        ck_assert_int_eq(lines_attach(&c, e), 0);
}

static void setup(void) {
        struct led *l;

        msgq_log_open("check-lines", LOG_WARNING);
        ck_assert_int_eq(led_open_sim(&l, false), 0);
        init_with(l);
}

static void done(void) {
        if (!c_done)
                lines_done(&c);
        c_done = true;
}

static void teardown(void) {
        done();
        e = sd_event_unref(e);
}

static struct msgq_led_state state(void) {
        struct msgq_led_state st;

        memset(&st, 0x5a, sizeof st);
        lines_state(&c, 0, &st);
        return st;
}

/*
 * Run the loop for up to max_ms (until blinking stops, if until_stopped),
 * counting the LED's transitions.
 */
static int run_loop(uint64_t max_ms, bool until_stopped) {
        uint64_t end = now_ms() + max_ms;
        bool last = state().on;
        int transitions = 0;

        while (now_ms() < end) {
                struct msgq_led_state st;

                ck_assert_int_ge(sd_event_run(e, 5000), 0);
                st = state();
                if (st.on != last) {
                        transitions++;
                        last = st.on;
                }
                if (until_stopped && !st.blinking)
                        break;
        }
        return transitions;
}

/* Run until n more transitions happened (or a generous time passed). */
static void run_transitions(int n) {
        uint64_t end = now_ms() + 2000;
        bool last = state().on;
        int seen = 0;

        while (seen < n && now_ms() < end) {
                ck_assert_int_ge(sd_event_run(e, 5000), 0);
                if (state().on != last) {
                        last = !last;
                        seen++;
                }
        }
        ck_assert_int_eq(seen, n);
}

static int timer_enabled(void) {
        int en = -1;

        ck_assert_ptr_nonnull(c.timer);
        ck_assert_int_ge(sd_event_source_get_enabled(c.timer, &en), 0);
        return en;
}

/* When the blink timer fires next, in µs of CLOCK_MONOTONIC. */
static uint64_t timer_time(void) {
        uint64_t usec = 0;

        ck_assert_ptr_nonnull(c.timer);
        ck_assert_int_ge(sd_event_source_get_time(c.timer, &usec), 0);
        return usec;
}

START_TEST(set_toggle_state) {
        struct msgq_led_state st;

        st = state();
        ck_assert_uint_eq(st.on, 0);
        ck_assert_uint_eq(st.blinking, 0);
        ck_assert_uint_eq(st.period_ms, 0);
        ck_assert_uint_eq(st.remaining, 0);

        ck_assert_int_eq(lines_set(&c, 0, true, 0, &st), 1);
        ck_assert_uint_eq(st.on, 1);
        ck_assert_uint_eq(st.blinking, 0);
        ck_assert(led_get(c.line[0].led));
        ck_assert_int_eq(lines_set(&c, 0, true, 0, NULL), 0); /* no state wanted */
        ck_assert_uint_eq(state().on, 1);

        ck_assert_int_eq(lines_toggle(&c, 0, 0, &st), 1);
        ck_assert_uint_eq(st.on, 0);
        ck_assert(!led_get(c.line[0].led));
        ck_assert_int_eq(lines_toggle(&c, 0, 0, &st), 1);
        ck_assert_uint_eq(st.on, 1);
        ck_assert_int_eq(lines_set(&c, 0, false, 0, &st), 1);
        ck_assert_uint_eq(st.on, 0);
        ck_assert_int_eq(lines_set(&c, 0, false, 0, &st), 0);
        ck_assert_uint_eq(st.on, 0);
        ck_assert_uint_eq(state().on, 0);

        /* None of them starts the timer or wakes anybody. */
        ck_assert_int_eq(count_wakes(), 0);
        lines_sync(&c);
        ck_assert_int_eq(timer_enabled(), SD_EVENT_OFF);
}
END_TEST

START_TEST(blink_arguments_checked) {
        struct msgq_led_state st;

        ck_assert_int_eq(lines_blink(&c, 0, MSGQ_BLINK_PERIOD_MIN_MS - 1, 1, 0, &st), -EINVAL);
        ck_assert_int_eq(lines_blink(&c, 0, 0, 0, 0, &st), -EINVAL);
        ck_assert_int_eq(lines_blink(&c, 0, MSGQ_BLINK_PERIOD_MAX_MS + 1, 1, 0, &st), -EINVAL);
        ck_assert_int_eq(lines_blink(&c, 0, 100, MSGQ_BLINK_COUNT_MAX + 1, 0, &st), -EINVAL);
        st = state();
        ck_assert_uint_eq(st.on, 0);
        ck_assert_uint_eq(st.blinking, 0);
        ck_assert_int_eq(count_wakes(), 0);

        ck_assert_int_eq(lines_blink(&c, 0, MSGQ_BLINK_PERIOD_MAX_MS, MSGQ_BLINK_COUNT_MAX, 0, &st), 0);
        ck_assert_uint_eq(st.on, 1);
        ck_assert_uint_eq(st.blinking, 1);
        ck_assert_uint_eq(st.period_ms, MSGQ_BLINK_PERIOD_MAX_MS);
        ck_assert_uint_eq(st.remaining, 2 * MSGQ_BLINK_COUNT_MAX - 1);
        /* Blinking wakes the main loop. */
        ck_assert_int_eq(count_wakes(), 1);
}
END_TEST

START_TEST(blink_count_ends_off) {
        static const uint32_t counts[] = { 1, 3 };

        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
                uint32_t n = counts[i];
                struct msgq_led_state st;
                uint64_t start = now_ms();
                int transitions;

                ck_assert_uint_eq(state().on, 0);
                ck_assert_int_eq(lines_blink(&c, 0, 20, n, 0, &st), 0);
                ck_assert_uint_eq(st.on, 1);
                ck_assert_uint_eq(st.blinking, 1);
                ck_assert_uint_eq(st.period_ms, 20);
                ck_assert_uint_eq(st.remaining, 2 * n - 1);
                lines_sync(&c);
                ck_assert_int_eq(timer_enabled(), SD_EVENT_ONESHOT);

                /* Off to on at once, then 2N - 1 more, every 10 ms. */
                transitions = 1 + run_loop(3000, true);
                st = state();
                ck_assert_uint_eq(st.blinking, 0);
                ck_assert_int_eq(transitions, (int) (2 * n));
                ck_assert_uint_eq(st.on, 0);
                ck_assert_uint_eq(st.remaining, 0);
                ck_assert_uint_eq(st.period_ms, 0);
                ck_assert_uint_ge(now_ms() - start, (2 * n - 1) * 10 - 1);
                ck_assert_int_eq(timer_enabled(), SD_EVENT_OFF);

                /* And it stays off. */
                ck_assert_int_eq(run_loop(60, false), 0);
                ck_assert_uint_eq(state().on, 0);
        }
}
END_TEST

/* What the notify callback was handed. */
static size_t notified_calls, notified_n;
static struct lines_watcher notified_w[LINES_WATCHERS_MAX];
static struct msgq_led_state notified_st;

static void on_notify(void *userdata, const struct lines_watcher *w, size_t n, const struct msgq_led_state *st) {
        ck_assert_ptr_eq(userdata, &marker);
        notified_calls++;
        notified_n = n;
        memcpy(notified_w, w, n * sizeof *w);
        notified_st = *st;
}

static struct lines_watcher watcher(uint32_t pid) {
        return (struct lines_watcher) { .pid = pid, .token = 1000u + pid, .deadline_ns = UINT64_MAX, .prio = 5 };
}

/*
 * Changes are counted (a set to the same state is none); a watch of the
 * current number waits and is handed over, with the new state, by the next
 * change; one of an older number is answered at once; one per pid waits.
 */
START_TEST(watch_and_changes) {
        struct msgq_led_state st;
        struct lines_watcher w1 = watcher(11), w2 = watcher(22);

        notified_calls = 0;
        lines_set_notify(&c, on_notify, &marker);
        ck_assert_uint_eq(state().changes, 0);
        ck_assert_int_eq(lines_set(&c, 0, false, 0, &st), 0);
        ck_assert_uint_eq(st.changes, 0);

        ck_assert_int_eq(lines_watch(&c, 0, &w1, 0, &st), 1);
        ck_assert_int_eq(lines_watch(&c, 0, &w1, 0, &st), 1); /* replaces its first */
        ck_assert_int_eq(lines_watch(&c, 0, &w2, 0, &st), 1);
        ck_assert_uint_eq(notified_calls, 0);
        ck_assert_int_eq(lines_set(&c, 0, true, 0, &st), 1);
        ck_assert_uint_eq(st.changes, 1);
        ck_assert_uint_eq(notified_calls, 1);
        ck_assert_uint_eq(notified_n, 2);
        ck_assert_uint_eq(notified_w[0].token, w1.token);
        ck_assert_uint_eq(notified_w[1].token, w2.token);
        ck_assert_uint_eq(notified_st.on, 1);
        ck_assert_uint_eq(notified_st.changes, 1);

        /* Nobody waits now; an old number is answered at once. */
        ck_assert_int_eq(lines_set(&c, 0, false, 0, &st), 1);
        ck_assert_uint_eq(notified_calls, 1);
        memset(&st, 0, sizeof st);
        ck_assert_int_eq(lines_watch(&c, 1, &w1, 0, &st), 0);
        ck_assert_uint_eq(st.changes, 2);
        ck_assert_uint_eq(st.on, 0);

        /* A blink is a change, and so is its end, made by the timer. */
        ck_assert_int_eq(lines_watch(&c, 2, &w1, 0, &st), 1);
        ck_assert_int_eq(lines_blink(&c, 0, 20, 1, 0, &st), 0);
        ck_assert_uint_eq(notified_calls, 2);
        ck_assert_uint_eq(notified_st.blinking, 1);
        ck_assert_uint_eq(notified_st.changes, 3);
        ck_assert_int_eq(lines_watch(&c, 3, &w1, 0, &st), 1);
        lines_sync(&c);
        run_loop(3000, true);
        ck_assert_uint_eq(notified_calls, 3);
        ck_assert_uint_eq(notified_st.blinking, 0);
        ck_assert_uint_eq(notified_st.on, 0);
        ck_assert_uint_eq(notified_st.changes, 4);
}
END_TEST

/* A withdrawn watch is not answered; the others are; a pid with none withdraws nothing. */
START_TEST(watch_withdrawn) {
        struct msgq_led_state st;
        struct lines_watcher w1 = watcher(11), w2 = watcher(22), w3 = watcher(33);

        notified_calls = 0;
        lines_set_notify(&c, on_notify, &marker);
        ck_assert_int_eq(lines_watch(&c, 0, &w1, 0, &st), 1);
        ck_assert_int_eq(lines_watch(&c, 0, &w2, 0, &st), 1);
        ck_assert_int_eq(lines_watch(&c, 0, &w3, 0, &st), 1);
        lines_unwatch(&c, 22);
        lines_unwatch(&c, 44);
        ck_assert_int_eq(lines_set(&c, 0, true, 0, &st), 1);
        ck_assert_uint_eq(notified_calls, 1);
        ck_assert_uint_eq(notified_n, 2);
        ck_assert_uint_eq(notified_w[0].token, w1.token);
        ck_assert_uint_eq(notified_w[1].token, w3.token);
        lines_unwatch(&c, 11); /* answered already: nothing to withdraw */
        ck_assert_int_eq(lines_set(&c, 0, false, 0, &st), 1);
        ck_assert_uint_eq(notified_calls, 1);
}
END_TEST

/*
 * A watcher behind by a few changes is told of each in turn, from the
 * history; one too far behind (or with a number from another msgqd) gets
 * the current state.
 */
START_TEST(watch_history) {
        struct msgq_led_state st;
        struct lines_watcher w = watcher(33);

        ck_assert_int_eq(lines_set(&c, 0, true, 0, &st), 1);  /* change 1: on */
        ck_assert_int_eq(lines_set(&c, 0, false, 0, &st), 1); /* 2: off */
        ck_assert_int_eq(lines_blink(&c, 0, 40, 0, 0, &st), 0); /* 3: blinking */
        ck_assert_uint_eq(st.changes, 3);
        for (uint64_t seen = 0; seen < 3; seen++) {
                memset(&st, 0xff, sizeof st);
                ck_assert_int_eq(lines_watch(&c, seen, &w, 0, &st), 0);
                ck_assert_uint_eq(st.changes, seen + 1);
                ck_assert_uint_eq(st.on, seen != 1);
                ck_assert_uint_eq(st.blinking, seen == 2);
                ck_assert_uint_eq(st.period_ms, seen == 2 ? 40 : 0);
        }
        ck_assert_int_eq(lines_watch(&c, 3, &w, 0, &st), 1);

        /* LINES_HISTORY + 4 more: 3 + LINES_HISTORY + 4 in all, of which 8 to the last are kept. */
        for (int i = 0; i < LINES_HISTORY + 4; i++)
                ck_assert_int_eq(lines_toggle(&c, 0, 0, &st), 1);
        ck_assert_uint_eq(st.changes, LINES_HISTORY + 7);
        ck_assert_uint_eq(LINES_HISTORY, 1024);
        ck_assert_int_eq(lines_watch(&c, 7, &w, 0, &st), 0);
        ck_assert_uint_eq(st.changes, 8);
        ck_assert_int_eq(lines_watch(&c, 6, &w, 0, &st), 0);
        ck_assert_uint_eq(st.changes, LINES_HISTORY + 7); /* 7 is gone: the current state */
        ck_assert_int_eq(lines_watch(&c, LINES_HISTORY + 6, &w, 0, &st), 0);
        ck_assert_uint_eq(st.changes, LINES_HISTORY + 7);
        ck_assert_int_eq(lines_watch(&c, 5000, &w, 0, &st), 0);
        ck_assert_uint_eq(st.changes, LINES_HISTORY + 7);
        ck_assert_uint_eq(st.on, 1); /* on from the blink, then an even number of toggles */
}
END_TEST

/* n children that wait until killed: clients msgqd can see alive. */
static void spawn_waiting(pid_t *pids, size_t n) {
        for (size_t i = 0; i < n; i++) {
                pids[i] = fork();
                ck_assert_int_ge(pids[i], 0);
                if (pids[i] == 0) {
                        prctl(PR_SET_PDEATHSIG, SIGKILL);
                        for (;;)
                                pause();
                }
        }
}

static void kill_all(const pid_t *pids, size_t n) {
        for (size_t i = 0; i < n; i++) {
                kill(pids[i], SIGKILL);
                waitpid(pids[i], NULL, 0);
        }
}

/*
 * At most LINES_WATCHERS_MAX live clients wait; those past their deadline
 * make room; when none has passed it, the oldest place goes to the newest
 * watch (never refused), and the one after takes the next oldest.
 */
START_TEST(watchers_bounded) {
        pid_t pids[LINES_WATCHERS_MAX];
        struct msgq_led_state st;
        struct lines_watcher w, late;

        spawn_waiting(pids, LINES_WATCHERS_MAX);
        for (size_t i = 0; i < LINES_WATCHERS_MAX; i++) {
                w = watcher((uint32_t) pids[i]);
                w.deadline_ns = 1000;
                ck_assert_int_eq(lines_watch(&c, 0, &w, 0, &st), 1);
        }
        w = watcher((uint32_t) getpid());
        ck_assert_int_eq(lines_watch(&c, 0, &w, 999, &st), 1);
        ck_assert_uint_eq(c.nwatchers, LINES_WATCHERS_MAX);
        ck_assert_uint_eq(c.watchers[0].pid, (uint32_t) pids[1]); /* the oldest went */
        ck_assert_uint_eq(c.watchers[LINES_WATCHERS_MAX - 1].pid, (uint32_t) getpid());
        late = watcher(1); /* PID 1 is always there */
        ck_assert_int_eq(lines_watch(&c, 0, &late, 999, &st), 1);
        ck_assert_uint_eq(c.watchers[0].pid, (uint32_t) pids[2]);
        ck_assert_int_eq(lines_watch(&c, 0, &w, 1000, &st), 1); /* the others' deadline passed */
        ck_assert_uint_eq(c.nwatchers, 2);
        kill_all(pids, LINES_WATCHERS_MAX);
}
END_TEST

/*
 * A watch holds its place at most LINES_WATCH_HOLD_NS, however far away
 * the deadline it claims (a forged one, an hour away): then it makes room,
 * and a change after that is not handed to it.
 */
START_TEST(watch_hold_bounded) {
        struct msgq_led_state st;
        struct lines_watcher w = watcher(1), mine = watcher((uint32_t) getpid());
        const uint64_t t0 = 5000000000ull;

        notified_calls = 0;
        lines_set_notify(&c, on_notify, &marker);
        w.deadline_ns = t0 + 3600ull * 1000000000ull;
        ck_assert_int_eq(lines_watch(&c, 0, &w, t0, &st), 1);
        ck_assert_uint_eq(c.watchers[0].deadline_ns, t0 + LINES_WATCH_HOLD_NS);
        ck_assert_int_eq(lines_watch(&c, 0, &mine, t0 + LINES_WATCH_HOLD_NS, &st), 1);
        ck_assert_uint_eq(c.nwatchers, 1);
        ck_assert_uint_eq(c.watchers[0].pid, (uint32_t) getpid());
        ck_assert_int_eq(lines_set(&c, 0, true, 0, &st), 1);
        ck_assert_uint_eq(notified_calls, 1);
        ck_assert_uint_eq(notified_n, 1);
        ck_assert_uint_eq(notified_w[0].pid, (uint32_t) getpid());
}
END_TEST

/* When all places are taken, those of clients that are gone are freed at once. */
START_TEST(watchers_gone_make_room) {
        pid_t pids[LINES_WATCHERS_MAX];
        struct msgq_led_state st;
        struct lines_watcher w;

        spawn_waiting(pids, LINES_WATCHERS_MAX);
        for (size_t i = 0; i < LINES_WATCHERS_MAX; i++) {
                w = watcher((uint32_t) pids[i]);
                ck_assert_int_eq(lines_watch(&c, 0, &w, 0, &st), 1);
        }
        kill_all(pids, 2);
        w = watcher((uint32_t) getpid());
        ck_assert_int_eq(lines_watch(&c, 0, &w, 0, &st), 1);
        ck_assert_uint_eq(c.nwatchers, LINES_WATCHERS_MAX - 1);
        kill_all(pids + 2, LINES_WATCHERS_MAX - 2);
}
END_TEST

/*
 * Each change carries the time it was made, on the wall clock and the
 * monotonic one; a request that changes nothing gets the time of the state
 * it finds; the history keeps each change's own time; a watcher is handed
 * the change with its time, and its request's flags.
 */
START_TEST(changes_have_their_time) {
        struct msgq_led_state st, first, second;
        struct lines_watcher w = watcher(44);
        uint64_t w0 = msgq_wall_ns(), m0 = msgq_now_ns(), w1, m1, t1, mono1, t2, mono2, t, mono;

        notified_calls = 0;
        lines_set_notify(&c, on_notify, &marker);
        ck_assert_int_eq(lines_set(&c, 0, true, 0, &first), 1);
        w1 = msgq_wall_ns();
        m1 = msgq_now_ns();
        lines_time_of(&c, first.changes, &t1, &mono1);
        ck_assert_uint_ge(t1, w0);
        ck_assert_uint_le(t1, w1);
        ck_assert_uint_ge(mono1, m0);
        ck_assert_uint_le(mono1, m1);
        nanosleep(&(struct timespec) { .tv_nsec = 2000000 }, NULL);
        ck_assert_int_eq(lines_set(&c, 0, true, 0, &st), 0); /* no change: the time of the state it finds */
        ck_assert_uint_eq(st.changes, first.changes);
        w.flags = MSGQ_REQ_TIME;
        ck_assert_int_eq(lines_watch(&c, first.changes, &w, 0, &st), 1);
        ck_assert_int_eq(lines_set(&c, 0, false, 0, &second), 1);
        lines_time_of(&c, second.changes, &t2, &mono2);
        ck_assert_uint_ge(mono2, mono1 + 2000000);
        ck_assert_uint_ge(t2, t1);
        ck_assert_uint_eq(notified_calls, 1);
        ck_assert_uint_eq(notified_w[0].flags, MSGQ_REQ_TIME);
        ck_assert_uint_eq(notified_st.changes, second.changes);
        /* The first change's own time, while it is kept; none once it is not. */
        lines_time_of(&c, first.changes, &t, &mono);
        ck_assert_uint_eq(t, t1);
        ck_assert_uint_eq(mono, mono1);
        for (int i = 0; i < LINES_HISTORY; i++)
                ck_assert_int_eq(lines_toggle(&c, 0, 0, &st), 1);
        lines_time_of(&c, first.changes, &t, &mono);
        ck_assert_uint_eq(t, 0);
        ck_assert_uint_eq(mono, 0);
}
END_TEST

START_TEST(blink_from_on_ends_off) {
        struct msgq_led_state st;
        int transitions;

        ck_assert_int_eq(lines_set(&c, 0, true, 0, NULL), 1);
        ck_assert_int_eq(lines_blink(&c, 0, 20, 2, 0, &st), 0);
        ck_assert_uint_eq(st.on, 1);
        ck_assert_uint_eq(st.remaining, 3);
        lines_sync(&c);
        transitions = run_loop(3000, true);
        ck_assert_int_eq(transitions, 3); /* on already: off, on, off */
        ck_assert_uint_eq(state().on, 0);
        ck_assert_uint_eq(state().blinking, 0);
}
END_TEST

START_TEST(blink_forever_keeps_going) {
        struct msgq_led_state st;
        uint64_t start = now_ms(), elapsed;
        int transitions;

        ck_assert_int_eq(lines_blink(&c, 0, 20, 0, 0, &st), 0);
        ck_assert_uint_eq(st.remaining, 0);
        lines_sync(&c);
        /* Twenty toggles (however long a busy machine takes), never more than one per 10 ms. */
        transitions = 20;
        run_transitions(transitions);
        elapsed = now_ms() - start;
        st = state();
        ck_assert_uint_eq(st.blinking, 1);
        ck_assert_uint_eq(st.remaining, 0);
        ck_assert_uint_eq(st.period_ms, 20);
        ck_assert_uint_ge(elapsed, (uint64_t) transitions * 10 - 1);
        ck_assert_int_eq(timer_enabled(), SD_EVENT_ONESHOT);
}
END_TEST

START_TEST(set_during_blink_cancels) {
        struct msgq_led_state st;

        ck_assert_int_eq(lines_blink(&c, 0, 20, 0, 0, &st), 0);
        lines_sync(&c);
        run_transitions(3);
        ck_assert_uint_eq(state().blinking, 1);

        ck_assert_int_eq(lines_set(&c, 0, false, 0, &st), 1);
        ck_assert_uint_eq(st.on, 0);
        ck_assert_uint_eq(st.blinking, 0);
        ck_assert_uint_eq(st.period_ms, 0);
        ck_assert_uint_eq(st.remaining, 0);

        /* The timer may fire once more, but toggles nothing and stops. */
        ck_assert_int_eq(run_loop(100, false), 0);
        ck_assert_uint_eq(state().on, 0);
        ck_assert_int_eq(timer_enabled(), SD_EVENT_OFF);

        /* The same with the LED left on. */
        ck_assert_int_eq(lines_blink(&c, 0, 20, 50, 0, &st), 0);
        lines_sync(&c);
        run_transitions(2);
        ck_assert_int_eq(lines_set(&c, 0, true, 0, &st), 1);
        ck_assert_uint_eq(st.blinking, 0);
        ck_assert_int_eq(run_loop(100, false), 0);
        ck_assert_uint_eq(state().on, 1);
        ck_assert_int_eq(timer_enabled(), SD_EVENT_OFF);
}
END_TEST

START_TEST(toggle_during_blink_cancels) {
        struct msgq_led_state st;
        bool before;

        ck_assert_int_eq(lines_blink(&c, 0, 20, 0, 0, &st), 0);
        lines_sync(&c);
        run_transitions(2);
        before = state().on;
        ck_assert_int_eq(lines_toggle(&c, 0, 0, &st), 1);
        ck_assert_uint_eq(st.on, !before);
        ck_assert_uint_eq(st.blinking, 0);
        ck_assert_int_eq(run_loop(100, false), 0);
        ck_assert_uint_eq(state().on, !before);
}
END_TEST

START_TEST(blink_again_replaces) {
        struct msgq_led_state st;
        int transitions;

        ck_assert_int_eq(lines_blink(&c, 0, 2000, 100, 0, &st), 0);
        lines_sync(&c);
        ck_assert_int_eq(lines_blink(&c, 0, 20, 1, 0, &st), 0);
        ck_assert_uint_eq(st.period_ms, 20);
        ck_assert_uint_eq(st.remaining, 1);
        ck_assert_int_eq(count_wakes(), 2);
        lines_sync(&c);
        transitions = run_loop(3000, true);
        ck_assert_int_eq(transitions, 1); /* was on: one toggle, off */
        ck_assert_uint_eq(state().on, 0);
        ck_assert_uint_eq(state().blinking, 0);
}
END_TEST

START_TEST(sync_without_timer) {
        struct lines bare;
        struct led *l;
        struct msgq_led_state st;

        ck_assert_int_eq(led_open_sim(&l, false), 0);
        ck_assert_int_eq(lines_init(&bare, l, NULL), 0);
        ck_assert_int_eq(lines_blink(&bare, 0, 20, 2, 0, &st), 0); /* no wake: fine */
        lines_sync(&bare);                                     /* no timer: nothing to do */
        lines_state(&bare, 0, &st);
        ck_assert_uint_eq(st.blinking, 1);
        ck_assert_uint_eq(st.on, 1);
        lines_done(&bare);
        ck_assert_ptr_null(bare.line[0].led);
}
END_TEST

START_TEST(done_turns_off_and_releases) {
        struct led *l = led_new(false, false);
        struct msgq_led_state st;
        int sets;

        /* Replace the fixture's LED with one that records. */
        done();
        e = sd_event_unref(e);
        ck_assert_ptr_nonnull(l);
        l->ops = &rec_ops;
        rec_sets = rec_closes = 0;
        init_with(l);

        ck_assert_int_eq(lines_blink(&c, 0, 20, 0, 0, &st), 0);
        ck_assert(rec_last);
        lines_sync(&c);
        run_transitions(3);
        ck_assert_uint_eq(state().on, 0); /* on, off, on, off */
        ck_assert_int_eq(lines_set(&c, 0, true, 0, NULL), 1);
        ck_assert(rec_last);

        sets = rec_sets;
        done();
        ck_assert_int_eq(rec_sets, sets + 1); /* the line was driven off, once */
        ck_assert(!rec_last);
        ck_assert_int_eq(rec_closes, 1);      /* and released */
        ck_assert_ptr_null(c.line[0].led);
        ck_assert_ptr_null(c.timer);
        ck_assert(!c.line[0].blinking);

        /* No timer is left to toggle a LED that is gone. */
        sets = rec_sets;
        for (int i = 0; i < 10; i++)
                ck_assert_int_ge(sd_event_run(e, 5000), 0);
        ck_assert_int_eq(rec_sets, sets);
}
END_TEST

/* Off already at the stop: the line is not driven again (MSGQD_SIM_DELAY_MS waited twice). */
START_TEST(done_off_drives_nothing) {
        struct led *l = led_new(false, false);

        done();
        e = sd_event_unref(e);
        ck_assert_ptr_nonnull(l);
        l->ops = &rec_ops;
        rec_sets = rec_closes = 0;
        init_with(l);
        ck_assert_int_eq(lines_set(&c, 0, true, 0, NULL), 1);
        ck_assert_int_eq(lines_set(&c, 0, false, 0, NULL), 1);
        ck_assert_int_eq(rec_sets, 2);
        done();
        ck_assert_int_eq(rec_sets, 2);
        ck_assert(!rec_last);
        ck_assert_int_eq(rec_closes, 1);
}
END_TEST

START_TEST(done_while_blinking) {
        struct led *l = led_new(false, false);
        struct msgq_led_state st;

        done();
        e = sd_event_unref(e);
        ck_assert_ptr_nonnull(l);
        l->ops = &rec_ops;
        rec_sets = rec_closes = 0;
        init_with(l);

        ck_assert_int_eq(lines_blink(&c, 0, 20, 0, 0, &st), 0);
        lines_sync(&c);
        run_transitions(1);
        ck_assert_uint_eq(state().on, 0);
        run_transitions(1);
        ck_assert_uint_eq(state().on, 1);
        done();
        ck_assert(!rec_last);
        ck_assert_int_eq(rec_closes, 1);
        ck_assert_ptr_null(c.timer);
}
END_TEST

/* ---- the state kept across a restart ---- */

static char state_dir[256], state_file[320];

/* A file of the fixture's one line, "led" on GPIO17, in state l, at change number changes. */
static struct ledstate_file led_file(struct ledstate_line l, uint64_t changes) {
        struct ledstate_file f = { .version = LEDSTATE_FILE_VERSION, .changes = changes, .n = 1, .line = { l } };

        snprintf(f.line[0].name, sizeof f.line[0].name, "led");
        snprintf(f.line[0].gpio, sizeof f.line[0].gpio, "GPIO17");
        return f;
}

/*
 * The fixture's LED replaced by a recording one at on, and s's other lines
 * added (simulated, each at its on), restored from s, kept in state_file.
 */
static void restore_recorded(const struct ledstate_file *s, bool keep_at_stop) {
        struct led *l = led_new(false, s->line[0].on), *sim;

        done();
        e = sd_event_unref(e);
        ck_assert_ptr_nonnull(l);
        l->ops = &rec_ops;
        rec_sets = rec_closes = 0;
        init_with(l);
        for (size_t i = 1; i < s->n; i++) {
                ck_assert_int_eq(led_open_sim(&sim, s->line[i].on), 0);
                ck_assert_int_eq(lines_add(&c, sim, s->line[i].name, 0), 0);
        }
        if (!state_dir[0]) { /* else the test's directory, once more */
                snprintf(state_dir, sizeof state_dir, "%s/check-lines-XXXXXX",
                         getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
                ck_assert_ptr_nonnull(mkdtemp(state_dir));
        }
        snprintf(state_file, sizeof state_file, "%s/led.0x00000001", state_dir);
        ck_assert_int_eq(lines_restore(&c, s, state_file, keep_at_stop), 0);
}

/* After done(), which may write it once more. */
static void remove_state(void) {
        done();
        unlink(state_file);
        rmdir(state_dir);
        state_dir[0] = '\0';
}

static struct ledstate_file whole_file(void) {
        struct ledstate_file f;

        ck_assert_int_eq(ledstate_file_load(state_file, &f), 0);
        return f;
}

/* Line 0 as the file keeps it. */
static struct ledstate_line file_state(void) {
        return whole_file().line[0];
}

static uint64_t file_changes(void) {
        return whole_file().changes;
}

START_TEST(restore_takes_up_the_state) {
        struct ledstate_file s = led_file((struct ledstate_line) { .on = true }, 40);
        struct lines_watcher w = { .pid = 1, .deadline_ns = UINT64_MAX };
        struct msgq_led_state st;

        restore_recorded(&s, false);
        ck_assert_int_eq(rec_sets, 0);          /* opened at on: nothing driven */
        st = state();
        ck_assert(st.on && !st.blinking);
        ck_assert_uint_eq(st.changes, 40);
        /* Written once at the start, as it is. */
        ck_assert(file_state().on);
        ck_assert_uint_eq(file_changes(), 40);
        /* A watcher of the msgqd before, at 40: nothing new. */
        ck_assert_int_eq(lines_watch(&c, 40, &w, 0, &st), 1);
        ck_assert_int_eq(lines_set(&c, 0, false, 0, NULL), 1);
        /* At 40: told of 41.  At 38: 39 is no change of this msgqd: the state now. */
        ck_assert_int_eq(lines_watch(&c, 40, &w, 0, &st), 0);
        ck_assert(!st.on && st.changes == 41);
        memset(&st, 0x5a, sizeof st);
        ck_assert_int_eq(lines_watch(&c, 38, &w, 0, &st), 0);
        ck_assert(!st.on && st.changes == 41);
        remove_state();
}
END_TEST

START_TEST(restore_a_blink) {
        struct ledstate_file s = led_file((struct ledstate_line) { .on = true, .blinking = true, .period_ms = 40,
                                                                   .remaining = 3,
                                                                   .next_toggle_us = ledstate_now_us() + 20000 }, 7);
        struct msgq_led_state st;

        restore_recorded(&s, false);
        st = state();
        ck_assert(st.on && st.blinking && st.period_ms == 40 && st.remaining == 3);
        lines_sync(&c);                        /* arms the timer */
        ck_assert_int_eq(run_loop(2000, true), 3); /* off, on, off: the blinks left */
        st = state();
        ck_assert(!st.on && !st.blinking && st.changes == 8);
        /* The end of the blink is written by the loop, not later. */
        ck_assert(!file_state().on && !file_state().blinking);
        ck_assert_uint_eq(file_changes(), 8);
        remove_state();
}
END_TEST

/*
 * A toggle already past when restored (the line's open waited): no burst of
 * the ones missed.  The timer says when the next comes: half a period after
 * the restore, and the one after it half a period later (a busy machine
 * delays the toggles, not the times they are due).
 */
START_TEST(restore_a_blink_late) {
        struct ledstate_file s = led_file((struct ledstate_line) { .on = true, .blinking = true, .period_ms = 400,
                                                                   .next_toggle_us = ledstate_now_us() - 5000000 }, 7);
        uint64_t before = now_ms() * 1000u, after, next;

        restore_recorded(&s, false);
        lines_sync(&c);
        after = (now_ms() + 1) * 1000u;
        next = timer_time();
        ck_assert_uint_ge(next, before + 200000u);
        ck_assert_uint_le(next, after + 200000u);
        run_transitions(1);
        ck_assert(!state().on);
        ck_assert_uint_eq(timer_time(), next + 200000u);
        remove_state();
}
END_TEST

/*
 * The thread that changes the state writes it before it returns (so before
 * any reply), and wakes nobody: the flush is the flush thread's, not the
 * main loop's; a request that changes nothing writes nothing either.
 */
START_TEST(saved_before_return_only_on_change) {
        struct ledstate_file s = led_file((struct ledstate_line) { .on = false }, 3);
        struct msgq_led_state st;

        restore_recorded(&s, false);
        ck_assert_int_eq(unlink(state_file), 0);
        count_wakes();
        wakes = 0;
        ck_assert_int_eq(lines_set(&c, 0, false, 0, &st), 0);        /* no change */
        ck_assert_int_eq(lines_watch(&c, 0, &(struct lines_watcher) { .pid = 2 }, 0, &st), 0);
        lines_state(&c, 0, &st);
        ck_assert_int_eq(count_wakes(), 0);
        lines_sync(&c);
        ck_assert_int_eq(access(state_file, F_OK), -1);         /* nothing written */

        ck_assert_int_eq(lines_set(&c, 0, true, 0, &st), 1);
        ck_assert(file_state().on);                             /* by the request, no loop run */
        ck_assert_uint_eq(file_changes(), 4);
        ck_assert_int_eq(count_wakes(), 0);                     /* not the main loop's to flush */
        ck_assert_int_eq(lines_toggle(&c, 0, 0, &st), 1);
        ck_assert(!file_state().on);
        ck_assert_int_eq(lines_blink(&c, 0, 1000, 2, 0, &st), 0);
        ck_assert(file_state().on && file_state().blinking);
        ck_assert_uint_eq(file_state().remaining, 3);
        ck_assert_uint_eq(file_changes(), 6);
        lines_sync(&c);                                        /* writes nothing */
        ck_assert_int_eq(unlink(state_file), 0);
        lines_sync(&c);
        ck_assert_int_eq(access(state_file, F_OK), -1);
        remove_state();
}
END_TEST

/*
 * The flush thread flushes what a burst of changes wrote, one flush for
 * all written since the last began, at most one every
 * LINES_FLUSH_INTERVAL_MS; lines_done() ends it once what was written is
 * flushed.  Without it, lines_done() flushes.
 */
START_TEST(flushed_by_the_flush_thread) {
        struct ledstate_file s = led_file((struct ledstate_line) { .on = false }, 3);
        struct msgq_led_state st;
        uint64_t begun, took_ms;
        const int n = 2000;

        restore_recorded(&s, false);
        ck_assert_uint_eq(lines_flushes(&c), 0);                /* the start's write is flushed already */
        ck_assert_int_eq(lines_flush_start(&c), 0);
        ck_assert_int_eq(lines_set(&c, 0, true, 0, &st), 1);
        for (uint64_t end = now_ms() + 5000; lines_flushes(&c) == 0; usleep(1000))
                ck_assert_msg(now_ms() < end, "a change never flushed");
        ck_assert_int_eq(count_wakes(), 0);
        begun = now_ms();
        for (int i = 0; i < n; i++)
                ck_assert_int_eq(lines_toggle(&c, 0, 0, &st), 1);
        done();                                                 /* the flush thread ends after its flush */
        took_ms = now_ms() - begun;
        ck_assert(!c.unflushed && !c.flusher_running);
        ck_assert_uint_ge(c.flushes, 2);                        /* the burst's, once at least */
        /* Flushes begin LINES_FLUSH_INTERVAL_MS apart at least: the first change's, and the burst's. */
        ck_assert_msg(c.flushes <= 2 + took_ms / LINES_FLUSH_INTERVAL_MS,
                      "%d changes in %" PRIu64 " ms: %" PRIu64 " flushes", n, took_ms, c.flushes);
        ck_assert_uint_eq(file_changes(), 4 + (uint64_t) n);
        remove_state();

        restore_recorded(&s, false);                            /* no flush thread */
        ck_assert_int_eq(lines_set(&c, 0, true, 0, &st), 1);
        ck_assert_uint_eq(lines_flushes(&c), 0);
        done();
        ck_assert_uint_eq(c.flushes, 1);
        remove_state();
}
END_TEST

/* A watcher hears of a change only once the file holds it. */
static struct ledstate_file notified_file;
static int notified;

static void notify_reads_file(void *userdata, const struct lines_watcher *w, size_t n,
                              const struct msgq_led_state *st) {
        (void) userdata;
        (void) w;
        (void) st;
        notified += (int) n;
        ck_assert_int_eq(ledstate_file_load(state_file, &notified_file), 0);
}

START_TEST(saved_before_watchers_hear) {
        struct ledstate_file s = led_file((struct ledstate_line) { .on = false }, 9);
        struct lines_watcher w = { .pid = 1, .deadline_ns = UINT64_MAX };
        struct msgq_led_state st;

        restore_recorded(&s, false);
        lines_set_notify(&c, notify_reads_file, NULL);
        notified = 0;
        ck_assert_int_eq(lines_watch(&c, 9, &w, 0, &st), 1);
        ck_assert_int_eq(lines_set(&c, 0, true, 0, &st), 1);
        ck_assert_int_eq(notified, 1);
        ck_assert(notified_file.line[0].on);
        ck_assert_uint_eq(notified_file.changes, 10);
        /* The end of a blink, in the main loop. */
        ck_assert_int_eq(lines_watch(&c, 10, &w, 0, &st), 1);
        ck_assert_int_eq(lines_blink(&c, 0, 40, 1, 0, &st), 0);      /* change 11: its watcher heard */
        ck_assert_int_eq(lines_watch(&c, 11, &w, 0, &st), 1);
        lines_sync(&c);
        run_loop(2000, true);
        ck_assert_int_eq(notified, 3);
        ck_assert(!notified_file.line[0].on && !notified_file.line[0].blinking);
        ck_assert_uint_eq(notified_file.changes, 12);
        lines_set_notify(&c, NULL, NULL);
        remove_state();
}
END_TEST

/*
 * A write that fails (here: a new file is due, the one written at the start
 * replaced by a version-2 file, and the temporary's name is taken by a
 * directory) leaves no earlier state for a start to restore: the file is
 * removed, and the warning says what a restart finds.  A file that holds
 * the state as it is (the write at the start) is kept.  (A write over a
 * slot that fails: check-faults, full-disk-in-place.)
 */
START_TEST(failed_write_forgets_the_earlier_state) {
        struct ledstate_file s = led_file((struct ledstate_line) { .on = true }, 20);
        char tmp[340], v2[LEDSTATE_SLOT_MAX] = "msgqd-led-state 2\n";
        FILE *f;
        int n;

        restore_recorded(&s, false);
        n = ledstate_body_format(&s, v2 + strlen(v2), sizeof v2 - strlen(v2));
        ck_assert_int_gt(n, 0);
        f = fopen(state_file, "w");
        ck_assert_ptr_nonnull(f);
        fputs(v2, f);
        ck_assert_int_eq(fclose(f), 0);
        snprintf(tmp, sizeof tmp, "%s.tmp", state_file);
        ck_assert_int_eq(mkdir(tmp, 0755), 0);
        ck_assert_int_eq(lines_set(&c, 0, false, 0, NULL), 1);       /* answered: the LED did change */
        ck_assert(!state().on);
        ck_assert_int_eq(access(state_file, F_OK), -1);         /* "on" is not left to restore */
        ck_assert_int_eq(c.save_failed, SAVE_FAILED_NONE);
        ck_assert_int_eq(rmdir(tmp), 0);
        ck_assert_int_eq(lines_set(&c, 0, true, 0, NULL), 1);        /* kept again */
        ck_assert_int_eq(c.save_failed, 0);
        ck_assert(file_state().on);
        ck_assert_uint_eq(file_changes(), 22);

        /* At the start, the file as it is: kept, it is current. */
        s = whole_file();
        ck_assert_int_eq(mkdir(tmp, 0755), 0);
        restore_recorded(&s, true);
        ck_assert_int_eq(c.save_failed, SAVE_FAILED_KEPT);
        ck_assert_uint_eq(file_changes(), 22);
        ck_assert_int_eq(rmdir(tmp), 0);
        remove_state();
}
END_TEST

/*
 * The time of a line's state outlives the history: the other lines' changes
 * push its last change (and the start's record) out of it, and a state
 * with flag 2 must still say when msgqd made it, not 0 (none).
 */
START_TEST(line_time_outlives_the_history) {
        struct ledstate_file s = led_file((struct ledstate_line) { .seq = 1 }, 10);
        struct msgq_led_state st, one;
        uint64_t t_start, m_start, t1, m1, t, m;

        s.n = 3;
        s.line[1] = (struct ledstate_line) { .name = "pump", .gpio = "GPIO27" };
        s.line[2] = (struct ledstate_line) { .name = "buzzer", .gpio = "gpiochip0:5" };
        restore_recorded(&s, false);
        lines_time_of(&c, 10, &t_start, &m_start);
        ck_assert_uint_ne(t_start, 0);
        ck_assert_int_eq(lines_set(&c, 1, true, 0, &one), 1);
        lines_time_of(&c, one.changes, &t1, &m1);
        ck_assert_uint_ne(t1, 0);
        for (size_t i = 0; i < c.nhistory; i++)
                ck_assert_int_eq(lines_toggle(&c, 2, 0, &st), 1);
        lines_state(&c, 1, &st);
        ck_assert_uint_eq(st.changes, one.changes);
        lines_time_of(&c, st.changes, &t, &m);
        ck_assert_uint_eq(t, t1);
        ck_assert_uint_eq(m, m1);
        lines_state(&c, 0, &st); /* as taken up at the start */
        ck_assert_uint_eq(st.changes, 10);
        lines_time_of(&c, st.changes, &t, &m);
        ck_assert_uint_eq(t, t_start);
        ck_assert_uint_eq(m, m_start);
        remove_state();
}
END_TEST

/*
 * Every line is kept: each line's state and seq is taken up at the start,
 * and a change of any line is in the file, with its seq and the others as
 * they are, before the call that made it returns.
 */
START_TEST(every_line_kept) {
        struct ledstate_file s = led_file((struct ledstate_line) { .seq = 4 }, 30), f;
        struct msgq_led_state st;

        s.n = 3;
        s.line[1] = (struct ledstate_line) { .name = "pump", .gpio = "GPIO27", .active_low = true, .seq = 7,
                                             .on = true };
        s.line[2] = (struct ledstate_line) { .name = "buzzer", .gpio = "gpiochip0:5", .seq = 2, .on = true,
                                             .blinking = true, .period_ms = 2000, .remaining = 5,
                                             .next_toggle_us = ledstate_now_us() + 1000000 };
        restore_recorded(&s, false);
        lines_state(&c, 2, &st);
        ck_assert(st.on && st.blinking && st.period_ms == 2000 && st.remaining == 5);
        f = whole_file();                                       /* written at the start */
        ck_assert_uint_eq(f.n, 3);
        ck_assert_str_eq(f.line[1].gpio, "GPIO27");
        ck_assert(f.line[1].active_low && f.line[1].on && f.line[1].seq == 7);
        ck_assert(f.line[2].blinking && f.line[2].remaining == 5 && f.line[2].seq == 2);

        ck_assert_int_eq(lines_set(&c, 2, false, 0, &st), 1);       /* by the call, no loop run */
        f = whole_file();
        ck_assert_uint_eq(f.changes, 31);
        ck_assert(!f.line[2].on && !f.line[2].blinking && f.line[2].seq == 3);
        ck_assert(f.line[1].on && f.line[1].seq == 7 && !f.line[0].on && f.line[0].seq == 4);
        ck_assert_int_eq(lines_toggle(&c, 1, 0, &st), 1);
        f = whole_file();
        ck_assert(!f.line[1].on && f.line[1].seq == 8 && f.changes == 32);
        ck_assert_int_eq(lines_blink(&c, 1, 1000, 0, 0, &st), 0);
        f = whole_file();
        ck_assert(f.line[1].on && f.line[1].blinking && f.line[1].period_ms == 1000 && f.line[1].seq == 9);
        ck_assert_str_eq(f.line[2].name, "buzzer");
        remove_state();
}
END_TEST

START_TEST(done_keeps_the_led_when_told) {
        struct ledstate_file s = led_file((struct ledstate_line) { .on = true }, 1);

        restore_recorded(&s, true);
        done();
        ck_assert_int_eq(rec_sets, 0);          /* never driven off */
        ck_assert_int_eq(rec_closes, 1);        /* released */
        ck_assert(file_state().on);
        remove_state();
}
END_TEST

/* Turned off at the stop, but the file keeps what the LED was given: the next start restores it. */
START_TEST(done_off_keeps_the_state_in_the_file) {
        struct ledstate_file s = led_file((struct ledstate_line) { .on = false }, 1);
        struct msgq_led_state st;

        restore_recorded(&s, false);
        ck_assert_int_eq(lines_blink(&c, 0, 1000, 5, 0, &st), 0);
        done();
        ck_assert(!rec_last);
        ck_assert_int_eq(rec_closes, 1);
        ck_assert(file_state().on && file_state().blinking);
        ck_assert_uint_eq(file_state().remaining, 9);
        ck_assert_uint_eq(file_changes(), 2);
        remove_state();
}
END_TEST
/* ---- a table of several lines: 0 the fixture's LED, 1 pump, 2 buzzer (simulated) ---- */

static void add_two(void) {
        struct led *pump, *buzzer;

        ck_assert_int_eq(led_open_sim(&pump, false), 0);
        ck_assert_int_eq(led_open_sim(&buzzer, false), 0);
        ck_assert_int_eq(lines_add(&c, pump, "pump", MSGQ_LINE_F_RELAY), 0);
        ck_assert_int_eq(lines_add(&c, buzzer, "buzzer", 0), 0);
}

START_TEST(lines_added_and_found) {
        struct led *l;

        add_two();
        ck_assert_uint_eq(c.n, 3);
        ck_assert_int_eq(lines_find(&c, "led"), 0);
        ck_assert_int_eq(lines_find(&c, "PUMP"), 1);
        ck_assert_int_eq(lines_find(&c, "buzzer"), 2);
        ck_assert_int_eq(lines_find(&c, "pmup"), -ENOENT);
        ck_assert_int_eq(led_open_sim(&l, false), 0);
        ck_assert_int_eq(lines_add(&c, l, "Pump", 0), -EEXIST); /* one name, whatever its case */
        led_close(l);
}
END_TEST

/* line-set: checked first (nothing changes on a bad entry), then each change numbered in order. */
START_TEST(set_many_in_order) {
        static const uint16_t line[] = { 2, 0, 1 }, bad[] = { 1, 3 }, twice[] = { 1, 1 };
        static const bool on[] = { true, true, false };
        struct msgq_reply rep;
        uint64_t changed;
        size_t k = 99;

        add_two();
        ck_assert_int_eq(lines_set(&c, 1, true, 0, NULL), 1);            /* change 1 */
        ck_assert_int_eq(lines_set_many(&c, bad, on, 2, 7, &k, &changed, &rep), -ENOENT);
        ck_assert_uint_eq(k, 1);
        ck_assert_int_eq(lines_set_many(&c, twice, on, 2, 7, &k, &changed, &rep), -EINVAL);
        ck_assert_uint_eq(c.changes, 1);
        ck_assert(led_get(c.line[1].led));

        ck_assert_int_eq(lines_set_many(&c, line, on, 3, 42, &k, &changed, &rep), 0);
        ck_assert_uint_eq(changed, 0x7);
        ck_assert_uint_eq(rep.set_lines, 0x7);
        ck_assert_uint_eq(rep.set_on, 0x5);
        ck_assert_uint_eq(rep.set_first, 2);
        ck_assert_uint_eq(rep.led.changes, 4);
        for (size_t i = 0; i < 3; i++) {
                ck_assert_uint_eq(c.history[(2 + i) % LINES_HISTORY].st.line, line[i]);
                ck_assert_uint_eq(c.history[(2 + i) % LINES_HISTORY].st.led.changes, 2 + i);
                ck_assert_uint_eq(c.history[(2 + i) % LINES_HISTORY].by_pid, 42);
        }
        ck_assert_uint_eq(c.entry[1].seq, 2);
        /* A blink ended by a set is a change even at the same level. */
        ck_assert_int_eq(lines_blink(&c, 2, 1000, 0, 0, NULL), 0);        /* 5 */
        ck_assert_int_eq(lines_set_many(&c, line, on, 3, 42, &k, &changed, &rep), 0);
        ck_assert_uint_eq(changed, 1u << 2);
        ck_assert_uint_eq(rep.set_first, 6);
        ck_assert(!c.line[2].blinking);
        /* Nothing changed: the last line's last change. */
        ck_assert_int_eq(lines_set_many(&c, line, on, 3, 42, &k, &changed, &rep), 0);
        ck_assert_uint_eq(changed, 0);
        ck_assert_uint_eq(rep.set_first, 0);
        ck_assert_uint_eq(rep.led.changes, 4);                           /* the pump's, line[2] */
}
END_TEST

static int failing_set(struct led *l, bool on) {
        return -EIO;
}

/* line-set whose driver fails: *bad is the line whose call failed, not the last; what changed is numbered. */
START_TEST(set_many_failure_names_the_line) {
        static const uint16_t line[] = { 2, 0, 1 };
        static const bool on[] = { true, true, true };
        struct led_ops ops = led_sim_ops;
        struct msgq_reply rep;
        uint64_t changed;
        size_t k = 99;

        add_two();
        ops.set = failing_set;
        c.line[0].led->ops = &ops;
        ck_assert_int_eq(lines_set_many(&c, line, on, 3, 42, &k, &changed, &rep), -EIO);
        ck_assert_uint_eq(k, 1);                 /* line[1], the LED */
        ck_assert_uint_eq(changed, 1u << 2);     /* the buzzer went on before it */
        ck_assert_uint_eq(c.changes, 1);
        ck_assert(!led_get(c.line[0].led) && !led_get(c.line[1].led));
        c.line[0].led->ops = &led_sim_ops;
}
END_TEST

/* A watcher of one line waits through the others' changes; one of every line hears each. */
START_TEST(watchers_of_one_line) {
        struct lines_watcher w2 = watcher(22), all = watcher(33);
        struct msgq_led_state st;
        struct msgq_reply rep;

        add_two();
        notified_calls = 0;
        lines_set_notify(&c, on_notify, &marker);
        w2.line = 2;
        all.op = MSGQ_OP_LINE_WATCH;
        all.line = MSGQ_LINE_ALL;
        ck_assert_int_eq(lines_watch(&c, 0, &w2, 0, &st), 1);
        ck_assert_int_eq(lines_changes(&c, MSGQ_LINE_ALL, 0, &all, 0, &rep), 1);
        ck_assert_int_eq(lines_set(&c, 1, true, 0, &st), 1);          /* change 1, the pump */
        ck_assert_uint_eq(notified_calls, 1);
        ck_assert_uint_eq(notified_n, 1);
        ck_assert_uint_eq(notified_w[0].pid, 33);                    /* the watcher of all */
        ck_assert_int_eq(lines_set(&c, 2, true, 0, &st), 1);          /* change 2, the buzzer */
        ck_assert_uint_eq(notified_calls, 2);
        ck_assert_uint_eq(notified_w[0].pid, 22);
        ck_assert_uint_eq(notified_st.changes, 2);
        /* From 0 again: line 2's first change after 0 is 2, not the pump's 1. */
        ck_assert_int_eq(lines_watch(&c, 0, &w2, 0, &st), 0);
        ck_assert_uint_eq(st.changes, 2);
        /* Its state's number is its own last change, not the table's. */
        ck_assert_int_eq(lines_set(&c, 1, false, 0, &st), 1);         /* 3 */
        lines_state(&c, 2, &st);
        ck_assert_uint_eq(st.changes, 2);
        /* At its last change with others after it: waits. */
        ck_assert_int_eq(lines_watch(&c, 2, &w2, 0, &st), 1);
        lines_set_notify(&c, NULL, NULL);
}
END_TEST

/* line-watch: every kept change after N in order, as many as fit; missed; ahead refused. */
START_TEST(changes_after_and_missed) {
        struct msgq_reply rep;

        add_two();
        for (int i = 0; i < LINES_HISTORY + 6; i++)
                ck_assert_int_eq(lines_toggle(&c, (size_t) i % 3, 0, NULL), 1);
        ck_assert_int_eq(lines_changes(&c, MSGQ_LINE_ALL, 0, NULL, 0, &rep), 0);
        ck_assert_uint_eq(rep.missed, 6);
        ck_assert_uint_eq(rep.nchanges, MSGQ_CHANGES_MAX);
        ck_assert_uint_eq(rep.changes_after[0].st.led.changes, 7);
        ck_assert_uint_eq(rep.changes_after[0].st.line, 0);
        ck_assert_uint_eq(rep.led.changes, 6 + MSGQ_CHANGES_MAX);
        ck_assert_int_eq(lines_changes(&c, 2, LINES_HISTORY, NULL, 0, &rep), 0);
        ck_assert_uint_eq(rep.missed, 0);
        ck_assert_uint_eq(rep.nchanges, 2); /* of 1025 to 1030, line 2's: 1026 and 1029 */
        ck_assert_uint_eq(rep.changes_after[0].st.led.changes, LINES_HISTORY + 2);
        ck_assert_uint_eq(rep.changes_after[1].st.led.changes, LINES_HISTORY + 5);
        ck_assert_int_eq(lines_changes(&c, 1, LINES_HISTORY + 6, NULL, 0, &rep), 0); /* none, no place */
        ck_assert_uint_eq(rep.nchanges, 0);
        ck_assert_int_eq(lines_changes(&c, 1, LINES_HISTORY + 7, NULL, 0, &rep), -ERANGE);
        ck_assert_uint_eq(rep.led.changes, LINES_HISTORY + 6);
}
END_TEST

/* One timer for every line: armed for the earliest toggle due, whichever line's. */
START_TEST(timer_serves_the_earliest) {
        struct msgq_led_state st;

        add_two();
        ck_assert_int_eq(lines_blink(&c, 2, 4000, 0, 0, &st), 0);
        lines_sync(&c);
        ck_assert_uint_eq(timer_time(), c.line[2].next_usec);
        ck_assert_int_eq(lines_blink(&c, 1, 40, 1, 0, &st), 0);
        lines_sync(&c);
        ck_assert_uint_eq(timer_time(), c.line[1].next_usec);
        ck_assert_uint_lt(c.line[1].next_usec, c.line[2].next_usec);
        while (c.line[1].blinking)
                ck_assert_int_ge(sd_event_run(e, 5000), 0);
        lines_state(&c, 2, &st);
        ck_assert(st.blinking && st.period_ms == 4000);
        ck_assert_uint_eq(timer_time(), c.line[2].next_usec);
}
END_TEST


static Suite *lines_suite(void) {
        Suite *s = suite_create("lines");
        TCase *direct = tcase_create("direct");
        TCase *blink = tcase_create("blink");
        TCase *life = tcase_create("lifetime");

        tcase_add_checked_fixture(direct, setup, teardown);
        tcase_add_test(direct, set_toggle_state);
        tcase_add_test(direct, blink_arguments_checked);
        tcase_add_test(direct, sync_without_timer);
        suite_add_tcase(s, direct);

        tcase_add_checked_fixture(blink, setup, teardown);
        tcase_set_timeout(blink, 20);
        tcase_add_test(blink, blink_count_ends_off);
        tcase_add_test(blink, blink_from_on_ends_off);
        tcase_add_test(blink, blink_forever_keeps_going);
        tcase_add_test(blink, set_during_blink_cancels);
        tcase_add_test(blink, toggle_during_blink_cancels);
        tcase_add_test(blink, blink_again_replaces);
        tcase_add_test(blink, watch_and_changes);
        tcase_add_test(blink, watch_history);
        tcase_add_test(blink, watch_withdrawn);
        tcase_add_test(blink, watchers_bounded);
        tcase_add_test(blink, watch_hold_bounded);
        tcase_add_test(blink, changes_have_their_time);
        tcase_add_test(blink, watchers_gone_make_room);
        tcase_add_test(blink, lines_added_and_found);
        tcase_add_test(blink, set_many_in_order);
        tcase_add_test(blink, set_many_failure_names_the_line);
        tcase_add_test(blink, watchers_of_one_line);
        tcase_add_test(blink, changes_after_and_missed);
        tcase_add_test(blink, timer_serves_the_earliest);
        suite_add_tcase(s, blink);

        tcase_add_checked_fixture(life, setup, teardown);
        tcase_add_test(life, done_turns_off_and_releases);
        tcase_add_test(life, done_off_drives_nothing);
        tcase_add_test(life, done_while_blinking);
        tcase_add_test(life, restore_takes_up_the_state);
        tcase_add_test(life, restore_a_blink);
        tcase_add_test(life, restore_a_blink_late);
        tcase_add_test(life, saved_before_return_only_on_change);
        tcase_add_test(life, flushed_by_the_flush_thread);
        tcase_add_test(life, saved_before_watchers_hear);
        tcase_add_test(life, failed_write_forgets_the_earlier_state);
        tcase_add_test(life, every_line_kept);
        tcase_add_test(life, line_time_outlives_the_history);
        tcase_add_test(life, done_keeps_the_led_when_told);
        tcase_add_test(life, done_off_keeps_the_state_in_the_file);
        suite_add_tcase(s, life);
        return s;
}

int main(void) {
        return unit_run(lines_suite());
}
