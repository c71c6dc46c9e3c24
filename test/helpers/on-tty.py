# Run a command with its stderr on a pseudo-terminal (80 columns, or TTY_COLS) and its stdout on a pipe, as a user's
# terminal with `> file` would; print {"code", "stdout", "stderr", "afterSignal"} as JSON. With TTY_SIGINT_AFTER=S,
# Ctrl-C (SIGINT) is sent S seconds after the start (TTY_SIGINT_TIMES=2: a second one 0.2 s later), and
# `afterSignal` is the seconds from the first signal to the exit. Used by the progress-line tests.
import fcntl, json, os, pty, select, signal, struct, subprocess, sys, termios, time

master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, int(os.environ.get("TTY_COLS", "80")), 0, 0))
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, close_fds=True)
os.close(slave)
out, err = b"", b""
fds = [p.stdout.fileno(), master]
start = time.monotonic()
sigint_after = float(os.environ["TTY_SIGINT_AFTER"]) if os.environ.get("TTY_SIGINT_AFTER") else None
times = int(os.environ.get("TTY_SIGINT_TIMES", "1"))
sent = []
while fds:
    now = time.monotonic()
    if sigint_after is not None and len(sent) < times and p.poll() is None:
        due = start + sigint_after + 0.2 * len(sent)
        if now >= due:
            p.send_signal(signal.SIGINT)
            sent.append(now)
    ready, _, _ = select.select(fds, [], [], 0.05 if sigint_after is not None else 60)
    if not ready:
        if sigint_after is None:
            break
        if p.poll() is not None and time.monotonic() - (sent[0] if sent else start) > 5:
            break
        continue
    for fd in ready:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            fds.remove(fd)
        elif fd == master:
            err += chunk
        else:
            out += chunk
code = p.wait()
ended = time.monotonic()
print(json.dumps({"code": code, "stdout": out.decode("utf-8", "replace"), "stderr": err.decode("utf-8", "replace"), "afterSignal": (ended - sent[0]) if sent else None}))
