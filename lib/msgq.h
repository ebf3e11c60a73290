/* SPDX-License-Identifier: MIT */
/*
 * libmsgq: the client side of msgqd, the LED daemon on a System V message
 * queue.  One header; every symbol starts with msgq_ (MSGQ_ for macros).
 * doc/PROTOCOL.md describes the wire protocol for those who write their own
 * client; this library is the one msgqctl and the benchmark use.
 *
 * Handles.  msgq_open() gives a struct msgq *, one connection to one queue;
 * the library keeps no global state of its own beyond a handler for its
 * signal (below) and, per thread, the thread's ID once asked.  A
 * handle's calls may come from any thread, one at a time (a second
 * caller waits for the first, within its own deadline); only
 * msgq_cancel() may be called while another thread is in a call.  Two
 * handles are independent: threads may use one each at the same time.
 * After fork(), the child may go on with a handle it inherited: its calls
 * then take replies at the child's own address.
 *
 * Deadlines.  Every call that talks to msgqd waits at most the handle's
 * timeout (msgq_set_timeout(), 3000 ms unless set) and msgq_led_watch()
 * at most its own; the deadline travels in the request, so msgqd drops a
 * request whose client stopped waiting.  A call that fails with -ETIMEDOUT
 * or -ECANCELED may still be served later.
 *
 * Errors.  Calls return 0 or a negative errno; msgq_errmsg() says what went
 * wrong in words for a person (msgqd's own message when it answered with an
 * error), msgq_strerror() names an error code.  When msgqd answered with an
 * error, msgq_daemon_status() gives its status (enum msgq_status) and the
 * call returned the errno of msgq_status_errno().
 *
 * Signal.  A call that waits is woken by a real-time signal, SIGRTMIN + 3,
 * from a per-handle timer: the library gives that signal a handler that
 * does nothing if it has none, and keeps it blocked in a calling thread
 * except while a call waits.  A program should leave that signal alone.
 */
#ifndef MSGQ_H
#define MSGQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Request priorities: 1 is the most urgent; the System V message type. */
#define MSGQ_PRIO_MIN     1
#define MSGQ_PRIO_MAX     10
#define MSGQ_PRIO_DEFAULT 5

/* The handle's timeout unless msgq_set_timeout() changes it, and its limit. */
#define MSGQ_TIMEOUT_DEFAULT_MS 3000u
#define MSGQ_TIMEOUT_MAX_MS     3600000u

/* Longest text msgq_send() takes, in bytes. */
#define MSGQ_SEND_TEXT_MAX 256u

/* msgqd's reply status: 0 or one of these (stable numbers, part of the protocol). */
enum msgq_status {
        MSGQ_OK = 0,
        MSGQ_ERR_MALFORMED = 1,  /* could not be decoded */
        MSGQ_ERR_VERSION = 2,    /* protocol version not supported */
        MSGQ_ERR_UNKNOWN_OP = 3, /* well-formed but unknown operation */
        MSGQ_ERR_INVALID = 4,    /* an argument is out of range */
        MSGQ_ERR_TOO_LARGE = 5,  /* longer than any valid request */
        MSGQ_ERR_LED = 6,        /* the LED line could not be driven */
        MSGQ_ERR_SHUTDOWN = 7,   /* the daemon is stopping */
        _MSGQ_ERR_MAX,
};

/* The LED as msgqd reports it. */
struct msgq_led_state {
        uint8_t on;
        uint8_t blinking;
        uint32_t period_ms;
        uint32_t remaining; /* toggles left, 0 = until cancelled */
        uint64_t changes;   /* the change number (kept across restarts; blink toggles are none) */
};

/*
 * Lines (msgq 0.2): msgqd's outputs, by index.  Index 0 is the default
 * output "led", the LED of msgq 0.1: the msgq_led_* calls are the
 * msgq_line_* calls of line 0.  Index i is the i-th line of msgqd's table
 * (msgq.conf's order); a program that keeps indexes compares
 * msgq_daemon_pid() and resolves names again when it changes.
 */
#define MSGQ_LINES_MAX     64      /* the kernel's GPIO_V2_LINES_MAX */
#define MSGQ_LINE_NAME_MAX 31      /* characters of a line's name */
#define MSGQ_LINE_ALL      0xffffu /* msgq_line_watch(): every line */

/*
 * A line's state in msgqd's change records: the LED state above (changes:
 * the number of the line's last change, in msgqd's one change sequence of
 * every line), which line, and the line's own count of its changes (a gap
 * in seq is a change of that line the caller was not told of).
 */
struct msgq_line_state {
        struct msgq_led_state led;
        uint16_t line;      /* the line's index */
        uint32_t seq;       /* the line's own count of changes */
};

/* struct msgq_line_info's flags. */
#define MSGQ_LINE_F_ACTIVE_LOW  0x01u  /* on is the line's low level */
#define MSGQ_LINE_F_START_SHIFT 1      /* 2 bits: MSGQ_LINE_START_* */
#define MSGQ_LINE_F_START_MASK  0x06u
#define MSGQ_LINE_F_STOP_KEEP   0x08u  /* stop = keep (else off) */
#define MSGQ_LINE_F_RELAY       0x10u  /* kind = relay (else led) */
#define MSGQ_LINE_F_INPUT       0x20u  /* an input ([input NAME]): its level, never driven */
/* A line's start policy: (flags & MSGQ_LINE_F_START_MASK) >> MSGQ_LINE_F_START_SHIFT. */
#define MSGQ_LINE_START_RESTORE 0
#define MSGQ_LINE_START_OFF     1
#define MSGQ_LINE_START_ON      2

/* One line of msgqd's table, as msgq_line_list() gives it. */
struct msgq_line_info {
        struct msgq_line_state st;
        uint32_t offset;        /* on its chip */
        uint32_t by_pid;        /* whose request made its last change; 0: msgqd's own */
        uint8_t flags;          /* MSGQ_LINE_F_* */
        char name[MSGQ_LINE_NAME_MAX + 1];
        char chip[32];          /* "gpiochip0", or "sim" for msgqd --sim */
};

/* One change, as msgq_line_watch() gives it: the line's state after it, and when. */
struct msgq_change {
        struct msgq_line_state st;
        uint64_t time_ns;       /* CLOCK_REALTIME, when msgqd made it */
};

/*
 * Inputs (msgq 0.2): lines that msgqd reads ([input NAME]), flagged
 * MSGQ_LINE_F_INPUT in msgq_line_list().  Each edge is a change of the one
 * sequence, and msgq_line_events() gives it with what the kernel said.
 */
enum msgq_edge {
        MSGQ_EDGE_OUTPUT,       /* a change of an output */
        MSGQ_EDGE_RISING,       /* of an input's level (after active_low) */
        MSGQ_EDGE_FALLING,
        MSGQ_EDGE_AWAY,         /* the level differed from the last recorded at msgqd's start */
        _MSGQ_EDGE_MAX,
};
#define MSGQ_EVENT_F_LOST_AT_LEAST 0x01u /* lost is a lower bound (libgpiod 1.6: no kernel numbers) */
#define MSGQ_EVENT_F_DEBOUNCED     0x02u /* debounced by msgqd */
#define MSGQ_EVENT_F_ALL           0x03u

/* One change, as msgq_line_events() gives it: msgq_line_watch()'s, and the edge. */
struct msgq_event {
        struct msgq_change ch;
        uint64_t kernel_ns;     /* the kernel's CLOCK_MONOTONIC timestamp of the edge; 0: none */
        uint32_t kernel_seqno;  /* the kernel's number of the edge on its line; 0: none */
        uint32_t lost;          /* edges of its line the kernel dropped just before it */
        uint8_t edge;           /* enum msgq_edge */
        uint8_t flags;          /* MSGQ_EVENT_F_* */
};

/* Who debounces an input. */
#define MSGQ_DEBOUNCE_NONE   0
#define MSGQ_DEBOUNCE_KERNEL 1
#define MSGQ_DEBOUNCE_MSGQD  2

/* One input, as msgq_input_list() gives it: its settings and counter. */
struct msgq_input_info {
        uint16_t line;          /* its index in msgqd's table */
        uint8_t bias;           /* 0 as-is, 1 pull-up, 2 pull-down, 3 disabled */
        uint8_t edges;          /* 1 rising, 2 falling, 3 both */
        uint8_t debounce_by;    /* MSGQ_DEBOUNCE_* */
        uint32_t debounce_us;
        uint64_t count;         /* edges counted (with those the kernel lost) */
        uint64_t lost;          /* edges the kernel lost, of those counted */
};

/* What msgq_line_watch() says besides the changes. */
struct msgq_watch_result {
        uint32_t missed;        /* changes after since no longer kept: before the first given */
        uint64_t next;          /* the number to watch from next */
};

/* One line and its level for msgq_line_set(). */
struct msgq_line_level {
        uint16_t line;          /* the line's index */
        uint8_t on;             /* 1 on, 0 off */
};

/* What msgq_line_set() did. */
struct msgq_line_set_result {
        uint64_t lines;         /* bit i: line i was set */
        uint64_t on;            /* bit i: line i is now on (of those set) */
        uint64_t first;         /* the number of the first change it made; 0: none */
        uint64_t last;          /* the number of the last (with none: the lines' last) */
};

/* msgqd's figures since it started. */
struct msgq_stats {
        uint64_t uptime_ms;
        uint64_t served[MSGQ_PRIO_MAX]; /* requests served per priority */
        uint64_t errors;                /* requests answered with an error */
        uint64_t malformed;             /* could not be decoded at all */
        uint64_t replies_late;          /* not sent: the client had given up */
        uint64_t replies_deferred;      /* queue full when answering */
        uint64_t replies_dropped;       /* reply backlog overflowed */
        uint64_t replies_reclaimed;     /* unclaimed replies removed */
        uint32_t daemon_pid;
        uint32_t queue_recreated;       /* times the queue was recreated */
};

/* One connection to msgqd's queue (opaque). */
struct msgq;

/* The library's version, "0.2.0". */
const char *msgq_version(void);

/*
 * Open the queue for key and give a handle in *ret (NULL on failure).
 * key 0 means msgqctl's choice: MSGQ_KEY from the environment, else the
 * key in msgq.conf, else 0x6d736771.  -ENOENT: no queue (msgqd is not
 * running); -EACCES: its mode does not let this user in; -EINVAL: a bad
 * MSGQ_KEY or msgq.conf (msgq_open_config() says why); -ENOMEM.
 * Thread-safe.
 */
int msgq_open(struct msgq **ret, key_t key);
/*
 * msgq_open() with the configuration file config (NULL: the default, which
 * may be missing) and, on failure, a message for a person in err (size
 * bytes, may be NULL): "msgq.conf:2: key = banana: expected ...".
 */
int msgq_open_config(struct msgq **ret, const char *config, key_t key, char *err, size_t size);
/* Release the handle (NULL is fine).  No call may be in progress on it. */
void msgq_close(struct msgq *h);

/* The handle's key. */
key_t msgq_key(const struct msgq *h);
/* How long each later call waits at most: 1 .. MSGQ_TIMEOUT_MAX_MS ms, else -EINVAL. */
int msgq_set_timeout(struct msgq *h, unsigned timeout_ms);
/* The priority of later requests: MSGQ_PRIO_MIN .. MSGQ_PRIO_MAX, else -EINVAL. */
int msgq_set_priority(struct msgq *h, int prio);

/*
 * The calls.  Each sends one request and waits for its reply; 0, or:
 *   -ETIMEDOUT  no reply within the timeout (the request may still be served)
 *   -ECANCELED  msgq_cancel() from another thread
 *   -EIDRM      the queue was removed (msgqd stopped)
 *   -EACCES     the queue's mode no longer lets this user in
 *   -EINVAL, -EIO, ... msgqd answered with an error (msgq_daemon_status())
 * Each struct pointer may be NULL when the caller does not want it.
 */
int msgq_ping(struct msgq *h);
int msgq_get_stats(struct msgq *h, struct msgq_stats *stats, struct msgq_led_state *led);
int msgq_led_on(struct msgq *h, struct msgq_led_state *led);
int msgq_led_off(struct msgq *h, struct msgq_led_state *led);
int msgq_led_toggle(struct msgq *h, struct msgq_led_state *led);
int msgq_led_state(struct msgq *h, struct msgq_led_state *led);
/* Blink with half-period period_ms, count toggles (0: until another LED request). */
int msgq_led_blink(struct msgq *h, uint32_t period_ms, uint32_t count, struct msgq_led_state *led);
/*
 * Wait until the LED's change number differs from since, at most
 * timeout_ms (1 .. MSGQ_TIMEOUT_MAX_MS; the handle's timeout does not
 * apply), and give the LED then: -ETIMEDOUT if nothing changed.  msgqd
 * answers at once when since is already behind.
 */
int msgq_led_watch(struct msgq *h, uint64_t since, unsigned timeout_ms,
                   struct msgq_led_state *led);
/*
 * When msgqd made the LED state the last LED call on h gave (msgq_led_on()
 * to msgq_led_watch(), msgq_line_on() to msgq_line_wait(); not
 * msgq_get_stats() nor msgq_line_watch(), whose changes carry their time): *time_ns on CLOCK_REALTIME
 * (ns since the epoch), *monotonic_ns the same moment on CLOCK_MONOTONIC;
 * either pointer may be NULL.  -ENODATA when that call failed, or msgqd
 * did not say (an msgqd older than this library).
 */
int msgq_led_time(const struct msgq *h, uint64_t *time_ns, uint64_t *monotonic_ns);
/*
 * Withdraw the watch msgqd keeps for this handle (after a msgq_led_watch()
 * that was cancelled), so that msgqd does not answer it: a led-watch that
 * wants no reply, then a ping, by which time an answer msgqd sent the
 * watch before has come and been dropped (msgqd answers in order at one
 * priority).  From the thread that watched (its thread ID is the watch's
 * address); within the handle's timeout; 0 or an error as the calls above.
 * msgqd keeps one watch per address, so this withdraws a cancelled
 * msgq_line_wait() or msgq_line_watch() too.
 */
int msgq_led_unwatch(struct msgq *h);
/*
 * The lines (msgq 0.2).  An msgqd older than its line table answers a
 * line other than 0 or a line call with -EBADMSG or -EOPNOTSUPP, and
 * msgq_errmsg() says that it serves the LED only.  Errors name the line.
 *
 * msgq_line_list(): every line of msgqd's table in index order, into
 * lines (max entries; MSGQ_LINES_MAX hold any table): the number of lines
 * msgqd has, of which the first max (at most) are in lines; or a negative
 * errno.  Asks as often as msgqd's replies need (about ten lines each),
 * all within the handle's timeout; -EAGAIN when msgqd restarted twice
 * meanwhile (its table may differ).
 */
int msgq_line_list(struct msgq *h, struct msgq_line_info *lines, size_t max);
/*
 * The index of the line called name (compared without regard to case, as
 * msgqd does), or a negative errno: -ENOENT when msgqd has no such line
 * (msgq_errmsg(): "no line 'pmup'; msgqd has led, pump"), -EINVAL for a
 * name no line can have.  One msgq_line_list(); within the handle's timeout.
 */
int msgq_line_find(struct msgq *h, const char *name);
/*
 * The LED calls above for line (an index); -EINVAL with msgq_errmsg()
 * naming it when msgqd has no such line.  msgq_led_time() gives the time
 * of the state they return too.  msgq_line_wait() is msgq_led_watch() of
 * one line: answered by the next change of that line (not of another).
 */
int msgq_line_on(struct msgq *h, unsigned line, struct msgq_led_state *st);
int msgq_line_off(struct msgq *h, unsigned line, struct msgq_led_state *st);
int msgq_line_toggle(struct msgq *h, unsigned line, struct msgq_led_state *st);
int msgq_line_state(struct msgq *h, unsigned line, struct msgq_led_state *st);
int msgq_line_blink(struct msgq *h, unsigned line, uint32_t period_ms, uint32_t count,
                    struct msgq_led_state *st);
int msgq_line_wait(struct msgq *h, unsigned line, uint64_t since, unsigned timeout_ms,
                   struct msgq_led_state *st);
/*
 * Set n lines (1 .. MSGQ_LINES_MAX, each once) in one request: msgqd
 * checks them all first and changes nothing when one is wrong (-EINVAL,
 * msgq_errmsg() naming it), then ends their blinks and sets them, the
 * lines of one chip in one kernel call; each line that changed is one
 * change, numbered in the order of levels.  res (may be NULL) says which.
 */
int msgq_line_set(struct msgq *h, const struct msgq_line_level *levels, size_t n,
                  struct msgq_line_set_result *res);
/*
 * The changes of line (an index, or MSGQ_LINE_ALL for every line) after
 * change number since, in order, into changes (max >= 1 entries): their
 * number, or a negative errno.  msgqd answers at once with what it keeps
 * after since (at most 14 a reply; more than max: the first max), else
 * waits up to timeout_ms (1 .. MSGQ_TIMEOUT_MAX_MS; the handle's timeout
 * does not apply) for the next: -ETIMEDOUT if none came.  res (may be
 * NULL): res->missed, how many changes after since msgqd no longer keeps
 * (of every line), which come before the first given (with missed, the
 * number may be 0: none kept is of the line watched); res->next, the
 * number to watch from next (the last change given, or msgqd's last when
 * none).  since ahead of msgqd's last change (another msgqd, its state
 * lost): -EINVAL, with msgqd's number in msgq_errmsg(); list the lines
 * and watch from there.
 */
int msgq_line_watch(struct msgq *h, unsigned line, uint64_t since, unsigned timeout_ms,
                    struct msgq_change *changes, size_t max, struct msgq_watch_result *res);
/*
 * msgq_line_watch() with each change's edge (struct msgq_event: rising,
 * falling or away for an input, 0 for an output's change), the kernel's
 * timestamp and number, and how many edges the kernel lost just before it
 * (at most 8 a reply).  The same arguments, results and errors.
 */
int msgq_line_events(struct msgq *h, unsigned line, uint64_t since, unsigned timeout_ms,
                     struct msgq_event *events, size_t max, struct msgq_watch_result *res);
/*
 * Every input of msgqd's table in index order, into inputs (max entries;
 * NULL with max 0 only counts): how many msgqd has (more than max: the
 * first max are filled), or a negative errno.  Asks again while msgqd
 * has more than one reply holds; within the handle's timeout.
 */
int msgq_input_list(struct msgq *h, struct msgq_input_info *inputs, size_t max);

/* Have msgqd log text (at most MSGQ_SEND_TEXT_MAX bytes, printable, no newline). */
int msgq_send(struct msgq *h, const char *text);
/* Ask msgqd to stop (it removes its queue). */
int msgq_shutdown(struct msgq *h);

/*
 * From another thread: make the call in progress on h return -ECANCELED,
 * and return once it has returned.  Only the call in progress when it
 * was made: does nothing when no call is in progress or that call has
 * ended meanwhile (a call that starts after it is never cancelled): a thread that
 * cannot know whether the call has begun (one that waits for signals, say)
 * calls it again until the call has returned, as msgqctl does.  Safe to
 * call from any thread, not from a signal handler.
 */
void msgq_cancel(struct msgq *h);

/*
 * What the last call on h that failed went wrong with, for a person: msgqd's
 * own message ("invalid argument: 16 others watch the LED already; try
 * again later"), or the
 * library's ("no answer from msgqd within 3000 ms").  "" before any
 * failure.  Valid until the next call on h, in the thread that made it.
 */
const char *msgq_errmsg(const struct msgq *h);
/* The status msgqd answered the last call with (enum msgq_status), 0 if it did not answer. */
int msgq_daemon_status(const struct msgq *h);
/* The PID of the msgqd that answered last, 0 before any answer. */
uint32_t msgq_daemon_pid(const struct msgq *h);
/* The negative errno the calls return for a status of msgqd (0 for MSGQ_OK). */
int msgq_status_errno(int status);
/* A short description of err (negative or positive errno), as msgq uses it. */
const char *msgq_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* MSGQ_H */
