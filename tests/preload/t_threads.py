# AF_UNIX servers and clients in threads of one process: stream and
# seqpacket over pathname and abstract names, datagrams with addresses,
# SO_PEERCRED, timeouts, errors. Prints "ok: ..." lines; failures raise.
import os, socket, sys, tempfile, threading, time

print_lock = threading.Lock()

def check(cond, what):
    if not cond:
        raise AssertionError(what)
    with print_lock:
        print("ok:", what, flush=True)

tmp = tempfile.mkdtemp(prefix="ksock-run-")

def echo_server(srv, n, results):
    for _ in range(n):
        c, _ = srv.accept()
        with c:
            cred = c.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
            results.append(cred)
            while True:
                data = c.recv(65536)
                if not data:
                    break
                c.sendall(data)

def run(kind, addr, nclients=8, size=200000):
    srv = socket.socket(socket.AF_UNIX, kind)
    srv.bind(addr)
    srv.listen(16)
    name = srv.getsockname()
    results = []
    t = threading.Thread(target=echo_server, args=(srv, nclients, results))
    t.start()
    errors = []
    def client(i):
        try:
            c = socket.socket(socket.AF_UNIX, kind)
            c.connect(name)
            check(c.getpeername() == name, f"{kind.name} client {i} peer name")
            if kind == socket.SOCK_STREAM:
                payload = bytes([i]) * size
                c.sendall(payload)
                c.shutdown(socket.SHUT_WR)
                got = bytearray()
                while True:
                    d = c.recv(65536)
                    if not d:
                        break
                    got += d
                assert bytes(got) == payload, "stream echo mismatch"
            else:
                for j in range(20):
                    m = bytes([i, j]) * (j + 1)
                    c.send(m)
                    assert c.recv(1000) == m, "seqpacket echo mismatch"
                c.shutdown(socket.SHUT_WR)
                assert c.recv(10) == b""
            c.close()
        except Exception as e:
            errors.append(e)
    ts = [threading.Thread(target=client, args=(i,)) for i in range(nclients)]
    for x in ts:
        x.start()
    for x in ts:
        x.join(15)
    t.join(15)
    check(not errors, f"{kind.name} {nclients} clients echoed ({errors[:1]})")
    me = (os.getpid(), os.getuid(), os.getgid())
    creds = [tuple(int.from_bytes(r[i:i + 4], sys.byteorder) for i in (0, 4, 8)) for r in results]
    check(creds == [me] * nclients, f"{kind.name} SO_PEERCRED is this process's pid, uid, gid")
    srv.close()

run(socket.SOCK_STREAM, os.path.join(tmp, "stream.sock"))
run(socket.SOCK_SEQPACKET, os.path.join(tmp, "seq.sock"))
run(socket.SOCK_STREAM, "\0ksock-run-test-%d" % os.getpid())
check(os.path.exists(os.path.join(tmp, "stream.sock")), "pathname bind made a socket file")

# Datagrams with addresses.
d1 = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
d2 = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
d1.bind(os.path.join(tmp, "d1"))
d2.bind(os.path.join(tmp, "d2"))
d2.sendto(b"hello d1", os.path.join(tmp, "d1"))
data, frm = d1.recvfrom(100)
check(data == b"hello d1" and frm == os.path.join(tmp, "d2"), "dgram sendto/recvfrom with source address")
d3 = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
d3.bind("")  # autobind: an abstract name
check(d3.getsockname().startswith(b"\0") and len(d3.getsockname()) == 6, "autobind abstract name")
d3.sendto(b"auto", os.path.join(tmp, "d1"))
data, frm = d1.recvfrom(100)
check(data == b"auto" and frm == d3.getsockname(), "autobound sender address")

# Blocking receive woken by another thread; timeouts.
def later():
    time.sleep(0.2)
    d2.sendto(b"late", os.path.join(tmp, "d1"))
threading.Thread(target=later).start()
t0 = time.monotonic()
check(d1.recv(100) == b"late" and time.monotonic() - t0 >= 0.15, "blocking recv woken by a thread")
d1.settimeout(0.2)
t0 = time.monotonic()
try:
    d1.recv(100)
    check(False, "recv timeout")
except socket.timeout:
    check(0.15 <= time.monotonic() - t0 < 2, "recv timeout after 0.2 s")
d1.settimeout(None)
d1.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, (0).to_bytes(8, "little") + (200000).to_bytes(8, "little"))
t0 = time.monotonic()
try:
    d1.recv(100)
    check(False, "SO_RCVTIMEO")
except BlockingIOError:
    check(0.15 <= time.monotonic() - t0 < 2, "SO_RCVTIMEO: EAGAIN after 0.2 s")

# Errors as Linux gives them.
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    c.connect(os.path.join(tmp, "nonexistent"))
    check(False, "connect to a missing path")
except FileNotFoundError:
    check(True, "connect to a missing path: ENOENT")
try:
    c.connect(os.path.join(tmp, "d1"))
    check(False, "stream connect to a datagram socket")
except OSError as e:
    check(e.errno == 91, "stream connect to a datagram socket: EPROTOTYPE")
x = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    x.bind(os.path.join(tmp, "d1"))
    check(False, "bind to a used path")
except OSError as e:
    check(e.errno == 98, "bind to a used path: EADDRINUSE")
for s in (c, x, d1, d2, d3):
    s.close()
print("done")
