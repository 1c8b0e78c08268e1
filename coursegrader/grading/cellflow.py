"""Which cells of a submission autograding runs: every cell the student wrote or touched, and of the
lesson's own cells those the grade depends on. The rest (the lesson's experiments and figures,
left as the lesson wrote them) is skipped.

Skipping must never change a grade (the course's grading rules): a submission gets the score it
would get with every cell run. Two rules make that so.

1. **Only the lesson's own cells, unchanged and in place, may be skipped.** A submission's code
   cells are matched against the lesson's source notebook by content: a plain cell by the SHA-256
   of its source, an nbgrader cell by its ``grade_id``; the match is the longest common
   subsequence of the two sequences (:func:`lesson_cells`). A plain cell in that match is the
   lesson's own, unchanged and where the lesson put it. Every other code cell runs: one the
   student added, edited, duplicated (the copy) or moved (out of the lesson's order), whatever it
   does (a star import, ``torch.set_default_dtype``, ``np.random.seed``, ``exec``, a magic). No
   name analysis decides that: a cell edited and then put back as it was is unchanged; cell ids and
   metadata, which a student's tools copy or rewrite, are not looked at.
2. **Of those, a cell runs when the grade depends on it by name.** Walking back from the last
   cell, a lesson cell is *needed* when

   - it is an nbgrader cell (solution, visible check, hidden test, any locked cell) or the lesson's
     first code cell (the setup: imports, settings);
   - it binds a name that a needed cell after it reads;
   - it reads a data name (bound by assignment, or by a function's ``global`` statement) that a
     needed cell after it also reads: it may change that object in place (``X[0] = 0``) first;
   - it may bind names no analysis sees (a star import, a line magic other than ``%matplotlib``,
     ``exec``/``eval``/``globals``/``vars``/``get_ipython``, also inside a function it calls; a
     cell that does not parse or is a cell magic) and a needed cell comes after it.

   A cell *reads* the global names it uses at its top level or in its functions, and what the
   functions it calls read when they run: calling ``f`` reads the globals that ``f``'s body uses,
   as every cell defining ``f`` (a ``def``, a ``class``, ``f = lambda``) wrote it, transitively. So
   a lesson cell that rebinds a global which a student's function reads runs when a grade cell
   calls that function after it. A function reached through an object (a method of an instance, a
   function kept in a list) is not followed. A needed cell that may read names no analysis sees
   (the same constructs, but a star import) reads everything: every cell before it runs.

A notebook without a lesson to compare with runs every cell. Pure functions: no kernel, no I/O.
"""
from __future__ import annotations

import ast
import hashlib
import symtable
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

DYNAMIC = frozenset({"exec", "eval", "globals", "vars", "get_ipython", "__import__"})
"""Builtins through which code reads or binds names no analysis sees."""

HARMLESS_MAGICS = ("%matplotlib",)
"""Line magics that neither read nor bind a name (the lessons' setup cell uses ``%matplotlib inline``)."""


@dataclass(frozen=True)
class CellNames:
    """What one cell's code binds at the top level, which global names it reads, and which globals
    calling each function it defines uses."""

    binds: frozenset[str]
    reads: frozenset[str]  # at the top level or inside its functions, classes, lambdas, comprehensions
    data: frozenset[str]  # bound by assignment (not def, class, import or a lambda), or by a function's `global`
    calls: dict[str, frozenset[str]] = field(default_factory=dict)  # def/class/lambda name -> globals it uses
    binds_unseen: bool = False  # a star import or a line magic: it may bind names no analysis sees
    reads_unseen: bool = False  # a line magic (``%run``, ``%time f(x)``): it may read names no analysis sees


def source_text(cell: dict) -> str:
    """A cell's source as one string (a notebook file may store it as a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _python(source: str) -> tuple[str, bool]:
    """The cell without its IPython line magics and shell escapes (``%matplotlib``, ``!pip``), and
    whether one of them was other than a harmless magic."""
    lines, other = [], False
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            other = other or not stripped.startswith(HARMLESS_MAGICS)
            lines.append("")
        else:
            lines.append(line)
    return "\n".join(lines), other


def _used(table) -> tuple[set[str], set[str]]:
    """The globals a scope and the scopes inside it read or assign, and those it assigns (``global``)."""
    used, assigned = set(), set()
    for s in table.get_symbols():
        if s.is_global() and (s.is_referenced() or s.is_assigned()):
            used.add(s.get_name())
            if s.is_assigned():
                assigned.add(s.get_name())
    for child in table.get_children():
        more, more_assigned = _used(child)
        used |= more
        assigned |= more_assigned
    return used, assigned


def cell_names(source: str) -> CellNames | None:
    """The names a cell binds and reads; None when it cannot be analysed (syntax error, cell magic)."""
    if source.lstrip().startswith("%%"):
        return None
    code, magic = _python(source)
    try:
        top = symtable.symtable(code, "<cell>", "exec")
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    star = any(isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names) for node in ast.walk(tree))
    named_lambdas = {target.id for node in tree.body
                     if isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda)
                     for target in node.targets if isinstance(target, ast.Name)}
    binds, reads = set(), set()
    for symbol in top.get_symbols():
        name = symbol.get_name()
        if symbol.is_assigned() or symbol.is_imported():
            binds.add(name)
        if symbol.is_referenced():
            reads.add(name)
    calls: dict[str, set[str]] = {}
    lambdas, assigned = set(), set()
    for child in top.get_children():  # functions, classes, lambdas (and comprehensions before Python 3.12)
        used, by_global = _used(child)
        reads |= used  # a function's globals count as read where it is defined (and where it is called)
        assigned |= by_global  # `global name` then assigned: calling the function binds it
        if child.get_name() == "lambda":
            lambdas |= used
        elif child.get_name() in binds:
            calls.setdefault(child.get_name(), set()).update(used)
    for name in named_lambdas:  # `f = lambda ...`: f may call any lambda of the cell
        calls.setdefault(name, set()).update(lambdas)
    data = {name for name in binds if name not in calls and not top.lookup(name).is_imported()}
    return CellNames(frozenset(binds), frozenset(reads), frozenset(data | assigned),
                     {name: frozenset(used) for name, used in calls.items()},
                     binds_unseen=star or magic, reads_unseen=magic)


def _key(cell: dict) -> tuple[str, str]:
    """What a code cell is matched by: an nbgrader cell by its id, any other by its source's hash."""
    grade_id = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
    if grade_id:
        return "nbgrader", grade_id
    return "source", hashlib.sha256(source_text(cell).encode("utf-8")).hexdigest()


def code_cells(cells: Sequence[dict]) -> list[int]:
    """The indices of the code cells that hold any code."""
    return [i for i, cell in enumerate(cells) if cell.get("cell_type") == "code" and source_text(cell).strip()]


def lesson_cells(cells: Sequence[dict], lesson: Sequence[dict]) -> dict[int, int]:
    """{index in ``cells``: index in ``lesson``} of the submission's plain code cells that are the
    lesson's own, unchanged and in the lesson's order.

    The two notebooks' code cells are matched by :func:`_key` along their longest common
    subsequence: a cell the student moved falls out of it (or the cells it was moved across do, when
    they are fewer), a duplicated cell matches once, and nbgrader cells (matched by id) anchor the
    lesson's cells between the exercises."""
    mine, theirs = code_cells(cells), code_cells(lesson)
    a, b = [_key(cells[i]) for i in mine], [_key(lesson[j]) for j in theirs]
    # longest common subsequence, by dynamic programming (a lesson has well under a hundred code cells)
    length = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            length[i][j] = length[i + 1][j + 1] + 1 if a[i] == b[j] else max(length[i + 1][j], length[i][j + 1])
    matched, i, j = {}, 0, 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            if a[i][0] == "source":
                matched[mine[i]] = theirs[j]
            i, j = i + 1, j + 1
        elif length[i + 1][j] >= length[i][j + 1]:
            i += 1
        else:
            j += 1
    return matched


def _closure(names: Iterable[str], calls: dict[str, set[str]]) -> set[str]:
    """``names`` and, transitively, every name that calling one of them may touch."""
    found, todo = set(names), list(names)
    while todo:
        for name in calls.get(todo.pop(), ()):
            if name not in found:
                found.add(name)
                todo.append(name)
    return found


def needed_cells(cells: Sequence[dict], lesson: Sequence[dict] | None) -> set[int]:
    """The indices of the code cells autograding runs (see the module's docstring).

    ``cells`` are the submission's notebook cells, ``lesson`` the lesson's source notebook's (the
    same list to analyse the lesson itself; None: no lesson known, every code cell runs). Markdown
    and raw cells, and empty code cells, are never in the result."""
    code = code_cells(cells)
    if lesson is None or not code:
        return set(code)
    own = lesson_cells(cells, lesson)
    setup = code_cells(lesson)[0] if code_cells(lesson) else None
    names = {i: cell_names(source_text(cells[i])) for i in code}
    calls: dict[str, set[str]] = defaultdict(set)  # name -> the globals calling it may use (any cell's definition)
    for n in names.values():
        for name, used in (n.calls if n is not None else {}).items():
            calls[name] |= used
    meta = {i: cells[i].get("metadata", {}).get("nbgrader") or {} for i in code}
    # objects that can change in place; a test cell's own fixtures are the lesson's, not a student's
    data = set().union(*(n.data for i, n in names.items()
                         if n is not None and not (meta[i].get("grade") or meta[i].get("locked"))))
    needed: set[int] = set()
    read_later: set[str] = set()  # names read by needed cells after the current one
    everything = False  # a needed cell after this one may read anything
    for i in reversed(code):
        n = names[i]
        reads = _closure(n.reads, calls) if n is not None else set()
        dynamic = n is None or bool(reads & DYNAMIC)  # it may read and bind any name
        reads_unseen, binds_unseen = dynamic or n.reads_unseen, dynamic or n.binds_unseen
        required = everything or i not in own or bool(meta[i]) or own[i] == setup
        depends = n is not None and bool(n.binds & read_later or reads & read_later & data)
        if required or binds_unseen and needed or depends:
            needed.add(i)
            everything = everything or reads_unseen
            read_later |= reads
    return needed
