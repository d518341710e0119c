"""Similar submissions: which students' code is too alike, module by module (docs/similarity.md).

Every pair of submissions is compared, one course module at a time (``lesson1/losses.py``),
on the code that is graded: a ``.py`` file as handed in, a notebook's extracted module.  The
comparison is MOSS's (Schleimer, Wilkerson and Aiken, "Winnowing", SIGMOD 2003), built from
copydetect's parts:

1. ``normalise``: Python's tokens (Pygments' for code Python's tokenizer rejects), one
   character each.  Every identifier becomes ``V`` (``F`` where a function is defined, ``O`` a
   class), every number ``N``, every string ``S``; comments, whitespace and layout vanish.
   Renaming variables, rewording docstrings, changing constants or reformatting hides nothing.
2. Fingerprints: a hash of every run of ``min_match`` tokens (k-grams), winnowed by
   copydetect (``copydetect.utils.winnow``), so that any common run of ``min_match`` +
   ``window`` - 1 tokens is found for certain and runs shorter than ``min_match`` never count.
3. Code every student was given never counts: fingerprints of the exercise stub (the
   reference's signatures and docstrings, ``exercises/``) and of the released notebook's given
   code are removed, and so are passages that more than ``common`` submissions share, which
   no one copied from one classmate (MOSS's ``-m``).
4. A pair's matches are the fingerprints both hold, grown into spans of tokens by copydetect
   (``get_copied_slices``).  Each side's share is its matched tokens over the tokens its
   remaining fingerprints cover (``get_token_coverage``), but never over less than half of
   all its code covers (``OWN_CODE_FLOOR``), and the pair's score is the larger share:
   copying one classmate's whole module into a longer file is a copy, and a few uncommon
   tokens in a module that is nearly all common code are not.

The k-gram hashes are computed here (blake2b) rather than with copydetect's ``hash()``, which
Python salts per process: the same class gives the same scores on every run.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import keyword
import tokenize
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from copydetect.utils import get_copied_slices, get_token_coverage, winnow
from pygments import token
from pygments.lexers import PythonLexer

from graders.course.model import Similarity as Settings


@dataclass
class Normalised:
    """A module's tokens, one character each, and where each token lies in the source."""

    tokens: str
    starts: np.ndarray  # source offset where token i begins
    ends: np.ndarray  # source offset where token i ends


_OTHER_TOKENS = 0xE000  # private-use characters stand for keywords, operators and punctuation
_SKIPPED = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENDMARKER,
}
# Python 3.12 splits an f-string into parts; 3.11 reads it as one STRING, and so does this
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


def normalise(source: str) -> Normalised:
    """The token string of ``source``, identifiers, numbers and strings each one letter.

    Python's own tokenizer reads it (some four times as fast as Pygments' lexer); code it
    rejects (an unclosed bracket, a stray indent) is read by Pygments, which reads anything.
    """
    try:
        tokens = list(_python_tokens(source))
    except (tokenize.TokenError, SyntaxError):
        tokens = list(_pygments_tokens(source))
    letters, starts, ends = [], [], []
    for letter, begin, end in tokens:
        if letter == "S" and letters and letters[-1] == "S":  # "a" "b": one string
            ends[-1] = end
            continue
        letters.append(letter)
        starts.append(begin)
        ends.append(end)
    return Normalised(
        "".join(letters), np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)
    )


@functools.cache
def _letter(text: str) -> str:
    return chr(_OTHER_TOKENS + zlib.crc32(text.encode()) % 6000)


def _python_tokens(source: str):
    """(letter, start, end) for each token, from Python's tokenize."""
    lines = [0]
    for line in source.splitlines(keepends=True):
        lines.append(lines[-1] + len(line))
    previous = ""
    fstring_depth, fstring_start = 0, 0
    for found in tokenize.generate_tokens(io.StringIO(source).readline):
        kind, text = found.type, found.string
        begin = lines[found.start[0] - 1] + found.start[1]
        end = lines[found.end[0] - 1] + found.end[1]
        if kind == _FSTRING_START:
            fstring_depth += 1
            fstring_start = begin if fstring_depth == 1 else fstring_start
            continue
        if fstring_depth:
            if kind == _FSTRING_END:
                fstring_depth -= 1
                if not fstring_depth:
                    yield "S", fstring_start, end
            continue
        if kind in _SKIPPED:
            continue
        if kind == tokenize.STRING:
            letter = "S"
        elif kind == tokenize.NUMBER:
            letter = "N"
        elif kind == tokenize.NAME and not keyword.iskeyword(text):
            letter = {"def": "F", "class": "O"}.get(previous, "V")  # builtins are names too
        else:
            letter = _letter(text)
        previous = text
        yield letter, begin, end


def _pygments_tokens(source: str):
    """(letter, start, end) for each token, from Pygments' Python lexer."""
    offset = 0
    for kind, text in PythonLexer(stripnl=False, ensurenl=False).get_tokens(source):
        begin, offset = offset, offset + len(text)
        if kind in token.Text or kind in token.Comment or not text.strip():
            continue
        if kind in token.Literal.String:
            letter = "S"
        elif kind in token.Literal.Number:
            letter = "N"
        elif kind in token.Name.Function:
            letter = "F"
        elif kind in token.Name.Class:
            letter = "O"
        elif kind in token.Name:
            letter = "V"
        else:
            letter = _letter(text)
        yield letter, begin, offset


_HASH_MASK = (1 << 53) - 1  # exact as a float64: copydetect's winnowing compares hashes as floats


def kgram_hashes(tokens: str, k: int) -> np.ndarray:
    """A hash of each run of ``k`` tokens, the same in every process."""
    data = tokens.encode("utf-32-le")
    width = 4 * k
    return np.array(
        [
            int.from_bytes(hashlib.blake2b(data[i : i + width], digest_size=8).digest(), "little")
            & _HASH_MASK
            for i in range(0, len(data) - width + 4, 4)
        ],
        dtype=np.int64,
    )


# A share is of the code a student did not share with more than ``common`` classmates, but
# never of less than this part of all their code: a module that is nearly all common code
# cannot reach a high share through a few uncommon tokens it happens to share with one other.
OWN_CODE_FLOOR = 0.5


@dataclass
class Fingerprint:
    normalised: Normalised
    positions: dict[int, list[int]]  # fingerprint hash -> token indexes where its run starts
    # tokens the share is of: those its fingerprints cover less common passages, but never
    # fewer than OWN_CODE_FLOOR of all it covers
    coverage: int = 0


def fingerprint(normalised: Normalised, settings: Settings, ignored: set[int]) -> Fingerprint:
    """The winnowed fingerprints of one module, less those in ``ignored`` (the given code)."""
    hashes = kgram_hashes(normalised.tokens, settings.min_match)
    positions: dict[int, list[int]] = defaultdict(list)
    if len(hashes):
        selected, indexes = winnow(hashes, settings.window, remove_duplicates=False)
        for value, index in zip(selected.tolist(), indexes.tolist()):
            if value not in ignored:
                positions[value].append(index)
    return Fingerprint(normalised, dict(positions))


def given_hashes(texts: list[str], settings: Settings) -> set[int]:
    """Every k-gram of the code students were given: none of it can make two students alike."""
    return {
        int(value)
        for text in texts
        for value in kgram_hashes(normalise(text).tokens, settings.min_match)
    }


@dataclass
class Pair:
    """Two students whose module is alike: the score, each side's share, the matching spans."""

    module: str  # "lesson1/losses.py"
    first: str
    second: str
    score: float  # the larger share
    shares: tuple[float, float]  # of each side's code, the part that matches the other's
    tokens: int  # matched tokens in the first student's module
    # where the matches lie, for the pair's page (only the ``shown`` most similar pairs):
    # source offsets per side, and per span the number of its match, the same on both sides
    spans: tuple[list[tuple[int, int]], list[tuple[int, int]]] = field(
        default_factory=lambda: ([], [])
    )
    matches: tuple[list[int], list[int]] = field(default_factory=lambda: ([], []))


@dataclass
class ModuleSimilarity:
    module: str
    students: list[str]  # those whose module could be read
    scores: list[float] = field(default_factory=list)  # every pair's score, for the histogram
    pairs: list[Pair] = field(default_factory=list)  # those at or over the threshold, best first


def compare_module(
    module: str, sources: dict[str, str], given: list[str], settings: Settings, shown: int
) -> ModuleSimilarity:
    """Every pair of ``sources`` (student -> code of ``module``) compared; the flagged pairs
    kept, the ``shown`` most similar with where their matches lie (a class whose settings flag
    half its pairs costs no more than their scores)."""
    ignored = given_hashes(given, settings)
    prints = {
        student: fingerprint(normalise(code), settings, ignored)
        for student, code in sorted(sources.items())
    }
    held = Counter(value for print_ in prints.values() for value in print_.positions)
    common = {value for value, count in held.items() if count > settings.common}
    holders: dict[int, list[str]] = defaultdict(list)
    for student, print_ in prints.items():
        length = len(print_.normalised.tokens)
        whole = get_token_coverage(print_.positions, settings.min_match, length)
        for value in common.intersection(print_.positions):
            del print_.positions[value]
        own = get_token_coverage(print_.positions, settings.min_match, length)
        print_.coverage = int(max(own, OWN_CODE_FLOOR * whole))
        for value in print_.positions:
            holders[value].append(student)
    sharing: set[tuple[str, str]] = set()  # pairs holding a fingerprint in common: the only ones
    for students in holders.values():  # to compare; every other pair scores 0
        sharing.update(itertools.combinations(students, 2))
    students = list(prints)
    result = ModuleSimilarity(module, students)
    for first, second in itertools.combinations(students, 2):
        if (first, second) not in sharing:
            result.scores.append(0.0)
            continue
        shares, tokens = _shares(prints[first], prints[second], settings.min_match)
        result.scores.append(max(shares))
        if max(shares) >= settings.threshold:
            result.pairs.append(Pair(module, first, second, max(shares), shares, tokens[0]))
    result.pairs.sort(key=lambda p: (-p.score, p.first, p.second))
    for pair in result.pairs[:shown]:
        locate(pair, prints[pair.first], prints[pair.second], settings.min_match)
    return result


def locate(pair: Pair, a: Fingerprint, b: Fingerprint, k: int) -> None:
    """Where the pair's matches lie in each side's source, for its page."""
    runs = _coloured_runs(a, b, a.positions.keys() & b.positions.keys(), k)
    pair.spans = ([(s, e) for s, e, _ in runs[0]], [(s, e) for s, e, _ in runs[1]])
    pair.matches = ([c for _, _, c in runs[0]], [c for _, _, c in runs[1]])


def _shares(a: Fingerprint, b: Fingerprint, k: int) -> tuple[tuple[float, float], list[int]]:
    """Each side's matched tokens over the tokens its fingerprints cover, and the matched tokens."""
    shared = a.positions.keys() & b.positions.keys()
    shares, tokens = [], []
    for print_ in (a, b):
        indexes = np.array([i for value in shared for i in print_.positions[value]], dtype=np.int64)
        found = get_copied_slices(indexes, k)
        matched = int(np.sum(found[1] - found[0])) if found.shape[1] else 0
        tokens.append(matched)
        shares.append(round(min(1.0, matched / print_.coverage), 4) if print_.coverage else 0.0)
    return (shares[0], shares[1]), tokens


def _coloured_runs(a: Fingerprint, b: Fingerprint, shared: set[int], k: int) -> list[list]:
    """Per side, (start, end, match number) in source offsets: the matched code, cut where it
    matches a different place of the other side (a reordered function is a match of its own).

    Fingerprints both sides hold link a token position on one side to one on the other; links
    along one diagonal (the same shift, give or take ``k`` tokens of edits) and no more than
    ``k`` apart form a block.  Each token takes the number of the longest block covering it,
    so a repeated line that links everywhere never splits a long match.
    """
    links = sorted(
        (i, j) for value in shared for i in a.positions[value] for j in b.positions[value]
    )
    blocks: list[list[int]] = []  # [first i, last i, first j, last j]
    for i, j in links:
        for block in reversed(blocks[-64:]):
            if i - block[1] <= k and abs((j - i) - (block[3] - block[1])) <= k and j >= block[3]:
                block[1], block[3] = i, j
                break
        else:
            blocks.append([i, i, j, j])
    blocks.sort(key=lambda block: (block[1] - block[0], -block[0]), reverse=True)
    sides = []
    for side, print_ in enumerate((a, b)):
        colour = np.full(len(print_.normalised.tokens), -1, dtype=np.int64)
        for number in range(len(blocks) - 1, -1, -1):  # the longest last: it wins
            start, end = blocks[number][2 * side], blocks[number][2 * side + 1] + k
            colour[start:end] = number
        runs, at = [], 0
        while at < len(colour):
            if colour[at] < 0:
                at += 1
                continue
            end = at
            while end < len(colour) and colour[end] == colour[at]:
                end += 1
            runs.append(
                (
                    int(print_.normalised.starts[at]),
                    int(print_.normalised.ends[end - 1]),
                    int(colour[at]),
                )
            )
            at = end
        sides.append(runs)
    return sides
