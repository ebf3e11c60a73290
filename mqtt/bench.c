/* SPDX-License-Identifier: MIT */
/*
 * msgq-mqtt-bench: end-to-end figures of one bridge, from an MQTT client's
 * side (mqtt/bench.sh starts the broker, msgqd --sim and the bridge).
 *
 *   latency     N commands one at a time, alternating ON and OFF: the time
 *               from publishing each on <prefix>/led/set to receiving the
 *               new state on <prefix>/led/state.  The LED changed before
 *               the bridge published its state, so this is an upper bound
 *               on "publish to LED change".
 *   throughput  N commands published as fast as the bridge takes them
 *               (QoS 1, at most 64 ahead of the states received), alternating
 *               ON and OFF so that each changes the state: commands per
 *               second from the first publish to the N-th state received.
 *
 * Usage: msgq-mqtt-bench HOST PORT PREFIX latency|throughput N
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mosquitto.h>

#include "plural.h"

#define WAIT_S 30

struct bench {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        char state_topic[300];
        bool subscribed;
        int states;             /* state messages received */
        int last_on;            /* -1 unknown */
        double last_at;
};

static double now_s(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void on_message(struct mosquitto *m, void *userdata, const struct mosquitto_message *msg) {
        struct bench *b = userdata;
        double t = now_s();

        if (strcmp(msg->topic, b->state_topic) != 0 || !msg->payload)
                return;
        pthread_mutex_lock(&b->lock);
        b->states++;
        b->last_on = strstr(msg->payload, "\"ON\"") != NULL;
        b->last_at = t;
        pthread_cond_broadcast(&b->cond);
        pthread_mutex_unlock(&b->lock);
}

static void on_subscribe(struct mosquitto *m, void *userdata, int mid, int n, const int *qos) {
        struct bench *b = userdata;

        pthread_mutex_lock(&b->lock);
        b->subscribed = true;
        pthread_cond_broadcast(&b->cond);
        pthread_mutex_unlock(&b->lock);
}

static void on_connect(struct mosquitto *m, void *userdata, int rc) {
        struct bench *b = userdata;

        if (rc == 0)
                mosquitto_subscribe(m, NULL, b->state_topic, 1);
}

/* Wait (lock held) until states >= n, or WAIT_S; false on timeout. */
static bool wait_states(struct bench *b, int n) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += WAIT_S;
        while (b->states < n)
                if (pthread_cond_timedwait(&b->cond, &b->lock, &ts) != 0)
                        return false;
        return true;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static int latency(struct bench *b, struct mosquitto *m, const char *set_topic, int n) {
        double *lat = calloc((size_t) n, sizeof *lat), sum = 0;

        if (!lat)
                return 1;
        for (int i = 0; i < n; i++) {
                const char *cmd;
                double t0;
                int want;

                pthread_mutex_lock(&b->lock);
                want = !b->last_on;
                cmd = want ? "ON" : "OFF";
                int before = b->states;
                pthread_mutex_unlock(&b->lock);
                t0 = now_s();
                mosquitto_publish(m, NULL, set_topic, (int) strlen(cmd), cmd, 1, false);
                pthread_mutex_lock(&b->lock);
                if (!wait_states(b, before + 1) || b->last_on != want) {
                        pthread_mutex_unlock(&b->lock);
                        fprintf(stderr, "msgq-mqtt-bench: no state %s after command %d\n", cmd, i);
                        free(lat);
                        return 1;
                }
                lat[i] = (b->last_at - t0) * 1000;
                pthread_mutex_unlock(&b->lock);
                sum += lat[i];
        }
        qsort(lat, (size_t) n, sizeof *lat, cmp_double);
        printf("latency: %d %s, publish to new state: min %.2f ms, median %.2f ms, "
               "mean %.2f ms, p95 %.2f ms, max %.2f ms\n",
               n, plural((unsigned) n, "command", "commands"), lat[0], lat[n / 2], sum / n,
               lat[(n * 95) / 100 < n ? (n * 95) / 100 : n - 1], lat[n - 1]);
        free(lat);
        return 0;
}

/* At most WINDOW commands ahead of the states received: the bridge holds 256. */
#define WINDOW 64

static int throughput(struct bench *b, struct mosquitto *m, const char *set_topic, int n) {
        double t0, t1;
        int first, on;

        pthread_mutex_lock(&b->lock);
        first = b->states;
        on = b->last_on;
        pthread_mutex_unlock(&b->lock);
        t0 = now_s();
        for (int i = 0; i < n; i++) {
                const char *cmd = (on + 1 + i) % 2 ? "ON" : "OFF";

                pthread_mutex_lock(&b->lock);
                if (!wait_states(b, first + i - WINDOW)) {
                        pthread_mutex_unlock(&b->lock);
                        fprintf(stderr, "msgq-mqtt-bench: stuck at %d of %d %s\n", b->states - first, n,
                                plural((unsigned) n, "state", "states"));
                        return 1;
                }
                pthread_mutex_unlock(&b->lock);
                mosquitto_publish(m, NULL, set_topic, (int) strlen(cmd), cmd, 1, false);
        }
        pthread_mutex_lock(&b->lock);
        if (!wait_states(b, first + n)) {
                fprintf(stderr, "msgq-mqtt-bench: %d of %d %s after %d s\n", b->states - first, n,
                        plural((unsigned) n, "state", "states"), WAIT_S);
                pthread_mutex_unlock(&b->lock);
                return 1;
        }
        t1 = b->last_at;
        pthread_mutex_unlock(&b->lock);
        printf("throughput: %d %s (at most %d outstanding) in %.3f s: %.0f commands/s end to end\n", n,
               plural((unsigned) n, "command", "commands"), WINDOW, t1 - t0, n / (t1 - t0));
        return 0;
}

int main(int argc, char **argv) {
        struct bench b = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER, .last_on = -1 };
        char set_topic[300];
        struct mosquitto *m;
        int n, rc = 1;

        if (argc != 6 || (n = atoi(argv[5])) <= 0) {
                fprintf(stderr, "Usage: msgq-mqtt-bench HOST PORT PREFIX latency|throughput N\n");
                return 2;
        }
        snprintf(b.state_topic, sizeof b.state_topic, "%s/led/state", argv[3]);
        snprintf(set_topic, sizeof set_topic, "%s/led/set", argv[3]);
        mosquitto_lib_init();
        m = mosquitto_new(NULL, true, &b);
        if (!m)
                return 1;
        mosquitto_max_inflight_messages_set(m, 0); /* no cap of our own: measure the bridge */
        mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
        mosquitto_connect_callback_set(m, on_connect);
        mosquitto_subscribe_callback_set(m, on_subscribe);
        mosquitto_message_callback_set(m, on_message);
        if (mosquitto_connect(m, argv[1], atoi(argv[2]), 30) != MOSQ_ERR_SUCCESS ||
            mosquitto_loop_start(m) != MOSQ_ERR_SUCCESS) {
                fprintf(stderr, "msgq-mqtt-bench: cannot connect to %s:%s\n", argv[1], argv[2]);
                return 1;
        }
        /* The retained state first: then we know what the LED shows. */
        pthread_mutex_lock(&b.lock);
        if (!wait_states(&b, 1)) {
                fprintf(stderr, "msgq-mqtt-bench: no retained state on %s\n", b.state_topic);
                pthread_mutex_unlock(&b.lock);
                return 1;
        }
        pthread_mutex_unlock(&b.lock);
        if (strcmp(argv[4], "latency") == 0)
                rc = latency(&b, m, set_topic, n);
        else if (strcmp(argv[4], "throughput") == 0)
                rc = throughput(&b, m, set_topic, n);
        mosquitto_disconnect(m);
        mosquitto_loop_stop(m, false);
        mosquitto_destroy(m);
        mosquitto_lib_cleanup();
        return rc;
}
