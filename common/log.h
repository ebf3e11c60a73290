/* SPDX-License-Identifier: MIT */
/*
 * Logging: to the journal when stderr is connected to it (JOURNAL_STREAM),
 * to stderr with the program's name otherwise.
 */
#pragma once

#include <stdarg.h>
#include <stdint.h>
#include <syslog.h>

void msgq_log_open(const char *ident, int max_level);
void msgq_log_set_level(int max_level);
int msgq_log_level(void);
void msgq_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same with a va_list. */
void msgq_logv(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/*
 * A line about a client's request.  In the journal it carries the fields
 * MSGQ_CLIENT_PID= and MSGQ_PRIORITY=, so that `journalctl -u msgqd
 * MSGQ_CLIENT_PID=4242` finds one client's requests.
 */
void msgq_log_request(int level, uint32_t pid, long prio, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/*
 * A change of a line, made by a client's request (pid) or by msgqd (pid 0):
 * in the journal it carries the field MSGQ_LINE= (the line's name), so that
 * `journalctl -u msgqd MSGQ_LINE=pump` shows one line's history, and
 * msgq_log_request()'s fields.
 */
void msgq_log_line(int level, uint32_t pid, long prio, const char *line, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

#define log_debug(...)   msgq_log(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)    msgq_log(LOG_INFO, __VA_ARGS__)
#define log_notice(...)  msgq_log(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) msgq_log(LOG_WARNING, __VA_ARGS__)
#define log_error(...)   msgq_log(LOG_ERR, __VA_ARGS__)

/*
 * Before exiting after printing (--help, --version): flush standard output.
 * A write error (a full disk, a closed pipe) is reported on stderr and
 * turns status into EXIT_FAILURE.
 */
int msgq_stdout_close(int status);
