"""A page of the book rendered by headless Chromium (Debian's chromium): its DOM after
rendering, or a screenshot. The flags are the ones this machine's closed network needs: no
background connections, no updates, a profile of its own each time."""
import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


def chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _run(page, *extra):
    exe = chromium()
    if exe is None:
        raise FileNotFoundError("chromium is not installed (tools/mpspec setup installs it)")
    with tempfile.TemporaryDirectory(prefix="mpspec-chromium-") as profile:
        return subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", *extra,
                               Path(page).resolve().as_uri()],
                              capture_output=True, text=True, timeout=120, check=False)


def dom(page):
    """The page's DOM as Chromium serializes it after rendering."""
    return _run(page, "--dump-dom").stdout


def screenshot(page, png, width=1400, height=1000):
    """Writes a PNG of the page's first `height` pixels; returns its path."""
    _run(page, f"--window-size={width},{height}", f"--screenshot={Path(png).resolve()}")
    if not Path(png).is_file():
        raise RuntimeError(f"chromium wrote no screenshot of {page}")
    return Path(png)


def is_blank(png):
    """True if a screenshot's pixels hold fewer than 16 distinct byte values (a page that
    rendered nothing is one colour)."""
    data, pos, idat = Path(png).read_bytes(), 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return len(set(zlib.decompress(idat))) < 16
