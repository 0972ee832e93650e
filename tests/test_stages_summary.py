from pipeline.ingest import txt_doc
from pipeline.stages.segment import Segment
from pipeline.stages.summary import Summary

TEXT = ("date 2025-10-20 Автор: Эмин Алиев\n\nБаку и Астана расширяют торговлю. "
        "Товарооборот достиг 501 млн долларов. В Париже прошла выставка.")


def summarised_doc(title=None):
    doc = txt_doc(TEXT, "a", {"title": title})
    Segment()([doc])
    second = doc.sents[2]
    doc.fields.update({
        "figures": [{"start": TEXT.index("501"), "end": TEXT.index(" долларов") + 9, "text": "501 млн долларов",
                     "kind": "money", "value": 501e6, "unit": "USD", "approx": False, "metric": "товарооборот",
                     "period": None, "actors": ["AZE", "KAZ"]}],
        "claims": [{"start": second.start, "end": second.end, "text": second.text, "type": "statistic",
                    "attribution": None, "quote": None, "speaker": None, "checkworthiness": 0.8},
                   {"start": doc.sents[3].start, "end": doc.sents[3].end, "text": doc.sents[3].text, "type": "event",
                    "attribution": None, "quote": None, "speaker": None, "checkworthiness": 0.2}],
        "topics": [{"label": "economy_trade", "score": 0.9}],
        "dyads": [{"actors": ["AZE", "KAZ"], "tone": "cooperative", "score": 0.6,
                   "evidence": [{"start": doc.sents[1].start, "end": doc.sents[1].end}]}],
    })
    Summary()([doc])
    return doc.fields["summary"]


def test_summary_headline_skips_the_metadata_line():
    assert summarised_doc()["headline"] == "Баку и Астана расширяют торговлю."
    assert summarised_doc(title="Визит")["headline"] == "Визит"


def test_summary_pair_points_back_to_figures_and_claims():
    [pair] = summarised_doc()["dyads"]
    assert pair["actors"] == ["AZE", "KAZ"] and pair["tone"] == "cooperative"
    assert pair["key_figures"] == [0] and pair["key_claims"] == []
    assert pair["topics"] == ["economy_trade"]
    assert "501 млн долларов" in pair["text"] and "AZE–KAZ: cooperative" in pair["text"]
