"""Normal forms of entity mentions: the nominative, inflected with pymorphy3, capitalisation kept.

A name is a head noun, the adjectives that agree with it before it, and dependents after it that keep
their case: "Организации тюркских государств" -> "Организация тюркских государств", "МИД России"
stays. Person names inflect word by word in one gender: "Ильхама Алиева" -> "Ильхам Алиев".
"""
from __future__ import annotations

import re
from functools import lru_cache

from . import morph

WORD = re.compile(r"\w+")
PERSON_TAGS = ("Name", "Surn", "Patr")
AGREEING = {"ADJF", "PRTF", "NUMR"}
# NEREL types whose text is its own normal form ("20-21 октября" is not "20-21 октябрь")
VERBATIM = {"DATE", "TIME", "MONEY", "PERCENT", "NUMBER", "ORDINAL", "AGE", "DISTANCE", "PENALTY"}


@lru_cache(maxsize=50_000)  # news repeats its names; every mention is normalised
def normal_form(text: str, type: str) -> str:
    """The nominative of a mention `text` of NEREL `type` ("PERSON" inflects as a personal name)."""
    if type in VERBATIM:
        return text
    words = list(WORD.finditer(text))
    forms = person_forms(words) if type == "PERSON" else phrase_forms(words)
    out, last = [], 0
    for match, form in zip(words, forms):
        out += [text[last:match.start()], keep_case(match.group(), form)]
        last = match.end()
    return "".join(out + [text[last:]])


def keep_case(original: str, form: str) -> str:
    if "ё" not in original.lower():
        form = form.replace("ё", "е")
    if len(original) > 1 and original.isupper():
        return form.upper()
    return form[:1].upper() + form[1:] if original[:1].isupper() else form


def inflected(parse, grammemes: set[str]) -> str | None:
    form = parse.inflect(grammemes)
    return form.word if form else None


# --- person names ------------------------------------------------------------------------------
# A name is read in one gender and one case for all its words, the surname (the last word) deciding
# between readings that fit equally many words ("Кира Стармера" is Кир Стармер in the genitive), then
# the masculine, as in most news. Words pymorphy3 does not know lose a case ending of the chosen
# gender ("Рааба" -> "Рааб", "Соной" -> "Сона"). Women's surnames ending in a consonant and foreign
# names ending in a vowel other than -а/-я/-и do not decline ("Соной Ованнисян", "Буффье").

CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")
# (case ending, nominative ending) of masculine names: Рааба, Кароля, Гарсии, Раабу, Раабом, Игорем
MASCULINE_ENDINGS = {"gent": (("ии", "ия"), ("а", ""), ("я", "ь")), "accs": (("ию", "ия"), ("а", ""), ("я", "ь")),
                     "datv": (("ии", "ия"), ("у", ""), ("ю", "ь")), "ablt": (("ией", "ия"), ("ом", ""), ("ем", "ь")),
                     "loct": (("ии", "ия"), ("е", ""))}
FEMININE_ENDINGS = {"gent": (("ии", "ия"), ("ы", "а"), ("и", "я")), "accs": (("ию", "ия"), ("у", "а"), ("ю", "я")),
                    "datv": (("ии", "ия"), ("е", "а")), "ablt": (("ией", "ия"), ("ой", "а"), ("ей", "я")),
                    "loct": (("ии", "ия"), ("е", "а"))}
ENDINGS = {"masc": MASCULINE_ENDINGS, "femn": FEMININE_ENDINGS}
# endings long enough to count as evidence for a reading when pymorphy3 has none for the word
TELLING_ENDINGS = {"ией", "ии", "ию", "ом", "ем", "ой", "ей"}
INDECLINABLE_VOWELS = tuple("еоуюэ")
CONSONANT_FINAL = re.compile(r"[бвгджзйклмнпрстфхцчшщь]$")


def person_forms(words: list[re.Match]) -> list[str]:
    texts = [w.group() for w in words]
    gender, case = person_reading(texts)
    last = max((i for i, t in enumerate(texts) if t[:1].isupper()), default=-1)
    return [person_word(t, gender, case, surname=i == last) for i, t in enumerate(texts)]


@lru_cache(maxsize=50_000)
def name_parses(word: str) -> tuple:
    """Readings that can be part of a personal name: animate nouns and adjectives ("Навроцкого"), not
    places or things (pymorphy3 guesses unknown words as indeclinable place names or common nouns)."""
    return tuple(p for p in morph.parses(word.lower())
                 if (p.tag.POS == "NOUN" and "anim" in p.tag or p.tag.POS == "ADJF") and "Geox" not in p.tag
                 and (p.is_known or "Fixd" not in p.tag) and not is_unlikely_guess(p, word))


def is_unlikely_guess(parse, word: str) -> bool:
    """A guessed nominative noun in -ой ("Соной": real -ой names such as Толстой are known adjectives)
    or a guessed masculine nominative in -а/-я ("Рааба", "Стармера": an oblique case is likelier)."""
    if parse.is_known or parse.tag.POS != "NOUN" or parse.tag.case != "nomn":
        return False
    word = word.lower()
    return word.endswith("ой") or parse.tag.gender == "masc" and word.endswith(("а", "я"))


@lru_cache(maxsize=50_000)
def is_foreign_indeclinable(word: str) -> bool:
    """An unknown name ending in -е, -о, -у, -ю, -э: "Буффье", "Ханнеле", "Нуртлеу" (pymorphy3
    would guess "Буффье" as the dative of "Буффья")."""
    parses = morph.parses(word.lower())
    return word.lower().endswith(INDECLINABLE_VOWELS) and not any(
        p.is_known or p.tag.POS == "ADJF" for p in parses)  # "Навроцкого" is an adjective's genitive


def fits(parse, gender: str, case: str, word: str = "", surname: bool = False) -> bool:
    if parse.tag.number == "plur":
        return False
    if (surname and gender == "femn" and "masc" in parse.tag and parse.tag.case == "nomn" and "Name" not in parse.tag
            and CONSONANT_FINAL.search(word.lower())):
        return True  # a woman's surname in a consonant keeps its form in every case: "Соной Ованнисян"
    return parse.tag.case == case and (parse.tag.gender == gender or "ms-f" in parse.tag or "Fixd" in parse.tag)


@lru_cache(maxsize=200_000)  # asked for each of 12 gender/case readings of each word
def fitting_parses(word: str, gender: str, case: str, surname: bool = False) -> tuple:
    return tuple(p for p in name_parses(word) if fits(p, gender, case, word, surname))


@lru_cache(maxsize=200_000)
def fits_by_ending(word: str, gender: str, case: str) -> bool:
    """For a word without readings: does it end in a telling case ending of this gender and case?"""
    return not name_parses(word) and any(
        word.lower().endswith(ending) and len(word) > len(ending) + 1
        for ending, _ in ENDINGS[gender].get(case, ()) if ending in TELLING_ENDINGS)


def person_reading(texts: list[str]) -> tuple[str, str]:
    """The (gender, case) under which most words of the name have a reading, the first name (the best
    known word) and proper readings counting first."""
    names = [t for t in texts if t[:1].isupper() and not is_foreign_indeclinable(t)]

    def score(reading):
        gender, case = reading
        fitting = [fitting_parses(t, gender, case, surname=i == len(names) - 1) for i, t in enumerate(names)]
        count = sum(bool(f) or fits_by_ending(t, gender, case) for t, f in zip(names, fitting))
        surname_fits = len(names) > 1 and bool(fitting[-1])
        proper = sum(any(any(tag in p.tag for tag in PERSON_TAGS) for p in f) for f in fitting)
        # a first name pymorphy3 knows and reads one way with confidence decides: "Анастасия Удальцова"
        # is a woman in the nominative, not Анастасий Удальцов in the genitive ("Кароля", "Никола", and
        # guesses such as "Джейхуна", are not decisive)
        decisive = bool(fitting) and max((p.score for p in fitting[0] if p.is_known), default=0.0) >= 0.5
        return count, surname_fits, proper, decisive, gender == "masc", \
            bool(fitting and fitting[0]), case == "nomn"
    return max(((g, c) for g in ("masc", "femn") for c in CASES), key=score)


def person_word(word: str, gender: str, case: str, surname: bool = False) -> str:
    if not word[:1].isupper() or is_foreign_indeclinable(word):
        return word  # particles ("бен", "фон дер", "да") and "Буффье"
    fitting = sorted(fitting_parses(word, gender, case, surname),
                     key=lambda p: not any(tag in p.tag for tag in PERSON_TAGS))
    if fitting:
        if "Fixd" in fitting[0].tag or fitting[0].tag.gender != gender and "ms-f" not in fitting[0].tag:
            return word
        return inflected(fitting[0], {"nomn", "sing"}) or word
    for ending, nominative in ENDINGS[gender].get(case, ()):
        if word.lower().endswith(ending) and len(word) > len(ending) + 1:
            return word[: -len(ending)] + nominative
    return word


# --- other names: head noun + agreeing adjectives ------------------------------------------------

def phrase_forms(words: list[re.Match]) -> list[str]:
    texts = [w.group() for w in words]
    head = head_index(texts)
    if head is None:
        return [lone_adjective(t) for t in texts] if len(texts) == 1 else texts
    head_parse = noun_parse(texts[head], texts[:head])
    if head_parse is None or "Fixd" in head_parse.tag or is_abbreviation(texts[head]):
        return texts
    number = head_parse.tag.number or "sing"
    forms = [agree(t, head_parse) for t in texts[:head]]
    forms.append(inflected(head_parse, {"nomn", number}) or texts[head])
    return forms + texts[head + 1:]


def is_abbreviation(word: str) -> bool:
    return len(word) > 1 and word.isupper()


def head_index(texts: list[str]) -> int | None:
    """The first word that can be a noun: "Средиземного моря" -> 1, "МИД России" -> 0."""
    return next((i for i, text in enumerate(texts) if can_head(text, i == len(texts) - 1)), None)


def can_head(word: str, last: bool) -> bool:
    """A noun reading, and not an adjective first ("Российской" is an adjective, unless it ends the name)."""
    if is_abbreviation(word):
        return True
    parses = morph.parses(word.lower())
    return any(p.tag.POS == "NOUN" for p in parses) and (last or parses[0].tag.POS not in AGREEING)


def noun_parse(word: str, before: list[str]):
    """The head's reading: a noun whose case the adjectives before it share; singular before plural."""
    nouns = [p for p in morph.parses(word.lower()) if p.tag.POS == "NOUN"]
    cases = [{p.tag.case for p in morph.parses(b.lower())} for b in before]
    agreeing = [p for p in nouns if all(p.tag.case in c for c in cases)]
    ranked = sorted(agreeing or nouns, key=lambda p: (p.tag.number == "plur" and "Pltm" not in p.tag,
                                                       not any(t in p.tag for t in ("Geox", "Orgn"))))
    return ranked[0] if ranked else None


def agree(word: str, head) -> str:
    """An adjective before the head, in the nominative of the head's gender and number."""
    for parse in morph.parses(word.lower()):
        if parse.tag.POS in AGREEING and parse.tag.case == head.tag.case and parse.tag.number == head.tag.number:
            if head.tag.number == "plur" or parse.tag.gender == head.tag.gender:
                return inflected(parse, {"nomn"}) or word
    return word


def lone_adjective(word: str) -> str:
    """"британской" -> "британский": a nationality adjective in its dictionary form."""
    parse = morph.parse(word.lower())
    return parse.normal_form if parse.tag.POS in AGREEING else word
