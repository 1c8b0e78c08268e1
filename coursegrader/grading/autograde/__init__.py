"""nbgrader integration: the preprocessors that make ``nbgrader autograde`` hold against hostile
submissions, one module each, wired in ``nbgrader_config.py`` (nbgrader's own commands use them):

- :mod:`.execute`: ``SafeExecute``, nbgrader's ``Execute`` with the kernel in the sandbox
  (:mod:`.provisioner`, :mod:`.sandbox`), surviving kernels that die or hang;
- :mod:`.verify`: ``VerifyGrades``, every grade cell re-judged outside the kernel;
- :mod:`.outputs`: ``CapOutputs``, outputs bounded in characters;
- :mod:`.dedupe`: ``SafeDeduplicateIds``, a copied test cell no longer fails the submission;
- :mod:`.overwrite`: ``SafeOverwriteCells``, deleted grade cells put back and graded;
- :mod:`.feedback`: ``SelfContainedFeedback`` (``generate_feedback``), math typeset at build time so the
  page reads offline, figures fitted to the page.

This package imports nbgrader; nothing in the student's kernel imports it.
"""
from .dedupe import SafeDeduplicateIds
from .execute import SafeExecute
from .feedback import SelfContainedFeedback
from .outputs import CapOutputs
from .overwrite import SafeOverwriteCells
from .verify import VerifyGrades

__all__ = ["CapOutputs", "SafeDeduplicateIds", "SafeExecute", "SafeOverwriteCells", "SelfContainedFeedback",
           "VerifyGrades"]
