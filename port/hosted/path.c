/*
 * path.c (hosted) - AF_UNIX pathname nodes as real socket files in the host
 * file system, with Linux's permission checks made against the hosted
 * process's credentials.
 *
 * A hosted process's uid/gid need not be the host's: the conformance suite
 * runs "processes" of other users inside one host process. So the checks a
 * kernel makes during the lookup are redone here with the hosted
 * credentials (generic_permission: owner, group or other bits; uid 0 passes
 * every check on directories and read/write checks on files): search
 * permission on each directory the path walks through, write and search on
 * the parent for mknod, write on the node for lookup. The host then does
 * the real operation with its own credentials. When the host runs as root,
 * a new node is chowned to the hosted uid/gid (the parent's group if it is
 * set-group-ID), so later checks against its owner behave as on Linux.
 *
 * Limits: no ACLs, no supplementary groups; directories reached through a
 * symlink's target are checked by the host only (with the host's
 * credentials); when the host is not root, new nodes belong to the host
 * user, and the host's own permission checks apply as well. Relative paths
 * are relative to the host's current directory.
 *
 * Interface: ks_port_unix_mknod/lookup/unlink (port.h). The key is the
 * node's st_dev/st_ino.
 *
 * Locking: none; the host file system arbitrates races (a node created
 * between our check and mknod gives EADDRINUSE all the same).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "hosted.h"

#define MAY_EXEC 1u
#define MAY_WRITE 2u

struct path_cred {
	unsigned uid, gid, umask;
};

static void path_cred_get(struct path_cred *c)
{
	struct ks_proc *p = hosted_proc_current();

	c->uid = p->uid;
	c->gid = p->gid;
	c->umask = __atomic_load_n(&p->umask, __ATOMIC_RELAXED);
}

/* Linux's generic_permission, with root's CAP_DAC_OVERRIDE. */
static bool path_may(const struct stat *st, const struct path_cred *c, unsigned mask)
{
	unsigned mode = st->st_mode, bits;

	if (c->uid == 0)
		return S_ISDIR(mode) || !(mask & MAY_EXEC) || (mode & 0111);
	if (st->st_uid == c->uid)
		bits = mode >> 6;
	else if (st->st_gid == c->gid)
		bits = mode >> 3;
	else
		bits = mode;
	return (bits & mask) == mask;
}

/* ENOENT for "", ENAMETOOLONG for a path or a component too long. */
static int path_check_names(const char *path)
{
	size_t len = strnlen(path, PATH_MAX);

	if (len == 0)
		return -KS_ENOENT;
	if (len >= PATH_MAX)
		return -KS_ENAMETOOLONG;
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");
		if (n > NAME_MAX)
			return -KS_ENAMETOOLONG;
		p += n + strspn(p + n, "/");
	}
	return 0;
}

/* Offset of the last component of buf (trailing slashes ignored). */
static size_t path_last(const char *buf)
{
	size_t end = strlen(buf);

	while (end > 0 && buf[end - 1] == '/')
		end--;
	while (end > 0 && buf[end - 1] != '/')
		end--;
	return end;
}

/* stat of the directory dir; must be one, searchable by c. */
static int path_check_dir(const char *dir, const struct path_cred *c)
{
	struct stat st;

	if (stat(dir, &st) != 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -KS_ENOTDIR;
	return path_may(&st, c, MAY_EXEC) ? 0 : -KS_EACCES;
}

/* Search permission on the start directory and every directory before the
 * last component, in walk order (so the first failure is Linux's). */
static int path_walk(char *buf, const struct path_cred *c)
{
	int err = path_check_dir(buf[0] == '/' ? "/" : ".", c);
	char *p = buf;

	while (!err) {
		p += strspn(p, "/");
		char *end = p + strcspn(p, "/");
		char *next = end + strspn(end, "/");
		if (*next == '\0')
			break; /* p is the last component */
		char save = *end;
		*end = '\0';
		err = path_check_dir(buf, c);
		*end = save;
		p = next;
	}
	return err;
}

/* Copies path into buf (PATH_MAX bytes) and makes the walk's checks. */
static int path_prepare(const char *path, char *buf, const struct path_cred *c)
{
	int err = path_check_names(path);

	if (err)
		return err;
	strcpy(buf, path);
	return c->uid == 0 ? 0 : path_walk(buf, c);
}

static bool path_readonly(const char *path)
{
	struct statvfs vfs;

	return statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_RDONLY);
}

/* The parent of a node to create: stat into *st, EROFS, write+search. */
static int path_check_parent(char *buf, const struct path_cred *c, struct stat *st)
{
	size_t last = path_last(buf);
	char save = buf[last];
	const char *dir = last ? buf : ".";
	int err = 0;

	buf[last] = '\0';
	if (stat(dir, st) != 0)
		err = -errno;
	else if (path_readonly(dir))
		err = -KS_EROFS;
	buf[last] = save;
	if (!err && !path_may(st, c, MAY_WRITE | MAY_EXEC))
		err = -KS_EACCES;
	return err;
}

/* Gives the new node its mode (the host's umask may have taken bits) and,
 * when the host is root, the hosted owner. */
static int path_set_owner(const char *path, mode_t mode, const struct path_cred *c,
			  const struct stat *parent)
{
	if (chmod(path, mode) != 0)
		return -errno;
	if (geteuid() != 0)
		return 0;
	gid_t gid = (parent->st_mode & S_ISGID) ? parent->st_gid : c->gid;
	return lchown(path, c->uid, gid) != 0 ? -errno : 0;
}

static int path_make_node(const char *path, const struct path_cred *c,
			  const struct stat *parent, struct ks_unix_key *out)
{
	mode_t mode = 0777 & ~c->umask;
	struct stat st;

	if (mknod(path, S_IFSOCK | mode, 0) != 0)
		return errno == EEXIST ? -KS_EADDRINUSE : -errno;
	int err = path_set_owner(path, mode, c, parent);
	if (!err && lstat(path, &st) != 0)
		err = -errno;
	if (err) {
		(void)unlink(path); /* undo; the error reported is err */
		return err;
	}
	out->dev = st.st_dev;
	out->ino = st.st_ino;
	return 0;
}

int ks_port_unix_mknod(const char *path, struct ks_unix_key *out)
{
	struct path_cred c;
	struct stat st, parent;
	char buf[PATH_MAX];

	path_cred_get(&c);
	int err = path_prepare(path, buf, &c);
	if (err)
		return err;
	if (lstat(buf, &st) == 0)
		return -KS_EADDRINUSE;
	if (errno != ENOENT)
		return -errno;
	err = path_check_parent(buf, &c, &parent);
	if (err)
		return err;
	return path_make_node(buf, &c, &parent, out);
}

int ks_port_unix_lookup(const char *path, struct ks_unix_key *out)
{
	struct path_cred c;
	struct stat st;
	char buf[PATH_MAX];

	path_cred_get(&c);
	int err = path_prepare(path, buf, &c);
	if (err)
		return err;
	if (stat(buf, &st) != 0)
		return -errno;
	if ((S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) && path_readonly(buf))
		return -KS_EROFS;
	if (!path_may(&st, &c, MAY_WRITE))
		return -KS_EACCES;
	if (!S_ISSOCK(st.st_mode))
		return -KS_ECONNREFUSED;
	out->dev = st.st_dev;
	out->ino = st.st_ino;
	return 0;
}

void ks_port_unix_unlink(const char *path)
{
	(void)unlink(path); /* best effort: bind's undo, nothing to report */
}
