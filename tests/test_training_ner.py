"""`train ner` → `evaluate ner` end to end on a few NEREL documents (one epoch, well under a minute)."""
import json
import os
from pathlib import Path

import pytest

CORPORA = Path(os.environ.get("BILAT_CORPORA", Path(__file__).resolve().parents[1].parent / "shared" / "corpora"))
NEREL = CORPORA / "nerel"


def few_documents(source: Path, folder: Path, n: int) -> Path:
    """A brat folder of links to the first n documents, so evaluation stays quick."""
    folder.mkdir()
    for text in sorted(source.glob("*.txt"))[:n]:
        for path in (text, text.with_suffix(".ann")):
            (folder / path.name).symlink_to(path)
    return folder


@pytest.mark.skipif(not NEREL.is_dir(), reason=f"NEREL not found under {CORPORA}")
def test_train_then_evaluate_tiny_model(tmp_path, capsys):
    from pipeline.scoring import ner as scoring
    from pipeline.training import ner as training

    output, dev = tmp_path / "ner", few_documents(NEREL / "dev", tmp_path / "dev", 4)
    training.command(
        config="configs/ner.toml", output=str(output), seed=1,
        train_dir=str(NEREL / "train"), dev_dir=str(dev), limit_docs=4, epochs=1,
    )
    meta = json.loads((output / "meta.json").read_text(encoding="utf-8"))
    assert meta["data"]["train"]["documents"] == 4 and len(meta["data"]["train"]["sha256"]) == 64
    assert set(scoring.TWELVE) <= set(meta["labels"]) and meta["seed"] == 1
    assert set(meta["metrics"]["dev"]["fine"]) == set(scoring.TWELVE) | {"micro"}
    assert (output / "model.pt").stat().st_size < 50e6
    card = (output / "README.md").read_text(encoding="utf-8")
    assert f"| micro | {meta['metrics']['dev']['fine']['micro']['precision']:.3f}" in card

    scoring.command(model=str(output), data=[str(dev)], natasha=False)
    printed = capsys.readouterr().out
    assert "strict span, twelve types" in printed and "coarse PER/ORG/LOC" in printed

    # an ensemble of one model is that model
    training.command(config="configs/ner.toml", output=str(tmp_path / "one"), dev_dir=str(dev), limit_docs=4, ensemble=["ner"])
    alone = json.loads((tmp_path / "one" / "meta.json").read_text(encoding="utf-8"))
    assert alone["members"] == ["ner"] and not (tmp_path / "one" / "model.pt").exists()
    assert alone["metrics"]["dev"]["fine"] == meta["metrics"]["dev"]["fine"]


def test_scores_are_strict_per_type():
    from pipeline.scoring.ner import score

    gold = [[(0, 5, "PERSON"), (10, 20, "ORGANIZATION"), (15, 20, "COUNTRY")]]
    pred = [[(0, 5, "PERSON"), (10, 19, "ORGANIZATION"), (15, 20, "CITY")]]
    result = score(gold, pred, ["PERSON", "ORGANIZATION", "COUNTRY", "CITY"])
    assert result["PERSON"]["f1"] == 1.0
    assert result["ORGANIZATION"]["f1"] == 0.0 and result["COUNTRY"]["recall"] == 0.0
    assert result["micro"]["precision"] == pytest.approx(1 / 3) and result["micro"]["recall"] == pytest.approx(1 / 3)
