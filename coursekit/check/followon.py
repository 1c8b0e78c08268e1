"""Validate reports a failing check once: the later cells that would only repeat it are skipped.

The students' Validate button (``nbgrader validate``) runs the whole notebook and fails on every cell
with an error. An unfinished exercise then fails over and over: its visible check, and every later
experiment cell that calls the unfinished function (a blank lesson-01 notebook failed on 15 cells,
9 of them such repeats), and cells that read what those could not compute.

While nbgrader validates (it sets ``NBGRADER_VALIDATING``), a check that fails marks its function:
from then on a cell whose code would *run* a marked function (it names it outside a ``def`` body:
directly, in a lambda or a comprehension) is not run; it prints one line naming the failed check
instead. What such a cell would have defined is marked too (a later cell reading it would fail for
the same reason), and so is a function whose body calls a marked one. A cell that defines a marked
name again clears it. Every other cell runs as usual and reports its own errors, and validation still
fails on the check itself: a notebook never passes that would not pass without this. The cells are
rewritten through IPython's public input-transformer hook, installed only after a check has failed,
only while validating; autograding never sets ``NBGRADER_VALIDATING``, so grades are not affected.
"""
from __future__ import annotations

import ast
import os

MARKED: set[str] = set()  # names whose use would only repeat a failed check


def validating() -> bool:
    return os.environ.get("NBGRADER_VALIDATING") == "1"


def check_failed(name: str, fn) -> None:
    """Called by ``check`` when it fails: while validating, later cells that run ``fn`` are skipped."""
    if not validating():
        return
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return
    shell = get_ipython()
    if shell is None:
        return
    MARKED.update({name, getattr(fn, "__name__", name)})
    if skip_follow_ons not in shell.input_transformers_post:
        shell.input_transformers_post.append(skip_follow_ons)


class _Names(ast.NodeVisitor):
    """What a cell runs now (names read outside ``def`` bodies), what it binds, what its functions call."""

    def __init__(self):
        self.now, self.binds, self.defs = set(), set(), {}

    def visit_Name(self, node):
        (self.binds if isinstance(node.ctx, (ast.Store, ast.Del)) else self.now).add(node.id)

    def visit_FunctionDef(self, node):
        self.binds.add(node.name)
        self.defs[node.name] = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        for expr in node.decorator_list + node.args.defaults + [d for d in node.args.kw_defaults if d]:
            self.visit(expr)  # evaluated when the def runs

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        self.binds.add(node.name)
        self.generic_visit(node)  # a class body runs when the class is defined

    def visit_alias(self, node):
        self.binds.add((node.asname or node.name).split(".")[0])


def skip_follow_ons(lines: list[str]) -> list[str]:
    """IPython input transformer: a cell that would run a marked name becomes one printed line."""
    try:
        tree = ast.parse("".join(lines))
    except (SyntaxError, ValueError):
        return lines
    names = _Names()
    names.visit(tree)
    uses = sorted(names.now & MARKED)
    if uses:
        MARKED.update(names.binds)
        which = ", ".join(f"`{n}`" for n in uses)
        note = (f"↪ Skipped while validating: this cell uses {which}, which depends on a check that failed "
                f"above. That failure is reported once, at its check; this cell runs once the check passes.")
        return [f"print({note!r})\n"]
    for name in names.binds:
        if names.defs.get(name, set()) & MARKED:
            MARKED.add(name)
        else:
            MARKED.discard(name)
    return lines
