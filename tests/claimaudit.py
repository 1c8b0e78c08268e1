"""Which sentences of a lesson state a number or a comparison, and which claim backs each.

A sentence is a *candidate* when, outside LaTeX and inline code, it contains a number written with
digits or one of the comparison words of ``COMPARISONS``. It is *backed* when a claim recorded in
the executed reading edition (``coursekit.claims``) has a statement that appears in it, word for
word after :func:`normalise`. A candidate that is not a claim about the lesson's own experiment (a
definition, a convention, a formula in words, a reference to a section) is listed, with the reason,
in ``tests/claims_exempt/<lesson>.txt``: one line per sentence, ``<start of the sentence> | <reason>``.
"""
from __future__ import annotations

import pathlib
import re

import nbformat

from coursekit.claims import Claim, claims_in

EXEMPT = pathlib.Path(__file__).resolve().parent / "claims_exempt"

COMPARISONS = re.compile(
    r"\b(beats?|outperforms?|faster|slower|better|worse|converges?|diverges?|stalls?|explodes?|blows? up|"
    r"ends (at|near|within|below|above|higher|lower)|reaches|overtakes?|fewest|most|least|best|worst|"
    r"within \d|never|always|twice|half as|times (as|more|less|larger|smaller|faster|slower)|x faster|"
    r"\d+(\.\d+)?x)\b", re.I)
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(\.\d+)?(e[-+]?\d+)?%?(?![\w])", re.I)
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$", re.S)
_CODE = re.compile(r"`[^`]*`")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def normalise(text: str) -> str:
    """Lower case, emphasis, backticks, dollars and extra white space removed."""
    text = re.sub(r"[*_`$\\]", "", text.lower())
    return re.sub(r"\s+", " ", text).strip()


def sentences(markdown: str) -> list[str]:
    """The prose sentences of a markdown cell: headings, tables, code blocks and the
    ``Exercise N (k points)`` headings left out; list items are sentences of their own."""
    keep = []
    in_fence = False
    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence or stripped.startswith("#") or stripped.startswith("|"):
            continue
        stripped = re.sub(r"^(>\s*)+", "", stripped)
        if re.match(r"^([-*]|\d+\.)\s", stripped):
            keep.append("\n")  # a list item starts a sentence
            stripped = re.sub(r"^([-*]|\d+\.)\s+", "", stripped)
        keep.append(stripped if stripped else "\n")
    text = " ".join(keep)
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z(])|\n", _protect(text))
    return [_unprotect(p).strip() for p in parts if p.strip()]


def _protect(text):
    # no sentence split inside math or code, nor after "e.g." / "i.e." / "vs."
    text = _MATH.sub(lambda m: m.group(0).replace(". ", ".\0"), text)
    text = _CODE.sub(lambda m: m.group(0).replace(". ", ".\0"), text)
    return re.sub(r"\b(e\.g|i\.e|vs|cf|et al|Fig|Eq)\. ", lambda m: m.group(0)[:-1] + "\0", text)


def _unprotect(text):
    return text.replace("\0", " ")


def is_candidate(sentence: str) -> bool:
    prose = _LINK.sub(r"\1", _CODE.sub(" ", _MATH.sub(" ", sentence)))
    return bool(_NUMBER.search(prose) or COMPARISONS.search(prose))


def recorded_claims(nb) -> list[Claim]:
    return [c for cell in nb.cells if cell.cell_type == "code" for c in claims_in(cell.get("outputs", []))]


def exemptions(lesson: str) -> dict[str, str]:
    path = EXEMPT / f"{lesson}.txt"
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            start, _, reason = line.partition(" | ")
            out[normalise(start)] = reason.strip()
    return out


def audit(nb, lesson: str):
    """(claims, backed sentences, unbacked candidate sentences, claims whose statement is in no text)."""
    claims = recorded_claims(nb)
    statements = [normalise(c.statement) for c in claims]
    exempt = exemptions(lesson)
    backed, unbacked = [], []
    all_text = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        all_text.append(normalise(re.sub(r"^(>\s*)+", "", cell.source, flags=re.M)))
        for s in sentences(cell.source):
            if not is_candidate(s):
                continue
            n = normalise(s)
            if any(st in n for st in statements):
                backed.append(s)
            elif not any(n.startswith(e) for e in exempt):
                unbacked.append(s)
    text = "\n".join(all_text)
    orphans = [c for c, st in zip(claims, statements) if st not in text]
    return claims, backed, unbacked, orphans


def read(path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def not_full_sentences(nb) -> list[str]:
    """The claims whose statement is not a whole sentence of the lesson's text (after
    :func:`normalise`, a final period aside): a claim must back a sentence a reader reads, not a
    fragment of one."""
    whole = {normalise(s).rstrip(".") for cell in nb.cells if cell.cell_type == "markdown"
             for s in sentences(cell.source)}
    return [c.statement for c in recorded_claims(nb) if normalise(c.statement).rstrip(".") not in whole]
