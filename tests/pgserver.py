"""A throw-away PostgreSQL server for tests: Debian's ``postgresql``, started with ``initdb`` and
``pg_ctl`` in a temporary folder on a free local port, as an unprivileged user when the tests run as
root (``initdb`` refuses root). Its Unix socket is where Debian puts it (``/var/run/postgresql``)
when that folder is there, so tests see the server as an installed one would be seen.

    with PostgresServer() as pg:
        url = pg.url("gradebook")   # postgresql+psycopg://postgres@127.0.0.1:PORT/gradebook
"""
from __future__ import annotations

import glob
import os
import pathlib
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

DEBIAN_SOCKETS = pathlib.Path("/var/run/postgresql")


def binaries() -> pathlib.Path | None:
    """The newest installed PostgreSQL's bin folder (``/usr/lib/postgresql/<v>/bin``), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return pathlib.Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """``initdb`` + ``pg_ctl start`` on enter, ``pg_ctl stop`` and the folder removed on exit."""

    def __init__(self, user: str = "postgres"):
        self.bin = binaries()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed: `apt-get install postgresql` (.ci/system-packages)")
        # its own folder under /tmp: pytest's tmp_path is private to root, which the server's user cannot enter
        self.folder = pathlib.Path(tempfile.mkdtemp(prefix="coursekit-pg-")) / "pgdata"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self.user = user if self.as_root else pwd.getpwuid(os.geteuid()).pw_name
        writable = DEBIAN_SOCKETS.is_dir() and (self.as_root or os.access(DEBIAN_SOCKETS, os.W_OK))
        self.socket_dir = DEBIAN_SOCKETS if writable else self.folder.parent / "pgsock"

    def _run(self, *cmd, check=True):
        full = [str(c) for c in cmd]
        if self.as_root:
            full = ["runuser", "-u", self.user, "--"] + full
        proc = subprocess.run(full, capture_output=True, text=True, timeout=120)
        if check and proc.returncode:
            raise RuntimeError(f"{' '.join(full)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    def __enter__(self) -> PostgresServer:
        self.folder.mkdir(parents=True)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            uid = pwd.getpwnam(self.user).pw_uid
            for p in (self.folder, self.folder.parent) + ((self.socket_dir,) if self.socket_dir != DEBIAN_SOCKETS else ()):
                os.chown(p, uid, -1)
            os.chmod(self.folder.parent, 0o755)
        self._run(self.bin / "initdb", "-D", self.folder, "-U", "postgres", "--auth=trust", "-E", "UTF8")
        opts = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(self.bin / "pg_ctl", "-D", self.folder, "-o", opts, "-l", self.folder / "server.log", "-w",
                  "-t", "60", "start")
        deadline = time.monotonic() + 30
        while self._run(self.bin / "pg_isready", "-h", "127.0.0.1", "-p", self.port, check=False).returncode:
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not start:\n{(self.folder / 'server.log').read_text()}")
            time.sleep(0.2)
        return self

    def createdb(self, name: str) -> str:
        self._run(self.bin / "createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", name)
        return self.url(name)

    def url(self, name: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    @property
    def socket_file(self) -> pathlib.Path:
        return self.socket_dir / f".s.PGSQL.{self.port}"

    def stop(self) -> None:
        self._run(self.bin / "pg_ctl", "-D", self.folder, "-m", "fast", "-w", "stop", check=False)

    def __exit__(self, *exc) -> None:
        self.stop()
        shutil.rmtree(self.folder.parent, ignore_errors=True)
