/* SPDX-License-Identifier: MIT */
/*
 * The msgq wire protocol: what travels on the System V queue between msgqd
 * and its clients.  doc/PROTOCOL.md describes it for other languages.
 *
 * Message types (the System V mtype) split the queue in two:
 *   1 .. MSGQ_PRIO_MAX              requests; 1 is the most urgent.  msgqd
 *                                   receives with msgtyp = -MSGQ_PRIO_MAX,
 *                                   so it only ever takes requests.
 *   MSGQ_REPLY_BASE + pid           the reply to the client whose PID is pid.
 *                                   The base keeps replies clear of the request
 *                                   range even for PID 1 or 2 in a container.
 *
 * A request body is either binary (starts with the 4-byte magic "MQ\0" +
 * version, which no text request can start with) or a line of text for
 * simple clients in any language ("ON", "toggle pid=4242", ...).
 *
 * Binary bodies use fixed-width fields in the host's byte order: a System V
 * queue never leaves its machine, and fixed widths keep 32-bit and 64-bit
 * processes on one kernel compatible.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msgq.h" /* the priorities, statuses, LED state and figures: libmsgq's public types */

#define MSGQ_PROTOCOL_VERSION 1

/* Replies go to MSGQ_REPLY_BASE + pid; PIDs are at most 2^22 on Linux. */
#define MSGQ_REPLY_BASE 1000000000L
#define MSGQ_PID_MAX    4194304u

#define MSGQ_TEXT_MAX 256 /* longest text of a `send` request, in bytes */

/*
 * Lines (doc/PROTOCOL.md, Lines): msgqd's outputs, by index; 0 is the
 * default output "led", the one line msgq 0.1 knew.  MSGQ_LINES_MAX,
 * MSGQ_LINE_NAME_MAX and MSGQ_LINE_ALL are libmsgq's (msgq.h).
 */
#define MSGQ_LINE_DEFAULT   "led"
/* Every flag a line-list entry may carry (MSGQ_LINE_F_*, msgq.h). */
#define MSGQ_LINE_F_ALL     0x3fu
/* Bytes of one line-set entry: u16 line, u8 value, u8 pad. */
#define MSGQ_LINE_SET_ENTRY 4u
/* At most this many line-list entries and line-watch changes fit in one reply. */
#define MSGQ_LIST_MAX       12
#define MSGQ_CHANGES_MAX    14
/* line-events records and input-list entries in one reply. */
#define MSGQ_EVENTS_MAX     8
#define MSGQ_INPUTS_MAX     14

/* Blink limits: a half period shorter than 10 ms is not visible anyway. */
#define MSGQ_BLINK_PERIOD_MIN_MS 20u
#define MSGQ_BLINK_PERIOD_MAX_MS 3600000u
#define MSGQ_BLINK_COUNT_MAX     1000000u

/* How far in the future a request's deadline may lie. */
#define MSGQ_DEADLINE_MAX_NS (3600ull * 1000000000ull)
/* A reply stays claimable this long after its client's deadline. */
#define MSGQ_REPLY_GRACE_NS (1000ull * 1000000ull)
/* Replies to text requests (which carry no deadline) live this long. */
#define MSGQ_TEXT_REPLY_TTL_NS (30ull * 1000000000ull)

enum msgq_op {
        MSGQ_OP_PING = 1,
        MSGQ_OP_LED_ON,
        MSGQ_OP_LED_OFF,
        MSGQ_OP_LED_TOGGLE,
        MSGQ_OP_LED_STATE,
        MSGQ_OP_LED_BLINK,
        MSGQ_OP_SEND,
        MSGQ_OP_STATS,
        MSGQ_OP_EXIT,
        MSGQ_OP_LED_WATCH, /* the LED state once it differs from change number arg0 | arg1 << 32 */
        MSGQ_OP_LINE_SET,  /* several lines at once: values[] */
        MSGQ_OP_LINE_LIST, /* the lines from index arg0 on, as many as fit */
        MSGQ_OP_LINE_WATCH, /* the changes of line (or MSGQ_LINE_ALL) after number arg0 | arg1 << 32 */
        MSGQ_OP_LINE_EVENTS, /* as line-watch, each change with its edge (doc/PROTOCOL.md, Inputs) */
        MSGQ_OP_INPUT_LIST, /* the inputs from index arg0 on, as many as fit */
        _MSGQ_OP_MAX,
};

/* Request header flags. */
#define MSGQ_REQ_NO_REPLY 0x0001u /* act, but send no reply */
#define MSGQ_REQ_TIME     0x0002u /* LED ops (not stats): the reply's LED state says when it was made */
#define MSGQ_REQ_FLAGS    (MSGQ_REQ_NO_REPLY | MSGQ_REQ_TIME)

/*
 * On the wire (after the mtype), 40 bytes, then text_len bytes of text:
 *   0  magic[4]     'M' 'Q' 0 version
 *   4  pid          u32, the reply address
 *   8  token        u64, echoed in the reply
 *  16  deadline_ns  u64, CLOCK_MONOTONIC: when the client stops waiting
 *  24  op           u16
 *  26  flags        u16
 *  28  arg0         u32 (blink: period in ms)
 *  32  arg1         u32 (blink: count, 0 = until cancelled)
 *  36  text_len     u16 (line-set: its entries, MSGQ_LINE_SET_ENTRY bytes each)
 *  38  line         u16: the line's index (ops 2-6, 10, 13, 14), else 0
 */
#define MSGQ_REQUEST_HEADER_SIZE 40u
#define MSGQ_REQUEST_MAX_SIZE    (MSGQ_REQUEST_HEADER_SIZE + MSGQ_TEXT_MAX)
/* The part of the header that identifies the sender: enough to answer. */
#define MSGQ_REQUEST_ADDRESS_SIZE 16u

/*
 * One line of a line-set: by index in binary, by name in text (the name
 * is kept in the request's text, NUL-terminated, at name_at: see
 * msgq_line_value_name()).  Small, so that a request stays cheap to clear.
 */
struct msgq_line_value {
        uint16_t line;
        uint8_t on;
        uint8_t name_len;       /* text: the name's length; binary: 0 */
        uint16_t name_at;       /* text: where it starts in text[] */
};

struct msgq_request {
        long prio; /* the mtype it travels with */
        uint32_t pid;
        uint64_t token;
        uint64_t deadline_ns;
        uint16_t op;
        uint16_t flags;
        uint32_t arg0;
        uint32_t arg1;
        uint16_t text_len;
        char text[MSGQ_TEXT_MAX + 1]; /* always NUL-terminated; text SET: its names */
        uint16_t line;                /* binary: offset 38 */
        char line_name[MSGQ_LINE_NAME_MAX + 1]; /* text: the line named, "" = the default */
        uint16_t nvalues;             /* line-set */
        char why[160];                /* text: what the decoder refused, naming the word; "" = nothing said */
        /* Last: only its first nvalues are ever read (msgq_request_clear() leaves it). */
        struct msgq_line_value values[MSGQ_LINES_MAX];
};

/* A request zeroed but for values[], which nvalues (0) says are unused. */
static inline void msgq_request_clear(struct msgq_request *req) {
        memset(req, 0, offsetof(struct msgq_request, values));
}

/* The name of a text SET's value i, or "" for a binary one's. */
static inline const char *msgq_line_value_name(const struct msgq_request *req, size_t i) {
        return req->values[i].name_len ? req->text + req->values[i].name_at : "";
}

/*
 * The entry of a line-set that names a line an earlier one named (by
 * name regardless of case, or by index), or -1: the decoders refuse such a
 * request, and msgqd names the line in its answer.
 */
int msgq_line_set_twice(const struct msgq_request *req);

/*
 * line-set's entries, q (len bytes, as the request carries them): 0, or
 * -EINVAL with what is wrong in why (when not NULL), naming the entry.
 */
int msgq_line_set_check(const unsigned char *q, size_t len, char *why, size_t size);

/*
 * The line records of line-set, line-list and line-watch replies are
 * libmsgq's types (msgq.h): struct msgq_line_state, struct msgq_line_info
 * (its flags MSGQ_LINE_F_*) and struct msgq_change.
 */

/* line-events' records and input-list's entries are libmsgq's types (msgq.h): struct msgq_event, struct msgq_input_info. */

/*
 * Reply body on the wire, 40 bytes of header and a payload of payload_len:
 *   0  magic[4]     'M' 'Q' 0 version
 *   4  status       u32 (enum msgq_status)
 *   8  token        u64, the request's
 *  16  expires_ns   u64, CLOCK_MONOTONIC: reclaimable after this
 *  24  op          u16, the request's
 *  26  payload_len  u16
 *  28  daemon_pid   u32
 *  32  changes      u64, the LED's change number with a led state; else 0
 *  40  payload: led state (12 bytes, or 28 with its time: MSGQ_REQ_TIME),
 *               stats, or error text (no NUL)
 */
#define MSGQ_REPLY_HEADER_SIZE 40u
#define MSGQ_ERROR_TEXT_MAX    200u

struct msgq_reply {
        uint32_t status;
        uint64_t token;
        uint64_t expires_ns;
        uint16_t op;
        uint32_t daemon_pid;
        struct msgq_led_state led; /* led ops and stats */
        uint16_t line;             /* led ops: the line's index (0 in stats) */
        bool led_time;             /* with led, when msgqd made it (the request had MSGQ_REQ_TIME): */
        uint64_t led_time_ns;      /* CLOCK_REALTIME, ns since the epoch */
        uint64_t led_monotonic_ns; /* the same moment on CLOCK_MONOTONIC */
        struct msgq_stats stats;   /* stats */
        char error[MSGQ_ERROR_TEXT_MAX + 1];
        /* Text replies to ops 2-6: the line's name ("" = the default, "led"). */
        char line_name[MSGQ_LINE_NAME_MAX + 1];
        /* line-set: bit i = line i was set, is now on; the first change made (0: none). */
        uint64_t set_lines, set_on, set_first;
        /* line-list, input-list: lines (inputs) in all, and the entries below (from the index asked for on). */
        uint16_t list_total, list_count;
        /* line-watch: changes no longer kept, and the changes below that follow. */
        uint32_t missed;
        uint16_t nchanges;
        /* Last: only the first list_count or nchanges are ever read (msgq_reply_clear()). */
        union {
                struct msgq_line_info list[MSGQ_LIST_MAX];
                struct msgq_change changes_after[MSGQ_CHANGES_MAX];
                struct msgq_event events[MSGQ_EVENTS_MAX];
                struct msgq_input_info inputs[MSGQ_INPUTS_MAX];
        };
};

/* A reply zeroed but for its entries, which list_count and nchanges (0) say are unused. */
static inline void msgq_reply_clear(struct msgq_reply *rep) {
        memset(rep, 0, offsetof(struct msgq_reply, list));
}

/* Largest encoded message body (without the mtype). */
#define MSGQ_MSG_MAX 512u

/* A buffer as msgsnd/msgrcv want it. */
struct msgq_msgbuf {
        long mtype;
        unsigned char body[MSGQ_MSG_MAX + 1]; /* +1: oversized is detectable */
};

static inline long msgq_reply_type(uint32_t pid) {
        return MSGQ_REPLY_BASE + (long) pid;
}

static inline bool msgq_prio_valid(long prio) {
        return prio >= MSGQ_PRIO_MIN && prio <= MSGQ_PRIO_MAX;
}

/* Whether a successful reply to op carries the LED state. */
static inline bool msgq_op_has_led(uint16_t op) {
        return (op >= MSGQ_OP_LED_ON && op <= MSGQ_OP_LED_BLINK) || op == MSGQ_OP_STATS ||
               op == MSGQ_OP_LED_WATCH;
}

/*
 * Whether a successful reply to op carries a change number at offset 32
 * (led.changes): line-set and line-list, msgqd's last; line-watch, its
 * last change's.
 */
static inline bool msgq_op_has_changes(uint16_t op) {
        return msgq_op_has_led(op) || (op >= MSGQ_OP_LINE_SET && op <= MSGQ_OP_INPUT_LIST);
}

/* Whether op names one line at offset 38 (line-watch, line-events: or every line). */
static inline bool msgq_op_has_line(uint16_t op) {
        return (op >= MSGQ_OP_LED_ON && op <= MSGQ_OP_LED_BLINK) || op == MSGQ_OP_LED_WATCH ||
               op == MSGQ_OP_LINE_WATCH || op == MSGQ_OP_LINE_EVENTS;
}

/* Whether op is answered with change records: line-watch, line-events. */
static inline bool msgq_op_is_watch(uint16_t op) {
        return op == MSGQ_OP_LINE_WATCH || op == MSGQ_OP_LINE_EVENTS;
}

const char *msgq_op_to_string(uint16_t op);
int msgq_op_from_string(const char *s); /* "led-on" ...; -EINVAL */
const char *msgq_status_to_string(uint32_t status);

/* Encoders return the body length, or -EINVAL/-EMSGSIZE. */
int msgq_request_encode(const struct msgq_request *req, void *buf, size_t size);
int msgq_reply_encode(const struct msgq_reply *rep, void *buf, size_t size);

/*
 * Decoders validate every field.  They return 0, or a negative errno with
 * *status set to the msgq_status to answer with:
 *   -EBADMSG   malformed or truncated        -EPROTO   wrong version
 *   -EMSGSIZE  longer than any valid message -EOPNOTSUPP unknown op
 *   -EINVAL    an argument out of range
 * A request decode that fails still fills req->pid and req->token when the
 * sender's address could be read (msgq_request_has_address() says so);
 * deadline_ns only once the whole header was read.
 */
int msgq_request_decode(const void *body, size_t len, struct msgq_request *req,
                        uint32_t *status);
bool msgq_request_has_address(const struct msgq_request *req);
int msgq_reply_decode(const void *body, size_t len, struct msgq_reply *rep);

/* Whether a body is binary (starts with the magic) rather than text. */
bool msgq_body_is_binary(const void *body, size_t len);

/*
 * The text form: "COMMAND [ARG ...] [pid=PID]", case-insensitive, with an
 * optional trailing NUL or newline.  Commands: ON OFF TOGGLE STATE [NAME],
 * BLINK PERIOD_MS [COUNT] [NAME], SET NAME=VALUE..., PING EXIT STATS.  A
 * NAME is left in line_name (values[].name for SET) for msgqd to look up.
 * Without pid= the request asks for no reply.
 * Fills req like the binary decoder; returns 0 or a negative errno.
 */
int msgq_text_decode(const void *body, size_t len, long prio, struct msgq_request *req,
                     uint32_t *status);
/* The reply to a text request: "OK led=on" / "ERR invalid: ...", no NUL. */
int msgq_text_reply_format(const struct msgq_reply *rep, char *buf, size_t size);
