"""A compact inverted index of stemmed words over published items, rebuilt with each snapshot; queries
are widened with the synonyms people use and forgive a typo."""

from __future__ import annotations  # array[int] in annotations (subscriptable only from 3.12)

import re
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from Stemmer import Stemmer as Snowball

from app.core.representation import compact_json

_WORD = re.compile(r"[a-z0-9]+")
# Where a word appears decides how much it counts: a match in the name outranks any in the body.
FIELD_WEIGHTS: Mapping[str, int] = {
    "name": 16,
    "title": 8,
    "summary": 4,
    "body": 1,
    "when_to_use": 1,
    "cautions": 1,
    "action": 1,
}
# Words too common to narrow a search; ignored unless the query has nothing else.
_STOP_WORDS = frozenset(
    (
        "a",
        "an",
        "and",
        "are",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "its",
        "my",
        "of",
        "on",
        "or",
        "the",
        "to",
        "was",
        "with",
    )
)


# A match on the word typed counts twice as much as a match through one of its synonyms or a typo.
_TYPED, _WIDENED = 2, 1
_LONGEST_PHRASE = 3
_SYNONYMS_FILE = Path(__file__).with_name("synonyms.yaml")


def _typo_edits(stem: str) -> int:
    """How many edits (Damerau-Levenshtein) a word may be from the one meant: none for short words."""
    return 0 if len(stem) < 4 else 1 if len(stem) <= 6 else 2


@dataclass(frozen=True)
class Synonyms:
    """Query words and phrases, and the words the content uses for the same thing (synonyms.yaml)."""

    alternatives: Mapping[tuple[str, ...], tuple[tuple[str, ...], ...]]

    @classmethod
    def load(cls, path: Path = _SYNONYMS_FILE) -> Synonyms:
        raw: dict[str, list[str]] = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(
            {
                tuple(_WORD.findall(key.lower())): tuple(tuple(_WORD.findall(alt.lower())) for alt in alternatives)
                for key, alternatives in raw.items()
            }
        )

    def groups(self, words: Sequence[str]) -> list[list[tuple[tuple[str, ...], int]]]:
        """Per word or known phrase of a query, in order: what may match it, and how much a match counts."""
        found = []
        start = 0
        while start < len(words):
            size = next(
                size
                for size in range(min(_LONGEST_PHRASE, len(words) - start), 0, -1)
                if size == 1 or tuple(words[start : start + size]) in self.alternatives
            )
            phrase = tuple(words[start : start + size])
            widened = [(alternative, _WIDENED) for alternative in self.alternatives.get(phrase, ())]
            found.append([(phrase, _TYPED), *widened])
            start += size
        return found


SYNONYMS = Synonyms.load()


class Stems:
    """English Snowball stems ("walking" and "walks" are "walk"), each word stemmed once."""

    def __init__(self) -> None:
        self._stemmer = Snowball("english")
        self._known: dict[str, str] = {}

    def words(self, text: str, *, remember: bool = True) -> list[str]:
        """The stems of the words in a text, in order; queries are not remembered, so that
        what clients send cannot grow the cache."""
        words = _WORD.findall(text.lower())
        if not remember:
            return list(self._stemmer.stemWords(words))
        known = self._known
        new = [word for word in words if word not in known]
        if new:
            known.update(zip(new, self._stemmer.stemWords(new), strict=True))
        return [known[word] for word in words]


@dataclass
class SearchIndex:
    """Per stem, the items holding it and their weights, in two parallel compact arrays."""

    hits: list[bytes] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    slugs: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    red_flags: list[bool] = field(default_factory=list)
    postings: dict[str, tuple[array[int], array[int]]] = field(default_factory=dict)
    stemmer: Stems = field(default_factory=Stems)
    vocabulary: list[str] = field(default_factory=list)  # every indexed stem, sorted; made on first need

    def add(self, kind: str, item: Mapping[str, Any]) -> None:
        """Index one item's text fields."""
        position = len(self.hits)
        hit = {"type": kind, "slug": item["slug"], "name": item["name"], "summary": item["summary"]}
        self.hits.append(compact_json(hit))
        self.kinds.append(kind)
        self.slugs.append(item["slug"])
        self.names.append(str(item["name"]).lower())
        self.red_flags.append(item.get("red_flag") is True)
        weights: dict[str, int] = {}
        words = self.stemmer.words
        for name, weight in FIELD_WEIGHTS.items():
            text = item.get(name)
            if isinstance(text, str):
                for stem in words(text):
                    weights[stem] = weights.get(stem, 0) + weight
        postings = self.postings
        for stem, weight in weights.items():
            posting = postings.get(stem)
            if posting is None:
                posting = postings[stem] = (array("I"), array("I"))
            posting[0].append(position)
            posting[1].append(weight)

    def search(self, query: str, *, kind: str | None, limit: int) -> list[bytes]:
        """The hits (`{type, slug, name, summary}` as JSON) of the best items, as `_ranked` orders them."""
        return [self.hits[i] for i in self._ranked(query, kind=kind, limit=limit)]

    def matches(self, query: str, *, kind: str | None, limit: int) -> list[tuple[str, str]]:
        """The type and slug of the best items, as `_ranked` orders them."""
        return [(self.kinds[i], self.slugs[i]) for i in self._ranked(query, kind=kind, limit=limit)]

    def _ranked(self, query: str, *, kind: str | None, limit: int) -> list[int]:
        """Items matching every word of the query (itself, a synonym, or the word a typo meant): those
        matching every word in their name first; within each, guidance before the sources it cites, red
        flags first, then by weight and name."""
        groups = SYNONYMS.groups(_WORD.findall(query.lower()))
        groups = [group for group in groups if not set(group[0][0]) <= _STOP_WORDS] or groups
        if not groups:
            return []
        scores: dict[int, int] | None = None
        strong: set[int] | None = None  # items matching each word as strongly as a match in the name would
        for group in groups:
            found = self._matches(group)
            named = {i for i, score in found.items() if score >= FIELD_WEIGHTS["name"] * _WIDENED}
            scores = found if scores is None else {i: s + found[i] for i, s in scores.items() if i in found}
            strong = named if strong is None else strong & named
            if not scores:
                return []
        assert scores is not None
        assert strong is not None
        ranked = sorted(
            (i for i in scores if kind is None or self.kinds[i] == kind),
            key=lambda i: (
                i not in strong,
                self.kinds[i] == "source",
                not self.red_flags[i],
                -scores[i],
                self.names[i],
            ),
        )
        return ranked[:limit]

    def _matches(self, group: list[tuple[tuple[str, ...], int]]) -> dict[int, int]:
        """Items matching any alternative of one query word, scored by their best; a word that matches
        nothing at all is taken for a typo of the nearest words the index holds."""
        alternatives = [(self.stemmer.words(" ".join(words), remember=False), factor) for words, factor in group]
        found = self._best(alternatives)
        typed = alternatives[0][0]
        if not found and len(typed) == 1:
            found = self._best([([near], _WIDENED) for near in self._near(typed[0])])
        return found

    def _best(self, alternatives: list[tuple[list[str], int]]) -> dict[int, int]:
        """Items holding all the stems of any alternative, each scored by its best alternative."""
        found: dict[int, int] = {}
        for stems, factor in alternatives:
            for position, weight in self._holding_all(stems).items():
                found[position] = max(found.get(position, 0), weight * factor)
        return found

    def _holding_all(self, stems: list[str]) -> dict[int, int]:
        """Items holding every stem, with their summed weights."""
        scores: dict[int, int] | None = None
        for stem in sorted(set(stems), key=lambda t: len(self.postings.get(t, ((), ()))[0])):
            posting = self.postings.get(stem)
            if posting is None:
                return {}
            found = dict(zip(posting[0], posting[1], strict=True))
            scores = found if scores is None else {i: s + found[i] for i, s in scores.items() if i in found}
            if not scores:
                return {}
        return scores or {}

    def _near(self, stem: str) -> list[str]:
        """The indexed stems fewest edits away from a stem that is not indexed, within its allowance."""
        edits = _typo_edits(stem)
        if edits == 0:
            return []
        # Loaded with the first query that needs a guess: most never do.
        from rapidfuzz import process
        from rapidfuzz.distance import DamerauLevenshtein

        if not self.vocabulary:
            self.vocabulary = sorted(self.postings)
        close = process.extract(
            stem, self.vocabulary, scorer=DamerauLevenshtein.distance, score_cutoff=edits, limit=None
        )
        nearest = min((distance for _, distance, _ in close), default=None)
        return [found for found, distance, _ in close if distance == nearest]
