/* SPDX-License-Identifier: MIT */
/*
 * The bridge's own settings: defaults, then mqtt.conf (inih, [mqtt]
 * section), then the command line (the caller applies that).  The queue's
 * key comes from msgq.conf through common/config.h, as for msgqctl.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define SETTINGS_PREFIX_MAX 128 /* topic prefix, without the NUL */
#define SETTINGS_NAME_MAX   256 /* host names, client ids, user names */
#define SETTINGS_NODE_ID_MAX (3 * SETTINGS_PREFIX_MAX) /* the prefix, escaped */
#define SETTINGS_BOARD_ID_LEN 6 /* hex digits */
#define SETTINGS_CLASS_MAX  24  /* a device class, with its NUL */
#define SETTINGS_INPUTS_MAX 64  /* [input NAME] sections: msgqd's lines at most (MSGQ_LINES_MAX) */
#define SETTINGS_INPUT_NAME_MAX 31 /* MSGQ_LINE_NAME_MAX */
#define SETTINGS_WHY_MAX    512 /* what was wrong with a line of the file */

/*
 * An [input NAME] section: what Home Assistant is told of msgqd's input
 * NAME (its vocabulary, so the bridge's file, not msgq.conf).
 */
struct settings_input {
        char name[SETTINGS_INPUT_NAME_MAX + 1];
        char device_class[SETTINGS_CLASS_MAX];  /* the binary_sensor's; "" none */
        int line;                               /* of the section, for messages */
};

struct settings {
        char host[SETTINGS_NAME_MAX];
        int port;
        bool tls;
        char prefix[SETTINGS_PREFIX_MAX + 1];
        char client_id[SETTINGS_NAME_MAX];      /* "" = derived from the prefix */
        char username[SETTINGS_NAME_MAX];
        char password_file[PATH_MAX];
        char cafile[PATH_MAX];
        char capath[PATH_MAX];
        char certfile[PATH_MAX];
        char keyfile[PATH_MAX];
        int protocol;                           /* 4 (MQTT 3.1.1) or 5 */
        unsigned keepalive;                     /* seconds */
        bool discovery;
        bool ha_version_set;                    /* homeassistant_version: no longer needed */
        char discovery_prefix[SETTINGS_PREFIX_MAX + 1];
        uint64_t probe_ms;                      /* how often msgqd is looked for (poll_interval) */
        uint64_t stats_ms;                      /* 0: figures on request only */
        uint64_t hold_ms;                       /* how long a command waits for msgqd */
        long priority;                          /* of the bridge's requests */
        struct settings_input inputs[SETTINGS_INPUTS_MAX];
        size_t ninputs;
        char file[PATH_MAX];                    /* the file they came from, for messages */
};

/*
 * Defaults; the prefix is msgq/<hostname>-<board id>, so that two boards
 * cloned from one image (one hostname) differ; msgq/<hostname> if the
 * board has no identity.
 */
void settings_defaults(struct settings *s);
/*
 * This board's identity, as SETTINGS_BOARD_ID_LEN hex digits of a hash of
 * the first of: its SoC's serial number (device tree), the MAC address of
 * its first network interface with a device, /etc/machine-id; each read
 * under ROOT ("" for the real ones).  -ENOENT when there is none.
 */
int settings_board_id(const char *root, char *buf, size_t size);
/*
 * Read FILE ("name = value" before any section or in [mqtt], and
 * device_class in [input NAME] sections).  An unknown name, another
 * section or a bad value is -EINVAL with *line set and why saying what
 * was wrong (what is allowed, where the bridge knows); a missing file is
 * -ENOENT.  *s changes only when the whole file is good.
 */
int settings_load(struct settings *s, const char *path, int *line, char *why, size_t why_size);
/* The [input NAME] section of input name (names ignore case), or NULL. */
const struct settings_input *settings_input(const struct settings *s, const char *name);
/*
 * Home Assistant's device classes of a binary_sensor, NULL-terminated
 * (homeassistant/components/binary_sensor/__init__.py, BinarySensorDeviceClass).
 */
extern const char *const settings_binary_sensor_classes[];
/* The default file, from meson's sysconfdir. */
const char *settings_default_path(void);

/* mqtt://HOST[:PORT] or mqtts://HOST[:PORT] (IPv6 as [ADDR]); -EINVAL. */
int settings_set_broker(struct settings *s, const char *url);
/* A topic prefix: 1..128 bytes of printable ASCII, no '+', '#', no '/' at either end. */
int settings_set_prefix(char *dst, const char *prefix);
/* "3.1.1"/"311"/"4" or "5". */
int settings_set_protocol(struct settings *s, const char *value);

/*
 * "2024.1" .. : the Home Assistant version the discovery config was once
 * written for.  Taken, so that a file that has it stays good; the config
 * suits every version from 2024.1 now, and the caller says it is ignored.
 */
int settings_set_ha_version(struct settings *s, const char *value);

/*
 * The node id for Home Assistant and the default client id: the prefix in
 * [A-Za-z0-9_-], different for different prefixes: '/' as '_', '-' as
 * "--", any other character outside [A-Za-z0-9] as '-' and its two hex
 * digits (msgq/b1: msgq_b1, msgq.b1: msgq-2eb1, msgq_b1: msgq-5fb1).
 */
void settings_node_id(const struct settings *s, char *buf, size_t size);

/*
 * Read the password (its first line) from FILE, which must be a regular
 * file owned by the effective user with no permission bits for group and
 * others: -EPERM if anyone else may read it (*st says why), -EINVAL if its
 * first line is empty or too long.
 */
int settings_read_password(const char *path, char *buf, size_t size, struct stat *st);
