"""Shared by the tests: a real pactlogd on 127.0.0.1 in a fresh temporary
directory, and builders for the US-Japan deal's events."""

from __future__ import annotations

import datetime as dt
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import uuid
from typing import Callable, List

import pactlog

SDK_DIR = pathlib.Path(__file__).resolve().parent.parent
REPO_DIR = SDK_DIR.parent.parent
PACTLOGD = os.environ.get("PACTLOGD") or str(REPO_DIR / "build/release/services/pactlogd")

START_TIMEOUT = 30.0  # seconds for the server to come up (replay included)
UTC = dt.timezone.utc


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition"):
    """Polls `condition` until true; AssertionError after `timeout` s."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


class Server:
    """A pactlogd process. stop() + start() restarts it on the same data
    directory and port, as an operator would."""

    def __init__(self):
        if not os.access(PACTLOGD, os.X_OK):
            raise FileNotFoundError(
                f"no pactlogd binary at {PACTLOGD}: build it "
                "(cmake --build build/release --target pactlogd) or set PACTLOGD")
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="pactlog-py-"))
        self.data_dir = self.dir / "data"
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.process = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = open(self.dir / f"pactlogd.{self.starts}.log", "wb")
        self.process = subprocess.Popen(
            [PACTLOGD, "--listen", self.address, "--data-dir", str(self.data_dir)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"pactlogd exited with {self.process.returncode}:\n"
                                   f"{self.log()}")
            # A fresh channel per probe: a channel that failed to connect
            # while the server was starting backs off for seconds.
            with pactlog.Client(self.address, timeout=1.0) as probe:
                try:
                    if probe.is_serving():
                        return
                except pactlog.PactlogError:
                    pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"pactlogd not serving after {START_TIMEOUT} s:\n"
                                   f"{self.log()}")
            time.sleep(0.02)

    def begin_stop(self) -> None:
        """Sends SIGTERM without waiting for the exit."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        """SIGTERM, then waits for the exit."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.begin_stop()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise RuntimeError(f"pactlogd ignored SIGTERM for 30 s:\n{self.log()}")
        self.process = None

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")
                         for p in sorted(self.dir.glob("pactlogd.*.log")))[-4000:]

    def cleanup(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class ServerTestCase(unittest.TestCase):
    """One server per test class; each test uses fresh deal ids."""

    server: Server
    client: pactlog.Client

    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        try:
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise
        cls.client = pactlog.Client(cls.server.address, timeout=10.0, actor="python-sdk-tests")

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.server.cleanup()

    def new_deal_id(self) -> str:
        return f"deal-{uuid.uuid4().hex[:12]}"


# --- the US-Japan deal, as the seed articles report it ------------------------

FACT_SHEET = "https://www.whitehouse.gov/fact-sheets/2025/09/us-japan-investment"
EO = "Executive Order 14345"


def t(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, tzinfo=UTC)


def us_japan_announcement(**kwargs) -> pactlog.EventData:
    return pactlog.deal_announcement(
        "US-Japan Strategic Investment Framework", "JP", "US", pactlog.usd(550_000_000_000),
        {"all-goods": pactlog.bps(15)}, source=FACT_SHEET,
        firmness=pactlog.Firmness.OFFICIALLY_ANNOUNCED, effective_time=t(2025, 7, 22), **kwargs)


def reactor_project(**kwargs) -> pactlog.EventData:
    return pactlog.project_announcement(
        "westinghouse-ap1000", "AP1000 reactors", pactlog.Sector.ENERGY, "PA",
        pactlog.usd(100_000_000_000), ["Westinghouse"], source=FACT_SHEET,
        effective_time=t(2025, 10, 28), **kwargs)


def data_center_project(**kwargs) -> pactlog.EventData:
    return pactlog.project_announcement(
        "softbank-datacenters", "AI data centers", "ai-infrastructure", "OH",
        pactlog.usd(25_000_000_000), ["SoftBank"], source=FACT_SHEET,
        effective_time=t(2026, 2, 18), **kwargs)


def tariff_events() -> List[pactlog.EventData]:
    return [
        pactlog.tariff_change("all-goods", pactlog.bps(25), "Trade Act threat", "threatened",
                              source="press", effective_time=t(2025, 4, 2)),
        pactlog.tariff_change("all-goods", pactlog.bps(15), EO, "framework implemented",
                              source=FACT_SHEET, firmness="confirmed",
                              effective_time=t(2025, 9, 16)),
    ]


def collect(iterator, count: int, timeout: float = 30.0) -> list:
    """Takes `count` items from `iterator` on a helper thread, so a broken
    stream fails the test instead of hanging it."""
    out: list = []
    errors: list = []

    def run():
        try:
            for item in iterator:
                out.append(item)
                if len(out) == count:
                    return
        except BaseException as e:  # reported to the test below
            errors.append(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    if errors:
        raise errors[0]
    if thread.is_alive():
        raise AssertionError(f"got {len(out)} of {count} items within {timeout} s")
    return out


class DroppingProxy:
    """A TCP proxy to a server that can lose the server's answers: while
    `dropping` is set it discards every byte from the server, as a network
    that fails after the request went through. heal() stops dropping and
    cuts the open connections (their HTTP/2 state is broken by then), so the
    client reconnects."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.dropping = threading.Event()
        self.dropped_bytes = 0
        self._lock = threading.Lock()
        self._sockets: List[socket.socket] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.address = f"127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            server = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_server: bool):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if from_server and self.dropping.is_set():
                    self.dropped_bytes += len(data)
                    continue
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def heal(self):
        self.dropping.clear()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self):
        self._listener.close()
        self.heal()
