/* SPDX-License-Identifier: MIT */
/*
 * libmsgq: the public calls of msgq.h on the client of common/client.h.
 *
 * A handle is a client plus what the header promises around it: a lock
 * that lets one call in at a time (within the call's deadline), the
 * thread that makes the call (the client is rebound when that changes,
 * also in the child after fork()), the call word and the caller's thread
 * for msgq_cancel(), and the last error in words.
 *
 * Locks: lock guards the client, timeout, prio, untimed and the last error and
 * reply figures; msgq_cancel() takes no lock and touches only call and
 * caller (both __atomic).
 *
 * The call word holds the number of the call in progress or last made
 * (in steps of CALL_ONE), CALL_BUSY while it is in progress and
 * CALL_CANCELLED once msgq_cancel() has marked it.  Only the caller, under
 * lock, begins and ends a call; msgq_cancel() marks by compare-and-swap
 * of the word it saw, which fails once that call has ended: a cancel
 * never reaches a call begun after it was made.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <strings.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "config.h"
#include "line-config.h"
#include "msgq-build.h"
#include "msgq.h"
#include "msgq-test-hooks.h"
#include "protocol.h"

#define MSGQ_EXPORT __attribute__((visibility("default")))

_Static_assert(MSGQ_SEND_TEXT_MAX == MSGQ_TEXT_MAX, "msgq.h and protocol.h agree on the text");

/* The call word (see above); the client returns -ECANCELED when it has CALL_CANCELLED. */
#define CALL_BUSY      1u
#define CALL_CANCELLED MSGQ_CLIENT_CANCELLED
#define CALL_ONE       4u
_Static_assert(CALL_CANCELLED == 2u, "the call word's bits are apart");

/* How often msgq_cancel() signals the waiting thread until its call returns. */
#define CANCEL_RESEND_NS (1 * 1000000L)

struct msgq {
        pthread_mutex_t lock;
        struct msgq_client client;
        pid_t tid;              /* the thread the client is bound to */
        int *bound;             /* 1 in a page the kernel wipes in a fork's child (NULL: none) */
        unsigned timeout_ms;
        long prio;
        unsigned call;          /* __atomic: number, CALL_BUSY, CALL_CANCELLED (see above) */
        pthread_t caller;       /* __atomic, stored before call: who makes the call */
        int status;             /* msgqd's status for the last call, 0: none or OK */
        bool untimed;           /* msgqd refused MSGQ_REQ_TIME (older than it): not asked again */
        uint64_t led_time_ns, led_monotonic_ns; /* of the last LED call's state; 0: none */
        uint32_t daemon_pid;
        char errmsg[MSGQ_ERROR_TEXT_MAX + 64];
};

#ifdef MSGQ_TEST_HOOKS
MSGQ_EXPORT void (*msgq_test_hook_cancel)(struct msgq *h);
#endif

MSGQ_EXPORT const char *msgq_version(void) {
        return PACKAGE_VERSION;
}

/*
 * A fork's child must rebind the client (its timer is gone, its replies
 * come to another ID): a page with MADV_WIPEONFORK reads 0 there, which
 * costs a call no system call.  Without it, every call asks gettid().
 */
static void bound_page(struct msgq *h) {
        long size = sysconf(_SC_PAGESIZE);
        void *p = mmap(NULL, (size_t) size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);

        if (p == MAP_FAILED)
                return;
        if (madvise(p, (size_t) size, MADV_WIPEONFORK) < 0) {
                munmap(p, (size_t) size);
                return;
        }
        h->bound = p;
        *h->bound = 1;
}

/* The calling thread's ID, asked of the kernel once per thread (and after a fork, by rebind). */
static __thread pid_t thread_id;

static pid_t this_thread(void) {
        if (thread_id == 0)
                thread_id = gettid();
        return thread_id;
}

/* Whether the calling thread is not the one the client is bound to (another thread, a fork's child). */
static bool moved(const struct msgq *h) {
        if (!h->bound)
                return gettid() != h->tid;
        return !*h->bound || this_thread() != h->tid;
}

MSGQ_EXPORT int msgq_open_config(struct msgq **ret, const char *config, key_t key, char *err,
                                 size_t size) {
        struct msgq_config cfg;
        char why[512];
        struct msgq *h;
        int r;

        *ret = NULL;
        if (key == 0) {
                r = msgq_config_resolve(&cfg, config, NULL, why, sizeof why);
                if (r < 0) {
                        if (err && size)
                                snprintf(err, size, "%s", why);
                        return r;
                }
                key = cfg.key;
        }
        h = calloc(1, sizeof *h);
        if (!h)
                return -ENOMEM;
        r = msgq_client_open(&h->client, key);
        /* msgget() alone lets anyone find the queue: ask for what the calls need. */
        if (r == 0 && msgget(key, S_IRUSR | S_IWUSR) < 0)
                r = -errno;
        if (r < 0) {
                msgq_client_close(&h->client);
                free(h);
                if (err && size)
                        snprintf(err, size, "cannot open the queue with key 0x%08x: %s",
                                 (unsigned) key, msgq_strerror(r));
                return r;
        }
        msgq_client_use_thread_address(&h->client);
        pthread_mutex_init(&h->lock, NULL);
        h->tid = gettid();
        thread_id = h->tid;
        bound_page(h);
        h->timeout_ms = MSGQ_TIMEOUT_DEFAULT_MS;
        h->prio = MSGQ_PRIO_DEFAULT;
        h->client.cancel = &h->call;
        *ret = h;
        return 0;
}

MSGQ_EXPORT int msgq_open(struct msgq **ret, key_t key) {
        return msgq_open_config(ret, NULL, key, NULL, 0);
}

MSGQ_EXPORT void msgq_close(struct msgq *h) {
        if (!h)
                return;
        msgq_client_close(&h->client);
        pthread_mutex_destroy(&h->lock);
        if (h->bound)
                munmap(h->bound, (size_t) sysconf(_SC_PAGESIZE));
        free(h);
}

MSGQ_EXPORT key_t msgq_key(const struct msgq *h) {
        return h->client.key;
}

MSGQ_EXPORT int msgq_set_timeout(struct msgq *h, unsigned timeout_ms) {
        if (timeout_ms == 0 || timeout_ms > MSGQ_TIMEOUT_MAX_MS)
                return -EINVAL;
        __atomic_store_n(&h->timeout_ms, timeout_ms, __ATOMIC_RELAXED);
        return 0;
}

MSGQ_EXPORT int msgq_set_priority(struct msgq *h, int prio) {
        if (!msgq_prio_valid(prio))
                return -EINVAL;
        __atomic_store_n(&h->prio, (long) prio, __ATOMIC_RELAXED);
        return 0;
}

MSGQ_EXPORT int msgq_status_errno(int status) {
        switch (status) {
        case MSGQ_OK: return 0;
        case MSGQ_ERR_MALFORMED: return -EBADMSG;
        case MSGQ_ERR_VERSION: return -EPROTO;
        case MSGQ_ERR_UNKNOWN_OP: return -EOPNOTSUPP;
        case MSGQ_ERR_INVALID: return -EINVAL;
        case MSGQ_ERR_TOO_LARGE: return -EMSGSIZE;
        case MSGQ_ERR_LED: return -EIO;
        case MSGQ_ERR_SHUTDOWN: return -ESHUTDOWN;
        default: return -EPROTO;
        }
}

MSGQ_EXPORT const char *msgq_strerror(int err) {
        switch (err < 0 ? -err : err) {
        case 0: return "success";
        case ENOENT: return "no queue with that key (is msgqd running?)";
        case EACCES:
        case EPERM: return "permission denied on the queue";
        case ETIMEDOUT: return "no answer from msgqd in time";
        case ECANCELED: return "cancelled";
        case EIDRM: return "the queue was removed (msgqd stopped)";
        case EINVAL: return "invalid argument";
        case ENOMEM: return "out of memory";
        case EMSGSIZE: return "too long";
        case EIO: return "the LED line could not be driven";
        case ESHUTDOWN: return "msgqd is stopping";
        case EOPNOTSUPP: return "msgqd does not know this request";
        case EPROTO: return "msgqd speaks another protocol version";
        case EBADMSG: return "msgqd could not decode the request";
        default: return strerror(err < 0 ? -err : err);
        }
}

MSGQ_EXPORT const char *msgq_errmsg(const struct msgq *h) {
        return h->errmsg;
}

MSGQ_EXPORT int msgq_daemon_status(const struct msgq *h) {
        return h->status;
}

MSGQ_EXPORT uint32_t msgq_daemon_pid(const struct msgq *h) {
        return h->daemon_pid;
}

/* Take the handle for a call: the lock within the deadline, the client bound to this thread. */
static int call_begin(struct msgq *h, uint64_t deadline_ns) {
        struct timespec until = msgq_timespec(deadline_ns);
        int r;

        r = pthread_mutex_clocklock(&h->lock, CLOCK_MONOTONIC, &until);
        if (r != 0)
                return -r;
        if (moved(h)) { /* another thread, or the child of a fork */
                r = msgq_client_rebind(&h->client);
                if (r < 0) {
                        pthread_mutex_unlock(&h->lock);
                        return r;
                }
                h->tid = thread_id = gettid();
                if (h->bound)
                        *h->bound = 1;
        }
        h->status = 0;
        __atomic_store_n(&h->caller, pthread_self(), __ATOMIC_RELAXED);
        /* No call in progress: msgq_cancel() leaves the word alone, the store loses nothing. */
        __atomic_store_n(&h->call, (h->call & ~(CALL_BUSY | CALL_CANCELLED)) + CALL_ONE + CALL_BUSY,
                         __ATOMIC_SEQ_CST);
        return 0;
}

static void call_end(struct msgq *h) {
        /* A mark that lands before this store is wiped with the call it was for. */
        __atomic_store_n(&h->call, h->call & ~(CALL_BUSY | CALL_CANCELLED), __ATOMIC_SEQ_CST);
        pthread_mutex_unlock(&h->lock);
}

/* The words for a call that got no answer. */
static int call_failed(struct msgq *h, int r, unsigned timeout_ms) {
        unsigned key = (unsigned) h->client.key;

        switch (r) {
        case -ETIMEDOUT:
                snprintf(h->errmsg, sizeof h->errmsg,
                         "no answer from msgqd within %u ms (key 0x%08x)", timeout_ms, key);
                break;
        case -EIDRM:
                snprintf(h->errmsg, sizeof h->errmsg,
                         "the queue with key 0x%08x was removed (msgqd stopped?)", key);
                break;
        case -ECANCELED:
                snprintf(h->errmsg, sizeof h->errmsg, "the call was cancelled");
                break;
        default:
                snprintf(h->errmsg, sizeof h->errmsg, "cannot use the queue with key 0x%08x: %s",
                         key, msgq_strerror(r));
        }
        return r;
}

/* Whether a request names a line other than msgq 0.1's one LED (its words name it). */
static bool names_line(const struct msgq_request *req) {
        return req->op >= MSGQ_OP_LINE_SET || (msgq_op_has_line(req->op) && req->line != 0);
}

/* Whether text names line N ("no line 7: ...", "line 2 is an input"). */
static bool names_index(const char *text, unsigned line) {
        char word[24];
        int n = snprintf(word, sizeof word, "line %u", line);

        for (const char *p = text; (p = strstr(p, word)); p += n)
                if (p[n] < '0' || p[n] > '9')
                        return true;
        return false;
}

/*
 * The words of msgqd's error reply: "STATUS: ITS TEXT", or the status
 * alone; when the request named a line its text does not, "STATUS: line
 * N: ITS TEXT".  An msgqd older than the line table refuses a line as
 * malformed, a line call as unknown: then they say so.
 */
static int call_refused(struct msgq *h, const struct msgq_request *req,
                        const struct msgq_reply *rep) {
        const char *what = msgq_status_to_string(rep->status);
        char line[32] = "";

        h->status = (int) rep->status;
        if (names_line(req) && (rep->status == MSGQ_ERR_MALFORMED ||
                                rep->status == MSGQ_ERR_UNKNOWN_OP)) {
                snprintf(h->errmsg, sizeof h->errmsg,
                         "%s: msgqd (PID %u) serves the LED only: it is older than its line "
                         "table (msgq 0.2)", what, (unsigned) rep->daemon_pid);
                return msgq_status_errno((int) rep->status);
        }
        if (msgq_op_has_line(req->op) && req->line != 0 && req->line != MSGQ_LINE_ALL &&
            !names_index(rep->error, req->line))
                snprintf(line, sizeof line, "line %u", (unsigned) req->line);
        if (rep->error[0] && strcmp(rep->error, what) != 0)
                snprintf(h->errmsg, sizeof h->errmsg, "%s: %s%s%s", what, line, line[0] ? ": " : "",
                         rep->error);
        else
                snprintf(h->errmsg, sizeof h->errmsg, "%s%s%s", what, line[0] ? ": " : "", line);
        return msgq_status_errno((int) rep->status);
}

/* A call refused before it is sent (bad arguments): err, and the words for it. */
__attribute__((format(printf, 3, 4)))
static int refuse(struct msgq *h, int err, const char *f, ...) {
        va_list ap;

        pthread_mutex_lock(&h->lock);
        h->status = 0;
        va_start(ap, f);
        vsnprintf(h->errmsg, sizeof h->errmsg, f, ap);
        va_end(ap);
        pthread_mutex_unlock(&h->lock);
        return err;
}

/*
 * The LED calls ask for the state's time (MSGQ_REQ_TIME).  An msgqd older
 * than it refuses the flag as an invalid argument, without acting: then
 * the request goes again without it, within what is left of deadline, and
 * when that is answered the handle asks no more.
 */
static int call_untimed(struct msgq *h, struct msgq_request *req, struct msgq_reply *rep,
                        uint64_t deadline) {
        uint64_t now = msgq_now_ns();
        int r;

        if (now >= deadline)
                return -ETIMEDOUT;
        req->flags &= (uint16_t) ~MSGQ_REQ_TIME;
        r = msgq_client_call(&h->client, __atomic_load_n(&h->prio, __ATOMIC_RELAXED), req, rep,
                             (deadline - now + 999999) / 1000000);
        if (r == 0 && rep->status == MSGQ_OK)
                h->untimed = true;
        return r;
}

/*
 * One request and its reply, by deadline, within a call (call_begin());
 * timeout_ms is the call's, for its words.
 */
static int exchange(struct msgq *h, struct msgq_request *req, uint64_t deadline,
                    unsigned timeout_ms, struct msgq_reply *rep) {
        uint64_t now = msgq_now_ns();
        int r;

        if (now >= deadline)
                return call_failed(h, -ETIMEDOUT, timeout_ms);
        if (msgq_op_has_led(req->op) && req->op != MSGQ_OP_STATS && !h->untimed)
                req->flags |= MSGQ_REQ_TIME;
        r = msgq_client_call(&h->client, __atomic_load_n(&h->prio, __ATOMIC_RELAXED), req, rep,
                             (deadline - now + 999999) / 1000000);
        if (r == 0 && rep->status == MSGQ_ERR_INVALID && (req->flags & MSGQ_REQ_TIME))
                r = call_untimed(h, req, rep, deadline);
        if (r < 0)
                return call_failed(h, r, timeout_ms);
        h->daemon_pid = rep->daemon_pid;
        return rep->status != MSGQ_OK ? call_refused(h, req, rep) : 0;
}

/* The call's timeout (0: the handle's) and the deadline it makes, or -EINVAL. */
static int call_deadline(struct msgq *h, unsigned *timeout_ms, uint64_t *deadline) {
        if (*timeout_ms == 0)
                *timeout_ms = __atomic_load_n(&h->timeout_ms, __ATOMIC_RELAXED);
        if (*timeout_ms > MSGQ_TIMEOUT_MAX_MS)
                return -EINVAL;
        *deadline = msgq_now_ns() + *timeout_ms * 1000000ull;
        return 0;
}

/* req and its reply within timeout_ms (0: the handle's timeout), as one call. */
static int call_request(struct msgq *h, struct msgq_request *req, unsigned timeout_ms,
                        struct msgq_reply *rep) {
        uint64_t deadline;
        int r = call_deadline(h, &timeout_ms, &deadline);

        if (r < 0)
                return r;
        r = call_begin(h, deadline);
        if (r < 0)
                return call_failed(h, r, timeout_ms);
        r = exchange(h, req, deadline, timeout_ms, rep);
        call_end(h);
        return r;
}

/* One request of op about line and its reply within timeout_ms (0: the handle's timeout). */
static int call(struct msgq *h, uint16_t op, unsigned line, uint32_t arg0, uint32_t arg1,
                const char *text, unsigned timeout_ms, struct msgq_reply *rep) {
        struct msgq_request req;
        size_t len = text ? strlen(text) : 0;

        if (len > MSGQ_TEXT_MAX)
                return -EMSGSIZE;
        msgq_request_clear(&req);
        req.op = op;
        req.line = (uint16_t) line;
        req.arg0 = arg0;
        req.arg1 = arg1;
        req.text_len = (uint16_t) len;
        if (len)
                memcpy(req.text, text, len);
        return call_request(h, &req, timeout_ms, rep);
}

/* A line's index, or -EINVAL with the words for it. */
static int line_check(struct msgq *h, unsigned line) {
        if (line < MSGQ_LINES_MAX)
                return 0;
        return refuse(h, -EINVAL, "line %u: out of range: a line's index is 0 to %u", line,
                      MSGQ_LINES_MAX - 1);
}

static int led_call(struct msgq *h, uint16_t op, unsigned line, uint32_t arg0, uint32_t arg1,
                    unsigned timeout_ms, struct msgq_led_state *led) {
        struct msgq_reply rep;
        int r = line_check(h, line);

        if (r == 0)
                r = call(h, op, line, arg0, arg1, NULL, timeout_ms, &rep);
        if (r == 0 && led)
                *led = rep.led;
        h->led_time_ns = r == 0 ? rep.led_time_ns : 0; /* the caller's: one call at a time */
        h->led_monotonic_ns = r == 0 ? rep.led_monotonic_ns : 0;
        return r;
}

MSGQ_EXPORT int msgq_led_time(const struct msgq *h, uint64_t *time_ns, uint64_t *monotonic_ns) {
        if (time_ns)
                *time_ns = h->led_time_ns;
        if (monotonic_ns)
                *monotonic_ns = h->led_monotonic_ns;
        return h->led_time_ns ? 0 : -ENODATA;
}

MSGQ_EXPORT int msgq_ping(struct msgq *h) {
        struct msgq_reply rep;

        return call(h, MSGQ_OP_PING, 0, 0, 0, NULL, 0, &rep);
}

MSGQ_EXPORT int msgq_get_stats(struct msgq *h, struct msgq_stats *stats,
                               struct msgq_led_state *led) {
        struct msgq_reply rep;
        int r = call(h, MSGQ_OP_STATS, 0, 0, 0, NULL, 0, &rep);

        if (r == 0 && stats)
                *stats = rep.stats;
        if (r == 0 && led)
                *led = rep.led;
        return r;
}

MSGQ_EXPORT int msgq_line_on(struct msgq *h, unsigned line, struct msgq_led_state *st) {
        return led_call(h, MSGQ_OP_LED_ON, line, 0, 0, 0, st);
}

MSGQ_EXPORT int msgq_line_off(struct msgq *h, unsigned line, struct msgq_led_state *st) {
        return led_call(h, MSGQ_OP_LED_OFF, line, 0, 0, 0, st);
}

MSGQ_EXPORT int msgq_line_toggle(struct msgq *h, unsigned line, struct msgq_led_state *st) {
        return led_call(h, MSGQ_OP_LED_TOGGLE, line, 0, 0, 0, st);
}

MSGQ_EXPORT int msgq_line_state(struct msgq *h, unsigned line, struct msgq_led_state *st) {
        return led_call(h, MSGQ_OP_LED_STATE, line, 0, 0, 0, st);
}

MSGQ_EXPORT int msgq_line_blink(struct msgq *h, unsigned line, uint32_t period_ms,
                                uint32_t count, struct msgq_led_state *st) {
        return led_call(h, MSGQ_OP_LED_BLINK, line, period_ms, count, 0, st);
}

MSGQ_EXPORT int msgq_line_wait(struct msgq *h, unsigned line, uint64_t since,
                               unsigned timeout_ms, struct msgq_led_state *st) {
        if (timeout_ms == 0)
                return -EINVAL;
        return led_call(h, MSGQ_OP_LED_WATCH, line, (uint32_t) since, (uint32_t) (since >> 32),
                        timeout_ms, st);
}

MSGQ_EXPORT int msgq_led_on(struct msgq *h, struct msgq_led_state *led) {
        return msgq_line_on(h, 0, led);
}

MSGQ_EXPORT int msgq_led_off(struct msgq *h, struct msgq_led_state *led) {
        return msgq_line_off(h, 0, led);
}

MSGQ_EXPORT int msgq_led_toggle(struct msgq *h, struct msgq_led_state *led) {
        return msgq_line_toggle(h, 0, led);
}

MSGQ_EXPORT int msgq_led_state(struct msgq *h, struct msgq_led_state *led) {
        return msgq_line_state(h, 0, led);
}

MSGQ_EXPORT int msgq_led_blink(struct msgq *h, uint32_t period_ms, uint32_t count,
                               struct msgq_led_state *led) {
        return msgq_line_blink(h, 0, period_ms, count, led);
}

MSGQ_EXPORT int msgq_led_watch(struct msgq *h, uint64_t since, unsigned timeout_ms,
                               struct msgq_led_state *led) {
        return msgq_line_wait(h, 0, since, timeout_ms, led);
}

/* The line-list pages from index 0 on, within a call: see msgq_line_list(). */
static int list_pages(struct msgq *h, struct msgq_line_info *lines, size_t max,
                      uint64_t deadline, unsigned timeout_ms) {
        struct msgq_request req;
        struct msgq_reply rep;
        unsigned next = 0, total = 0, restarts = 0;
        uint32_t pid = 0;
        int r;

        do {
                msgq_request_clear(&req);
                req.op = MSGQ_OP_LINE_LIST;
                req.arg0 = next;
                r = exchange(h, &req, deadline, timeout_ms, &rep);
                if (r < 0)
                        return r;
                if (next > 0 && rep.daemon_pid != pid) { /* another msgqd: its table may differ */
                        if (++restarts > 1) {
                                snprintf(h->errmsg, sizeof h->errmsg,
                                         "msgqd restarted twice while its lines were listed");
                                return -EAGAIN;
                        }
                        next = 0;
                        continue;
                }
                pid = rep.daemon_pid;
                total = rep.list_total;
                if (next < total && (rep.list_count == 0 || rep.list[0].st.line != next)) {
                        snprintf(h->errmsg, sizeof h->errmsg,
                                 "msgqd (PID %u) listed no line %u of its %u", (unsigned) pid,
                                 next, total);
                        return -EBADMSG;
                }
                for (unsigned i = 0; i < rep.list_count; i++, next++)
                        if (next < max)
                                lines[next] = rep.list[i];
        } while (next < total);
        return (int) total;
}

MSGQ_EXPORT int msgq_line_list(struct msgq *h, struct msgq_line_info *lines, size_t max) {
        unsigned timeout_ms = 0;
        uint64_t deadline;
        int r = call_deadline(h, &timeout_ms, &deadline);

        if (r == 0 && max > 0 && !lines)
                r = -EINVAL;
        if (r < 0)
                return r;
        r = call_begin(h, deadline);
        if (r < 0)
                return call_failed(h, r, timeout_ms);
        r = list_pages(h, lines, max, deadline, timeout_ms);
        call_end(h);
        return r;
}

/* "no line 'NAME'; msgqd has led, pump" (as many names as fit). */
static void no_such_line(struct msgq *h, const char *name, const struct msgq_line_info *lines,
                         size_t n) {
        size_t at = (size_t) snprintf(h->errmsg, sizeof h->errmsg, "no line '%s'; msgqd has", name);

        for (size_t i = 0; i < n && at < sizeof h->errmsg; i++)
                at += (size_t) snprintf(h->errmsg + at, sizeof h->errmsg - at, "%s %s",
                                        i ? "," : "", lines[i].name);
        if (at >= sizeof h->errmsg)
                memcpy(h->errmsg + sizeof h->errmsg - 5, "...", 4);
}

MSGQ_EXPORT int msgq_line_find(struct msgq *h, const char *name) {
        struct msgq_line_info lines[MSGQ_LINES_MAX];
        int n;

        if (!name || msgq_line_name_check(name) < 0)
                return refuse(h, -EINVAL, "'%s' is not a line's name: %s", name ? name : "(null)",
                              msgq_line_name_rule);
        n = msgq_line_list(h, lines, MSGQ_LINES_MAX);
        if (n < 0)
                return n;
        for (int i = 0; i < n && i < MSGQ_LINES_MAX; i++)
                if (msgq_line_name_eq(lines[i].name, name))
                        return i;
        pthread_mutex_lock(&h->lock);
        no_such_line(h, name, lines, n < MSGQ_LINES_MAX ? (size_t) n : MSGQ_LINES_MAX);
        pthread_mutex_unlock(&h->lock);
        return -ENOENT;
}

/* line-set's request from levels, or -EINVAL with the words for what is wrong. */
static int set_request(struct msgq *h, const struct msgq_line_level *levels, size_t n,
                       struct msgq_request *req) {
        uint64_t seen = 0;

        if (n == 0 || n > MSGQ_LINES_MAX || !levels)
                return refuse(h, -EINVAL, "a set takes 1 to %d lines, not %zu", MSGQ_LINES_MAX, n);
        msgq_request_clear(req);
        req->op = MSGQ_OP_LINE_SET;
        for (size_t i = 0; i < n; i++) {
                unsigned line = levels[i].line;

                if (line >= MSGQ_LINES_MAX)
                        return line_check(h, line);
                if (levels[i].on > 1)
                        return refuse(h, -EINVAL, "line %u: level %u: expected 0 (off) or 1 (on)",
                                      line, (unsigned) levels[i].on);
                if (seen & (1ull << line))
                        return refuse(h, -EINVAL, "line %u: set twice in one request", line);
                seen |= 1ull << line;
                req->values[i] = (struct msgq_line_value) { .line = (uint16_t) line,
                                                            .on = levels[i].on };
        }
        req->nvalues = (uint16_t) n;
        return 0;
}

MSGQ_EXPORT int msgq_line_set(struct msgq *h, const struct msgq_line_level *levels, size_t n,
                              struct msgq_line_set_result *res) {
        struct msgq_request req;
        struct msgq_reply rep;
        int r = set_request(h, levels, n, &req);

        if (r == 0)
                r = call_request(h, &req, 0, &rep);
        if (r == 0 && res)
                *res = (struct msgq_line_set_result) { .lines = rep.set_lines, .on = rep.set_on,
                                                       .first = rep.set_first,
                                                       .last = rep.led.changes };
        return r;
}

MSGQ_EXPORT int msgq_line_watch(struct msgq *h, unsigned line, uint64_t since,
                                unsigned timeout_ms, struct msgq_change *changes, size_t max,
                                struct msgq_watch_result *res) {
        struct msgq_request req;
        struct msgq_reply rep;
        size_t n;
        int r;

        if (timeout_ms == 0 || max == 0 || !changes)
                return -EINVAL;
        if (line != MSGQ_LINE_ALL && (r = line_check(h, line)) < 0)
                return r;
        msgq_request_clear(&req);
        req.op = MSGQ_OP_LINE_WATCH;
        req.line = (uint16_t) line;
        req.arg0 = (uint32_t) since;
        req.arg1 = (uint32_t) (since >> 32);
        r = call_request(h, &req, timeout_ms, &rep);
        if (r < 0)
                return r;
        n = rep.nchanges < max ? rep.nchanges : max;
        memcpy(changes, rep.changes_after, n * sizeof *changes);
        if (res)
                *res = (struct msgq_watch_result) {
                        .missed = rep.missed,
                        .next = n ? changes[n - 1].st.led.changes : rep.led.changes,
                };
        return (int) n;
}

MSGQ_EXPORT int msgq_line_events(struct msgq *h, unsigned line, uint64_t since,
                                 unsigned timeout_ms, struct msgq_event *events, size_t max,
                                 struct msgq_watch_result *res) {
        struct msgq_request req;
        struct msgq_reply rep;
        size_t n;
        int r;

        if (timeout_ms == 0 || max == 0 || !events)
                return -EINVAL;
        if (line != MSGQ_LINE_ALL && (r = line_check(h, line)) < 0)
                return r;
        msgq_request_clear(&req);
        req.op = MSGQ_OP_LINE_EVENTS;
        req.line = (uint16_t) line;
        req.arg0 = (uint32_t) since;
        req.arg1 = (uint32_t) (since >> 32);
        r = call_request(h, &req, timeout_ms, &rep);
        if (r < 0)
                return r;
        n = rep.nchanges < max ? rep.nchanges : max;
        memcpy(events, rep.events, n * sizeof *events);
        if (res)
                *res = (struct msgq_watch_result) {
                        .missed = rep.missed,
                        .next = n ? events[n - 1].ch.st.led.changes : rep.led.changes,
                };
        return (int) n;
}

/* input-list, page by page from the index after the last input given, until msgqd's total. */
static int input_pages(struct msgq *h, struct msgq_input_info *inputs, size_t max, uint64_t deadline,
                       unsigned timeout_ms) {
        struct msgq_request req;
        struct msgq_reply rep;
        unsigned from = 0, got = 0, total = 0, restarts = 0;
        uint32_t pid = 0;
        int r;

        do {
                msgq_request_clear(&req);
                req.op = MSGQ_OP_INPUT_LIST;
                req.arg0 = from;
                r = exchange(h, &req, deadline, timeout_ms, &rep);
                if (r < 0)
                        return r;
                if (from > 0 && rep.daemon_pid != pid) { /* another msgqd: its table may differ */
                        if (++restarts > 1) {
                                snprintf(h->errmsg, sizeof h->errmsg,
                                         "msgqd restarted twice while its inputs were listed");
                                return -EAGAIN;
                        }
                        from = got = 0;
                        continue;
                }
                pid = rep.daemon_pid;
                total = rep.list_total;
                if (got < total && (rep.list_count == 0 || rep.inputs[0].line < from)) {
                        snprintf(h->errmsg, sizeof h->errmsg, "msgqd (PID %u) listed %u of its %u inputs",
                                 (unsigned) pid, got, total);
                        return -EBADMSG;
                }
                for (unsigned i = 0; i < rep.list_count && got < total; i++, got++) {
                        if (got < max)
                                inputs[got] = rep.inputs[i];
                        from = rep.inputs[i].line + 1u;
                }
        } while (got < total);
        return (int) total;
}

MSGQ_EXPORT int msgq_input_list(struct msgq *h, struct msgq_input_info *inputs, size_t max) {
        unsigned timeout_ms = 0;
        uint64_t deadline;
        int r = call_deadline(h, &timeout_ms, &deadline);

        if (r == 0 && max > 0 && !inputs)
                r = -EINVAL;
        if (r < 0)
                return r;
        r = call_begin(h, deadline);
        if (r < 0)
                return call_failed(h, r, timeout_ms);
        r = input_pages(h, inputs, max, deadline, timeout_ms);
        call_end(h);
        return r;
}

MSGQ_EXPORT int msgq_led_unwatch(struct msgq *h) {
        struct msgq_request req = { .op = MSGQ_OP_LED_WATCH };
        unsigned timeout_ms = __atomic_load_n(&h->timeout_ms, __ATOMIC_RELAXED);
        int r = call_begin(h, msgq_now_ns() + timeout_ms * 1000000ull);

        if (r == 0) {
                r = msgq_client_post(&h->client, __atomic_load_n(&h->prio, __ATOMIC_RELAXED), &req,
                                     timeout_ms);
                call_end(h);
        }
        if (r < 0)
                return call_failed(h, r, timeout_ms);
        return msgq_ping(h);
}

MSGQ_EXPORT int msgq_send(struct msgq *h, const char *text) {
        struct msgq_reply rep;

        if (!text)
                return -EINVAL;
        return call(h, MSGQ_OP_SEND, 0, 0, 0, text, 0, &rep);
}

MSGQ_EXPORT int msgq_shutdown(struct msgq *h) {
        struct msgq_reply rep;

        return call(h, MSGQ_OP_EXIT, 0, 0, 0, NULL, 0, &rep);
}

/*
 * Mark the call in progress, if it is still the one seen (a call ended
 * in between is not ours to cancel, nor one begun after it), then signal
 * the caller's thread until that call has returned: a signal that comes
 * before the call blocks is taken before the wait, and the next one ends
 * the wait.  The word stays as marked while the call lasts (only its
 * end changes it).
 */
MSGQ_EXPORT void msgq_cancel(struct msgq *h) {
        unsigned seen = __atomic_load_n(&h->call, __ATOMIC_SEQ_CST);
        unsigned marked = seen | CALL_CANCELLED;

        if (!(seen & CALL_BUSY))
                return;
        MSGQ_TEST_HOOK(cancel, h);
        if (!__atomic_compare_exchange_n(&h->call, &seen, marked, false, __ATOMIC_SEQ_CST,
                                         __ATOMIC_SEQ_CST) &&
            seen != marked) /* not marked by another cancel either: that call has ended */
                return;
        while (__atomic_load_n(&h->call, __ATOMIC_SEQ_CST) == marked) {
                pthread_kill(__atomic_load_n(&h->caller, __ATOMIC_RELAXED), h->client.signo);
                nanosleep(&(struct timespec) { .tv_nsec = CANCEL_RESEND_NS }, NULL);
        }
}
