"""A Dask cluster for tests made of separate OS processes: ``dask scheduler`` and ``dask worker``
(no nanny, one thread), each worker in its own temporary folder and, when ``hide`` is given, run
under bubblewrap with those folders masked (an empty tmpfs), so the worker cannot read the course.

    with DaskProcesses(base, workers=2, hide=[courses]) as dask:
        grade(LESSON, scheduler=dask.address, ...)
        dask.kill(worker_address)            # SIGKILL
"""
from __future__ import annotations

import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time

from coursegrader.coursedir import tool_env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DaskProcesses:
    """Scheduler + ``workers`` worker processes; ``env``: more environment for the workers."""

    def __init__(self, base: pathlib.Path, workers: int = 2, hide: list[pathlib.Path] = (), env: dict | None = None):
        self.base = pathlib.Path(base)
        self.n = workers
        self.hide = [pathlib.Path(h).resolve() for h in hide]
        self.env = {**tool_env(), **(env or {})}
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        self.procs: list[subprocess.Popen] = []
        self.client = None

    def _spawn(self, cmd: list[str], folder: pathlib.Path, env: dict) -> subprocess.Popen:
        folder.mkdir(parents=True, exist_ok=True)
        log = open(folder / "log.txt", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(cmd, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    def add_worker(self, name: str) -> subprocess.Popen:
        folder = self.base / name
        folder.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "distributed.cli.dask_worker", self.address, "--nthreads", "1", "--no-nanny",
               "--local-directory", str(folder), "--name", name, "--no-dashboard"]
        if self.hide:
            wrap = [shutil.which("bwrap"), "--die-with-parent", "--dev-bind", "/", "/"]
            for folder_hidden in self.hide:
                wrap += ["--tmpfs", str(folder_hidden)]
            cmd = wrap + ["--chdir", str(folder), "--"] + cmd
        return self._spawn(cmd, folder, {**self.env, "TMPDIR": str(folder)})

    def __enter__(self) -> DaskProcesses:
        from distributed import Client

        port = self.address.rsplit(":", 1)[1]
        self._spawn([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", port,
                     "--no-dashboard"], self.base / "scheduler", {**self.env, "TMPDIR": str(self.base / "scheduler")})
        for i in range(self.n):
            self.add_worker(f"worker{i}")
        deadline = time.monotonic() + 120
        while True:
            try:
                self.client = Client(self.address, timeout="10s")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        self.client.wait_for_workers(self.n, timeout=180)
        return self

    def worker_pids(self) -> dict[str, int]:
        """{worker address: its process id}."""
        return self.client.run(os.getpid)

    def kill(self, address: str) -> int:
        pid = self.worker_pids()[address]
        os.kill(pid, signal.SIGKILL)
        return pid

    def logs(self) -> str:
        return "\n".join(f"== {p.name}\n" + (p / "log.txt").read_text(errors="replace")[-3000:]
                         for p in sorted(self.base.iterdir()) if (p / "log.txt").exists())

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.close()
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            try:  # what it started, too (a worker under bwrap, the worker's kernels)
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
