/* SPDX-License-Identifier: MIT */
/*
 * payload_parse_command() on anything a client of the broker may publish:
 * the first byte picks the subtopic (led/set, send, stats/get), the rest is
 * the payload.  No crash; a refusal always says why; a command it accepts
 * is one msgqd can carry out, every field within the protocol's bounds,
 * and a flash ends.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "payload.h"
#include "protocol.h"

static const char *const subtopics[] = { "led/set", "send", "stats/get" };

static void check_command(const char *subtopic, const struct command *cmd) {
        FUZZ_CHECK(strcmp(cmd->topic, subtopic) == 0);
        switch (cmd->op) {
        case MSGQ_OP_LED_ON:
        case MSGQ_OP_LED_OFF:
        case MSGQ_OP_LED_TOGGLE:
                FUZZ_CHECK(strcmp(subtopic, "led/set") == 0);
                break;
        case MSGQ_OP_LED_BLINK:
                FUZZ_CHECK(strcmp(subtopic, "led/set") == 0);
                FUZZ_CHECK(cmd->arg0 >= MSGQ_BLINK_PERIOD_MIN_MS && cmd->arg0 <= MSGQ_BLINK_PERIOD_MAX_MS);
                FUZZ_CHECK(cmd->arg1 <= MSGQ_BLINK_COUNT_MAX);
                FUZZ_CHECK(cmd->then_op == 0 || cmd->arg1 >= 1); /* a flash is counted, never until cancelled */
                break;
        case MSGQ_OP_SEND:
                FUZZ_CHECK(strcmp(subtopic, "send") == 0);
                FUZZ_CHECK(memchr(cmd->text, '\0', sizeof cmd->text));
                FUZZ_CHECK(strlen(cmd->text) >= 1 && strlen(cmd->text) <= MSGQ_TEXT_MAX);
                FUZZ_CHECK(cmd->prio == 0 || msgq_prio_valid(cmd->prio));
                break;
        case MSGQ_OP_STATS:
                FUZZ_CHECK(strcmp(subtopic, "stats/get") == 0);
                break;
        default:
                FUZZ_CHECK(!"an operation the bridge never sends");
        }
        FUZZ_CHECK(cmd->then_op == 0 || cmd->then_op == MSGQ_OP_LED_ON || cmd->then_op == MSGQ_OP_LED_OFF);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *subtopic;
        struct command cmd;
        char why[128];
        int r;

        if (size < 1)
                return 0;
        subtopic = subtopics[data[0] % 3];
        memset(why, 0x55, sizeof why);
        r = payload_parse_command(subtopic, data + 1, size - 1, &cmd, why, sizeof why);
        FUZZ_CHECK(r == 0 || r == -EINVAL);
        if (r < 0) {
                FUZZ_CHECK(memchr(why, '\0', sizeof why) && why[0] != '\0');
                /* strictjson's scan and json-c always agree on the keys */
                FUZZ_CHECK(strcmp(why, "invalid JSON: the keys were not read alike") != 0);
                return 0;
        }
        check_command(subtopic, &cmd);
        return 0;
}
