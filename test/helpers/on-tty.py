# Run a command with its stderr on a pseudo-terminal (80 columns) and its stdout on a pipe, as a user's terminal
# with `> file` would; print {"code", "stdout", "stderr"} as JSON. Used by the progress-line tests.
import fcntl, json, os, pty, select, struct, subprocess, sys, termios

master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, close_fds=True)
os.close(slave)
out, err = b"", b""
fds = [p.stdout.fileno(), master]
while fds:
    ready, _, _ = select.select(fds, [], [], 60)
    if not ready:
        break
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
print(json.dumps({"code": code, "stdout": out.decode("utf-8", "replace"), "stderr": err.decode("utf-8", "replace")}))
