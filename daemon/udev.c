/* SPDX-License-Identifier: MIT */
/*
 * At boot, msgqd.service may start while udev is still working through the
 * kernel's coldplug events: /dev/gpiochip0 is there (devtmpfs made it,
 * root:root 0600) but udev has not yet applied 60-msgqd-gpio.rules to it,
 * so opening it fails with EACCES and the unit's first start fails.
 * sd-device says whether udev has processed a device (its database entry
 * exists), so msgqd waits for that before it opens a chip.
 *
 * It polls (every 50 ms, only while a chip is pending): sd-device-monitor
 * would wake it at the right moment but needs a netlink socket, which the
 * unit does not allow (RestrictAddressFamilies=AF_UNIX), for a wait that
 * happens at most once, at start-up, and usually not at all.
 */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-device.h>

#include "clock.h"
#include "led-private.h"
#include "log.h"
#include "udev.h"

#define UDEV_CONTROL  "/run/udev/control"
#define POLL_NS       (50 * 1000 * 1000ULL)

/* The first chip in paths that udev has not processed yet, or NULL. */
static const char *pending_chip(char **paths) {
        for (char **p = paths; *p; p++) {
                sd_device *dev = NULL;
                int r;

                /* Not a device sd-device can place: nothing udev will do. */
                if (sd_device_new_from_devname(&dev, *p) < 0)
                        continue;
                r = sd_device_get_is_initialized(dev);
                sd_device_unref(dev);
                if (r == 0)
                        return *p;
        }
        return NULL;
}

int udev_wait_chips(uint64_t timeout_ns) {
        const struct timespec pause = { .tv_nsec = POLL_NS };
        uint64_t deadline = msgq_now_ns() + timeout_ns;
        const char *pending;
        bool said = false;
        char **paths;
        int r = 0;

        if (access(UDEV_CONTROL, F_OK) < 0)
                return 0;               /* no udev (a container): nothing to wait for */
        if (led_chip_paths(LED_DEV_DIR, &paths) < 0)
                return 0;               /* opening the chip will say what is wrong */
        while ((pending = pending_chip(paths))) {
                if (!said) {
                        log_info("waiting for udev to set up %s", pending);
                        sd_notifyf(false, "STATUS=Waiting for udev to set up %s", pending);
                        said = true;
                }
                if (msgq_now_ns() >= deadline) {
                        log_warning("udev has not set up %s after %llu s; going on", pending,
                                    (unsigned long long) (timeout_ns / 1000000000ULL));
                        r = -ETIMEDOUT;
                        break;
                }
                sd_notify(false, "WATCHDOG=1");
                nanosleep(&pause, NULL);
        }
        if (said && r == 0)
                log_info("udev has set up the GPIO chips");
        led_free_paths(paths);
        return r;
}
