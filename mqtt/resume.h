/* SPDX-License-Identifier: MIT */
/*
 * The bridge's own copy of the last change number it published (what
 * <prefix>/changes holds, retained at the broker): a small file in the
 * bridge's state directory, one per prefix (changes.<node id>), written
 * in place once the broker has acknowledged the number, read at start.
 * Anyone who may publish under the prefix can change the broker's copy;
 * this one only the bridge's user can (doc/PROTOCOL.md, Threat model).
 *
 * The file: the number in 20 decimal digits and a newline, always the
 * same length, so that a write never truncates it first.
 */
#pragma once

#include <limits.h>
#include <stdint.h>

#define RESUME_FILE_LEN 21u /* 20 digits and '\n' */

struct resume_file {
        int fd;                 /* -1: none (resume_file_open() failed) */
        char path[PATH_MAX];
};

/*
 * The directory: the first of $STATE_DIRECTORY (systemd's StateDirectory=),
 * else builtin, made (0700) if missing.  Opens (or makes, 0600) the file
 * for node_id: 0, or -errno with f->path naming what failed.
 */
int resume_file_open(struct resume_file *f, const char *builtin, const char *node_id);
/* The number kept: 0; -ENOENT when the file is empty (a new one); -EBADMSG when it holds anything else. */
int resume_file_read(const struct resume_file *f, uint64_t *number);
/* Empty the file (one that held anything else), so that the next write leaves nothing after it. */
int resume_file_clear(const struct resume_file *f);
/* Keep number, in place: 0 or -errno. */
int resume_file_write(const struct resume_file *f, uint64_t number);
void resume_file_close(struct resume_file *f);
