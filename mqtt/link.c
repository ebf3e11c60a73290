/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>
#include <time.h>

#include <mqtt_protocol.h>

#include "clock.h"
#include "link.h"
#include "log.h"
#include "plural.h"

#define STOP_WAIT_MS 2000u
#define LOG_WINDOW_S 10u
#define LOG_MAX      10u
#define SYSTEM_CAPATH "/etc/ssl/certs"

/* Every output's set (led/set, pump/set, ...), send and stats/get. */
static const char *const command_topics[] = { TOPIC_LINE_SET, TOPIC_SEND, TOPIC_STATS_GET };

/* mosquitto_strerror() without its final period, to fit in a sentence. */
static const char *mosq_error(int rc, char *buf, size_t size) {
        size_t n;

        snprintf(buf, size, "%s", mosquitto_strerror(rc));
        n = strlen(buf);
        if (n > 0 && buf[n - 1] == '.')
                buf[n - 1] = '\0';
        return buf;
}

static void topic_of(const struct link *l, const char *subtopic, char *buf, size_t size) {
        snprintf(buf, size, "%s/%s", l->s->prefix, subtopic);
}

/* Wake the link thread: something was queued for sending, or it is to stop. */
static void wake(struct link *l) {
        uint64_t one = 1;

        if (write(l->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
                log_warning("cannot wake the MQTT thread: %m");
}

static void publish(void *userdata, const char *subtopic, const char *payload, bool retain) {
        struct link *l = userdata;
        char topic[SETTINGS_PREFIX_MAX + 32];
        int rc;

        topic_of(l, subtopic, topic, sizeof topic);
        rc = mosquitto_publish_v5(l->mosq, NULL, topic, (int) strlen(payload), payload, 1, retain, NULL);
        if (rc == MOSQ_ERR_SUCCESS)
                wake(l);
        else
                log_debug("not published on %s: %s", topic, mosq_error(rc, (char[128]) { 0 }, 128));
}

static void publish_to(void *userdata, const char *topic, const char *payload, bool retain) {
        struct link *l = userdata;
        int rc = mosquitto_publish_v5(l->mosq, NULL, topic, payload ? (int) strlen(payload) : 0, payload, 1, retain,
                                      NULL);

        if (rc == MOSQ_ERR_SUCCESS)
                wake(l);
        else
                log_debug("not published on %s: %s", topic, mosq_error(rc, (char[128]) { 0 }, 128));
}

/* <prefix>/changes, retained: its mid noted, for on_publish() to hand its number to the board. */
static void publish_changes(void *userdata, const char *payload, uint64_t number) {
        struct link *l = userdata;
        char topic[SETTINGS_PREFIX_MAX + 32];
        int rc, mid = -1;

        topic_of(l, TOPIC_CHANGES, topic, sizeof topic);
        pthread_mutex_lock(&l->lock);
        rc = mosquitto_publish_v5(l->mosq, &mid, topic, (int) strlen(payload), payload, 1, true, NULL);
        if (rc == MOSQ_ERR_SUCCESS) {
                if (l->n_changes_out == LINK_CHANGES_OUT) { /* the oldest is no longer waited for */
                        memmove(l->changes_out, l->changes_out + 1, (LINK_CHANGES_OUT - 1) * sizeof l->changes_out[0]);
                        l->n_changes_out--;
                }
                l->changes_out[l->n_changes_out].mid = mid;
                l->changes_out[l->n_changes_out].number = number;
                l->n_changes_out++;
        }
        pthread_mutex_unlock(&l->lock);
        if (rc == MOSQ_ERR_SUCCESS)
                wake(l);
        else
                log_debug("not published on %s: %s", topic, mosq_error(rc, (char[128]) { 0 }, 128));
}

struct board_out link_board_out(struct link *l) {
        return (struct board_out) { .publish = publish, .publish_to = publish_to, .publish_changes = publish_changes,
                                    .userdata = l };
}

/* ---- callbacks (in the link thread, inside mosquitto_loop_read/write/misc) ---- */

static const char *entities_topic(const struct link *l, const char *component, char *buf, size_t size);

/* The components of this board's entities: an output's light or switch, an input's three. */
static const char *const components[] = { "light", "switch", "binary_sensor", "event", "sensor" };
enum { COMPONENT_SWITCH = 1, COMPONENT_INPUT = 2, COMPONENT_SENSOR = 4 };

/* The retained configs of this board's lines' entities (entity_message() takes them). */
static void subscribe_entities(struct link *l) {
        char topic[SETTINGS_PREFIX_MAX + SETTINGS_NODE_ID_MAX + 32];
        size_t n;
        int rc;

        for (size_t i = 0; i < sizeof components / sizeof components[0]; i++) {
                n = strlen(entities_topic(l, components[i], topic, sizeof topic));
                snprintf(topic + n, sizeof topic - n, "+/config");
                rc = mosquitto_subscribe_v5(l->mosq, NULL, topic, 1, 0, NULL);
                if (rc != MOSQ_ERR_SUCCESS)
                        log_error("cannot subscribe to %s: %s", topic, mosq_error(rc, (char[128]) { 0 }, 128));
        }
}

/* Until the board knows where the last run stopped: ask the broker for <prefix>/changes, then the marker. */
static void ask_changes(struct link *l) {
        char topic[SETTINGS_PREFIX_MAX + 32];
        int rc;

        if (l->resumed)
                return;
        topic_of(l, TOPIC_CHANGES, topic, sizeof topic);
        rc = mosquitto_subscribe_v5(l->mosq, NULL, topic, 1, 0, NULL);
        if (rc == MOSQ_ERR_SUCCESS)
                rc = mosquitto_publish_v5(l->mosq, NULL, topic, (int) strlen(l->marker), l->marker, 1, false, NULL);
        if (rc != MOSQ_ERR_SUCCESS)
                log_error("cannot ask for %s: %s", topic, mosq_error(rc, (char[128]) { 0 }, 128));
}

static void on_connect(struct mosquitto *mosq, void *userdata, int rc, int flags,
                       const mosquitto_property *props) {
        struct link *l = userdata;
        char topic[SETTINGS_PREFIX_MAX + 32];

        if (rc != 0) {
                if (rc != l->last_error)
                        log_error("the broker %s:%d refused the connection: %s", l->s->host, l->s->port,
                                  l->s->protocol == MQTT_PROTOCOL_V5 ? mosquitto_reason_string(rc)
                                                                     : mosquitto_connack_string(rc));
                l->last_error = rc;
                l->refused = true;
                return;
        }
        log_info("connected to %s:%d as %s%s; topics under %s/", l->s->host, l->s->port, l->client_id,
                 flags & 1 ? " (session resumed)" : "", l->s->prefix);
        l->last_error = 0;
        pthread_mutex_lock(&l->lock);
        l->connected = true;
        l->connected_ns = msgq_now_ns(); /* the back-off stays until the connection has lasted */
        pthread_mutex_unlock(&l->lock);
        for (size_t i = 0; i < sizeof command_topics / sizeof command_topics[0]; i++) {
                topic_of(l, command_topics[i], topic, sizeof topic);
                rc = mosquitto_subscribe_v5(mosq, NULL, topic, 1, 0, NULL);
                if (rc != MOSQ_ERR_SUCCESS)
                        log_error("cannot subscribe to %s: %s", topic, mosq_error(rc, (char[128]) { 0 }, 128));
        }
        subscribe_entities(l);
        ask_changes(l);
        /* With discovery off, an empty retained config removes the entity a former run made. */
        mosquitto_publish_v5(mosq, NULL, l->discovery_topic, (int) strlen(l->discovery),
                             l->discovery[0] ? l->discovery : NULL, 1, true, NULL);
        board_broker(l->board, true);
}

/* Another client with our client id: said once, with what to change. */
static void takeover(struct link *l, const char *how) {
        if (l->takeover_said)
                return;
        l->takeover_said = true;
        log_error("another client connects to %s:%d with this bridge's client id '%s' (%s): two bridges "
                  "with one prefix, such as boards cloned from one image? Give each bridge its own prefix "
                  "(-p, or prefix = in mqtt.conf; the client id follows it) or client id (-i, client_id =); "
                  "backing off meanwhile",
                  l->s->host, l->s->port, l->client_id, how);
}

/* A connection made and lost: was it long enough to start the back-off afresh, or taken over? */
static void connection_lost(struct link *l, int rc, uint64_t lived_ms) {
        if (lived_ms >= LINK_STABLE_MS) {
                l->retry_ms = 0;
                l->short_lived = 0;
        } else {
                l->short_lived++;
        }
        /* Mosquitto 2.0.11 closes the socket before its DISCONNECT 0x8E is sent: MQTT 5 looks like 3.1.1. */
        if (l->s->protocol == MQTT_PROTOCOL_V5 && rc == MQTT_RC_SESSION_TAKEN_OVER)
                takeover(l, "the broker says the session was taken over");
        else if (l->short_lived >= LINK_SHORT_MAX)
                takeover(l, "the broker closes each connection soon after it is made");
}

static void on_disconnect(struct mosquitto *mosq, void *userdata, int rc,
                          const mosquitto_property *props) {
        struct link *l = userdata;
        uint64_t lived_ms = 0;
        bool was, stopping;
        char buf[128];

        pthread_mutex_lock(&l->lock);
        was = l->connected;
        stopping = l->stop;
        l->connected = false;
        if (was) {
                lived_ms = (msgq_now_ns() - l->connected_ns) / 1000000u;
                connection_lost(l, rc, lived_ms);
        }
        pthread_mutex_unlock(&l->lock);
        board_broker(l->board, false);
        if (!was || stopping)
                return;
        if (rc == MQTT_RC_SESSION_TAKEN_OVER && l->s->protocol == MQTT_PROTOCOL_V5)
                snprintf(buf, sizeof buf, "session taken over");
        else if (rc == MOSQ_ERR_CONN_LOST)
                snprintf(buf, sizeof buf, "connection lost");
        else
                mosq_error(rc, buf, sizeof buf);
        if (l->takeover_said)
                log_debug("lost the broker %s:%d after %" PRIu64 " ms (%s); reconnecting", l->s->host,
                          l->s->port, lived_ms, buf);
        else
                log_warning("lost the broker %s:%d (%s); reconnecting", l->s->host, l->s->port, buf);
}

static void on_publish(struct mosquitto *mosq, void *userdata, int mid, int reason,
                       const mosquitto_property *props) {
        struct link *l = userdata;
        uint64_t number = 0;
        bool changes = false;

        pthread_mutex_lock(&l->lock);
        if (mid == l->offline_mid) {
                l->offline_sent = true;
                pthread_cond_broadcast(&l->cond);
        }
        for (size_t i = 0; i < l->n_changes_out; i++) {
                if (l->changes_out[i].mid != mid)
                        continue;
                /* The broker has it, and (one connection, in order) the events before it. */
                number = l->changes_out[i].number;
                changes = true;
                l->n_changes_out -= i + 1; /* the older ones are behind it */
                memmove(l->changes_out, l->changes_out + i + 1, l->n_changes_out * sizeof l->changes_out[0]);
                break;
        }
        pthread_mutex_unlock(&l->lock);
        if (changes && reason == 0)
                board_changes_acked(l->board, number);
}

static void refuse(struct link *l, const char *topic, const char *why) {
        char *payload = payload_error(topic, why);
        unsigned missed;

        if (msgq_ratelimit_pass(&l->log_limit, msgq_now_ns(), &missed)) {
                if (missed)
                        log_warning("%u more refused %s not logged", missed,
                                    plural(missed, "command was", "commands were"));
                log_warning("%s: %s", topic, why);
        }
        if (payload)
                publish(l, TOPIC_ERROR, payload, false);
        free(payload);
}

/* <discovery prefix>/<component>/<node id>/: where this board's entities' configs are. */
static const char *entities_topic(const struct link *l, const char *component, char *buf, size_t size) {
        snprintf(buf, size, "%s/%s/%s/", l->s->discovery_prefix, component, l->node_id);
        return buf;
}

/*
 * A retained config of one of this board's lines' entities (a former
 * run's, or this one's own coming back): handed to the board, which
 * removes it if msgqd no longer has that line (an input's counter,
 * <name>_count, by its input's name).  Whether topic is one.
 */
static bool entity_message(struct link *l, const struct mosquitto_message *msg) {
        static const char count[] = "_count";
        char start[SETTINGS_PREFIX_MAX + SETTINGS_NODE_ID_MAX + 16];

        for (size_t i = 0; i < sizeof components / sizeof components[0]; i++) {
                size_t n = strlen(entities_topic(l, components[i], start, sizeof start)), len;
                const char *object;

                if (strncmp(msg->topic, start, n) != 0)
                        continue;       /* (shorter than start too: object would be past its end) */
                object = msg->topic + n;
                len = strcspn(object, "/");
                if (len == 0 || strcmp(object + len, "/config") != 0)
                        continue;
                if (i == COMPONENT_SENSOR) {
                        if (len <= strlen(count) || memcmp(object + len - strlen(count), count, strlen(count)) != 0)
                                return true; /* not an input's counter */
                        len -= strlen(count);
                }
                if (msg->payloadlen > 0 && len <= MSGQ_LINE_NAME_MAX)
                        board_entity_seen(l->board, object, len, i == COMPONENT_SWITCH, i >= COMPONENT_INPUT);
                return true;
        }
        return false;
}

/*
 * <prefix>/changes while the board waits to know where the last run
 * stopped: the retained message is the broker's answer to the subscription;
 * this connection's marker, published after subscribing, comes after it,
 * so that the marker coming first means there is none.  Anything else
 * (the bridge's own publishes coming back) is not the answer.  Whether
 * topic is <prefix>/changes.
 */
static bool changes_message(struct link *l, const struct mosquitto_message *msg) {
        char topic[SETTINGS_PREFIX_MAX + 32];
        uint64_t number;

        topic_of(l, TOPIC_CHANGES, topic, sizeof topic);
        if (strcmp(msg->topic, topic) != 0)
                return false;
        if (l->resumed)
                return true;
        if (msg->retain) {
                if (payload_parse_changes(msg->payload, (size_t) msg->payloadlen, &number) == 0) {
                        board_resume(l->board, &number);
                } else {
                        log_warning("%s holds no {\"number\":N}: publishing msgqd's changes from its last", topic);
                        board_resume(l->board, NULL);
                }
        } else if ((size_t) msg->payloadlen == strlen(l->marker) && memcmp(msg->payload, l->marker,
                                                                             strlen(l->marker)) == 0) {
                log_info("%s holds nothing: a first run", topic);
                board_resume(l->board, NULL);
        } else {
                return true;
        }
        l->resumed = true;
        mosquitto_unsubscribe_v5(l->mosq, NULL, topic, NULL);
        return true;
}


static void on_message(struct mosquitto *mosq, void *userdata, const struct mosquitto_message *msg,
                       const mosquitto_property *props) {
        struct link *l = userdata;
        size_t n = strlen(l->s->prefix);
        char why[PAYLOAD_WHY_MAX];
        struct command cmd;
        int r;

        if (entity_message(l, msg) || changes_message(l, msg))
                return;
        if (strncmp(msg->topic, l->s->prefix, n) != 0 || msg->topic[n] != '/')
                return; /* not ours (a broker would not send it) */
        if (msg->retain) {
                /* Replayed at every reconnect, it would undo every later change. */
                board_refused(l->board);
                refuse(l, msg->topic, "retained commands are ignored: publish without retain");
                return;
        }
        if (payload_parse_command(msg->topic + n + 1, msg->payload, (size_t) msg->payloadlen, &cmd,
                                  why, sizeof why) < 0) {
                board_refused(l->board);
                refuse(l, msg->topic, why);
                return;
        }
        cmd.received_ns = msgq_now_ns();
        r = board_submit(l->board, &cmd);
        if (r == -ESHUTDOWN)
                refuse(l, msg->topic, "the bridge is stopping; not applied");
        else if (r < 0)
                refuse(l, msg->topic, "too many commands wait for msgqd; not applied");
        else
                log_debug("%s: command taken", msg->topic);
}

/* ---- the thread ---- */

/* Sleep the retry delay (with ±25 % jitter) unless stopped; false when stopped. */
static bool wait_retry(struct link *l) {
        uint64_t ms, jitter = 0;
        struct timespec ts;
        bool stop;

        pthread_mutex_lock(&l->lock);
        l->retry_ms = l->retry_ms ? l->retry_ms * 2 : LINK_RETRY_MIN_MS;
        if (l->retry_ms > LINK_RETRY_MAX_MS)
                l->retry_ms = LINK_RETRY_MAX_MS;
        if (getrandom(&jitter, sizeof jitter, GRND_NONBLOCK) != sizeof jitter)
                jitter = msgq_now_ns();
        ms = l->retry_ms * 3 / 4 + jitter % (l->retry_ms / 2 + 1);
        ts = msgq_timespec(msgq_now_ns() + ms * 1000000ull); /* the cond's clock */
        while (!l->stop && pthread_cond_timedwait(&l->cond, &l->lock, &ts) == 0)
                ;
        stop = l->stop;
        pthread_mutex_unlock(&l->lock);
        return !stop;
}

static bool stopping(struct link *l) {
        bool stop;

        pthread_mutex_lock(&l->lock);
        stop = l->stop;
        pthread_mutex_unlock(&l->lock);
        return stop;
}

/* A connection that failed before the broker accepted it: said once per cause. */
static void connect_failed(struct link *l, int rc) {
        int code = rc == MOSQ_ERR_ERRNO ? -errno : rc;
        char buf[128];

        if (code != l->last_error)
                log_warning("cannot connect to %s:%d: %s; retrying", l->s->host, l->s->port,
                            rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosq_error(rc, buf, sizeof buf));
        l->last_error = code;
}

static int connect_once(struct link *l) {
        int rc;

        l->refused = false;
        rc = mosquitto_connect_bind_v5(l->mosq, l->s->host, l->s->port, (int) l->s->keepalive, NULL,
                                       l->connect_props);
        if (rc != MOSQ_ERR_SUCCESS)
                connect_failed(l, rc);
        return rc;
}

static bool connected(struct link *l) {
        bool c;

        pthread_mutex_lock(&l->lock);
        c = l->connected;
        pthread_mutex_unlock(&l->lock);
        return c;
}

/*
 * One turn of the network loop: wait for the socket or a wake-up (at most
 * a second, for keep-alive), then read, write and keep alive.  Our own
 * poll() with an eventfd rather than mosquitto_loop(): a message published
 * from the board's thread goes out at once, not at the next timeout.
 */
static int loop_once(struct link *l) {
        struct pollfd p[2] = { { .fd = mosquitto_socket(l->mosq), .events = POLLIN },
                               { .fd = l->wake_fd, .events = POLLIN } };
        uint64_t n;
        int rc;

        if (p[0].fd < 0)
                return MOSQ_ERR_NO_CONN;
        if (mosquitto_want_write(l->mosq))
                p[0].events |= POLLOUT;
        if (poll(p, 2, 1000) < 0 && errno != EINTR)
                return MOSQ_ERR_ERRNO;
        if ((p[1].revents & POLLIN) && read(l->wake_fd, &n, sizeof n) < 0 && errno != EAGAIN)
                return MOSQ_ERR_ERRNO;
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                rc = mosquitto_loop_read(l->mosq, 1);
                if (rc != MOSQ_ERR_SUCCESS)
                        return rc;
        }
        if (mosquitto_want_write(l->mosq)) {
                rc = mosquitto_loop_write(l->mosq, 1);
                if (rc != MOSQ_ERR_SUCCESS)
                        return rc;
        }
        return mosquitto_loop_misc(l->mosq);
}

static void *link_thread(void *userdata) {
        struct link *l = userdata;
        bool socket_open = false, was_connected;
        int rc;

        while (!stopping(l)) {
                if (!socket_open) {
                        if (connect_once(l) != MOSQ_ERR_SUCCESS) {
                                if (!wait_retry(l))
                                        break;
                                continue;
                        }
                        socket_open = true;
                }
                was_connected = connected(l);
                rc = loop_once(l);
                if (rc != MOSQ_ERR_SUCCESS) {
                        /* A TLS handshake or a refusal fails here, after the TCP connect. */
                        if (!was_connected && !l->refused && !stopping(l))
                                connect_failed(l, rc);
                        socket_open = false; /* the next connect starts afresh */
                        if (stopping(l) || !wait_retry(l))
                                break;
                }
        }
        return NULL;
}

/* ---- set-up ---- */

/* TLS with the given CA, or the system's (ca-certificates) when none is given. */
static int setup_tls(struct link *l) {
        const struct settings *s = l->s;
        const char *capath = s->capath[0] ? s->capath : s->cafile[0] ? NULL : SYSTEM_CAPATH;
        int rc;

        rc = mosquitto_tls_set(l->mosq, s->cafile[0] ? s->cafile : NULL, capath,
                               s->certfile[0] ? s->certfile : NULL, s->keyfile[0] ? s->keyfile : NULL, NULL);
        if (rc != MOSQ_ERR_SUCCESS) {
                log_error("cannot set up TLS: %s", mosq_error(rc, (char[128]) { 0 }, 128));
                return -EINVAL;
        }
        return 0;
}

int link_init(struct link *l, const struct settings *s, const char *password, const char *version) {
        char topic[SETTINGS_PREFIX_MAX + 32];
        pthread_condattr_t attr;
        uint64_t marker;
        int rc;

        memset(l, 0, sizeof *l);
        l->s = s;
        l->log_limit = MSGQ_RATELIMIT(LOG_WINDOW_S * 1000000000ull, LOG_MAX);
        l->offline_mid = -1;
        pthread_mutex_init(&l->lock, NULL);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&l->cond, &attr);
        pthread_condattr_destroy(&attr);
        l->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (l->wake_fd < 0)
                return -errno;
        settings_node_id(s, l->node_id, sizeof l->node_id);
        l->client_id = s->client_id[0] ? s->client_id : l->node_id;
        if (getrandom(&marker, sizeof marker, GRND_NONBLOCK) != sizeof marker)
                marker = msgq_now_ns() ^ (uint64_t) getpid() << 32;
        snprintf(l->marker, sizeof l->marker, "{\"marker\":\"%016" PRIx64 "\"}", marker);

        l->mosq = mosquitto_new(l->client_id, false, l);
        if (!l->mosq)
                return -errno;
        /* Small messages that wait for each other's answers: Nagle would add 40 ms each. */
        if ((rc = mosquitto_int_option(l->mosq, MOSQ_OPT_PROTOCOL_VERSION, s->protocol)) ||
            (rc = mosquitto_int_option(l->mosq, MOSQ_OPT_TCP_NODELAY, 1)) ||
            (rc = mosquitto_threaded_set(l->mosq, true)))
                goto fail;
        mosquitto_connect_v5_callback_set(l->mosq, on_connect);
        mosquitto_disconnect_v5_callback_set(l->mosq, on_disconnect);
        mosquitto_publish_v5_callback_set(l->mosq, on_publish);
        mosquitto_message_v5_callback_set(l->mosq, on_message);

        if (s->protocol == MQTT_PROTOCOL_V5 &&
            (rc = mosquitto_property_add_int32(&l->connect_props, MQTT_PROP_SESSION_EXPIRY_INTERVAL,
                                               LINK_SESSION_EXPIRY_S)))
                goto fail;
        topic_of(l, TOPIC_AVAILABILITY, topic, sizeof topic);
        if ((rc = mosquitto_will_set_v5(l->mosq, topic, 7, "offline", 1, true, NULL)))
                goto fail;
        if (s->username[0] && (rc = mosquitto_username_pw_set(l->mosq, s->username, password)))
                goto fail;
        if (s->tls && setup_tls(l) < 0)
                return -EINVAL;
        snprintf(l->discovery_topic, sizeof l->discovery_topic, "%s/light/%s/config", s->discovery_prefix,
                 l->node_id);
        l->discovery = s->discovery ? payload_discovery(s, l->node_id, version) : strdup("");
        if (!l->discovery)
                return -ENOMEM;
        return 0;
fail:
        log_error("cannot set up the MQTT client: %s", mosq_error(rc, (char[128]) { 0 }, 128));
        return -EINVAL;
}

int link_start(struct link *l, struct board *board) {
        int r;

        l->board = board;
        r = -pthread_create(&l->thread, NULL, link_thread, l);
        if (r == 0)
                l->running = true;
        return r;
}

void link_stop(struct link *l) {
        char topic[SETTINGS_PREFIX_MAX + 32];
        struct timespec ts;
        int mid = -1;

        if (!l->running)
                return;
        topic_of(l, TOPIC_AVAILABILITY, topic, sizeof topic);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += STOP_WAIT_MS / 1000;
        pthread_mutex_lock(&l->lock);
        if (l->connected &&
            mosquitto_publish_v5(l->mosq, &mid, topic, 7, "offline", 1, true, NULL) == MOSQ_ERR_SUCCESS) {
                l->offline_mid = mid;
                wake(l);
                while (!l->offline_sent && pthread_cond_timedwait(&l->cond, &l->lock, &ts) == 0)
                        ;
        }
        l->stop = true;
        pthread_cond_broadcast(&l->cond);
        pthread_mutex_unlock(&l->lock);
        mosquitto_disconnect_v5(l->mosq, MQTT_RC_NORMAL_DISCONNECTION, NULL);
        wake(l);
        pthread_join(l->thread, NULL);
        l->running = false;
}

void link_done(struct link *l) {
        if (l->mosq)
                mosquitto_destroy(l->mosq);
        if (l->wake_fd >= 0)
                close(l->wake_fd);
        mosquitto_property_free_all(&l->connect_props);
        free(l->discovery);
        pthread_cond_destroy(&l->cond);
        pthread_mutex_destroy(&l->lock);
}
