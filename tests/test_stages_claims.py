"""The claims stage: quotes and their speakers, indirect speech, types, modality, checkworthiness."""
import re

import pytest

from pipeline.record import Doc
from pipeline.registry import STAGES
from pipeline.stages.claims import Claims, quoted_spans
from pipeline.stages.segment import Segment

# The entities a test document has: mention text → (type, normal, actor).
NAMES = {
    "Сергей Лавров": ("PERSON", "Сергей Лавров", "RUS"),
    "Сергея Лаврова": ("PERSON", "Сергей Лавров", "RUS"),
    "Лавров": ("PERSON", "Сергей Лавров", "RUS"),
    "Мария Захарова": ("PERSON", "Мария Захарова", "RUS"),
    "Ильхам Алиев": ("PERSON", "Ильхам Алиев", "AZE"),
    "МИД России": ("ORGANIZATION", "МИД России", "RUS"),
    "Газпром": ("ORGANIZATION", "Газпром", None),
    "Баку": ("CITY", "Баку", None),
    "Москва": ("CITY", "Москва", "RUS"),
}


def entities_in(text: str) -> list[dict]:
    """Hand-made entities: every occurrence of a known name, longest names first, no overlaps."""
    found, taken = [], set()
    for name in sorted(NAMES, key=len, reverse=True):
        for match in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text):
            if not taken & set(range(*match.span())):
                type_, normal, actor = NAMES[name]
                found.append({"start": match.start(), "end": match.end(), "text": name, "type": type_,
                              "normal": normal, "actor": actor})
                taken |= set(range(*match.span()))
    return sorted(found, key=lambda e: e["start"])


def claims_of(text: str) -> list[dict]:
    doc = Doc("t", text)
    Segment().process(doc)
    doc.fields["entities"] = entities_in(text)
    Claims().process(doc)
    return doc.fields["claims"]


def speech_of(text: str) -> list[tuple[str, str, str | None]]:
    """(attribution, quoted words, speaker normal) of every attributed claim."""
    return [
        (c["attribution"], text[c["quote"]["start"] : c["quote"]["end"]], (c["speaker"] or {}).get("normal"))
        for c in claims_of(text) if c["quote"]
    ]


SPEECH_CASES = [
    # direct quotes, the speaker after or before
    ("«Мы готовы к диалогу», — заявил Сергей Лавров.",
     [("direct", "Мы готовы к диалогу", "Сергей Лавров")]),
    ('"Отношения отличаются высокой степенью доверия", - так охарактеризовал связи Президент Ильхам Алиев.',
     [("direct", "Отношения отличаются высокой степенью доверия", "Ильхам Алиев")]),
    ("Сергей Лавров заявил: «Мы готовы к диалогу с партнёрами».",
     [("direct", "Мы готовы к диалогу с партнёрами", "Сергей Лавров")]),
    ("«Мы готовы, — сказал Лавров, — к любому диалогу».",
     [("direct", "Мы готовы, — сказал Лавров, — к любому диалогу", "Сергей Лавров")]),
    # indirect speech
    ("Министр Сергей Лавров заявил, что Москва готова к диалогу.",
     [("indirect", "Москва готова к диалогу", "Сергей Лавров")]),
    ("По словам Сергея Лаврова, Москва готова к диалогу.",
     [("indirect", "Москва готова к диалогу", "Сергей Лавров")]),
    ("Как сообщила Мария Захарова, переговоры продолжатся в Баку.",
     [("indirect", "переговоры продолжатся в Баку", "Мария Захарова")]),
    ("Переговоры в Баку прошли успешно, сообщил МИД России.",
     [("indirect", "Переговоры в Баку прошли успешно", "МИД России")]),
    ("В Баку открылся форум. Об этом сообщил Сергей Лавров.",
     [("indirect", "В Баку открылся форум", "Сергей Лавров")]),
    # a pronoun and a bare title stand for the person named before
    ("Сергей Лавров прибыл в Баку. Он заявил, что переговоры прошли успешно.",
     [("indirect", "переговоры прошли успешно", "Сергей Лавров")]),
    ("Сергей Лавров прибыл в Баку. «Переговоры прошли успешно», — сказал министр.",
     [("direct", "Переговоры прошли успешно", "Сергей Лавров")]),
    # names and scare quotes are not speech
    ("Компания «Газпром» увеличила поставки в Баку.", []),
    ('Страны принимают на себя "каспийский груз" транзитных ожиданий.', []),
    ('"Каспийский груз ответственности" для Баку заключается не только в торговле.', []),
    ("Напомним, что переговоры в Баку начались в марте.", []),
]


@pytest.mark.parametrize("text, expected", SPEECH_CASES)
def test_speech_and_speakers(text, expected):
    assert speech_of(text) == expected


TYPE_CASES = [
    # text, type, modality, hedge cue
    ("Визит обещает стать важным этапом в отношениях.", "forecast", "hedged", "обещает стать"),
    ("Партнёрство может стать ключевым фактором.", "forecast", "hedged", "может стать"),
    ("По предварительным данным, товарооборот вырос на 50 процентов.", "statistic", "hedged",
     "по предварительным данным"),
    ("Товарооборот увеличился на 50 процентов.", "statistic", "asserted", None),
    ("Стороны договорились о строительстве моста.", "commitment", "asserted", None),
    ("Отношения отличаются высокой степенью доверия.", "evaluation", "asserted", None),
    ("Делегация прибыла в Баку.", "event", "asserted", None),
    ("В мае 2018 года делегация прибыла в Баку.", "event", "asserted", None),
]


@pytest.mark.parametrize("text, kind, modality, cue", TYPE_CASES)
def test_types_and_modality(text, kind, modality, cue):
    [claim] = claims_of(text)
    assert (claim["type"], claim["modality"]) == (kind, modality)
    assert (claim["modality_cue"] or {}).get("text", "").lower() == (cue or "")


def test_checkworthiness_ranks_official_statistics_above_plain_events():
    statistic = claims_of("По словам Сергея Лаврова, товарооборот вырос на 50 процентов.")[0]
    event = claims_of("Делегация прибыла в Баку.")[0]
    assert 0.0 <= event["checkworthiness"] < statistic["checkworthiness"] <= 1.0
    assert {"has_figure", "official_speaker"} <= set(statistic["features"])


def test_a_sentence_with_two_quotes_gives_two_claims():
    text = "Лавров заявил: «Мы готовы к диалогу» и «Санкции не работают»."
    assert [q for _, q, _ in speech_of(text)] == ["Мы готовы к диалогу", "Санкции не работают"]


@pytest.mark.parametrize("text, quoted", [
    ('"По Зубкову решение принято, он остался в "Газпроме"",— объяснил собеседник.',
     ['По Зубкову решение принято, он остался в "Газпроме"']),
    ("«Мы называем это «новой нормой»», — сказал он.", ["Мы называем это «новой нормой»"]),
    ("„Nord Stream“ и “Power of Siberia”", ["Nord Stream", "Power of Siberia"]),
])
def test_quoted_spans_nest(text, quoted):
    assert [text[a:b] for a, b in quoted_spans(text)] == quoted


def test_stage_is_registered_with_its_contract():
    assert STAGES["claims.v1"] is Claims
    assert Claims.requires == ("sents", "tokens", "entities") and Claims.assigns == ("claims",)


# --- the sample article, through the real segment and entities stages -----------------------------


@pytest.fixture(scope="module")
def sample_claims(sample_path):
    from pipeline.stages.entities import Entities

    text = sample_path.read_text(encoding="utf-8")
    doc = Doc("sample", text)
    Segment().process(doc)
    Entities().process(doc)
    Claims().process(doc)
    return text, doc.fields["claims"]


def test_sample_aliyev_quote_is_direct_with_its_speaker(sample_claims):
    text, claims = sample_claims
    [quoted] = [c for c in claims if c["quote"]]
    assert text[quoted["quote"]["start"] : quoted["quote"]["end"]] == (
        "Политические отношения между Азербайджаном и Казахстаном сегодня отличаются высокой "
        "степенью прочности и взаимного доверия"
    )
    assert quoted["attribution"] == "direct"
    assert (quoted["speaker"]["normal"], quoted["speaker"]["actor"]) == ("Ильхам Алиев", "AZE")


@pytest.mark.parametrize("cue", ["обещает стать", "может стать", "может превратить"])
def test_sample_forecasts(sample_claims, cue):
    _, claims = sample_claims
    [claim] = [c for c in claims if cue in c["text"]]
    assert claim["type"] == "forecast" and claim["modality"] == "hedged"


def test_sample_claims_follow_the_record_schema(sample_claims):
    import json

    import jsonschema

    from pipeline.paths import REPO_ROOT

    schema = json.loads((REPO_ROOT / "pipeline" / "schema" / "record.v1.json").read_text(encoding="utf-8"))
    claim_schema = {"$defs": schema["$defs"], **schema["$defs"]["claim"]}
    for claim in sample_claims[1]:
        jsonschema.validate(claim, claim_schema)


def test_sample_scare_quote_is_not_a_quote(sample_claims):
    text, claims = sample_claims
    quoted = [text[c["quote"]["start"] : c["quote"]["end"]] for c in claims if c["quote"]]
    assert not any("аспийский груз" in q for q in quoted)
    assert all(0.0 <= c["checkworthiness"] <= 1.0 for c in claims)
