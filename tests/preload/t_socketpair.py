# socketpair of each AF_UNIX type: data, boundaries, peek, shutdown, close,
# os.read/os.write, makefile, fstat, dup/dup2, non-blocking mode, options,
# ioctl, scatter/gather. Prints "ok: ..." lines; any failure raises.
import errno, fcntl, os, socket, stat, struct, termios

def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)

for name in ("SOCK_STREAM", "SOCK_DGRAM", "SOCK_SEQPACKET"):
    t = getattr(socket, name)
    a, b = socket.socketpair(socket.AF_UNIX, t)
    check(a.type == t and a.family == socket.AF_UNIX, f"{name} pair made")
    check(a.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE) == t, f"{name} SO_TYPE")
    check(a.getsockopt(socket.SOL_SOCKET, socket.SO_DOMAIN) == socket.AF_UNIX, f"{name} SO_DOMAIN")
    a.send(b"one"); a.send(b"two")
    if t == socket.SOCK_STREAM:
        got = b""
        while len(got) < 6:
            got += b.recv(100)
        check(got == b"onetwo", f"{name} bytes in order")
    else:
        check(b.recv(100) == b"one" and b.recv(100) == b"two", f"{name} message boundaries")
        a.send(b"0123456789")
        data, _, flags, _ = b.recvmsg(4)
        check(data == b"0123" and flags & socket.MSG_TRUNC, f"{name} MSG_TRUNC")
    a.send(b"peek")
    check(b.recv(10, socket.MSG_PEEK) == b"peek" and b.recv(10) == b"peek", f"{name} MSG_PEEK")
    st = os.fstat(a.fileno())
    check(stat.S_ISSOCK(st.st_mode), f"{name} fstat says socket")
    os.write(b.fileno(), b"raw")
    check(os.read(a.fileno(), 10) == b"raw", f"{name} os.read/os.write")
    b.sendmsg([b"sc", b"at", b"ter"])
    buf1, buf2 = bytearray(3), bytearray(10)
    n = a.recvmsg_into([buf1, buf2])[0]
    check(n == 7 and bytes(buf1) + bytes(buf2[:4]) == b"scatter", f"{name} sendmsg/recvmsg_into iovecs")
    b.send(b"12345")
    avail = struct.unpack("i", fcntl.ioctl(a.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]
    check(avail == 5, f"{name} FIONREAD {avail}")
    a.recv(10)
    a.setblocking(False)
    try:
        a.recv(10)
        check(False, f"{name} non-blocking recv")
    except BlockingIOError:
        check(True, f"{name} non-blocking recv gives EAGAIN")
    check(fcntl.fcntl(a.fileno(), fcntl.F_GETFL) & os.O_NONBLOCK, f"{name} F_GETFL O_NONBLOCK")
    a.setblocking(True)
    check(fcntl.fcntl(a.fileno(), fcntl.F_GETFD) & fcntl.FD_CLOEXEC, f"{name} close-on-exec by default")
    d = os.dup(a.fileno())
    check(d not in (a.fileno(), b.fileno()), f"{name} dup gives a new number")
    os.write(d, b"via-dup")
    check(b.recv(100) == b"via-dup", f"{name} dup shares the socket")
    d2 = os.dup2(d, 200)
    check(d2 == 200, f"{name} dup2 onto 200")
    os.close(d)
    os.write(200, b"via-200")
    check(b.recv(100) == b"via-200", f"{name} dup2 target works after closing the source")
    os.close(200)
    if t != socket.SOCK_DGRAM:
        a.shutdown(socket.SHUT_WR)
        check(b.recv(10) == b"", f"{name} shutdown gives EOF")
    a.close()
    if t == socket.SOCK_DGRAM:
        try:
            b.send(b"x")
            check(False, f"{name} send to closed peer")
        except ConnectionRefusedError:
            check(True, f"{name} send to closed peer: ECONNREFUSED")
    else:
        check(b.recv(10) == b"", f"{name} close gives EOF")
        try:
            b.send(b"x")
            check(False, f"{name} send after peer closed")
        except BrokenPipeError:
            check(True, f"{name} send after peer closed: EPIPE")
    b.close()

a, b = socket.socketpair()
f = b.makefile("rb")
a.sendall(b"line one\nline two\n")
check(f.readline() == b"line one\n" and f.readline() == b"line two\n", "makefile readline")
f.close()
c = socket.fromfd(a.fileno(), socket.AF_UNIX, socket.SOCK_STREAM)
c.send(b"fromfd")
check(b.recv(10) == b"fromfd", "socket.fromfd duplicate works")
c.close(); a.close(); b.close()
try:
    os.fstat(a.fileno() if a.fileno() >= 0 else 9999)
except OSError as e:
    check(e.errno == errno.EBADF, "closed descriptor: EBADF")
# Many sockets: numbers are the kernel's lowest free ones and never collide
# with real files.
socks = [socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) for _ in range(50)]
r, w = os.pipe()
nums = {s.fileno() for s in socks}
check(len(nums) == 50 and r not in nums and w not in nums, "50 sockets and a pipe: distinct numbers")
for s in socks:
    s.close()
os.write(w, b"pipe ok")
check(os.read(r, 20) == b"pipe ok", "real pipe unaffected")
print("done")
