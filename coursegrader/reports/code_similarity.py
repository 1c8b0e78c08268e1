"""Near-identical code: winnowing fingerprints of canonicalised Python (Schleimer et al., 2003).

Two pieces of code are compared after the same normalisation, so that what a copier changes to
hide a copy does not change what is compared:

1. parse with :mod:`ast` and keep the bodies of the functions (docstrings dropped; what the stub
   gave every student, the ``def`` line and its docstring, is therefore never evidence);
2. comprehensions become the loops they stand for (``ys = [f(x) for x in xs]`` is compared as
   ``ys = []; for x in xs: ys.append(f(x))``; ``sum(... for ...)`` as an accumulating loop), and
   ``a += b`` as ``a = a + b``;
3. the statements of every block are put in one canonical order that keeps their data dependencies
   (a statement stays after the ones it reads from, and writes to what they read or write; ``return``,
   ``break``, ``continue`` and ``yield`` stay where they are): swapping two independent lines changes
   nothing;
4. every local name (arguments, variables, loop variables, nested functions) becomes the single
   placeholder ``V``, as MOSS-style tools do: no numbering by first appearance, which one swapped line
   would shift for every later token; module names, attributes and builtins are kept (``np.sqrt``);
5. the canonical statements are unparsed and split into tokens; every k-gram of tokens is hashed and
   the winnowed minimum of each window of ``w`` hashes kept.

The similarity of two codes is the Jaccard index of their fingerprint sets. Code with fewer than
``MIN_TOKENS`` normalised tokens is *too short to tell*: a one-line answer written independently
is often identical. This module flags for a person to look at; it changes no score.
"""
from __future__ import annotations

import ast
import builtins
import copy
import hashlib
import io
import tokenize
from dataclasses import dataclass

K = 6            # tokens per k-gram
WINDOW = 2       # hashes per winnowing window
MIN_TOKENS = 40  # below this, independent answers coincide too often to call anything a copy
THRESHOLD = 0.5  # Jaccard similarity from which a pair is flagged (tests/coursegrader/similarity_corpus)
PLACEHOLDER = "V"

_BUILTINS = set(dir(builtins))
# methods that only read their object: calling them is not a write (any other method call on a local is)
_READS_ONLY = {"copy", "reshape", "ravel", "flatten", "sum", "mean", "std", "var", "max", "min", "argmax",
               "argmin", "astype", "dot", "item", "tolist", "get", "keys", "values", "items", "transpose",
               "squeeze", "any", "all", "clip", "round", "cumsum", "prod", "nonzero", "view", "detach", "numpy",
               "clone", "norm", "count", "index", "startswith", "endswith", "format", "split", "strip"}
_BLOCKS = ("body", "orelse", "finalbody")


@dataclass(frozen=True)
class Code:
    """One piece of code, normalised: its tokens, the source line of each token, its fingerprints."""

    source: str
    tokens: tuple[str, ...]
    lines: tuple[int, ...]
    prints: frozenset[int]
    hash_lines: dict

    @property
    def too_short(self) -> bool:
        return len(self.tokens) < MIN_TOKENS


# ---- 2. comprehensions as loops, augmented assignments written out -------------------------------------

class _Desugar:
    """Rewrites one block: every comprehension hoisted into the loop it stands for, before its statement."""

    def __init__(self):
        self.count = 0

    def _temp(self) -> str:
        self.count += 1
        return f"_comp{self.count}"

    def block(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        out = []
        for stmt in stmts:
            out.extend(self.stmt(stmt))
        return out

    def stmt(self, stmt: ast.stmt) -> list[ast.stmt]:
        if isinstance(stmt, ast.AugAssign):
            target = copy.deepcopy(stmt.target)
            load = copy.deepcopy(stmt.target)
            _set_ctx(load, ast.Load())
            stmt = ast.copy_location(ast.Assign([target], ast.BinOp(load, stmt.op, stmt.value)), stmt)
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stmt.body = self.block(stmt.body)
            return [stmt]
        # a comprehension assigned to one name becomes that name's loop (as it would be written by hand)
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            if isinstance(stmt.value, (ast.ListComp, ast.SetComp, ast.DictComp)):
                return self._loop(stmt.value, stmt.targets[0].id, stmt)
            if _summed(stmt.value):
                stmt.value.args[0]._sum = True
                return self._loop(stmt.value.args[0], stmt.targets[0].id, stmt)
        before: list[ast.stmt] = []
        hoister = _Hoist(self, before, stmt)
        if not _compound(stmt):
            stmt = hoister.visit(stmt)  # fills ``before`` with the hoisted loops
            return before + [stmt]
        for field in ("iter", "test", "items"):  # a compound statement's own expressions, not its blocks
            if hasattr(stmt, field):
                setattr(stmt, field, _visit_field(hoister, getattr(stmt, field)))
        for name in _BLOCKS:
            if isinstance(getattr(stmt, name, None), list):
                setattr(stmt, name, self.block(getattr(stmt, name)))
        for handler in getattr(stmt, "handlers", []):
            handler.body = self.block(handler.body)
        return before + [stmt]

    def _loop(self, comp, name: str, where: ast.stmt) -> list[ast.stmt]:
        """``name = <empty>; for ...: [if ...:] name.append(elt)`` (``add`` for a set, ``name[k] = v`` for a
        dict, ``name = name + elt`` for a sum), desugared in turn (a nested comprehension lands inside)."""
        kind = "sum" if isinstance(comp, ast.GeneratorExp) and getattr(comp, "_sum", False) else type(comp).__name__
        empty = {"ListComp": ast.List([], ast.Load()), "GeneratorExp": ast.List([], ast.Load()),
                 "SetComp": ast.Call(ast.Name("set", ast.Load()), [], []), "DictComp": ast.Dict([], []),
                 "sum": ast.Constant(0)}[kind]
        if kind == "DictComp":
            inner = ast.Assign([ast.Subscript(ast.Name(name, ast.Load()), comp.key, ast.Store())], comp.value)
        elif kind == "sum":
            inner = ast.Assign([ast.Name(name, ast.Store())],
                               ast.BinOp(ast.Name(name, ast.Load()), ast.Add(), comp.elt))
        else:
            method = "add" if kind == "SetComp" else "append"
            inner = ast.Expr(ast.Call(ast.Attribute(ast.Name(name, ast.Load()), method, ast.Load()), [comp.elt], []))
        body: ast.stmt = inner
        for gen in reversed(comp.generators):
            for cond in reversed(gen.ifs):
                body = ast.If(cond, [body], [])
            body = ast.For(gen.target, gen.iter, [body], [])
        stmts = [ast.Assign([ast.Name(name, ast.Store())], empty), body]
        for s in stmts:
            for node in ast.walk(s):
                if isinstance(node, (ast.stmt, ast.expr)):
                    ast.copy_location(node, where)
        return self.block(stmts)


class _Hoist(ast.NodeTransformer):
    """Inside one statement: each outermost comprehension replaced by a temporary, its loop hoisted."""

    def __init__(self, desugar: _Desugar, before: list, where: ast.stmt):
        self.desugar, self.before, self.where = desugar, before, where

    def visit_Lambda(self, node):
        return node  # a lambda's comprehension runs later, and per call: left as is

    def visit_Call(self, node):
        if _summed(node):
            node.args[0]._sum = True
            return self._hoist(node.args[0])
        return self.generic_visit(node)

    def _hoist(self, comp):
        name = self.desugar._temp()
        self.before.extend(self.desugar._loop(comp, name, self.where))
        return ast.copy_location(ast.Name(name, ast.Load()), comp)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _hoist


def _summed(node) -> bool:
    """``sum(<generator>)``: an accumulating loop."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "sum" \
        and len(node.args) == 1 and isinstance(node.args[0], ast.GeneratorExp) and not node.keywords


def _compound(stmt) -> bool:
    return any(isinstance(getattr(stmt, name, None), list) for name in _BLOCKS) or hasattr(stmt, "handlers")


def _visit_field(visitor, value):
    if isinstance(value, list):
        return [visitor.visit(v) if isinstance(v, ast.AST) else v for v in value]
    return visitor.visit(value) if isinstance(value, ast.AST) else value


def _set_ctx(node, ctx):
    for sub in ast.walk(node):
        if hasattr(sub, "ctx"):
            sub.ctx = ctx


# ---- 3. one canonical order of each block's statements ------------------------------------------------

def _effects(stmt: ast.stmt, local: set[str]) -> tuple[set[str], set[str], bool]:
    """(names read, names written, whether the statement must stay in place)."""
    reads, writes, fixed = set(), set(), False
    for node in ast.walk(stmt):
        if isinstance(node, (ast.Return, ast.Break, ast.Continue, ast.Yield, ast.YieldFrom, ast.Global,
                             ast.Nonlocal, ast.Await)):
            fixed = True
        elif isinstance(node, ast.Name):
            (writes if isinstance(node.ctx, (ast.Store, ast.Del)) else reads).add(node.id)
        elif isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            base = node.value
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            if isinstance(base, ast.Name):
                writes.add(base.id)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr not in _READS_ONLY:
            base = node.func.value
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            if isinstance(base, ast.Name) and base.id in local:
                writes.add(base.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            writes.add(node.name)
        elif isinstance(node, ast.arg):
            writes.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            writes.add(node.name)
        elif isinstance(node, ast.alias):
            writes.add((node.asname or node.name).split(".")[0])
    return reads, writes, fixed


def _canonical(stmts: list[ast.stmt], local: set[str]) -> list[ast.stmt]:
    """The block's statements (nested blocks first) in the order that keeps every dependency and, among
    the statements free to go next, takes the smallest by its name-blind text."""
    for stmt in stmts:
        for name in _BLOCKS:
            if isinstance(getattr(stmt, name, None), list):
                setattr(stmt, name, _canonical(getattr(stmt, name), local))
        for handler in getattr(stmt, "handlers", []):
            handler.body = _canonical(handler.body, local)
    effects = [_effects(s, local) for s in stmts]
    keys = [_text(_blind(s, local)) for s in stmts]
    after = [set() for _ in stmts]  # j -> the earlier statements j must follow
    for j, (rj, wj, fj) in enumerate(effects):
        for i in range(j):
            ri, wi, fi = effects[i]
            if fi or fj or wi & rj or ri & wj or wi & wj:
                after[j].add(i)
    placed, order = set(), []
    while len(order) < len(stmts):
        ready = [j for j in range(len(stmts)) if j not in placed and after[j] <= placed]
        j = min(ready, key=lambda k: (keys[k], k))
        placed.add(j)
        order.append(j)
    return [stmts[j] for j in order]


# ---- 4. every local name one placeholder --------------------------------------------------------------

class _Blind(ast.NodeTransformer):
    def __init__(self, local: set[str]):
        self.local = local

    def visit_Name(self, node):
        if node.id in self.local:
            node.id = PLACEHOLDER
        return node

    def visit_arg(self, node):
        if node.arg in self.local:
            node.arg = PLACEHOLDER
        node.annotation = None
        return node

    def visit_FunctionDef(self, node):
        if node.name in self.local:
            node.name = PLACEHOLDER
        node.returns = None
        node.decorator_list = []
        self.generic_visit(node)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef


def _blind(node, local):
    return _Blind(local).visit(copy.deepcopy(node))


def _locals(fn) -> set[str]:
    names = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and node is not fn:
            names |= {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
            if not isinstance(node, ast.Lambda):
                names.add(node.name)
        elif isinstance(node, ast.comprehension):
            names |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names - _BUILTINS


# ---- 5. tokens, each with the source line it came from --------------------------------------------------

def _text(node) -> str:
    return ast.unparse(node)


def _header(stmt: ast.stmt) -> str:
    """The first line of a compound statement (``for V in range(V):``), without its blocks."""
    shell = copy.copy(stmt)
    for name in _BLOCKS:
        if isinstance(getattr(shell, name, None), list):
            setattr(shell, name, [ast.Pass()] if name == "body" else [])
    if hasattr(shell, "handlers"):
        shell.handlers = []
        if not shell.finalbody:
            shell.finalbody = [ast.Pass()]
    return ast.unparse(shell).splitlines()[0]


def _emit(stmts, out: list[tuple[str, int]]) -> None:
    for stmt in stmts:
        line = getattr(stmt, "lineno", 1)
        compound = _compound(stmt)
        _tokens(_header(stmt) if compound else _text(stmt), line, out)
        if not compound:
            continue
        _emit(stmt.body, out)
        for handler in getattr(stmt, "handlers", []):
            _tokens(ast.unparse(copy.copy(handler)).splitlines()[0], getattr(handler, "lineno", line), out)
            _emit(handler.body, out)
        for name in ("orelse", "finalbody"):
            if getattr(stmt, name, None):
                out.append((name, line))
                _emit(getattr(stmt, name), out)
        out.append(("}", getattr(stmt, "end_lineno", line) or line))


def _tokens(text: str, line: int, out: list[tuple[str, int]]) -> None:
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text + "\n").readline):
            if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                            tokenize.ENDMARKER):
                continue
            out.append(("S" if tok.type == tokenize.STRING else tok.string, line))
    except (tokenize.TokenError, SyntaxError):  # a header that does not tokenize alone: its text as one token
        out.append((text, line))


def _bodies(source: str) -> list[ast.stmt]:
    """The statements the author wrote, canonicalised: function bodies without docstrings, or the whole
    module when it defines no function."""
    tree = ast.parse(source)
    fns = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if not fns:
        local = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        body = _Desugar().block(tree.body)
        return _canonical(body, local)
    out = []
    for fn in fns:
        body = fn.body
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]
        body = _Desugar().block(body)
        wrapper = ast.FunctionDef(fn.name, fn.args, body, [], None)
        local = _locals(wrapper)
        out.extend(_blind(stmt, local) for stmt in _canonical(body, local))
    return out


def normalise(source: str) -> Code:
    """Tokens and fingerprints of ``source`` (a cell or a function); unparsable code gives no tokens."""
    try:
        stmts = _bodies(source)
    except SyntaxError:
        return Code(source, (), (), frozenset(), {})
    pairs: list[tuple[str, int]] = []
    _emit(stmts, pairs)
    tokens, lines = [t for t, _ in pairs], [n for _, n in pairs]
    prints, hash_lines = _winnow(tokens, lines)
    return Code(source, tuple(tokens), tuple(lines), frozenset(prints), hash_lines)


def _winnow(tokens, lines):
    grams = []
    for i in range(len(tokens) - K + 1):
        digest = hashlib.blake2b(" ".join(tokens[i:i + K]).encode(), digest_size=8).digest()
        grams.append((int.from_bytes(digest, "big"), i))
    chosen, where = set(), {}
    for i in range(max(len(grams) - WINDOW + 1, 1 if grams else 0)):
        h, pos = min(grams[i:i + WINDOW], key=lambda g: (g[0], -g[1]))
        chosen.add(h)
        where.setdefault(h, set()).update(lines[pos:pos + K])
    return chosen, where


def similarity(a: Code, b: Code) -> float:
    """Jaccard index of the two fingerprint sets (0 when either has none)."""
    if not a.prints or not b.prints:
        return 0.0
    return len(a.prints & b.prints) / len(a.prints | b.prints)


def matched_lines(a: Code, b: Code) -> tuple[set[int], set[int]]:
    """Source lines (1-based) of ``a`` and of ``b`` covered by their shared fingerprints."""
    shared = a.prints & b.prints
    la = set().union(*(a.hash_lines[h] for h in shared)) if shared else set()
    lb = set().union(*(b.hash_lines[h] for h in shared)) if shared else set()
    return la, lb
