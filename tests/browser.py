"""A headless Chromium driven over the DevTools protocol, for tests that need a real browser.

Debian's ``chromium`` is started with ``--remote-debugging-pipe``: commands go in on file
descriptor 3 and answers come out on 4, as NUL-terminated JSON, so no websocket library and
no port are needed. ``Page`` records what the page logged, threw and fetched.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("SMARTARM_CHROMIUM", "/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
)


class BrowserError(RuntimeError):
    """Chromium is missing, died, or did not answer in time."""


@dataclass
class Page:
    """One tab: what it logged at each level, the exceptions it threw, the URLs it fetched."""

    console: list[tuple[str, str]] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    log_entries: list[tuple[str, str]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and browser-logged errors."""
        return (
            [
                f"console.{level}: {text}"
                for level, text in self.console
                if level in ("error", "warning", "assert")
            ]
            + [f"exception: {text}" for text in self.exceptions]
            + [f"log {level}: {text}" for level, text in self.log_entries if level == "error"]
        )


class Browser:
    """A running headless Chromium; use ``open_browser``."""

    def __init__(self, process: subprocess.Popen[bytes], to_browser: int, from_browser: int):
        self.process = process
        self._out = to_browser
        self._in = from_browser
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float = 20.0,
    ) -> dict[str, Any]:
        """Send a command and wait for its answer; raise ``BrowserError`` on an error answer."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        while True:
            for answer in self._read(timeout):
                if answer.get("id") == self._next_id:
                    if "error" in answer:
                        raise BrowserError(f"{method} failed: {answer['error']}")
                    return dict(answer.get("result", {}))
                self._events.append(answer)

    def _read(self, timeout: float) -> Iterator[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._in], [], [], max(left, 0))
            if not ready:
                raise BrowserError(f"chromium did not answer within {timeout:g} s")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise BrowserError(f"chromium exited (code {self.process.poll()})")
            self._buffer += chunk
        while b"\0" in self._buffer:
            raw, self._buffer = self._buffer.split(b"\0", 1)
            yield json.loads(raw)

    def drain(self, seconds: float) -> None:
        """Collect events for ``seconds``."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                self._events.extend(self._read(left))
            except BrowserError as exc:
                if "did not answer" in str(exc):
                    return
                raise

    def load(
        self, url: str, *, settle: float = 0.5, width: int = 1100, height: int = 900
    ) -> tuple[Page, str]:
        """Open ``url`` in a new tab and wait for its load event; return the page and session."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.send(f"{domain}.enable", session=session)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        self._events.clear()
        self.send("Page.navigate", {"url": url}, session=session)
        deadline = time.monotonic() + 20
        while not any(e.get("method") == "Page.loadEventFired" for e in self._events):
            if time.monotonic() > deadline:
                raise BrowserError(f"{url} did not finish loading")
            self.drain(0.1)
        self.drain(settle)
        return self.page(session), session

    def page(self, session: str) -> Page:
        """What the tab of ``session`` has logged so far."""
        page = Page()
        for event in self._events:
            if event.get("sessionId") != session:
                continue
            params = event.get("params", {})
            method = event.get("method")
            if method == "Runtime.consoleAPICalled":
                text = " ".join(
                    str(a.get("value", a.get("description", ""))) for a in params["args"]
                )
                page.console.append((params["type"], text))
            elif method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                page.exceptions.append(
                    details.get("exception", {}).get("description") or details.get("text", "")
                )
            elif method == "Log.entryAdded":
                page.log_entries.append((params["entry"]["level"], params["entry"]["text"]))
            elif method == "Network.requestWillBeSent":
                page.requests.append(params["request"]["url"])
        return page

    def evaluate(self, session: str, expression: str) -> Any:
        """The JSON value of ``expression`` in the page; raise if it threw."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=session,
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(
        self, session: str, path: Path, clip: tuple[float, float, float, float] | None = None
    ) -> Path:
        """Save a PNG of the whole page, or of ``clip`` = (x, y, width, height) in CSS pixels."""
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": True}
        if clip is not None:
            x, y, width, height = clip
            params["clip"] = {"x": x, "y": y, "width": width, "height": height, "scale": 1}
        data = self.send("Page.captureScreenshot", params, session=session)["data"]
        path.write_bytes(base64.b64decode(data))
        return path


def _above_ten(fd: int) -> int:
    import fcntl

    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved


@contextmanager
def open_browser() -> Iterator[Browser]:
    """Start headless Chromium with a fresh profile; stop it afterwards.

    Raises:
        BrowserError: no Chromium at ``$SMARTARM_CHROMIUM`` (default /usr/bin/chromium).
    """
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        raise BrowserError(
            f"expected Chromium at {CHROMIUM} (install it with `make chromium`, or set "
            "SMARTARM_CHROMIUM), found nothing"
        )
    profile = tempfile.mkdtemp(prefix="smartarm-chromium-")
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()
    # the child's ends move to descriptors of at least 10, so that the shell's redirections
    # to 3 and 4 below cannot overwrite them
    to_browser_r, from_browser_w = (_above_ten(fd) for fd in (to_browser_r, from_browser_w))
    # bash (dash cannot redirect descriptors above 9) moves our pipe ends to the descriptors
    # 3 and 4 that Chromium reads and writes
    command = (
        'exec "$0" "$@" '
        f"3<&{to_browser_r} 4>&{from_browser_w} {to_browser_r}<&- {from_browser_w}>&-"
    )
    process = subprocess.Popen(
        ["/bin/bash", "-c", command, CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        pass_fds=(to_browser_r, from_browser_w),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(to_browser_r)
    os.close(from_browser_w)
    browser = Browser(process, to_browser_w, from_browser_r)
    try:
        yield browser
    finally:
        try:
            browser.send("Browser.close", timeout=5)
        except (BrowserError, OSError):
            pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        os.close(to_browser_w)
        os.close(from_browser_r)
        shutil.rmtree(profile, ignore_errors=True)
