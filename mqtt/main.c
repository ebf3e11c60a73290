/* SPDX-License-Identifier: MIT */
/*
 * msgq-mqtt: an MQTT bridge for one msgqd.  It is an ordinary client of the
 * daemon (through libmsgq, msgq.h, like msgqctl) and of a broker (libmosquitto).
 * main() reads top to bottom: arguments, configuration, set-up, readiness,
 * waiting for a signal, stopping, clean-up through one exit path.
 *
 * Threads: board.c's worker talks to msgqd, and its watcher waits there for
 * every line's changes (line-events; both started and stopped with the
 * board); link.c's
 * talks to the broker; this one waits for SIGTERM, SIGINT or SIGHUP.  The
 * link hands commands to the board under the board's lock; the board
 * publishes through libmosquitto (thread-safe) and wakes the link's poll()
 * with its eventfd.
 *
 * Not one sd-event loop, as msgqd's main.c has: the board's threads stay
 * whatever is done (a System V queue has no file descriptor to poll, so
 * their calls block in msgrcv), and so does a wake-up across threads for
 * what they publish.  Folding would remove the link thread and this
 * sigwait only.  Such a link.c was written (the socket, the eventfd and a
 * timer for the keep-alive and the back-off as sd-event sources, link_stop
 * a state of the loop) and passed the tests, but on mqtt/bench.sh it took
 * about 0.04 ms more from command to state (median 0.23 to 0.27 ms against
 * 0.18 to 0.23 ms, in three runs of each, alternated), and the README's
 * figures may not get worse.  It would also block the whole loop, signals
 * and reloads included, in mosquitto_connect_bind_v5, which resolves the
 * name, connects and, for mqtts://, shakes hands before it returns (a
 * broker that drops SYNs: the kernel's time-out, about two minutes; today
 * only link_stop's join waits for it), unless rewritten on
 * mosquitto_connect_bind_async with a resolver of its own (sd-resolve).
 */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mosquitto.h>
#include <systemd/sd-daemon.h>

#include "board.h"
#include "clock.h"
#include "config.h"
#include "link.h"
#include "log.h"
#include "msgq-build.h"
#include "parse.h"
#include "settings.h"
#include "usage.h"

#define EXIT_USAGE 2
#define PASSWORD_MAX 1024

struct options {
        const char *config_file;        /* msgq.conf: the key */
        const char *mqtt_config_file;   /* mqtt.conf: the bridge */
        const char *key;
        const char *broker;
        const char *prefix;
        const char *client_id;
        const char *username;
        const char *password_file;
        const char *cafile;
        const char *protocol;
        const char *probe;
        const char *stats;
        bool no_discovery;
        bool verbose;
};

static void usage(FILE *f) {
        fprintf(f,
                "Usage: msgq-mqtt [OPTIONS]\n"
                "Bridge one msgqd to an MQTT broker (see msgq-mqtt(8)).\n\n"
                "  -b, --broker URL         mqtt://HOST[:PORT] or mqtts://HOST[:PORT] (default mqtt://localhost:1883)\n"
                "  -p, --prefix PREFIX      topic prefix (default msgq/<hostname>-<board id>)\n"
                "  -k, --key KEY            queue key, decimal or 0x hex (default 0x%08x, or MSGQ_KEY)\n"
                "  -c, --config FILE        msgq configuration file, for the key (default %s)\n"
                "  -m, --mqtt-config FILE   bridge configuration file (default %s)\n"
                "  -i, --client-id ID       MQTT client id (default: the prefix, '/' as '_', escaped)\n"
                "  -u, --username NAME      user name at the broker\n"
                "      --password-file FILE the password, readable by this user only\n"
                "      --cafile FILE        CA certificates for mqtts://\n"
                "      --protocol VERSION   3.1.1 (default) or 5\n"
                "      --probe SECONDS      how often to check msgqd is still there (default 1)\n"
                "      --stats SECONDS      publish the figures this often (default 0: on request)\n"
                "      --no-discovery       no Home Assistant discovery config\n"
                "  -v, --verbose            log every command (debug level)\n"
                "  -h, --help               show this help\n"
                "  -V, --version            show the version\n",
                MSGQ_DEFAULT_KEY, msgq_config_default_path(), settings_default_path());
}

static int parse_options(int argc, char **argv, struct options *o) {
        enum { OPT_PASSWORD_FILE = 0x100, OPT_CAFILE, OPT_PROTOCOL, OPT_PROBE, OPT_STATS, OPT_NO_DISCOVERY };
        static const struct option longopts[] = {
                { "broker", required_argument, NULL, 'b' },
                { "prefix", required_argument, NULL, 'p' },
                { "key", required_argument, NULL, 'k' },
                { "config", required_argument, NULL, 'c' },
                { "mqtt-config", required_argument, NULL, 'm' },
                { "client-id", required_argument, NULL, 'i' },
                { "username", required_argument, NULL, 'u' },
                { "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
                { "cafile", required_argument, NULL, OPT_CAFILE },
                { "protocol", required_argument, NULL, OPT_PROTOCOL },
                { "probe", required_argument, NULL, OPT_PROBE },
                { "poll", required_argument, NULL, OPT_PROBE }, /* its earlier name */
                { "stats", required_argument, NULL, OPT_STATS },
                { "no-discovery", no_argument, NULL, OPT_NO_DISCOVERY },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {}
        };
        char error[256];
        int c;

        opterr = 0; /* errors in one line, as msgqctl's (usage.h) */
        while ((c = getopt_long(argc, argv, ":b:p:k:c:m:i:u:vhV", longopts, NULL)) >= 0) {
                switch (c) {
                case 'b': o->broker = optarg; break;
                case 'p': o->prefix = optarg; break;
                case 'k': o->key = optarg; break;
                case 'c': o->config_file = optarg; break;
                case 'm': o->mqtt_config_file = optarg; break;
                case 'i': o->client_id = optarg; break;
                case 'u': o->username = optarg; break;
                case OPT_PASSWORD_FILE: o->password_file = optarg; break;
                case OPT_CAFILE: o->cafile = optarg; break;
                case OPT_PROTOCOL: o->protocol = optarg; break;
                case OPT_PROBE: o->probe = optarg; break;
                case OPT_STATS: o->stats = optarg; break;
                case OPT_NO_DISCOVERY: o->no_discovery = true; break;
                case 'v': o->verbose = true; break;
                case 'h': usage(stdout); exit(msgq_stdout_close(EXIT_SUCCESS));
                case 'V': printf("msgq-mqtt %s\n", PACKAGE_VERSION); exit(msgq_stdout_close(EXIT_SUCCESS));
                default:
                        msgq_usage_error("msgq-mqtt", "%s",
                                         msgq_option_error(c, argv, longopts, error, sizeof error));
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                msgq_usage_error("msgq-mqtt", "unexpected argument '%s'", argv[optind]);
                return -EINVAL;
        }
        if (o->verbose)
                msgq_log_set_level(LOG_DEBUG);
        return 0;
}

/* Defaults < msgq.conf < MSGQ_KEY < -k, as for msgqd and msgqctl. */
static int load_key(const struct options *o, key_t *key) {
        struct msgq_config cfg;
        char err[512];

        if (msgq_config_resolve(&cfg, o->config_file, o->key, err, sizeof err) < 0) {
                log_error("%s", err);
                return -EINVAL;
        }
        *key = cfg.key;
        return 0;
}

/* A string option into a settings field, with its own check. */
static int set_string(char *dst, size_t size, const char *value, const char *what) {
        if (!value)
                return 0;
        if (!*value || strlen(value) >= size) {
                log_error("invalid %s '%s'", what, value);
                return -EINVAL;
        }
        memcpy(dst, value, strlen(value) + 1);
        return 0;
}

static int set_interval(uint64_t *dst, const char *value, uint64_t min_ms, bool zero_ok, const char *what) {
        uint64_t ms;

        if (!value)
                return 0;
        if (zero_ok && strcmp(value, "0") == 0) {
                *dst = 0;
                return 0;
        }
        if (msgq_parse_seconds(value, &ms) < 0 || ms < min_ms) {
                log_error("invalid %s '%s': seconds, %.2f to 3600", what, value, (double) min_ms / 1000);
                return -EINVAL;
        }
        *dst = ms;
        return 0;
}

/* Defaults < mqtt.conf < the command line. */
static int load_settings(const struct options *o, struct settings *s) {
        const char *path = o->mqtt_config_file ? o->mqtt_config_file : settings_default_path();
        char why[SETTINGS_WHY_MAX];
        int line = 0, r;

        settings_defaults(s);
        r = settings_load(s, path, &line, why, sizeof why);
        if (r == -ENOENT && !o->mqtt_config_file)
                r = 0;
        if (r == -EINVAL && line > 0)
                log_error("%s:%d: %s", path, line, why);
        else if (r < 0)
                log_error("cannot read %s: %s", path, strerror(-r));
        if (r < 0)
                return r;
        if (s->ha_version_set)
                log_notice("%s: homeassistant_version is no longer needed and is ignored: the discovery config "
                           "suits every Home Assistant from 2024.1 on", path);
        if (o->broker && settings_set_broker(s, o->broker) < 0) {
                log_error("invalid broker '%s': use mqtt://HOST[:PORT] or mqtts://HOST[:PORT]", o->broker);
                return -EINVAL;
        }
        if (o->prefix && settings_set_prefix(s->prefix, o->prefix) < 0) {
                log_error("invalid prefix '%s': 1 to %d printable characters, no '+' or '#', "
                          "no '/' at either end", o->prefix, SETTINGS_PREFIX_MAX);
                return -EINVAL;
        }
        if (o->protocol && settings_set_protocol(s, o->protocol) < 0) {
                log_error("invalid protocol '%s': 3.1.1 or 5", o->protocol);
                return -EINVAL;
        }
        if (set_string(s->client_id, sizeof s->client_id, o->client_id, "client id") < 0 ||
            set_string(s->username, sizeof s->username, o->username, "user name") < 0 ||
            set_string(s->password_file, sizeof s->password_file, o->password_file, "password file") < 0 ||
            set_string(s->cafile, sizeof s->cafile, o->cafile, "CA file") < 0 ||
            set_interval(&s->probe_ms, o->probe, 50, false, "probe interval") < 0 ||
            set_interval(&s->stats_ms, o->stats, 1000, true, "stats interval") < 0)
                return -EINVAL;
        if (o->no_discovery)
                s->discovery = false;
        if (s->password_file[0] && !s->username[0]) {
                log_error("a password file needs a user name (--username or username =)");
                return -EINVAL;
        }
        if (!s->tls && (s->cafile[0] || s->capath[0] || s->certfile[0])) {
                log_error("TLS files are set but the broker is not mqtts://");
                return -EINVAL;
        }
        return 0;
}

static int load_password(const struct settings *s, char *buf, size_t size) {
        struct stat st;
        int r;

        buf[0] = '\0';
        if (!s->password_file[0])
                return 0;
        r = settings_read_password(s->password_file, buf, size, &st);
        if (r == -EPERM && st.st_uid != geteuid())
                log_error("refusing password file %s: it belongs to uid %u, not to this user (uid %u)",
                          s->password_file, (unsigned) st.st_uid, (unsigned) geteuid());
        else if (r == -EPERM)
                log_error("refusing password file %s: others may read it (mode %04o); chmod 600 it",
                          s->password_file, (unsigned) (st.st_mode & 07777));
        else if (r == -EINVAL)
                log_error("password file %s: expected one line with the password", s->password_file);
        else if (r < 0)
                log_error("cannot read password file %s: %s", s->password_file, strerror(-r));
        return r;
}

/*
 * SIGHUP (systemctl reload msgq-mqtt): read msgq.conf, mqtt.conf and the
 * password file again.  A configuration with an error is logged, and the
 * bridge goes on as it was (false).  A good one is applied by a restart in
 * place (true): the bridge stops as on SIGTERM and executes itself again,
 * with the same PID.  Commands sent meanwhile wait at the broker (the
 * session is persistent); those the bridge holds for a stopped msgqd are
 * lost, as with systemctl restart.
 */
static bool reload_wanted(const struct options *o) {
        char password[PASSWORD_MAX + 2];
        struct settings s;
        key_t key;
        bool good;

        sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64, msgq_now_ns() / 1000);
        good = load_key(o, &key) == 0 && load_settings(o, &s) == 0 &&
               load_password(&s, password, sizeof password) == 0;
        explicit_bzero(password, sizeof password);
        if (!good) {
                log_error("configuration not reloaded: msgq-mqtt goes on as it was");
                sd_notify(false, "READY=1");
                return false;
        }
        log_info("configuration reloaded: restarting in place");
        return true;
}

/* The same program, arguments and PID, anew: READY=1 comes from the new one. */
static void exec_again(char **argv) {
        execv("/proc/self/exe", argv);
        log_error("cannot restart in place: %m");
}

/* Signals are taken by sigwait(); blocked before any thread exists.  SIGPIPE is ignored. */
static void block_signals(sigset_t *mask) {
        sigemptyset(mask);
        sigaddset(mask, SIGTERM);
        sigaddset(mask, SIGINT);
        sigaddset(mask, SIGHUP);
        pthread_sigmask(SIG_BLOCK, mask, NULL);
        signal(SIGPIPE, SIG_IGN);
}

/* Until SIGTERM or SIGINT (false), or a SIGHUP with a good configuration (true: start again). */
static bool wait_for_signal(const sigset_t *mask, const struct options *o) {
        int sig;

        for (;;) {
                if (sigwait(mask, &sig) != 0)
                        continue;
                if (sig == SIGHUP && reload_wanted(o))
                        return true;
                if (sig != SIGHUP)
                        break;
        }
        log_info("received SIG%s, stopping", sigabbrev_np(sig));
        sd_notify(false, "STOPPING=1\nSTATUS=Stopping");
        return false;
}

int main(int argc, char **argv) {
        struct options opts = {};
        struct settings settings;
        struct board board;
        struct link link;
        char password[PASSWORD_MAX + 2];
        bool link_ready = false, board_ready = false, again = false;
        int ret = EXIT_FAILURE, r;
        sigset_t mask;
        key_t key;

        msgq_log_open("msgq-mqtt", LOG_INFO);
        if (parse_options(argc, argv, &opts) < 0)
                return EXIT_USAGE;
        if (load_key(&opts, &key) < 0 || load_settings(&opts, &settings) < 0 ||
            load_password(&settings, password, sizeof password) < 0)
                return EXIT_USAGE;

        block_signals(&mask);

        mosquitto_lib_init();
        r = link_init(&link, &settings, password, PACKAGE_VERSION);
        explicit_bzero(password, sizeof password);
        link_ready = true;
        if (r < 0)
                goto finish;
        board_init(&board, key, &settings, &(struct board_out) { 0 }, PACKAGE_VERSION, MSGQ_MQTT_STATE_DIR);
        board.out = link_board_out(&link);
        board_ready = true;
        if ((r = board_start(&board)) < 0 || (r = link_start(&link, &board)) < 0) {
                log_error("cannot start: %s", strerror(-r));
                goto finish;
        }
        log_info("bridging key 0x%08x to %s://%s:%d, topics under %s/", (unsigned) key,
                 settings.tls ? "mqtts" : "mqtt", settings.host, settings.port, settings.prefix);
        sd_notifyf(false, "READY=1\nSTATUS=Bridging key 0x%08x to %s:%d under %s/", (unsigned) key,
                   settings.host, settings.port, settings.prefix);

        again = wait_for_signal(&mask, &opts);
        ret = EXIT_SUCCESS;
finish:
        if (board_ready)
                board_stop(&board);
        if (link_ready) {
                link_stop(&link);
                link_done(&link);
        }
        if (board_ready)
                board_done(&board);
        mosquitto_lib_cleanup();
        if (again) {
                exec_again(argv);
                ret = EXIT_FAILURE;
        }
        return ret;
}
