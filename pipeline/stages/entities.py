"""Named entities with NEREL types, nominative normal forms, the actor they stand for, and clusters.

The tagger (slovnet, or a trained NEREL model) finds the spans; the gazetteer refines slovnet's
LOCATION into COUNTRY / CITY / STATE_OR_PROVINCE, adds the mentions slovnet has no type for
(NATIONALITY adjectives and demonyms, office titles before a country) and links each mention to the
state or organisation it stands for. Capitals stand for their state only where they act as one
(corpora/guidelines/actors.md); coreference (pipeline/coref.py) then joins short person mentions.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import NamedTuple

from .. import coref, paths
from ..gazetteer import Gazetteer, Match, default_gazetteer, word_lemmas
from ..ner import load_tagger
from ..normal import normal_form
from ..record import Doc
from ..registry import Stage, register

ACTING_KINDS = {"country", "adjective", "demonym", "organisation", "body", "person"}
COARSE = {"LOCATION", "ORGANIZATION", "PERSON"}
STRIP = " \t\n«»\"'“”„()"

# Capital metonymy (see the guideline): the words around a capital that make it act as its state.
PLACE_PREPOSITIONS = {"в", "во", "на", "из", "изо", "через", "до", "под", "около", "возле", "близ", "по",
                      "над", "вокруг", "от", "к", "ко"}
AGENT_PREPOSITIONS = {"между", "для", "с", "со", "против", "вопреки"}
RELATIONAL_WORDS = {
    "отношение", "сотрудничество", "партнерство", "позиция", "политика", "связь", "интерес", "решение",
    "заявление", "ответ", "реакция", "власть", "руководство", "правительство", "переговоры", "диалог",
    "товарооборот", "торговля", "соглашение", "договоренность", "усилие", "давление", "требование",
    "поддержка", "союз", "сторона", "санкция", "претензия", "обвинение", "предложение", "инициатива",
    "намерение", "стремление", "роль", "курс", "официальный", "сближение", "взаимодействие", "контакт",
    "спор", "конфликт", "противостояние", "примирение", "ось", "альянс", "тандем",
}
CONJUNCTIONS = {"и", ",", "или", "либо"}
NEXT_WORD = re.compile(r"\s*(\w+)")


class Mention(NamedTuple):
    start: int
    end: int
    type: str
    match: Match | None  # the gazetteer name of the whole mention (of a COUNTRY span: inside it)


@register("entities.v1")
class Entities(Stage):
    requires = ("sents", "tokens")
    assigns = ("entities",)

    def __init__(self, model: str = "slovnet", gazetteer_extra: list[str] = (), **params) -> None:
        super().__init__(model=model, gazetteer_extra=list(gazetteer_extra), **params)
        self.tagger = load_tagger(model)
        self.gazetteer = default_gazetteer(tuple(str(paths.resolve(p)) for p in gazetteer_extra))

    def __call__(self, docs: list[Doc]) -> None:
        texts = [doc.text for doc in docs]
        if getattr(self.tagger, "takes_words", False):  # the segment stage's tokens, not a second tokenisation
            tagged = self.tagger(texts, [[t.text for t in doc.tokens] for doc in docs])
        else:
            tagged = self.tagger(texts)
        for doc, spans in zip(docs, tagged):
            annotate(doc, spans, self.gazetteer)

    def process(self, doc: Doc) -> None:
        self([doc])


def annotate(doc: Doc, spans: list[tuple[int, int, str]], gazetteer: Gazetteer) -> None:
    """Write `doc.fields["entities"]` from the tagger's spans and the gazetteer's matches."""
    matches = gazetteer.match(doc.text)
    mentions = merge(doc.text, spans, matches)
    entities = [entity_dict(doc.text, *mention) for mention in mentions]
    link_in_context(doc, entities, mentions, gazetteer)
    link_roles(doc.text, entities)
    coref.resolve(entities, gazetteer, [m.match.entry.name if m.match else None for m in mentions])
    doc.fields["entities"] = entities


# --- mentions: tagger spans refined by the gazetteer, plus gazetteer-only mentions ---------------

def merge(text: str, spans, matches: list[Match]) -> list[Mention]:
    """The tagger's spans, refined, and the gazetteer's mentions the tagger missed, sorted by start."""
    starts = [m.start for m in matches]
    mentions, taken = [], []
    for start, end, type in spans:
        start, end = trim(text, start, end)
        if start >= end:
            continue  # nothing but quotes or brackets
        inside = matches[bisect_left(starts, start):bisect_right(starts, end - 1)]
        whole = next((m for m in inside if (m.start, m.end) == (start, end)), None)
        if whole is None and glued(text, start, end, inside):
            continue  # the gazetteer's own mentions below replace it
        mentions.append(Mention(start, end, refine(type, whole), whole or best_inside(type, inside)))
        taken.append((start, end))
    for match in matches:
        if match.entry.kind != "role" and not names_a_language(text, match) and \
                not any(s < match.end and match.start < e for s, e in taken):
            mentions.append(Mention(match.start, match.end, match.entry.type, match))
    mentions.sort(key=lambda m: (m.start, -m.end))
    titles = [Mention(r.start, r.end, "PROFESSION", r) for r in role_mentions(text, matches, mentions)]
    return sorted(mentions + titles, key=lambda m: (m.start, -m.end))


def glued(text: str, start: int, end: int, inside: list[Match]) -> bool:
    """The tagger joined several gazetteer names: "Организации тюркских государств (ОТГ"."""
    if len(inside) < 2 or any(m.entry.kind == "role" for m in inside):
        return False
    rest = text[start:end]
    for m in reversed(inside):
        rest = rest[: m.start - start] + rest[m.end - start:]
    return not any(c.isalnum() for c in rest)


def names_a_language(text: str, match: Match) -> bool:
    """"на русском языке" is a language, not Russia."""
    following = NEXT_WORD.match(text, match.end)
    return match.entry.kind == "adjective" and following is not None and "язык" in word_lemmas(following.group(1))


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in STRIP:
        start += 1
    while end > start and text[end - 1] in STRIP:
        end -= 1
    return start, end


def refine(type: str, whole: Match | None) -> str:
    """The gazetteer's type where it knows the whole mention better than slovnet's PER/LOC/ORG:
    "Казахстан" LOCATION -> COUNTRY, "Американец" PERSON -> NATIONALITY. A state body keeps the
    tagger's reading (the Kremlin is a building or an organisation), a role keeps its own."""
    if whole is None or whole.entry.kind == "role" or type not in COARSE:
        return type
    if whole.entry.kind == "body":
        return "ORGANIZATION" if type == "PERSON" else type
    return whole.entry.type


def best_inside(type: str, inside: list[Match]) -> Match | None:
    """A country span's own name inside it ("«Российская" -> Россия); other types need a whole match."""
    if type in ("COUNTRY", "NATIONALITY") and inside:
        return max(inside, key=lambda m: m.end - m.start)
    return None


def role_mentions(text: str, matches: list[Match], mentions: list[Mention]) -> list[Match]:
    """Office titles directly followed by a country mention: "президент Казахстана"."""
    starts = [m.start for m in mentions]
    titles = []
    for match in (m for m in matches if m.entry.kind == "role"):
        at = bisect_left(starts, match.end)
        if at < len(mentions) and mentions[at].type == "COUNTRY" and not text[match.end:mentions[at].start].strip() \
                and (at == 0 or mentions[at - 1].end <= match.start):
            titles.append(match)
    return titles


# --- normal forms and actors ---------------------------------------------------------------------

def entity_dict(text: str, start: int, end: int, type: str, match: Match | None) -> dict:
    """The record's entity: span, NEREL type, normal form, actor (and `role` for office titles)."""
    whole = match is not None and (match.start, match.end) == (start, end)
    mention = text[start:end]
    entity = {"start": start, "end": end, "text": mention, "type": type,
              "normal": gazetteer_normal(match) if whole else normal_form(mention, type),
              "actor": actor_of(match) if match else None}
    if match is not None and match.entry.kind == "role":
        entity["role"] = match.entry.role
    return entity


def gazetteer_normal(match: Match) -> str:
    """The gazetteer's nominative: the matched name ("РФ" stays "РФ"); one name for a person and
    for a nationality ("российско-" -> "российский"); a role title inflected as usual."""
    if match.entry.kind in ("person", "adjective", "demonym"):
        return match.entry.name
    return normal_form(match.text, "PROFESSION") if match.entry.kind == "role" else match.variant


def actor_of(match: Match) -> str | None:
    """The actor a gazetteer mention stands for by itself (capitals are decided in context)."""
    return match.entry.actor if match.entry.kind in ACTING_KINDS else None


def country_actor(text: str, gazetteer: Gazetteer) -> str | None:
    """The state a COUNTRY mention's text names ("Российской Федерации" -> RUS), or None; a capital
    tagged as a country is its government ("Иерусалим" -> ISR)."""
    match = gazetteer.lookup(text)
    return match.entry.actor if match and (match.entry.kind in ACTING_KINDS or match.entry.kind == "capital") else None


def state_body_actor(text: str, gazetteer: Gazetteer) -> str | None:
    """"МИД России", "Министерство иностранных дел Азербайджана": a state body head with a country."""
    words = text.split()
    if not words or not (word_lemmas(words[0].strip(STRIP)) & gazetteer.body_heads):
        return None
    inside = [m for m in gazetteer.match(text) if m.entry.kind in ("country", "adjective")]
    return inside[0].entry.actor if inside else None


def link_in_context(doc: Doc, entities: list[dict], mentions: list[Mention], gazetteer: Gazetteer) -> None:
    """Capitals act as their state by context; unknown organisations may be state bodies."""
    starts = [t.start for t in doc.tokens]
    for i, (entity, match) in enumerate(zip(entities, (m.match for m in mentions))):
        if match is not None and match.entry.kind == "capital":
            entity["actor"] = match.entry.actor if capital_acts(doc, starts, mentions, i) else None
        elif entity["type"] == "ORGANIZATION" and entity["actor"] is None:
            entity["actor"] = state_body_actor(entity["text"], gazetteer)


def is_state_like(mention: Mention) -> bool:
    return mention.match is not None and mention.match.entry.kind in ("country", "capital")


def coordinated(text: str, left: Mention, right: Mention) -> bool:
    return text[left.end:right.start].strip() in CONJUNCTIONS


def conjunct_chain(text: str, mentions: list[Mention], i: int) -> tuple[int, int]:
    """The first and last mention of a coordination of states or capitals around mention i."""
    first = last = i
    while first > 0 and is_state_like(mentions[first - 1]) and coordinated(text, mentions[first - 1], mentions[first]):
        first -= 1
    while last + 1 < len(mentions) and is_state_like(mentions[last + 1]) and \
            coordinated(text, mentions[last], mentions[last + 1]):
        last += 1
    return first, last


def coordinated_with_place(text: str, mentions: list[Mention], first: int, last: int) -> bool:
    """"порты Алят и Баку": a capital listed with ordinary places is a place."""
    places = ("CITY", "LOCATION", "STATE_OR_PROVINCE", "FACILITY")
    before = first > 0 and mentions[first - 1].type in places and coordinated(text, mentions[first - 1], mentions[first])
    after = last + 1 < len(mentions) and mentions[last + 1].type in places and \
        coordinated(text, mentions[last], mentions[last + 1])
    return before or after


def capital_acts(doc: Doc, starts: list[int], mentions: list[Mention], i: int) -> bool:
    """A capital acts as its state after a relational preposition or noun ("для Астаны",
    "сотрудничество Баку и Астаны") or before a verb ("Баку и Астана рассматривают"); after a place
    preposition ("через Баку") and everywhere else it is a place."""
    first, last = conjunct_chain(doc.text, mentions, i)
    if coordinated_with_place(doc.text, mentions, first, last):
        return False
    at = bisect_left(starts, mentions[first].start)
    before = doc.tokens[at - 1] if at > 0 else None
    at = bisect_left(starts, mentions[last].end)
    after = doc.tokens[at] if at < len(doc.tokens) else None
    if before is not None and before.text.lower() in PLACE_PREPOSITIONS:
        return False
    if before is not None and (before.text.lower() in AGENT_PREPOSITIONS or before.lemma in RELATIONAL_WORDS):
        return True
    return after is not None and after.pos == "VERB"


def link_roles(text: str, entities: list[dict]) -> None:
    """A PROFESSION mention followed by a country stands for that country ("министр Казахстана")."""
    for entity, after in zip(entities, entities[1:]):
        if entity["type"] == "PROFESSION" and entity["actor"] is None and after["type"] == "COUNTRY" \
                and not text[entity["end"]:after["start"]].strip():
            entity["actor"] = after["actor"]
