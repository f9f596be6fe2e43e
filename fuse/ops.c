/*
 * ops.c - the FUSE low-level operations of ksockd, each a thin mapping onto
 * the portable /net layer (src/netfs/netfs.h).
 *
 * Inode numbers are netfs's own (ks_netfs_ino), so lookups keep no state
 * and forget has nothing to do. Every reply has zero entry and attribute
 * timeouts: sockets come and go, and each lookup asks netfs again. Regular
 * files are opened with direct_io (no page cache; sizes show as 0, reads
 * are not cut at st_size); data files are nonseekable.
 *
 * Requests. Each request runs as the hosted process of its caller's
 * namespace (ns.c), so sockets it creates belong to that namespace and
 * pathname permissions are checked with the caller's uid and gid. A
 * request is registered while it runs; a FUSE interrupt (the caller got a
 * signal) interrupts its thread's park (ks_hosted_interrupt), so a blocked
 * accept, read or write returns EINTR instead of holding the caller in
 * the kernel; kd_requests_stop() does the same to every request at
 * shutdown and refuses new ones.
 *
 * Open files are kept on a list, so that the daemon closes what its
 * clients left open when it stops (their sockets close, peers see EOF).
 *
 * Interface: kd_ops, kd_requests_stop (ksockd.h).
 * Locking: kd_req_lock guards the request list and the stop flag; the
 * interrupt callback runs under it (ks_hosted_interrupt takes only the
 * parker registry's lock). kd_file_lock guards the list of open files.
 * Neither is held while calling into netfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "hosted.h"
#include "ksockd.h"
#include "netfs/netfs.h"

/* ---- requests ---- */

struct kd_req {
	pthread_t thread;
	unsigned long seq;
	bool interrupted;
	struct kd_req *prev, *next;
};

static pthread_mutex_t kd_req_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kd_req *kd_reqs;
static unsigned long kd_req_seq;
static bool kd_stop;

/* FUSE_INTERRUPT for the request numbered data (if it still runs). */
static void on_interrupt(fuse_req_t req, void *data)
{
	unsigned long seq = (unsigned long)(uintptr_t)data;

	(void)req;
	pthread_mutex_lock(&kd_req_lock);
	for (struct kd_req *r = kd_reqs; r; r = r->next) {
		if (r->seq == seq) {
			r->interrupted = true;
			(void)ks_hosted_interrupt(r->thread); /* -ESRCH: never parked, nothing to do */
			break;
		}
	}
	pthread_mutex_unlock(&kd_req_lock);
}

static void req_unlink_locked(struct kd_req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		kd_reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
}

/* Starts request req: the caller's process, registration, interruption. */
static int req_begin(fuse_req_t req, struct kd_req *r)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct ks_proc *p = kd_ns_proc(ctx->pid, ctx->uid, ctx->gid);

	if (!p)
		return -ENOMEM;
	r->thread = pthread_self();
	r->interrupted = false;
	r->prev = NULL;
	pthread_mutex_lock(&kd_req_lock);
	bool stop = kd_stop;
	if (!stop) {
		r->seq = ++kd_req_seq;
		r->next = kd_reqs;
		if (kd_reqs)
			kd_reqs->prev = r;
		kd_reqs = r;
	}
	pthread_mutex_unlock(&kd_req_lock);
	if (stop)
		return -ENOTCONN; /* what callers of a stopped mount see */
	ks_proc_enter(p);
	fuse_req_interrupt_func(req, on_interrupt, (void *)(uintptr_t)r->seq);
	return 0;
}

/* Ends a request started by req_begin. An interruption that came after
 * the call finished (or before it parked) would stay pending on this
 * thread and break its next request: consume it. */
static void req_end(struct kd_req *r)
{
	pthread_mutex_lock(&kd_req_lock);
	req_unlink_locked(r);
	bool intr = r->interrupted;
	pthread_mutex_unlock(&kd_req_lock);
	ks_proc_enter(NULL);
	if (intr) {
		struct ks_parker *p = ks_port_parker();
		ks_port_parker_reset(p);
		(void)ks_port_park(p, 0); /* -EINTR (consumed) or -ETIMEDOUT */
	}
}

int kd_requests_stop(void)
{
	int n = 0;

	pthread_mutex_lock(&kd_req_lock);
	kd_stop = true;
	for (struct kd_req *r = kd_reqs; r; r = r->next, n++) {
		r->interrupted = true;
		(void)ks_hosted_interrupt(r->thread);
	}
	pthread_mutex_unlock(&kd_req_lock);
	return n;
}

/* ---- open files ---- */

struct kd_file {
	struct ks_netfs_handle *h;
	struct kd_file *prev, *next;
};

static pthread_mutex_t kd_file_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kd_file *kd_files;

static struct kd_file *file_add(struct ks_netfs_handle *h)
{
	struct kd_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->h = h;
	pthread_mutex_lock(&kd_file_lock);
	f->next = kd_files;
	if (kd_files)
		kd_files->prev = f;
	kd_files = f;
	pthread_mutex_unlock(&kd_file_lock);
	return f;
}

/* Closes f's handle (its socket reference goes) and frees f. */
static void file_close(struct kd_file *f)
{
	pthread_mutex_lock(&kd_file_lock);
	if (f->prev)
		f->prev->next = f->next;
	else
		kd_files = f->next;
	if (f->next)
		f->next->prev = f->prev;
	pthread_mutex_unlock(&kd_file_lock);
	ks_netfs_close(f->h);
	free(f);
}

static struct kd_file *fi_file(const struct fuse_file_info *fi)
{
	return (struct kd_file *)(uintptr_t)fi->fh;
}

/* The daemon's clients are gone: close what they left open. */
static void kd_destroy(void *userdata)
{
	(void)userdata;
	while (kd_files)
		file_close(kd_files);
}

/* ---- attributes ---- */

static time_t kd_start_time;

static void fill_stat(fuse_req_t req, const struct ks_netfs_node *n, const struct ks_netfs_attr *a,
		      struct stat *st)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	memset(st, 0, sizeof(*st));
	st->st_ino = ks_netfs_ino(n);
	st->st_mode = (a->dir ? S_IFDIR : S_IFREG) | a->mode;
	st->st_nlink = a->nlink;
	st->st_uid = ctx->uid; /* every file is the caller's own */
	st->st_gid = ctx->gid;
	st->st_blksize = 4096;
	st->st_atime = st->st_mtime = st->st_ctime = kd_start_time;
}

/* The node behind ino, if it exists for the caller. */
static int node_stat(fuse_ino_t ino, struct ks_netfs_node *n, struct ks_netfs_attr *a)
{
	int err = ks_netfs_node_of_ino(ino, n);

	return err ? err : ks_netfs_stat(n, a);
}

static void kd_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	kd_start_time = time(NULL);
	/* "echo cmd > ctl" opens with O_TRUNC: take it in open, no SETATTR */
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
}

static void kd_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	struct ks_netfs_node dir, n;
	struct ks_netfs_attr a;
	struct kd_req r;
	int err = req_begin(req, &r);

	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	err = ks_netfs_node_of_ino(parent, &dir);
	if (!err)
		err = ks_netfs_walk(&dir, name, strlen(name), &n);
	if (!err)
		err = ks_netfs_stat(&n, &a);
	if (!err) {
		memset(&e, 0, sizeof(e));
		e.ino = ks_netfs_ino(&n);
		e.generation = 1;
		fill_stat(req, &n, &a, &e.attr);
	}
	req_end(&r);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_entry(req, &e);
}

static void kd_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ks_netfs_node n;
	struct ks_netfs_attr a;
	struct stat st;
	struct kd_req r;
	int err = req_begin(req, &r);

	(void)fi;
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	err = node_stat(ino, &n, &a);
	if (!err)
		fill_stat(req, &n, &a, &st);
	req_end(&r);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, 0);
}

/* Truncation (O_TRUNC without atomic_o_trunc, truncate(1)) and touch mean
 * nothing here: accepted for files that can be written, like /dev/null. */
static void kd_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	struct ks_netfs_node n;
	struct ks_netfs_attr a;
	struct stat st;
	struct kd_req r;
	int err = req_begin(req, &r);

	(void)attr;
	(void)fi;
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	err = node_stat(ino, &n, &a);
	if (!err && (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)))
		err = -EPERM;
	else if (!err && (to_set & FUSE_SET_ATTR_SIZE) && (a.dir || !(a.mode & 0222)))
		err = a.dir ? -EISDIR : -EACCES;
	if (!err)
		fill_stat(req, &n, &a, &st);
	req_end(&r);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, 0);
}

static unsigned open_flags(int flags)
{
	unsigned f = 0;

	if ((flags & O_ACCMODE) != O_WRONLY)
		f |= KS_NETFS_READ;
	if ((flags & O_ACCMODE) != O_RDONLY)
		f |= KS_NETFS_WRITE;
	if (flags & O_NONBLOCK)
		f |= KS_NETFS_NONBLOCK;
	return f;
}

/* open and opendir: a netfs handle behind fi->fh. */
static void open_common(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, bool dir)
{
	struct ks_netfs_handle *h = NULL;
	struct ks_netfs_node n;
	struct kd_file *f = NULL;
	struct kd_req r;
	int err = req_begin(req, &r);

	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	err = ks_netfs_node_of_ino(ino, &n);
	if (!err)
		err = ks_netfs_open(&n, dir ? KS_NETFS_READ : open_flags(fi->flags), &h);
	req_end(&r);
	if (!err && !(f = file_add(h))) {
		ks_netfs_close(h);
		err = -ENOMEM;
	}
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)f;
	if (!dir) {
		fi->direct_io = 1;
		fi->nonseekable = n.kind == KS_NETFS_DATA;
	}
	if (fuse_reply_open(req, fi) != 0)
		file_close(f); /* the caller is gone: no release will come */
}

static void kd_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	open_common(req, ino, fi, false);
}

static void kd_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	open_common(req, ino, fi, true);
}

static void kd_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	file_close(fi_file(fi));
	fuse_reply_err(req, 0);
}

static void kd_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

/* The call's own O_NONBLOCK (fcntl may have set it after open). */
static unsigned call_flags(const struct fuse_file_info *fi)
{
	return (fi->flags & O_NONBLOCK) ? KS_NETFS_NONBLOCK : 0;
}

static void kd_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct kd_req r;
	int err = req_begin(req, &r);

	(void)ino;
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	char *buf = malloc(size ? size : 1);
	long n = buf ? ks_netfs_read(fi_file(fi)->h, buf, size, (uint64_t)off, call_flags(fi))
		     : -ENOMEM;
	req_end(&r);
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
	free(buf);
}

static void kd_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct kd_req r;
	int err = req_begin(req, &r);

	(void)ino;
	(void)off;
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	long n = ks_netfs_write(fi_file(fi)->h, buf, size, call_flags(fi));
	req_end(&r);
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_write(req, (size_t)n);
}

/* Appends entry idx (0 ".", 1 "..", then netfs's) to buf; 0 past the end,
 * 1 added, -1 no room. */
static int add_entry(fuse_req_t req, struct kd_file *f, unsigned long idx, char *buf, size_t size,
		     size_t *pos)
{
	struct ks_netfs_dirent e;
	struct stat st;

	memset(&st, 0, sizeof(st));
	if (idx < 2) {
		strcpy(e.name, idx ? ".." : ".");
		st.st_ino = ks_netfs_ino(ks_netfs_handle_node(f->h));
		st.st_mode = S_IFDIR;
	} else {
		if (ks_netfs_readdir(f->h, idx - 2, &e) != 1)
			return 0;
		st.st_ino = ks_netfs_ino(&e.node);
		st.st_mode = e.node.kind == KS_NETFS_FAMILY || e.node.kind == KS_NETFS_SOCKDIR
				     ? S_IFDIR
				     : S_IFREG;
	}
	size_t need = fuse_add_direntry(req, buf + *pos, size - *pos, e.name, &st, (off_t)idx + 1);
	if (need > size - *pos)
		return -1;
	*pos += need;
	return 1;
}

static void kd_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	char *buf = malloc(size ? size : 1);
	size_t pos = 0;

	(void)ino;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (unsigned long i = (unsigned long)off; add_entry(req, fi_file(fi), i, buf, size, &pos) == 1; i++)
		;
	fuse_reply_buf(req, buf, pos);
	free(buf);
}

/* Names are made by the tree, not by creating files. */
static void kd_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	(void)parent, (void)name, (void)mode, (void)fi;
	fuse_reply_err(req, EACCES);
}

static void kd_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	(void)parent, (void)name, (void)mode, (void)rdev;
	fuse_reply_err(req, EACCES);
}

static void kd_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	(void)parent, (void)name, (void)mode;
	fuse_reply_err(req, EACCES);
}

static void kd_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent, (void)name;
	fuse_reply_err(req, EACCES);
}

const struct fuse_lowlevel_ops kd_ops = {
	.init = kd_init,
	.destroy = kd_destroy,
	.lookup = kd_lookup,
	.getattr = kd_getattr,
	.setattr = kd_setattr,
	.open = kd_open,
	.read = kd_read,
	.write = kd_write,
	.flush = kd_flush,
	.release = kd_release,
	.opendir = kd_opendir,
	.readdir = kd_readdir,
	.releasedir = kd_release,
	.create = kd_create,
	.mknod = kd_mknod,
	.mkdir = kd_mkdir,
	.unlink = kd_unlink,
	.rmdir = kd_unlink,
};
