// SPDX-License-Identifier: MIT
/*
 * inputs-msgq: msgqd's inputs seen by a client of libmsgq, for the system
 * test (tests/system/guest-inputs) and the pin benchmark
 * (tests/system/guest-pins):
 *
 *   inputs-msgq state NAME
 *           the input NAME as msgqd has it, one line: "line=I last=N
 *           now=M level=L seq=S count=C lost=K debounce=BY" (last: the
 *           number of its last change, now: of msgqd's last change of any
 *           line, seq: the line's own count of changes, count and lost:
 *           msgq_input_list()'s counter)
 *   inputs-msgq events NAME SINCE MAX TIMEOUT_MS
 *           the changes of NAME after change SINCE, through
 *           msgq_line_events(), each asked from the last given: one line
 *           each, "event N seq S edge E level L kseq K lost X flags F"
 *           (E: rising, falling, away or output), "missed M" where msgqd
 *           no longer kept some; ends after MAX events, or when none came
 *           within TIMEOUT_MS ("timeout"), with "next N"
 *   inputs-msgq reflex INPUT OUTPUT SINCE COUNT TIMEOUT_MS
 *           the reflex client: waits in msgq_line_events() on INPUT for
 *           its changes after change SINCE, and sets OUTPUT to each one's level
 *           (msgq_line_on() or msgq_line_off(), each waiting for msgqd's
 *           reply); ends after COUNT events, or status 1 when none came
 *           within TIMEOUT_MS
 *
 * The key as msgqctl takes it (msgq.conf).  Exit status: 0 done, 1 an
 * error or the reflex's timeout (named on stderr), 2 bad arguments.
 * Built for the guest against the libmsgq of the package under test
 * (tests/system/run cross-builds it).
 */
#include <errno.h>
#include <inttypes.h>
#include <msgq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const edge_names[] = {
        [MSGQ_EDGE_OUTPUT] = "output",
        [MSGQ_EDGE_RISING] = "rising",
        [MSGQ_EDGE_FALLING] = "falling",
        [MSGQ_EDGE_AWAY] = "away",
};

static const char *const debounce_names[] = {
        [MSGQ_DEBOUNCE_NONE] = "none",
        [MSGQ_DEBOUNCE_KERNEL] = "kernel",
        [MSGQ_DEBOUNCE_MSGQD] = "msgqd",
};

static int usage(void)
{
        fprintf(stderr, "usage: inputs-msgq state NAME\n"
                        "       inputs-msgq events NAME SINCE MAX TIMEOUT_MS\n"
                        "       inputs-msgq reflex INPUT OUTPUT SINCE COUNT TIMEOUT_MS\n");
        return 2;
}

/* A whole number from 0 to max, else -1 with the argument named on stderr. */
static int64_t number(const char *s, const char *what, uint64_t max)
{
        unsigned long long v;
        char *end;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || end == s || *end || s[0] == '-' || v > max) {
                fprintf(stderr, "inputs-msgq: %s '%s': expected a whole number from 0 to %" PRIu64 "\n",
                        what, s, max);
                return -1;
        }
        return (int64_t) v;
}

static int fail(struct msgq *h, const char *what, int r)
{
        fprintf(stderr, "inputs-msgq: %s: %s\n", what, msgq_errmsg(h)[0] ? msgq_errmsg(h) : msgq_strerror(r));
        return 1;
}

/*
 * The line called name: its index, its entry of msgq_line_list() in *info,
 * and in *now (may be NULL) the number of msgqd's last change, the largest
 * of the lines' last changes.
 */
static int find_line(struct msgq *h, const char *name, struct msgq_line_info *info, uint64_t *now)
{
        struct msgq_line_info lines[MSGQ_LINES_MAX];
        int r, n, i;

        r = msgq_line_find(h, name);
        if (r < 0)
                return r;
        n = msgq_line_list(h, lines, MSGQ_LINES_MAX);
        if (n < 0)
                return n;
        if (r >= n || r >= MSGQ_LINES_MAX)
                return -ENOENT;
        *info = lines[r];
        for (i = 0; now && i < n && i < MSGQ_LINES_MAX; i++)
                if (i == 0 || lines[i].st.led.changes > *now)
                        *now = lines[i].st.led.changes;
        return r;
}

static int cmd_state(struct msgq *h, char **argv)
{
        struct msgq_input_info inputs[MSGQ_LINES_MAX];
        struct msgq_line_info info;
        uint64_t now = 0;
        int line, n, i;

        line = find_line(h, argv[0], &info, &now);
        if (line < 0)
                return fail(h, argv[0], line);
        if (!(info.flags & MSGQ_LINE_F_INPUT)) {
                fprintf(stderr, "inputs-msgq: '%s' is an output, not an input\n", argv[0]);
                return 1;
        }
        n = msgq_input_list(h, inputs, MSGQ_LINES_MAX);
        if (n < 0)
                return fail(h, "input-list", n);
        for (i = 0; i < n && i < MSGQ_LINES_MAX; i++) {
                if (inputs[i].line != line)
                        continue;
                printf("line=%d last=%" PRIu64 " now=%" PRIu64 " level=%u seq=%" PRIu32 " count=%" PRIu64
                       " lost=%" PRIu64 " debounce=%s\n",
                       line, info.st.led.changes, now, (unsigned) info.st.led.on, info.st.seq, inputs[i].count,
                       inputs[i].lost,
                       inputs[i].debounce_by <= MSGQ_DEBOUNCE_MSGQD ? debounce_names[inputs[i].debounce_by] : "?");
                return 0;
        }
        fprintf(stderr, "inputs-msgq: '%s' (line %d) is not in msgqd's %d inputs\n", argv[0], line, n);
        return 1;
}

static const char *edge_name(uint8_t edge)
{
        return edge < _MSGQ_EDGE_MAX ? edge_names[edge] : "?";
}

static int cmd_events(struct msgq *h, char **argv)
{
        struct msgq_event ev[8];
        struct msgq_watch_result res;
        struct msgq_line_info info;
        int64_t since, max, timeout;
        int line, n, i, got = 0;

        since = number(argv[1], "SINCE", INT64_MAX);
        max = number(argv[2], "MAX", 100000);
        timeout = number(argv[3], "TIMEOUT_MS", MSGQ_TIMEOUT_MAX_MS);
        if (since < 0 || max < 1 || timeout < 1)
                return 2;
        line = find_line(h, argv[0], &info, NULL);
        if (line < 0)
                return fail(h, argv[0], line);
        while (got < max) {
                n = msgq_line_events(h, (unsigned) line, (uint64_t) since, (unsigned) timeout, ev,
                                     (size_t) (max - got < 8 ? max - got : 8), &res);
                if (n == -ETIMEDOUT) {
                        printf("timeout\n");
                        break;
                }
                if (n < 0)
                        return fail(h, "line-events", n);
                if (res.missed)
                        printf("missed %" PRIu32 "\n", res.missed);
                for (i = 0; i < n; i++)
                        printf("event %" PRIu64 " seq %" PRIu32 " edge %s level %u kseq %" PRIu32 " lost %" PRIu32
                               " flags %u\n",
                               ev[i].ch.st.led.changes, ev[i].ch.st.seq, edge_name(ev[i].edge),
                               (unsigned) ev[i].ch.st.led.on, ev[i].kernel_seqno, ev[i].lost,
                               (unsigned) ev[i].flags);
                fflush(stdout);
                got += n;
                since = (int64_t) res.next;
        }
        printf("next %" PRId64 "\n", since);
        return 0;
}

static int cmd_reflex(struct msgq *h, char **argv)
{
        struct msgq_event ev[8];
        struct msgq_watch_result res;
        struct msgq_line_info in, out;
        int64_t start, count, timeout;
        uint64_t since;
        int line, output, n, i, r, done = 0;

        start = number(argv[2], "SINCE", INT64_MAX);
        count = number(argv[3], "COUNT", 1000000);
        timeout = number(argv[4], "TIMEOUT_MS", MSGQ_TIMEOUT_MAX_MS);
        if (start < 0 || count < 1 || timeout < 1)
                return 2;
        line = find_line(h, argv[0], &in, NULL);
        if (line < 0)
                return fail(h, argv[0], line);
        output = find_line(h, argv[1], &out, NULL);
        if (output < 0)
                return fail(h, argv[1], output);
        since = (uint64_t) start;
        while (done < count) {
                n = msgq_line_events(h, (unsigned) line, since, (unsigned) timeout, ev, 8, &res);
                if (n == -ETIMEDOUT) {
                        fprintf(stderr, "inputs-msgq: no event of %s within %" PRId64 " ms after %d of %" PRId64 "\n",
                                argv[0], timeout, done, count);
                        return 1;
                }
                if (n < 0)
                        return fail(h, "line-events", n);
                if (res.missed)
                        fprintf(stderr, "inputs-msgq: missed %" PRIu32 " changes after %" PRIu64 "\n", res.missed,
                                since);
                for (i = 0; i < n && done < count; i++, done++) {
                        r = ev[i].ch.st.led.on ? msgq_line_on(h, (unsigned) output, NULL)
                                               : msgq_line_off(h, (unsigned) output, NULL);
                        if (r < 0)
                                return fail(h, argv[1], r);
                }
                since = res.next;
        }
        return 0;
}

int main(int argc, char **argv)
{
        static const struct {
                const char *name;
                int args;
                int (*run)(struct msgq *h, char **argv);
        } cmds[] = {
                { "state", 1, cmd_state },
                { "events", 4, cmd_events },
                { "reflex", 5, cmd_reflex },
        };
        struct msgq *h;
        char err[256] = "";
        size_t i;
        int r;

        if (argc < 2)
                return usage();
        for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
                if (strcmp(argv[1], cmds[i].name) == 0)
                        break;
        if (i == sizeof cmds / sizeof cmds[0] || argc != cmds[i].args + 2)
                return usage();
        r = msgq_open_config(&h, NULL, 0, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "inputs-msgq: %s\n", err[0] ? err : msgq_strerror(r));
                return 1;
        }
        r = cmds[i].run(h, argv + 2);
        msgq_close(h);
        return r;
}
