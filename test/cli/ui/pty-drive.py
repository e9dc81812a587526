#!/usr/bin/env python3
"""Runs a command in a pseudo-terminal of a given size, as a person at a terminal would.

usage: pty-drive.py COLS ROWS TIMEOUT_S TRANSCRIPT INTERRUPT_REGEX -- CMD...

Everything the command writes to the terminal is saved, byte for byte, in TRANSCRIPT. When
INTERRUPT_REGEX (if not empty) first matches the output with escape sequences removed, Ctrl-C
is typed: the terminal sends SIGINT to the command's foreground process group, exactly as for
a person pressing the keys. Prints one line of JSON: exit code or signal, and whether Ctrl-C
was typed.
"""
import fcntl, json, os, pty, re, select, signal, struct, sys, termios, time

cols, rows, timeout, transcript, pattern = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
cmd = sys.argv[sys.argv.index("--") + 1:]
ansi = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]")

pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.execvp(cmd[0], cmd)

data = b""
interrupted_at = None
deadline = time.time() + timeout
timed_out = False
while True:
    if time.time() > deadline:
        timed_out = True
        os.killpg(pid, signal.SIGKILL)
        break
    r, _, _ = select.select([fd], [], [], 0.1)
    if fd in r:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        data += chunk
        if pattern and interrupted_at is None and re.search(pattern.encode(), ansi.sub(b"", data)):
            os.write(fd, b"\x03")
            interrupted_at = len(data)
_, status = os.waitpid(pid, 0)
with open(transcript, "wb") as f:
    f.write(data)
print(json.dumps({
    "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
    "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
    "interruptedAt": interrupted_at,
    "timedOut": timed_out,
}))
