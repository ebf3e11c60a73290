/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <time.h>

#include "claim.h"
#include "clock.h"
#include "log.h"
#include "plural.h"
#include "queue.h"
#include "ratelimit.h"
#include "request.h"
#include "server.h"

/* At most this many warnings about bad requests per window. */
#define BAD_LOG_BURST     10u
#define BAD_LOG_WINDOW_NS (10ull * 1000000000ull)

int server_msqid(struct server *s) {
        return __atomic_load_n(&s->msqid, __ATOMIC_ACQUIRE);
}

int server_failed(struct server *s) {
        return __atomic_load_n(&s->failed, __ATOMIC_ACQUIRE);
}

uint64_t server_busy_for(struct server *s, uint64_t now_ns) {
        uint64_t since = __atomic_load_n(&s->busy_since_ns, __ATOMIC_ACQUIRE);

        return since && now_ns > since ? now_ns - since : 0;
}

static bool stopping(struct server *s) {
        return __atomic_load_n(&s->stopping, __ATOMIC_ACQUIRE);
}

static void wake_main(struct server *s) {
        wake_up(&s->d->wake);
}

static void log_bad(struct server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_bad(struct server *s, const char *fmt, ...) {
        unsigned missed;
        va_list ap;

        pthread_mutex_lock(&s->log_lock);
        if (msgq_ratelimit_pass(&s->log_limit, msgq_now_ns(), &missed)) {
                if (missed)
                        log_warning("%u more bad %s not logged", missed,
                                    plural(missed, "request was", "requests were"));
                va_start(ap, fmt);
                msgq_logv(LOG_WARNING, fmt, ap);
                va_end(ap);
        }
        pthread_mutex_unlock(&s->log_lock);
}

/* ---- replies and their backlog ---- */

/*
 * backlog_count changes under backlog_lock, and is also read without it
 * (backlog_pending) so that the receiver's fast path takes no lock.
 */
static void backlog_set_count(struct server *s, size_t n) {
        __atomic_store_n(&s->backlog_count, n, __ATOMIC_RELAXED);
}

/* Whether len bytes can ever fit on the queue: msg_qbytes may have been lowered under us. */
static bool fits_ever(struct server *s, size_t len) {
        struct msqid_ds ds;

        return msgq_queue_stat(server_msqid(s), &ds) < 0 || len <= ds.msg_qbytes;
}

/*
 * One send without waiting: -EAGAIN when the queue is full, else 0 (sent,
 * or failed: a queue gone is the receiving thread's to see; anything else
 * is logged).
 */
static int try_send(struct server *s, long mtype, const void *body, size_t len) {
        int r = msgq_queue_send(server_msqid(s), mtype, body, len, IPC_NOWAIT);

        if (r == -EAGAIN)
                return r;
        if (r < 0 && r != -EIDRM && r != -EINVAL)
                log_warning("cannot send a reply: %s", strerror(-r));
        return 0;
}

/* With backlog_lock held: send what can be sent, oldest first. */
static void backlog_flush_locked(struct server *s) {
        uint64_t now = msgq_now_ns();

        while (s->backlog_count > 0) {
                struct pending_reply *p = &s->backlog[s->backlog_head];
                if (p->expires_ns <= now) {
                        stat_inc(&s->d->stats.replies_late);
                } else if (try_send(s, p->mtype, p->body, p->len) == -EAGAIN) {
                        if (fits_ever(s, p->len))
                                break;
                        stat_inc(&s->d->stats.replies_dropped); /* never will: do not hold up the others */
                }
                s->backlog_head = (s->backlog_head + 1) % s->backlog_size;
                backlog_set_count(s, s->backlog_count - 1);
        }
}

static size_t backlog_pending(struct server *s) {
        return __atomic_load_n(&s->backlog_count, __ATOMIC_RELAXED);
}

static void backlog_flush(struct server *s) {
        pthread_mutex_lock(&s->backlog_lock);
        backlog_flush_locked(s);
        pthread_mutex_unlock(&s->backlog_lock);
}

/* With backlog_lock held: grow the ring, or make room by dropping the oldest. */
static bool backlog_make_room(struct server *s) {
        size_t size;
        struct pending_reply *ring;

        if (s->backlog_count < s->backlog_size)
                return true;
        if (s->backlog_size >= SERVER_BACKLOG_MAX) {
                s->backlog_head = (s->backlog_head + 1) % s->backlog_size;
                backlog_set_count(s, s->backlog_count - 1);
                stat_inc(&s->d->stats.replies_dropped);
                log_bad(s, "reply backlog full (%u): dropped the oldest reply", SERVER_BACKLOG_MAX);
                return true;
        }
        size = s->backlog_size ? s->backlog_size * 2 : 16;
        ring = malloc(size * sizeof *ring);
        if (!ring)
                return false;
        for (size_t i = 0; i < s->backlog_count; i++)
                ring[i] = s->backlog[(s->backlog_head + i) % s->backlog_size];
        free(s->backlog);
        s->backlog = ring;
        s->backlog_head = 0;
        s->backlog_size = size;
        return true;
}

/* With backlog_lock held, the queue full: keep the reply (true), unless it can never fit. */
static bool backlog_keep_locked(struct server *s, long mtype, const void *body, size_t len,
                                uint64_t expires_ns) {
        struct pending_reply *p;

        if (!fits_ever(s, len)) {
                stat_inc(&s->d->stats.replies_dropped);
                log_bad(s, "dropped a %zu-byte reply to pid %ld: the queue is smaller (msg_qbytes)",
                        len, mtype - MSGQ_REPLY_BASE);
                return false;
        }
        stat_inc(&s->d->stats.replies_deferred);
        if (!backlog_make_room(s)) {
                stat_inc(&s->d->stats.replies_dropped);
                return false;
        }
        p = &s->backlog[(s->backlog_head + s->backlog_count) % s->backlog_size];
        p->mtype = mtype;
        p->expires_ns = expires_ns;
        p->kept_ns = msgq_now_ns();
        p->len = (uint16_t) len;
        memcpy(p->body, body, len);
        backlog_set_count(s, s->backlog_count + 1);
        return true;
}

/*
 * A reply reclaim_trim() took off the queue to put back, and found its room
 * taken (by a client's request, say): kept in the backlog, not lost.
 */
static void keep_unsent(void *userdata, const struct msgq_msgbuf *m, size_t len) {
        struct server *s = userdata;
        uint64_t expires = msgq_now_ns() + MSGQ_TEXT_REPLY_TTL_NS;
        struct msgq_reply rep;
        bool kept;

        if (msgq_body_is_binary(m->body, len)) {
                if (msgq_reply_decode(m->body, len, &rep) < 0)
                        return; /* not a reply of ours */
                expires = rep.expires_ns;
        }
        pthread_mutex_lock(&s->backlog_lock);
        kept = backlog_keep_locked(s, m->mtype, m->body, len, expires);
        pthread_mutex_unlock(&s->backlog_lock);
        if (kept)
                wake_main(s); /* to retry the backlog */
}

/*
 * Before a reply goes on the queue: trim what its client left uncollected,
 * and note it, so that no sweep can miss or eat it.
 */
static void track_reply(struct server *s, long mtype, uint64_t expires_ns) {
        size_t trimmed = reclaim_trim(&s->reclaim, server_msqid(s), mtype, SERVER_REPLIES_PER_CLIENT,
                                      keep_unsent, s);

        if (trimmed > 0) {
                stat_add(&s->d->stats.replies_reclaimed, trimmed);
                log_bad(s, "pid %ld does not collect its replies: removed its %zu oldest",
                        mtype - MSGQ_REPLY_BASE, trimmed);
        }
        if (reclaim_note(&s->reclaim, mtype, expires_ns) > 0)
                wake_main(s);
}

/* ---- a queue filling up ---- */

/* Whether no process has pid (in msgqd's PID namespace). */
static bool pid_gone(long pid) {
        return kill((pid_t) pid, 0) < 0 && errno == ESRCH;
}

/* With backlog_lock held: drop the replies for clients not there, or kept too long. */
static size_t backlog_relieve_locked(struct server *s, uint64_t now) {
        size_t kept = 0, n = s->backlog_count;

        for (size_t i = 0; i < n; i++) {
                struct pending_reply *p = &s->backlog[(s->backlog_head + i) % s->backlog_size];
                if (p->kept_ns + SERVER_REPLY_STALE_NS <= now || pid_gone(p->mtype - MSGQ_REPLY_BASE))
                        continue;
                if (kept != i)
                        s->backlog[(s->backlog_head + kept) % s->backlog_size] = *p;
                kept++;
        }
        backlog_set_count(s, kept);
        return n - kept;
}

/*
 * Look at the queue: when it is more than half full, remove the replies
 * (on the queue and in the backlog) of clients that are not there (no
 * process has their PID: never existed, or died) or that left their
 * latest uncollected for SERVER_REPLY_STALE_NS, and have the main loop
 * look again until it is not.  So a flood of requests for made-up or idle
 * PIDs cannot fill the queue with replies nobody reads.
 */
static void relieve(struct server *s) {
        uint64_t now = msgq_now_ns();
        struct msqid_ds ds;
        size_t reclaimed, dropped;

        __atomic_store_n(&s->unlooked_bytes, 0, __ATOMIC_RELAXED);
        if (msgq_queue_stat(server_msqid(s), &ds) < 0)
                return;
        __atomic_store_n(&s->qbytes, (uint64_t) ds.msg_qbytes, __ATOMIC_RELAXED);
        if (ds.msg_cbytes * 2 <= ds.msg_qbytes) {
                __atomic_store_n(&s->pressure, 0, __ATOMIC_RELAXED);
                return;
        }
        reclaimed = reclaim_relieve(&s->reclaim, server_msqid(s), now, SERVER_REPLY_STALE_NS);
        pthread_mutex_lock(&s->backlog_lock);
        dropped = backlog_relieve_locked(s, now);
        pthread_mutex_unlock(&s->backlog_lock);
        stat_add(&s->d->stats.replies_reclaimed, reclaimed);
        stat_add(&s->d->stats.replies_dropped, dropped);
        if (reclaimed + dropped > 0)
                log_bad(s, "the queue is more than half full: removed %zu replies for clients that "
                        "are not there or do not collect them", reclaimed + dropped);
        if (!__atomic_exchange_n(&s->pressure, 1, __ATOMIC_RELAXED))
                wake_main(s); /* to look again */
}

/* After len bytes of replies were sent, or kept (0: at once): look at the queue once a quarter of it went by. */
static void look_after(struct server *s, size_t len) {
        uint64_t n = __atomic_add_fetch(&s->unlooked_bytes, len, __ATOMIC_RELAXED);

        if (len == 0 || n >= __atomic_load_n(&s->qbytes, __ATOMIC_RELAXED) / 4)
                relieve(s);
}

/*
 * When the backlog is empty, no older reply can be overtaken, and the send
 * needs no lock.  (The main loop sends too, the replies to led-watch
 * requests when a blink ends; each goes to a client that has nothing else
 * outstanding, so order between the two does not matter.)  When the queue
 * is full, the reply waits in the backlog and msgqd goes on taking requests.
 */
static void send_reply(struct server *s, long mtype, const void *body, size_t len,
                       uint64_t expires_ns) {
        bool kept = false;

        track_reply(s, mtype, expires_ns);
        if (backlog_pending(s) == 0 && try_send(s, mtype, body, len) == 0) {
                look_after(s, len);
                return;
        }
        pthread_mutex_lock(&s->backlog_lock);
        if (s->backlog_count > 0)
                backlog_flush_locked(s);
        if (s->backlog_count > 0 || try_send(s, mtype, body, len) == -EAGAIN)
                kept = backlog_keep_locked(s, mtype, body, len, expires_ns);
        pthread_mutex_unlock(&s->backlog_lock);
        if (kept)
                wake_main(s); /* to retry the backlog */
        look_after(s, kept ? 0 : len);
}

/* now: when the request was received (one clock read per request). */
static void answer(struct server *s, const struct msgq_request *req, struct msgq_reply *rep,
                   bool binary, uint64_t now) {
        unsigned char body[MSGQ_MSG_MAX];
        long mtype = msgq_reply_type(req->pid);
        int len;

        if (binary) {
                if (req->deadline_ns <= now) {
                        stat_inc(&s->d->stats.replies_late); /* nobody is waiting */
                        return;
                }
                rep->expires_ns = req->deadline_ns + MSGQ_REPLY_GRACE_NS;
                len = msgq_reply_encode(rep, body, sizeof body);
        } else {
                rep->expires_ns = now + MSGQ_TEXT_REPLY_TTL_NS;
                len = msgq_text_reply_format(rep, (char *) body, sizeof body);
        }
        if (len < 0) {
                log_error("cannot encode a reply: %s", strerror(-len));
                return;
        }
        send_reply(s, mtype, body, (size_t) len, rep->expires_ns);
}

static const char *decode_error(int r) {
        switch (r) {
        case -EMSGSIZE: return "too large";
        case -EPROTO: return "unsupported protocol version";
        case -EOPNOTSUPP: return "unknown operation";
        case -EINVAL: return "invalid argument";
        case -ERANGE: return "deadline too far in the future";
        default: return "malformed";
        }
}

/*
 * Why a request was refused, in words: a text word's, decode_error()'s,
 * the longest text request, line-set's entry, or the line it named twice.
 */
static const char *reject_reason(const struct msgq_request *req, int r, const unsigned char *body, size_t len,
                                 bool binary, char *buf, size_t size) {
        int k = r == -EINVAL && req->op == MSGQ_OP_LINE_SET ? msgq_line_set_twice(req) : -1;

        if (req->why[0])
                return req->why; /* a text request's word, and why */
        if (r == -EMSGSIZE && !binary) {
                snprintf(buf, size, "a text request is at most %u bytes", MSGQ_TEXT_MAX);
                return buf;
        }
        if (r == -EINVAL && binary && req->op == MSGQ_OP_LINE_SET && len >= MSGQ_REQUEST_HEADER_SIZE &&
            msgq_line_set_check(body + MSGQ_REQUEST_HEADER_SIZE, len - MSGQ_REQUEST_HEADER_SIZE, buf, size) < 0)
                return buf; /* which entry, and what is wrong with it */
        if (k < 0)
                return decode_error(r);
        if (req->values[k].name_len)
                snprintf(buf, size, "line '%s' named twice", msgq_line_value_name(req, (size_t) k));
        else
                snprintf(buf, size, "line %u named twice", req->values[k].line);
        return buf;
}

/* now: when the request was taken off the queue. */
static void serve_at(struct server *s, long mtype, const unsigned char *body, size_t len, uint64_t now) {
        struct msgq_request req; /* the decoders clear it (but for entries nothing reads) */
        struct msgq_reply rep;
        struct change_log changes;
        char why[MSGQ_ERROR_TEXT_MAX + 1];
        bool binary = msgq_body_is_binary(body, len);
        uint32_t status;
        int r;

        req.prio = mtype;
        if (binary)
                r = msgq_request_decode(body, len, &req, &status);
        else
                r = msgq_text_decode(body, len, mtype, &req, &status);
        if (r == 0 && binary && req.deadline_ns > now + MSGQ_DEADLINE_MAX_NS) {
                r = -ERANGE;
                status = MSGQ_ERR_INVALID;
        }
        if (r < 0) {
                stat_inc(&s->d->stats.errors);
                if (status == MSGQ_ERR_MALFORMED || status == MSGQ_ERR_TOO_LARGE ||
                    status == MSGQ_ERR_VERSION)
                        stat_inc(&s->d->stats.malformed);
                log_bad(s, "rejected a %s request (priority %ld, %zu %s, pid %u): %s",
                        binary ? "binary" : "text", mtype, len, plural(len, "byte", "bytes"), req.pid,
                        decode_error(r));
                if (!msgq_request_has_address(&req) || (req.flags & MSGQ_REQ_NO_REPLY))
                        return;
                /* A broken binary request carries no usable deadline: give it a short one. */
                if (binary && req.deadline_ns == 0)
                        req.deadline_ns = msgq_now_ns() + MSGQ_REPLY_GRACE_NS;
                request_reject(s->d, &req, status, reject_reason(&req, r, body, len, binary, why, sizeof why), &rep);
                answer(s, &req, &rep, binary, now);
                return;
        }
        if (request_handle(s->d, &req, &rep, &changes) && !(req.flags & MSGQ_REQ_NO_REPLY))
                answer(s, &req, &rep, binary, now);
        /* After the reply: a send to a journal that is behind waits, and must not hold it back. */
        request_log_changes(s->d, &req, &changes);
}

/* In whichever thread made the change: send_reply() may run in both. */
void server_answer_watchers(void *userdata, const struct lines_watcher *w, size_t n,
                            const struct msgq_led_state *st) {
        struct server *s = userdata;
        uint64_t now = msgq_now_ns();

        for (size_t i = 0; i < n; i++) {
                struct msgq_request req = { .prio = w[i].prio, .pid = w[i].pid, .token = w[i].token,
                                            .deadline_ns = w[i].deadline_ns, .op = w[i].op };
                struct msgq_reply rep;

                if (w[i].deadline_ns <= now) /* its client gave up waiting: not a late reply */
                        continue;
                rep = (struct msgq_reply) { .status = MSGQ_OK, .token = w[i].token, .op = w[i].op,
                                            .daemon_pid = s->d->pid, .led = *st, .line = w[i].line,
                                            .led_time = (w[i].flags & MSGQ_REQ_TIME) != 0 };
                if (msgq_op_is_watch(w[i].op)) { /* every kept change after the number it named */
                        (void) lines_changes(&s->d->lines, w[i].line, w[i].since, NULL, now, &rep);
                } else {
                        req.op = rep.op = MSGQ_OP_LED_WATCH;
                        if (rep.led_time)
                                lines_time_of(&s->d->lines, st->changes, &rep.led_time_ns,
                                              &rep.led_monotonic_ns);
                }
                answer(s, &req, &rep, true, now);
        }
}

void server_serve(struct server *s, long mtype, const unsigned char *body, size_t len) {
        serve_at(s, mtype, body, len, msgq_now_ns());
}

/* ---- the queue ---- */

/*
 * An adopted queue may hold replies for clients of the previous daemon.
 * Cycle through it once: requests go back in order; expired replies are
 * removed; live ones go back and are tracked like our own.
 */
static void sweep_adopted(struct server *s) {
        struct msgq_msgbuf m;
        struct msqid_ds ds;
        uint64_t now = msgq_now_ns();
        size_t removed = 0;

        if (msgq_queue_stat(s->msqid, &ds) < 0)
                return;
        for (msgqnum_t i = 0; i < ds.msg_qnum; i++) {
                struct msgq_reply rep;
                ssize_t n = msgrcv(s->msqid, &m, sizeof m.body, 0, IPC_NOWAIT | MSG_NOERROR);
                uint64_t expires = now + MSGQ_TEXT_REPLY_TTL_NS;

                if (n < 0)
                        break;
                if (m.mtype > MSGQ_PRIO_MAX) {
                        if (msgq_body_is_binary(m.body, (size_t) n)) {
                                if (msgq_reply_decode(m.body, (size_t) n, &rep) < 0 ||
                                    rep.expires_ns <= now) {
                                        removed++;
                                        continue;
                                }
                                expires = rep.expires_ns;
                        }
                        reclaim_note(&s->reclaim, m.mtype, expires);
                }
                if (msgsnd(s->msqid, &m, (size_t) n, IPC_NOWAIT) < 0) {
                        if (m.mtype <= MSGQ_PRIO_MAX)
                                server_serve(s, m.mtype, m.body, (size_t) n);
                        else
                                removed++;
                }
        }
        stat_add(&s->d->stats.replies_reclaimed, removed);
        log_info("adopted queue: %lu waiting %s, %zu stale %s removed", (unsigned long) ds.msg_qnum,
                 plural(ds.msg_qnum, "message", "messages"), removed, plural(removed, "reply", "replies"));
}

int server_init(struct server *s, struct msgqd *d, key_t key, unsigned mode, gid_t gid,
                bool *adopted) {
        int r;

        memset(s, 0, sizeof *s);
        s->d = d;
        s->key = key;
        s->mode = mode;
        s->gid = gid;
        s->msqid = -1;
        s->log_limit = MSGQ_RATELIMIT(BAD_LOG_WINDOW_NS, BAD_LOG_BURST);
        r = reclaim_init(&s->reclaim);
        if (r < 0)
                return r;
        r = -pthread_mutex_init(&s->backlog_lock, NULL);
        if (r < 0)
                return r;
        r = -pthread_mutex_init(&s->log_lock, NULL);
        if (r < 0)
                return r;
        r = claim_queue(key, mode, gid, adopted, &s->foreign);
        if (r < 0)
                return r;
        s->msqid = r;
        if (*adopted)
                sweep_adopted(s);
        return 0;
}

/* The queue vanished under us (ipcrm): make a new one, or give up. */
static int recreate(struct server *s) {
        char whose[256];
        bool adopted;
        int id = claim_queue(s->key, __atomic_load_n(&s->mode, __ATOMIC_RELAXED),
                             __atomic_load_n(&s->gid, __ATOMIC_RELAXED), &adopted, &s->foreign);

        if (id == -EEXIST) {
                claim_describe(&s->foreign, whose, sizeof whose);
                log_error("the queue was removed under msgqd, and another user made one on key "
                          "0x%08x (%s): not serving it", (unsigned) s->key, whose);
        }
        if (id < 0)
                return id;
        __atomic_store_n(&s->msqid, id, __ATOMIC_RELEASE);
        __atomic_fetch_add(&s->d->stats.queue_recreated, 1, __ATOMIC_RELAXED);
        log_warning("the queue was removed under msgqd; %s it (msqid %d)",
                    adopted ? "adopted a new" : "recreated", id);
        /* A stop that raced with us removes this queue too. */
        if (stopping(s))
                msgq_queue_remove(id);
        return 0;
}

int server_set_access(struct server *s, unsigned mode, gid_t gid) {
        int r = msgq_queue_set_access(server_msqid(s), mode, gid);

        if (r < 0)
                return r;
        __atomic_store_n(&s->mode, mode, __ATOMIC_RELAXED);
        __atomic_store_n(&s->gid, gid, __ATOMIC_RELAXED);
        return 0;
}

/*
 * The queue's mode was changed so that msgqd may not read it (by its owner,
 * or root): wait to be let in again, rather than give up and remove a queue
 * that may hold requests.  Polled: there is nothing to wait on.
 */
static void wait_locked_out(bool *locked_out) {
        if (!*locked_out)
                log_warning("may not read the queue: its mode was changed under msgqd; "
                            "waiting to be let in again");
        *locked_out = true;
        nanosleep(&(struct timespec) { .tv_nsec = 100 * 1000000L }, NULL);
}

static void *serve_thread(void *userdata) {
        struct server *s = userdata;
        struct msgq_msgbuf m;
        bool locked_out = false;

        for (;;) {
                uint64_t now;
                ssize_t n;
                int r;

                if (backlog_pending(s) > 0)
                        backlog_flush(s);
                n = msgrcv(server_msqid(s), &m, sizeof m.body, -MSGQ_PRIO_MAX, MSG_NOERROR);
                if (n >= 0) {
                        if (locked_out)
                                log_info("may read the queue again");
                        locked_out = false;
                        /*
                         * Set before an exit request is seen, cleared once it
                         * is answered; the watchdog reads how long it is set.
                         */
                        now = msgq_now_ns();
                        __atomic_store_n(&s->busy_since_ns, now, __ATOMIC_RELEASE);
                        serve_at(s, m.mtype, m.body, (size_t) n, now);
                        __atomic_store_n(&s->busy_since_ns, 0, __ATOMIC_RELEASE);
                        continue;
                }
                r = -errno;
                if (r == -EINTR)
                        continue;
                if (stopping(s))
                        break;
                if (r == -EIDRM || r == -EINVAL)
                        r = recreate(s);
                if (r == -EACCES || r == -EPERM) {
                        wait_locked_out(&locked_out);
                        continue;
                }
                if (r < 0) {
                        log_error("cannot receive requests: %s", strerror(-r));
                        __atomic_store_n(&s->failed, r, __ATOMIC_RELEASE);
                        wake_main(s);
                        break;
                }
        }
        return NULL;
}

int server_start(struct server *s) {
        int r = -pthread_create(&s->thread, NULL, serve_thread, s);

        s->running = r == 0;
        return r;
}

void server_linger(struct server *s, unsigned ms) {
        uint64_t end = msgq_now_ns() + (uint64_t) ms * 1000000u;
        struct msqid_ds ds;

        /* The exit request's own reply may not be sent yet. */
        while (__atomic_load_n(&s->busy_since_ns, __ATOMIC_ACQUIRE) && msgq_now_ns() < end)
                nanosleep(&(struct timespec) { .tv_nsec = 1000000L }, NULL);
        while (msgq_queue_stat(server_msqid(s), &ds) == 0 &&
               (ds.msg_qnum > 0 || backlog_pending(s) > 0) && msgq_now_ns() < end) {
                if (backlog_pending(s) > 0)
                        backlog_flush(s);
                nanosleep(&(struct timespec) { .tv_nsec = 10 * 1000000L }, NULL);
        }
}

void server_stop(struct server *s) {
        __atomic_store_n(&s->stopping, 1, __ATOMIC_RELEASE);
        if (s->msqid >= 0)
                msgq_queue_remove(server_msqid(s));
        if (s->running)
                pthread_join(s->thread, NULL);
        s->running = false;
}

void server_done(struct server *s) {
        reclaim_done(&s->reclaim);
        pthread_mutex_destroy(&s->backlog_lock);
        pthread_mutex_destroy(&s->log_lock);
        free(s->backlog);
        s->backlog = NULL;
}

uint64_t server_next_tick(struct server *s) {
        uint64_t t = reclaim_next(&s->reclaim);

        if (backlog_pending(s) > 0) {
                uint64_t retry = msgq_now_ns() + SERVER_BACKLOG_RETRY_NS;
                if (retry < t)
                        t = retry;
        }
        if (__atomic_load_n(&s->pressure, __ATOMIC_RELAXED)) {
                uint64_t again = msgq_now_ns() + SERVER_PRESSURE_RETRY_NS;
                if (again < t)
                        t = again;
        }
        return t;
}

void server_tick(struct server *s) {
        size_t n;

        if (__atomic_load_n(&s->pressure, __ATOMIC_RELAXED))
                relieve(s);
        n = reclaim_sweep(&s->reclaim, server_msqid(s), msgq_now_ns());

        if (n > 0) {
                stat_add(&s->d->stats.replies_reclaimed, n);
                log_info("reclaimed %zu unclaimed %s", n, plural(n, "reply", "replies"));
        }
        if (backlog_pending(s) > 0)
                backlog_flush(s);
}
