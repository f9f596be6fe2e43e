# AF_INET UDP on 127.0.0.1 (run with --families unix,inet, and with
# --families none): an echo server thread and client threads with
# sendto/recvfrom, connect + send/recv, MSG_PEEK, select and poll woken
# by a thread, asyncio's DatagramProtocol, ECONNREFUSED on a connected
# socket after a datagram to a closed port; and a TCP connection in the
# same program (ksock's too with inet; t_tcp.py tests TCP). Prints "ok: ..." lines;
# failures raise. Leaves one bound UDP socket open at exit (a duplicate
# no Python object owns) for the exit report's table.
import asyncio, os, select, socket, threading, time

LO = "127.0.0.1"

def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)

def udp():
    return socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

def echo_server(sock, stop):
    while True:
        data, addr = sock.recvfrom(65535)
        if data == b"stop" and addr == stop:
            return
        sock.sendto(data.upper(), addr)

def client(port, i, results):
    with udp() as c:
        c.settimeout(5)
        ok = True
        for j in range(50):
            msg = f"client {i} datagram {j}".encode()
            c.sendto(msg, (LO, port))
            data, addr = c.recvfrom(100)
            ok &= data == msg.upper() and addr == (LO, port)
        results[i] = ok and c.getsockname()[1] != 0

def main():
    # The echo server: bound to port 0, a port chosen.
    srv = udp()
    srv.bind((LO, 0))
    port = srv.getsockname()[1]
    check(srv.getsockname()[0] == LO and port != 0, "bind to port 0: getsockname gives a nonzero port")
    ctl = udp()
    ctl.bind((LO, 0))
    t = threading.Thread(target=echo_server, args=(srv, ctl.getsockname()))
    t.start()

    results = [None] * 8
    threads = [threading.Thread(target=client, args=(port, i, results)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    check(all(results), "8 client threads, 50 sendto/recvfrom echoes each, source address checked")

    # connect + send/recv, getpeername, boundaries.
    with udp() as c:
        c.settimeout(5)
        c.connect((LO, port))
        check(c.getpeername() == (LO, port), "connect: getpeername is the server")
        check(c.getsockname()[0] == LO and c.getsockname()[1] != 0,
              "connect binds: source 127.0.0.1, a nonzero port")
        c.send(b"one")
        c.send(b"two two")
        check(c.recv(100) == b"ONE" and c.recv(100) == b"TWO TWO",
              "connected send/recv keeps message boundaries")
        c.send(b"x" * 9000)
        check(c.recv(65535) == b"X" * 9000, "a 9000-byte datagram echoed whole")
        c.send(b"")
        check(c.recv(10) == b"", "an empty datagram echoed")

    # MSG_PEEK and MSG_TRUNC on a socket of our own.
    a, b = udp(), udp()
    a.bind((LO, 0))
    b.bind((LO, 0))
    b.sendto(b"peek me", a.getsockname())
    b.sendto(b"second", a.getsockname())
    a.settimeout(5)
    p1, addr1 = a.recvfrom(100, socket.MSG_PEEK)
    p2 = a.recv(100, socket.MSG_PEEK)
    check(p1 == p2 == b"peek me" and addr1 == b.getsockname(), "MSG_PEEK leaves the datagram queued")
    check(a.recv(4) == b"peek", "a short read takes the first bytes")
    check(a.recv(100) == b"second", "the rest of a truncated datagram is gone")
    b.sendto(b"0123456789", a.getsockname())
    nbytes, _, msg_flags, _ = a.recvmsg_into([bytearray(4)], 0, socket.MSG_TRUNC)
    check(nbytes == 10 and msg_flags & socket.MSG_TRUNC, "recvmsg with MSG_TRUNC gives the real length")

    # select and poll, woken by a datagram from another thread.
    a.setblocking(False)
    try:
        a.recv(10)
        check(False, "empty socket is EAGAIN")
    except BlockingIOError:
        check(True, "non-blocking recv on an empty socket: EAGAIN")
    r, w, _ = select.select([a], [a], [], 0)
    check(r == [] and w == [a], "select: empty socket writable, not readable")
    timer = threading.Timer(0.1, lambda: b.sendto(b"wake", a.getsockname()))
    t0 = time.monotonic()
    timer.start()
    r, _, _ = select.select([a], [], [], 5)
    check(r == [a] and time.monotonic() - t0 < 4, "select woken by a datagram sent by a thread")
    check(a.recv(10) == b"wake", "the datagram that woke select")
    pl = select.poll()
    pl.register(a, select.POLLIN)
    check(pl.poll(0) == [], "poll: nothing to read")
    timer = threading.Timer(0.1, lambda: b.sendto(b"poll", a.getsockname()))
    timer.start()
    ev = pl.poll(5000)
    check(ev == [(a.fileno(), select.POLLIN)], "poll woken by a datagram sent by a thread")
    check(a.recv(10) == b"poll", "the datagram that woke poll")
    a.close()
    b.close()

    # A datagram to a closed port: ICMP port unreachable, ECONNREFUSED.
    gone = udp()
    gone.bind((LO, 0))
    closed = gone.getsockname()
    gone.close()
    with udp() as c:
        c.settimeout(5)
        c.connect(closed)
        c.send(b"anyone?")
        try:
            c.recv(10)
            check(False, "recv after a datagram to a closed port should fail")
        except ConnectionRefusedError:
            check(True, "connected socket, datagram to a closed port: ConnectionRefusedError")
        c.send(b"again")
        try:
            c.recv(10)
            check(False, "second recv should fail too")
        except ConnectionRefusedError:
            check(True, "a second datagram: ConnectionRefusedError again")

    # asyncio's DatagramProtocol: a server and a client endpoint.
    asyncio.run(datagram_protocol())

    # TCP in the same program: ksock's beside its UDP (Linux's with none).
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lst.bind((LO, 0))
    lst.listen()
    tcp_port = lst.getsockname()[1]
    check(tcp_port != 0, "TCP listener bound to a nonzero port")
    def tcp_echo():
        conn, _ = lst.accept()
        with conn:
            while data := conn.recv(65536):
                conn.sendall(data)
    tt = threading.Thread(target=tcp_echo)
    tt.start()
    with socket.create_connection((LO, tcp_port), timeout=5) as c:
        c.sendall(b"tcp " * 10000)
        c.shutdown(socket.SHUT_WR)
        got = b""
        while data := c.recv(65536):
            got += data
    tt.join()
    lst.close()
    check(got == b"tcp " * 10000, "TCP on 127.0.0.1: 40000 bytes echoed")

    ctl.sendto(b"stop", (LO, port))
    t.join()
    check(True, "the echo server stopped")

    # One bound UDP socket open at exit, for the report's table.
    keep = udp()
    keep.bind((LO, 0))
    os.dup(keep.fileno())
    srv.close()
    ctl.close()
    print("done")

class Echo(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.transport.sendto(data[::-1], addr)

class Client(asyncio.DatagramProtocol):
    def __init__(self, n):
        self.got, self.n = [], n
        self.done = asyncio.get_running_loop().create_future()

    def datagram_received(self, data, addr):
        self.got.append(data)
        if len(self.got) == self.n:
            self.done.set_result(None)

    def error_received(self, exc):
        self.done.set_exception(exc)

async def datagram_protocol():
    loop = asyncio.get_running_loop()
    check(type(loop._selector).__name__ == "EpollSelector", "the loop uses epoll")
    st, _ = await loop.create_datagram_endpoint(Echo, local_addr=(LO, 0))
    addr = st.get_extra_info("sockname")
    check(addr[1] != 0, "asyncio datagram server on a nonzero port")
    clients = []
    for i in range(5):
        ct, cp = await loop.create_datagram_endpoint(lambda: Client(20), remote_addr=addr)
        clients.append((ct, cp))
    for i, (ct, _) in enumerate(clients):
        for j in range(20):
            ct.sendto(f"c{i}d{j}".encode())
    await asyncio.wait_for(asyncio.gather(*(cp.done for _, cp in clients)), 10)
    check(all(sorted(cp.got) == sorted(f"c{i}d{j}".encode()[::-1] for j in range(20))
              for i, (_, cp) in enumerate(clients)),
          "5 asyncio clients, 20 datagrams each, echoed reversed")
    for ct, _ in clients:
        ct.close()
    st.close()

main()
