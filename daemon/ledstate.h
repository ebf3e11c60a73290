/* SPDX-License-Identifier: MIT */
/*
 * The lines' state as msgqd keeps it across a restart, a crash and a
 * reboot: one small text file per queue key, "led.0xKEY", in msgqd's state
 * directory ($STATE_DIRECTORY, which systemd sets from StateDirectory=;
 * else the built-in one, MSGQ_STATE_DIR from meson's localstatedir, or the
 * user's own when that one cannot be written: ledstate_dir()).  Version 3
 * is two slots of one size, each the whole table's state; a change is
 * written over one slot, the next one over the other:
 *
 *   msgqd-led-state 3
 *   slot 1024
 *   changes 42
 *   boot_us 1795950000123456
 *   lines 2
 *   line led
 *   gpio GPIO17
 *   active_low 0
 *   seq 40
 *   on 1
 *   blinking 1
 *   period_ms 500
 *   remaining 7
 *   next_toggle_us 81234567
 *   line pump
 *   gpio gpiochip0:27
 *   active_low 1
 *   seq 2
 *   on 0
 *   blinking 0
 *   period_ms 0
 *   remaining 0
 *   next_toggle_us 0
 *   line door
 *   gpio GPIO22
 *   active_low 1
 *   seq 17
 *   on 1
 *   blinking 0
 *   period_ms 0
 *   remaining 0
 *   next_toggle_us 0
 *   count 17
 *   lost 0
 *   (newlines, up to the slot's last 15 bytes)
 *   crc32 0fab6043
 *
 * then the other slot, the same lines (of the same change, or of the one
 * before or after it).  slot is the size of each in bytes (a multiple of
 * LEDSTATE_SLOT_ALIGN; msgqd writes ledstate_slot_size(): what the longest
 * state of the table's lines takes, every number at its most digits, in
 * whole pages of LEDSTATE_SLOT_PAGE), and crc32 the
 * CRC-32 (IEEE 802.3, zlib's crc32()) of the slot before its last line, in
 * 8 lowercase hex digits.  A slot is good when it is whole, its sum right
 * and its lines as below; a reader takes the good slot of the highest
 * change number, so that a write that a crash or a power cut cut short
 * leaves the state before it (the slot it did not touch).  Both bad, the
 * file is corrupt.
 *
 * Version 2, which msgqd wrote before (read, never written: the next write
 * makes a version-3 file of it), is one slot's lines without "slot" and
 * the newlines and "crc32" after them:
 *
 *   msgqd-led-state 2
 *   changes 42
 *   ...
 *
 * every line in the order above, ending in a newline: changes the table's
 * change number of this state, boot_us when the boot it was written in
 * began (CLOCK_REALTIME less CLOCK_BOOTTIME, in µs since the epoch), lines
 * how many lines follow (1 to 64), and for each line what identifies it
 * (its name, its gpio setting as msgq.conf has it, active_low) and its
 * state: seq its own count of changes (a line record's seq,
 * doc/PROTOCOL.md), on the level (during a blink, its phase), remaining
 * the toggles left as a line counts them (line.h) (0: until cancelled),
 * next_toggle_us when the next toggle of a blink is due on that boot's
 * CLOCK_BOOTTIME (0 when not blinking); an input's record (and only an
 * input's) goes on with count, the edges it counted, and lost, those of
 * them the kernel lost (doc/PROTOCOL.md, Inputs).  Not the kernel's boot ID: the
 * unit's ProcSubset=pid hides /proc/sys.
 *
 * Version 1, which msgq 0.1 and 0.2 wrote for their one LED, is read as
 * the line "led" (its gpio and active_low not recorded, its seq its change
 * number: every change was the LED's):
 *
 *   msgqd-led-state 1
 *   on 1
 *   blinking 1
 *   period_ms 500
 *   remaining 7
 *   changes 42
 *   boot_us 1795950000123456
 *   next_toggle_us 81234567
 *
 * The name stays "led.0xKEY", so that one file holds the state, whichever
 * msgqd wrote it: an upgrade takes up the old one, and an older msgqd
 * refuses a version it does not know (one of version 1 refuses 2 and 3,
 * one of version 2 refuses 3; the LED starts off, with a warning) rather
 * than find a file that a newer msgqd left behind
 * under the old name and restore it as the last state.
 *
 * A line takes up the record of its name (ledstate_find()) only when its
 * gpio names the same line and its active_low is the same as the record's
 * (a version-1 record: for the line "led", whatever they are): a line
 * removed from msgq.conf, renamed in it, moved to another GPIO or made
 * active low (or no longer) since the file was written is not driven from
 * the old state, and ledstate_start_lines() logs which and why.
 *
 * A change is written in place: ledstate_file_write() writes the table's
 * state over the slot that does not hold the last one, with one pwrite(),
 * in the file that this msgqd made and keeps open (struct ledstate_writer):
 * no new file, no rename, no path looked up.  A new file is made only
 * when there is none of this msgqd's to write in (the first write after a
 * start, a version-1 or 2 file, a file removed, replaced or of another
 * size since, a table whose state no longer fits its slots, a write that
 * failed): written whole, both slots the one
 * state, to "led.0xKEY.tmp" and put in the old one's place (exchanged with
 * it, which the old one does not outlive, where the filesystem can; else
 * renamed over it): a reader finds the old state or the new one, never
 * half of one.  ledstate_file_save() always makes a new file, and flushes
 * it to the disk before it is put in place and the directory after;
 * ledstate_file_write() leaves the flush to a later ledstate_flush(), so
 * that what it wrote outlives any crash of msgqd at once, and a power cut
 * once it is flushed (with its directory when it made a new file:
 * writer.made; a write over a slot changes no directory).  It is read
 * strictly: anything else (empty, truncated, a NUL, an unknown line, a value
 * out of range, a name or a gpio twice, another count of lines than
 * "lines" says, more than LEDSTATE_SIZE_MAX bytes, another version) is
 * refused, never half-used.
 *
 * A file that holds another change number than the table's is stale: after a
 * write that failed (a full disk, EIO), ledstate_forget() removes it, so that
 * no later start restores an earlier state as if it were the last.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

#define LEDSTATE_FILE_VERSION 3 /* what ledstate_file_format() writes */
#define LEDSTATE_LINES_MAX MSGQ_LINES_MAX
/*
 * The largest slot: 64 lines of the longest names, gpio settings and
 * values take 14293 bytes in version 2 (the header 85, a line 222); 64
 * inputs 15701 (a line 244: count and lost, and never a blink); a slot's
 * own lines 44 more.
 */
#define LEDSTATE_SLOT_MAX 16384
#define LEDSTATE_SLOT_ALIGN 512 /* a slot's size is a multiple of it: its own sectors */
/*
 * msgqd makes its slots a multiple of a page: a flash disk that loses the
 * whole page it was writing at a power cut then loses one slot only, not
 * the one it was not writing too.
 */
#define LEDSTATE_SLOT_PAGE 4096
/* The largest file read: two slots. */
#define LEDSTATE_SIZE_MAX (2 * LEDSTATE_SLOT_MAX)
/* Two boot_us this close are one boot (a leap second, a read between two clocks). */
#define LEDSTATE_SAME_BOOT_US 2000000

/* One line as the file keeps it. */
struct ledstate_line {
        char name[MSGQ_LINE_NAME_MAX + 1];
        char gpio[MSGQ_GPIO_MAX];       /* "" from a version-1 file, which did not record it */
        bool active_low;                /* false from a version-1 file */
        uint32_t seq;                   /* the line's own count of changes */
        bool on;
        bool blinking;
        uint32_t period_ms;             /* 0 when not blinking */
        uint32_t remaining;             /* 0 when not blinking */
        uint64_t next_toggle_us;        /* 0 when not blinking */
        bool input;                     /* an input's record: with count and lost */
        uint64_t count, lost;           /* an input's edges counted, and of those lost */
};

/* The whole file (of version 3: the slot taken): the table's change number, the boot, every line. */
struct ledstate_file {
        unsigned version;               /* as read: 1, 2 or 3 */
        uint64_t changes;
        uint64_t boot_us;
        size_t n;                       /* lines: 1 to LEDSTATE_LINES_MAX */
        struct ledstate_line line[LEDSTATE_LINES_MAX];
        /* As read from version 3: */
        size_t slot_size;               /* each slot's size in bytes */
        unsigned slot;                  /* the slot taken: 0 (the first) or 1 */
        unsigned bad;                   /* the slots refused (torn or corrupt): bit 0 the first, bit 1 the other */
};

/*
 * The file as this msgqd last wrote it, kept open for the next write in
 * place (with the lock that guards the writes; all zero: none yet, the
 * next write makes a new file).  A write finds out when the file was
 * removed or replaced since (no link left to it, another size).
 */
struct ledstate_writer {
        size_t slot_size;               /* 0: no file of this msgqd's to write in */
        unsigned next;                  /* the slot the next write goes over */
        int fd;                         /* the file, open while slot_size > 0 */
        bool made;                      /* a new file put in place since made was cleared, its directory */
                                        /* not flushed (kept by a write that fails): for ledstate_flush() */
};

enum ledstate_where {
        LEDSTATE_DIR_ENV,       /* $STATE_DIRECTORY */
        LEDSTATE_DIR_BUILTIN,   /* the built-in directory */
        LEDSTATE_DIR_USER,      /* the user's own, the built-in one being out of reach */
};

/*
 * msgqd's state directory in buf: the first directory of $STATE_DIRECTORY
 * (a list separated by ':'); else builtin, made with every missing parent
 * (mode 0755, as a package makes them); else, when builtin cannot be made
 * or written (*builtin_err says why) and msgqd does not run as root, the
 * user's own (ledstate_user_dir()), made with its parents, mode 0700.  When
 * neither can be made, builtin all the same (its writes fail, and say why).
 * Returns where it is, or -ENAMETOOLONG.
 */
int ledstate_dir(char *buf, size_t size, const char *builtin, int *builtin_err);
/* $XDG_STATE_HOME/msgqd, else $HOME/.local/state/msgqd (absolute ones only): 0, or -ENOENT. */
int ledstate_user_dir(char *buf, size_t size);
/* The file for key in dir: 0, or -ENAMETOOLONG if it does not fit in size. */
int ledstate_path(char *buf, size_t size, const char *dir, key_t key);

/*
 * Flush the file at path (its data: fdatasync) to the disk, and with dir
 * its directory too (fsync: a new file put in place since the last
 * flush); 0, -ENOENT or -errno.
 */
int ledstate_flush(const char *path, bool dir);
/*
 * After a failed write of the state of change number changes: 1 when the
 * file at path holds that change already (it is current, and kept); else
 * it is removed (emptied, when it cannot be removed but can be written) and
 * 0 says that no state is left for a start to restore; -errno when an
 * earlier state is left there.
 */
int ledstate_forget(const char *path, uint64_t changes);
/*
 * A new file's text (version 3, both slots f) in buf: its length, -EINVAL
 * (no lines, or too many; a line that could not be read back), -ENOBUFS.
 */
int ledstate_file_format(const struct ledstate_file *f, char *buf, size_t size);
/* The size of each slot of f's table (its lines' names and gpio settings, which are inputs): bytes, or -EINVAL. */
int ledstate_slot_size(const struct ledstate_file *f);
/* One slot of slot_size bytes for f in buf (slot_size of them): 0, -EINVAL, -ENOBUFS (f no longer fits). */
int ledstate_slot_format(const struct ledstate_file *f, size_t slot_size, char *buf);
/* f's lines from "changes" on, as versions 2 and 3 have them: their length, -EINVAL, -ENOBUFS. */
int ledstate_body_format(const struct ledstate_file *f, char *buf, size_t size);
/* The CRC-32 of a slot (IEEE 802.3, reflected, as zlib's crc32(0, buf, n)). */
uint32_t ledstate_crc32(const void *buf, size_t n);
/*
 * Parse n bytes of a file of version 1, 2 or 3.  0, -ENODATA (empty),
 * -EFBIG (more than LEDSTATE_SIZE_MAX), -EPROTONOSUPPORT (another
 * version), -EBADMSG (anything else that is not a whole file of its
 * version; of version 3: no good slot).
 */
int ledstate_file_parse(const char *buf, size_t n, struct ledstate_file *f);
/* Read and parse path: ledstate_file_parse()'s errors, -ENOENT, or -errno. */
int ledstate_file_load(const char *path, struct ledstate_file *f);
/* Write f to path as a new file, atomically and durably (see above); 0 or -errno.  w: NULL, or set for writes in place. */
int ledstate_file_save(const char *path, struct ledstate_writer *w, const struct ledstate_file *f);
/*
 * Write f to path, not yet durably (see above): over w's next slot, else
 * as a new file (w->made set); 0 or -errno (w then reset, but for made:
 * the next write makes a new file).  w NULL: always a new file.
 */
int ledstate_file_write(const char *path, struct ledstate_writer *w, const struct ledstate_file *f);
/* Close w's file (when open); w is all zero after. */
void ledstate_writer_close(struct ledstate_writer *w);

/*
 * The record of f that the line o (its name, gpio and active_low) takes
 * up: its index; -ENOENT when f has none of o's name; -EXDEV when the
 * record's gpio names another line (moved), -EINVAL when its active_low
 * differs.  A version-1 record ("led", gpio and active_low not recorded)
 * is taken up by the line of its name whatever its gpio and active_low.
 */
int ledstate_find(const struct ledstate_file *f, const struct msgq_output *o);
/*
 * A line's blink, brought up to now_us (CLOCK_BOOTTIME of the boot that
 * began at boot_us), from a file written in the boot that began at
 * file_boot_us: the toggles due since, when it was written in this boot;
 * a counted blink that ran out meanwhile has ended (off: true, one more
 * change of the line).  From another boot (or one whose clock was set
 * since, or a next toggle beyond now and half a period), the blink goes
 * on from its next toggle, half a period from now.
 */
bool ledstate_line_advance(struct ledstate_line *l, uint64_t file_boot_us, uint64_t boot_us,
                           uint64_t now_us);
/*
 * The state msgqd starts its n lines with (out: their settings, index 0
 * first), in f (f->n = n, each line with out's name, gpio and active_low):
 * the file at path (read with one warning when it is there but unusable;
 * missing, every line off), each line's record (ledstate_find()) brought
 * up to now, then the line's start policy.  A line without a record it may
 * take up starts off, seq 0; each record no line takes up, and each line
 * whose record it may not take up, is logged with the reason.  Each line
 * that the blink's end or the policy changed is one more change (of the
 * table's, and of its seq).  restored[i]: line i is as the file had it.
 * path NULL: no file.
 */
void ledstate_start_lines(struct ledstate_file *f, const struct msgq_output *out, size_t n,
                          const char *path, bool *restored);
/* The line's state: "on", "off" or "blinking, period 500 ms, 7 blinks left" into buf. */
const char *ledstate_line_describe(const struct ledstate_line *l, char *buf, size_t size);

/* What a load error means, for the log ("corrupt: truncated or not msgqd's"). */
const char *ledstate_strerror(int r);

/* Now on CLOCK_BOOTTIME, in µs. */
uint64_t ledstate_now_us(void);
/* When this boot began: CLOCK_REALTIME less CLOCK_BOOTTIME, in µs. */
uint64_t ledstate_boot_us(void);
