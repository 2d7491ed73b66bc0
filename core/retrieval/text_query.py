"""Building FTS5 queries from free text: tokens, stopwords, quoted phrases."""

from __future__ import annotations

import re

STOPWORDS = frozenset(
    [
        "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at",
        "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could",
        "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has",
        "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if",
        "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor",
        "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out",
        "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs",
        "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too",
        "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who",
        "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves", "ever",
        "also", "did", "does", "anything", "something", "thing", "things", "kind", "get", "got", "go", "went",
        "say", "said", "tell", "told", "like",
    ]
)

_TOKEN = re.compile(r"[\w][\w'’-]*", re.UNICODE)
_PHRASE = re.compile(r'"([^"]+)"')


def quoted_phrases(query: str) -> list[str]:
    return [p.strip() for p in _PHRASE.findall(query) if p.strip()]


def keywords(query: str) -> list[str]:
    """Content words of the query, lower-cased, in order, without duplicates."""
    seen: dict[str, None] = {}
    for tok in _TOKEN.findall(query.lower()):
        tok = tok.strip("'’-").replace("’", "'")
        if tok.endswith("'s"):
            tok = tok[:-2]
        if (len(tok) > 1 and tok not in STOPWORDS) or tok.isdigit():
            seen.setdefault(tok, None)
    return list(seen)


def fts_or_query(words: list[str]) -> str | None:
    """An FTS5 MATCH expression OR-ing the words; each is quoted so none is read as syntax."""
    parts = ['"' + w.replace('"', "") + '"' for w in words if w.replace('"', "")]
    return " OR ".join(parts) if parts else None


def fts_phrase_query(phrase: str) -> str:
    return '"' + phrase.replace('"', "") + '"'
