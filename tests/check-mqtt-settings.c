/* SPDX-License-Identifier: MIT */
/* Unit: the MQTT bridge's settings (mqtt/settings.c): broker URLs, prefixes, mqtt.conf, password files. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mosquitto.h>

#include "settings.h"
#include "unit.h"

static char path[256];

static void temp_file(const char *text, mode_t mode) {
        const char *dir = getenv("TMPDIR");
        int fd;

        snprintf(path, sizeof path, "%s/mqtt-settings-XXXXXX", dir && *dir ? dir : "/tmp");
        fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        ck_assert_int_eq(fchmod(fd, mode), 0);
        close(fd);
}

static void teardown(void) {
        if (path[0])
                unlink(path);
        path[0] = '\0';
}

static const char *fmt_prefix(const char *host, const char *id) {
        static char buf[300];

        snprintf(buf, sizeof buf, "msgq/%s-%s", host, id);
        return buf;
}

START_TEST(test_defaults) {
        struct settings s;
        char host[256] = "", id[16];

        settings_defaults(&s);
        ck_assert_str_eq(s.host, "localhost");
        ck_assert_int_eq(s.port, 1883);
        ck_assert(!s.tls);
        ck_assert_int_eq(s.protocol, MQTT_PROTOCOL_V311);
        ck_assert(s.discovery);
        ck_assert_str_eq(s.discovery_prefix, "homeassistant");
        ck_assert_uint_eq(s.probe_ms, 1000);
        ck_assert_uint_eq(s.stats_ms, 0);
        ck_assert_uint_eq(s.hold_ms, 60000);
        ck_assert(!s.ha_version_set);
        gethostname(host, sizeof host - 1);
        host[strcspn(host, ".")] = '\0';
        /* msgq/<host>-<board id>: boards cloned from one image share the host name, not the id. */
        ck_assert_int_eq(settings_board_id("", id, sizeof id), 0);
        ck_assert_str_eq(s.prefix, fmt_prefix(host, id));
}
END_TEST

/* ---- a pretend root for settings_board_id() ---- */

static char root[256];

static void root_file(const char *rel, const char *text, size_t len) {
        char p[512];
        int fd;

        snprintf(p, sizeof p, "%s%s", root, rel);
        for (char *slash = strchr(p + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = '\0';
                mkdir(p, 0700);
                *slash = '/';
        }
        if (!text) {
                mkdir(p, 0700);
                return;
        }
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, text, len), (ssize_t) len);
        close(fd);
}

static int remove_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(p);
}

static const char *board_id(void) {
        static char id[16];

        if (settings_board_id(root, id, sizeof id) < 0)
                return "none";
        ck_assert_uint_eq(strlen(id), 6);
        return id;
}

START_TEST(test_board_id) {
        const char *dir = getenv("TMPDIR");
        char mac1[16], mac2[16], serial[16], machine[16];

        snprintf(root, sizeof root, "%s/mqtt-root-XXXXXX", dir && *dir ? dir : "/tmp");
        ck_assert_ptr_nonnull(mkdtemp(root));
        ck_assert_str_eq(board_id(), "none");

        /* machine-id, the last resort: cloned images may share it. */
        root_file("/etc/machine-id", "0123456789abcdef0123456789abcdef\n", 33);
        snprintf(machine, sizeof machine, "%s", board_id());
        ck_assert_str_ne(machine, "none");

        /* A virtual interface (no device) and lo do not count; a real one does, the first by name. */
        root_file("/sys/class/net/lo/address", "00:00:00:00:00:00\n", 18);
        root_file("/sys/class/net/br0/address", "02:00:00:00:00:09\n", 18);
        ck_assert_str_eq(board_id(), machine);
        root_file("/sys/class/net/eth1/device", NULL, 0);
        root_file("/sys/class/net/eth1/address", "b8:27:eb:00:00:02\n", 18);
        snprintf(mac2, sizeof mac2, "%s", board_id());
        root_file("/sys/class/net/eth0/device", NULL, 0);
        root_file("/sys/class/net/eth0/address", "b8:27:eb:00:00:01\n", 18);
        snprintf(mac1, sizeof mac1, "%s", board_id());
        ck_assert_str_ne(mac1, machine);
        ck_assert_str_ne(mac1, mac2); /* two boards, one image: two ids */

        /* The SoC's serial number (device tree, NUL-terminated) comes first. */
        root_file("/sys/firmware/devicetree/base/serial-number", "00000000a1b2c3d4", 17);
        snprintf(serial, sizeof serial, "%s", board_id());
        ck_assert_str_ne(serial, mac1);
        ck_assert_str_eq(board_id(), serial); /* stable */
        nftw(root, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}
END_TEST

/* homeassistant_version is no longer needed: a good one is taken (and ignored), a bad one refused as before. */
START_TEST(test_ha_version) {
        static const char *const bad[] = { "", "2024", "2023.12", "2024.0", "2024.13", "2024.4.1", "x.1", "2024.4x" };
        static const char *const good[] = { "2024.1", "2024.3", "2024.4", "2026.11" };
        struct settings s;

        for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
                settings_defaults(&s);
                ck_assert_int_eq(settings_set_ha_version(&s, good[i]), 0);
                ck_assert(s.ha_version_set);
        }
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                ck_assert_msg(settings_set_ha_version(&s, bad[i]) == -EINVAL, "'%s'", bad[i]);
}
END_TEST

START_TEST(test_broker_urls) {
        static const struct {
                const char *url, *host;
                int port;
                bool tls;
        } good[] = {
                { "mqtt://localhost", "localhost", 1883, false },
                { "mqtt://broker.lan:1884", "broker.lan", 1884, false },
                { "mqtts://broker.lan", "broker.lan", 8883, true },
                { "mqtts://10.0.0.5:65535", "10.0.0.5", 65535, true },
                { "mqtt://[::1]", "::1", 1883, false },
                { "mqtt://[fe80::1]:2000", "fe80::1", 2000, false },
        };
        static const char *const bad[] = {
                "", "localhost", "tcp://host", "mqtt://", "mqtt://host:", "mqtt://host:0", "mqtt://host:65536",
                "mqtt://host:12a", "mqtt://host/path", "mqtt://ho st", "mqtt://::1", "mqtt://[::1", "mqtt://[::1]x",
                "MQTT://host", "mqtt://user@host",
        };
        struct settings s;

        for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
                settings_defaults(&s);
                ck_assert_msg(settings_set_broker(&s, good[i].url) == 0, "%s", good[i].url);
                ck_assert_str_eq(s.host, good[i].host);
                ck_assert_int_eq(s.port, good[i].port);
                ck_assert_int_eq(s.tls, good[i].tls);
        }
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                settings_defaults(&s);
                ck_assert_msg(settings_set_broker(&s, bad[i]) == -EINVAL, "%s", bad[i]);
                ck_assert_str_eq(s.host, "localhost"); /* untouched */
        }
}
END_TEST

START_TEST(test_prefixes_and_node_id) {
        static const char *const bad[] = { "", "/a", "a/", "a//b", "a/+/b", "a/#", "a b", "a\tb", "\x7f" };
        char long_prefix[SETTINGS_PREFIX_MAX + 2];
        struct settings s;
        char node[SETTINGS_NODE_ID_MAX + 1];

        static const struct {
                const char *prefix, *node;
        } nodes[] = {
                { "msgq/b1", "msgq_b1" },
                { "msgq.b1", "msgq-2eb1" },
                { "msgq_b1", "msgq-5fb1" },
                { "msgq-b1", "msgq--b1" },
                { "msgq/board-1.lab", "msgq_board--1-2elab" },
                { "a/2e", "a_2e" },     /* not "a." */
                { "a.", "a-2e" },
                { "Site/B~7", "Site_B-7e7" },
        };

        /* Different prefixes, different node ids (and so topics, unique_ids, client ids). */
        settings_defaults(&s);
        for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
                ck_assert_int_eq(settings_set_prefix(s.prefix, nodes[i].prefix), 0);
                settings_node_id(&s, node, sizeof node);
                ck_assert_str_eq(node, nodes[i].node);
        }
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                ck_assert_msg(settings_set_prefix(s.prefix, bad[i]) == -EINVAL, "'%s'", bad[i]);
        ck_assert_str_eq(s.prefix, nodes[sizeof nodes / sizeof nodes[0] - 1].prefix); /* untouched */
        memset(long_prefix, 'a', sizeof long_prefix - 1);
        long_prefix[sizeof long_prefix - 1] = '\0';
        ck_assert_int_eq(settings_set_prefix(s.prefix, long_prefix), -EINVAL);
        long_prefix[SETTINGS_PREFIX_MAX] = '\0';
        ck_assert_int_eq(settings_set_prefix(s.prefix, long_prefix), 0);
        memset(long_prefix, '.', SETTINGS_PREFIX_MAX); /* the longest node id */
        ck_assert_int_eq(settings_set_prefix(s.prefix, long_prefix), 0);
        settings_node_id(&s, node, sizeof node);
        ck_assert_uint_eq(strlen(node), SETTINGS_NODE_ID_MAX);
}
END_TEST

START_TEST(test_config_file) {
        char why[SETTINGS_WHY_MAX];
        struct settings s;
        int line = -1;

        temp_file("# comment\n[mqtt]\nbroker = mqtts://broker.lan:8884\nprefix = site/board7\nprotocol = 5\n"
                  "keepalive = 10\nusername = board7\npassword_file = /etc/msgq/mqtt.password\n"
                  "cafile = /etc/ca.pem\ndiscovery = no\ndiscovery_prefix = ha\nprobe_interval = 0.25\n"
                  "stats_interval = 30\nhold = 5\npriority = 3\nclient_id = b7\nhomeassistant_version = 2024.2\n",
                  0600);
        settings_defaults(&s);
        ck_assert_int_eq(settings_load(&s, path, &line, why, sizeof why), 0);
        ck_assert_str_eq(s.host, "broker.lan");
        ck_assert_int_eq(s.port, 8884);
        ck_assert(s.tls);
        ck_assert_str_eq(s.prefix, "site/board7");
        ck_assert_int_eq(s.protocol, MQTT_PROTOCOL_V5);
        ck_assert_uint_eq(s.keepalive, 10);
        ck_assert_str_eq(s.username, "board7");
        ck_assert_str_eq(s.password_file, "/etc/msgq/mqtt.password");
        ck_assert_str_eq(s.cafile, "/etc/ca.pem");
        ck_assert(!s.discovery);
        ck_assert_str_eq(s.discovery_prefix, "ha");
        ck_assert_uint_eq(s.probe_ms, 250);
        ck_assert_uint_eq(s.stats_ms, 30000);
        ck_assert_uint_eq(s.hold_ms, 5000);
        ck_assert_int_eq(s.priority, 3);
        ck_assert_str_eq(s.client_id, "b7");
        ck_assert(s.ha_version_set);
}
END_TEST

/* probe_interval's earlier name, poll_interval, is taken too. */
START_TEST(test_config_poll_interval) {
        char why[SETTINGS_WHY_MAX];
        struct settings s;
        int line = -1;

        temp_file("[mqtt]\npoll_interval = 2.5\n", 0600);
        settings_defaults(&s);
        ck_assert_int_eq(settings_load(&s, path, &line, why, sizeof why), 0);
        ck_assert_uint_eq(s.probe_ms, 2500);
}
END_TEST

START_TEST(test_config_file_errors) {
        static const struct {
                const char *text;
                int line;
        } cases[] = {
                { "[mqtt]\npoll = 1\n", 2 },                    /* unknown name */
                { "[msgq]\nkey = 0x1\n", 2 },                   /* another section */
                { "[mqtt]\nbroker = tcp://x\n", 2 },
                { "[mqtt]\nprobe_interval = 0.01\n", 2 },       /* below 50 ms */
                { "[mqtt]\npoll_interval = 0.01\n", 2 },        /* the same, by its earlier name */
                { "[mqtt]\nstats_interval = 0.5\n", 2 },
                { "[mqtt]\nkeepalive = 4\n", 2 },
                { "[mqtt]\npriority = 11\n", 2 },
                { "[mqtt]\nprotocol = 3\n", 2 },
                { "[mqtt]\ndiscovery = maybe\n", 2 },
                { "[mqtt]\nhold = 0\n", 2 },
                { "[mqtt]\nhomeassistant_version = 2023.12\n", 2 },
                { "\n\nprefix = a/#\n", 3 },
                { "no equals sign\n", 1 },
                { "[input door]\ndevice_class = contact\n", 2 },
                { "[input door]\ngpio = GPIO5\n", 2 },
                { "[input 9door]\ndevice_class = door\n", 2 },
        };
        char why[SETTINGS_WHY_MAX];
        struct settings s, before;
        int line;

        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                temp_file(cases[i].text, 0600);
                settings_defaults(&s);
                before = s;
                line = 0;
                ck_assert_msg(settings_load(&s, path, &line, why, sizeof why) == -EINVAL && line == cases[i].line,
                              "%s: line %d", cases[i].text, line);
                ck_assert(memcmp(&s, &before, sizeof s) == 0); /* untouched */
                teardown();
        }
        ck_assert_int_eq(settings_load(&s, "/nonexistent/mqtt.conf", &line, why, sizeof why), -ENOENT);
}
END_TEST

/* [input NAME]: Home Assistant's device class of the input's binary_sensor, checked against HA's list. */
START_TEST(test_config_input_sections) {
        char why[SETTINGS_WHY_MAX];
        struct settings s;
        int line = -1;

        temp_file("[mqtt]\nprefix = b/1\n[input door]\ndevice_class = Door\n[input pir]\ndevice_class = motion\n"
                  "[input Door]\ndevice_class = window\n",
                  0600);
        settings_defaults(&s);
        ck_assert_int_eq(settings_load(&s, path, &line, why, sizeof why), 0);
        ck_assert_uint_eq(s.ninputs, 2);
        ck_assert_str_eq(settings_input(&s, "door")->device_class, "window"); /* one input: names ignore case */
        ck_assert_int_eq(settings_input(&s, "DOOR")->line, 3);
        ck_assert_str_eq(settings_input(&s, "pir")->device_class, "motion");
        ck_assert_ptr_null(settings_input(&s, "meter"));
        teardown();

        temp_file("[mqtt]\n[input door]\n\ndevice_class = contact\n", 0600);
        settings_defaults(&s);
        ck_assert_int_eq(settings_load(&s, path, &line, why, sizeof why), -EINVAL);
        ck_assert_int_eq(line, 4);
        ck_assert_msg(strstr(why, "device_class = contact: not a device class of Home Assistant's binary_sensor "
                                  "(battery, battery_charging, carbon_monoxide,") &&
                              strstr(why, ", vibration, window)"),
                      "%s", why);
        teardown();

        temp_file("[input door]\nedges = rising\n", 0600);
        ck_assert_int_eq(settings_load(&s, path, &line, why, sizeof why), -EINVAL);
        ck_assert_str_eq(why, "edges = rising: [input door] here takes device_class only (gpio, edges and the rest "
                              "are msgq.conf's)");
        teardown();

        temp_file("[input 9door]\ndevice_class = door\n", 0600);
        ck_assert_int_eq(settings_load(&s, path, &line, why, sizeof why), -EINVAL);
        ck_assert_msg(strstr(why, "[input 9door]: not a line's name (1 to 31 letters"), "%s", why);
        teardown();

        temp_file("no equals\n[output pump]\nkind = relay\n", 0600);
        ck_assert_int_eq(settings_load(&s, path, &line, why, sizeof why), -EINVAL);
        ck_assert_int_eq(line, 1);
        ck_assert_str_eq(why, "invalid setting"); /* the first bad line's, not the section's after it */
        teardown();

        temp_file("[output pump]\nkind = relay\n", 0600);
        ck_assert_int_eq(settings_load(&s, path, &line, why, sizeof why), -EINVAL);
        ck_assert_str_eq(why, "[output pump]: not a section of this file ([mqtt], [input NAME])");
}
END_TEST

START_TEST(test_password_file) {
        char buf[64];
        struct stat st;

        temp_file("s3cret\nsecond line\n", 0600);
        ck_assert_int_eq(settings_read_password(path, buf, sizeof buf, &st), 0);
        ck_assert_str_eq(buf, "s3cret");
        teardown();

        temp_file("no newline", 0400);
        ck_assert_int_eq(settings_read_password(path, buf, sizeof buf, &st), 0);
        ck_assert_str_eq(buf, "no newline");
        teardown();

        /* Anyone else may read (or write) it: refused, and why. */
        temp_file("s3cret\n", 0644);
        ck_assert_int_eq(settings_read_password(path, buf, sizeof buf, &st), -EPERM);
        ck_assert_uint_eq(st.st_mode & 0777, 0644);
        teardown();
        temp_file("s3cret\n", 0640);
        ck_assert_int_eq(settings_read_password(path, buf, sizeof buf, &st), -EPERM);
        teardown();
        temp_file("s3cret\n", 0602);
        ck_assert_int_eq(settings_read_password(path, buf, sizeof buf, &st), -EPERM);
        teardown();

        temp_file("\nafter an empty line\n", 0600);
        ck_assert_int_eq(settings_read_password(path, buf, sizeof buf, &st), -EINVAL);
        teardown();
        temp_file("0123456789012345678901234567890123456789012345678901234567890123456789\n", 0600);
        ck_assert_int_eq(settings_read_password(path, buf, sizeof buf, &st), -EINVAL); /* too long */
        teardown();

        ck_assert_int_eq(settings_read_password("/nonexistent", buf, sizeof buf, &st), -ENOENT);
        ck_assert_int_eq(settings_read_password("/dev/null", buf, sizeof buf, &st), -EINVAL); /* not a file */
}
END_TEST

int main(void) {
        Suite *s = suite_create("mqtt-settings");
        TCase *tc = tcase_create("settings");

        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_test(tc, test_defaults);
        tcase_add_test(tc, test_broker_urls);
        tcase_add_test(tc, test_prefixes_and_node_id);
        tcase_add_test(tc, test_board_id);
        tcase_add_test(tc, test_ha_version);
        tcase_add_test(tc, test_config_file);
        tcase_add_test(tc, test_config_poll_interval);
        tcase_add_test(tc, test_config_file_errors);
        tcase_add_test(tc, test_config_input_sections);
        tcase_add_test(tc, test_password_file);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
