#!/usr/bin/env python3
"""tcp_linux.py - the Linux side of check-tcp-tap (tests/inet/tcp_smoke.sh),
run inside the test's network namespace against build/tcp-peer (ksock on
198.18.0.2; tests/inet/tcp/tcp_peer.c says what its ports do).

  tcp_linux.py servers         Linux's servers for ksock's clients, until
                               killed: 5001 echo, 5003 says "hi" and closes
                               first, 5004 closes once it read our FIN
  tcp_linux.py check N         stdin must be N bytes of the pattern
  tcp_linux.py flood N         N spoofed SYNs to ksock's port 80
  tcp_linux.py bulk IN OUT LOSSY  IN bytes Linux -> ksock, OUT bytes ksock
                               -> Linux, checked; LOSSY=1: Linux must have
                               retransmitted, with SACK
  tcp_linux.py client N        N bytes through ksock's echo server
  tcp_linux.py edge            tail loss, zero windows, FIN and RST paths,
                               TIME-WAIT reuse
  tcp_linux.py many N          N connections open at once, each way

Each check prints one line starting "ok" or "FAIL" (the shell counts them);
other lines are indented figures. Every socket has a timeout, so nothing
waits for ever.
"""
import asyncio, fcntl, os, re, resource, socket, struct, subprocess, sys, termios, time

KSOCK, LINUX = "198.18.0.2", "198.18.0.1"
CTL, MANY = 5, 8
PERIOD = 1 << 19  # the pattern repeats every 512 KiB (tcp_peer.c)
PAT = bytes(((i * 7 + (i >> 11)) & 0xFF) for i in range(2 * PERIOD))
MSS = 1448
CHUNK = 256 * 1024


def ok(what):
    print("ok   " + what, flush=True)
    return True


def bad(what):
    print("FAIL " + what, flush=True)
    return False


def note(what):
    print("       " + what, flush=True)


def pattern(off, n):
    return memoryview(PAT)[off % PERIOD:off % PERIOD + n]


def send_pattern(s, n, off=0):
    while off < n:
        k = min(n - off, CHUNK)
        s.sendall(pattern(off, k))
        off += k


def recv_pattern(s, n, stall_at=None, stall=0.0, during=None):
    """Reads to EOF; returns (bytes read, first bad offset or None)."""
    got, first_bad, buf = 0, None, bytearray(CHUNK)
    while True:
        if stall_at is not None and got >= stall_at:
            stall_at = None
            time.sleep(stall / 2)
            if during:
                during()
            time.sleep(stall / 2)
        r = s.recv_into(buf)
        if not r:
            return got, first_bad
        if first_bad is None and got + r <= n and buf[:r] != pattern(got, r):
            first_bad = got + next(i for i in range(r) if buf[i] != pattern(got + i, 1)[0])
        got += r


def ctl(cmd, timeout=60):
    s = socket.create_connection((KSOCK, CTL), timeout=timeout)
    s.sendall(cmd.encode() + b"\n")
    return s


def read_all(s, limit=1 << 20):
    out = b""
    while len(out) < limit:
        d = s.recv(65536)
        if not d:
            break
        out += d
    return out


def ask(cmd, timeout=60):
    s = ctl(cmd, timeout)
    try:
        return read_all(s).decode(errors="replace").strip()
    finally:
        s.close()


def report(answer, what=""):
    """ksock's answer lines, "ok ..." or "FAIL ...", as checks of ours."""
    for line in answer.splitlines() or ["(no answer)"]:
        if line.startswith("ok"):
            ok(line[3:] + what)
        else:
            bad(line.removeprefix("FAIL ") + what)


def outq(s):
    return struct.unpack("i", fcntl.ioctl(s.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]


def wait_acked(s, limit=30.0):
    end = time.monotonic() + limit
    while outq(s) and time.monotonic() < end:
        time.sleep(0.005)
    return outq(s) == 0


def ss(s):
    """Linux's view of socket s (ss -tin), as (text, dict of counters)."""
    port = s.getsockname()[1]
    out = subprocess.run(["ss", "-teinH", "state", "all", f"sport = :{port}"],
                         capture_output=True, text=True, timeout=10).stdout
    lines = [l.strip() for l in out.splitlines() if l.strip()]
    info = " ".join(lines[1:]) if len(lines) > 1 else ""
    c = {"sack": bool(re.search(r"(^|\s)sack(\s|$)", info)), "text": info,
         "recvq": int(lines[0].split()[1]) if lines and len(lines[0].split()) > 2 else 0}
    m = re.search(r"retrans:(\d+)/(\d+)", info)
    c["retrans"] = int(m.group(2)) if m else 0
    for k in ("lost", "sacked", "dsack_dups", "reord_seen", "rcv_ooopack", "reordering",
              "snd_wnd", "rcv_wnd", "backoff", "cwnd", "rcv_space"):
        m = re.search(rf"(?<![a-z_]){k}:(\d+)", info)
        c[k] = int(m.group(1)) if m else 0
    return c


def ss_line(c):
    keys = ("retrans", "lost", "sacked", "dsack_dups", "reord_seen", "reordering", "rcv_ooopack", "cwnd",
            "snd_wnd", "rcv_space")
    return ("sack" if c["sack"] else "NO SACK") + ", " + ", ".join(f"{k} {c[k]}" for k in keys)


def nstat(names):
    out = subprocess.run(["nstat", "-az"] + names, capture_output=True, text=True, timeout=10).stdout
    return {l.split()[0]: int(l.split()[1]) for l in out.splitlines()[1:] if len(l.split()) > 1}


def rate(n, t):
    return f"{n / t / 1e6:.1f} MB/s" if t > 0 else "-"


# ---- bulk ----

def to_ksock(n, lossy):
    """Linux sends n bytes to ksock's sink, which checks them."""
    mib = ["TcpExtTCPSackRecovery", "TcpExtTCPTimeouts", "TcpExtTCPLossProbes", "TcpExtTCPDSACKRecv",
           "TcpExtTCPSACKReorder"]
    before = nstat(mib)
    t0 = time.monotonic()
    s = ctl(f"sink {n} 0 0", timeout=120)
    send_pattern(s, n)
    acked = wait_acked(s)
    c = ss(s)
    after = nstat(mib)
    d = {k.removeprefix("TcpExtTCP"): after.get(k, 0) - before.get(k, 0) for k in mib}
    s.shutdown(socket.SHUT_WR)
    answer = read_all(s).decode(errors="replace").strip()
    t = time.monotonic() - t0
    s.close()
    good = answer.startswith("ok") and acked
    (ok if good else bad)(f"Linux -> ksock {n / 2**20:g} MiB in {t:.2f} s, {rate(n, t)}: ksock: {answer}")
    note(f"ss (Linux sending): {ss_line(c)}")
    note("nstat (Linux, during it): " + ", ".join(f"{k} {v}" for k, v in d.items()))
    if not c["sack"]:
        bad("Linux's connection to ksock does not use SACK")
    if lossy:
        if c["retrans"] > 0 and c["sack"] and d["SackRecovery"] > 0:
            ok(f"Linux retransmitted {c['retrans']} segments, SACK negotiated and used "
               f"({d['SackRecovery']} SACK recoveries, {d['Timeouts']} timeouts)")
        else:
            bad(f"Linux's view after a lossy transfer: {c['text']}")
    return t


def from_ksock(n, tail=0):
    """ksock sends n bytes (losing the last tail segments once); Linux checks."""
    t0 = time.monotonic()
    s = ctl(f"source {n} {tail}", timeout=120)
    got, first_bad = recv_pattern(s, n)
    t = time.monotonic() - t0
    c = ss(s)
    s.close()
    good = got == n and first_bad is None
    (ok if good else bad)(f"ksock -> Linux {n / 2**20:g} MiB in {t:.2f} s, {rate(n, t)}: "
                          f"{got} bytes and EOF" + (f", byte {first_bad} differs" if first_bad is not None else ", checked"))
    note(f"ss (Linux receiving): {ss_line(c)}")
    return t


def bulk(n_in, n_out, lossy):
    to_ksock(n_in, lossy)
    from_ksock(n_out)


# ---- edge cases (ksock's fault wrapper present, no random faults) ----

def tail_loss():
    n = 4 << 20
    t = from_ksock(n, tail=3)
    note(f"(ksock's last 3 segments were lost once: recovered in {t:.2f} s)")
    before = nstat(["TcpExtTCPLossProbes", "TcpExtTCPLossProbeRecovery"])
    t0 = time.monotonic()
    s = ctl(f"sink {n} 0 0", timeout=60)
    send_pattern(s, n - 3 * MSS)
    if not wait_acked(s):
        return bad("tail loss: Linux's data was not acknowledged")
    answer = ask(f"rxtail {s.getsockname()[1]} 3")
    if not answer.startswith("ok"):
        return bad("tail loss: " + answer)
    send_pattern(s, n, n - 3 * MSS)
    wait_acked(s)
    c = ss(s)
    s.shutdown(socket.SHUT_WR)
    answer = read_all(s).decode(errors="replace").strip()
    t = time.monotonic() - t0
    s.close()
    after = nstat(["TcpExtTCPLossProbes", "TcpExtTCPLossProbeRecovery"])
    probes = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    (ok if answer.startswith("ok") and c["retrans"] > 0 else bad)(
        f"Linux's last 3 segments lost once: ksock: {answer}; in {t:.2f} s; Linux retransmitted "
        f"{c['retrans']}, tail loss probes {probes.get('TcpExtTCPLossProbes', 0)}")


def zero_windows():
    """A reader that pauses 2 s after 1 MiB, Linux's then ksock's: the
    window must close (Linux's MIB counts the zero window it advertised,
    or the window probes it sent) and the transfer finish, checked."""
    mib = ["TcpExtTCPToZeroWindowAdv", "TcpExtTCPFromZeroWindowAdv", "TcpExtTCPWinProbe"]
    n = 16 << 20  # more than Linux's receive buffer (tcp_rmem[2] 6 MiB) can hold
    before = nstat(mib)
    t0 = time.monotonic()
    s = ctl(f"source {n} 0", timeout=60)
    got, first_bad = recv_pattern(s, n, stall_at=1 << 20, stall=2.0)
    t = time.monotonic() - t0
    s.close()
    d = {k: v - before.get(k, 0) for k, v in nstat(mib).items()}
    closed = d.get("TcpExtTCPToZeroWindowAdv", 0) > 0 and d.get("TcpExtTCPFromZeroWindowAdv", 0) > 0
    (ok if got == n and first_bad is None and t >= 2 and closed else bad)(
        f"Linux's reader paused 2 s after 1 MiB of {n >> 20} MiB from ksock: {got} bytes checked in {t:.2f} s; "
        f"Linux advertised a zero window {d.get('TcpExtTCPToZeroWindowAdv', 0)} times and reopened it "
        f"{d.get('TcpExtTCPFromZeroWindowAdv', 0)} times")
    n = 32 << 20  # more than ksock's receive buffer (6 MiB) and Linux's send buffer
    before = nstat(mib)
    t0 = time.monotonic()
    s = ctl(f"sink {n} {1 << 20} 2000", timeout=60)
    send_pattern(s, n)
    s.shutdown(socket.SHUT_WR)
    answer = read_all(s).decode(errors="replace").strip()
    t = time.monotonic() - t0
    s.close()
    d = {k: v - before.get(k, 0) for k, v in nstat(mib).items()}
    probes = d.get("TcpExtTCPWinProbe", 0)
    (ok if answer.startswith("ok") and t >= 2 and probes > 0 else bad)(
        f"ksock's reader paused 2 s after 1 MiB of {n >> 20} MiB from Linux: ksock: {answer}; {t:.2f} s; "
        f"Linux probed ksock's zero window {probes} times")


def expect_reset(s, what):
    try:
        s.settimeout(5)
        d = read_all(s)
        return bad(f"{what}: Linux read {len(d)} bytes and EOF, not a reset")
    except ConnectionResetError:
        return ok(f"{what}: Linux's read got ECONNRESET")
    except OSError as e:
        return bad(f"{what}: {e}")
    finally:
        s.close()


def ksock_result(what):
    for _ in range(30):
        answer = ask("results")
        if answer:
            return report(answer, f" ({what})")
        time.sleep(0.1)
    bad(f"{what}: ksock reported nothing")


def fin_rst():
    # ksock closes first: Linux reads the data, then EOF; our FIN is then
    # acknowledged (nothing left in LAST-ACK).
    s = ctl("source 1000 0", timeout=10)
    got, first_bad = recv_pattern(s, 1000)
    port = s.getsockname()[1]
    s.close()
    time.sleep(0.3)
    left = subprocess.run(["ss", "-tanH", f"sport = :{port}"], capture_output=True, text=True).stdout.split()
    (ok if got == 1000 and first_bad is None and not left else bad)(
        f"ksock closed first: Linux read 1000 bytes, EOF; Linux's own close then ended cleanly ({left or 'no socket left'})")
    # Linux closes first: ksock reads the FIN, answers, closes; Linux keeps TIME-WAIT.
    s = ctl("sink 1000 0 0", timeout=10)
    send_pattern(s, 1000)
    s.shutdown(socket.SHUT_WR)
    answer = read_all(s).decode(errors="replace").strip()
    port = s.getsockname()[1]
    s.close()
    state = subprocess.run(["ss", "-tanH", f"sport = :{port}"], capture_output=True, text=True).stdout.split()
    (ok if answer.startswith("ok") and state[:1] == ["TIME-WAIT"] else bad)(
        f"Linux closed first: ksock: {answer}; Linux's socket: {state[:1]}")
    # ksock closes with our data unread: a RST.
    s = ctl("unread", timeout=10)
    s.sendall(b"x" * 1000)
    expect_reset(s, "ksock closed with 1000 bytes unread")
    # ksock closes with SO_LINGER 0: a RST.
    expect_reset(ctl("linger0", timeout=10), "ksock closed with SO_LINGER 0")
    # Linux closes with ksock's data unread: ksock's read gets ECONNRESET.
    s = ctl("expect-rst 1000", timeout=10)
    time.sleep(0.3)
    s.close()
    ksock_result("Linux closed with 1000 bytes unread")
    # Linux closes with SO_LINGER 0.
    s = ctl("expect-rst 0", timeout=10)
    time.sleep(0.2)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    ksock_result("Linux closed with SO_LINGER 0")
    # A closed port, each way.
    try:
        socket.create_connection((KSOCK, 6), timeout=5).close()
        bad("Linux's connect to ksock's closed port 6 succeeded")
    except ConnectionRefusedError:
        ok("Linux's connect to ksock's closed port 6: ECONNREFUSED")
    except OSError as e:
        bad(f"Linux's connect to ksock's closed port 6: {e}")
    report(ask("refused 6"))


def bound(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(10)
    s.bind((LINUX, port))
    return s


def time_wait():
    # Linux closes first and so keeps TIME-WAIT; with tcp_tw_reuse=1 its
    # connect from the same port takes the TIME-WAIT over.
    s = bound(40001)
    s.connect((KSOCK, CTL))
    s.sendall(b"sink 0 0 0\n")
    s.shutdown(socket.SHUT_WR)
    first = read_all(s).decode().strip()
    s.close()
    state = subprocess.run(["ss", "-tanH", "sport = :40001"], capture_output=True, text=True).stdout.split()
    t0, answer, err = time.monotonic(), "", None
    while time.monotonic() - t0 < 5:
        try:
            s = bound(40001)
            s.connect((KSOCK, CTL))
            s.sendall(b"sink 0 0 0\n")
            s.shutdown(socket.SHUT_WR)
            answer = read_all(s).decode().strip()
            s.close()
            break
        except OSError as e:  # EADDRNOTAVAIL until tcp_tw_reuse_delay passed
            err = e
            s.close()
            time.sleep(0.05)
    (ok if first.startswith("ok") and state[:1] == ["TIME-WAIT"] and answer.startswith("ok") else bad)(
        f"Linux in TIME-WAIT (port 40001) connected again from it after {time.monotonic() - t0:.2f} s "
        f"(tcp_tw_reuse 1): ksock: {answer or err}")
    # ksock closes first and keeps TIME-WAIT; Linux connects again at once
    # from the same port: ksock must take the SYN (RFC 6191: newer timestamp).
    s = bound(40002)
    s.connect((KSOCK, CTL))
    s.sendall(b"source 100 0\n")
    got, _ = recv_pattern(s, 100)
    s.close()
    for _ in range(50):  # Linux's LAST-ACK ends with ksock's ACK
        if not subprocess.run(["ss", "-tanH", "sport = :40002"], capture_output=True, text=True).stdout.strip():
            break
        time.sleep(0.02)
    t0 = time.monotonic()
    try:
        s = bound(40002)
        s.connect((KSOCK, CTL))
        s.sendall(b"sink 10 0 0\n" + bytes(pattern(0, 10)))
        s.shutdown(socket.SHUT_WR)
        answer = read_all(s).decode().strip()
        s.close()
    except OSError as e:
        answer = str(e)
    (ok if got == 100 and answer.startswith("ok") else bad)(
        f"ksock in TIME-WAIT took Linux's new SYN from the same port (40002) in {time.monotonic() - t0:.3f} s: {answer}")
    # ksock's side: to Linux in TIME-WAIT, and from its own.
    report(ask("tw 40003 5003", timeout=30))


def edge():
    tail_loss()
    zero_windows()
    fin_rst()
    time_wait()


# ---- many connections ----

def many(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 4 * n), max(hard, 4 * n)))
    socks, t0 = [], time.monotonic()
    try:
        for i in range(n):
            socks.append(socket.create_connection((KSOCK, MANY), timeout=10))
        t1 = time.monotonic()
        est = subprocess.run(["ss", "-tanH", "state", "established", "dport = :8"],
                             capture_output=True, text=True).stdout.count("\n")
        for i, s in enumerate(socks):
            s.sendall(b"conn %10d\n" % i)
        good = 0
        for i, s in enumerate(socks):
            d = b""
            while len(d) < 16:
                r = s.recv(16 - len(d))
                if not r:
                    break
                d += r
            good += d == b"conn %10d\n" % i
        (ok if good == n and est >= n else bad)(
            f"Linux opened {len(socks)} connections to ksock in {t1 - t0:.2f} s ({est} established at once), "
            f"{good} echoed their line ({time.monotonic() - t0:.2f} s)")
    except OSError as e:
        bad(f"Linux's connection {len(socks) + 1} of {n} to ksock: {e}")
    finally:
        for s in socks:
            s.close()
    report(ask(f"many 5001 {n}", timeout=120))


# ---- Linux's servers ----

async def echo(r, w):
    try:
        while d := await r.read(65536):
            w.write(d)
            await w.drain()
    finally:
        w.close()


async def hello_close(r, w):
    w.write(b"hi\n")
    await w.drain()
    w.close()


async def wait_eof(r, w):
    while await r.read(65536):
        pass
    w.close()


async def servers():
    resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))
    for port, fn in ((5001, echo), (5003, hello_close), (5004, wait_eof)):
        await asyncio.start_server(fn, LINUX, port, backlog=1024, reuse_address=True)
    print("ready", flush=True)
    await asyncio.Event().wait()


def syn_flood(n):
    """n SYNs to 198.18.0.2:80 from 50 addresses nobody answers for
    (198.18.0.100-149): a listener's SYN queue fills with connections that
    never complete."""
    import random

    def csum(b):
        if len(b) % 2:
            b += b"\0"
        s = sum(struct.unpack(f"!{len(b) // 2}H", b))
        while s >> 16:
            s = (s & 0xFFFF) + (s >> 16)
        return ~s & 0xFFFF
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    dst = socket.inet_aton(KSOCK)
    for i in range(n):
        src = socket.inet_aton(f"198.18.0.{100 + i % 50}")
        tcp = struct.pack("!HHIIBBHHH", 20000 + i, 80, random.getrandbits(32), 0, 5 << 4, 0x02, 65535, 0, 0)
        c = csum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
        tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i & 0xFFFF, 0, 64, 6, 0, src, dst)
        raw.sendto(ip + tcp, (KSOCK, 0))
    ok(f"{n} SYNs sent from 50 addresses that never answer")


def echo_client(n):
    s = socket.create_connection((KSOCK, 7), timeout=30)
    t0 = time.monotonic()
    import threading
    res = {}
    t = threading.Thread(target=lambda: res.update(zip(("got", "bad"), recv_pattern(s, n))))
    t.start()
    send_pattern(s, n)
    s.shutdown(socket.SHUT_WR)
    t.join(120)
    s.close()
    good = res.get("got") == n and res.get("bad") is None
    (ok if good else bad)(f"echo of {n} bytes through ksock: {res.get('got')} came back, checked "
                          f"({time.monotonic() - t0:.2f} s)")


def main():
    what = sys.argv[1]
    if what == "servers":
        asyncio.run(servers())
    elif what == "check":
        d = sys.stdin.buffer.read()
        n = int(sys.argv[2])
        want = (PAT[:PERIOD] * (n // PERIOD + 1))[:n]
        (ok if d == want else bad)(f"{n} bytes over HTTP from ksock: {len(d)} received, checked")
    elif what == "flood":
        syn_flood(int(sys.argv[2]))
    elif what == "bulk":
        bulk(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1")
    elif what == "client":
        echo_client(int(sys.argv[2]))
    elif what == "edge":
        edge()
    elif what == "many":
        many(int(sys.argv[2]))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # a timeout or a reset where none was expected
        bad(f"{sys.argv[1:]}: {type(e).__name__}: {e}")
        sys.exit(1)
