"""casework under gunicorn for the benchmark: started on a free port with the benchmark's probe
(``benchmarks.wsgi``), its workers' peak memory read from /proc, stopped with its process group."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .client import Client

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """casework under gunicorn, as in production (``-w 2``, sync workers), with the probe."""

    def __init__(self, database_url: str, capture_dir: str, workers: int = 2):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="casework-bench-gunicorn-", suffix=".log", delete=False)
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": database_url,
            "SECRET_KEY": "casework-bench-" + os.urandom(8).hex(),
            "CASEWORK_BENCH_CAPTURE_DIR": capture_dir,
            "MAIL_SERVER": "",
            "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        })
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "--timeout", "120", "benchmarks.wsgi:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.workers = workers
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 90.0) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped (exit {self.process.returncode}):\n{self.output()}")
            try:
                answer = Client("127.0.0.1", self.port).request("GET", "/healthz")
                if answer.status == 200 and len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.process.pid:
                pids.append(int(entry.name))
        return pids

    def peak_rss_mb(self) -> list[float]:
        """Each worker's peak resident set size (VmHWM), in MB."""
        found = []
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        found.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        os.unlink(self.log.name)
