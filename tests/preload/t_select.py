# select, poll, epoll and selectors over ksock sockets mixed with real
# descriptors (pipes): readiness, wake-ups from other threads without
# spinning, timeouts, edge-triggered and one-shot epoll, closing a watched
# socket, signals interrupting a wait. Prints "ok: ..."; failures raise.
import os, select, selectors, signal, socket, threading, time

def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)

def later(delay, fn):
    t = threading.Timer(delay, fn)
    t.start()
    return t

a, b = socket.socketpair()
r, w = os.pipe()

# select: a ksock socket and a pipe, each woken by a thread.
for name, wake, want in (("socket", lambda: a.send(b"x"), b), ("pipe", lambda: os.write(w, b"x"), r)):
    later(0.2, wake)
    t0, c0 = time.monotonic(), time.process_time()
    rd, _, _ = select.select([b, r], [], [], 5)
    dt, cpu = time.monotonic() - t0, time.process_time() - c0
    check(rd == [want] and 0.15 <= dt < 2, f"select woken by the {name} after {dt:.2f} s")
    check(cpu < 0.1, f"select slept without spinning (cpu {cpu:.3f} s)")
    b.recv(10) if want is b else os.read(r, 10)
t0 = time.monotonic()
check(select.select([b, r], [], [], 0.2) == ([], [], []) and time.monotonic() - t0 >= 0.19,
      "select timeout with nothing ready")
check(select.select([], [a, w], [], 0)[1] == [a, w], "select: both writable")

# poll
p = select.poll()
p.register(b, select.POLLIN)
p.register(r, select.POLLIN)
later(0.2, lambda: a.send(b"y"))
t0, c0 = time.monotonic(), time.process_time()
ev = p.poll(5000)
check(ev == [(b.fileno(), select.POLLIN)] and time.process_time() - c0 < 0.1,
      "poll woken by the socket without spinning")
b.recv(10)
a.shutdown(socket.SHUT_WR)
check((b.fileno(), select.POLLIN | select.POLLRDHUP) in p.poll(0) or
      (b.fileno(), select.POLLIN) in p.poll(0), "poll sees EOF as readable")
a.close(); b.close()
a, b = socket.socketpair()

# epoll: level-triggered, edge-triggered, one-shot; mixed with a pipe.
ep = select.epoll()
ep.register(b.fileno(), select.EPOLLIN)
ep.register(r, select.EPOLLIN)
later(0.2, lambda: os.write(w, b"z"))
t0, c0 = time.monotonic(), time.process_time()
check(ep.poll(5) == [(r, select.EPOLLIN)] and time.process_time() - c0 < 0.1,
      "epoll woken by the pipe (socket also watched)")
os.read(r, 10)
later(0.2, lambda: a.send(b"q"))
t0, c0 = time.monotonic(), time.process_time()
check(ep.poll(5) == [(b.fileno(), select.EPOLLIN)] and time.process_time() - c0 < 0.1,
      "epoll woken by the socket without spinning")
check(ep.poll(0) == [(b.fileno(), select.EPOLLIN)], "level-triggered: still ready")
b.recv(10)
check(ep.poll(0.2) == [], "epoll timeout once read")
ep.modify(b.fileno(), select.EPOLLIN | select.EPOLLET)
a.send(b"1")
check(ep.poll(1) == [(b.fileno(), select.EPOLLIN)] and ep.poll(0) == [], "edge-triggered: one event")
a.send(b"2")
check(ep.poll(1) == [(b.fileno(), select.EPOLLIN)], "edge-triggered: a new edge for new data")
b.recv(10)
ep.modify(b.fileno(), select.EPOLLIN | select.EPOLLONESHOT)
a.send(b"3")
check(ep.poll(1) == [(b.fileno(), select.EPOLLIN)] and ep.poll(0.1) == [], "one-shot: one event")
ep.modify(b.fileno(), select.EPOLLIN)
check(ep.poll(1) == [(b.fileno(), select.EPOLLIN)], "one-shot re-armed by modify")
b.recv(10)
c, d = socket.socketpair()
ep.register(d.fileno(), select.EPOLLIN | select.EPOLLOUT)
check((d.fileno(), select.EPOLLOUT) in ep.poll(0), "second socket writable")
ep.unregister(d.fileno())
c.send(b"after unregister")
check(ep.poll(0.1) == [], "unregistered socket reports nothing")
ep.register(d.fileno(), select.EPOLLIN)
dfd = d.fileno()
d.close()
check(all(fd != dfd for fd, _ in ep.poll(0.1)), "closed socket leaves the set")
later(0.2, lambda: a.send(b"from thread"))
check(ep.poll(5) == [(b.fileno(), select.EPOLLIN)], "epoll wait in main, send from a thread")
check(b.recv(100) == b"from thread", "and the data is there")
ep.close()

# epoll_ctl from another thread while a thread sleeps in epoll_wait: Linux
# wakes the sleeper when an item that is already ready is added, or
# re-armed with EPOLL_CTL_MOD, without any new event on the socket.
for what in ("added", "re-armed by modify"):
    ep = select.epoll()
    e, f = socket.socketpair()
    g, h = socket.socketpair()
    ep.register(h.fileno(), select.EPOLLIN)  # a ksock member, never ready
    e.send(b"ready before")  # f is readable
    if what != "added":
        ep.register(f.fileno(), select.EPOLLIN | select.EPOLLONESHOT)
        check(ep.poll(1) == [(f.fileno(), select.EPOLLIN)] and ep.poll(0) == [],
              "one-shot: reported once, then disabled")
        op = lambda: ep.modify(f.fileno(), select.EPOLLIN | select.EPOLLONESHOT)
    else:
        op = lambda: ep.register(f.fileno(), select.EPOLLIN)
    later(0.2, op)
    t0 = time.monotonic()
    got = ep.poll(3)
    dt = time.monotonic() - t0
    check(got == [(f.fileno(), select.EPOLLIN)] and dt < 2,
          f"epoll_wait woken when another thread's epoll_ctl {what} a ready socket")
    ep.close()
    for x in (e, f, g, h):
        x.close()

# selectors (epoll) with many sockets.
sel = selectors.DefaultSelector()
pairs = [socket.socketpair() for _ in range(20)]
for i, (x, y) in enumerate(pairs):
    sel.register(y, selectors.EVENT_READ, i)
def sender():
    for x, _ in reversed(pairs):
        time.sleep(0.01)
        x.send(b"m")
threading.Thread(target=sender).start()
seen = set()
t0 = time.monotonic()
while len(seen) < 20 and time.monotonic() - t0 < 5:
    for key, _ in sel.select(1):
        key.fileobj.recv(10)
        seen.add(key.data)
check(seen == set(range(20)), f"selectors: all 20 sockets reported ({type(sel).__name__})")
sel.close()

# A signal interrupts a wait that involves ksock sockets.
def alarm(signum, frame):
    raise TimeoutError("alarm")
signal.signal(signal.SIGALRM, alarm)
for what, fn in (("select", lambda: select.select([b], [], [], 5)),
                 ("poll", lambda: p.poll(5000)),
                 ("recv", lambda: b.recv(10)),
                 ("accept", lambda: srv.accept())):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind("\0ksock-run-select-%d" % os.getpid())
    srv.listen(1)
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    t0 = time.monotonic()
    try:
        fn()
        check(False, f"{what} interrupted")
    except TimeoutError:
        check(time.monotonic() - t0 < 2, f"{what} interrupted by SIGALRM")
    srv.close()
print("done")
