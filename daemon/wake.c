/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "wake.h"

int wake_open(struct wake *w) {
        w->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        return w->fd < 0 ? -errno : 0;
}

void wake_close(struct wake *w) {
        if (w->fd >= 0)
                close(w->fd);
        w->fd = -1;
}

void wake_up(const struct wake *w) {
        uint64_t one = 1;

        if (w->fd >= 0 && write(w->fd, &one, sizeof one) < 0 && errno != EAGAIN)
                log_warning("cannot wake the main loop: %m");
}

uint64_t wake_take(const struct wake *w) {
        uint64_t n = 0;

        if (w->fd >= 0 && read(w->fd, &n, sizeof n) < 0 && errno != EAGAIN)
                log_warning("cannot read the wake-up counter: %m");
        return n;
}
