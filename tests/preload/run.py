#!/usr/bin/env python3
"""Runs unmodified programs under ksock-run and checks what they print.

Usage: run.py BUILD_DIR [--sanitizer asan|tsan [--all]]
  (make check-preload runs it; make check-preload-asan, check-preload-tsan
  run it on the sanitizer builds of the library)

Each case is a program (Debian's python3, perl, socat, or a C program
built for plain Linux) that checks its own results and prints "ok: ..."
lines. It runs under ksock-run, where the exit report (--table=FILE) must
show that ksock served its sockets; most cases also run a second time with
--families none, where Linux serves everything and the report must show
that ksock served nothing, and the same checks must pass: so each check is
one Linux itself passes, and ksock passes it too. The udp and tcp cases
run with --families unix,inet: ksock serves their UDP and TCP sockets.
Every run has a 20 s limit. The last line is "preload: N passed, N failed".

With --sanitizer, BUILD_DIR holds a library built with AddressSanitizer +
UndefinedBehaviorSanitizer (asan) or ThreadSanitizer (tsan); the launcher
puts the sanitizer's runtime in the library list (docs/ksock-run.md,
"Sanitizer builds"). The ksock runs of the cases in SAN_CASES (--all:
every case) are made (not the Linux ones: they test Linux), and a run
also fails on any sanitizer report on its stderr. Leaks count when a frame of the allocation's stack
is in the library: leaks of the programs themselves (Python, bash, perl
keep some memory until exit) are theirs, not ksock's, and are only
counted in the detail. The last line is "preload-SAN: N passed, N failed".
"""
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"  # Debian's python3: the program under test
LIMIT = 20

# The classes of CPython's own test_socket that use AF_UNIX sockets
# (package libpython3.11-testsuite), plus the two tests of signals
# interrupting a blocking sendall on a socketpair.
CPYTHON_TESTS = [
    "test.test_socket." + c for c in (
        "BasicSocketPairTest", "SendmsgUnixStreamTest", "RecvmsgUnixStreamTest",
        "RecvmsgIntoUnixStreamTest", "RecvmsgSCMRightsStreamTest",
        "RecvmsgIntoSCMRightsStreamTest", "TestLinuxAbstractNamespace", "TestUnixDomain",
        "SendRecvFdsTests", "GeneralModuleTests.test_sendall_interrupted",
        "GeneralModuleTests.test_sendall_interrupted_with_timeout")
]


class Case:
    """families: what ksock serves in the ksock run. min_inet: AF_INET
    sockets ksock must have served (made and accepted); linux_inet: AF_INET
    sockets Linux must have served even so (none today: ksock has UDP and
    TCP); made_inet: see below; table: a pattern the report's table of
    sockets open at exit must match (both in the ksock run)."""
    def __init__(self, name, argv, linux=True, stdin=None, min_sockets=2, stdout=None,
                 stderr=(), needs=(), families="unix", min_inet=0, linux_inet=0, table=None,
                 made_inet=None):
        self.name, self.argv, self.linux, self.stdin = name, argv, linux, stdin
        self.min_sockets, self.stdout, self.stderr, self.needs = min_sockets, stdout, stderr, needs
        self.families, self.min_inet, self.linux_inet, self.table = \
            families, min_inet, linux_inet, table
        # AF_INET sockets the program makes with socket(): what Linux must
        # have served with --families none (its report does not count
        # accepted sockets, which ksock's min_inet does).
        self.made_inet = min_inet if made_inet is None else made_inet


def cases(build, tmp):
    script = lambda n: [PY, os.path.join(HERE, n)]
    return [
        Case("socketpair", script("t_socketpair.py"), min_sockets=50),
        Case("threads", script("t_threads.py"), min_sockets=40),
        Case("select", script("t_select.py"), min_sockets=20),
        Case("asyncio", script("t_asyncio.py"), min_sockets=40),
        Case("fds", script("t_fds.py"), min_sockets=10),
        Case("udp", script("t_udp.py"), families="unix,inet", min_sockets=25, min_inet=25,
             made_inet=24, table=r"i_dgr  BOUND +0 +0 +127\.0\.0\.1:[1-9]\d* +0\.0\.0\.0:0"),
        Case("tcp", script("t_tcp.py"), families="unix,inet", min_sockets=150, min_inet=150,
             made_inet=85, table=r"i_str  LISTEN +0 +0 +127\.0\.0\.1:[1-9]\d* +0\.0\.0\.0:0"),
        Case("perl-tcp", ["perl", os.path.join(HERE, "t_perl_tcp.pl")], families="unix,inet",
             min_sockets=3, min_inet=3, made_inet=2, needs=("perl",)),
        Case("fork", script("t_fork.py"), linux=False, min_sockets=2, stderr=(
            "fork() with 2 ksock socket descriptors open",
            "in the child (pid",
            "cannot be given to another process: dup2 onto fd 0 refused (EBADF)")),
        Case("exec", [PY, "-c", "import os, socket; a, b = socket.socketpair(); "
                      "os.set_inheritable(a.fileno(), True); os.execv('/bin/echo', ['echo', 'done'])"],
             linux=False, min_sockets=0, stderr=(
                 "execv with 1 ksock socket not marked close-on-exec",
                 "the new program cannot inherit them")),
        Case("calls", [os.path.join(build, "preload-tests", "t_calls")], min_sockets=10),
        Case("perl", ["perl", os.path.join(HERE, "t_perl.pl")], min_sockets=4, needs=("perl",)),
        Case("socat", ["socat", "-t", "0.5", "STDIO",
                       f"UNIX-RECV:{tmp}/socat.sock!!UNIX-SENDTO:{tmp}/socat.sock"],
             stdin=b"hello through socat\nand a second line\n",
             stdout="hello through socat\nand a second line\n", needs=("socat",)),
        Case("cpython-test_socket", [PY, "-m", "unittest", "-v"] + CPYTHON_TESTS,
             min_sockets=200, needs=("test.test_socket",)),
    ]


def missing(case):
    for n in case.needs:
        if n.startswith("test."):
            probe = subprocess.run([PY, "-c", f"import {n}"], capture_output=True)
            if probe.returncode:
                return f"{n} is not installed (Debian package libpython3.11-testsuite)"
        elif not shutil.which(n):
            return f"{n} is not installed (Debian package {n})"
    if not os.path.exists(PY) and case.argv[0] == PY:
        return f"{PY} is not installed (Debian package python3)"
    return None


def ok_lines(out, err=""):
    """The checks a run passed: "ok: ..." lines, and unittest's verbose
    "test (class) ... ok" lines."""
    return [l for l in out.splitlines() if l.startswith("ok:")] + \
        [l for l in err.splitlines() if re.search(r" \.\.\. (ok|skipped .*)$", l)]


# The sanitizers' settings: reports go to stderr, where run_one looks for
# them; LeakSanitizer does not set the exit status (run_one tells ksock's
# leaks from the programs' own).
SAN_ENV = {
    "asan": {"ASAN_OPTIONS": "detect_leaks=1",
             "LSAN_OPTIONS": "exitcode=0",
             "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"},
    "tsan": {"TSAN_OPTIONS": "halt_on_error=0:exitcode=66:second_deadlock_stack=1"},
}
# The cases each sanitizer runs (--all: every case), to keep the check
# short: ASan+UBSan those that move the most bytes and control data
# through the library (buffers, iovecs, SCM_RIGHTS, addresses); TSan those
# with threads, wake-ups, signals and fork. calls, udp and tcp (both) go
# through most interposers. Every case runs clean under both (--all).
SAN_CASES = {
    "asan": {"socketpair", "fds", "udp", "tcp", "calls", "perl", "socat", "cpython-test_socket"},
    "tsan": {"threads", "select", "asyncio", "fork", "exec", "calls", "udp", "tcp"},
}
SAN_REPORT = re.compile(r"^(==\d+==ERROR: AddressSanitizer|WARNING: ThreadSanitizer|"
                        r"ThreadSanitizer: |.*: runtime error: )", re.M)


def san_findings(err):
    """Sanitizer reports in err that are ksock-run's: (count, leaks of the
    program itself)."""
    found = len(SAN_REPORT.findall(err))
    foreign = 0
    for block in re.split(r"\n(?=(?:Direct|Indirect) leak of )", err)[1:]:
        block = block.split("\n\n")[0]
        if "libksock-run" in block:
            found += 1
        else:
            foreign += 1
    return found, foreign


def run_one(build, case, families, tmp, san=None):
    """One run; returns (ok, detail, the checks it passed)."""
    table = os.path.join(tmp, f"{case.name}-{families}.table")
    argv = [os.path.join(build, "ksock-run"), f"--table={table}", "--families", families, "--"]
    env = dict(os.environ, **SAN_ENV.get(san, {}))
    try:
        p = subprocess.run(argv + case.argv, input=case.stdin or b"", capture_output=True,
                           timeout=LIMIT, cwd=tmp, env=env)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {LIMIT} s", []
    out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    checks = ok_lines(out, err)
    tail = (out + err).strip().splitlines()[-6:]
    foreign = 0
    if san:
        found, foreign = san_findings(err)
        if found:
            first = SAN_REPORT.search(err) or re.search(r"(Direct|Indirect) leak of", err)
            excerpt = err[first.start():].strip().splitlines()[:12] if first else []
            return False, f"{found} {san} report(s): " + " | ".join(excerpt), checks
    if p.returncode:
        return False, f"exit status {p.returncode}: " + " | ".join(tail), checks
    if case.stdout is not None and out != case.stdout:
        return False, f"printed {out!r}, expected {case.stdout!r}", checks
    if case.stdout is not None:
        checks.append("ok: printed what was expected")
    if case.stdout is None and not case.argv[-1].startswith("test.") and \
            out.strip().splitlines()[-1:] != ["done"]:
        return False, "did not print 'done': " + " | ".join(tail), checks
    if case.argv[-1].startswith("test.") and not re.search(r"^OK\b", err, re.M):
        return False, "unittest did not say OK: " + " | ".join(tail), checks
    for want in case.stderr if families != "none" else ():
        if want not in err:
            return False, f"stderr lacks {want!r}", checks
        checks.append(f"ok: the note {want!r}")
    try:
        report = open(table).read()
    except OSError:
        return False, "no exit report (was the library loaded?)", checks
    m = re.search(r"\(([^)]*)\) at exit: ksock served (\d+) sockets", report)
    if not m:
        return False, "exit report without a count: " + report[:200], checks
    served = int(m.group(2))
    if families == "none" and served != 0:
        return False, f"--families none, yet ksock served {served} sockets", checks
    if families != "none" and served < case.min_sockets:
        return False, f"ksock served {served} sockets, expected at least {case.min_sockets}", checks
    m = re.search(r"ksock served \d+ sockets \((\d+) of them AF_INET;.*Linux served (\d+) "
                  r"sockets of other families or types \((\d+) of them AF_INET\)", report)
    if not m:
        return False, "exit report without AF_INET counts: " + report[:300], checks
    inet, linux_inet = int(m.group(1)), int(m.group(3))
    if families != "none":
        if inet < case.min_inet:
            return False, f"ksock served {inet} AF_INET sockets, expected at least {case.min_inet}", checks
        if linux_inet < case.linux_inet:
            return False, (f"Linux served {linux_inet} AF_INET sockets, expected at least "
                           f"{case.linux_inet}"), checks
        if case.table and not re.search(case.table, report):
            return False, f"the table at exit lacks {case.table!r}: " + report[:400], checks
    elif linux_inet < case.made_inet + case.linux_inet:
        return False, f"--families none, yet Linux served only {linux_inet} AF_INET sockets", checks
    detail = f"ksock served {served} sockets"
    if case.min_inet:
        detail += f" ({inet} AF_INET), Linux {linux_inet} AF_INET"
    if san:
        detail += f", no {san} report" + (f" ({foreign} leaks of the program's own)"
                                          if foreign else "")
    return True, f"{detail}, {len(checks)} checks", checks


def run_case(build, case, tmp, san=None):
    """All runs of a case: [(label, ok, detail)]."""
    why = missing(case)
    if why:
        return [(case.name, False, why)]
    d = tempfile.mkdtemp(dir=tmp)
    ok, detail, checks = run_one(build, case, case.families, d, san)
    results = [(f"{case.name} (ksock{', ' + san if san else ''})", ok, detail)]
    if case.linux and not san:
        lok, ldetail, lchecks = run_one(build, case, "none", d)
        measured = lambda lines: sorted(re.sub(r"\d+\.\d+", "#", l) for l in lines)
        if lok and ok and measured(checks) != measured(lchecks):
            lok, ldetail = False, "Linux and ksock passed different checks"
        results.append((f"{case.name} (linux)", lok, ldetail))
    return results


def launcher_checks(build):
    """The launcher itself: usage errors, unknown families, which AF_INET
    sockets --families inet gives ksock."""
    kr = os.path.join(build, "ksock-run")
    res = []
    p = subprocess.run([kr], capture_output=True, timeout=LIMIT)
    res.append(("launcher: no program", p.returncode == 2 and b"Usage" in p.stderr,
                f"exit {p.returncode}"))
    p = subprocess.run([kr, "--families", "unix,bogus", "--", "true"], capture_output=True,
                       timeout=LIMIT)
    res.append(("launcher: unknown family",
                p.returncode == 0 and b"unknown family 'bogus'" in p.stderr, f"exit {p.returncode}"))
    # --families inet: UDP and TCP (flags or not, protocol 0 or named) are
    # ksock's; a ping socket (ICMP datagrams) stays Linux's (or fails
    # there, as it does without the group's permission: either way not
    # ksock's).
    prog = ("import socket as s\n"
            "a = s.socket(s.AF_INET, s.SOCK_DGRAM | s.SOCK_CLOEXEC)\n"
            "b = s.socket(s.AF_INET, s.SOCK_STREAM | s.SOCK_NONBLOCK)\n"
            "c = s.socket(s.AF_INET, s.SOCK_DGRAM, s.IPPROTO_UDP); d = s.socket(s.AF_INET)\n"
            "e = s.socket(s.AF_INET, s.SOCK_STREAM, s.IPPROTO_TCP)\n"
            "try: f = s.socket(s.AF_INET, s.SOCK_DGRAM, s.IPPROTO_ICMP)\n"
            "except OSError: pass\n")
    p = subprocess.run([kr, "--table", "--families", "inet", "--", PY, "-c", prog],
                       capture_output=True, timeout=LIMIT)
    ok = p.returncode == 0 and re.search(
        rb"ksock served 5 sockets \(5 of them AF_INET;.*Linux served [01] sockets of other "
        rb"families or types \([01] of them AF_INET\)", p.stderr)
    res.append(("launcher: --families inet serves UDP and TCP, leaves ping sockets to Linux",
                bool(ok), f"exit {p.returncode}"))
    # --tap without --addr is a usage error (make check-preload-tap tests
    # --tap itself, in a network namespace: tests/preload/tap_run.sh).
    p = subprocess.run([kr, "--tap", "ksr-none0", "--", "true"], capture_output=True,
                       timeout=LIMIT)
    res.append(("launcher: --tap needs --addr", p.returncode == 2 and b"--addr" in p.stderr,
                f"exit {p.returncode}"))
    return res


def main():
    args = sys.argv[1:]
    san = None
    if "--sanitizer" in args:
        i = args.index("--sanitizer")
        san = args[i + 1]
        del args[i:i + 2]
        if san not in SAN_ENV:
            sys.exit(f"run.py: --sanitizer asan or tsan, not {san!r}")
    every = "--all" in args
    args = [a for a in args if a != "--all"]
    build = os.path.abspath(args[0] if args else "build")
    tmp = tempfile.mkdtemp(prefix="ksock-run-check-")
    results = [] if san else launcher_checks(build)
    todo = [c for c in cases(build, tmp) if not san or every or c.name in SAN_CASES[san]]
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        for r in pool.map(lambda c: run_case(build, c, tmp, san), todo):
            results += r
    passed = 0
    for label, ok, detail in results:
        print(f"{'ok  ' if ok else 'FAIL'} {label}: {detail}")
        passed += ok
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"preload{'-' + san if san else ''}: {passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
