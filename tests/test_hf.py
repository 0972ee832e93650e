"""pipeline.hf end to end on a tiny randomly initialised BERT built in the test (no downloads)."""
from __future__ import annotations

import numpy as np
import pytest

transformers = pytest.importorskip("transformers")

from pipeline import hf  # noqa: E402

SENTENCES = [
    ("Россия осудила удар по мирным жителям", 0),
    ("Казахстан приветствовал новое соглашение", 1),
    ("Министр провёл встречу в Баку", 2),
    ("Стороны осудили агрессию и санкции", 0),
    ("Президент приветствовал успех переговоров", 1),
]


def tiny_checkpoint(folder):
    from transformers import BertConfig, BertModel, BertTokenizerFast

    # words of the test sentences, plus letters so that any Russian word tokenizes to something
    letters = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя.,«»-") | {f"##{c}" for c in "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"}
    words = sorted({w.lower() for s, _ in SENTENCES for w in s.split()} | letters)
    folder.mkdir(parents=True, exist_ok=True)
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]) + "\n")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab), do_lower_case=True)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=37, max_position_embeddings=64)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return tiny_checkpoint(tmp_path_factory.mktemp("tiny-bert"))


def rows(n=20):
    return [SENTENCES[i % len(SENTENCES)] for i in range(n)]


def test_single_label_trains_saves_and_predicts(base, tmp_path):
    texts, labels = zip(*rows())
    metrics = hf.train_classifier(list(texts), list(labels), base_model=str(base), output=tmp_path / "m",
                                  epochs=1, batch_size=8, seed=1, class_weight="balanced",
                                  eval_texts=list(texts[:5]), eval_labels=list(labels[:5]))
    assert metrics["num_labels"] == 3 and len(metrics["train_loss"]) == 1 and "accuracy" in metrics["eval"][0]
    proba = hf.HFClassifier.load(tmp_path / "m").predict_proba(list(texts[:4]))
    assert proba.shape == (4, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


def test_text_pairs_and_extra_tokens(base, tmp_path):
    texts, labels = zip(*rows())
    pairs = [t.split()[0] for t in texts]
    hf.train_classifier([f"[E] {t}" for t in texts], list(labels), base_model=str(base), output=tmp_path / "m",
                        text_pairs=pairs, epochs=1, batch_size=8, extra_tokens=["[E]"])
    classifier = hf.HFClassifier.load(tmp_path / "m")
    assert "[E]" in classifier.tokenizer.tokenize("[E] россия")
    assert classifier.predict_proba(["[E] Россия"], text_pairs=["Россия"]).shape == (1, 3)


def test_multi_label_gives_independent_sigmoids(base, tmp_path):
    texts = [s for s, _ in rows()]
    labels = [[int(i % 2 == 0), int(i % 3 == 0), 1, 0] for i in range(len(texts))]
    metrics = hf.train_classifier(texts, labels, base_model=str(base), output=tmp_path / "m",
                                  multi_label=True, epochs=1, batch_size=8)
    proba = hf.HFClassifier.load(tmp_path / "m").predict_proba(texts[:3])
    assert metrics["num_labels"] == 4 and proba.shape == (3, 4)
    assert ((proba > 0) & (proba < 1)).all() and not np.allclose(proba.sum(axis=1), 1.0)


def test_training_is_reproducible_with_a_seed(base, tmp_path):
    texts, labels = zip(*rows())
    for name in ("a", "b"):
        hf.train_classifier(list(texts), list(labels), base_model=str(base), output=tmp_path / name,
                            epochs=1, batch_size=8, seed=7)
    a, b = (hf.HFClassifier.load(tmp_path / n).predict_proba(list(texts)) for n in ("a", "b"))
    np.testing.assert_allclose(a, b, atol=1e-6)
