/* SPDX-License-Identifier: MIT */
/*
 * msgqd: serves an LED (and a few other requests) on a System V message
 * queue.  main() reads top to bottom: arguments, configuration, set-up,
 * readiness, the event loop, stopping, clean-up through one exit path.
 *
 * Threads: this one runs the sd-event loop (signals, blink timer, watchdog,
 * reply sweeps); server.c's thread blocks in msgrcv and serves requests.
 */
#include <errno.h>
#include <glob.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "claim.h"
#include "clock.h"
#include "config.h"
#include "daemon.h"
#include "input.h"
#include "led.h"
#include "line-config.h"
#include "ledstate.h"
#include "log.h"
#include "msgq-build.h"
#include "parse.h"
#include "plural.h"
#include "server.h"
#include "udev.h"
#include "usage.h"

#define EXIT_USAGE 2
/*
 * The key is taken by another user's queue or lock, or by root's semaphore
 * set that is not a lock (claim.h); as systemd's EXIT_NOPERMISSION.
 */
#define EXIT_FOREIGN 4
#define EXIT_NOTCONFIGURED 6 /* no such LED line here: RestartPreventExitStatus= in the unit */
/*
 * Where the lines' state is kept without $STATE_DIRECTORY: lib/msgqd under
 * meson's localstatedir.  (The tests build a msgqd with another, -D.)
 */
#ifndef MSGQD_STATE_DIR
#define MSGQD_STATE_DIR MSGQ_STATE_DIR
#endif
/* How long msgqd waits at start-up for udev to set up the GPIO chips. */
#define UDEV_WAIT_NS (15 * 1000000000ULL)

struct options {
        const char *config_file;
        const char *key;
        const char *gpio;
        const char *claim_for; /* a user name: the service's start step */
        bool active_low;
        bool sim;
        bool verbose;
};

struct main_loop {
        sd_event *event;
        sd_event_source *wake_source, *tick_source, *watchdog_source;
        uint64_t watchdog_usec;
        bool stuck;             /* pings withheld: the serving thread is stuck */
        char status[192];       /* the STATUS= systemd has */
        struct msgqd *d;
        struct server *server;
        const struct options *opts; /* for a reload */
        struct msgq_config cfg; /* what is in force */
};

static void usage(FILE *f) {
        fprintf(f,
                "Usage: msgqd [OPTIONS]\n"
                "Serve an LED and other outputs on a System V message queue (see msgqd(8)).\n\n"
                "  -k, --key KEY        queue key, decimal or 0x hex (default 0x%08x, or MSGQ_KEY)\n"
                "  -c, --config FILE    configuration file (default %s)\n"
                "      --gpio SPEC      LED line: a name like GPIO17, or CHIP:OFFSET\n"
                "      --active-low     the LED lights when the line is low\n"
                "      --sim            simulate the LED (no GPIO needed)\n"
                "      --claim-for USER as root, before msgqd starts as USER (the service's\n"
                "                       start step): remove what another user made on the key,\n"
                "                       make the lock and the queue for USER, then exit\n"
                "  -v, --verbose        log every request (debug level)\n"
                "  -h, --help           show this help\n"
                "  -V, --version        show the version\n",
                MSGQ_DEFAULT_KEY, msgq_config_default_path());
}

static int parse_options(int argc, char **argv, struct options *o) {
        enum { OPT_GPIO = 0x100, OPT_ACTIVE_LOW, OPT_SIM, OPT_CLAIM_FOR };
        static const struct option longopts[] = {
                { "key", required_argument, NULL, 'k' },
                { "config", required_argument, NULL, 'c' },
                { "gpio", required_argument, NULL, OPT_GPIO },
                { "active-low", no_argument, NULL, OPT_ACTIVE_LOW },
                { "sim", no_argument, NULL, OPT_SIM },
                { "claim-for", required_argument, NULL, OPT_CLAIM_FOR },
                { "remove-foreign", required_argument, NULL, OPT_CLAIM_FOR }, /* its earlier name */
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {}
        };
        char error[256];
        int c;

        opterr = 0; /* errors in one line, as msgqctl's (usage.h) */
        while ((c = getopt_long(argc, argv, ":k:c:vhV", longopts, NULL)) >= 0) {
                switch (c) {
                case 'k': o->key = optarg; break;
                case 'c': o->config_file = optarg; break;
                case OPT_GPIO: o->gpio = optarg; break;
                case OPT_ACTIVE_LOW: o->active_low = true; break;
                case OPT_SIM: o->sim = true; break;
                case OPT_CLAIM_FOR: o->claim_for = optarg; break;
                case 'v': o->verbose = true; break;
                case 'h': usage(stdout); exit(msgq_stdout_close(EXIT_SUCCESS));
                case 'V': printf("msgqd %s\n", PACKAGE_VERSION); exit(msgq_stdout_close(EXIT_SUCCESS));
                default:
                        msgq_usage_error("msgqd", "%s",
                                         msgq_option_error(c, argv, longopts, error, sizeof error));
                        return -EINVAL;
                }
        }
        if (o->verbose)
                msgq_log_set_level(LOG_DEBUG);
        if (optind < argc) {
                msgq_usage_error("msgqd", "unexpected argument '%s'", argv[optind]);
                return -EINVAL;
        }
        return 0;
}

/* Defaults < configuration file < MSGQ_KEY < command line. */
static int load_config(const struct options *o, struct msgq_config *cfg) {
        char err[512];

        if (msgq_config_resolve(cfg, o->config_file, o->key, err, sizeof err) < 0) {
                log_error("%s", err);
                return -EINVAL;
        }
        if (msgq_config_warning(cfg, err, sizeof err))
                log_warning("%s", err);
        if (o->gpio && msgq_config_set(cfg, "gpio", o->gpio, err, sizeof err) < 0) {
                log_error("invalid --gpio '%s': %s", o->gpio, err);
                return -EINVAL;
        }
        if (o->active_low)
                cfg->active_low = true;
        return 0;
}

static int resolve_group(const struct msgq_config *cfg, gid_t *gid) {
        struct group *g;

        *gid = (gid_t) -1;
        if (!cfg->group[0])
                return 0;
        errno = 0;
        g = getgrnam(cfg->group);
        if (!g) {
                log_error("%s: group = %s: no such group", cfg->group_origin, cfg->group);
                return errno ? -errno : -ENOENT;
        }
        *gid = g->gr_gid;
        return 0;
}

/* Whose it is, and what: "a set of 3 semaphores (mode 0600; owner root (uid 0), creator root (uid 0))". */
static void describe_seen(const struct claim_seen *seen, char *buf, size_t size) {
        char whose[256];

        claim_describe(&seen->perm, whose, sizeof whose);
        if (seen->nsems == 0)
                snprintf(buf, size, "a queue (mode %04o; %s)", seen->perm.mode & 0777, whose);
        else
                snprintf(buf, size, "a set of %lu semaphore%s (mode %04o; %s)", seen->nsems,
                         seen->nsems == 1 ? "" : "s", seen->perm.mode & 0777, whose);
}

/*
 * --claim-for USER: what the service runs, as root, before msgqd: the lock
 * and the queue made for USER (the configured group, else USER's primary
 * group), so that the key is never free until msgqd, as USER, adopts them.
 */
static int claim_for_user(const char *user, const struct msgq_config *cfg, gid_t gid) {
        struct passwd *pw = getpwnam(user);
        struct claim_seen seen;
        char what[384];
        int r;

        if (!pw) {
                log_error("--claim-for: unknown user '%s'", user);
                return EXIT_USAGE;
        }
        r = claim_for(cfg->key, pw->pw_uid, gid != (gid_t) -1 ? gid : pw->pw_gid, cfg->mode, &seen);
        if (r >= 0)
                return EXIT_SUCCESS;
        describe_seen(&seen, what, sizeof what);
        if (r == -EEXIST) {
                log_error("key 0x%08x holds %s that is not msgqd's lock (one semaphore, mode 0600): "
                          "not removing it; give msgqd a key of its own (-k, or key in msgq.conf)",
                          (unsigned) cfg->key, what);
                return EXIT_FOREIGN;
        }
        if (r == -EAGAIN)
                log_error("another user kept making objects on key 0x%08x for 5 s, the last %s: "
                          "each was removed, and the next made before msgqd's", (unsigned) cfg->key, what);
        else
                log_error("cannot make the lock and the queue on key 0x%08x for %s: %s", (unsigned) cfg->key,
                          user, strerror(-r));
        return EXIT_FAILURE;
}

/*
 * A queue or lock on the key that msgqd may not remove, or root's and not
 * msgqd's: one line, whose, and what helps.  Not "remove it, then start
 * msgqd": its maker could make another in between.
 */
static void log_foreign(const char *what, key_t key, const struct ipc_perm *perm) {
        struct passwd *pw = getpwuid(geteuid());
        char whose[256], me[64];

        snprintf(me, sizeof me, "%s", pw ? pw->pw_name : "USER"); /* before claim_describe's getpwuid */
        claim_describe(perm, whose, sizeof whose);
        if (perm->mode != 0 && claim_trusted(perm, geteuid()))
                log_error("key 0x%08x is taken by a %s that is not msgqd's (%s): not touching it; give "
                          "msgqd a key of its own (-k, or key in msgq.conf)", (unsigned) key, what, whose);
        else if (geteuid() == 0)
                log_error("key 0x%08x is taken by a %s that msgqd did not make (%s): removed, and "
                          "another made before msgqd's own, for 5 s; not serving", (unsigned) key, what, whose);
        else
                log_error("key 0x%08x is taken by a %s that msgqd did not make (%s): not serving it; "
                          "as root, 'msgqd --claim-for %s' (the service's start step) takes the key back "
                          "for this user, with no moment in which it is free", (unsigned) key, what, whose, me);
}

/* How many paths match pattern. */
static size_t glob_count(const char *pattern) {
        glob_t g;
        size_t n;

        if (glob(pattern, 0, NULL, &g) != 0)
                return 0;
        n = g.gl_pathc;
        globfree(&g);
        return n;
}

/* A line held by another program (who: the output's words, or ""), named by the kernel where it can. */
static void log_busy(const char *who, const char *spec) {
        char consumer[64];

        if (led_line_consumer(spec, consumer, sizeof consumer) == 0 && consumer[0])
                log_error("%sGPIO line '%s' is already used by another program (consumer \"%s\", as gpioinfo "
                          "shows it)", who, spec, consumer);
        else
                log_error("%sGPIO line '%s' is already used by another program", who, spec);
}

/*
 * Why line want (the output or input, as kind says, called name, whose
 * gpio setting is at origin; "" for the default output) could not be
 * opened, in one line.
 */
static void log_open_error(int r, const char *gpio, const char *kind, const char *name, const char *origin) {
        char who[MSGQ_LINE_NAME_MAX + MSGQ_ORIGIN_MAX + 64] = "";
        const char *hint = "use --gpio to choose one, or --sim";

        if (name[0] && strcmp(name, MSGQ_LINE_DEFAULT) != 0) {
                snprintf(who, sizeof who, "%s '%s' (%s%sgpio = %s): ", kind, name, origin, origin[0] ? ": " : "",
                         gpio);
                hint = "choose another in its section, or use --sim";
        }
        switch (r) {
        case -ENOENT:
                if (glob_count("/dev/gpiochip*") == 0)
                        log_error("%sno GPIO line '%s': this machine has no GPIO chip at all "
                                  "(no /dev/gpiochip*; use --sim)", who, gpio);
                else if (strchr(gpio, ':'))
                        log_error("%sno GPIO line '%s': no such chip, or no such line on it (%s)", who,
                                  gpio, hint);
                else
                        log_error("%sno GPIO line '%s' on any chip (gpioinfo lists them; %s)", who, gpio,
                                  hint);
                break;
        case -EBUSY:
                log_busy(who, gpio);
                break;
        case -EADDRINUSE:
                log_error("%sGPIO line '%s' is the line of an earlier output", who, gpio);
                break;
        case -EACCES:
        case -EPERM:
                log_error("%sno permission to use GPIO line '%s': run as a member of the chip's group", who, gpio);
                break;
        case -EOPNOTSUPP:
                log_error("built without libgpiod: only --sim is available");
                break;
        default:
                log_error("%scannot use GPIO line '%s': %s", who, gpio, strerror(-r));
        }
}

/* The level output out starts at: its input's (opened already) when it follows one, else its start's. */
static bool start_level(const struct msgq_config *cfg, const struct msgq_output *out, struct input **ins,
                        bool level) {
        for (size_t k = 0; out->follow[0] && k < cfg->ninputs; k++)
                if (msgq_line_name_eq(cfg->inputs[k].name, out->follow))
                        return input_level(ins[k]) != out->follow_invert;
        return level;
}

/*
 * Every output's line, leds[i] for the line at index i (msgq_config_output()):
 * simulated, or requested together (led_open_gpio_many()) at the level each
 * starts at, a follower at its input's (ins, opened already), with no
 * glitch to the level it was kept at.
 */
static int open_lines(const struct options *o, const struct msgq_config *cfg, const struct ledstate_file *st,
                      const size_t *out_at, struct input **ins, struct led **leds) {
        struct msgq_output out[MSGQ_LINES_MAX];
        struct led_want want[MSGQ_LINES_MAX];
        size_t n = msgq_config_lines(cfg), failed = 0;
        int r = 0;

        for (size_t i = 0; i < n; i++) {
                (void) msgq_config_output(cfg, i, &out[i]);
                want[i] = (struct led_want) { .spec = out[i].gpio, .active_low = out[i].active_low,
                                              .on = start_level(cfg, &out[i], ins, st->line[out_at[i]].on) };
        }
        if (!o->sim) {
                /* At boot, udev may not have given the chips to group gpio yet. */
                (void) udev_wait_chips(UDEV_WAIT_NS);
                r = led_open_gpio_many(leds, want, n, "msgqd", &failed);
                if (r < 0)
                        log_open_error(r, want[failed].spec, "output", out[failed].name, out[failed].gpio_origin);
                return r;
        }
        for (size_t i = 0; i < n && r == 0; i++)
                if ((r = led_open_sim(&leds[i], want[i].on)) < 0)
                        failed = i;
        if (r < 0) {
                log_error("cannot simulate the LED: %s%s", strerror(-r),
                          r == -ERANGE || r == -EINVAL ? " (MSGQD_SIM_DELAY_MS: 0 .. 3600000)" : "");
                while (failed-- > 0)
                        led_close(leds[failed]);
        }
        return r;
}

/* msgq.conf's input in as input.h's settings (the enums' values are alike). */
static struct input_settings input_settings_of(const struct msgq_input *in) {
        return (struct input_settings) { .active_low = in->active_low, .bias = (enum input_bias) in->bias,
                                         .edges = (unsigned) in->edges, .debounce_us = in->debounce_us };
}

/* Every input's line, ins[k] for [input NAME] k: simulated, or requested for its edges; all or none. */
static int open_inputs(const struct options *o, const struct msgq_config *cfg, struct input **ins) {
        size_t k;
        int r = 0;

        for (k = 0; k < cfg->ninputs && r == 0; k++) {
                const struct msgq_input *in = &cfg->inputs[k];
                struct input_settings s = input_settings_of(in);

                r = o->sim ? input_open_sim(&ins[k], &s, in->name)
                           : input_open_gpio(&ins[k], in->gpio, &s, "msgqd");
                if (r < 0 && o->sim)
                        log_error("%s: [input %s]: cannot simulate it: %s", in->origin, in->name, strerror(-r));
                else if (r < 0)
                        log_open_error(r, in->gpio, "input", in->name, in->gpio_origin);
        }
        if (r < 0)
                for (k--; k-- > 0;)
                        input_close(ins[k]);
        return r;
}

/* ---- the main loop ---- */

static void rearm_tick(struct main_loop *m) {
        uint64_t t = server_next_tick(m->server);

        if (t == UINT64_MAX) {
                sd_event_source_set_enabled(m->tick_source, SD_EVENT_OFF);
                return;
        }
        sd_event_source_set_time(m->tick_source, (t + 999) / 1000);
        sd_event_source_set_enabled(m->tick_source, SD_EVENT_ONESHOT);
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        struct main_loop *m = userdata;

        server_tick(m->server);
        rearm_tick(m);
        return 0;
}

static int on_wake(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct main_loop *m = userdata;
        int r;

        (void) wake_take(&m->d->wake);
        lines_sync(&m->d->lines);
        rearm_tick(m);
        if (__atomic_load_n(&m->d->exit_requested, __ATOMIC_ACQUIRE))
                return sd_event_exit(m->event, EXIT_SUCCESS);
        r = server_failed(m->server);
        if (r < 0)
                return sd_event_exit(m->event, EXIT_FAILURE);
        return 0;
}

/* STATUS= for systemctl status: what is served, and how much. */
static void format_status(struct main_loop *m, char *buf, size_t size) {
        uint64_t served = 0, errors = stat_get(&m->d->stats.errors);

        for (size_t i = 0; i < MSGQ_PRIO_MAX; i++)
                served += stat_get(&m->d->stats.served[i]);
        snprintf(buf, size, "Serving key 0x%08x, LED %s: %" PRIu64 " %s served, %" PRIu64 " %s",
                 (unsigned) m->server->key, led_describe(m->d->lines.line[0].led), served,
                 plural(served, "request", "requests"), errors, plural(errors, "error", "errors"));
}

/*
 * Under WatchdogSec=, ping at half the period; the same datagram refreshes
 * STATUS= when the figures changed.  So STATUS= costs no wake-up of its own,
 * and without a watchdog there is no timer at all.  (sd_event_set_watchdog()
 * pings too, but has no way to add STATUS= to its pings.)
 */
static int on_watchdog(sd_event_source *s, uint64_t usec, void *userdata) {
        struct main_loop *m = userdata;
        char status[sizeof m->status];
        uint64_t busy_ns = server_busy_for(m->server, msgq_now_ns());

        /*
         * This loop being alive says nothing of the thread that serves the
         * queue: one stuck in a request for half the period gets no ping,
         * and systemd restarts msgqd (the requests waiting stay queued).
         */
        if (busy_ns > m->watchdog_usec * 1000 / 2) {
                if (!m->stuck)
                        log_error("stuck for %.1f s in one request: no more watchdog pings",
                                  (double) busy_ns / 1e9);
                m->stuck = true;
                return sd_event_source_set_time(s, usec + m->watchdog_usec / 2);
        }
        if (m->stuck)
                log_info("no longer stuck: watchdog pings again");
        m->stuck = false;
        format_status(m, status, sizeof status);
        if (strcmp(status, m->status) == 0) {
                sd_notify(false, "WATCHDOG=1");
        } else {
                memcpy(m->status, status, sizeof status);
                sd_notifyf(false, "WATCHDOG=1\nSTATUS=%s", status);
        }
        return sd_event_source_set_time(s, usec + m->watchdog_usec / 2);
}

static int watchdog_setup(struct main_loop *m) {
        uint64_t now;
        int r;

        r = sd_watchdog_enabled(false, &m->watchdog_usec);
        if (r <= 0)
                return r;
        if ((r = sd_event_now(m->event, CLOCK_MONOTONIC, &now)) < 0 ||
            (r = sd_event_add_time(m->event, &m->watchdog_source, CLOCK_MONOTONIC,
                                   now + m->watchdog_usec / 2, m->watchdog_usec / 4,
                                   on_watchdog, m)) < 0)
                return r;
        return sd_event_source_set_enabled(m->watchdog_source, SD_EVENT_ON);
}

/* Whether output i follows what out says (its follow is set before threads, read only since). */
static bool same_follow(const struct lines *c, size_t i, const struct msgq_output *out) {
        const struct lines_entry *e = &c->entry[i];

        if (!e->follows)
                return !out->follow[0];
        return out->follow[0] && msgq_line_name_eq(c->line[e->follow].name, out->follow) &&
               e->follow_invert == out->follow_invert;
}

/*
 * A reload: each output's stop policy (read at the stop), for the outputs
 * msgqd has under the same name (inputs have none); the table itself
 * changes only with a restart.
 */
static void reload_lines(struct lines *c, const struct msgq_config *cfg) {
        size_t n = msgq_config_lines(cfg), outputs = 0;
        bool same = true;
        struct msgq_output out;

        for (size_t i = 0; i < c->n; i++)
                outputs += !lines_is_input(c, i);
        for (size_t k = 0; k < n; k++) {
                int i;

                (void) msgq_config_output(cfg, k, &out);
                i = lines_find(c, out.name);
                if (i >= 0 && !lines_is_input(c, (size_t) i))
                        lines_set_keep(c, (size_t) i, out.stop == MSGQ_LED_STOP_KEEP);
                else
                        same = false;
                if (i >= 0 && !lines_is_input(c, (size_t) i) && !same_follow(c, (size_t) i, &out))
                        log_warning("%s: follow = %s%s takes effect when msgqd restarts", out.name,
                                    out.follow_invert ? "!" : "", out.follow[0] ? out.follow : "(none)");
        }
        if (!same || n != outputs)
                log_warning("the outputs added or removed take effect when msgqd restarts");
}

/*
 * SIGHUP (systemctl reload): read the configuration again.  The queue's
 * mode and group change at once.  The key and the LED line change only
 * with a restart: a new key is a new queue, and the requests waiting on
 * this one would be left behind; a restart keeps them.
 */
static void reload(struct main_loop *m) {
        struct msgq_config cfg;
        gid_t gid;
        int r;

        sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64, msgq_now_ns() / 1000);
        if (load_config(m->opts, &cfg) < 0 || resolve_group(&cfg, &gid) < 0) {
                log_error("configuration not reloaded: msgqd goes on as it was");
        } else if ((r = server_set_access(m->server, cfg.mode, gid)) < 0) {
                log_error("configuration not reloaded: cannot set the queue's mode and group: %s",
                          strerror(-r));
        } else {
                if (cfg.key != m->cfg.key)
                        log_warning("the new key 0x%08x takes effect when msgqd restarts", (unsigned) cfg.key);
                if (strcmp(cfg.gpio, m->cfg.gpio) != 0 || cfg.active_low != m->cfg.active_low)
                        log_warning("the new LED line '%s'%s takes effect when msgqd restarts", cfg.gpio,
                                    cfg.active_low ? " (active low)" : "");
                m->cfg.mode = cfg.mode;
                memcpy(m->cfg.group, cfg.group, sizeof cfg.group);
                reload_lines(&m->d->lines, &cfg);
                log_info("configuration reloaded: queue mode %04o, group %s", cfg.mode,
                         cfg.group[0] ? cfg.group : "msgqd's own");
        }
        sd_notify(false, "READY=1");
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        struct main_loop *m = userdata;

        if (si->ssi_signo == SIGHUP) {
                reload(m);
                return 0;
        }
        log_info("received SIG%s, stopping", sigabbrev_np((int) si->ssi_signo));
        return sd_event_exit(m->event, EXIT_SUCCESS);
}

static int loop_setup(struct main_loop *m, struct msgqd *d, struct server *server) {
        int r;

        memset(m, 0, sizeof *m);
        m->d = d;
        m->server = server;
        r = sd_event_new(&m->event);
        if (r < 0)
                return r;
        if ((r = sd_event_add_signal(m->event, NULL, SIGTERM, on_signal, m)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGINT, on_signal, m)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGHUP, on_signal, m)) < 0 ||
            (r = sd_event_add_io(m->event, &m->wake_source, d->wake.fd, EPOLLIN, on_wake, m)) < 0 ||
            (r = sd_event_add_time(m->event, &m->tick_source, CLOCK_MONOTONIC, UINT64_MAX, 1000,
                                   on_tick, m)) < 0 ||
            (r = sd_event_source_set_enabled(m->tick_source, SD_EVENT_OFF)) < 0 ||
            (r = lines_attach(&d->lines, m->event)) < 0)
                return r;
        /* Pings WATCHDOG=1 when the unit sets WatchdogSec=; a no-op otherwise. */
        return watchdog_setup(m);
}

static void loop_done(struct main_loop *m) {
        m->watchdog_source = sd_event_source_unref(m->watchdog_source);
        m->tick_source = sd_event_source_unref(m->tick_source);
        m->wake_source = sd_event_source_unref(m->wake_source);
        m->event = sd_event_unref(m->event);
}

/*
 * Signals are taken by the event loop: block them before any thread exists.
 * SIGPIPE is ignored: a log line to a stderr nobody reads any more is lost,
 * and msgqd goes on.
 */
static void block_signals(void) {
        sigset_t mask;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);
}

/* One msgqd per key in this IPC namespace (claim.h).  On failure, *ret is the exit status. */
static int take_lock(key_t key, int *ret) {
        struct ipc_perm foreign;
        int lock = claim_lock(key, &foreign);

        if (lock == -EBUSY)
                log_error("another msgqd is already serving key 0x%08x", (unsigned) key);
        else if (lock == -EEXIST)
                log_foreign("lock (semaphore)", key, &foreign);
        else if (lock < 0)
                log_error("cannot take the lock for key 0x%08x: %s", (unsigned) key, strerror(-lock));
        if (lock == -EEXIST)
                *ret = EXIT_FOREIGN;
        return lock;
}

/* What msgqd starts the lines with, and where it keeps their state. */
struct led_start {
        struct ledstate_file state; /* line i: the line at index i */
        bool restored[MSGQ_LINES_MAX]; /* line i's state came from the file */
        char path[PATH_MAX];    /* the file; "" when none */
        int where, err;         /* ledstate_dir()'s answer and the built-in directory's error */
};

/* The lines' state file: its directory as ledstate_dir() chooses it; NULL: none. */
static const char *state_path(struct led_start *ls, key_t key) {
        char dir[PATH_MAX];

        ls->where = ledstate_dir(dir, sizeof dir, MSGQD_STATE_DIR, &ls->err);
        if (ls->where < 0 || ledstate_path(ls->path, sizeof ls->path, dir, key) < 0) {
                log_warning("the state directory's name is too long: the lines' state is not kept");
                ls->path[0] = '\0';
                return NULL;
        }
        return ls->path;
}

/* Once msgqd serves: the outputs it started with, its inputs' counters, and where their state is kept. */
static void log_led_start(const struct led_start *ls, const struct lines *c) {
        char desc[96];

        if (ls->path[0] && ls->where == LEDSTATE_DIR_USER)
                log_notice("lines' state kept in %s, this user's own: %s cannot be made or written by "
                           "uid %u (%s)", ls->path, MSGQD_STATE_DIR, (unsigned) geteuid(),
                           strerror(-ls->err));
        else if (ls->path[0])
                log_info("lines' state kept in %s (%s)", ls->path,
                         ls->where == LEDSTATE_DIR_ENV ? "$STATE_DIRECTORY" : "the built-in directory");
        for (size_t i = 0; i < ls->state.n; i++) {
                if (i < c->n && lines_is_input(c, i)) { /* its level: log_input()'s */
                        log_info("input %s: counter %" PRIu64 ", of which lost %" PRIu64, c->line[i].name,
                                 c->entry[i].count, c->entry[i].lost);
                        continue;
                }
                log_info("%s %s: %s", i == 0 ? "LED" : ls->state.line[i].name,
                         ls->restored[i] ? "restored" : "at start",
                         ledstate_line_describe(&ls->state.line[i], desc, sizeof desc));
        }
}

/* What line-list shows of output out's settings (MSGQ_LINE_F_*). */
static uint8_t line_flags(const struct msgq_output *out) {
        return (uint8_t) ((out->active_low ? MSGQ_LINE_F_ACTIVE_LOW : 0) |
                          (unsigned) out->start << MSGQ_LINE_F_START_SHIFT |
                          (out->stop == MSGQ_LED_STOP_KEEP ? MSGQ_LINE_F_STOP_KEEP : 0) |
                          (out->kind == MSGQ_LINE_KIND_RELAY ? MSGQ_LINE_F_RELAY : 0));
}

/* Close the outputs leds[from..] and the inputs ins[in_from..] that no table took over. */
static void close_rest(const struct msgq_config *cfg, struct led **leds, size_t from, struct input **ins,
                       size_t in_from) {
        for (size_t i = from; i < msgq_config_lines(cfg); i++)
                led_close(leds[i]);
        for (size_t k = in_from; k < cfg->ninputs; k++)
                input_close(ins[k]);
}

/* An input taken up: where, its level, and who debounces it. */
static void log_input(const char *name, const struct input *in) {
        static const char *const by[] = { [INPUT_DEBOUNCE_NONE] = "no debounce",
                                          [INPUT_DEBOUNCE_KERNEL] = "debounced by the kernel",
                                          [INPUT_DEBOUNCE_MSGQD] = "debounced by msgqd" };

        log_info("input %s: %s, %s, %s", name, input_describe(in), input_level(in) ? "on" : "off",
                 by[input_debounce_by(in)]);
}

/* The next line, section k of the file: output leds[*nout] or input ins[*nin], taken over. */
static int add_section(struct msgqd *d, const struct msgq_config *cfg, size_t k, struct led **leds,
                       size_t *nout, struct input **ins, size_t *nin) {
        const struct msgq_input *in = &cfg->inputs[*nin];
        struct input_settings s = input_settings_of(in);
        struct msgq_output out;
        int r;

        if (cfg->line_is_input[k]) {
                r = lines_add_input(&d->lines, ins[*nin], in->name, in->active_low ? MSGQ_LINE_F_ACTIVE_LOW : 0, &s);
                if (r < 0)
                        log_error("%s: [input %s]: %s", in->origin, in->name, strerror(-r));
                else
                        log_input(in->name, ins[(*nin)++]);
                return r;
        }
        (void) msgq_config_output(cfg, *nout, &out);
        r = lines_add(&d->lines, leds[*nout], out.name, line_flags(&out));
        if (r < 0)
                log_error("%s: [output %s]: %s", out.origin, out.name, strerror(-r));
        else
                (*nout)++;
        return r;
}

/*
 * The table: line 0 the LED, then each [output NAME] and [input NAME] in
 * the file's order, taking leds[i] and ins[k] over (closed on failure),
 * keeping msgq.conf's history of changes.
 */
static int setup_table(struct msgqd *d, const struct msgq_config *cfg, struct led **leds, struct input **ins) {
        size_t nout = 1, nin = 0;
        struct msgq_output out;
        int r = lines_init(&d->lines, leds[0], &d->wake);

        if (r < 0) {
                log_error("cannot set up the lines: %s", strerror(-r));
                close_rest(cfg, leds, 0, ins, 0);
                return r;
        }
        (void) msgq_config_output(cfg, 0, &out);
        d->lines.entry[0].flags = line_flags(&out); /* before any thread */
        for (size_t k = 0; k < cfg->noutputs + cfg->ninputs && r == 0; k++)
                r = add_section(d, cfg, k, leds, &nout, ins, &nin);
        if (r == 0 && (r = lines_set_history(&d->lines, cfg->history)) < 0)
                log_error("cannot keep %u changes: %s", cfg->history, strerror(-r));
        if (r < 0) {
                close_rest(cfg, leds, nout, ins, nin);
                lines_done(&d->lines);
        }
        return r;
}

/* Each output that follows an input (msgq.conf's follow), output j at out_at[j] in the table. */
static int setup_follows(struct msgqd *d, const struct msgq_config *cfg, const size_t *out_at) {
        struct msgq_output o;

        for (size_t j = 0; j < msgq_config_lines(cfg); j++) {
                int in, r;

                (void) msgq_config_output(cfg, j, &o);
                if (!o.follow[0])
                        continue;
                in = lines_find(&d->lines, o.follow);
                r = in < 0 ? in : lines_follow(&d->lines, out_at[j], (size_t) in, o.follow_invert);
                if (r < 0) {
                        log_error("%s: follow = %s: %s", o.follow_origin, o.follow, strerror(-r));
                        return r;
                }
                log_info("%s follows input %s%s", j == 0 ? "LED" : o.name, o.follow,
                         o.follow_invert ? ", at its opposite level" : "");
        }
        return 0;
}

/*
 * The table's lines in index order, as ledstate_start_lines() takes them:
 * line 0, then each section in the file's order, an input as a line whose
 * start is restore (the level it last recorded, which msgqd only reads);
 * out_at[j]: the index of output j.  How many.
 */
static size_t table_lines(const struct msgq_config *cfg, struct msgq_output *tbl, size_t *out_at) {
        size_t n = 1, nout = 1, nin = 0;

        (void) msgq_config_output(cfg, 0, &tbl[0]);
        out_at[0] = 0;
        for (size_t k = 0; k < cfg->noutputs + cfg->ninputs; k++, n++) {
                const struct msgq_input *in = &cfg->inputs[nin];

                if (!cfg->line_is_input[k]) {
                        out_at[nout] = n;
                        (void) msgq_config_output(cfg, nout++, &tbl[n]);
                        continue;
                }
                msgq_output_init(&tbl[n], in->name);
                snprintf(tbl[n].gpio, sizeof tbl[n].gpio, "%s", in->gpio);
                tbl[n].active_low = in->active_low;
                tbl[n].start = MSGQ_LED_START_RESTORE;
                nin++;
        }
        return n;
}

/*
 * Every output as the state file had it, or as its start (led_start) says
 * (ledstate_start_lines()), its line requested at that level, under the
 * table, in ls with where their state is kept; on failure *ret is the
 * exit status.
 */
static int setup_led(struct msgqd *d, const struct options *o, const struct msgq_config *cfg,
                     struct led_start *ls, int *ret) {
        const char *path = state_path(ls, cfg->key);
        struct ledstate_file *st = &ls->state;
        struct msgq_output tbl[MSGQ_LINES_MAX];
        struct led *leds[MSGQ_LINES_MAX];
        struct input *ins[MSGQ_LINES_MAX];
        size_t out_at[MSGQ_LINES_MAX], n = table_lines(cfg, tbl, out_at);
        int r;

        ledstate_start_lines(st, tbl, n, path, ls->restored);
        /* The inputs first: a follower is requested at its input's level. */
        r = open_inputs(o, cfg, ins);
        if (r == 0 && (r = open_lines(o, cfg, st, out_at, ins, leds)) < 0)
                close_rest(cfg, leds, msgq_config_lines(cfg), ins, 0);
        if (r == -ENOENT)
                *ret = EXIT_NOTCONFIGURED;
        if (r < 0 || (r = setup_table(d, cfg, leds, ins)) < 0)
                return r;
        r = setup_follows(d, cfg, out_at);
        if (r == 0)
                r = lines_restore(&d->lines, st, path, cfg->led_stop == MSGQ_LED_STOP_KEEP);
        if (r < 0)
                lines_done(&d->lines);
        return r;
}

/* The queue made or adopted, and the serving thread started.  On failure *ret is the exit status. */
static int setup_queue(struct server *s, struct msgqd *d, const struct msgq_config *cfg, gid_t gid,
                       int *ret) {
        bool adopted = false;
        int r = server_init(s, d, cfg->key, cfg->mode, gid, &adopted);

        if (r == -EEXIST) {
                log_foreign("queue", cfg->key, &s->foreign);
                *ret = EXIT_FOREIGN;
                return r;
        }
        if (r < 0) {
                log_error("cannot create the queue for key 0x%08x: %s", (unsigned) cfg->key, strerror(-r));
                return r;
        }
        r = server_start(s);
        if (r < 0) {
                log_error("cannot start serving: %s", strerror(-r));
                return r;
        }
        log_info("serving key 0x%08x (msqid %d, mode %04o%s), LED: %s", (unsigned) cfg->key,
                 server_msqid(s), cfg->mode, adopted ? ", adopted" : "", led_describe(d->lines.line[0].led));
        return 0;
}

/* Ready, the loop until a signal or an exit request, stopping: the exit status. */
static int run(struct main_loop *m) {
        int r;

        format_status(m, m->status, sizeof m->status);
        sd_notifyf(false, "READY=1\nSTATUS=%s", m->status);
        r = sd_event_loop(m->event);
        sd_notify(false, "STOPPING=1\nSTATUS=Stopping");
        if (__atomic_load_n(&m->d->exit_requested, __ATOMIC_ACQUIRE))
                server_linger(m->server, 1000);
        return r < 0 ? EXIT_FAILURE : r;
}

/* The one way out: what was set up, undone in the reverse order (the queue goes first). */
static void undo(struct msgqd *d, struct server *server, bool led_ready, struct main_loop *loop) {
        if (server) {
                server_stop(server);
                server_done(server);
        }
        if (led_ready) {
                lines_set_notify(&d->lines, NULL, NULL);
                lines_done(&d->lines);
        }
        loop_done(loop);
        wake_close(&d->wake);
}

int main(int argc, char **argv) {
        struct options opts = {};
        struct msgq_config cfg;
        struct msgqd d = { .wake = { .fd = -1 } };
        struct server server;
        struct main_loop loop = {};
        struct led_start start;
        bool server_ready = false, led_ready = false;
        int lock = -1, ret = EXIT_FAILURE, r;
        gid_t gid;

        msgq_log_open("msgqd", LOG_INFO);
        if (parse_options(argc, argv, &opts) < 0)
                return EXIT_USAGE;
        if (load_config(&opts, &cfg) < 0 || resolve_group(&cfg, &gid) < 0)
                return EXIT_USAGE;
        if (opts.claim_for)
                return claim_for_user(opts.claim_for, &cfg, gid);
        block_signals();
        d.pid = (uint32_t) getpid();
        d.start_ns = msgq_now_ns();

        /*
         * The wiring, in one place.  Any thread wakes the main loop through
         * d.wake: the controller to time a blink or write the state, the
         * server to retry replies or say it failed, a request to exit.  An
         * LED change, in whichever thread makes it, answers the waiting
         * watchers through the server, and has the table's flush thread
         * flush the state file it wrote.  The loop's own sources (signals,
         * the wake, the sweeps, the watchdog) are set up in loop_setup().
         */
        lock = take_lock(cfg.key, &ret);
        if (lock < 0 || (r = wake_open(&d.wake)) < 0 ||
            setup_led(&d, &opts, &cfg, &start, &ret) < 0)
                goto finish;
        led_ready = true;
        if ((r = lines_flush_start(&d.lines)) < 0) {
                log_error("cannot start flushing the lines' state: %s", strerror(-r));
                goto finish;
        }
        lines_set_notify(&d.lines, server_answer_watchers, &server);
        r = loop_setup(&loop, &d, &server);
        loop.opts = &opts;
        loop.cfg = cfg;
        if (r < 0) {
                log_error("cannot set up the event loop: %s", strerror(-r));
                goto finish;
        }
        server_ready = true;
        if (setup_queue(&server, &d, &cfg, gid, &ret) < 0)
                goto finish;

        log_led_start(&start, &d.lines);
        ret = run(&loop);
finish:
        undo(&d, server_ready ? &server : NULL, led_ready, &loop);
        claim_unlock(lock);
        if (ret == EXIT_SUCCESS)
                log_info("stopped; queue removed");
        return ret;
}
