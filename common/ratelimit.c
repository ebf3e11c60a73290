/* SPDX-License-Identifier: MIT */
#include "ratelimit.h"

bool msgq_ratelimit_pass(struct msgq_ratelimit *rl, uint64_t now_ns, unsigned *missed) {
        *missed = 0;
        if (rl->start_ns == 0 || now_ns - rl->start_ns > rl->window_ns) {
                *missed = rl->suppressed;
                rl->start_ns = now_ns;
                rl->count = 0;
                rl->suppressed = 0;
        }
        if (rl->count >= rl->burst) {
                rl->suppressed++;
                return false;
        }
        rl->count++;
        return true;
}
