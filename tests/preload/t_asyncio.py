# asyncio (its epoll selector loop) with an AF_UNIX stream server and its
# clients in one process, the loop's own self-pipe socketpair, low-level
# sock_* calls, a real pipe in the same loop, timeouts and a signal
# handler. Prints "ok: ..." lines; failures raise.
import asyncio, os, signal, socket, tempfile

def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)

async def handle(reader, writer):
    while line := await reader.readline():
        writer.write(line.upper())
        await writer.drain()
    writer.close()
    await writer.wait_closed()

async def client(path, i):
    reader, writer = await asyncio.open_unix_connection(path)
    lines = [f"client {i} line {j}\n".encode() for j in range(50)]
    for line in lines:
        writer.write(line)
    await writer.drain()
    got = [await reader.readline() for _ in lines]
    writer.write_eof()
    rest = await reader.read()
    writer.close()
    await writer.wait_closed()
    return got == [l.upper() for l in lines] and rest == b""

async def main():
    loop = asyncio.get_running_loop()
    check(type(loop._selector).__name__ == "EpollSelector", "the loop uses epoll")
    path = os.path.join(tempfile.mkdtemp(prefix="ksock-run-"), "server.sock")
    server = await asyncio.start_unix_server(handle, path)
    results = await asyncio.gather(*(client(path, i) for i in range(20)))
    check(all(results), "20 concurrent clients, 50 lines each, echoed upper-cased")
    server.close()
    await server.wait_closed()

    a, b = socket.socketpair()
    a.setblocking(False); b.setblocking(False)
    async def slow_send():
        await asyncio.sleep(0.1)
        await loop.sock_sendall(a, b"x" * 300000)
        a.close()
    task = asyncio.create_task(slow_send())
    total = 0
    while data := await loop.sock_recv(b, 65536):
        total += len(data)
    await task
    check(total == 300000, "sock_sendall/sock_recv moved 300000 bytes")
    b.close()

    r, w = os.pipe()
    got = loop.create_future()
    loop.add_reader(r, lambda: got.set_result(os.read(r, 100)))
    loop.call_later(0.1, os.write, w, b"pipe data")
    check(await asyncio.wait_for(got, 5) == b"pipe data", "a real pipe in the same loop")
    loop.remove_reader(r)

    c, d = socket.socketpair()
    c.setblocking(False); d.setblocking(False)
    try:
        await asyncio.wait_for(loop.sock_recv(d, 10), 0.2)
        check(False, "wait_for timeout")
    except asyncio.TimeoutError:
        check(True, "wait_for timeout on a silent socket")

    hit = loop.create_future()
    loop.add_signal_handler(signal.SIGUSR1, lambda: hit.set_result("SIGUSR1"))
    loop.call_later(0.1, os.kill, os.getpid(), signal.SIGUSR1)
    check(await asyncio.wait_for(hit, 5) == "SIGUSR1", "add_signal_handler through the self-pipe")
    loop.remove_signal_handler(signal.SIGUSR1)
    c.close(); d.close()

asyncio.run(main())
print("done")
