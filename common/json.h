/* SPDX-License-Identifier: MIT */
/*
 * A minimal JSON writer for msgqctl --json: objects, arrays, strings with
 * full escaping, numbers and booleans, written to a FILE with commas placed
 * for the caller.  Output only; nothing here parses JSON.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define MSGQ_JSON_DEPTH 8

struct msgq_json {
        FILE *f;
        int depth;
        bool first[MSGQ_JSON_DEPTH];
};

void msgq_json_init(struct msgq_json *j, FILE *f);
void msgq_json_begin_object(struct msgq_json *j, const char *key); /* key NULL in arrays/top */
void msgq_json_end_object(struct msgq_json *j);
void msgq_json_begin_array(struct msgq_json *j, const char *key);
void msgq_json_end_array(struct msgq_json *j);
void msgq_json_string(struct msgq_json *j, const char *key, const char *value); /* NULL → null */
void msgq_json_uint(struct msgq_json *j, const char *key, uint64_t value);
void msgq_json_int(struct msgq_json *j, const char *key, int64_t value);
void msgq_json_double(struct msgq_json *j, const char *key, double value);
void msgq_json_bool(struct msgq_json *j, const char *key, bool value);
/* Ends the document with a newline. */
void msgq_json_finish(struct msgq_json *j);
