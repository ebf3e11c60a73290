/* SPDX-License-Identifier: MIT */
/*
 * msgq_config_load() on any file content: no crash, no read past a line,
 * a line number for every refusal, and every setting it accepts within
 * its documented range.  The content is handed over in a memfd.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

static bool valid_group(const char *g) {
        if (!g[0])
                return true;
        if (g[0] == '-' || strlen(g) > 63)
                return false;
        for (; *g; g++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", *g))
                        return false;
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static int fd = -1;
        static char path[64];
        struct msgq_config cfg, again;
        int r, line = -1, line2 = -1;

        if (fd < 0) {
                fd = memfd_create("fuzz-config", MFD_CLOEXEC);
                FUZZ_CHECK(fd >= 0);
                snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        }
        FUZZ_CHECK(ftruncate(fd, 0) == 0);
        FUZZ_CHECK(pwrite(fd, data, size, 0) == (ssize_t) size);

        msgq_config_defaults(&cfg);
        r = msgq_config_load(&cfg, path, &line);
        FUZZ_CHECK(r == 0 || r == -EINVAL);
        FUZZ_CHECK(r == 0 ? line == 0 : line > 0);
        FUZZ_CHECK(cfg.key != 0);
        FUZZ_CHECK(cfg.mode <= 0777);
        FUZZ_CHECK(memchr(cfg.gpio, '\0', sizeof cfg.gpio) && cfg.gpio[0]);
        for (const char *c = cfg.gpio; *c; c++)
                FUZZ_CHECK(*c > ' ' && *c < 0x7f);
        FUZZ_CHECK(memchr(cfg.group, '\0', sizeof cfg.group) && valid_group(cfg.group));
        FUZZ_CHECK(cfg.led_start <= MSGQ_LED_START_ON && cfg.led_stop <= MSGQ_LED_STOP_KEEP);

        /* The same content, the same answer. */
        msgq_config_defaults(&again);
        FUZZ_CHECK(msgq_config_load(&again, path, &line2) == r && line2 == line);
        FUZZ_CHECK(memcmp(&cfg, &again, sizeof cfg) == 0);
        return 0;
}
