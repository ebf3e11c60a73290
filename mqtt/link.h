/* SPDX-License-Identifier: MIT */
/*
 * The MQTT side of the bridge, on libmosquitto: one thread that connects
 * to the broker, reconnects with a growing, jittered delay (0.5 s doubling
 * to 30 s, so that a fleet does not reconnect in step), subscribes to the
 * command topics at QoS 1, publishes the Home Assistant discovery config,
 * and hands commands to the board.
 *
 * The back-off is reset only by a connection that lasted LINK_STABLE_MS:
 * two bridges with one client id (boards cloned from one image) take the
 * session from each other at every connect, and each connect of theirs
 * would otherwise come sooner.  Such a takeover is said once, plainly:
 * an MQTT 5 broker may say so (reason 0x8E; mosquitto 2.0.11 closes the
 * socket before that is sent); otherwise it shows as connections lost
 * soon after they were made, LINK_SHORT_MAX in a row.
 *
 * The session is persistent (clean session off in 3.1.1, a session expiry
 * of an hour in 5), so commands sent while the bridge is away wait at the
 * broker.  The last will is "offline", retained, on <prefix>/availability.
 * The connection is re-made by this thread (not by mosquitto_loop_forever),
 * so that MQTT 5's connect properties are sent on every reconnect, and the
 * thread polls the socket itself, with an eventfd that the board's thread
 * signals after each publish: libmosquitto 2.0's own loop may leave such a
 * message unsent until its next one-second timeout.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>

#include <mosquitto.h>

#include "board.h"
#include "ratelimit.h"
#include "settings.h"

#define LINK_RETRY_MIN_MS     500u
#define LINK_RETRY_MAX_MS     30000u
#define LINK_SESSION_EXPIRY_S 3600u
#define LINK_STABLE_MS        60000u /* longer than the longest retry delay, jitter included */
#define LINK_SHORT_MAX        3u
#define LINK_CHANGES_OUT      16u /* <prefix>/changes awaiting their PUBACK, noted */

struct link {
        struct mosquitto *mosq;
        const struct settings *s;
        struct board *board;
        mosquitto_property *connect_props;
        char node_id[SETTINGS_NODE_ID_MAX + 1];
        const char *client_id;          /* the setting's, or the node id */
        char *discovery;                /* the discovery config, or "" to remove it */
        char discovery_topic[SETTINGS_PREFIX_MAX + SETTINGS_NODE_ID_MAX + 32];

        int wake_fd;                    /* eventfd: wakes the thread's poll() */
        pthread_mutex_t lock;
        pthread_cond_t cond;
        bool stop;
        bool connected;                 /* CONNACK received, not lost since */
        int last_error;                 /* for logging a failure once */
        bool refused;                   /* this attempt's CONNACK said no */
        uint64_t retry_ms;
        uint64_t connected_ns;          /* when the CONNACK came */
        unsigned short_lived;           /* connections lost before LINK_STABLE_MS, in a row */
        bool takeover_said;
        char marker[48];                /* {"marker":"<random>"}: on <prefix>/changes after subscribing */
        bool resumed;                   /* the board was told what <prefix>/changes held (link thread's) */
        /*
         * <prefix>/changes published and not yet acknowledged, oldest
         * first (under lock, which is held from the publish to noting its
         * mid, so that its PUBACK finds it): an acknowledged one is kept
         * in the board's local copy, unless a later one was already.
         */
        struct {
                int mid;
                uint64_t number;
        } changes_out[LINK_CHANGES_OUT];
        size_t n_changes_out;
        int offline_mid;
        bool offline_sent;
        pthread_t thread;
        bool running;

        struct msgq_ratelimit log_limit; /* of refused commands' warnings (the thread's own) */
};

/* Set up the client (TLS, credentials, will); nothing is connected yet. */
int link_init(struct link *l, const struct settings *s, const char *password, const char *version);
/* board_out for the board: publishes through this link. */
struct board_out link_board_out(struct link *l);
/* Start connecting; commands go to board. */
int link_start(struct link *l, struct board *board);
/* Publish "offline" (waiting up to 2 s for the broker to take it), disconnect, join. */
void link_stop(struct link *l);
void link_done(struct link *l);
