/* SPDX-License-Identifier: MIT */
/*
 * The bridge's settings file, read with inih like common/config.c reads
 * msgq.conf, and as strictly: an unknown name, a name in another section or
 * a bad value is an error with its line number.  It is a file of its own
 * (mqtt.conf) rather than a section of msgq.conf, which msgqd and msgqctl
 * read and would have to learn to skip.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>
#include <mosquitto.h>

#include "line-config.h"
#include "parse.h"
#include "protocol.h"
#include "settings.h"

_Static_assert(SETTINGS_INPUTS_MAX == MSGQ_LINES_MAX, "an [input NAME] for each of msgqd's lines");
_Static_assert(SETTINGS_INPUT_NAME_MAX == MSGQ_LINE_NAME_MAX, "a line's name");

/*
 * HA's BinarySensorDeviceClass (binary_sensor/__init__.py), the same in
 * 2024.1 and late 2024 (doc/HOME-ASSISTANT.md, Inputs); HA lowers the value before it looks
 * (DEVICE_CLASSES_SCHEMA = vol.All(vol.Lower, vol.Coerce(...))), and
 * refuses the whole config for anything else.
 */
const char *const settings_binary_sensor_classes[] = {
        "battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door", "garage_door", "gas",
        "heat", "light", "lock", "moisture", "motion", "moving", "occupancy", "opening", "plug", "power",
        "presence", "problem", "running", "safety", "smoke", "sound", "tamper", "update", "vibration", "window",
        NULL
};

#ifndef MSGQ_MQTT_CONFIG_FILE
#error "MSGQ_MQTT_CONFIG_FILE must come from meson"
#endif

#define SECTION "mqtt"
#define PORT_MQTT  1883
#define PORT_MQTTS 8883
#define POLL_MIN_MS 50u

const char *settings_default_path(void) {
        return MSGQ_MQTT_CONFIG_FILE;
}

/* The first line of ROOT/PATH, without surrounding white space and NULs; 0 or -errno. */
static int read_id(const char *root, const char *path, char *buf, size_t size) {
        char full[PATH_MAX];
        size_t n = 0, start = 0;
        ssize_t got;
        int fd;

        snprintf(full, sizeof full, "%s%s", root, path);
        fd = open(full, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        got = read(fd, buf, size - 1);
        close(fd);
        if (got < 0)
                return -errno;
        for (ssize_t i = 0; i < got; i++) /* the device tree's strings end in NUL */
                if (buf[i] != '\0' && buf[i] != '\n' && buf[i] != ' ')
                        n = (size_t) i + 1;
        buf[n] = '\0';
        while (start < n && buf[start] == '\0')
                start++;
        memmove(buf, buf + start, n - start + 1);
        return buf[0] ? 0 : -ENOENT;
}

/* The MAC address of the first interface (by name) that is a device, not a virtual one. */
static int read_mac(const char *root, char *buf, size_t size) {
        char dir[PATH_MAX], path[PATH_MAX + 300], first[256] = "";
        struct dirent *e;
        DIR *d;

        snprintf(dir, sizeof dir, "%s/sys/class/net", root);
        d = opendir(dir);
        if (!d)
                return -errno;
        while ((e = readdir(d))) {
                snprintf(path, sizeof path, "%s/%s/device", dir, e->d_name);
                if (e->d_name[0] != '.' && access(path, F_OK) == 0 &&
                    (!first[0] || strcmp(e->d_name, first) < 0))
                        snprintf(first, sizeof first, "%s", e->d_name);
        }
        closedir(d);
        if (!first[0])
                return -ENOENT;
        snprintf(path, sizeof path, "/sys/class/net/%s/address", first);
        if (read_id(root, path, buf, size) < 0 || strcmp(buf, "00:00:00:00:00:00") == 0)
                return -ENOENT;
        return 0;
}

int settings_board_id(const char *root, char *buf, size_t size) {
        char id[256];
        uint32_t h = 2166136261u; /* FNV-1a */

        if (read_id(root, "/sys/firmware/devicetree/base/serial-number", id, sizeof id) < 0 &&
            read_mac(root, id, sizeof id) < 0 && read_id(root, "/etc/machine-id", id, sizeof id) < 0)
                return -ENOENT;
        for (const char *p = id; *p; p++)
                h = (h ^ (unsigned char) *p) * 16777619u;
        snprintf(buf, size, "%06x", (unsigned) (h & 0xffffff));
        return 0;
}

void settings_defaults(struct settings *s) {
        char host[SETTINGS_NAME_MAX] = "localhost", id[16];

        memset(s, 0, sizeof *s);
        snprintf(s->host, sizeof s->host, "localhost");
        s->port = PORT_MQTT;
        s->protocol = MQTT_PROTOCOL_V311;
        s->keepalive = 30;
        s->discovery = true;
        snprintf(s->discovery_prefix, sizeof s->discovery_prefix, "homeassistant");
        s->probe_ms = 1000;
        s->stats_ms = 0;
        s->hold_ms = 60000;
        s->priority = MSGQ_PRIO_DEFAULT;
        if (gethostname(host, sizeof host - 1) < 0)
                snprintf(host, sizeof host, "localhost");
        host[strcspn(host, ".")] = '\0'; /* the short name */
        if (settings_board_id("", id, sizeof id) == 0)
                snprintf(s->prefix, sizeof s->prefix, "msgq/%.100s-%s", host, id);
        else
                snprintf(s->prefix, sizeof s->prefix, "msgq/%.100s", host);
        if (settings_set_prefix(s->prefix, s->prefix) < 0)
                snprintf(s->prefix, sizeof s->prefix, "msgq/localhost");
}

static int copy_string(char *dst, size_t size, const char *value) {
        size_t n = strlen(value);

        if (n == 0 || n >= size)
                return -EINVAL;
        memcpy(dst, value, n + 1);
        return 0;
}

int settings_set_prefix(char *dst, const char *prefix) {
        size_t n = strlen(prefix);

        if (n == 0 || n > SETTINGS_PREFIX_MAX || prefix[0] == '/' || prefix[n - 1] == '/')
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) prefix[i];

                if (c <= ' ' || c >= 0x7f || c == '+' || c == '#')
                        return -EINVAL;
        }
        if (strstr(prefix, "//"))
                return -EINVAL;
        memmove(dst, prefix, n + 1);
        return 0;
}

int settings_set_protocol(struct settings *s, const char *value) {
        if (strcmp(value, "3.1.1") == 0 || strcmp(value, "311") == 0 || strcmp(value, "4") == 0)
                s->protocol = MQTT_PROTOCOL_V311;
        else if (strcmp(value, "5") == 0)
                s->protocol = MQTT_PROTOCOL_V5;
        else
                return -EINVAL;
        return 0;
}

/* A host name or address: letters, digits, '.', '-', '_', ':' (IPv6). */
static int check_host(const char *h, size_t n) {
        if (n == 0 || n >= SETTINGS_NAME_MAX)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                char c = h[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-' || c == '_' || c == ':'))
                        return -EINVAL;
        }
        return 0;
}

int settings_set_broker(struct settings *s, const char *url) {
        const char *host, *end, *port = NULL;
        unsigned long p;
        bool tls;
        size_t n;

        if (strncmp(url, "mqtt://", 7) == 0) {
                tls = false;
                host = url + 7;
        } else if (strncmp(url, "mqtts://", 8) == 0) {
                tls = true;
                host = url + 8;
        } else {
                return -EINVAL;
        }
        if (host[0] == '[') { /* [IPv6]:port */
                end = strchr(host, ']');
                if (!end)
                        return -EINVAL;
                host++;
                n = (size_t) (end - host);
                if (end[1] == ':')
                        port = end + 2;
                else if (end[1] != '\0')
                        return -EINVAL;
        } else {
                end = strchr(host, ':');
                n = end ? (size_t) (end - host) : strlen(host);
                if (end)
                        port = end + 1;
        }
        if (check_host(host, n) < 0 || (!strchr(url, '[') && memchr(host, ':', n)))
                return -EINVAL;
        if (port && msgq_parse_uint(port, 1, 65535, &p) < 0)
                return -EINVAL;
        memcpy(s->host, host, n);
        s->host[n] = '\0';
        s->tls = tls;
        s->port = port ? (int) p : tls ? PORT_MQTTS : PORT_MQTT;
        return 0;
}

int settings_set_ha_version(struct settings *s, const char *value) {
        unsigned year, month;
        int end = 0;

        if (sscanf(value, "%4u.%2u%n", &year, &month, &end) != 2 || value[end] != '\0' || year < 2024 ||
            year > 2999 || month < 1 || month > 12)
                return -EINVAL;
        s->ha_version_set = true;
        return 0;
}

void settings_node_id(const struct settings *s, char *buf, size_t size) {
        size_t n = 0;

        for (const char *p = s->prefix; *p && n + 4 <= size; p++) {
                unsigned char c = (unsigned char) *p;

                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
                        buf[n++] = (char) c;
                else if (c == '/')
                        buf[n++] = '_';
                else if (c == '-')
                        n += (size_t) snprintf(buf + n, size - n, "--");
                else
                        n += (size_t) snprintf(buf + n, size - n, "-%02x", c);
        }
        buf[n] = '\0';
}

/* Seconds as msgq_parse_seconds() takes them, at least min_ms; "0" when zero_ok. */
static int set_seconds(uint64_t *dst, const char *value, uint64_t min_ms, bool zero_ok) {
        uint64_t ms;

        if (zero_ok && strcmp(value, "0") == 0) {
                *dst = 0;
                return 0;
        }
        if (msgq_parse_seconds(value, &ms) < 0 || ms < min_ms)
                return -EINVAL;
        *dst = ms;
        return 0;
}

static int set_value(struct settings *s, const char *name, const char *value) {
        unsigned long n;

        if (strcmp(name, "broker") == 0)
                return settings_set_broker(s, value);
        if (strcmp(name, "prefix") == 0)
                return settings_set_prefix(s->prefix, value);
        if (strcmp(name, "client_id") == 0)
                return copy_string(s->client_id, sizeof s->client_id, value);
        if (strcmp(name, "username") == 0)
                return copy_string(s->username, sizeof s->username, value);
        if (strcmp(name, "password_file") == 0)
                return copy_string(s->password_file, sizeof s->password_file, value);
        if (strcmp(name, "cafile") == 0)
                return copy_string(s->cafile, sizeof s->cafile, value);
        if (strcmp(name, "capath") == 0)
                return copy_string(s->capath, sizeof s->capath, value);
        if (strcmp(name, "certfile") == 0)
                return copy_string(s->certfile, sizeof s->certfile, value);
        if (strcmp(name, "keyfile") == 0)
                return copy_string(s->keyfile, sizeof s->keyfile, value);
        if (strcmp(name, "protocol") == 0)
                return settings_set_protocol(s, value);
        if (strcmp(name, "keepalive") == 0) {
                if (msgq_parse_uint(value, 5, 3600, &n) < 0)
                        return -EINVAL;
                s->keepalive = (unsigned) n;
                return 0;
        }
        if (strcmp(name, "discovery") == 0)
                return msgq_parse_bool(value, &s->discovery);
        if (strcmp(name, "homeassistant_version") == 0)
                return settings_set_ha_version(s, value);
        if (strcmp(name, "discovery_prefix") == 0)
                return settings_set_prefix(s->discovery_prefix, value);
        if (strcmp(name, "probe_interval") == 0 || strcmp(name, "poll_interval") == 0) /* its earlier name */
                return set_seconds(&s->probe_ms, value, POLL_MIN_MS, false);
        if (strcmp(name, "stats_interval") == 0)
                return set_seconds(&s->stats_ms, value, 1000, true);
        if (strcmp(name, "hold") == 0)
                return set_seconds(&s->hold_ms, value, 1000, false);
        if (strcmp(name, "priority") == 0) {
                if (msgq_parse_uint(value, MSGQ_PRIO_MIN, MSGQ_PRIO_MAX, &n) < 0)
                        return -EINVAL;
                s->priority = (long) n;
                return 0;
        }
        return -EINVAL;
}

struct loader {
        struct settings s;
        int bad_line;
        int lineno;
        FILE *f;
        char why[SETTINGS_WHY_MAX];     /* the first bad line's that reached the handler */
        int why_line;
        int section_line;               /* of the last section header read */
};

const struct settings_input *settings_input(const struct settings *s, const char *name) {
        for (size_t i = 0; i < s->ninputs; i++)
                if (msgq_line_name_eq(s->inputs[i].name, name))
                        return &s->inputs[i];
        return NULL;
}

/* Why l's line is bad, once (the first bad line is the one reported). */
static int refuse(struct loader *l, const char *format, ...) __attribute__((format(printf, 2, 3)));
static int refuse(struct loader *l, const char *format, ...) {
        va_list ap;

        if (!l->why[0]) {
                l->why_line = l->lineno;
                va_start(ap, format);
                vsnprintf(l->why, sizeof l->why, format, ap);
                va_end(ap);
        }
        return 0;
}

static int set_device_class(struct loader *l, struct settings_input *in, const char *value) {
        char allowed[SETTINGS_WHY_MAX];
        size_t n = 0;

        for (size_t i = 0; settings_binary_sensor_classes[i]; i++)
                if (strcasecmp(value, settings_binary_sensor_classes[i]) == 0) {
                        snprintf(in->device_class, sizeof in->device_class, "%s", settings_binary_sensor_classes[i]);
                        return 1;
                }
        allowed[0] = '\0';
        for (size_t i = 0; settings_binary_sensor_classes[i] && n < sizeof allowed; i++)
                n += (size_t) snprintf(allowed + n, sizeof allowed - n, "%s%s", i ? ", " : "",
                                       settings_binary_sensor_classes[i]);
        return refuse(l, "device_class = %s: not a device class of Home Assistant's binary_sensor (%s)", value,
                      allowed);
}

/* A name = value of section [input NAME]. */
static int input_value(struct loader *l, const char *iname, const char *name, const char *value) {
        struct settings_input *in = (struct settings_input *) settings_input(&l->s, iname);

        if (msgq_line_name_check(iname) < 0)
                return refuse(l, "[input %s]: not a line's name (%s)", iname, msgq_line_name_rule);
        if (!in) {
                if (l->s.ninputs == SETTINGS_INPUTS_MAX)
                        return refuse(l, "[input %s]: more than %u inputs", iname, SETTINGS_INPUTS_MAX);
                in = &l->s.inputs[l->s.ninputs++];
                memset(in, 0, sizeof *in);
                snprintf(in->name, sizeof in->name, "%s", iname);
                in->line = l->section_line;
        }
        if (strcmp(name, "device_class") == 0)
                return set_device_class(l, in, value);
        return refuse(l, "%s = %s: [input %s] here takes device_class only (gpio, edges and the rest are "
                      "msgq.conf's)", name, value, iname);
}

static int handler(void *user, const char *section, const char *name, const char *value) {
        struct loader *l = user;

        if (strncmp(section, "input ", 6) == 0)
                return input_value(l, section + 6, name, value);
        if (section[0] && strcmp(section, SECTION) != 0)
                return refuse(l, "[%s]: not a section of this file ([mqtt], [input NAME])", section);
        if (set_value(&l->s, name, value) == 0)
                return 1;
        return refuse(l, "invalid setting");
}

/* inih's line reader: counts lines and refuses lines inih would cut. */
static char *reader(char *str, int num, void *stream) {
        struct loader *l = stream;
        size_t len, indent;

        if (!fgets(str, num, l->f))
                return NULL;
        l->lineno++;
        len = strlen(str);
        if (len > 0 && str[len - 1] != '\n' && !feof(l->f)) {
                int c;

                while ((c = getc(l->f)) != EOF && c != '\n')
                        ;
                if (!l->bad_line)
                        l->bad_line = l->lineno;
                str[0] = '\0';
                return str;
        }
        indent = strspn(str, " \t\r");
        memmove(str, str + indent, len - indent + 1);
        if (str[0] == '[')
                l->section_line = l->lineno;
        return str;
}

int settings_load(struct settings *s, const char *path, int *line, char *why, size_t why_size) {
        struct loader l = { .s = *s };
        int r;

        *line = 0;
        if (why_size)
                why[0] = '\0';
        l.f = fopen(path, "re");
        if (!l.f)
                return -errno;
        r = ini_parse_stream(reader, &l, handler, &l);
        fclose(l.f);
        if (r == -2)
                return -ENOMEM;
        if (r < 0)
                return -EIO;
        if (l.bad_line && (r == 0 || l.bad_line < r))
                r = l.bad_line;
        if (r > 0) {
                *line = r;
                /* A line inih could not read (no '=', too long) has no why of its own. */
                snprintf(why, why_size, "%s", r == l.why_line ? l.why : "invalid setting");
                return -EINVAL;
        }
        *s = l.s;
        snprintf(s->file, sizeof s->file, "%s", path);
        return 0;
}

int settings_read_password(const char *path, char *buf, size_t size, struct stat *st) {
        ssize_t got = 0;
        size_t n = 0, len;
        int fd, r = 0;

        if (size < 2)
                return -EINVAL;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, st) < 0) {
                r = -errno;
        } else if (!S_ISREG(st->st_mode)) {
                r = -EINVAL;
        } else if ((st->st_mode & 077) != 0 || st->st_uid != geteuid()) {
                r = -EPERM; /* checked on the open file: no race with chmod */
        } else {
                while (n + 1 < size && (got = read(fd, buf + n, size - 1 - n)) > 0)
                        n += (size_t) got;
                if (got < 0)
                        r = -errno;
        }
        close(fd);
        if (r < 0)
                return r;
        buf[n] = '\0';
        len = strcspn(buf, "\r\n");
        if (len == n && n + 1 == size)
                return -EINVAL; /* no end of line within the buffer: too long */
        buf[len] = '\0';
        return len == 0 ? -EINVAL : 0;
}
