# Descriptor passing (SCM_RIGHTS) over ksock sockets: ksock sockets, real
# pipes and files, several at once, MSG_PEEK, MSG_CMSG_CLOEXEC, descriptors
# dropped in flight, over stream, seqpacket and datagram sockets; and
# SCM_CREDENTIALS. Prints "ok: ..." lines; failures raise.
import array, fcntl, os, socket, struct, tempfile

def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)

for t in (socket.SOCK_STREAM, socket.SOCK_SEQPACKET, socket.SOCK_DGRAM):
    a, b = socket.socketpair(socket.AF_UNIX, t)
    x, y = socket.socketpair()          # a ksock socket to pass
    r, w = os.pipe()                    # real descriptors to pass
    f = tempfile.TemporaryFile()
    f.write(b"file contents"); f.flush(); f.seek(0)
    socket.send_fds(a, [b"fds"], [y.fileno(), w, f.fileno()])
    y.close(); os.close(w)
    msg, fds, flags, _ = socket.recv_fds(b, 100, 5)
    check(msg == b"fds" and len(fds) == 3 and not flags & socket.MSG_CTRUNC, f"{t.name}: 3 descriptors received")
    ys = socket.socket(fileno=fds[0])
    x.send(b"through passed socket")
    check(ys.recv(100) == b"through passed socket", f"{t.name}: passed ksock socket works")
    check(ys.family == socket.AF_UNIX and ys.type == socket.SOCK_STREAM, f"{t.name}: passed socket's type")
    os.write(fds[1], b"through passed pipe")
    check(os.read(r, 100) == b"through passed pipe", f"{t.name}: passed pipe end works")
    check(os.read(fds[2], 100) == b"file contents", f"{t.name}: passed file works")
    check(os.fstat(fds[2]).st_ino == os.fstat(f.fileno()).st_ino, f"{t.name}: passed file is the same file")
    os.close(fds[1])
    check(os.read(r, 100) == b"", f"{t.name}: pipe EOF once every copy is closed")
    ys.close(); os.close(fds[2]); f.close(); os.close(r); x.close()

    # MSG_PEEK gives new descriptors each time; MSG_CMSG_CLOEXEC marks them.
    r, w = os.pipe()
    socket.send_fds(a, [b"peek"], [w])
    os.close(w)
    fdsize = array.array("i").itemsize
    m1, anc1, _, _ = b.recvmsg(100, socket.CMSG_SPACE(fdsize), socket.MSG_PEEK)
    m2, anc2, _, _ = b.recvmsg(100, socket.CMSG_SPACE(fdsize), socket.MSG_CMSG_CLOEXEC)
    p1 = array.array("i", anc1[0][2])[0]
    p2 = array.array("i", anc2[0][2])[0]
    check(m1 == m2 == b"peek" and p1 != p2, f"{t.name}: MSG_PEEK then receive: two descriptors")
    check(not fcntl.fcntl(p1, fcntl.F_GETFD) & fcntl.FD_CLOEXEC and
          fcntl.fcntl(p2, fcntl.F_GETFD) & fcntl.FD_CLOEXEC, f"{t.name}: MSG_CMSG_CLOEXEC honoured")
    os.write(p1, b"1"); os.write(p2, b"2")
    check(os.read(r, 10) == b"12", f"{t.name}: both are the pipe")
    os.close(p1); os.close(p2); os.close(r)
    a.close(); b.close()

# A descriptor in flight is closed when its message is dropped: the reader
# of a pipe whose write end was sent and never received sees EOF once the
# receiving socket is closed.
a, b = socket.socketpair()
r, w = os.pipe()
socket.send_fds(a, [b"never read"], [w])
os.close(w)
b.close()
a.close()
os.set_blocking(r, False)
check(os.read(r, 10) == b"", "pipe write end dropped in flight: EOF")
os.close(r)

# A socket sent over itself (a cycle the garbage collector frees).
a, b = socket.socketpair()
socket.send_fds(a, [b"self"], [b.fileno()])
a.close(); b.close()
check(True, "a socket sent over itself, then both closed")

# Bad descriptor: EBADF, as Linux.
a, b = socket.socketpair()
try:
    socket.send_fds(a, [b"bad"], [9999])
    check(False, "EBADF for a bad descriptor")
except OSError as e:
    check(e.errno == 9, "EBADF for a bad descriptor")

# SCM_CREDENTIALS with SO_PASSCRED.
b.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
a.send(b"cred")
msg, anc, _, _ = b.recvmsg(100, socket.CMSG_SPACE(12))
creds = [struct.unpack("3i", d) for lvl, typ, d in anc if typ == socket.SCM_CREDENTIALS]
check(msg == b"cred" and creds == [(os.getpid(), os.getuid(), os.getgid())], "SCM_CREDENTIALS attached")
a.close(); b.close()
print("done")
