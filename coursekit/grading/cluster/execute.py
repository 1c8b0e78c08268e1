"""``ClusterExecute``: the course's ``SafeExecute`` with more folders hidden from the kernel.

On a grading worker, the sandbox also masks the folders where database servers keep their Unix
sockets (a socket is reached through the filesystem, which no network namespace blocks) and the
client's course folder when the worker shares its machine. Configured like ``SafeExecute``
(traitlets applies ``SafeExecute.*`` settings to this subclass), plus ``hidden_folders``.
"""
from __future__ import annotations

from traitlets import List, Unicode

from coursekit.grading.autograde import SafeExecute


class ClusterExecute(SafeExecute):
    """``SafeExecute`` whose sandbox hides ``hidden_folders`` too."""

    hidden_folders = List(Unicode(), help="More folders masked (empty) inside the sandbox.").tag(config=True)

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        if self.sandboxed and self.hidden_folders:
            config = km.kernel_spec_manager.sandbox_config
            config["hidden_folders"] = [*config["hidden_folders"], *self.hidden_folders]
        return km
