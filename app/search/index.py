"""A compact inverted index of stemmed words over published items, rebuilt with each snapshot."""

from __future__ import annotations  # array[int] in annotations (subscriptable only from 3.12)

import re
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from Stemmer import Stemmer as Snowball

from app.core.http import compact_json

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
    names: list[str] = field(default_factory=list)
    postings: dict[str, tuple[array[int], array[int]]] = field(default_factory=dict)
    stemmer: Stems = field(default_factory=Stems)

    def add(self, kind: str, item: Mapping[str, Any]) -> None:
        """Index one item's text fields."""
        position = len(self.hits)
        hit = {"type": kind, "slug": item["slug"], "name": item["name"], "summary": item["summary"]}
        self.hits.append(compact_json(hit))
        self.kinds.append(kind)
        self.names.append(str(item["name"]).lower())
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
        """Items holding every word of the query, best first: by weight, then by name."""
        terms = list(dict.fromkeys(self.stemmer.words(query, remember=False)))
        terms = [t for t in terms if t not in _STOP_WORDS] or terms
        if not terms:
            return []
        scores: dict[int, int] | None = None
        for term in sorted(terms, key=lambda t: len(self.postings.get(t, ((), ()))[0])):
            posting = self.postings.get(term)
            if posting is None:
                return []
            found = dict(zip(posting[0], posting[1], strict=True))
            scores = found if scores is None else {i: s + found[i] for i, s in scores.items() if i in found}
            if not scores:
                return []
        assert scores is not None
        ranked = sorted(
            (i for i in scores if kind is None or self.kinds[i] == kind),
            key=lambda i: (-scores[i], self.names[i]),
        )
        return [self.hits[i] for i in ranked[:limit]]
