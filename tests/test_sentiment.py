"""Entity sentiment: features, offsets, model folder round trip, the TSV command, the stage, the corpus split."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest

from pipeline.record import Doc, Span
from pipeline.scoring import sentiment as scoring
from pipeline.sentiment import (
    LABELS, TAGS, Mention, SentimentModel, SklearnMember, TorchMember, context, decide, encode, f1_pn, mark_entity,
    mentions_from_frame, tune_offsets,
)
from pipeline.stages.sentiment import Sentiment, entity_mentions

CORPORA = Path(os.environ.get("BILAT_CORPORA", Path(__file__).resolve().parents[1].parent / "shared" / "corpora"))

# (sentence, entity, label): written for these tests
ROWS = [
    ("Президент Казахстана высоко оценил вклад Азербайджана в мир.", "Азербайджана", 1),
    ("Министр похвалил Турцию за помощь пострадавшим.", "Турцию", 1),
    ("Эксперты поблагодарили Грузию за гостеприимство.", "Грузию", 1),
    ("Журналисты восхищаются успехами Узбекистана.", "Узбекистана", 1),
    ("Власти обвинили Армению в провокации на границе.", "Армению", -1),
    ("Москва осудила Лондон за враждебные санкции.", "Лондон", -1),
    ("Депутаты раскритиковали министра за провал реформы.", "министра", -1),
    ("Суд обвинил компанию в мошенничестве и обмане.", "компанию", -1),
    ("Делегация Ирана прибыла в Баку во вторник.", "Ирана", 0),
    ("Переговоры министра пройдут в Астане в среду.", "министра", 0),
    ("Компания открыла офис в Ташкенте в прошлом году.", "Компания", 0),
    ("Делегация Китая посетила выставку в Баку.", "Китая", 0),
]


def mention(sentence: str, entity: str, tag: str = "COUNTRY") -> Mention:
    start = sentence.index(entity)
    return Mention(sentence, start, start + len(entity), tag)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    """A sklearn-only model trained on ROWS (no navec, so the test stays fast)."""
    folder = tmp_path_factory.mktemp("sentiment")
    member = SklearnMember(C=10.0, navec=False, char_window=0).fit(
        [mention(s, e) for s, e, _ in ROWS], [label for *_, label in ROWS])
    SentimentModel([member]).save(folder)
    return folder


@pytest.mark.parametrize("sentence, entity, distances", [
    ("Россия осудила удар.", "Россия", [0, 1, 2, 3]),
    ("Власти обвинили Армению вчера.", "Армению", [-2, -1, 0, 1, 2]),
    ("Глава Южной Кореи прибыл.", "Южной Кореи", [-1, 0, 0, 1, 2]),
])
def test_context_measures_token_distance_to_the_entity(sentence, entity, distances):
    ctx = context(mention(sentence, entity))
    assert [ctx.distance(i) for i in range(len(ctx.words))] == distances


def test_given_tokens_replace_razdel_and_others_mark_their_tokens():
    sentence = "Власти Грузии обвинили Армению."
    ctx = context(Mention(sentence, 23, 30, "COUNTRY", tokens=((0, 6), (7, 13), (14, 22), (23, 30)),
                          others=((7, 13),)))
    assert ctx.words == ("власти", "грузии", "обвинили", "армению")  # no "." token: the given tokens rule
    assert ctx.entity == (3, 4) and list(ctx.other) == [False, True, False, False]


@pytest.mark.parametrize("options, positions, flag_columns, blank_vectors", [
    ({}, [17, 18, 19, 20, 21], 3, []),
    ({"window": 1}, [19, 20, 21], 3, []),
    ({"mask_entity": True}, [17, 18, 19, 20, 21], 3, [3]),
    ({"others": True, "tags": True}, [17, 18, 19, 20, 21], 4 + len(TAGS), []),
])
def test_encode_windows_masks_and_flags(options, positions, flag_columns, blank_vectors):
    sentence = "Власти Грузии обвинили Армению вчера"
    start = sentence.index("Армению")
    encoded = encode(Mention(sentence, start, start + 7, "COUNTRY", others=((7, 13),)), **options)
    assert list(encoded["position"]) == positions
    assert encoded["flags"].shape == (len(positions), flag_columns)
    entity_row = positions.index(20)
    assert encoded["flags"][entity_row, 2] == 1 and encoded["flags"][:, 2].sum() == 1
    assert [i for i, v in enumerate(encoded["vectors"]) if not v.any()] == blank_vectors
    if options.get("others"):
        assert list(encoded["flags"][:, 3]) == [0, 1, 0, 0, 0]
        assert encoded["flags"][:, 4 + TAGS.index("COUNTRY")].all()


def test_mentions_from_frame_share_a_sentence_as_others():
    import pandas as pd

    frame = pd.DataFrame({"sentence": ["А и Б.", "А и Б.", "В."], "entity_pos_start_rel": [0, 4, 0],
                          "entity_pos_end_rel": [1, 5, 1], "entity_tag": ["PERSON"] * 3})
    assert [m.others for m in mentions_from_frame(frame)] == [((4, 5),), ((0, 1),), ()]


def test_mark_entity_wraps_the_span():
    assert mark_entity(mention("Власти обвинили Армению.", "Армению")) == "Власти обвинили [E] Армению [/E]."


@pytest.mark.parametrize("gold, pred, expected", [
    ([1, -1, 0], [1, -1, 0], 1.0),
    ([1, -1, 0], [0, 0, 0], 0.0),
    ([1, 1, -1, 0], [1, 0, 0, 0], (2 / 3 + 0) / 2),
])
def test_f1_pn_is_macro_over_positive_and_negative(gold, pred, expected):
    assert f1_pn(gold, pred) == pytest.approx(expected)


def test_tuned_offsets_recover_a_shifted_rare_class():
    # positives sit just below the neutral probability: only a positive offset separates them
    proba = np.array([[0.1, 0.55, 0.35]] * 10 + [[0.1, 0.8, 0.1]] * 30 + [[0.7, 0.2, 0.1]] * 5)
    gold = [1] * 10 + [0] * 30 + [-1] * 5
    offsets = tune_offsets(proba, gold)
    assert list(decide(np.log(proba), [0, 0, 0])).count(1) == 0
    assert f1_pn(gold, decide(np.log(proba), offsets)) == 1.0


def test_model_folder_round_trip_keeps_predictions(tiny_model):
    model = SentimentModel.load(tiny_model)
    mentions = [mention(s, e) for s, e, _ in ROWS]
    again = SentimentModel.load(tiny_model)
    np.testing.assert_allclose(model.predict_proba(mentions), again.predict_proba(mentions))
    assert f1_pn([label for *_, label in ROWS], model.predict(mentions)) == 1.0  # it fits its own training rows


def test_restricting_to_a_missing_backend_is_a_numbered_error(tiny_model):
    from pipeline.errors import BadConfig

    with pytest.raises(BadConfig, match="no 'torch' member"):
        SentimentModel.load(tiny_model).restricted_to("torch")


def test_torch_member_trains_saves_and_loads(tmp_path):
    mentions, labels = [mention(s, e) for s, e, _ in ROWS], [label for *_, label in ROWS]
    member = TorchMember(epochs=1, hidden=8, position_dim=4, batch_size=4, seed=3, threads=1).fit(mentions, labels)
    SentimentModel([member], offsets=[0.1, 0.0, 0.2]).save(tmp_path)
    loaded = SentimentModel.load(tmp_path)
    assert loaded.offsets == [0.1, 0.0, 0.2]
    np.testing.assert_allclose(loaded.predict_proba(mentions), member.predict_proba(mentions), atol=1e-6)


def write_tsv(path: Path, rows, with_label: bool = True) -> None:
    header = ["sentence", "entity", "entity_tag", "entity_pos_start_rel", "entity_pos_end_rel"]
    with path.open("w", newline="") as f:
        writer = csv.writer(f, delimiter="\t", quoting=csv.QUOTE_NONE, quotechar=None)
        writer.writerow(header + ["label"] * with_label)
        for sentence, entity, label in rows:
            start = sentence.index(entity)
            writer.writerow([sentence, entity, "COUNTRY", start, start + len(entity)] + [label] * with_label)


def test_predict_command_writes_labels_for_every_row(tiny_model, tmp_path):
    source, target = tmp_path / "in.tsv", tmp_path / "out.tsv"
    write_tsv(source, ROWS[:6], with_label=False)
    scoring.predict_command(str(source), output=str(target), model=str(tiny_model), backend="ensemble")
    with target.open() as f:
        out = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert [r["entity"] for r in out] == [e for _, e, _ in ROWS[:6]]
    assert [int(r["label"]) for r in out] == [label for *_, label in ROWS[:6]]


def test_evaluate_command_reports_f1_pn_and_confusion(tiny_model, tmp_path, capsys):
    source = tmp_path / "gold.tsv"
    write_tsv(source, ROWS)
    metrics = scoring.command(model=str(tiny_model), data=str(source), backend="ensemble")
    assert metrics["f1_pn"] == 1.0 and np.trace(metrics["confusion"]) == len(ROWS)
    assert "F1_PN 1.0000" in capsys.readouterr().out


def hand_built_doc() -> Doc:
    first = "Власти обвинили Армению в провокации на границе."
    second = "Делегация Ирана прибыла в Баку во вторник."
    text = f"{first} {second}"
    sents = [Span(0, len(first), first), Span(len(first) + 1, len(text), second)]
    entities = [
        {"start": text.index("Армению"), "end": text.index("Армению") + 7, "text": "Армению", "type": "COUNTRY"},
        {"start": text.index("Баку"), "end": text.index("Баку") + 4, "text": "Баку", "type": "CITY"},
        {"start": text.index("Ирана"), "end": text.index("Ирана") + 5, "text": "Ирана", "type": "COUNTRY"},
    ]
    return Doc(id="d1", text=text, sents=sents, fields={"entities": entities})


def test_entity_mentions_cut_to_the_sentence_and_skip_other_types():
    indices, mentions = entity_mentions(hand_built_doc())
    assert indices == [0, 2]
    assert [m.text[m.start:m.end] for m in mentions] == ["Армению", "Ирана"]


def test_entity_mentions_carry_the_pipeline_tokens_and_the_sentence_other_entities():
    from pipeline.record import Token

    doc = hand_built_doc()
    doc.fields["entities"].append({"start": 0, "end": 6, "text": "Власти", "type": "ORGANIZATION"})
    first = doc.sents[0]
    doc.tokens = [Token(a, b, doc.text[a:b], "", "") for a, b in ((0, 6), (7, 15), (16, 23), (24, 25))]
    indices, mentions = entity_mentions(doc)
    assert indices == [0, 2, 3]
    assert mentions[0].tokens == ((0, 6), (7, 15), (16, 23), (24, 25)) and mentions[0].text == first.text
    assert mentions[0].others == ((0, 6),) and mentions[2].others == ((16, 23),)
    assert mentions[1].tokens == () and mentions[1].others == ()  # the second sentence has no tokens here


def test_stage_labels_each_entity_of_a_sentiment_type(tiny_model):
    doc = hand_built_doc()
    Sentiment(model=str(tiny_model))([doc])
    assert [(s["entity"], s["label"]) for s in doc.fields["sentiment"]] == [(0, "negative"), (2, "neutral")]
    assert all(0 < s["score"] <= 1 for s in doc.fields["sentiment"])
    assert set(doc.fields) == {"entities", "sentiment"}


def test_stage_gives_an_empty_list_without_entities(tiny_model):
    doc = Doc(id="d2", text="Ничего.", sents=[Span(0, 7, "Ничего.")], fields={"entities": []})
    Sentiment(model=str(tiny_model)).process(doc)
    assert doc.fields["sentiment"] == []


@pytest.mark.skipif(not (CORPORA / "rusentne").is_dir(), reason="shared corpora (RuSentNE-2023) not available")
def test_dev_split_is_fixed_and_shares_no_sentence_with_train():
    from corpora import rusentne

    dev, train = rusentne.load("dev"), rusentne.load("train")
    assert len(dev) + len(train) == 6637 and 0.12 < len(dev) / 6637 < 0.18
    assert not set(dev["sentence"]) & set(train["sentence"])
    assert set(dev["label"]) == set(LABELS)


def test_hf_member_trains_into_the_model_folder_and_predicts(tmp_path):
    pytest.importorskip("transformers")
    import importlib.util

    from pipeline.sentiment import HFMember

    # the tiny BERT builder lives beside the hf backend's own tests
    spec = importlib.util.spec_from_file_location("test_hf", Path(__file__).with_name("test_hf.py"))
    test_hf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(test_hf)
    tiny_checkpoint = test_hf.tiny_checkpoint

    base = tiny_checkpoint(tmp_path / "base")
    mentions, labels = [mention(s, e) for s, e, _ in ROWS], [label for *_, label in ROWS]
    member = HFMember(base_model=str(base), epochs=1, batch_size=4, max_length=48, seed=1)
    SentimentModel([member.fit(mentions, labels, folder=tmp_path / "model")]).save(tmp_path / "model")
    doc = hand_built_doc()
    Sentiment(model=str(tmp_path / "model"), backend="hf")([doc])
    assert [s["entity"] for s in doc.fields["sentiment"]] == [0, 2]
    assert {s["label"] for s in doc.fields["sentiment"]} <= {"positive", "negative", "neutral"}


def test_model_card_is_rendered_from_meta():
    from pipeline.scoring.sentiment import evaluate
    from pipeline.training.sentiment import model_card

    meta = {
        "id": "sentiment-v0", "task": "entity sentiment", "members": ["sklearn", "torch"], "weights": [0.5, 0.5],
        "offsets": [0.1, 0.0, 0.2], "command": "bilat train sentiment", "date": "2026-01-01",
        "metrics": {"dev": evaluate([1, 0, -1, 0], [1, 0, 0, 0]),
                    "ablation": [{"name": "baseline", "dev_f1_pn_argmax": 0.25, "dev_f1_pn_offsets": 0.3}]},
        "data": {"train": {"path": "rusentne/train_data.csv", "rows": 3, "sha256": "ab" * 32},
                 "dev": {"ids": "ids.txt", "rows": 1}},
        "size_bytes": 2_000_000, "inference_rows_per_second": 50.0, "training_seconds": 9.0, "seed": 1,
    }
    meta["config"] = {"card": {"notes": ["chosen on the holdout"]}}
    card = model_card(meta)
    assert card.startswith("# sentiment-v0\n")
    assert "## How this configuration was chosen\n\n- chosen on the holdout\n" in card
    assert "**0.5000**" in card and "| baseline | 0.2500 | 0.3000 |" in card and "| negative | 0.0000 |" in card


@pytest.mark.parametrize("options", [
    {"packed": True},
    {"arch": "gru", "packed": True, "project": 8, "window": 4, "others": True, "tags": True, "mask_entity": True},
    {"arch": "cnn", "project": 8},
])
def test_padding_free_torch_members_ignore_the_padding_of_their_batch(options):
    mentions, labels = [mention(s, e) for s, e, _ in ROWS], [label for *_, label in ROWS]
    member = TorchMember(epochs=1, hidden=8, position_dim=4, batch_size=4, seed=3, threads=1, **options)
    member.fit(mentions, labels)
    short = mention("Россия осудила удар.", "Россия")
    alone = member.predict_proba([short])
    beside_a_long_one = member.predict_proba([short, mentions[0]])[:1]
    np.testing.assert_allclose(alone, beside_a_long_one, atol=1e-5)


def test_distilled_member_keeps_one_student_and_is_reproducible_with_its_seed(tmp_path):
    mentions, labels = [mention(s, e) for s, e, _ in ROWS], [label for *_, label in ROWS]
    options = {"arch": "gru", "packed": True, "project": 8, "hidden": 8, "position_dim": 4, "window": 4,
               "epochs": 2, "batch_size": 4, "runs": 2, "distil": True, "decay": True, "seed": 5, "threads": 1}
    member = TorchMember(**options).fit(mentions, labels)
    assert len(member.networks) == 1 and len(member.teachers_member().networks) == 2
    again = TorchMember(**options).fit(mentions, labels)
    np.testing.assert_allclose(member.predict_proba(mentions), again.predict_proba(mentions), atol=1e-6)
    SentimentModel([member]).save(tmp_path)
    assert len(SentimentModel.load(tmp_path).members[0].networks) == 1  # the teachers are not saved


def test_navec_matrix_matches_navec_word_by_word():
    from pipeline.ner import navec
    from pipeline.sentiment import navec_matrix

    words = ["президент", "азербайджана", "xyzzy", ",", "нато", "астану"]
    matrix, known = navec_matrix(words)
    for word, row, found in zip(words, matrix, known):
        vector = navec().get(word)
        assert found == (vector is not None)
        np.testing.assert_allclose(row, vector if vector is not None else np.zeros(300))


def test_syntax_flags_place_each_token_in_the_entitys_tree():
    from pipeline.sentiment import SYNTAX_RELATIONS, context, syntax_flags

    text = "Россия резко осудила удар Израиля по Ирану."
    mention = Mention(text, text.index("Израиля"), text.index("Израиля") + len("Израиля"), "COUNTRY")
    words, flags = context(mention).words, syntax_flags(mention)
    row = dict(zip(words, flags.tolist()))
    assert row["удар"][0] == 1 and row["удар"][4] == 1        # the entity's head: one edge, governs it
    assert row["осудила"][1] == 1 and row["осудила"][4] == 1  # two edges up, governs it
    assert row["ирану"][1] == 1 and row["ирану"][4] == 0      # two edges away, a sibling's dependent
    assert not any(row["израиля"][:5])                        # the entity itself
    assert (flags[:, 5 + SYNTAX_RELATIONS.index("nmod")] == 1).all()


def test_torch_member_with_syntax_flags_trains_and_predicts():
    from pipeline.sentiment import TorchMember

    mentions = [Mention("Россия резко осудила удар Израиля по Ирану.", 26, 33, "COUNTRY"),
                Mention("Президент Франции похвалил Германию.", 27, 35, "COUNTRY"),
                Mention("Делегация Китая прибыла в Москву.", 10, 15, "COUNTRY")] * 4
    member = TorchMember(arch="gru", hidden=8, project=8, window=4, packed=True, others=True, tags=True,
                         syntax=True, epochs=1, runs=1, threads=1).fit(mentions, [-1, 1, 0] * 4)
    proba = member.predict_proba(mentions[:3])
    assert proba.shape == (3, 3) and np.allclose(proba.sum(axis=1), 1, atol=1e-5)


def test_offsets_ceiling_is_at_least_any_fixed_offsets_score():
    from pipeline.sentiment import decide, f1_pn

    gold = [1, -1, 0, 0, 1, -1]
    # positives are under-confident: argmax misses them, an offset on the positive class recovers them
    proba = np.array([[0.1, 0.5, 0.4], [0.6, 0.3, 0.1], [0.1, 0.8, 0.1],
                      [0.2, 0.7, 0.1], [0.1, 0.55, 0.35], [0.5, 0.4, 0.1]])
    plain = f1_pn(gold, decide(np.log(proba), [0.0, 0.0, 0.0]))
    assert plain < 1.0 and scoring.offsets_ceiling(proba, gold) == 1.0
