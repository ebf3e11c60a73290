/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "harness.h"
#include "protocol.h"
#include "queue.h"
#include "unit.h"

#define KEYS_PER_TEST 16
#define KEY_BLOCK     4096

static key_t key_base;
static int test_index; /* bumped in the parent before each test is forked */
static int key_next;
static char tmpdir[256];
static int state_serial; /* bumped with test_index: each test's state directory */

void harness_init(void) {
        const char *t = getenv("TMPDIR");

        /* 0x7a...: well away from msgq's default key and ftok()-made keys. */
        key_base = (key_t) (0x7a000000u | ((unsigned) (getpid() % 0xfff) * KEY_BLOCK));
        snprintf(tmpdir, sizeof tmpdir, "%s/msgq-test-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                exit(EXIT_FAILURE);
        }
        /*
         * msgqd keeps the lines' state in $STATE_DIRECTORY: never the
         * machine's.  Each daemon_start() gives the test's own; a msgqd run
         * otherwise (run_prog, run_prog_as) gets this runner's, which any
         * user may reach and write, like /tmp.
         */
        if (setenv("STATE_DIRECTORY", fmt("%s/state", tmpdir), 1) < 0 ||
            mkdir(getenv("STATE_DIRECTORY"), 0755) < 0 || chmod(getenv("STATE_DIRECTORY"), 01777) < 0 ||
            chmod(tmpdir, 0711) < 0) {
                perror("harness: state directory");
                exit(EXIT_FAILURE);
        }
}

void harness_next_test(void) {
        test_index = (test_index + 1) % (KEY_BLOCK / KEYS_PER_TEST);
        key_next = 0;
        state_serial++;
}

const char *harness_state_dir(void) {
        static char dir[320];

        snprintf(dir, sizeof dir, "%s/state.%d", tmpdir, state_serial);
        if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
                perror("harness: mkdir state directory");
                exit(EXIT_FAILURE);
        }
        return dir;
}

const char *harness_config(const char *content) {
        static char path[340];
        static int serial;
        FILE *f;

        snprintf(path, sizeof path, "%s/msgq.%d.%d.conf", tmpdir, state_serial, ++serial);
        f = fopen(path, "w");
        ck_assert_msg(f != NULL, "harness: %s: %s", path, strerror(errno));
        ck_assert_int_ge(fputs(content, f), 0);
        ck_assert_int_eq(fclose(f), 0);
        return path;
}

key_t test_key(void) {
        return key_base + test_index * KEYS_PER_TEST + (key_next++ % KEYS_PER_TEST);
}

static int remove_queue(key_t key) {
        int id = msgget(key, 0);
        return id >= 0 && msgctl(id, IPC_RMID, NULL) == 0;
}

/* msgqd's lock on the key, left by a msgqd that was killed. */
static void remove_lock(key_t key) {
        int id = semget(key, 0, 0);

        if (id >= 0)
                semctl(id, 0, IPC_RMID);
}

int harness_cleanup(void) {
        int n = 0;

        for (int i = 0; i < KEYS_PER_TEST; i++) {
                n += remove_queue(key_base + test_index * KEYS_PER_TEST + i);
                remove_lock(key_base + test_index * KEYS_PER_TEST + i);
        }
        return n;
}

bool queue_exists(key_t key) {
        return msgget(key, 0) >= 0;
}

long queue_count(key_t key) {
        struct msqid_ds ds;
        int id = msgget(key, 0);

        if (id < 0 || msgctl(id, IPC_STAT, &ds) < 0)
                return -errno;
        return (long) ds.msg_qnum;
}

void sleep_ms(int ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static const char *program_path(const char *name) {
        if (strcmp(name, "msgqd") == 0)
                return getenv("MSGQD");
        if (strcmp(name, "msgqctl") == 0)
                return getenv("MSGQCTL");
        return name;
}

const char *harness_program(const char *name) {
        return program_path(name);
}

const char *test_source(const char *name) {
        static char path[512];
        const char *dir = getenv("MSGQ_TEST_SRCDIR");

        snprintf(path, sizeof path, "%s/%s", dir ? dir : ".", name);
        return path;
}

uint64_t monotonic_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

const char *fmt(const char *f, ...) {
        static char bufs[32][4096];
        static int next;
        char *b = bufs[next++ % 32];
        va_list ap;

        va_start(ap, f);
        vsnprintf(b, sizeof bufs[0], f, ap);
        va_end(ap);
        return b;
}

/* waitpid with a deadline; -ETIMEDOUT if still running. */
static int wait_for(pid_t pid, int ms) {
        uint64_t end = monotonic_ms() + (uint64_t) ms;
        int st;

        for (;;) {
                pid_t r = waitpid(pid, &st, WNOHANG);
                if (r == pid)
                        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                if (r < 0)
                        return -errno;
                if (monotonic_ms() >= end)
                        return -ETIMEDOUT;
                sleep_ms(2);
        }
}

struct user user_nobody(void) {
        struct passwd *pw = getpwnam("nobody");
        struct user u = { .uid = pw ? pw->pw_uid : 65534, .gid = pw ? pw->pw_gid : 65534 };

        ck_assert_uint_ne(u.uid, 0);
        return u;
}

void become_user(const struct user *u) {
        if (setgroups(u->ngroups, u->groups) < 0 || setgid(u->gid) < 0 || setuid(u->uid) < 0) {
                perror("harness: dropping privileges");
                _exit(126);
        }
}

/*
 * In the child, before it becomes another user: the built libmsgq, which
 * the built msgqctl links, handed over as the program is (its directory
 * may be out of that user's reach too): opened now, preloaded through
 * /proc/self/fd, where the loader finds it by its soname.
 */
static void preload_libmsgq(void) {
        const char *dir = getenv("MSGQ_LIBDIR");
        char path[PATH_MAX], fdpath[64];
        int fd;

        if (!dir || snprintf(path, sizeof path, "%s/libmsgq.so.0", dir) >= (int) sizeof path)
                return;
        fd = open(path, O_RDONLY); /* no O_CLOEXEC: the program's loader opens it */
        if (fd < 0)
                return;
        snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
        setenv("LD_PRELOAD", fdpath, 1);
}

/* In the child: run argv (as u, unless NULL) with its output to out_fd and err_fd. */
static void exec_child(const char *const *argv, int out_fd, int err_fd, const struct user *u) {
        const char *path = program_path(argv[0]);
        int fd = -1;

        dup2(out_fd, STDOUT_FILENO);
        dup2(err_fd, STDERR_FILENO);
        if (u) {
                if (strchr(path, '/'))
                        fd = open(path, O_RDONLY | O_CLOEXEC); /* while it may still be reached */
                preload_libmsgq();
                become_user(u);
        }
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* after the switch, which clears it */
        if (fd >= 0)
                fexecve(fd, (char *const *) argv, environ);
        else if (strchr(path, '/'))
                execv(path, (char *const *) argv);
        else
                execvp(path, (char *const *) argv);
        fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
        _exit(127);
}

static void read_file(const char *path, char *buf, size_t size) {
        FILE *f = fopen(path, "r");
        size_t n = 0;

        if (f) {
                n = fread(buf, 1, size - 1, f);
                fclose(f);
        }
        buf[n] = '\0';
}

int run_prog_as(struct run *r, int timeout_ms, const struct user *u, const char *const *argv) {
        char out_path[300], err_path[300];
        int out_fd, err_fd, st;
        pid_t pid;

        snprintf(out_path, sizeof out_path, "%s/out.%d", tmpdir, getpid());
        snprintf(err_path, sizeof err_path, "%s/err.%d", tmpdir, getpid());
        out_fd = open(out_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        err_fd = open(err_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (out_fd < 0 || err_fd < 0)
                return -errno;
        pid = fork();
        if (pid == 0)
                exec_child(argv, out_fd, err_fd, u);
        close(out_fd);
        close(err_fd);
        if (pid < 0)
                return -errno;
        st = wait_for(pid, timeout_ms);
        if (st == -ETIMEDOUT) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
        }
        read_file(out_path, r->out, sizeof r->out);
        read_file(err_path, r->err, sizeof r->err);
        unlink(out_path);
        unlink(err_path);
        r->status = st;
        return st < 0 ? st : 0;
}

int run_prog(struct run *r, int timeout_ms, const char *const *argv) {
        return run_prog_as(r, timeout_ms, NULL, argv);
}

int ctl(struct run *r, key_t key, ...) {
        const char *argv[32];
        char keystr[32];
        int n = 0;
        va_list ap;

        snprintf(keystr, sizeof keystr, "0x%08x", (unsigned) key);
        argv[n++] = "msgqctl";
        argv[n++] = "-k";
        argv[n++] = keystr;
        va_start(ap, key);
        while (n < 31 && (argv[n] = va_arg(ap, const char *)))
                n++;
        va_end(ap);
        argv[n] = NULL;
        return run_prog(r, 15000, argv);
}

/* Wait for READY=1 on the notify socket while the daemon is alive. */
static int wait_ready(int sock, pid_t pid, int ms) {
        uint64_t end = monotonic_ms() + (uint64_t) ms;
        char buf[4096];

        for (;;) {
                struct pollfd p = { .fd = sock, .events = POLLIN };
                int left = (int) (end - monotonic_ms());
                if (left <= 0)
                        return -ETIMEDOUT;
                if (poll(&p, 1, left < 50 ? left : 50) > 0) {
                        ssize_t n = recv(sock, buf, sizeof buf - 1, 0);
                        if (n > 0) {
                                buf[n] = '\0';
                                if (strstr(buf, "READY=1"))
                                        return 0;
                        }
                }
                if (waitpid(pid, NULL, WNOHANG) == pid)
                        return -ECHILD; /* exited before it was ready */
                if (monotonic_ms() >= end)
                        return -ETIMEDOUT;
        }
}

/* Count the notifications containing what that arrive within ms. */
static int count_notifications(int sock, const char *what, int ms) {
        uint64_t end = monotonic_ms() + (uint64_t) ms;
        char buf[4096];
        int n = 0;

        for (;;) {
                struct pollfd p = { .fd = sock, .events = POLLIN };
                int left = (int) (end - monotonic_ms());
                if (left <= 0 || poll(&p, 1, left) <= 0)
                        return n;
                ssize_t len = recv(sock, buf, sizeof buf - 1, 0);
                if (len > 0) {
                        buf[len] = '\0';
                        n += strstr(buf, what) != NULL;
                }
        }
}

/*
 * MSGQ_TEST_TIMEOUT_SCALE (a whole number, default 1) stretches the waits
 * for msgqd, which a wrapper such as valgrind slows down.
 */
int scaled(int ms) {
        const char *s = getenv("MSGQ_TEST_TIMEOUT_SCALE");
        int k = s ? atoi(s) : 1;

        return k > 1 && k <= 100 ? ms * k : ms;
}

/*
 * MSGQ_TEST_WRAPPER runs msgqd (not msgqctl) under a command, split at
 * spaces: "valgrind --error-exitcode=99 -q ...".  msgqd keeps its PID, and
 * its exit status becomes the wrapper's, so a memcheck error fails the
 * test that stops the daemon.
 */
static int add_wrapper(const char **argv, int n, int max, char *buf, size_t size) {
        const char *w = getenv("MSGQ_TEST_WRAPPER");
        char *save = NULL;

        if (!w || !*w)
                return n;
        snprintf(buf, size, "%s", w);
        for (char *word = strtok_r(buf, " \t", &save); word && n < max;
             word = strtok_r(NULL, " \t", &save))
                argv[n++] = word;
        return n;
}

/* In the child: env's "NAME=VALUE" set, "NAME" unset. */
static void apply_env(const char *const *env) {
        for (; env && *env; env++) {
                const char *eq = strchr(*env, '=');

                if (eq)
                        putenv((char *) *env);
                else
                        unsetenv(*env);
        }
}

struct start_args {
        const char *const *extra;
        unsigned long watchdog_usec;
        int *pings;
        const struct user *u;
        const char *program; /* NULL: the built msgqd */
        const char *const *env;
};

/* In the forked child: msgqd's environment, then msgqd. */
static _Noreturn void start_child(const char *const *argv, const char *notify, int log_fd,
                                  const struct start_args *a) {
        char value[32];

        setenv("NOTIFY_SOCKET", notify, 1);
        setenv("STATE_DIRECTORY", harness_state_dir(), 1);
        unsetenv("MSGQ_KEY");
        if (a->watchdog_usec) {
                snprintf(value, sizeof value, "%lu", a->watchdog_usec);
                setenv("WATCHDOG_USEC", value, 1);
                snprintf(value, sizeof value, "%d", (int) getpid());
                setenv("WATCHDOG_PID", value, 1);
        }
        apply_env(a->env);
        exec_child(argv, log_fd, log_fd, a->u);
        _exit(127);
}

static int start(struct daemon *d, key_t key, const struct start_args *a) {
        static int serial;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *program = a->program ? a->program : "msgqd";
        char keystr[32], notify[108];
        const char *argv[48];
        char wrapper[512];
        int sock, log_fd, n = 0, r;
        socklen_t len;

        memset(d, 0, sizeof *d);
        d->key = key;
        (void) harness_state_dir(); /* made before the child needs it */
        snprintf(d->log_path, sizeof d->log_path, "%s/msgqd.%d.%d.log", tmpdir, getpid(), serial);
        snprintf(notify, sizeof notify, "@msgq-test/%d/%d", getpid(), serial++);
        memcpy(sa.sun_path + 1, notify + 1, strlen(notify) - 1);
        len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(notify));
        sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0 || bind(sock, (struct sockaddr *) &sa, len) < 0)
                return -errno;
        log_fd = open(d->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (log_fd < 0)
                return -errno;

        snprintf(keystr, sizeof keystr, "0x%08x", (unsigned) key);
        n = add_wrapper(argv, n, 16, wrapper, sizeof wrapper);
        argv[n] = n > 0 ? program_path(program) : program; /* a wrapper needs the path */
        n++;
        argv[n++] = "--sim";
        argv[n++] = "-k";
        argv[n++] = keystr;
        for (const char *const *e = a->extra; e && *e && n < 47; e++)
                argv[n++] = *e;
        argv[n] = NULL;

        d->pid = fork();
        if (d->pid == 0)
                start_child(argv, notify, log_fd, a);
        close(log_fd);
        if (d->pid < 0) {
                close(sock);
                return -errno;
        }
        r = wait_ready(sock, d->pid, scaled(5000));
        if (r == 0 && a->pings)
                *a->pings = count_notifications(sock, "WATCHDOG=1", 1000);
        close(sock);
        if (r < 0) {
                if (r != -ECHILD)
                        daemon_kill(d);
                d->pid = 0;
        }
        return r;
}

int daemon_start(struct daemon *d, key_t key, const char *const *extra) {
        return start(d, key, &(struct start_args) { .extra = extra });
}

int daemon_start_as(struct daemon *d, key_t key, const char *const *extra, const struct user *u) {
        return start(d, key, &(struct start_args) { .extra = extra, .u = u });
}

int daemon_start_env(struct daemon *d, key_t key, const char *program, const char *const *env,
                     const struct user *u) {
        return start(d, key, &(struct start_args) { .program = program, .env = env, .u = u });
}

/* The last 2000 bytes of msgqd's log: Check cuts a failure message at 4 KiB. */
static const char *log_tail(const struct daemon *d) {
        const char *log = daemon_log(d);
        size_t n = strlen(log);

        return n > 2000 ? log + n - 2000 : log;
}

void daemon_start_checked(struct daemon *d, key_t key, const char *const *extra) {
        int r = daemon_start(d, key, extra);

        ck_assert_msg(r == 0, "msgqd did not become ready (%s): %s", strerror(-r), log_tail(d));
}

void daemon_stop_checked(struct daemon *d) {
        int st = daemon_stop(d);

        ck_assert_msg(st == 0, "msgqd exited with %d: %s", st, log_tail(d));
        ck_assert_msg(!queue_exists(d->key), "msgqd left its queue 0x%08x behind", (unsigned) d->key);
}

int daemon_start_watchdog(struct daemon *d, key_t key, unsigned long usec, int *pings) {
        return start(d, key, &(struct start_args) { .watchdog_usec = usec, .pings = pings });
}

int daemon_wait(struct daemon *d, int ms) {
        int st;

        if (d->pid <= 0)
                return -ECHILD;
        st = wait_for(d->pid, scaled(ms));
        if (st != -ETIMEDOUT)
                d->pid = 0;
        return st;
}

int daemon_stop(struct daemon *d) {
        int st;

        if (d->pid <= 0)
                return -ECHILD;
        kill(d->pid, SIGTERM);
        st = daemon_wait(d, 5000);
        if (st == -ETIMEDOUT) {
                daemon_kill(d);
                return -ETIMEDOUT;
        }
        return st;
}

void daemon_kill(struct daemon *d) {
        if (d->pid <= 0)
                return;
        kill(d->pid, SIGKILL);
        waitpid(d->pid, NULL, 0);
        d->pid = 0;
}

void daemon_led_burst(struct daemon *d, int n) {
        struct msgq_client c;

        ck_assert_int_eq(msgq_client_open(&c, d->key), 0);
        ck_assert_int_eq(kill(d->pid, SIGSTOP), 0);
        for (int i = 0; i < n; i++) {
                struct msgq_request req = { .op = i % 2 ? MSGQ_OP_LED_OFF : MSGQ_OP_LED_ON };

                ck_assert_int_eq(msgq_client_post(&c, 5, &req, 1000), 0);
        }
        ck_assert_int_eq(kill(d->pid, SIGCONT), 0);
        msgq_client_close(&c);
}

int forge_requests(key_t key, uint16_t op, uint64_t arg, const uint32_t *pids, int n) {
        int id = msgget(key, 0), sent = 0;

        ck_assert_int_ge(id, 0);
        for (; sent < n; sent++) {
                struct msgq_request req = { .pid = pids[sent], .op = op, .arg0 = (uint32_t) arg,
                                            .arg1 = (uint32_t) (arg >> 32),
                                            .deadline_ns = msgq_now_ns() + 3599ull * 1000000000ull };
                struct msgq_msgbuf m = { .mtype = 1 };
                int len, tries = 0;

                getrandom(&req.token, sizeof req.token, 0);
                len = msgq_request_encode(&req, m.body, sizeof m.body);
                ck_assert_int_gt(len, 0);
                while (msgsnd(id, &m, (size_t) len, IPC_NOWAIT) < 0) {
                        ck_assert_msg(errno == EAGAIN, "forged request: %s", strerror(errno));
                        if (++tries > 200)
                                return sent;
                        sleep_ms(1);
                }
        }
        return sent;
}

int live_pids(uint32_t *pids, int n) {
        DIR *proc = opendir("/proc");
        struct dirent *e;
        int found = 0;

        ck_assert_ptr_nonnull(proc);
        /* The lowest: collect them all, keep the n smallest. */
        while ((e = readdir(proc))) {
                char *end;
                unsigned long pid = strtoul(e->d_name, &end, 10);
                int at;

                if (*end || pid == 0 || pid == (unsigned long) getpid())
                        continue;
                if (found == n && pid >= pids[n - 1])
                        continue;
                at = found < n ? found++ : n - 1;
                while (at > 0 && pids[at - 1] > pid) {
                        pids[at] = pids[at - 1];
                        at--;
                }
                pids[at] = (uint32_t) pid;
        }
        closedir(proc);
        return found;
}

bool daemon_log_wait(const struct daemon *d, const char *text, int ms) {
        for (int i = 0; i < ms / 10; i++) {
                if (strstr(daemon_log(d), text))
                        return true;
                sleep_ms(10);
        }
        return false;
}

const char *daemon_log(const struct daemon *d) {
        static char buf[65536];

        read_file(d->log_path, buf, sizeof buf);
        return buf;
}

/* Remove name in dir: a file, or a directory of files (the state directories). */
static void remove_entry(int dfd, const char *name) {
        struct dirent *e;
        DIR *sub;
        int fd;

        if (unlinkat(dfd, name, 0) == 0 || (errno != EISDIR && errno != EPERM))
                return;
        fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        sub = fd >= 0 ? fdopendir(fd) : NULL;
        while (sub && (e = readdir(sub)))
                if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                        unlinkat(dirfd(sub), e->d_name, 0);
        if (sub)
                closedir(sub);
        else if (fd >= 0)
                close(fd);
        unlinkat(dfd, name, AT_REMOVEDIR);
}

void harness_finish(void) {
        DIR *dir = opendir(tmpdir);
        struct dirent *e;

        while (dir && (e = readdir(dir)))
                if (e->d_name[0] != '.')
                        remove_entry(dirfd(dir), e->d_name);
        if (dir)
                closedir(dir);
        rmdir(tmpdir);
}

/* What harness_shared() mapped: zeroed before each test, unmapped by harness_run(). */
static struct {
        void *mem;
        size_t size;
} shared[8];
static size_t nshared;

void *harness_shared(size_t size) {
        void *mem;

        if (nshared == sizeof shared / sizeof shared[0]) {
                fprintf(stderr, "harness: more than %zu shared blocks\n", nshared);
                exit(EXIT_FAILURE);
        }
        mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED) {
                perror("harness: mmap");
                exit(EXIT_FAILURE);
        }
        shared[nshared].mem = mem;
        shared[nshared++].size = size;
        return mem;
}

void shared_count(int *counter) {
        __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

int shared_read(const int *counter) {
        return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

void reap_children(const pid_t *pids, int n) {
        for (int i = 0; i < n; i++) {
                int st;
                ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
                ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                              "child %d failed: %s %d", i, WIFEXITED(st) ? "exit" : "signal",
                              WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        }
}

static void (*suite_setup)(void);
static void (*suite_teardown)(void);

void harness_set_hooks(void (*setup)(void), void (*teardown)(void)) {
        suite_setup = setup;
        suite_teardown = teardown;
}

static void each_setup(void) {
        harness_next_test();
        for (size_t i = 0; i < nshared; i++)
                memset(shared[i].mem, 0, shared[i].size);
        if (suite_setup)
                suite_setup();
}

static void each_teardown(void) {
        int left = harness_cleanup();

        if (left)
                fprintf(stderr, "cleanup removed %d queue(s) a failed test left behind\n", left);
        if (suite_teardown)
                suite_teardown();
}

TCase *harness_add(Suite *s, const char *name, const TTest *t, int timeout_s) {
        static unsigned added;
        TCase *tc = tcase_create(name);
        char tag[16];

        /* part0 .. part3 in turn: a long suite runs as four tests (CK_INCLUDE_TAGS, tests/meson.build). */
        snprintf(tag, sizeof tag, "part%u", added++ % HARNESS_PARTS);
        tcase_set_tags(tc, tag);
        tcase_add_unchecked_fixture(tc, each_setup, each_teardown);
        tcase_set_timeout(tc, timeout_s);
        tcase_add_test(tc, t);
        suite_add_tcase(s, tc);
        return tc;
}

int harness_run(Suite *s) {
        int ret = unit_run(s);

        for (; nshared > 0; nshared--)
                munmap(shared[nshared - 1].mem, shared[nshared - 1].size);
        if (ret == EXIT_SUCCESS)
                harness_finish();
        return ret;
}

void watch_by_hand(int id, uint16_t op, uint16_t line, uint64_t since, uint64_t token) {
        struct msgq_request req = { .pid = (uint32_t) getpid(), .token = token, .op = op, .line = line,
                                    .arg0 = (uint32_t) since, .arg1 = (uint32_t) (since >> 32),
                                    .deadline_ns = msgq_now_ns() + (uint64_t) scaled(5000) * 1000000u };
        unsigned char body[MSGQ_MSG_MAX];
        int len = msgq_request_encode(&req, body, sizeof body);

        ck_assert_int_gt(len, 0);
        ck_assert_int_eq(msgq_queue_send(id, MSGQ_PRIO_DEFAULT, body, (size_t) len, 0), 0);
}

void reply_by_hand(int id, struct msgq_reply *rep) {
        unsigned char body[MSGQ_MSG_MAX];
        long mtype;
        ssize_t n = -1;

        for (int waited = 0; waited < scaled(5000) && n < 0; waited += 5) {
                n = msgq_queue_recv(id, msgq_reply_type((uint32_t) getpid()), &mtype, body, sizeof body,
                                    IPC_NOWAIT | MSG_NOERROR);
                if (n < 0)
                        sleep_ms(5);
        }
        ck_assert_int_ge(n, 0);
        ck_assert_int_eq(msgq_reply_decode(body, (size_t) n, rep), 0);
}

void sim_input_write(const char *dir, const char *name, const char *bytes) {
        const char *path = fmt("%s/%s", dir, name);
        int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

        ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
        ck_assert_int_eq(write(fd, bytes, strlen(bytes)), (ssize_t) strlen(bytes));
        close(fd);
}
