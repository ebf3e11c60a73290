/* SPDX-License-Identifier: MIT */
/*
 * Between protocol.c and protocol-lines.c (the line table's payloads):
 * not part of the protocol's interface, protocol.h is.
 */
#pragma once

#include <stdint.h>
#include <string.h>

#include "protocol.h"

/* Bytes of a line state record on the wire, and of a change record (+ time_ns). */
#define MSGQ_LINE_RECORD   24u
#define MSGQ_CHANGE_RECORD (MSGQ_LINE_RECORD + 8u)
/* A line-list entry: the line record, offset, by_pid, flags, name_len, chip_len, pad. */
#define MSGQ_LIST_ENTRY    (MSGQ_LINE_RECORD + 12u)
/* A line-events record: the change record, kernel_ns, kernel_seqno, lost, edge, flags, pad. */
#define MSGQ_EVENT_RECORD  (MSGQ_CHANGE_RECORD + 24u)
/* An input-list entry: line, bias, edges, debounce_by, pad, debounce_us, pad, count, lost. */
#define MSGQ_INPUT_ENTRY   32u

/* Unaligned little helpers: the body buffer has no alignment guarantee. */
static inline void put16(unsigned char *p, uint16_t v) { memcpy(p, &v, sizeof v); }
static inline void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, sizeof v); }
static inline void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, sizeof v); }
static inline uint16_t get16(const unsigned char *p) { uint16_t v; memcpy(&v, p, sizeof v); return v; }
static inline uint32_t get32(const unsigned char *p) { uint32_t v; memcpy(&v, p, sizeof v); return v; }
static inline uint64_t get64(const unsigned char *p) { uint64_t v; memcpy(&v, p, sizeof v); return v; }

/* A line-set's entries into q (room bytes): their length, or -EINVAL/-EMSGSIZE. */
int lines_set_encode(const struct msgq_request *req, unsigned char *q, size_t room);
/* len bytes of entries into req->values: 0, or -EINVAL (a bad entry, a line twice). */
int lines_set_decode(const unsigned char *q, size_t len, struct msgq_request *req);
/* Whether values[] names one line twice (by index, or by name regardless of case). */
bool lines_set_has_twice(const struct msgq_request *req);
/* The payload of a good reply to ops 11-15 into q: its length, or -EMSGSIZE. */
int lines_reply_encode(const struct msgq_reply *rep, unsigned char *q, size_t room);
/* The payload of a good reply to ops 11-15: 0 or -EBADMSG. */
int lines_reply_decode(const unsigned char *q, size_t len, struct msgq_reply *rep);
