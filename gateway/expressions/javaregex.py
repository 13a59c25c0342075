"""Java regular expressions, as OpenIG route authors write them, translated once to Python's `re`.

Translated: POSIX classes (`\\p{Alpha}`, `\\p{Punct}`, ... ASCII, as in Java), `\\p{L}`, `\\Q...\\E`,
named groups `(?<n>...)` and `\\k<n>`, inline flags anywhere (`a(?i)b`), `\\h`, `\\R`, `\\z`/`\\Z`.
Possessive quantifiers and atomic groups are native. `\\w`, `\\d`, `\\s`, `\\b` and case folding are
ASCII, as in Java, unless the pattern turns on `(?U)`. Refused, with a message naming the construct:
class intersection `&&`, nested classes, other Unicode properties, `\\G`, `\\X`, `(?d)`.
"""

from __future__ import annotations

import re

_POSIX = {
    "Lower": "a-z", "Upper": "A-Z", "ASCII": "\\x00-\\x7f", "Alpha": "a-zA-Z", "Digit": "0-9",
    "Alnum": "a-zA-Z0-9", "Punct": "!-/:-@\\[-`{-~", "Graph": "!-~", "Print": " -~", "Blank": " \\t",
    "Cntrl": "\\x00-\\x1f\\x7f", "XDigit": "0-9a-fA-F", "Space": " \\t\\n\\x0b\\f\\r",
}  # fmt: skip
_LETTER = {"L", "IsL", "IsAlphabetic", "IsLetter", "Alphabetic", "Letter"}
_ESCAPES = {
    "h": "[ \\t\\xa0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000]",
    "H": "[^ \\t\\xa0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000]",
    "v": "[\\n\\x0b\\f\\r\\x85\\u2028\\u2029]",
    "V": "[^\\n\\x0b\\f\\r\\x85\\u2028\\u2029]",
    "R": "(?:\\r\\n|[\\n\\x0b\\f\\r\\x85\\u2028\\u2029])",
    "z": "\\Z",
    "Z": "(?=\\n?\\Z)",
    "e": "\\x1b",
}
_REFUSED = {"G": "\\G (end of the previous match)", "X": "\\X (grapheme clusters)", "c": "\\c (control characters)"}
_INLINE = re.compile(r"\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?\)")
_JAVA_FLAGS = {"i": "i", "m": "m", "s": "s", "x": "x", "u": "", "U": ""}


class JavaRegexError(ValueError):
    """A Java construct that has no translation."""


def translate(java: str) -> tuple[str, int]:
    """The Python pattern and flags for a Java pattern; raises JavaRegexError for what is refused."""
    return _Translator(java).run()


def compile_java(java: str) -> re.Pattern[str]:
    """`re.compile` of the translation."""
    text, flags = translate(java)
    return re.compile(text, flags)


class _Translator:
    def __init__(self, source: str) -> None:
        self.src, self.i = source, 0
        self.out: list[str] = []
        self.in_class = False
        self.scoped: list[list[str]] = [[]]  # per open group: the scoped-flag groups opened in it
        self.unicode = False

    def run(self) -> tuple[str, int]:
        while self.i < len(self.src):
            self.step()
        if self.in_class:
            raise JavaRegexError("unterminated character class")
        self.out.append(")" * len(self.scoped[-1]))
        return "".join(self.out), 0 if self.unicode else re.ASCII

    def step(self) -> None:
        char = self.src[self.i]
        if char == "\\":
            self.escape()
        elif self.in_class:
            self.class_char(char)
        elif char == "[":
            self.in_class = True
            self.out.append(char)
            self.i += 1
            self.class_start()
        elif char == "(":
            self.group()
        elif char == ")":
            self.out.append(")" * len(self.scoped.pop()) + ")" if len(self.scoped) > 1 else ")")
            self.i += 1
        elif char == "|" and self.scoped[-1]:
            # The flags hold in the next alternative too: close the scoped groups and open them again.
            opened = self.scoped[-1]
            self.out.append(")" * len(opened) + "|" + "".join(opened))
            self.i += 1
        else:
            self.out.append(char)
            self.i += 1

    def class_start(self) -> None:
        # A ']' first in a class (after an optional '^') is a literal in both dialects.
        if self.src.startswith("^", self.i):
            self.out.append("^")
            self.i += 1
        if self.src.startswith("]", self.i):
            self.out.append("\\]")
            self.i += 1

    def class_char(self, char: str) -> None:
        if char == "]":
            self.in_class = False
        elif char == "[":
            raise JavaRegexError("nested character classes ([a[b]]) are not supported")
        elif self.src.startswith("&&", self.i):
            raise JavaRegexError("character class intersection (&&) is not supported")
        self.out.append(char)
        self.i += 1

    def group(self) -> None:
        rest = self.src[self.i :]
        inline = _INLINE.match(rest)
        if inline is not None:
            self.inline_flags(inline.group(1), inline.group(2) or "")
            self.i += inline.end()
            return
        if rest.startswith("(?<") and not rest.startswith(("(?<=", "(?<!")):
            self.out.append("(?P<")
            self.i += 3
        else:
            self.out.append("(")
            self.i += 1
        self.scoped.append([])

    def inline_flags(self, on: str, off: str) -> None:
        for flag in on + off:
            if flag not in _JAVA_FLAGS:
                raise JavaRegexError(f"inline flag {flag!r} is not supported")
        self.unicode = self.unicode or "U" in on or "u" in on
        on_py = "".join(_JAVA_FLAGS[f] for f in on)
        off_py = "".join(_JAVA_FLAGS[f] for f in off)
        if not on_py and not off_py:
            return
        # Java's (?i) holds to the end of the enclosing group: Python's scoped (?i:...) closed there.
        opening = f"(?{on_py}-{off_py}:" if off_py else f"(?{on_py}:"
        self.out.append(opening)
        self.scoped[-1].append(opening)

    def escape(self) -> None:
        if self.i + 1 >= len(self.src):
            raise JavaRegexError("trailing backslash")
        letter = self.src[self.i + 1]
        if letter == "Q":
            end = self.src.find("\\E", self.i + 2)
            stop = len(self.src) if end < 0 else end
            self.out.append(re.escape(self.src[self.i + 2 : stop]))
            self.i = stop + 2 if end >= 0 else stop
        elif letter in "pP":
            self.property(letter == "P")
        elif letter == "k" and self.src.startswith("<", self.i + 2):
            end = self.src.index(">", self.i)
            self.out.append(f"(?P={self.src[self.i + 3 : end]})")
            self.i = end + 1
        elif letter in _REFUSED:
            raise JavaRegexError(f"{_REFUSED[letter]} is not supported")
        elif letter in _ESCAPES and not (self.in_class and letter in "RzZ"):
            self.out.append(_class_body(_ESCAPES[letter]) if self.in_class else _ESCAPES[letter])
            self.i += 2
        else:
            self.out.append(self.src[self.i : self.i + 2])
            self.i += 2

    def property(self, negated: bool) -> None:
        if self.src.startswith("{", self.i + 2):
            end = self.src.find("}", self.i)
            if end < 0:
                raise JavaRegexError("unterminated \\p{...}")
            name = self.src[self.i + 3 : end]
            self.i = end + 1
        else:
            name = self.src[self.i + 2 : self.i + 3]
            self.i += 3
        name = name[2:] if name.startswith("Is") and name[2:] in _POSIX else name
        if name in _POSIX:
            body = _POSIX[name]
        elif name in _LETTER:
            body = "^\\W\\d_" if not negated else "\\W\\d_"
            if self.in_class:
                raise JavaRegexError(f"\\p{{{name}}} inside a character class is not supported")
            self.unicode = True
            self.out.append(f"[{body}]")
            return
        else:
            raise JavaRegexError(f"Unicode property \\p{{{name}}} is not supported")
        if self.in_class:
            if negated:
                raise JavaRegexError(f"\\P{{{name}}} inside a character class is not supported")
            self.out.append(body)
        else:
            self.out.append(f"[^{body}]" if negated else f"[{body}]")


def _class_body(escape: str) -> str:
    if escape.startswith("[^"):
        raise JavaRegexError("a negated escape (\\H, \\V) inside a character class is not supported")
    return escape[1:-1] if escape.startswith("[") else escape
