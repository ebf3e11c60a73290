/* SPDX-License-Identifier: MIT */
/*
 * msgqd's whole path for one received message, server_serve(): decoding
 * (binary or text), the handlers over a simulated LED, the reply and its
 * bookkeeping.  There is no queue (msqid -1): sending the reply fails as
 * it would after the queue was removed.  The first byte is the priority
 * the message arrived with, the rest its body.
 */
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"
#include "fuzz.h"
#include "log.h"
#include "server.h"

static struct msgqd d;
static struct server s;

static void setup(void) {
        struct led *led;

        msgq_log_open("fuzz-serve", LOG_EMERG); /* nothing but emergencies */
        FUZZ_CHECK(led_open_sim(&led, false) == 0);
        FUZZ_CHECK(lines_init(&d.lines, led, NULL) == 0);
        d.wake.fd = -1; /* nobody to wake */
        d.pid = (uint32_t) getpid();
        d.start_ns = msgq_now_ns();
        s.d = &d;
        s.msqid = -1;
        FUZZ_CHECK(reclaim_init(&s.reclaim) == 0);
        FUZZ_CHECK(pthread_mutex_init(&s.backlog_lock, NULL) == 0);
        FUZZ_CHECK(pthread_mutex_init(&s.log_lock, NULL) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static bool ready;
        uint64_t errors;

        if (!ready) {
                setup();
                ready = true;
        }
        if (size == 0 || size - 1 > MSGQ_MSG_MAX + 1)
                return 0; /* msgrcv never hands over more than the buffer */
        errors = d.stats.errors;
        server_serve(&s, 1 + data[0] % MSGQ_PRIO_MAX, data + 1, size - 1);
        FUZZ_CHECK(d.stats.malformed <= d.stats.errors);
        FUZZ_CHECK(d.stats.errors <= errors + 1);
        FUZZ_CHECK(s.backlog_count == 0); /* nothing is kept for a queue that is gone */
        /* Forget the reply types noted, as the sweep would once they expire. */
        FUZZ_CHECK(reclaim_sweep(&s.reclaim, -1, UINT64_MAX) == 0);
        FUZZ_CHECK(reclaim_next(&s.reclaim) == UINT64_MAX);
        d.exit_requested = 0;
        return 0;
}
