/* SPDX-License-Identifier: MIT */
/*
 * What travels on MQTT: commands in (parsed and checked here, before
 * anything reaches msgqd: a command means exactly what it says, or is
 * refused with the key, the value and what is taken; JSON is read by
 * strictjson.h), state, discovery, figures and errors out (JSON written
 * with json-c).  No I/O: tests/check-payload.c drives it directly.
 *
 * Topics, under the prefix (msgq/<hostname>-<board id> by default), for
 * the LED (line 0, led/...) and for each other output, named by its line's
 * name in lower case (pump/set, pump/state, pump/attributes):
 *   led/set      in   ON, OFF, TOGGLE, or {"state":"ON","effect":"blink",
 *                     "period_ms":500,"count":3}, or what Home Assistant's
 *                     JSON light sends ({"state":"ON","flash":2}, ...)
 *   send         in   a line of text, or {"text":"...","priority":1..10}
 *   stats/get    in   anything: publish the figures on stats
 *   led/state    out  {"state":"ON","effect":null}, {"state":"ON",
 *                     "effect":"blink","period_ms":500} or
 *                     {"state":"OFF","effect":null}, retained
 *   led/attributes out {"blinking":false} or {"blinking":true,
 *                     "period_ms":500,"blinks_left":3}, retained
 *   availability out  online / offline, retained (offline is the last will)
 *   stats        out  the daemon's, the queue's and the bridge's figures
 *   error        out  {"topic":"...","error":"..."} for a refused command
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/msg.h>

#include "protocol.h"
#include "settings.h"

#define TOPIC_LED_SET      "led/set"
#define TOPIC_LINE_SET     "+/set"      /* subscribed: every output's set, led/set among them */
#define TOPIC_SEND         "send"
#define TOPIC_STATS_GET    "stats/get"
#define TOPIC_LED_STATE    "led/state"
#define TOPIC_LED_ATTRIBUTES "led/attributes"
#define TOPIC_AVAILABILITY "availability"
#define TOPIC_STATS        "stats"
#define TOPIC_ERROR        "error"
#define TOPIC_CHANGES      "changes"

#define PAYLOAD_MAX           1024u /* longest command payload taken */
#define BLINK_DEFAULT_PERIOD  500u
#define PAYLOAD_WHY_MAX       160u
#define FLASH_PERIOD_MS       500u /* a flash blinks this fast */
#define FLASH_MIN_S           0.001 /* a flash rounds to 1 ms at least */
#define FLASH_MAX_S           3600u

struct command {
        uint16_t op;                    /* MSGQ_OP_LED_*, MSGQ_OP_SEND or MSGQ_OP_STATS */
        uint32_t arg0, arg1;            /* blink: period (ms), count (0 = until cancelled) */
        uint16_t then_op;               /* a flash: MSGQ_OP_LED_ON or _OFF once the blink is over, or 0 */
        long prio;                      /* send: its priority; 0 = the bridge's own */
        char text[MSGQ_TEXT_MAX + 1];   /* send */
        char line[MSGQ_LINE_NAME_MAX + 1]; /* <line>/set: the line's name in lower case; "": led */
        char topic[MSGQ_LINE_NAME_MAX + 16]; /* the subtopic it came on, for error reports */
        uint64_t received_ns;
};

/* What led/state shows: while blinking the LED counts as on. */
struct led_view {
        bool on;
        bool blinking;
        uint32_t period_ms;
        uint32_t blinks_left;   /* when it was seen; 0 = until cancelled */
        uint64_t time_ns;       /* when msgqd made the state (CLOCK_REALTIME; 0: not told); not compared */
};

/* Figures the bridge keeps about itself. */
struct bridge_figures {
        uint64_t commands;      /* taken from MQTT */
        uint64_t applied;       /* answered by msgqd with success */
        uint64_t failed;        /* refused, answered with an error, or expired */
        uint64_t pending;       /* waiting for msgqd now */
        uint64_t led_state_requests; /* asked of msgqd: while it is away, when the broker comes back (not the probes) */
        uint64_t daemon_lost;   /* times msgqd went away */
};

/*
 * A message on SUBTOPIC (<line>/set, send or stats/get) into *cmd.  Returns
 * 0, or -EINVAL with why filled (a short reason for the error topic).
 * Whether msgqd has that line is for the board to say.
 */
int payload_parse_command(const char *subtopic, const void *payload, size_t len,
                          struct command *cmd, char *why, size_t why_size);

/* time_ns: when msgqd made the state (0: not said). */
void led_view_from(const struct msgq_led_state *st, uint64_t time_ns, struct led_view *v);
bool led_view_equal(const struct led_view *a, const struct led_view *b);

/* The JSON texts; each returns a malloc'd string, or NULL without memory. */
char *payload_led_state(const struct led_view *v);
char *payload_led_attributes(const struct led_view *v);
char *payload_error(const char *topic, const char *error);
/* Home Assistant's discovery config of the LED, line 0 (doc/HOME-ASSISTANT.md says what each key is for). */
char *payload_discovery(const struct settings *s, const char *node_id, const char *version);
/*
 * The config of another output: a light named name, or a switch (relay),
 * with its topics under <prefix>/<topic>/ and unique id <node id>_<topic>.
 */
char *payload_discovery_output(const struct settings *s, const char *node_id, const char *version,
                               const char *name, const char *topic, bool relay);
/* An input's entities (doc/HOME-ASSISTANT.md, "Inputs"). */
enum input_entity {
        INPUT_BINARY_SENSOR,    /* its level: unique id <node id>_<topic>, on <topic>/state */
        INPUT_EVENT,            /* its edges: <node id>_<topic>.edge, on <topic>/event */
        INPUT_COUNT,            /* its counter: <node id>_<topic>.count, on <topic>/state */
};
/* An input's edges (msgq_input_info's edges): which event_types its event entity has. */
#define INPUT_EDGES_RISING  1u
#define INPUT_EDGES_FALLING 2u

/*
 * The config of input entity e; edges: the input's configured edges
 * (INPUT_EDGES_*); device_class: the binary_sensor's (NULL or "": none).
 */
char *payload_discovery_input(const struct settings *s, const char *node_id, const char *version, const char *name,
                              const char *topic, enum input_entity e, unsigned edges, const char *device_class);
/*
 * <topic>/state of an input: {"state":"ON","count":17,"number":1234}: its
 * level, its edge counter (left out when not known: count NULL) and
 * msgqd's number of its last change.
 */
char *payload_input_state(bool on, const uint64_t *count, uint64_t number);
/*
 * <topic>/event: one edge (on: rising), its number, the level after it,
 * its time (CLOCK_REALTIME ns, 0: not known) and the counter after it
 * (NULL: not known).
 */
char *payload_input_event(bool on, uint64_t number, uint64_t time_ns, const uint64_t *count);
/*
 * <topic>/event: changes not told, at number (the first change after
 * them): missed of them (NULL: how many is not known), whether that is a
 * lower bound (at_least 1, "at_least":true; 0 exact; negative: not said),
 * why (reason "history", "overflow" or "away"), the level after them
 * (negative: not known) and the counter (NULL: not known).
 */
char *payload_input_missed(uint64_t number, const uint64_t *missed, int at_least, const char *reason, int level,
                           const uint64_t *count);
/* <prefix>/changes: {"number":N}, the last change number the bridge published. */
char *payload_changes(uint64_t number);
/*
 * Read <prefix>/changes back: 0 with *number, or -EINVAL for anything but
 * {"number":N}.
 */
int payload_parse_changes(const void *payload, size_t len, uint64_t *number);
/* The figures: msgqd's (st, and led: line 0), the queue's and the bridge's. */
char *payload_stats(const struct msgq_stats *st, const struct msgq_led_state *led, key_t key, int msqid,
                    const struct msqid_ds *ds, const struct bridge_figures *f);
