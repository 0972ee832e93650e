"""The gazetteer: countries, capitals, nationalities, organisations, state bodies and people, as TOML data.

Every file in configs/gazetteer/ (and any user file passed as `extra`) holds tables by kind:

    [countries.AZE]      names, capitals, adjectives, demonyms   (files merge by code)
    [organisations.OTS]  names                                   (actor = the code)
    [bodies."Кремль"]    actor, names                            (metonymy: the body stands for its state)
    [people."Ильхам Алиев"] actor, role, names
    [cities."Актау"]     names (actor-less places);  [states."Джорджия"] names, after
    [body_heads] words   generic state-body heads ("МИД", "министерство") that take a country
    [roles.<role>] words role nouns ("президент") that point to the person holding the role

A user file merges into the bundled data by code (countries) or adds entries; a name the bundled
data already has keeps its bundled meaning.

Names match by pymorphy3 lemmas, so "Азербайджаном" and "Организации тюркских государств" match
their nominative entries; a capitalised name only matches capitalised text ("Штаты", not "штаты").
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from . import morph, paths
from .config import read_toml

GAZETTEER_DIR = paths.CONFIGS / "gazetteer"
TOKEN = re.compile(r"\w+|[^\w\s]")
PROPER_TAGS = ("Geox", "Name", "Surn", "Patr", "Orgn", "Abbr")

# The NEREL type of each kind of entry.
KIND_TYPES = {
    "country": "COUNTRY", "capital": "CITY", "city": "CITY", "state": "STATE_OR_PROVINCE",
    "adjective": "NATIONALITY", "demonym": "NATIONALITY", "organisation": "ORGANIZATION",
    "body": "ORGANIZATION", "person": "PERSON", "role": "PROFESSION",
}
# When two entries share a name, the earlier kind wins ("Люксембург" is the country, not the capital).
KIND_PRIORITY = ("country", "organisation", "body", "person", "capital", "adjective", "demonym",
                 "role", "city", "state")


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str
    name: str  # canonical name, nominative
    actor: str | None = None
    role: str | None = None

    @property
    def type(self) -> str:
        return KIND_TYPES[self.kind]


@dataclass(frozen=True, slots=True)
class Match:
    start: int
    end: int
    text: str
    variant: str  # the gazetteer name that matched, as written in the data (nominative)
    entry: Entry


@dataclass(frozen=True, slots=True)
class Pattern:
    lemmas: tuple[frozenset[str], ...]  # per word: its lemma and itself (pymorphy3 misreads "Токаев")
    capitalised: tuple[bool, ...]
    after: str | None  # lemma of the word that must precede ("штат" Джорджия)
    variant: str
    entry: Entry
    rank: int  # among patterns of one length: constrained ones, then by KIND_PRIORITY, then file order

    @property
    def order(self) -> tuple[int, bool, int]:
        return -len(self.lemmas), self.after is None, self.rank


def fold(word: str) -> str:
    return word.lower().replace("ё", "е")


@lru_cache(maxsize=200_000)
def word_lemmas(word: str) -> frozenset[str]:
    """Every lemma pymorphy3 offers for a text word, plus the word itself (unknown acronyms: "ОТГ")."""
    folded = fold(word)
    return frozenset({folded} | {fold(p.normal_form) for p in morph.parses(folded)})


@lru_cache(maxsize=50_000)
def name_lemma(word: str) -> str:
    """The lemma of a word in a gazetteer name (names are written in the nominative), preferring
    proper-noun readings: "Мали" the country, not the adjective; "Жомарт" the name, not a plural."""
    parses = morph.parses(fold(word))
    proper = [p for p in parses if any(tag in p.tag for tag in PROPER_TAGS)]
    nominative = [p for p in parses if "nomn" in p.tag]
    ranked = [p for p in proper if p in nominative] + nominative + proper + list(parses)
    return fold(ranked[0].normal_form) if ranked else fold(word)


FUNCTION_WORDS = {"NPRO", "PREP", "CONJ", "PRCL", "PRED", "INTJ"}


def sentence_start(toks: list[re.Match], i: int) -> bool:
    return i == 0 or toks[i - 1].group() in ".!?…:;\"«"


def is_function_word(word: str) -> bool:
    """"Того же мнения": a capitalised pronoun at a sentence start is not Togo."""
    return morph.parse(fold(word)).tag.POS in FUNCTION_WORDS or "Apro" in morph.parse(fold(word)).tag


def tokens(text: str) -> list[re.Match]:
    return list(TOKEN.finditer(text))


def combining_form(adjective: str) -> str | None:
    """"российский" -> "российско" (as in "российско-китайские"); irregular ones ("американо") are data."""
    return adjective[:-2] + "о" if adjective.endswith(("ий", "ый", "ой")) else None


class Gazetteer:
    def __init__(self, entries: Iterable[tuple[str, Entry, str | None]], body_heads: Iterable[str]):
        self.index: dict[str, list[Pattern]] = defaultdict(list)
        self.by_name: dict[str, Entry] = {}
        seen: set[tuple] = set()
        ranked = sorted(entries, key=lambda item: KIND_PRIORITY.index(item[1].kind))
        for rank, (variant, entry, after) in enumerate(ranked):
            pattern = self._pattern(variant, entry, after, rank)
            key = (pattern.lemmas, pattern.capitalised, pattern.after)
            if pattern.lemmas and key not in seen:
                seen.add(key)
                for lemma in pattern.lemmas[0]:
                    self.index[lemma].append(pattern)
            self.by_name.setdefault(entry.name, entry)
        self.body_heads = frozenset(name_lemma(w) for w in body_heads)
        self.people = tuple(e for e in self.by_name.values() if e.kind == "person")

    @staticmethod
    def _pattern(variant: str, entry: Entry, after: str | None, rank: int) -> Pattern:
        words = [t.group() for t in tokens(variant)]
        return Pattern(tuple(frozenset({name_lemma(w), fold(w)}) for w in words), tuple(w[:1].isupper() for w in words),
                       name_lemma(after) if after else None, variant, entry, rank)

    @classmethod
    def load(cls, extra: Iterable[str | Path] = ()) -> "Gazetteer":
        """The bundled gazetteer, extended by the user's TOML files (same layout) in `extra`."""
        files = sorted(GAZETTEER_DIR.glob("*.toml")) + [paths.resolve(p) for p in extra]
        return cls.from_tables([read_toml(f) for f in files])

    @classmethod
    def from_tables(cls, tables: list[dict]) -> "Gazetteer":
        countries: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        entries, heads = [], []
        for table in tables:
            for code, fields in table.get("countries", {}).items():
                for key, values in fields.items():
                    countries[code][key] += [values] if isinstance(values, str) else values
            entries += list(named_entries(table))
            heads += table.get("body_heads", {}).get("words", [])
        for code, fields in countries.items():
            entries += list(country_entries(code, fields))
        return cls(entries, heads)

    def match(self, text: str) -> list[Match]:
        """Non-overlapping gazetteer mentions in `text`, longest first, left to right."""
        toks = tokens(text)
        found, i = [], 0
        while i < len(toks):
            pattern = self._longest_at(toks, i)
            if pattern is None:
                i += 1
                continue
            end = i + len(pattern.lemmas)
            start, stop = toks[i].start(), toks[end - 1].end()
            found.append(Match(start, stop, text[start:stop], pattern.variant, pattern.entry))
            i = end
        return found

    def lookup(self, text: str) -> Match | None:
        """The mention that best explains a whole span: the longest match inside it, first on ties."""
        matches = self.match(text)
        return max(matches, key=lambda m: m.end - m.start, default=None)

    def _longest_at(self, toks: list[re.Match], i: int) -> Pattern | None:
        candidates = {p for lemma in word_lemmas(toks[i].group()) for p in self.index.get(lemma, ())}
        for pattern in sorted(candidates, key=lambda p: p.order):
            if self._fits(pattern, toks, i):
                return pattern
        return None

    @staticmethod
    def _fits(pattern: Pattern, toks: list[re.Match], i: int) -> bool:
        if i + len(pattern.lemmas) > len(toks):
            return False
        if len(pattern.lemmas) == 1 and not pattern.variant.isupper() and sentence_start(toks, i) \
                and is_function_word(toks[i].group()):
            return False
        if pattern.after and (i == 0 or pattern.after not in word_lemmas(toks[i - 1].group())):
            return False
        for offset, (lemmas, capital) in enumerate(zip(pattern.lemmas, pattern.capitalised)):
            word = toks[i + offset].group()
            if lemmas.isdisjoint(word_lemmas(word)) or (capital and not word[:1].isupper()):
                return False
        return True

    def surname_people(self, surname: str) -> list[Entry]:
        """Gazetteer people whose last name word is `surname` (nominative)."""
        return [e for e in self.people if fold(e.name.split()[-1]) == fold(surname)]

    def holder(self, role: str, actor: str) -> Entry | None:
        """The person who holds `role` ("head_of_state") for `actor` ("KAZ")."""
        return next((e for e in self.people if e.role == role and e.actor == actor), None)


def country_entries(code: str, fields: dict[str, list[str]]) -> Iterable[tuple[str, Entry, None]]:
    names = fields.get("names", [])
    if not names:
        return
    for name in names:
        yield name, Entry("country", names[0], code), None
    for capital in fields.get("capitals", []):
        yield capital, Entry("capital", fields["capitals"][0], code), None
    for adjective in fields.get("adjectives", []):
        yield adjective, Entry("adjective", adjective, code), None
        if form := combining_form(adjective):
            yield form, Entry("adjective", adjective, code), None
    for demonym in fields.get("demonyms", []):
        yield demonym, Entry("demonym", demonym, code), None


def named_entries(table: dict) -> Iterable[tuple[str, Entry, str | None]]:
    for code, fields in table.get("organisations", {}).items():
        for name in fields["names"]:
            yield name, Entry("organisation", fields["names"][0], fields.get("actor", code)), None
    for kind, section in (("body", "bodies"), ("person", "people"), ("city", "cities"),
                          ("state", "states")):
        for name, fields in table.get(section, {}).items():
            entry = Entry(kind, name, fields.get("actor"), fields.get("role"))
            for variant in [name, *fields.get("names", [])]:
                yield variant, entry, fields.get("after")
    for role, fields in table.get("roles", {}).items():
        for word in fields["words"]:
            yield word, Entry("role", word, None, role), None


def countries_from_pycountry() -> str:
    """TOML with the Russian (and English) ISO 3166 names of every country, as pycountry ships them.

    configs/gazetteer/countries_iso.toml is this function's output; short forms, capitals and
    adjectives are completed by hand in countries.toml (files merge by code).
    """
    import gettext

    import pycountry

    ru = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"]).gettext
    lines = ["# Generated by pipeline.gazetteer.countries_from_pycountry(); do not edit by hand.", ""]
    for country in pycountry.countries:
        english = [getattr(country, key, None) for key in ("name", "common_name", "official_name")]
        names = [ru(country.name)] + [ru(n) for n in english[1:] if n and ru(n) != n] + english
        unique = list(dict.fromkeys(n.replace("\u0301", "") for n in names if n and "," not in n))
        lines.append(f"[countries.{country.alpha_3}]\nnames = {toml_list(unique)}\n")
    return "\n".join(lines)


def toml_list(values: list[str]) -> str:
    return "[" + ", ".join('"' + v.replace('"', '\\"') + '"' for v in values) + "]"


@lru_cache(maxsize=8)
def default_gazetteer(extra: tuple[str, ...] = ()) -> Gazetteer:
    """One loaded gazetteer per process and set of user files."""
    return Gazetteer.load(extra)
