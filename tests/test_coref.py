"""Light coreference: short and role mentions take the full name, its actor and its cluster."""
import pytest

from pipeline.coref import resolve
from pipeline.gazetteer import default_gazetteer


def mention(text, type, normal, actor=None, role=None):
    entity = {"text": text, "type": type, "normal": normal, "actor": actor}
    return {**entity, "role": role} if role else entity


@pytest.fixture(scope="module")
def gazetteer():
    return default_gazetteer()


@pytest.mark.parametrize("mentions, expected", [
    # a surname after the full name
    ([mention("Ильхама Алиева", "PERSON", "Ильхам Алиев", "AZE"), mention("Алиев", "PERSON", "Алиев")],
     [("Ильхам Алиев", "AZE", 0), ("Ильхам Алиев", "AZE", 0)]),
    # the latest full name with that surname wins over the gazetteer's president
    ([mention("Эмин Алиев", "PERSON", "Эмин Алиев"), mention("Алиев", "PERSON", "Алиев")],
     [("Эмин Алиев", None, 0), ("Эмин Алиев", None, 0)]),
    # a surname alone, known to the gazetteer
    ([mention("Токаев", "PERSON", "Токаев")], [("Касым-Жомарт Токаев", "KAZ", 0)]),
    # a role before the name, and the name after it: one cluster; the title keeps its own normal form
    ([mention("президент", "PROFESSION", "президент", "KAZ", "head_of_state"),
      mention("Касым-Жомарт Токаев", "PERSON", "Касым-Жомарт Токаев", "KAZ"), mention("Токаев", "PERSON", "Токаев")],
     [("президент", "KAZ", 0)] + [("Касым-Жомарт Токаев", "KAZ", 0)] * 2),
    # an office holder the document does not name is not assumed (older articles, other presidents)
    ([mention("президент", "PROFESSION", "президент", "KAZ", "head_of_state")], [("президент", "KAZ", 0)]),
    # other entities cluster by normal form
    ([mention("Баку", "CITY", "Баку"), mention("Астаны", "CITY", "Астана"), mention("Баку", "CITY", "Баку")],
     [("Баку", None, 0), ("Астана", None, 1), ("Баку", None, 0)]),
])
def test_resolve(gazetteer, mentions, expected):
    resolve(mentions, gazetteer)
    assert [(m["normal"], m["actor"], m["cluster"]) for m in mentions] == expected


def test_names_join_abbreviation_and_full_name(gazetteer):
    mentions = [mention("Организации тюркских государств", "ORGANIZATION", "Организация тюркских государств", "OTS"),
                mention("ОТГ", "ORGANIZATION", "ОТГ", "OTS")]
    resolve(mentions, gazetteer, ["Организация тюркских государств"] * 2)
    assert mentions[0]["cluster"] == mentions[1]["cluster"]


def test_apposition_names_the_office_holder(gazetteer):
    mentions = [{**mention("президент", "PROFESSION", "президент", "RUS", "head_of_state"), "start": 0, "end": 9},
                {**mention("России", "COUNTRY", "Россия", "RUS"), "start": 10, "end": 16},
                {**mention("Дмитрий Медведев", "PERSON", "Дмитрий Медведев"), "start": 17, "end": 33},
                {**mention("Путин", "PERSON", "Путин"), "start": 40, "end": 45}]
    resolve(mentions, gazetteer)
    assert [(m["normal"], m["actor"], m["cluster"]) for m in mentions] == [
        ("президент", "RUS", 0), ("Россия", "RUS", 1), ("Дмитрий Медведев", "RUS", 0),
        ("Владимир Путин", "RUS", 2)]
