"""Topics: the annotation file, the model's decision rule, the stage, and train → evaluate end to end."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from corpora import topics as corpus
from pipeline import paths
from pipeline.record import Doc, Span, Token
from pipeline.topics import LABELS, assign, content_lemmas

MODEL = paths.REPO_ROOT / "models" / "topics" / "v1"
ROWS = corpus.read_annotations()

# A hand-written report (not from any corpus) on a state visit with trade, transit and energy threads.
VISIT = (
    "Президент Азербайджана прибыл с государственным визитом в Астану, где провёл переговоры с президентом "
    "Казахстана. Стороны подписали соглашение о стратегическом партнёрстве и совместное заявление. "
    "Товарооборот между странами в прошлом году вырос на 50 процентов и достиг 470 миллионов долларов, "
    "а взаимные инвестиции превысили миллиард долларов. Министры обсудили развитие Среднего коридора: "
    "контейнерные перевозки через порты Актау и Баку и железную дорогу до Карса. Казахстан также намерен "
    "увеличить транзит нефти по нефтепроводу Баку — Тбилиси — Джейхан."
)


# --- the annotation file -------------------------------------------------------------------------


def test_annotations_are_well_formed():
    assert len(ROWS) >= 400
    for row in ROWS:
        assert set(row) == {"corpus", "doc_id", "labels", "split"}
        assert row["corpus"] in corpus.CORPUS_FOLDERS and row["split"] in {"train", "dev"}
        assert row["labels"] and row["labels"] == sorted(set(row["labels"])) and set(row["labels"]) <= set(LABELS)
    keys = Counter((r["corpus"], r["doc_id"]) for r in ROWS)
    assert max(keys.values()) == 1


def test_dev_split_has_every_label_and_all_nerel_dev_documents():
    dev = [r for r in ROWS if r["split"] == "dev"]
    assert len(dev) >= 80
    assert {label for r in dev for label in r["labels"]} == set(LABELS)
    assert all(r["split"] == "dev" for r in ROWS if r["doc_id"].startswith("dev/"))


def test_annotated_documents_exist(corpora):
    missing = [r["doc_id"] for r in ROWS if not corpus.document_path(r["corpus"], r["doc_id"], corpora).is_file()]
    assert missing == []


def test_loader_joins_labels_with_texts(corpora):
    dataset = corpus.load(corpora, split="dev", limit=3)
    assert dataset.num_rows == 3 and set(dataset.column_names) >= {"text", "labels", "doc_id"}
    assert all(len(text) > 100 for text in dataset["text"])


# --- the decision rule ---------------------------------------------------------------------------

ASSIGN_CASES = [
    # probabilities, thresholds, at_least_one, expected labels (most probable first)
    ([0.9, 0.2, 0.6], [0.5, 0.5, 0.5], True, ["a", "c"]),
    ([0.1, 0.2, 0.3], [0.5, 0.25, 0.9], True, ["b"]),   # none passes: the closest to its threshold
    ([0.1, 0.2, 0.3], [0.5, 0.25, 0.9], False, []),
    ([0.4, 0.4, 0.4], [0.4, 0.5, 0.3], True, ["a", "c"]),
]


@pytest.mark.parametrize("proba, thresholds, at_least_one, expected", ASSIGN_CASES)
def test_assign(proba, thresholds, at_least_one, expected):
    chosen = assign(np.array(proba), np.array(thresholds), ("a", "b", "c"), at_least_one)
    assert [label for label, _ in chosen] == expected


def test_content_lemmas_drop_function_words_and_punctuation():
    tokens = [Token(0, 1, "В", "в", "PREP"), Token(2, 7, "Баку", "баку", "NOUN"), Token(7, 8, ",", ",", None),
              Token(9, 10, "и", "и", "CONJ"), Token(11, 19, "подписали", "подписать", "VERB")]
    assert content_lemmas(tokens) == "баку подписать"


def test_scoring_counts_per_label_and_averages():
    from pipeline.scoring.topics import label_metrics

    metrics = label_metrics([{"a"}, {"a", "b"}, {"b"}], [{"a"}, {"a"}, {"a", "b"}], ("a", "b", "c"))
    assert metrics["per_label"]["a"] == {"precision": 0.6667, "recall": 1.0, "f1": 0.8, "support": 2}
    assert metrics["per_label"]["b"]["recall"] == 0.5 and metrics["per_label"]["c"]["support"] == 0
    assert metrics["micro_f1"] == 0.75 and metrics["macro_f1"] == round((0.8 + 0.6667) / 2, 4)


def test_tokens_within_finds_a_sentence_s_tokens():
    from pipeline.stages.topics import tokens_within

    tokens = [Token(0, 3, "Раз", "раз"), Token(3, 4, ".", "."), Token(5, 8, "Два", "два"), Token(8, 9, ".", ".")]
    starts = [t.start for t in tokens]
    assert [t.text for t in tokens_within(tokens, starts, Span(5, 9, "Два."))] == ["Два", "."]


# --- the stage -----------------------------------------------------------------------------------


def segmented(text: str) -> Doc:
    from pipeline.stages.segment import Segment

    doc = Doc(id="visit", text=text)
    Segment().process(doc)
    return doc


@pytest.fixture(scope="module")
def stage():
    if not (MODEL / "model.json").is_file():
        pytest.skip(f"no topics model at {MODEL} (train it with `bilat train topics`)")
    from pipeline.stages.topics import Topics

    return Topics()


def test_stage_finds_diplomacy_and_economy_in_a_state_visit(stage):
    doc = segmented(VISIT)
    stage.process(doc)
    labels = [t["label"] for t in doc.fields["topics"]]
    assert {"diplomacy", "economy_trade"} <= set(labels)
    assert all(set(t) == {"label", "score"} and 0 <= t["score"] <= 1 for t in doc.fields["topics"])
    assert set(doc.fields) == {"topics", "topic_sentences"}
    for sent in doc.fields["topic_sentences"]:
        assert set(sent) == {"start", "end", "scores"} and sent["scores"]
        assert VISIT[sent["start"]:sent["end"]] in {s.text for s in doc.sents}
        assert set(sent["scores"]) <= set(labels)


def test_stage_on_the_sample_article(stage, sample_path):
    doc = segmented(sample_path.read_text(encoding="utf-8"))
    stage.process(doc)
    assert {"diplomacy", "economy_trade"} <= {t["label"] for t in doc.fields["topics"]}


def test_stage_refuses_a_missing_model(tmp_path):
    from pipeline.errors import BadConfig
    from pipeline.stages.topics import Topics

    with pytest.raises(BadConfig):
        Topics(model=str(tmp_path / "nothing"))


# --- training and evaluation end to end ----------------------------------------------------------

TINY_CONFIG = """
[data]
annotations = "corpora/annotations/topics.jsonl"
[features]
candidates = ["lemmas", "lemmas+navec"]
word_ngrams = [1, 1]
char_ngrams = [3, 4]
min_df = 1
max_df = 1.0
navec_weight = 1.0
[model]
C = [4.0]
cv_folds = 2
[thresholds]
grid = [0.1, 0.9, 0.05]
[hf]
base_model = ""
epochs = 1
max_length = 32
batch_size = 8
learning_rate = 3e-5
threshold_share = 0.3
"""


def train(tmp_path: Path, corpora: Path, backend: str = "default", base_model: str | None = None) -> Path:
    from pipeline.training.topics import command

    config, output = tmp_path / "topics.toml", tmp_path / "model"
    config.write_text(TINY_CONFIG)
    command(config=str(config), output=str(output), seed=3, backend=backend, base_model=base_model,
            corpora=str(corpora), limit=24)
    return output


def test_train_then_evaluate_a_tiny_model(tmp_path, corpora, capsys):
    from pipeline.scoring.topics import command as evaluate
    from pipeline.topics import load_model

    output = train(tmp_path, corpora)
    meta = json.loads((output / "meta.json").read_text(encoding="utf-8"))
    assert meta["labels"] == list(LABELS) and meta["seed"] == 3 and meta["format_version"] == 1
    assert meta["data"]["train"]["documents"] == 24 and len(meta["data"]["annotations"]["sha256"]) == 64
    assert {c["features"] for c in meta["candidates"]} == {"lemmas", "lemmas+navec"}
    assert meta["chosen"]["selected_by"] == "cv"
    assert set(meta["metrics"]["dev"]["per_label"]) == set(LABELS) and meta["speed"]["cpu_ms_per_doc"] > 0
    assert f"micro-F1 **{meta['metrics']['dev']['micro_f1']:.4f}**" in (output / "README.md").read_text()
    assert len(load_model(output).thresholds) == len(LABELS)

    evaluate(model=str(output), split="dev", annotations=None, corpora=str(corpora))
    printed = capsys.readouterr().out
    assert "micro-F1" in printed and all(label in printed for label in LABELS)


@pytest.mark.slow
def test_train_hf_backend_on_a_tiny_transformer(tmp_path, corpora):
    pytest.importorskip("transformers")
    from tests.test_hf import tiny_checkpoint

    from pipeline.topics import load_model

    (tmp_path / "tiny-bert").mkdir()
    base = tiny_checkpoint(tmp_path / "tiny-bert")
    output = train(tmp_path, corpora, backend="hf", base_model=str(base))
    model = load_model(output)
    assert model.backend == "hf" and model.predict_proba(["Переговоры в Баку."]).shape == (1, len(LABELS))
    assert json.loads((output / "meta.json").read_text())["backend"] == "hf"
