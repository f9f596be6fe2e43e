# What cannot work across processes fails loudly: after fork() the child's
# inherited ksock sockets give EBADF (the library says so on stderr), its
# new sockets work (Linux's), and the parent's keep working; a program
# exec'ed by a child runs under ksock afresh; giving a ksock socket to a
# child process as its stdin is refused. Prints "ok: ..."; failures raise.
import os, socket, subprocess, sys

def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what, flush=True)

a, b = socket.socketpair()
pid = os.fork()
if pid == 0:
    code = 0
    try:
        a.send(b"from child")
        code |= 1
    except OSError as e:
        code |= 0 if e.errno == 9 else 2
    try:
        x, y = socket.socketpair()
        x.send(b"new"); code |= 0 if y.recv(10) == b"new" else 4
    except OSError:
        code |= 8
    a.close()  # closing an inherited one works
    os._exit(code)
_, status = os.waitpid(pid, 0)
check(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0,
      f"fork child: inherited socket EBADF, new socket works, close works (status {status})")
a.send(b"parent still")
check(b.recv(100) == b"parent still", "parent's sockets work after the fork")

out = subprocess.run([sys.executable, "-c",
                      "import socket; x, y = socket.socketpair(); x.send(b'exec ok'); print(y.recv(10).decode())"],
                     capture_output=True, text=True, timeout=15)
check(out.stdout.strip() == "exec ok", "an exec'ed child has ksock sockets of its own")

try:
    subprocess.run(["cat"], stdin=b, timeout=15)
    check(False, "a ksock socket as a child's stdin")
except OSError as e:
    check(e.errno == 9, "a ksock socket as a child's stdin: refused with EBADF")
a.close(); b.close()
print("done")
