/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "interrupt.h"
#include "msgqctl.h"

/* How often the signals' thread cancels again until the command has noticed. */
#define RECANCEL_NS (5 * 1000000L)

/*
 * caught: 0 no signal, 1 a signal the command has not taken yet (the
 * thread cancels), 2 taken (interrupt_calm()); written under lock, read
 * __atomic.  lock also guards target, the handle whose calls the thread
 * cancels (NULL after interrupt_end()), and goes with woken, which wakes
 * a sleep.  The thread holds lock while it cancels: interrupt_calm()
 * waits for a cancel in progress, so none reaches a call made after it.
 */
static int caught;
static struct msgq *target;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t woken = PTHREAD_COND_INITIALIZER;
static sigset_t stop_signals;

static bool cancel_once(void) {
        bool again;

        pthread_mutex_lock(&lock);
        again = caught == 1 && target;
        if (again)
                msgq_cancel(target); /* returns once the call in progress has */
        pthread_mutex_unlock(&lock);
        return again;
}

static void *signal_thread(void *unused) {
        int signo;

        (void) unused;
        for (;;) {
                if (sigwait(&stop_signals, &signo) != 0)
                        continue;
                pthread_mutex_lock(&lock);
                __atomic_store_n(&caught, 1, __ATOMIC_SEQ_CST);
                pthread_cond_broadcast(&woken);
                pthread_mutex_unlock(&lock);
                /* Again and again: a call about to start when the first came is cut short too. */
                while (cancel_once())
                        nanosleep(&(struct timespec) { .tv_nsec = RECANCEL_NS }, NULL);
        }
        return NULL;
}

int interrupt_catch(struct ctl *ctl) {
        pthread_t thread;
        int r = ctl_open(ctl);

        if (r < 0)
                return r;
        sigemptyset(&stop_signals);
        sigaddset(&stop_signals, SIGINT);
        sigaddset(&stop_signals, SIGTERM);
        /* Blocked here first: the thread inherits the mask, and only sigwait() takes them. */
        r = -pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
        if (r < 0)
                return r;
        pthread_mutex_lock(&lock);
        target = ctl->msgq;
        pthread_mutex_unlock(&lock);
        r = -pthread_create(&thread, NULL, signal_thread, NULL);
        if (r == 0)
                pthread_detach(thread);
        return r;
}

bool interrupted(void) {
        return __atomic_load_n(&caught, __ATOMIC_SEQ_CST) != 0;
}

void interrupt_calm(void) {
        pthread_mutex_lock(&lock);
        if (caught == 1)
                __atomic_store_n(&caught, 2, __ATOMIC_SEQ_CST);
        pthread_mutex_unlock(&lock);
}

void interrupt_sleep_until(uint64_t when_ns) {
        struct timespec until = msgq_timespec(when_ns);

        pthread_mutex_lock(&lock);
        while (!caught && pthread_cond_clockwait(&woken, &lock, CLOCK_MONOTONIC, &until) == 0)
                ;
        pthread_mutex_unlock(&lock);
}

void interrupt_end(void) {
        pthread_mutex_lock(&lock);
        target = NULL;
        pthread_mutex_unlock(&lock);
}
