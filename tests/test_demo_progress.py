"""The demos' progress display (tqdm): a bar redrawn in place on a terminal, short whole lines in a log.

The oracle is the output itself: a log must read line by line (no carriage returns, no line
longer than a line of the demo's own text), and a terminal must get tqdm's bar.
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The longest line two_moons prints itself is its timing summary, about 160 characters. The
# counter tqdm replaced rewrote one line with "\r" and left 600 to 1,500 characters on it in a log.
MAX_LOG_LINE = 200


def test_two_moons_logged_to_a_file_reads_line_by_line(tmp_path):
    log = tmp_path / "log"
    with open(log, "w") as out:  # as `python -m demos two_moons > log 2>&1`
        subprocess.run([sys.executable, "-m", "demos", "two_moons"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                       env={**os.environ, "DEMO_OUT": str(tmp_path)}, check=True)
    text = log.read_bytes().decode("utf-8")  # not read_text: it would turn each "\r" into a line break
    assert "\r" not in text
    lines = text.split("\n")
    longest = max(lines, key=len)
    assert len(longest) <= MAX_LOG_LINE, f"a {len(longest)}-character line: {longest[:120]}..."
    # The progress still shows in the log: its last state is a line of its own.
    assert any("100/100" in line for line in lines), text


def test_on_a_terminal_the_progress_is_a_bar_redrawn_in_place():
    leader, follower = pty.openpty()  # a pseudo-terminal: what stderr is in an interactive shell
    # A new pseudo-terminal is 0 columns wide, and tqdm fits its bar to the width: give it a real one.
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    script = "from demos.common import with_progress\nfor _ in with_progress(range(50), 'two moons'): pass\n"
    child = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert child.wait() == 0
    shown = b"".join(chunks).decode("utf-8")
    assert "\r" in shown  # redrawn in place
    assert "two moons: 100%|" in shown and "50/50" in shown, shown
