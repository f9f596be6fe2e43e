# A regression check for a ksock TCP stall, now fixed (not run by make check-preload;
# t_tcp.py covers it):
#   build/ksock-run --families unix,inet -- python3 tests/preload/tcp_nodelay_echo.py [N]
# One thread, non-blocking sockets on 127.0.0.1: the client sends N bytes
# (default 300000) with as few send() calls as it can, the accepted socket,
# with TCP_NODELAY, echoes what it reads, the client reads the echo; it
# prints "ok: N bytes echoed", or STALL with what each side did. It once
# stalled on ksock with N above about 131200: the receive window's edge,
# rounded to the scale unit, moved back, the peer's segments then all fell
# past it, ACKs included, and nothing recovered (fixed in tcp_subr.c).
import select, socket, sys
N = int(sys.argv[1]) if len(sys.argv) > 1 else 300000
nodelay = "--no-nodelay" not in sys.argv
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen()
c = socket.create_connection(ls.getsockname()); s, _ = ls.accept()
if nodelay:
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
c.setblocking(False); s.setblocking(False)
out = b"x" * N; sent = srv_read = srv_sent = got = 0; pend = b""
log = []
while got < N:
    w = ([c] if sent < N else []) + ([s] if pend else [])
    rr, ww, _ = select.select([c, s], w, [], 2)
    if not rr and not ww:
        print(f"STALL: client sent {sent}; server read {srv_read}, sent back {srv_sent}; "
              f"client read {got}; nothing readable for 2 s")
        print("  calls:", " ".join(log[-30:]))
        for name, x in (("client", c), ("server", s)):
            try: print(f"  {name} recv anyway: {len(x.recv(1 << 20))} bytes")
            except BlockingIOError: print(f"  {name} recv anyway: EAGAIN")
        import os; os.dup(c.fileno()); os.dup(s.fileno())  # in the exit report's table
        sys.exit(1)
    if c in ww:
        try: n = c.send(out[sent:]); sent += n; log.append(f"c.send={n}")
        except BlockingIOError: log.append("c.send=EAGAIN")
    if s in ww:
        try: n = s.send(pend); pend = pend[n:]; srv_sent += n; log.append(f"s.send={n}")
        except BlockingIOError: log.append("s.send=EAGAIN")
    if s in rr:
        try: d = s.recv(65536); pend += d; srv_read += len(d); log.append(f"s.recv={len(d)}")
        except BlockingIOError: log.append("s.recv=EAGAIN")
    if c in rr:
        try: n = len(c.recv(65536)); got += n; log.append(f"c.recv={n}")
        except BlockingIOError: log.append("c.recv=EAGAIN")
print(f"ok: {got} bytes echoed")
