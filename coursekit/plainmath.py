"""The LaTeX of a sentence (``$...$``) as readable plain text: ``$\\mu^\\star \\approx 0.566$`` -> ``μ* ≈ 0.566``.

Where math cannot be typeset (a claim's ``text/plain`` output, a failed claim's message, a terminal),
a reader should not see TeX. :func:`to_plain` turns every ``$...$`` and ``$$...$$`` of a text into
Unicode: Greek letters and symbols by name, sub- and superscripts as Unicode sub- and superscripts
where every character has one (``x_t`` -> ``xₜ``, ``10^{-3}`` -> ``10⁻³``) and ``_(...)`` /
``^(...)`` otherwise, ``\\frac{a}{b}`` as ``a/b``, ``\\sqrt{x}`` as ``√x``, ``\\text{...}`` as its text,
accents as combining marks. A command it does not know loses its backslash and is listed by
:func:`unknown_commands` (the tests require that list to be empty for every claim of every lesson).
"""
from __future__ import annotations

import re

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
SYMBOLS = {
    "approx": "≈", "simeq": "≃", "sim": "~", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠",
    "neq": "≠", "ll": "≪", "gg": "≫", "equiv": "≡", "propto": "∝", "times": "×", "cdot": "·", "div": "÷",
    "pm": "±", "mp": "∓", "ast": "∗", "star": "⋆", "circ": "∘", "odot": "⊙", "otimes": "⊗", "oplus": "⊕",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "gets": "←", "Rightarrow": "⇒", "Leftarrow": "⇐",
    "implies": "⇒", "iff": "⇔", "leftrightarrow": "↔", "mapsto": "↦", "uparrow": "↑", "downarrow": "↓",
    "infty": "∞", "nabla": "∇", "partial": "∂", "sum": "Σ", "prod": "∏", "int": "∫", "in": "∈",
    "notin": "∉", "subset": "⊂", "subseteq": "⊆", "cup": "∪", "cap": "∩", "emptyset": "∅", "forall": "∀",
    "exists": "∃", "neg": "¬", "land": "∧", "lor": "∨", "perp": "⊥", "parallel": "∥", "mid": "|",
    "vert": "|", "lvert": "|", "rvert": "|", "Vert": "‖", "lVert": "‖", "rVert": "‖", "|": "‖",
    "langle": "⟨", "rangle": "⟩", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉",
    "ldots": "…", "dots": "…", "cdots": "⋯", "vdots": "⋮", "prime": "′", "dagger": "†", "top": "⊤",
    "ell": "ℓ", "hbar": "ħ", "checkmark": "✓", "coloneqq": "≔", "triangleq": "≜", "degree": "°",
    "log": "log", "ln": "ln", "exp": "exp", "max": "max", "min": "min", "argmax": "argmax", "argmin": "argmin",
    "arg": "arg", "sup": "sup", "inf": "inf", "lim": "lim", "sin": "sin", "cos": "cos", "tan": "tan",
    "tanh": "tanh", "det": "det", "dim": "dim", "sgn": "sgn", "sign": "sign", "Var": "Var", "E": "E",
    "quad": "  ", "qquad": "    ", ",": " ", ";": " ", ":": " ", ">": " ", " ": " ", "!": "",
    "{": "{", "}": "}", "_": "_", "%": "%", "$": "$", "#": "#", "&": "&", "\\": " ",
}
# commands that only size or space what follows: dropped
DROPPED = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
           "displaystyle", "textstyle", "scriptstyle", "limits", "nolimits", "middle"}
# commands whose one argument is shown as it is (text, fonts)
AS_IS = {"text", "textrm", "textit", "textbf", "texttt", "textsf", "mathrm", "mathit", "mathbf", "mathsf",
         "mathtt", "boldsymbol", "bm", "operatorname", "mbox", "emph", "mathnormal", "underline"}
DOUBLE_STRUCK = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼", "P": "ℙ", "1": "𝟙"}
SCRIPT = {"L": "ℒ", "N": "𝒩", "O": "𝒪", "D": "𝒟", "H": "ℋ", "F": "ℱ", "B": "ℬ", "E": "ℰ", "M": "ℳ"}
ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0305", "tilde": "\u0303",
           "widetilde": "\u0303", "dot": "\u0307", "ddot": "\u0308", "vec": "\u20d7", "check": "\u030c"}
SUPERSCRIPT = dict(zip("0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWβγδθφχ∗*⋆′⊤T",
                       "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵝᵞᵟᶿᵠᵡ***′ᵀᵀ"))
SUBSCRIPT = dict(zip("0123456789+-=()aehijklmnoprstuvxβγρφχ", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ"))

_OPERATOR = "\0"  # after an operator's name (log, max): a space if a letter follows, else nothing
_SCRIPTS = "".join(sorted(set(SUPERSCRIPT.values()) | set(SUBSCRIPT.values()) - {"*"}))
_SPACED = re.compile(_OPERATOR + rf"(?=[^\W\d_])(?![{_SCRIPTS}])")
_MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?!\$)(.+?)(?<!\\)\$", re.S)
_TOKEN = re.compile(r"\\([A-Za-z]+|.)|([{}^_])|(\s+)|(.)", re.S)


class _Parser:
    def __init__(self, tex: str):
        self.tokens = [(m.group(1), m.group(2), m.group(3), m.group(4)) for m in _TOKEN.finditer(tex)]
        self.i = 0
        self.unknown: list[str] = []

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self):
        token = self.peek()
        self.i += 1
        return token

    def group(self) -> str:
        """Up to the closing brace (already past the opening one)."""
        out = []
        while self.peek() is not None and self.peek()[1] != "}":
            out.append(self.item())
        self.take()
        return "".join(out)

    def argument(self) -> str:
        """One argument: a braced group, a command, or one character (spaces before it skipped)."""
        while self.peek() is not None and self.peek()[2] is not None:
            self.take()
        token = self.peek()
        if token is None:
            return ""
        if token[1] == "{":
            self.take()
            return self.group()
        return self.item()

    def optional(self) -> str | None:
        """A ``[...]`` optional argument, if one follows."""
        if self.peek() is not None and self.peek()[3] == "[":
            self.take()
            out = []
            while self.peek() is not None and self.peek()[3] != "]":
                out.append(self.item())
            self.take()
            return "".join(out)
        return None

    def item(self) -> str:
        command, special, space, char = self.take()
        if space is not None:
            return " "
        if char is not None:
            return char
        if command is not None:
            return self.command(command)
        if special == "{":
            return self.group()
        if special == "}":
            return ""
        if special in ("^", "_"):
            return _script(self.argument(), SUPERSCRIPT if special == "^" else SUBSCRIPT, special)
        return ""

    def command(self, name: str) -> str:
        if name in GREEK:
            return GREEK[name]
        if name in SYMBOLS:
            word = SYMBOLS[name]
            return word + _OPERATOR if len(word) > 1 and word.isalpha() else word
        if name in DROPPED:
            if self.peek() is not None and self.peek()[3] in tuple("()[]|.") or \
                    (self.peek() is not None and self.peek()[0] in ("{", "}", "|", "langle", "rangle", "Vert",
                                                                    "lVert", "rVert", "vert")):
                token = self.take()
                return "" if token[3] == "." else (token[3] if token[3] else self.command(token[0]))
            return ""
        if name in AS_IS:
            text = self.argument().replace("\\_", "_")
            return text + _OPERATOR if name == "operatorname" else text
        if name in ("frac", "dfrac", "tfrac"):
            top, bottom = self.argument(), self.argument()
            return f"{_paren(top)}/{_paren(bottom)}"
        if name == "sqrt":
            root = self.optional()
            inside = self.argument()
            sign = {"3": "∛", "4": "∜"}.get(root or "", "√" if root is None else _script(root, SUPERSCRIPT, "^") + "√")
            return sign + _paren(inside)
        if name in ACCENTS:
            inside = self.argument()
            return inside + ACCENTS[name] if len(inside) == 1 else f"{name}({inside})"
        if name == "mathbb":
            inside = self.argument()
            return "".join(DOUBLE_STRUCK.get(ch, ch) for ch in inside)
        if name == "mathcal":
            inside = self.argument()
            return "".join(SCRIPT.get(ch, ch) for ch in inside)
        if name in ("not",):
            return "¬"
        self.unknown.append(name)
        return name


def _paren(text: str) -> str:
    """``text`` as one operand of ``/`` or ``√``: in parentheses unless it is one word or number."""
    text = text.strip()
    return text if not re.search(r"[\s+\-−/×·=<>≤≥≈,:;]", text) or re.fullmatch(r"\(.*\)", text) else f"({text})"


def _script(text: str, table: dict, mark: str) -> str:
    text = text.replace(_OPERATOR, "").strip()
    if text and all(ch in table for ch in text):
        return "".join(table[ch] for ch in text)
    if mark == "^" and text in ("⋆", "*", "∗"):
        return "*"
    return f"{mark}{text}" if len(text) == 1 else f"{mark}({text})"


_MATRIX = re.compile(r"\\begin\{([pbvV]?matrix)\}(.*?)\\end\{\1\}", re.S)


def _matrix(m: re.Match) -> str:
    """A ``matrix`` environment as nested lists, row by row: ``[[10, -4], [-4, 2]]``."""
    rows = [row for row in re.split(r"\\\\(?:\[[^\]]*\])?", m.group(2)) if row.strip()]
    return "[" + ", ".join("[" + ", ".join(math_to_plain(cell) for cell in row.split("&")) + "]"
                           for row in rows) + "]"


def _convert(tex: str) -> tuple[str, list[str]]:
    parser = _Parser(_MATRIX.sub(_matrix, tex))
    out = []
    while parser.peek() is not None:
        out.append(parser.item())
    text = _SPACED.sub(" ", "".join(out)).replace(_OPERATOR, "")
    return re.sub(r"[ ]{2,}", " ", text).strip(), parser.unknown


def math_to_plain(tex: str) -> str:
    """One formula (the inside of ``$...$``) as plain Unicode text."""
    return _convert(tex)[0]


def to_plain(text: str) -> str:
    """``text`` with every ``$...$`` / ``$$...$$`` as plain Unicode and ``\\$`` as ``$``."""
    parts, last = [], 0
    for m in _MATH.finditer(text):
        parts.append(text[last:m.start()].replace("\\$", "$"))
        parts.append(math_to_plain(m.group(1) if m.group(1) is not None else m.group(2)))
        last = m.end()
    parts.append(text[last:].replace("\\$", "$"))
    return "".join(parts)


def unknown_commands(text: str) -> list[str]:
    """The TeX commands in the math of ``text`` that :func:`to_plain` does not know (shown without
    their backslash)."""
    found = []
    for m in _MATH.finditer(text):
        found += _convert(m.group(1) if m.group(1) is not None else m.group(2))[1]
    return found
