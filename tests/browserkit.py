"""What the browser tests share: Debian's Chromium driven by Playwright, and a real JupyterLab server.

:func:`lab_server` starts ``python -m jupyterlab`` from this environment on a free local port, with a
token, throw-away settings/workspace/runtime/config folders and no news or update checks, serving
``root``; the server's working directory is ``cwd`` (nbgrader's server extensions read
``nbgrader_config.py`` there). :func:`open_notebook` opens a notebook in a workspace of its own and
waits until its kernel answers. Used by test_browser.py (the student's lessons) and
test_formgrader_browser.py (Formgrader and Validate). Never downloads a browser.
"""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect, sync_playwright

from coursegrader.coursedir import tool_env

CHROMIUM = "/usr/bin/chromium"
# where browser tests leave their screenshots (set BROWSER_ARTIFACTS to keep them elsewhere)
_BUILD = pathlib.Path(__file__).resolve().parents[1] / "build"
ARTIFACTS = pathlib.Path(os.environ.get("BROWSER_ARTIFACTS", _BUILD / "test-artifacts" / "browser"))
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
STARTUP_TIMEOUT = 90
# JupyterLab settings for a test: no pop-up asking about news, no request to the internet; every cell
# attached to the page, so a test can address cell i directly
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}
VISIBLE_NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def lab_server(root: pathlib.Path, state: pathlib.Path, cwd: pathlib.Path | None = None,
               args: tuple[str, ...] = ()) -> Iterator[dict]:
    """A JupyterLab server serving ``root`` (its working directory ``cwd``, default ``root``; more
    command-line ``args``); its settings, workspaces, runtime files, config and log live in ``state``. Yields
    ``{"base": url, "token": token, "log": path}``; shuts the server and its kernels down after."""
    settings = state / "settings"
    for plugin, values in LAB_SETTINGS.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = free_port(), secrets.token_hex(16)
    env = tool_env()
    for name in ("COURSEKIT_STATIC", "NBGRADER_EXECUTION", "MPLBACKEND"):
        env.pop(name, None)  # a student's kernel: widgets live, nothing skipped
    env.update(JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(state / "runtime"), JUPYTER_CONFIG_DIR=str(state / "config"))
    log_path = state / "jupyterlab.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--ServerApp.port_retries=0", "--allow-root", "--LabApp.expose_app_in_browser=True", *args],  # CI runs as root
        cwd=cwd or root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    lab = {"base": base, "token": token, "log": log_path, "port": port}
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            pytest.fail("JupyterLab did not start:\n" + log_path.read_text()[-3000:])
        time.sleep(0.5)
    try:
        yield lab
    finally:
        try:  # shut down kernels and server cleanly, then make sure the process group is gone
            api(lab, "POST", "api/shutdown")
            proc.wait(timeout=20)
        except Exception:  # noqa: BLE001 - a server that does not answer is killed below
            pass
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        log.close()


@contextlib.contextmanager
def chromium():
    """Debian's Chromium, headless, launched by Playwright."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def lab_page(browser, lab: dict):
    """A page in a browser context of its own; afterwards the kernels it started are stopped."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        yield context.new_page()
    finally:
        context.close()
        for session in api(lab, "GET", "api/sessions"):
            api(lab, "DELETE", f"api/sessions/{session['id']}")


def api(lab: dict, method: str, path: str):
    """A call to the server's REST API; its JSON answer (``None`` if empty)."""
    req = urllib.request.Request(f"{lab['base']}/{path}?token={lab['token']}", method=method)
    with urllib.request.urlopen(req, timeout=30) as r:
        body = r.read()
    return json.loads(body) if body else None


def open_lab(page, lab: dict, path: str = "") -> None:
    """JupyterLab in a workspace of its own (no tab of an earlier test restored), ``path`` opened.
    ``lab``: ``{"base": the server's URL, "token": its token}``; without a token the page's cookies
    log it in (a JupyterHub user's server: ``{"base": hub + "/user/<name>"}``)."""
    workspace = secrets.token_hex(4)
    tree = f"/tree/{path}" if path else ""
    query = f"?token={lab['token']}" if lab.get("token") else ""
    page.goto(f"{lab['base']}/lab/workspaces/{workspace}{tree}{query}")
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell", timeout=STARTUP_TIMEOUT * 1000)
    page.evaluate("() => window.jupyterapp.restored")


def open_notebook(page, lab: dict, path: str):
    """Open the notebook ``path`` (relative to the server's root); wait until its kernel has
    answered and is idle. Returns the locator of its cells."""
    open_lab(page, lab, path)
    page.locator(f"{VISIBLE_NOTEBOOK} .jp-Notebook .jp-Cell").first.wait_for(timeout=STARTUP_TIMEOUT * 1000)
    # wait until the notebook is the current tab, and its kernel is started and has answered (the app is
    # exposed for that only; the execution indicator says "idle" before the notebook has a kernel at all)
    page.wait_for_function("""(path) => {
        const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
        return Boolean(widget && widget.sessionContext && widget.context && widget.context.path === path);
    }""", arg=path, timeout=STARTUP_TIMEOUT * 1000)
    page.evaluate("""async () => {
        const ctx = window.jupyterapp.shell.currentWidget.sessionContext;
        await ctx.ready;
        await ctx.session.kernel.info;
    }""")
    expect(page.locator(f"{VISIBLE_NOTEBOOK} .jp-Notebook-ExecutionIndicator")) \
        .to_have_attribute("data-status", "idle", timeout=STARTUP_TIMEOUT * 1000)
    return page.locator(f"{VISIBLE_NOTEBOOK} .jp-Notebook .jp-Cell")


def menu(page, menu: str, item: str) -> None:
    """Click ``menu`` in JupyterLab's menu bar, then its ``item``."""
    page.locator(".lm-MenuBar-itemLabel", has_text=menu).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).first.click()
