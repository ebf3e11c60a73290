/* SPDX-License-Identifier: MIT */
/* System V queue access: thin wrappers returning 0 or a negative errno. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/msg.h>

/* Find the existing queue for key; -ENOENT if there is none. */
int msgq_queue_open(key_t key);
/* Set the queue's mode and group ((gid_t) -1: the caller's own, its effective group). */
int msgq_queue_set_access(int msqid, unsigned mode, gid_t gid);
int msgq_queue_stat(int msqid, struct msqid_ds *ds);
int msgq_queue_remove(int msqid);

/* msgsnd/msgrcv of a body of len bytes with type mtype. Return 0 / length. */
int msgq_queue_send(int msqid, long mtype, const void *body, size_t len, int flags);
ssize_t msgq_queue_recv(int msqid, long msgtyp, long *mtype, void *body, size_t size, int flags);
