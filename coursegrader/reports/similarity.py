"""Near-identical code: winnowing fingerprints of name-normalised Python (Schleimer et al., 2003).

Two pieces of code are compared after the same normalisation, so that renaming variables,
reformatting, re-commenting or changing a docstring does not hide a copy:

1. parse with :mod:`ast` and keep the bodies of the functions (docstrings dropped; what the stub
   gave every student, the ``def`` line and its docstring, is therefore never evidence);
2. rename every local name (arguments, assigned variables, loop variables) to ``v0, v1, ...`` in
   order of first appearance; module names, attributes and builtins are kept (``np.sqrt`` stays);
3. unparse (one canonical formatting) and split into tokens with :mod:`tokenize`;
4. hash every k-gram of tokens and keep the winnowed minimum of each window of ``w`` hashes.

The similarity of two codes is the Jaccard index of their fingerprint sets. Code with fewer than
``MIN_TOKENS`` normalised tokens is *too short to tell*: a one-line answer written independently
is often identical. This module flags for a person to look at; it changes no score.
"""
from __future__ import annotations

import ast
import builtins
import hashlib
import io
import tokenize
from dataclasses import dataclass

K = 8            # tokens per k-gram
WINDOW = 4       # hashes per winnowing window
MIN_TOKENS = 40  # below this, independent answers coincide too often to call anything a copy
THRESHOLD = 0.8  # Jaccard similarity from which a pair is flagged

_BUILTINS = set(dir(builtins))


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


class _Renamer(ast.NodeTransformer):
    """Local names to v0, v1, ... by first appearance; globals that are only read are kept."""

    def __init__(self, local: set[str]):
        self.local, self.names = local, {}

    def _new(self, name):
        if name not in self.local:
            return name
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_Name(self, node):
        node.id = self._new(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self._new(node.arg)
        node.annotation = None
        return node


def _locals(fn: ast.FunctionDef) -> set[str]:
    names = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)) and node is not fn:
            names |= {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
    return names - _BUILTINS


def _bodies(source: str) -> list[tuple[ast.AST, int]]:
    """The statements the author wrote: function bodies without docstrings, or the whole module
    when it defines no function. Each with the line offset of the original source."""
    tree = ast.parse(source)
    fns = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if not fns:
        return [(tree, 0)]
    out = []
    for fn in fns:
        body = fn.body
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]
        renamer = _Renamer(_locals(fn))
        fn.args = renamer.visit(fn.args)
        out.extend((renamer.visit(stmt), 0) for stmt in body)
    return out


def normalise(source: str) -> Code:
    """Tokens and fingerprints of ``source`` (a cell or a function); unparsable code gives no tokens."""
    try:
        stmts = _bodies(source)
    except SyntaxError:
        return Code(source, (), (), frozenset(), {})
    tokens, lines = [], []
    for stmt, _ in stmts:
        text = ast.unparse(stmt)
        origin = getattr(stmt, "lineno", 1)
        for tok in tokenize.generate_tokens(io.StringIO(text + "\n").readline):
            if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                            tokenize.ENDMARKER):
                continue
            tokens.append("S" if tok.type == tokenize.STRING else tok.string)
            lines.append(origin + tok.start[0] - 1)
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
