"""Claims: the text cut into statements, each typed, hedged or asserted, and tied to whoever said it.

Rules, not models (the stage must stay cheap): the words live in pipeline/data/speech.toml and the
decisions are small named functions. Speech is found four ways (corpora/guidelines/claims.md):

* direct quotes — a span in «», "", „“ or “” framed by a speech cue (", — сказал X" after it,
  "X заявил:" / "X заявил, что" / "по словам X," / "X:" before it, or an interrupting ", — сказал X, —"
  inside it), or a whole sentence of enough words; a quoted span without a cue is a name or a scare
  quote («Газпром», "каспийский груз") and is not speech;
* block quotes — a line ending in "X сказал:" whose next paragraph is the words (Wikinews style), and
  headlines "Кисин: Продолжайте ...";
* indirect speech — "X заявил, что ...", "по словам X, ...", "X напомнил о ...: ...",
  "..., — сообщил X", "Об этом сообщил X" (the previous sentence is X's).

The speaker is an entity from `doc.fields["entities"]`: a person before an organisation before a
place; before the verb the nominative one nearest to it (the subject, asides and relative clauses
skipped), after it the first one. A pronoun or a title without a name ("он", "министр") is the person
the document introduced with that title, else the last speaker, else the nearest preceding person, of
the verb's gender. With no entity, a descriptive noun phrase speaks ("владелец летной школы"), and a
bare organisation noun ("министерство") stands for the organisation named before. A person's normal
form is widened to the fullest name of the same person in the document ("Лавров" → "Сергей Лавров").
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import morph
from ..config import read_toml
from ..record import Doc, Span, Token
from ..registry import Stage, register

RULES_PATH = Path(__file__).resolve().parents[1] / "data" / "speech.toml"
TERMINAL = ".!?…;:"
DASHES = "-—–"
OPENING_MARKS = "«\"„“"
PERSON_TYPES = ("PERSON", "PER")
WORD = re.compile(r"\w+")
DIGIT = re.compile(r"\d")
ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")
YEAR = re.compile(r"(?:19|20)\d\d(?:-(?:19|20)?\d\d)?")
# Quoted spans: «» and "" nest (scanned with a stack); „“ and “” are paired within a line.
FLAT_QUOTES = [re.compile(p) for p in ("„([^„“”\n]+)[“”]", "“([^“”\n]+)”")]
MONTHS = {"январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
          "ноябрь", "декабрь"}
# "..., сообщил министр иностранных дел России Сергей Лавров в интервью телеканалу" fits; longer
# tails are main clauses, not attributions.
MAX_ATTRIBUTION_TAIL = 15
# "сказал президент США Дональд Трамп": a title this far (chars) before a name belongs to it.
TITLE_TO_NAME = 50
# Entities inside quotes this long are quoted words, not speakers.
LONG_QUOTE_WORDS = 4


def phrase_pattern(phrases: list[str]) -> re.Pattern:
    """One regex for a list of phrases, longest first, on word boundaries, case-insensitive."""
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


class Rules:
    """speech.toml, with its word lists as sets and its phrase lists as compiled regexes."""

    def __init__(self, data: dict) -> None:
        speech, types = data["speech"], data["types"]
        self.speech_verbs = set(speech["verbs"])
        self.trailing_verbs = set(speech["trailing_verbs"])
        self.headline_sources = set(speech["headline_sources"])
        self.source_phrase = phrase_pattern(speech["source_phrases"])
        self.back_reference = phrase_pattern(speech["back_reference"])
        self.pronouns = set(speech["pronouns"])
        self.anaphors = self.pronouns | set(speech["professions"])
        self.report_documents = set(speech["report_documents"])
        self.generic_organisations = set(speech["generic_organisations"])
        self.report_nouns = self.report_documents | set(speech["report_nouns"])
        self.speaker_types = tuple(speech["speaker_types"])
        self.place_types = tuple(speech["place_types"])
        self.quotes = data["quotes"]
        self.hedge_lemmas = set(data["modality"]["hedge_lemmas"])
        self.hedge_phrase = phrase_pattern(data["modality"]["hedge_phrases"])
        self.type_order = types["order"]
        self.type_lemmas = {name: set(types[name]["lemmas"]) for name in self.type_order}
        self.type_phrase = {n: phrase_pattern(types[n]["phrases"]) for n in self.type_order if "phrases" in types[n]}
        self.future_is_forecast = types["forecast"]["future_tense"]
        self.number_words = set(types["statistic"]["number_words"])
        self.strong_lemmas = set(types["evaluation"]["strong_lemmas"])
        self.weights = data["checkworthiness"]
        self.official_lemmas = set(self.weights["official_lemmas"])
        self.change_lemmas = set(self.weights["change_lemmas"])


@lru_cache(maxsize=4)
def load_rules(path: str = str(RULES_PATH)) -> Rules:
    return Rules(read_toml(path))


# --- quoted spans and sentences -------------------------------------------------------------------


def guillemet_spans(text: str) -> list[tuple[int, int]]:
    """Content spans of outermost «...» pairs (nested pairs belong to their outer quote)."""
    spans, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "\n":
            depth = 0
        elif char == "«":
            depth += 1
            start = index + 1 if depth == 1 else start
        elif char == "»" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, index))
    return spans


def ascii_quote_spans(text: str) -> list[tuple[int, int]]:
    """Content spans of outermost "..." pairs. A straight quote opens after a space or an opening
    bracket and closes after a word or punctuation, so nested ones pair up: "в "Газпроме"",— ."""
    spans, opened = [], []
    for index, char in enumerate(text):
        if char == "\n":
            opened = []
        elif char == '"':
            before = text[index - 1] if index else " "
            if before.isspace() or before in "(«[—–-:" or (opened and before == '"' and index - 1 == opened[-1]):
                opened.append(index)
            elif opened:
                start = opened.pop()
                if not opened:
                    spans.append((start + 1, index))
    return spans


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Content spans of all quotes, outermost only, in text order."""
    spans = guillemet_spans(text) + ascii_quote_spans(text)
    for pattern in FLAT_QUOTES:
        spans += [m.span(1) for m in pattern.finditer(text)]
    spans.sort(key=lambda s: (s[0], -s[1]))
    outer: list[tuple[int, int]] = []
    for span in spans:
        if not outer or span[0] >= outer[-1][1] + 1:
            outer.append(span)
    return outer


def word_count(text: str) -> int:
    return len(WORD.findall(text))


def content_end(text: str, start: int, end: int) -> int:
    """`end` moved back over final punctuation and spaces."""
    while end > start and (text[end - 1] in TERMINAL or text[end - 1].isspace()):
        end -= 1
    return end


def skip_spaces(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


@dataclass
class Speech:
    """One piece of reported speech: its words' span, how it is reported, and its speaker entity."""

    start: int
    end: int
    attribution: str
    speaker: dict | None = None


class Context:
    """A document prepared for lookups: sentences, tokens by offset, speaking entities, quotes."""

    def __init__(self, doc: Doc, rules: Rules) -> None:
        self.doc, self.rules, self.text = doc, rules, doc.text
        self.sents = doc.body_sents()  # the segment stage ends sentences at line breaks; no header
        self.sent_starts = [s.start for s in self.sents]
        self.starts = [t.start for t in doc.tokens]
        entities = sorted(doc.fields.get("entities") or [], key=lambda e: (e["start"], -e["end"]))
        wanted = rules.speaker_types + rules.place_types
        self.speakers = [e for e in entities if e.get("type") in wanted]
        self.all_persons = [e for e in entities if e.get("type") in PERSON_TYPES]
        self.quotes = quoted_spans(doc.text)
        self.long_quotes = [q for q in self.quotes if word_count(doc.text[q[0] : q[1]]) >= LONG_QUOTE_WORDS]
        self.found: list[Speech] = []
        self.pending: list[Speech] = []  # further that-clauses of the sentence being read

    def tokens(self, start: int, end: int) -> list[Token]:
        index = bisect_left(self.starts, start)
        found = []
        while index < len(self.starts) and self.doc.tokens[index].end <= end:
            found.append(self.doc.tokens[index])
            index += 1
        return found

    def sentence_at(self, position: int) -> Span:
        index = max(0, bisect_left(self.sent_starts, position + 1) - 1)
        return self.sents[index] if self.sents else Span(0, len(self.text), self.text)

    def is_speech_verb(self, token: Token, gerund: bool = False) -> bool:
        """A finite speech verb, not the author's own "напомним" (a gerund only when `gerund`)."""
        if token.lemma not in self.rules.speech_verbs or token.pos in ("PRTF", "INFN"):
            return False
        if token.pos == "GRND":
            return gerund
        return "1per" not in morph.parse(token.text.lower()).tag


# --- speakers -------------------------------------------------------------------------------------


def same_text(a: str, b: str) -> bool:
    return a.lower().replace("ё", "е") == b.lower().replace("ё", "е")


def nominative(entity: dict) -> bool:
    """The subject of a speech verb is nominative: its head word (a person's last, an organisation's
    first) is the head word of its normal form ("Маркив" ~ "Виталий Маркив", not "Маркива")."""
    words, normal = WORD.findall(entity["text"]), WORD.findall(entity.get("normal") or "")
    if not words:
        return False
    if not normal:
        return any("nomn" in p.tag for p in morph.parses(words[-1].lower()))
    if entity["type"] not in PERSON_TYPES:
        return same_text(words[0], normal[0])
    # a known first name decides ("Анастасия Удальцова" yes, "Памелы Андерсон" no); else the surname
    first_name = first_name_case(words[0]) if len(words) > 1 else None
    return first_name == "nomn" if first_name else same_text(words[-1], normal[-1])


@lru_cache(maxsize=20_000)
def first_name_case(word: str) -> str | None:
    parse = morph.parse(word.lower())
    return parse.tag.case if "Name" in parse.tag else None


def outside_speech(ctx: Context, entities: list[dict]) -> list[dict]:
    """Entities that are not inside quoted words (a name in short quotes, «Башинформ», may speak)."""
    return [e for e in entities if not any(q[0] <= e["start"] < q[1] for q in ctx.long_quotes)]


def candidates(ctx: Context, start: int, end: int, inside_quote: bool = False) -> list[dict]:
    found = [e for e in ctx.speakers if e["start"] >= start and e["end"] <= end]
    return found if inside_quote else outside_speech(ctx, found)


def by_type(ctx: Context, entities: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    """Persons, organisations, places."""
    persons = [e for e in entities if e["type"] in PERSON_TYPES]
    places = [e for e in entities if e["type"] in ctx.rules.place_types]
    return persons, [e for e in entities if e not in persons and e not in places], places


def speaker_after(
    ctx: Context, start: int, end: int, verb: Token | None = None, inside_quote: bool = False
) -> dict | None:
    """The speaker named after a speech verb: a person, an organisation (unless a title stands first:
    "сказал глава Минфина" is a person named earlier), an anaphor, a descriptive noun, a place."""
    persons, organisations, places = by_type(ctx, candidates(ctx, start, end, inside_quote))
    anaphors = anaphor_tokens(ctx, start, end)
    subjects = [e for e in persons if nominative(e)]
    if subjects and not (anaphors and subjects[0]["start"] - anaphors[0].end > TITLE_TO_NAME):
        return subjects[0]
    if organisations and (not anaphors or organisations[0]["start"] < anaphors[0].start):
        return organisations[0]
    if anaphors:
        return resolve(ctx, anaphors[0], verb)
    described = report_source(ctx, start, end) or noun_speaker(ctx, start, end, after=True)
    return described or (persons + places or [None])[0]


def speaker_before(ctx: Context, start: int, end: int, verb: Token | None = None) -> dict | None:
    """The subject before a speech verb: the nearest nominative person; else the nearer of a
    nominative organisation and an anaphor; else a nominative descriptive noun; else a place.

    Asides (", который ...,", ", заразившийся ...,") and the content of an earlier "X заявил, что ...,
    и добавил" are not where the subject stands."""
    if (earlier := earlier_speech_verb(ctx, start, end)) is not None:
        end, verb = earlier.start, earlier
    if (antecedent_speaker := relative_antecedent(ctx, start, end)) is not None:
        return antecedent_speaker
    start = own_clause_start(ctx, start, end)
    asides = aside_spans(ctx, start, end)
    window = [e for e in candidates(ctx, start, end) if not any(a <= e["start"] < b for a, b in asides)]
    persons, organisations, places = by_type(ctx, window)
    subjects = [e for e in persons if nominative(e)]
    if subjects:
        return subjects[-1]
    organisations = [e for e in organisations if nominative(e)]
    anaphors = anaphor_tokens(ctx, start, end)
    if organisations and (not anaphors or organisations[-1]["start"] > anaphors[-1].start):
        return organisations[-1]
    if anaphors:
        return resolve(ctx, anaphors[-1], verb)
    places = [e for e in places if nominative(e)]
    fallback = report_source(ctx, start, end) or noun_speaker(ctx, start, end, after=False)
    fallback = fallback or (places[-1] if places else None)
    if fallback is None and verb is not None and "plur" in morph.parse(verb.text.lower()).tag:
        # "В Кремле заявили" / "В институте рассказали": the place of an impersonal plural speaks
        fallback = (organisations or [None])[-1] or noun_speaker(ctx, start, end, after=True)
    return fallback


def relative_antecedent(ctx: Context, start: int, end: int) -> dict | None:
    """"представителя правительства, который заявил": the speaker is what "который" refers to."""
    tokens = ctx.tokens(start, end)
    if len(tokens) < 3 or tokens[-1].lemma != "который" or tokens[-2].text != ",":
        return None
    comma = tokens[-2].start
    named = [e for e in ctx.speakers if 0 <= comma - e["end"] <= 1]
    if named:
        return named[0]
    clause = max([t.end for t in tokens[:-2] if t.text in ",.;:"] + [start])
    return noun_speaker(ctx, clause, comma, after=True)


COORDINATION = re.compile(r",\s+(?:а|но|и|однако)\s+(?=\w)")


def own_clause_start(ctx: Context, start: int, end: int) -> int:
    """"Мандела в больнице, и Обама заявил": the verb's clause starts after the last ", и/а/но" —
    when a subject can stand there at all (", и добавил" has none before the verb)."""
    for match in reversed(list(COORDINATION.finditer(ctx.text, start, end))):
        if any(t.pos == "NOUN" or t.lemma in ctx.rules.pronouns for t in ctx.tokens(match.end(), end)):
            return match.end()
    return start


def earlier_speech_verb(ctx: Context, start: int, end: int) -> Token | None:
    """A speech verb with "что" before `end`: a later coordinated verb shares its subject."""
    tokens = ctx.tokens(start, end)
    for index, token in enumerate(tokens):
        that = any(t.text.lower() == "что" for t in tokens[index + 1 : index + 4])
        if that and ctx.is_speech_verb(token, gerund=True):
            return token
    return None


def aside_spans(ctx: Context, start: int, end: int) -> list[tuple[int, int]]:
    """Relative and participial clauses between commas (", который ...,", ", заразившийся ...,")."""
    tokens, spans = ctx.tokens(start, end), []
    for index, token in enumerate(tokens[:-1]):
        following = tokens[index + 1]
        if token.text == "," and (following.pos in ("PRTF", "GRND") or following.lemma == "который"):
            close = next((t.start for t in tokens[index + 2 :] if t.text == ","), end)
            spans.append((token.start, close))
    return spans


def speaker_around(ctx: Context, sent: Span, verb: Token, limit: int | None = None) -> dict | None:
    """The subject before the verb, else the speaker after it (up to `limit`, the sentence end)."""
    return speaker_before(ctx, sent.start, verb.start, verb) or speaker_after(ctx, verb.end, limit or sent.end, verb)


def report_source(ctx: Context, start: int, end: int) -> dict | None:
    """"В сообщении говорится" with no source named: the report is the last speaker's."""
    if not any(t.lemma in ctx.rules.report_documents for t in ctx.tokens(start, end)):
        return None
    issuers = [s for s in ctx.found if s.start < start and s.speaker and not speaks_as_person(s.speaker)]
    return max(issuers, key=lambda s: s.start).speaker if issuers else None


def anaphor_tokens(ctx: Context, start: int, end: int) -> list[Token]:
    """Nominative pronouns ("он", not "ему") and title nouns in the window."""
    return [t for t in ctx.tokens(start, end) if t.lemma in ctx.rules.anaphors and can_be_nominative(t)]


def can_be_nominative(token: Token) -> bool:
    if token.lemma in ("он", "она"):
        return token.text.lower() == token.lemma
    return any("nomn" in p.tag for p in morph.parses(token.text.lower()))


def noun_speaker(ctx: Context, start: int, end: int, after: bool) -> dict | None:
    """No named speaker: a descriptive noun phrase ("владелец летной школы", "в заявлении полиции").

    Before the verb it must be nominative (the subject); after it, report nouns ("заявлении") and
    prepositions are skipped. Its normal form is the phrase with its head noun in the nominative.
    """
    tokens = [t for t in ctx.tokens(start, end) if not any(q[0] <= t.start < q[1] for q in ctx.long_quotes)]
    run: list[Token] = []
    for token in tokens:
        wordlike = token.text.isalpha() or "-" in token.text
        if token.pos in ("NOUN", "ADJF") and token.lemma not in ctx.rules.report_nouns and wordlike:
            run.append(token)
            continue
        if phrase_head(run, after):
            break
        run = []
    head = phrase_head(run, after)
    if head is None:
        return None
    if len(run) == 1 and head.lemma in ctx.rules.generic_organisations:
        named = named_organisation(ctx, head)
        if named is not None:
            return named
    first, last = run[0], run[-1]
    normal = nominative_phrase(run, head)
    animate = any("anim" in p.tag for p in morph.parses(head.text.lower())[:1])
    return {"text": ctx.text[first.start : last.end], "normal": normal, "type": "NOUN_PHRASE", "actor": None,
            "start": first.start, "end": last.end, "animate": animate}


def named_organisation(ctx: Context, noun: Token) -> dict | None:
    """"сообщило министерство" / "по данным издания": the organisation the document named — one
    right after the noun ("агентство Reuters"), else the last one before whose name holds the noun,
    else the last one before."""
    organisations = [e for e in ctx.speakers if e["type"] not in PERSON_TYPES + ctx.rules.place_types]
    apposed = [e for e in organisations if 0 <= e["start"] - noun.end <= 3]
    if apposed:
        return apposed[0]
    earlier = [e for e in organisations if e["end"] <= noun.start]
    holding = [e for e in earlier if noun.lemma in {morph.lemma(w) for w in WORD.findall(e.get("normal") or e["text"])}]
    speakers = [s.speaker for s in sorted(ctx.found, key=lambda s: s.start) if s.start < noun.start and s.speaker]
    speakers = [e for e in speakers if e["type"] not in PERSON_TYPES + ("NOUN_PHRASE",) + ctx.rules.place_types]
    return (holding or speakers or earlier or [None])[-1]


def nominative_phrase(run: list[Token], head: Token) -> str:
    """"турецкого лидера" → "турецкий лидер": the head and its adjectives put in the nominative."""
    head_parse = morph.parse(head.text.lower())
    number = head_parse.tag.number or "sing"
    words = []
    for token in run:
        if token.start > head.start:
            words.append(token.text)
            continue
        parse = head_parse if token is head else morph.parse(token.text.lower())
        agreeing = token is not head and number == "sing" and head_parse.tag.gender
        grammemes = {"nomn", number} | ({head_parse.tag.gender} if agreeing else set())
        form = parse.inflect(grammemes) if token is head or token.pos == "ADJF" else None
        word = form.word if form else token.text
        words.append(word.capitalize() if token.text[:1].isupper() else word)
    return " ".join(words)


def phrase_head(run: list[Token], after: bool) -> Token | None:
    nouns = [t for t in run if t.pos == "NOUN"]
    if not nouns:
        return None
    head = nouns[0]
    return head if after or any("nomn" in p.tag for p in morph.parses(head.text.lower())) else None


@lru_cache(maxsize=20_000)
def word_gender(word: str) -> str | None:
    tag = morph.parse(word.lower()).tag
    return tag.gender if tag.gender in ("masc", "femn") else None


@lru_cache(maxsize=20_000)
def name_gender(name: str) -> str | None:
    """A person's gender from its (nominative) first name or surname, when pymorphy3 is sure of it."""
    for word in WORD.findall(name):
        genders = {
            p.tag.gender for p in morph.parses(word.lower())
            if ("Name" in p.tag or "Surn" in p.tag) and "nomn" in p.tag and "sing" in p.tag
        }
        if len(genders) == 1 and genders <= {"masc", "femn"}:
            return genders.pop()
    return None


def agrees(entity: dict | None, gender: str | None) -> bool:
    if entity is None:
        return False
    own = name_gender(entity.get("normal") or entity["text"])
    return gender is None or own is None or own == gender


def resolve(ctx: Context, anaphor: Token, verb: Token | None) -> dict | None:
    """A pronoun or bare title: the person the document introduced with that title ("пианист Евгений
    Кисин"), else the last speaker, else the nearest person before, of the verb's gender."""
    gender = word_gender(verb.text) if verb is not None else None
    return titled_person(ctx, anaphor) or antecedent(ctx, anaphor.start, gender)


def antecedent(ctx: Context, position: int, gender: str | None) -> dict | None:
    """The last speaker, unless a person was named after that speech ended (then that person,
    preferring one named as a subject)."""
    earlier = sorted((s for s in ctx.found if s.start < position and s.speaker), key=lambda s: s.start)
    persons = [e for e in ctx.all_persons if e["end"] <= position and agrees(e, gender)]
    last_end = earlier[-1].end if earlier else -1
    subjects = [e for e in persons if e["start"] >= last_end and nominative(e)]
    persons = [e for e in persons if e["start"] < last_end] + subjects if subjects else persons
    last = earlier[-1] if earlier else None
    if last and speaks_as_person(last.speaker) and agrees(last.speaker, gender):
        if not persons or persons[-1]["start"] < last.end:
            return last.speaker
    return persons[-1] if persons else None


def speaks_as_person(entity: dict) -> bool:
    return entity["type"] in PERSON_TYPES or bool(entity.get("animate"))


def titled_person(ctx: Context, anaphor: Token) -> dict | None:
    """The person named right after an earlier use of the same title word."""
    if anaphor.lemma in ctx.rules.pronouns:
        return None
    qualifier = next_word(ctx, anaphor)
    for person in reversed(ctx.all_persons):
        if person["end"] <= anaphor.start:
            before = ctx.tokens(max(0, person["start"] - 40), person["start"])[-3:]
            for title in (t for t in before if t.lemma == anaphor.lemma and t.start != anaphor.start):
                # "президента США" is the person after "Президент США", not after "президента ЮАР"
                following = next_word(ctx, title)
                unqualified = qualifier is None or following is None or following.start >= person["start"]
                if unqualified or following.lemma == qualifier.lemma:
                    return person
    return None


def next_word(ctx: Context, token: Token) -> Token | None:
    index = bisect_left(ctx.starts, token.end)
    following = ctx.doc.tokens[index] if index < len(ctx.doc.tokens) else None
    return following if following and WORD.match(following.text) and following.text[:1].isupper() else None


def name_words(name: str) -> set[str]:
    return {w.lower().replace("ё", "е") for w in WORD.findall(name)}


def fullest_name(ctx: Context, entity: dict) -> str:
    """The longest name of the same person in the document that holds its surname ("Лавров" →
    "Сергей Лавров"), within its coreference cluster when the entities stage gives one."""
    normal = entity.get("normal") or entity["text"]
    surname = WORD.findall(normal)[-1:]
    bare = len(WORD.findall(normal)) == 1
    cluster = entity.get("cluster")
    same = [e for e in ctx.all_persons if bare or cluster is None or e.get("cluster") == cluster]
    names = [e.get("normal") or e["text"] for e in same]
    names = [n for n in names if surname and same_text(WORD.findall(n)[-1], surname[0])]
    return max(names + [normal], key=lambda n: len(name_words(n)))


def speaker_record(ctx: Context, entity: dict | None) -> dict | None:
    """The claim's speaker: the entity's mention, with a person's fullest normal form in the document."""
    if entity is None:
        return None
    normal = entity.get("normal") or entity["text"]
    if entity["type"] in PERSON_TYPES:
        normal = fullest_name(ctx, entity)
    return {"text": entity["text"], "normal": normal, "actor": entity.get("actor"),
            "start": entity["start"], "end": entity["end"]}


# --- direct quotes --------------------------------------------------------------------------------

# "«...», — с этими словами Квачков отправился ...": the phrase stands for the speech verb.
WITH_THESE_WORDS = re.compile(r"с\s+этими\s+словами", re.IGNORECASE)
AFTER_QUOTE = re.compile(r"[,.!?…]?\s*(?:,|[" + DASHES + r"]{1,2})\s*")


def cue_after(ctx: Context, close: int) -> Token | None:
    """A speech verb just after a closing quote: «...», — сказал X / «...» — так охарактеризовал X."""
    match = AFTER_QUOTE.match(ctx.text, close + 1)
    if match is None:
        return None
    dashed = any(c in DASHES for c in match.group())
    if dashed and (words := WITH_THESE_WORDS.match(ctx.text, match.end())):
        return ctx.tokens(words.start(), words.end())[-1]
    gap = ctx.rules.quotes["max_gap_after"] if dashed else 0
    for token in ctx.tokens(match.end(), ctx.sentence_at(match.end()).end)[: gap + 1]:
        if token.text in TERMINAL or token.text in DASHES or token.text in OPENING_MARKS:
            return None
        if ctx.is_speech_verb(token):
            return token
    return None


def inner_attribution(ctx: Context, open_: int, close: int) -> dict | None:
    """«Я должен предположить, — сказал Буффье, — что ...»: the speaker named inside the quote."""
    for match in re.finditer(r"[,.!?…]\s*[" + DASHES + r"]\s*", ctx.text[open_:close]):
        start = open_ + match.end()
        tokens = ctx.tokens(start, close)[: ctx.rules.quotes["max_gap_after"] + 1]
        verb = next((t for t in tokens if ctx.is_speech_verb(t)), None)
        if verb is not None:
            dash = re.search(r"[" + DASHES + r"]", ctx.text[verb.end : close])
            end = verb.end + dash.start() if dash else close
            return speaker_after(ctx, verb.end, end, verb, inside_quote=True)
    return None


def lead_of(ctx: Context, open_: int) -> tuple[Span, str]:
    """The sentence an opening quote stands in, and its text before the quote."""
    sent = ctx.sentence_at(open_ - 1)
    return sent, ctx.text[sent.start : open_ - 1].rstrip()


def framed_before(ctx: Context, open_: int) -> tuple[bool, dict | None]:
    """Whether a speech frame leads into the quote, and the speaker it names.

    "X заявил: «" / "X заявил, что «" / "X: «" / "по словам X, «" / "«...» и «" after a quote.
    """
    sent, lead = lead_of(ctx, open_)
    verbs = [t for t in ctx.tokens(sent.start, open_ - 1) if ctx.is_speech_verb(t, gerund=True)]
    if verbs and (lead.endswith(":") or (re.search(r"(?<!\w)что$", lead, re.IGNORECASE) and closes_clause(ctx, open_))):
        return True, speaker_around(ctx, sent, verbs[-1], limit=open_ - 1)
    if lead.endswith(":") and (speaker := entity_ending_at(ctx, len(lead) + sent.start - 1)):
        return True, speaker
    phrase = ctx.rules.source_phrase.match(ctx.text, skip_spaces(ctx.text, sent.start))
    if phrase and lead.endswith(",") and "," not in ctx.text[phrase.end() : sent.start + len(lead) - 1]:
        return True, speaker_after(ctx, phrase.end(), open_)
    previous = [s for s in ctx.found if sent.start <= s.end < open_ and s.attribution == "direct"]
    if previous and re.fullmatch(r"[»\"“”\s]*(?:,|и|а также)?\s*", ctx.text[previous[-1].end : open_ - 1]):
        return True, previous[-1].speaker
    return False, None


def opens_clause(ctx: Context, open_: int) -> bool:
    """"«...», — сказал X" quotes the whole statement; "Марксизм вывел Китай на путь «...», заявил X"
    quotes a fragment of an indirect one. (An earlier quote in the sentence may stand before it.)"""
    sent = ctx.sentence_at(open_ - 1)
    earlier = [q[1] for q in ctx.quotes if sent.start <= q[1] < open_ - 1]
    start = max(earlier) + 1 if earlier else sent.start
    return not WORD.search(re.sub(r"(?:,\s*|\s+)(?:и|а|но)\s*$", "", ctx.text[start : open_ - 1]))


def closes_clause(ctx: Context, open_: int) -> bool:
    """"заявил, что «...»." quotes the whole clause; "отметил, что «...» Маркса является ..." does not."""
    close = next((q[1] for q in ctx.quotes if q[0] == open_), open_)
    rest = ctx.text[close + 1 : ctx.sentence_at(close).end]
    chained = re.match(r"[»\"“”']*\s*(?:,|и)?\s*[«\"„“]", rest)  # "что «...» и «...»"
    return bool(chained) or not re.match(r"[»\"“”']*\s*\w", rest)


def entity_ending_at(ctx: Context, position: int) -> dict | None:
    """A speaking entity that ends just before `position` ("Кисин:")."""
    named = [e for e in ctx.speakers if 0 <= position - e["end"] <= 1 and e["type"] not in ctx.rules.place_types]
    return named[0] if named else None


def whole_sentence(ctx: Context, open_: int, close: int) -> bool:
    """The quote is a sentence (or several) of its own: nothing but punctuation around it."""
    first, last = ctx.sentence_at(open_ - 1), ctx.sentence_at(close)
    return not WORD.search(ctx.text[first.start : open_ - 1]) and not WORD.search(ctx.text[close + 1 : last.end])


def intro_speaker(ctx: Context, open_: int) -> dict | None:
    """A standalone quote's speaker: an "X сказал:" sentence before it, else the previous speech's
    speaker when that speech is in the same or the previous paragraph."""
    sent = ctx.sentence_at(open_ - 1)
    index = ctx.sents.index(sent)
    if index and ctx.sents[index - 1].text.endswith(":"):
        intro = ctx.sents[index - 1]
        verbs = [t for t in ctx.tokens(intro.start, intro.end) if ctx.is_speech_verb(t)]
        if verbs:
            return speaker_around(ctx, intro, verbs[-1])
    previous = [s for s in ctx.found if s.end <= open_]
    if previous and ctx.text.count("\n\n", previous[-1].end, open_) <= 1:
        return previous[-1].speaker
    return None


def direct_quote(ctx: Context, open_: int, close: int) -> Speech | None:
    """The quote as speech with its speaker, or None for names and scare quotes."""
    words = word_count(ctx.text[open_:close])
    if words < ctx.rules.quotes["min_words_framed"] or not re.match(r"\s*[\w«„“\"(.…]", ctx.text[open_:close]):
        return None
    verb = cue_after(ctx, close) if opens_clause(ctx, open_) else None
    if verb is not None:
        sent = ctx.sentence_at(verb.start)
        speaker = speaker_after(ctx, verb.end, sent.end, verb) or speaker_before(ctx, sent.start, open_, verb)
        return Speech(open_, close, "direct", speaker or inner_attribution(ctx, open_, close))
    framed, speaker = framed_before(ctx, open_)
    inner = inner_attribution(ctx, open_, close)
    if framed or inner:
        return Speech(open_, close, "direct", speaker or inner)
    if words >= ctx.rules.quotes["min_words_alone"] and whole_sentence(ctx, open_, close):
        return Speech(open_, close, "direct", intro_speaker(ctx, open_))
    return None


def direct_quotes_in(ctx: Context, sent: Span) -> None:
    """The speech quotes that open in `sent`."""
    for open_, close in ctx.quotes:
        if sent.start < open_ <= sent.end and not overlaps_any(open_, close, ctx.found):
            if (speech := direct_quote(ctx, open_, close)) is not None:
                ctx.found.append(speech)


# --- block quotes and headlines -------------------------------------------------------------------

BLOCK = re.compile(r":[ \t]*\n+([^\n]+)")
HEADLINE = re.compile(r"([^:\n]{2,40}):\s+(\S[^\n]*)")


def block_quote(ctx: Context, intro: Span) -> Speech | None:
    """"X сказал:" ending a line; the next paragraph is X's words."""
    match = BLOCK.match(ctx.text, intro.end - 1)
    if match is None:
        return None
    verbs = [t for t in ctx.tokens(intro.start, intro.end) if ctx.is_speech_verb(t)]
    start, end = match.start(1), content_end(ctx.text, match.start(1), match.end(1)) + 1
    if not verbs or ctx.text[start] in OPENING_MARKS or overlaps_any(start, end, ctx.found):
        return None
    if reports_speech(ctx, ctx.tokens(start, end)):
        return None
    told = [s for s in ctx.found if intro.start <= s.start < intro.end and s.speaker]
    speaker = told[-1].speaker if told else speaker_around(ctx, intro, verbs[-1], limit=intro.end)
    return Speech(start, min(end, match.end(1)), "direct", speaker)


def reports_speech(ctx: Context, tokens: list[Token]) -> bool:
    """A paragraph in the third person that reports speech itself is the author's (the quoted block
    it follows was lost); quoted blocks speak in the first person ("Мы не признали Крым")."""
    unquoted = [t for t in tokens if not any(q[0] <= t.start < q[1] for q in ctx.quotes)]
    if tokens and ctx.rules.source_phrase.match(ctx.text, tokens[0].start):
        return True
    return any(ctx.is_speech_verb(t) for t in unquoted) and not first_person(unquoted)


def headline_quote(ctx: Context, line: Span) -> Speech | None:
    """"Кисин: Продолжайте ..." / "СМИ: ..." — a line that opens with a source and a colon."""
    match = HEADLINE.fullmatch(line.text)
    if match is None or word_count(match.group(2)) < 3:
        return None
    speaker = headline_source(ctx, line.start + match.start(1), line.start + match.end(1))
    if speaker is None and match.group(1).strip().lower() not in ctx.rules.headline_sources:
        return None
    start = line.start + match.start(2)
    return Speech(start, content_end(ctx.text, start, line.end), "direct", speaker)


def headline_source(ctx: Context, start: int, end: int) -> dict | None:
    """The entity that is the whole headline prefix, or a person the document names by that surname."""
    whole = next((e for e in ctx.speakers if e["start"] == start and 0 <= end - e["end"] <= 1), None)
    if whole is not None:
        return whole
    words = WORD.findall(ctx.text[start:end])
    if not words or len(words) > 3 or not all(w[:1].isupper() for w in words):
        return None
    named = [e for e in ctx.all_persons if same_text(WORD.findall(e.get("normal") or e["text"])[-1], words[-1])]
    return named[0] if named else None


# --- indirect speech ------------------------------------------------------------------------------


def overlaps_any(start: int, end: int, speech: list[Speech]) -> bool:
    return any(s.start < end and start < s.end for s in speech)


def clause_end(ctx: Context, start: int, sent: Span) -> int:
    """Where reported content ends: the sentence end, or ", однако" that starts the author's clause."""
    end = content_end(ctx.text, start, sent.end)
    cut = re.search(r",\s+однако\s", ctx.text[start:end])
    return start + cut.start() if cut else end


def that_clauses(ctx: Context, sent: Span) -> list[Speech]:
    """X заявил(, что) ... — the words run from after "что" to the clause end, or to a further
    ", (и) сообщил, что" that starts the next piece of X's speech."""
    tokens = ctx.tokens(sent.start, sent.end)
    gap = ctx.rules.quotes["max_gap_before_that"]
    found: list[Speech] = []
    for index, token in enumerate(tokens):
        if not ctx.is_speech_verb(token, gerund=True) or (found and token.start < found[-1].end):
            continue
        for follower in tokens[index + 1 : index + 2 + gap]:
            if follower.text in TERMINAL or ctx.is_speech_verb(follower):
                break
            if follower.text.lower() == "что":
                start = skip_spaces(ctx.text, follower.end)
                speaker = speaker_around(ctx, sent, token, limit=follower.start)
                if found and speaker is None:
                    speaker = found[-1].speaker
                end = min(clause_end(ctx, start, sent), next_speech_verb(ctx, tokens, follower, sent))
                found.append(Speech(start, end, "indirect", speaker))
                break
    return found


def next_speech_verb(ctx: Context, tokens: list[Token], after: Token, sent: Span) -> int:
    """Where ", призвал ..." / ", и сообщил, что" ends the words before it (a serial speech verb
    right after a comma, optionally after "и"); the sentence end otherwise."""
    later = [t for t in tokens if t.start > after.end]
    for index, token in enumerate(later):
        lead = [t.text.lower() for t in later[max(0, index - 2) : index]]
        if ctx.is_speech_verb(token) and ("," in lead[-1:] or lead[-2:] == [",", "и"]):
            comma = max(t.start for t in later[max(0, index - 2) : index] if t.text == ",")
            return content_end(ctx.text, after.end, comma)
    return sent.end


def that_clause(ctx: Context, sent: Span) -> Speech | None:
    found = that_clauses(ctx, sent)
    ctx.pending = found[1:]
    return found[0] if found else None


def colon_clause(ctx: Context, sent: Span) -> Speech | None:
    """Она напомнила о пути классика: его первые ... — the words follow the colon."""
    colon = sent.text.find(": ")
    if colon < 0 or colon + 1 >= len(sent.text) or sent.text[colon + 1 :].lstrip()[:1] in OPENING_MARKS:
        return None
    verbs = [t for t in ctx.tokens(sent.start, sent.start + colon) if ctx.is_speech_verb(t)]
    if not verbs or word_count(sent.text[colon + 1 :]) < 4:
        return None
    start = skip_spaces(ctx.text, sent.start + colon + 1)
    speaker = speaker_around(ctx, sent, verbs[-1], limit=sent.start + colon)
    return Speech(start, clause_end(ctx, start, sent), "indirect", speaker)


def source_phrase(ctx: Context, sent: Span) -> Speech | None:
    """По словам X, ... / Как сообщил X, ... (at the start) or ..., как сообщил X (at the end)."""
    match = ctx.rules.source_phrase.search(ctx.text, sent.start, sent.end)
    if match is None:
        return None
    comma = ctx.text.find(",", match.end(), sent.end)
    possessive = possessive_speaker(ctx, match)
    if comma >= 0 and match.group().lower() in BARE_SOURCE_PHRASES and not WORD.search(ctx.text[match.end() : comma]):
        comma = ctx.text.find(",", comma + 1, sent.end)  # "По словам, 26-летнего Брендана Маррокко, ..."
    window_end = comma if comma > 0 else sent.end
    if match.group().lower().startswith("как"):
        speaker = possessive or speaker_after(ctx, match.end(), window_end)  # "как сообщил X": X is the subject
    else:
        speaker = possessive or source_speaker(ctx, match.end(), window_end)
    lead = ctx.text[sent.start : match.start()].rstrip()
    if not WORD.search(lead):
        if comma < 0:
            return None
        start = skip_spaces(ctx.text, comma + 1)
        return Speech(start, clause_end(ctx, start, sent), "indirect", speaker)
    if not lead.endswith(","):
        return None
    if comma > 0 and WORD.search(ctx.text[comma : sent.end]):
        # "Роули, по словам врачей, пришёл в сознание": the phrase is an aside; the sentence is the words
        return Speech(sent.start, clause_end(ctx, sent.start, sent), "indirect", speaker)
    return Speech(sent.start, sent.start + len(lead) - 1, "indirect", speaker)


def source_speaker(ctx: Context, start: int, end: int) -> dict | None:
    """The source in "по словам X": X is genitive, so a title of any case stands for a person."""
    persons, organisations, places = by_type(ctx, candidates(ctx, start, end))
    titles = [t for t in ctx.tokens(start, end) if t.lemma in ctx.rules.anaphors and t.lemma not in ctx.rules.pronouns]
    if persons and not (titles and persons[0]["start"] - titles[0].end > TITLE_TO_NAME):
        return persons[0]
    if organisations and (not titles or organisations[0]["start"] < titles[0].start):
        return organisations[0]
    if titles:
        return resolve(ctx, titles[0], None)
    return noun_speaker(ctx, start, end, after=True) or (places[0] if places else None)


# Phrases that need their source after them; "По словам, X, ..." has a stray comma before it.
BARE_SOURCE_PHRASES = {"по словам", "по мнению", "по заявлению", "по данным", "по информации", "по сообщению"}
POSSESSIVE_GENDER = {"его": "masc", "её": "femn", "ее": "femn", "их": None}


def possessive_speaker(ctx: Context, match: re.Match) -> dict | None:
    """"По его словам": the last speaker or nearest person of that gender."""
    words = match.group().lower().split()
    owner = next((w for w in words if w in POSSESSIVE_GENDER), None)
    if owner is None:
        return None
    if owner == "их":
        earlier = sorted((s for s in ctx.found if s.start < match.start() and s.speaker), key=lambda s: s.start)
        return earlier[-1].speaker if earlier else None
    return antecedent(ctx, match.start(), POSSESSIVE_GENDER[owner])


def trailing_attribution(ctx: Context, sent: Span) -> Speech | None:
    """..., — сообщил X. / ..., сообщает агентство X. / ... — сказала X. — the words come first.
    (A sentence that holds a quote has its attribution already.)"""
    if overlaps_any(sent.start, sent.end, ctx.found):
        return None
    tokens = ctx.tokens(sent.start, sent.end)
    for index in range(4, len(tokens)):
        token, lead = tokens[index], tokens[max(0, index - 2) : index]
        marks = [t.text for t in lead if t.text == "," or t.text in DASHES]
        if not marks or not ctx.is_speech_verb(token) or lead[-1].text not in ("," ,) + tuple(DASHES):
            continue
        dashed = any(m in DASHES for m in marks)
        rest = tokens[index + 1 :]
        if (not dashed and token.lemma not in ctx.rules.trailing_verbs) or len(rest) > MAX_ATTRIBUTION_TAIL:
            return None
        if rest and rest[0].pos == "INFN":
            return None
        cut = min(t.start for t in lead if t.text == "," or t.text in DASHES)
        speaker = speaker_after(ctx, token.end, sent.end, token)
        if speaker is None and not any(t.pos == "NOUN" for t in rest):
            return None
        start = paragraph_start(ctx, sent.start) if dashed else sent.start
        kind = "direct" if dashed and first_person(ctx.tokens(start, cut)) else "indirect"
        return Speech(start, content_end(ctx.text, start, cut), kind, speaker)
    return None


def paragraph_start(ctx: Context, position: int) -> int:
    """Unmarked words closed by "— сказала X" run from their paragraph's start (or the last speech)."""
    start = ctx.text.rfind("\n", 0, position) + 1
    ends = [s.end for s in ctx.found if start <= s.end <= position]
    return skip_spaces(ctx.text, max(ends) + 1) if ends else start


def first_person(tokens: list[Token]) -> bool:
    """Words in the first person are the speaker's own, a direct quote without marks."""
    return any(t.text.lower() in ("я", "мы", "меня", "мне", "нас", "нам", "мой", "наш") for t in tokens)


# "Об этом в среду 23 марта 2016 года сообщил ...": tokens allowed between the phrase and its verb.
BACK_REFERENCE_GAP = 8


def back_reference(ctx: Context, sent: Span, previous: Span | None) -> Speech | None:
    """Об этом сообщил X. — the previous sentence is X's."""
    match = ctx.rules.back_reference.match(ctx.text, sent.start)
    if previous is None or match is None:
        return None
    verbs = [t for t in ctx.tokens(match.end(), sent.end)[:BACK_REFERENCE_GAP] if ctx.is_speech_verb(t)]
    if not verbs:
        return None
    speaker = speaker_after(ctx, verbs[0].end, sent.end, verbs[0])
    return Speech(previous.start, content_end(ctx.text, previous.start, previous.end), "indirect", speaker)


def trimmed_before_direct(ctx: Context, speech: Speech) -> Speech | None:
    """Indirect words that run into a direct quote end before it ("..., и добавил, что «...»")."""
    later = [s for s in ctx.found if s.attribution == "direct" and speech.start < s.start < speech.end]
    if later:
        head = ctx.text[speech.start : later[0].start - 1]
        verb = re.search(r",\s+(?:и|а)\s+\w+\s*(?:,\s*что\s*)?$", head)
        speech.end = content_end(ctx.text, speech.start, speech.start + (verb.start() if verb else len(head)))
        speech.end -= 1 if ctx.text[speech.end - 1 : speech.end] == "," else 0
    if speech.end - speech.start < 3 or overlaps_any(speech.start, speech.end, ctx.found):
        return None
    return speech


INDIRECT_RULES = (source_phrase, that_clause, colon_clause, trailing_attribution)


def indirect_in(ctx: Context, sent: Span, previous: Span | None) -> list[Speech]:
    """The indirect speech of a sentence: the first rule that fires (that-clauses may give several)."""
    ctx.pending = []
    speech = next((s for rule in INDIRECT_RULES if (s := rule(ctx, sent)) is not None), None)
    speech = speech or back_reference(ctx, sent, previous)
    found = [speech, *ctx.pending] if speech else []
    return [s for s in (trimmed_before_direct(ctx, s) for s in found) if s is not None]


def add_speech(ctx: Context, speech: Speech | None) -> None:
    if speech is not None and not overlaps_any(speech.start, speech.end, ctx.found):
        ctx.found.append(speech)


def find_speech(ctx: Context) -> list[Speech]:
    """All reported speech, sentence by sentence in text order (so "он" can be the last speaker):
    quotes that open in the sentence, a headline quote or the block quote it introduces, then
    indirect speech in what is left of it."""
    previous = None
    for sent in ctx.sents:
        direct_quotes_in(ctx, sent)
        add_speech(ctx, headline_quote(ctx, sent))
        for speech in indirect_in(ctx, sent, previous):
            add_speech(ctx, speech)
        add_speech(ctx, block_quote(ctx, sent))
        previous = sent
    return sorted(ctx.found, key=lambda s: s.start)


# --- claim units, types, modality, checkworthiness ------------------------------------------------


def claim_units(ctx: Context, speech: list[Speech]) -> list[Span]:
    """Sentences (cut at line breaks and semicolons); sentences that share one quote are merged."""
    pieces = []
    for sent in ctx.sents:
        start = sent.start
        for match in re.finditer(";", sent.text):
            pieces.append((start, sent.start + match.start() + 1))
            start = skip_spaces(ctx.text, sent.start + match.end())
        if WORD.search(ctx.text[start : sent.end]):
            pieces.append((start, sent.end))
    merged: list[list[int]] = []
    direct = [s for s in speech if s.attribution == "direct"]
    for start, end in pieces:
        if merged and any(s.start < merged[-1][1] and s.end > start for s in direct):
            merged[-1][1] = end
        else:
            merged.append([start, end])
    return [Span(s, e, ctx.text[s:e]) for s, e in merged]


def first_match(pattern: re.Pattern, text: str, offset: int) -> dict | None:
    match = pattern.search(text)
    if match is None:
        return None
    return {"start": offset + match.start(), "end": offset + match.end(), "text": match.group()}


def modality(rules: Rules, unit: Span, tokens: list[Token]) -> tuple[str, dict | None]:
    """("hedged", cue) when a hedge word or phrase occurs, else ("asserted", None)."""
    cue = first_match(rules.hedge_phrase, unit.text, unit.start)
    if cue is None:
        token = next((t for t in tokens if t.lemma in rules.hedge_lemmas), None)
        cue = token and {"start": token.start, "end": token.end, "text": token.text}
    return ("hedged", cue) if cue else ("asserted", None)


def is_date_part(tokens: list[Token], index: int) -> bool:
    """Not a figure: a year ("2022", "2022-2023"), a date ("2025-10-20"), an age or an ordinal
    ("13-летний", "73-й"), or a day before a month or "год"."""
    text = tokens[index].text
    if YEAR.fullmatch(text) or ISO_DATE.fullmatch(text) or re.search(r"\d[-‑]?[^\W\d]", text):
        return True
    following = [t for t in tokens[index + 1 : index + 4] if t.text not in DASHES][:2]
    return any(t.lemma in MONTHS or t.lemma == "год" for t in following)


def has_figure(rules: Rules, tokens: list[Token]) -> bool:
    """A number that is not a date, or a number word like "миллион"."""
    return any(
        t.lemma in rules.number_words or (DIGIT.search(t.text) and not is_date_part(tokens, i))
        for i, t in enumerate(tokens)
    )


def is_future(tokens: list[Token]) -> bool:
    return any(t.pos == "VERB" and "futr" in morph.parse(t.text.lower()).tag for t in tokens)


def claim_type(rules: Rules, unit: Span, tokens: list[Token], figure: bool) -> str:
    """The first type in `order` whose cues fire; a future-tense verb is a forecast; else "event"."""
    lemmas = {t.lemma for t in tokens}
    for name in rules.type_order:
        phrase = rules.type_phrase.get(name)
        cued = bool(lemmas & rules.type_lemmas[name]) or bool(phrase and phrase.search(unit.text))
        if name == "statistic":
            cued = figure
        if name == "forecast" and not cued and rules.future_is_forecast:
            cued = is_future(tokens) and not lemmas & rules.type_lemmas["commitment"]
        if cued:
            return name
    return "event"


def is_official(ctx: Context, speaker: dict | None) -> bool:
    """A speaker that stands for a state, or whose mention or title carries an official word."""
    if speaker is None:
        return False
    if speaker.get("actor"):
        return True
    title = ctx.tokens(max(0, speaker["start"] - 40), speaker["end"])
    return any(t.lemma in ctx.rules.official_lemmas for t in title)


def claim_features(ctx: Context, tokens: list[Token], speech: Speech | None, hedged: bool, figure: bool) -> dict:
    lemmas = {t.lemma for t in tokens}
    return {
        "has_figure": figure,
        "change": bool(lemmas & ctx.rules.change_lemmas),
        "attributed": speech is not None,
        "official_speaker": is_official(ctx, speech.speaker if speech else None),
        "evaluative": bool(lemmas & ctx.rules.type_lemmas["evaluation"]),
        "strong_evaluative": bool(lemmas & ctx.rules.strong_lemmas) or any(l.startswith("наи") for l in lemmas),
        "hedged": hedged,
    }


def checkworthiness(rules: Rules, features: dict[str, bool], kind: str) -> float:
    """clip(bias + type weight + the weights of the features that fire, 0, 1)."""
    weights = rules.weights
    score = weights["bias"] + weights["type"][kind] + sum(weights[n] for n, fired in features.items() if fired)
    return round(min(1.0, max(0.0, score)), 3)


def build_claim(ctx: Context, unit: Span, speech: Speech | None) -> dict[str, Any]:
    tokens = ctx.tokens(unit.start, unit.end)
    figure = has_figure(ctx.rules, tokens)
    kind = claim_type(ctx.rules, unit, tokens, figure)
    mode, cue = modality(ctx.rules, unit, tokens)
    features = claim_features(ctx, tokens, speech, mode == "hedged", figure)
    return {
        "start": unit.start,
        "end": unit.end,
        "text": unit.text,
        "type": kind,
        "attribution": speech.attribution if speech else None,
        "quote": {"start": speech.start, "end": speech.end} if speech else None,
        "speaker": speaker_record(ctx, speech.speaker) if speech else None,
        "checkworthiness": checkworthiness(ctx.rules, features, kind),
        "modality": mode,
        "modality_cue": cue,
        "features": sorted(name for name, fired in features.items() if fired),
    }


def extract_claims(doc: Doc, rules: Rules | None = None) -> list[dict[str, Any]]:
    """The document's claims, one per unit, or one per piece of speech in a unit that holds several."""
    ctx = Context(doc, rules or load_rules())
    speech = find_speech(ctx)
    claims = []
    for unit in claim_units(ctx, speech):
        own = [s for s in speech if unit.start <= s.start < unit.end]
        claims += [build_claim(ctx, unit, s) for s in own] or [build_claim(ctx, unit, None)]
    return claims


def resolve_rules(path: str | None) -> Path:
    from ..paths import resolve

    return resolve(path) if path else RULES_PATH


@register("claims.v1")
class Claims(Stage):
    """Typed claims with modality, attribution, quote, speaker and checkworthiness.

    Params: `rules` — path of a speech.toml (default pipeline/data/speech.toml).
    """

    requires = ("sents", "tokens", "entities")
    assigns = ("claims",)

    def __init__(self, rules: str | None = None, **params: Any) -> None:
        super().__init__(rules=rules, **params)
        self.rules = load_rules(str(resolve_rules(rules)))

    def process(self, doc: Doc) -> None:
        doc.fields["claims"] = extract_claims(doc, self.rules)
