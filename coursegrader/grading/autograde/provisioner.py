"""The sandboxed kernel, launched through jupyter_client's public mechanism: a kernel provisioner
(registered as ``coursekit-sandbox`` in the entry-point group ``jupyter_client.kernel_provisioners``)
selected by a kernel spec whose metadata names it (:class:`SandboxKernelSpecManager`).

The provisioner is jupyter_client's :class:`LocalProvisioner` with the kernel's command wrapped by
:func:`coursegrader.grading.autograde.sandbox.command` (bubblewrap: read-only world, no network, the
course hidden, address space capped) and the kernel's banner kept off the instructor's terminal.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
from typing import Any

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Bool, Integer, List, Unicode

from . import sandbox

PROVISIONER_NAME = "coursekit-sandbox"


class SandboxProvisioner(LocalProvisioner):
    """Starts the kernel inside bubblewrap; its sockets and connection file live in ``private``."""

    hidden_folders = List(Unicode(), help="Folders masked (empty) inside the sandbox.").tag(config=True)
    memory_limit = Integer(0, help="Address-space cap of the kernel in bytes (0: none).").tag(config=True)
    private = Unicode(help="The folder shared with the kernel: sockets, connection file, caches.").tag(config=True)
    answers_outside = Bool(False, help="Keep the instructor package out of the kernel's view; grade() runs "
                                       "the cases the grader hands in (issue 29).").tag(config=True)
    stderr_path = Unicode("", help="A file (outside the sandbox) that receives the kernel's own stderr: "
                                   "why it could not start, when it cannot.").tag(config=True)

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        kwargs = await super().pre_launch(**kwargs)
        workdir = kwargs.get("cwd") or os.getcwd()
        _seed_matplotlib_cache(os.path.join(self.private, "matplotlib"))
        kwargs.setdefault("stdout", subprocess.DEVNULL)  # the kernel's banner, not the instructor's business
        if self.stderr_path:
            with open(self.stderr_path, "ab") as log:  # Popen gets its own copy of the descriptor
                kwargs["stderr"] = os.dup(log.fileno())
        kwargs["cmd"] = sandbox.command(resolved_command(kwargs["cmd"]), workdir=workdir, private=self.private,
                                        hidden=self.hidden_folders, memory_limit=self.memory_limit or None,
                                        answers_outside=self.answers_outside)
        return kwargs

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        stderr = kwargs.get("stderr")
        try:
            return await super().launch_kernel(cmd, **kwargs)
        finally:
            if isinstance(stderr, int):
                os.close(stderr)

    async def cleanup(self, restart: bool = False) -> None:
        await super().cleanup(restart=restart)
        if not restart and self.private:
            shutil.rmtree(self.private, ignore_errors=True)


def resolved_command(cmd: list[str]) -> list[str]:
    """The kernel command with its program's folder resolved: ``<course>/.venv/bin/python`` may be
    a link (``.venv`` itself pointing to an environment elsewhere) inside a folder the sandbox
    masks. The program's own name is kept, so a virtual environment's ``python`` still finds its
    ``pyvenv.cfg``."""
    if not cmd:
        return cmd
    program = shutil.which(cmd[0]) or cmd[0]
    folder, name = os.path.split(os.path.abspath(program))
    return [os.path.join(os.path.realpath(folder), name), *cmd[1:]]


class SandboxKernelSpecManager(KernelSpecManager):
    """Kernel specs that name :class:`SandboxProvisioner`, with its settings, and interrupt the
    kernel by a message on the control channel (ipykernel then signals itself): a SIGINT sent to the
    process group would also reach bwrap, whose death takes the kernel with it."""

    def __init__(self, *, sandbox_config: dict, **kwargs: Any):
        super().__init__(**kwargs)
        self.sandbox_config = dict(sandbox_config)

    def get_kernel_spec(self, kernel_name: str):
        spec = super().get_kernel_spec(kernel_name)
        spec.interrupt_mode = "message"
        spec.metadata = {**spec.metadata, "kernel_provisioner": {"provisioner_name": PROVISIONER_NAME,
                                                                 "config": dict(self.sandbox_config)}}
        return spec


def _seed_matplotlib_cache(folder: str) -> None:
    """Give the sandboxed kernel a copy of matplotlib's font cache: with an empty config folder
    it would rebuild the cache (seconds) in every kernel."""
    os.makedirs(folder, exist_ok=True)
    try:
        import matplotlib

        cache = pathlib.Path(matplotlib.get_cachedir())
        for font_list in cache.glob("fontlist-*.json"):
            shutil.copy(font_list, folder)
    except Exception:  # noqa: BLE001 - only a speed-up: a kernel without the cache rebuilds it
        pass
