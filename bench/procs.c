/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define READY_TIMEOUT_NS (5ull * 1000000000ull)
#define STOP_TIMEOUT_NS  (5ull * 1000000000ull)
#define MAX_DAEMONS      8

extern char **environ;

static volatile pid_t daemons[MAX_DAEMONS];

uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

void sleep_ns(uint64_t ns) {
        struct timespec ts = { .tv_sec = (time_t) (ns / 1000000000ull),
                               .tv_nsec = (long) (ns % 1000000000ull) };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

void usable_cpus(int cpu[2]) {
        cpu_set_t set;
        int n = 0;

        cpu[0] = 0;
        cpu[1] = -1;
        if (sched_getaffinity(0, sizeof set, &set) < 0)
                return;
        for (int i = 0; i < CPU_SETSIZE && n < 2; i++)
                if (CPU_ISSET(i, &set))
                        cpu[n++] = i;
}

int pin_self(int cpu) {
        cpu_set_t set;

        CPU_ZERO(&set);
        if (cpu >= 0) {
                CPU_SET(cpu, &set);
        } else {
                for (int i = 0; i < CPU_SETSIZE; i++)
                        CPU_SET(i, &set);
        }
        return sched_setaffinity(0, sizeof set, &set) < 0 ? -errno : 0;
}

pid_t fork_worker(int cpu) {
        pid_t pid = fork();

        if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                pin_self(cpu);
        }
        return pid;
}

int reap(pid_t pid) {
        int st;

        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return st;
}

/* A key in a block of its own (the tests use 0x7a......), with no queue on it yet. */
static key_t unused_key(void) {
        static unsigned serial;

        for (int i = 0; i < 4096; i++) {
                key_t key = (key_t) (0x7b000000u | ((unsigned) getpid() & 0xfffu) << 8 |
                                     (serial++ & 0xffu));
                if (msgget(key, 0) < 0 && errno == ENOENT)
                        return key;
        }
        return 0;
}

static int wait_ready(int sock, pid_t pid) {
        uint64_t end = now_ns() + READY_TIMEOUT_NS;
        char buf[512];

        while (now_ns() < end) {
                struct pollfd p = { .fd = sock, .events = POLLIN };

                if (poll(&p, 1, 50) > 0) {
                        ssize_t n = recv(sock, buf, sizeof buf - 1, 0);
                        if (n > 0) {
                                buf[n] = '\0';
                                if (strstr(buf, "READY=1"))
                                        return 0;
                        }
                }
                if (waitpid(pid, NULL, WNOHANG) == pid)
                        return -ECHILD;
        }
        return -ETIMEDOUT;
}

static void remember(pid_t pid, pid_t old) {
        for (int i = 0; i < MAX_DAEMONS; i++) {
                if (daemons[i] == old) {
                        daemons[i] = pid;
                        return;
                }
        }
}

int daemon_start_config(struct daemon *d, const char *path, int cpu, const char *log_path,
                        const char *config) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char notify[64], keystr[16];
        socklen_t len;
        int sock, r;

        d->pid = 0;
        d->key = unused_key();
        if (!d->key)
                return -EADDRINUSE;
        snprintf(keystr, sizeof keystr, "0x%08x", (unsigned) d->key);
        len = (socklen_t) snprintf(notify, sizeof notify, "@msgq-bench/%d/%s", (int) getpid(), keystr);
        memcpy(sa.sun_path + 1, notify + 1, len - 1);
        len += (socklen_t) offsetof(struct sockaddr_un, sun_path);
        sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                return -errno;
        if (bind(sock, (struct sockaddr *) &sa, len) < 0) {
                r = -errno;
                close(sock);
                return r;
        }

        d->pid = fork_worker(cpu);
        if (d->pid == 0) {
                int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
                const char *slash = strrchr(log_path, '/');
                char dir[512];

                prctl(PR_SET_PDEATHSIG, SIGTERM); /* msgqd removes its queue then */
                if (fd >= 0) {
                        dup2(fd, STDOUT_FILENO);
                        dup2(fd, STDERR_FILENO);
                }
                setenv("NOTIFY_SOCKET", notify, 1);
                unsetenv("MSGQ_KEY");
                unsetenv("WATCHDOG_USEC");
                /* The LED's state beside the log, not in the machine's state directory. */
                snprintf(dir, sizeof dir, "%.*s", slash ? (int) (slash - log_path) : 1, slash ? log_path : ".");
                setenv("STATE_DIRECTORY", dir, 1);
                if (config)
                        execl(path, "msgqd", "--sim", "-k", keystr, "-c", config, (char *) NULL);
                else
                        execl(path, "msgqd", "--sim", "-k", keystr, (char *) NULL);
                fprintf(stderr, "msgq-bench: cannot run %s: %s\n", path, strerror(errno));
                _exit(127);
        }
        if (d->pid < 0) {
                r = -errno;
                close(sock);
                return r;
        }
        remember(d->pid, 0);
        r = wait_ready(sock, d->pid);
        close(sock);
        if (r < 0)
                daemon_stop(d);
        return r;
}

int daemon_start(struct daemon *d, const char *path, int cpu, const char *log_path) {
        return daemon_start_config(d, path, cpu, log_path, NULL);
}

void daemon_stop(struct daemon *d) {
        uint64_t end = now_ns() + STOP_TIMEOUT_NS;
        int id;

        if (d->pid <= 0)
                return;
        kill(d->pid, SIGTERM);
        while (waitpid(d->pid, NULL, WNOHANG) == 0) {
                if (now_ns() > end) {
                        kill(d->pid, SIGKILL);
                        reap(d->pid);
                        break;
                }
                sleep_ns(1000000);
        }
        /* The key was unused when we started: a queue left on it is this daemon's. */
        id = msgget(d->key, 0);
        if (id >= 0)
                msgctl(id, IPC_RMID, NULL);
        remember(0, d->pid);
        d->pid = 0;
}

void daemons_kill_all(void) {
        for (int i = 0; i < MAX_DAEMONS; i++)
                if (daemons[i] > 0)
                        kill(daemons[i], SIGTERM);
}

static long status_field(const char *path, const char *field) {
        char line[256];
        size_t flen = strlen(field);
        long v = -ENOENT;
        FILE *f = fopen(path, "re");

        if (!f)
                return -errno;
        while (fgets(line, sizeof line, f)) {
                if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
                        v = strtol(line + flen + 1, NULL, 10);
                        break;
                }
        }
        fclose(f);
        return v;
}

/*
 * Call fn with the path of file in each of PID's threads (/proc/PID/task/TID/file) and the
 * thread's ID, until fn returns non-zero; that value, 0 when it never did, or -errno.
 */
static int each_task(pid_t pid, const char *file, int (*fn)(const char *path, const char *tid, void *arg),
                     void *arg) {
        char dir_path[64];
        struct dirent *e;
        int r = 0;
        DIR *dir;

        snprintf(dir_path, sizeof dir_path, "/proc/%d/task", (int) pid);
        dir = opendir(dir_path);
        if (!dir)
                return -errno;
        while (r == 0 && (e = readdir(dir))) {
                char path[352];

                if (e->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof path, "%s/%s/%s", dir_path, e->d_name, file);
                r = fn(path, e->d_name, arg);
        }
        closedir(dir);
        return r;
}

static int add_switches(const char *status, const char *tid, void *arg) {
        long v = status_field(status, "voluntary_ctxt_switches");
        long nv = status_field(status, "nonvoluntary_ctxt_switches");

        if (v >= 0 && nv >= 0)
                *(long *) arg += v + nv;
        return 0;
}

long task_switches(pid_t pid) {
        long total = 0;
        int r = each_task(pid, "status", add_switches, &total);

        return r < 0 ? r : total;
}

long thread_switches(pid_t pid, pid_t tid) {
        char path[64];
        long v, nv;

        snprintf(path, sizeof path, "/proc/%d/task/%d/status", (int) pid, (int) tid);
        v = status_field(path, "voluntary_ctxt_switches");
        nv = status_field(path, "nonvoluntary_ctxt_switches");
        return v < 0 ? v : nv < 0 ? nv : v + nv;
}

/* Stops the walk with the thread's ID when its comm is the name wanted. */
static int named(const char *comm_path, const char *tid, void *arg) {
        char comm[32] = "";
        FILE *f = fopen(comm_path, "r");

        if (!f)
                return 0;
        if (fgets(comm, sizeof comm, f))
                comm[strcspn(comm, "\n")] = '\0';
        fclose(f);
        return strcmp(comm, arg) == 0 ? atoi(tid) : 0;
}

pid_t thread_named(pid_t pid, const char *name) {
        int tid = each_task(pid, "comm", named, (void *) name);

        return tid == 0 ? -ENOENT : (pid_t) tid;
}

/* The state letter of /proc/PID/task/TID/stat ('S', 'R', 'D', ...), or -errno. */
static int thread_state(const char *stat) {
        char buf[512], *p;
        ssize_t n;
        int fd = open(stat, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0)
                return n < 0 ? -errno : -EIO;
        buf[n] = '\0';
        p = strrchr(buf, ')'); /* the name may hold anything but ends there */
        if (!p || p[1] != ' ' || !p[2])
                return -EIO;
        return p[2];
}

/* Stops the walk at the first thread not asleep: 1, or its -errno. */
static int awake(const char *stat, const char *tid, void *arg) {
        int st = thread_state(stat);

        return st < 0 ? st : st != 'S';
}

int task_asleep(pid_t pid) {
        int r = each_task(pid, "stat", awake, NULL);

        return r < 0 ? r : r == 0;
}

static int add_cpu(const char *schedstat, const char *tid, void *arg) {
        long long ns;
        FILE *f = fopen(schedstat, "re");

        if (!f)
                return 0;
        if (fscanf(f, "%lld", &ns) == 1)
                *(long long *) arg += ns;
        fclose(f);
        return 0;
}

long long task_cpu_ns(pid_t pid) {
        long long total = 0;
        int r = each_task(pid, "schedstat", add_cpu, &total);

        return r < 0 ? r : total;
}

uint64_t children_cpu_ns(long *switches) {
        struct rusage ru;

        getrusage(RUSAGE_CHILDREN, &ru);
        *switches = ru.ru_nvcsw + ru.ru_nivcsw;
        return (uint64_t) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
               (uint64_t) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

long vm_rss_kb(pid_t pid) {
        char path[64];

        snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
        return status_field(path, "VmRSS");
}

int spawn_timed(char *const argv[], uint64_t *wall_ns, uint64_t *cpu_ns) {
        posix_spawn_file_actions_t fa;
        struct rusage ru;
        uint64_t t0;
        pid_t pid;
        int r, st;

        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
        t0 = now_ns();
        r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0)
                return -r;
        while (wait4(pid, &st, 0, &ru) < 0)
                if (errno != EINTR)
                        return -errno;
        *wall_ns = now_ns() - t0;
        *cpu_ns = (uint64_t) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
                  (uint64_t) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                return -ECHILD;
        return 0;
}
