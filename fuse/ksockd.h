/*
 * ksockd.h - what the files of the FUSE daemon share (the daemon is
 * described in docs/netfs.md).
 *
 * The daemon mounts the portable /net tree (src/netfs) with libfuse's
 * low-level API and serves it from a pool of worker threads of its own.
 * Each request runs as the hosted process of its caller's namespace
 * (ns.c), with an interrupt hook so a blocked call can be interrupted
 * (ops.c). Its own socket-API service (echo.c) uses the same ksock.
 *
 * Interface:
 *   kd_ns_*     - namespaces of callers (ns.c)
 *   kd_ops      - the FUSE operations (ops.c); kd_requests_stop() refuses
 *                 new requests and interrupts those under way.
 *   kd_echo_*   - the socket-API echo service (echo.c)
 *   kd_log()    - a line on stderr
 *
 * Locking: each file's own pthread mutexes, never held while calling into
 * ksock except where a file says so.
 */
#ifndef KSOCKD_H
#define KSOCKD_H

#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <sys/types.h>

/* ns.c */
enum kd_ns_mode { KD_NS_SESSION, KD_NS_UID };
void kd_ns_init(enum kd_ns_mode mode);
/* The hosted process that stands for the caller's namespace (made on first
 * use, kept until kd_ns_fini), or NULL when memory is short. */
struct ks_proc *kd_ns_proc(pid_t pid, uid_t uid, gid_t gid);
void kd_ns_fini(void);

/* ops.c */
extern const struct fuse_lowlevel_ops kd_ops;
/* Refuses new requests from now on and interrupts those under way;
 * returns how many were still under way. */
int kd_requests_stop(void);

/* echo.c: an echo server on address name (typable local syntax) for
 * stream and seqpacket, through ks_sys_*; stop interrupts and joins it. */
int kd_echo_start(const char *name);
void kd_echo_stop(void);

void kd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
