"""A real JupyterHub on this machine, for tests/coursegrader/test_hub.py: Unix accounts, the hub users' Python
environments, the proxy, and the hub process itself.

Everything lives in one folder every user can traverse (:func:`shared_folder`; pytest's own temporary
folders are private to root) and is removed afterwards: accounts and groups deleted with their homes
(their processes ended first, by process id), the hub stopped with its proxy and the servers it
spawned. Needs root (accounts, and a hub that starts servers as other users).
"""
from __future__ import annotations

import contextlib
import os
import pathlib
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata

from browserkit import free_port

# an interpreter every user can run (this one may live in root's home, which others cannot enter)
SHARED_PYTHON = "/usr/bin/python3"
HUB_START_TIMEOUT = 120


# where the hub's folder is made: not /tmp, /var/tmp or /dev/shm, which the grading sandbox replaces
# with empty folders (coursegrader/grading/autograde/sandbox.py); its ``--ro-bind / /`` is recursive,
# so a filesystem mounted here is seen inside it
SITE_PARENT = "/var/lib"


def _unmount(folder: pathlib.Path) -> None:
    """Unmount ``folder`` and everything mounted under it (lazily if something still holds it open)."""
    if subprocess.run(["umount", "--recursive", str(folder)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "--recursive", "--lazy", str(folder)], capture_output=True)


@contextlib.contextmanager
def shared_folder(prefix: str) -> Iterator[pathlib.Path]:
    """A new folder that every user can enter and read (not write), a tmpfs of its own under
    :data:`SITE_PARENT`: the ~90,000 files of two Python environments go with one unmount afterwards
    instead of being deleted one by one (that took 4 minutes on ext4)."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix=prefix, dir=SITE_PARENT))
    try:
        _run("mount", "-t", "tmpfs", "-o", "mode=0755,size=8g", "optim-nn-hub", str(folder))
        yield folder
    finally:
        _unmount(folder)
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class Account:
    name: str
    password: str
    home: pathlib.Path


def _run(*cmd: str, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    return proc


def processes_of(uid: int) -> list[int]:
    """The ids of the processes running as ``uid``."""
    pids = []
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
            except FileNotFoundError:
                pass
    return pids


def end_processes_of(uid: int, timeout: float = 10) -> None:
    """End every process running as ``uid`` (the test's own accounts only): SIGTERM, then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in processes_of(uid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while processes_of(uid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if not processes_of(uid):
            return


@contextlib.contextmanager
def unix_accounts(groups: dict[str, list[str]]) -> Iterator[dict[str, Account]]:
    """New Unix groups and accounts (``{group: [user, ...]}``): each user a member of its group, with a
    home folder only its owner can enter (``HOME_MODE=0700``, as docs/INSTRUCTORS.md tells an
    administrator; Debian's default, 0755, lets every user read every home) and a random password.
    Deleted afterwards, homes included."""
    made_groups, accounts = [], {}
    try:
        for group, users in groups.items():
            _run("groupadd", group)
            made_groups.append(group)
            for user in users:
                _run("useradd", "--create-home", "--key", "HOME_MODE=0700", "--shell", "/bin/bash",
                     "--groups", group, user)
                accounts[user] = Account(user, secrets.token_urlsafe(12), pathlib.Path(f"/home/{user}"))
                _run("chpasswd", input=f"{user}:{accounts[user].password}\n")
        yield accounts
    finally:
        for account in accounts.values():
            with contextlib.suppress(KeyError):
                import pwd

                end_processes_of(pwd.getpwnam(account.name).pw_uid)
            subprocess.run(["userdel", "--remove", account.name], capture_output=True)
        for group in made_groups:
            subprocess.run(["groupdel", group], capture_output=True)


def run_as(account: Account, *cmd: str, cwd: pathlib.Path | None = None) -> subprocess.CompletedProcess:
    """``cmd`` run as ``account`` (runuser, a login environment of its own); not checked."""
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"  # the user's PATH below has no sbin
    return subprocess.run([runuser, "-u", account.name, "--", *cmd], capture_output=True, text=True,
                          cwd=cwd or account.home, env={"PATH": "/usr/bin:/bin", "HOME": str(account.home)})


def shared_python_version() -> str:
    """The version of :data:`SHARED_PYTHON` (``3.11.2``)."""
    return _run(SHARED_PYTHON, "-c", "import platform; print(platform.python_version())").stdout.strip()


def write_constraints(path: pathlib.Path) -> pathlib.Path:
    """pip constraints: every distribution of this environment at its installed version, so the hub's
    environments get what this one was tested with, from pip's cache. Left out: the build tools (a
    package's own build asks for its own), and a version that does not run on :data:`SHARED_PYTHON`
    (Debian's 3.11.2 here, where this environment's may be newer: pip then chooses one that does)."""
    from packaging.specifiers import SpecifierSet

    python = shared_python_version()
    pins = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name or name.lower() in {"pip", "setuptools", "wheel"}:
            continue
        if python not in SpecifierSet(dist.metadata.get("Requires-Python") or ""):
            continue
        pins[name.lower()] = f"{name}=={dist.version}"
    path.write_text("\n".join(sorted(pins.values())) + "\n")
    return path


def torch_copy_fits() -> bool:
    """Whether this environment's torch runs on :data:`SHARED_PYTHON` (the same Python version)."""
    probe = _run(SHARED_PYTHON, "-c", "import sys; print(sys.version_info[:2])").stdout.strip()
    return probe == str(sys.version_info[:2])


def mount_torch(folder: pathlib.Path) -> None:
    """This environment's torch in ``folder`` (a hub environment's site-packages): its packages mounted
    there read-only (bind mounts: nothing copied, the same 750 MB shared by both environments, gone
    when :func:`shared_folder` unmounts), its ``dist-info`` copied, so pip finds torch installed.
    Inside the environment itself, where pip puts a package: a .pth naming a folder elsewhere broke
    grading when that folder was one the sandbox hides (/tmp)."""
    dist = metadata.distribution("torch")
    site = pathlib.Path(dist.locate_file(""))
    names = [n for n in (dist.read_text("top_level.txt") or "torch").split() if (site / n).is_dir()]
    dist_info = pathlib.Path(dist._path)  # noqa: SLF001 - importlib's own record of the folder
    for name in names:
        (folder / name).mkdir()
        _run("mount", "--bind", str(site / name), str(folder / name))
        _run("mount", "-o", "remount,bind,ro", str(folder / name))
    shutil.copytree(dist_info, folder / dist_info.name)


def hub_environment(repo: pathlib.Path, role: str, prefix: pathlib.Path, *, constraints: pathlib.Path,
                    with_torch: bool) -> subprocess.Popen:
    """Start building a hub user's environment with ``hub/install-env.sh ROLE PREFIX`` (the interpreter
    every user can run; pip's constraints; with ``with_torch``, this environment's torch put into the
    new venv (:func:`mount_torch`) before the script installs into it, so pip finds it installed).
    Returns the running process."""
    _run(SHARED_PYTHON, "-m", "venv", "--without-pip", str(prefix))
    if with_torch:
        site = _run(str(prefix / "bin" / "python"), "-c",
                    "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
        mount_torch(pathlib.Path(site))
    env = {**os.environ, "PYTHON": SHARED_PYTHON, "PIP_CONSTRAINT": str(constraints), "PIP_NO_COMPILE": "1",
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    log = open(prefix.parent / f"install-{role}.log", "w")  # noqa: SIM115 - closed by the caller's wait
    return subprocess.Popen([str(repo / "hub" / "install-env.sh"), role, str(prefix)], env=env, stdout=log,
                            stderr=subprocess.STDOUT, cwd=prefix.parent)


def wait_built(proc: subprocess.Popen, log: pathlib.Path, timeout: float = 900) -> None:
    if proc.wait(timeout=timeout) != 0:
        raise RuntimeError(f"{' '.join(map(str, proc.args))} failed:\n{log.read_text()[-4000:]}")


def install_proxy(repo: pathlib.Path, folder: pathlib.Path) -> pathlib.Path:
    """configurable-http-proxy at hub/package-lock.json's versions (npm ci); the folder of its command."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(repo / "hub" / name, folder)
    _run("npm", "ci", "--no-audit", "--no-fund", "--prefer-offline", cwd=folder)
    return folder / "node_modules" / ".bin"


TEST_CONFIG = """\
# tests/coursegrader/test_hub.py: the course's hub configuration, and only what a test on one machine adds to it
c = get_config()  # noqa: F821
load_subconfig({course_config!r})  # noqa: F821
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.pid_file = {pid_file!r}
c.JupyterHub.db_url = "sqlite:///{state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = {cookie!r}
# the test reads JupyterLab's application object in the page (browserkit.open_notebook)
c.Spawner.args = ["--LabApp.expose_app_in_browser=True"]
# a loaded test machine
c.Spawner.start_timeout = c.Spawner.http_timeout = 300
"""


@contextlib.contextmanager
def jupyterhub(repo: pathlib.Path, state: pathlib.Path, proxy_bin: pathlib.Path, env: dict[str, str]) -> Iterator[dict]:
    """``jupyterhub`` (this environment's) with hub/jupyterhub_config.py on free local ports, its state in
    ``state``, the proxy from ``proxy_bin``, ``env`` added to its environment (the configuration's
    settings). Yields ``{"base": url, "log": path}``. Afterwards the hub is stopped (it stops the proxy
    and the servers it started)."""
    state.mkdir(parents=True, exist_ok=True)
    port, hub_port, api_port = free_port(), free_port(), free_port()
    config = state / "jupyterhub_config.py"
    config.write_text(TEST_CONFIG.format(course_config=str(repo / "hub" / "jupyterhub_config.py"), port=port,
                                         hub_port=hub_port, api_port=api_port, state=state,
                                         pid_file=str(state / "proxy.pid"),
                                         cookie=str(state / "jupyterhub_cookie_secret")))
    log_path = state / "jupyterhub.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    path = os.pathsep.join([str(proxy_bin), os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=state,
                            env={**os.environ, **env, "PATH": path}, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + HUB_START_TIMEOUT
    while True:
        try:
            with urllib.request.urlopen(f"{base}/hub/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            raise RuntimeError("JupyterHub did not start:\n" + log_path.read_text()[-4000:])
        time.sleep(0.5)
    try:
        yield {"base": base, "log": log_path}
    finally:
        proc.send_signal(signal.SIGTERM)  # the hub stops the servers it spawned (cleanup_servers) and its proxy
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)
        log.close()
