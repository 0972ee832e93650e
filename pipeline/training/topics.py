"""Train the topic classifier on our read-labelled documents and write models/topics/vN.

Default backend: for every featuriser candidate and C in configs/topics.toml, out-of-fold
probabilities on train (seeded K-fold) tune per-label thresholds and give a CV score; the best
candidate is refit on all of train, every candidate is also scored on dev for the record, and the
chosen one is saved with meta.json (data checksums, config, CV and dev metrics, speed) and a model
card README.md generated from it. The "hf" backend fine-tunes a local transformer via pipeline/hf.py.
"""
from __future__ import annotations

import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from pipeline.config import read_toml
from pipeline.training import new_version

if TYPE_CHECKING:
    import numpy as np

LABELLING = (
    "Every label was assigned by a person reading the document (its title and lead: the first 350-650 "
    "characters, and the whole text where the topic stayed unclear) under corpora/guidelines/topics.md; "
    "no model, keyword rule or weak label made or enlarged them. All 962 documents of the shared corpora "
    "were labelled: NEREL train + dev (840 Wikinews articles) and the factRuEval-2016 devset (122). "
    "Dev = all 94 NEREL dev documents + a seeded (13), label-stratified share of the rest (at least 20% of "
    "each label's documents, rarest labels first); train = the other documents."
)


# --- data ---------------------------------------------------------------------------------------


def load_rows(annotations: Path, root: Path, split: str, limit: int | None, lemmatise: bool = True) -> list[dict]:
    """The labelled documents of `split` with their texts (and lemmas, which only the default backend reads)."""
    from corpora import topics as corpus
    from pipeline.scoring.topics import with_lemmas

    rows = list(corpus.iter_documents(root, split, annotations, limit))
    return with_lemmas(rows) if lemmatise else [{**row, "lemmas": ""} for row in rows]


def label_matrix(rows: list[dict], labels) -> "np.ndarray":
    import numpy as np

    return np.array([[label in row["labels"] for label in labels] for row in rows], dtype=int)


# --- thresholds and cross-validation ------------------------------------------------------------


def best_threshold(gold, proba, grid) -> float:
    """The threshold that maximises F1 for one label; the middle of the best plateau on ties."""
    import numpy as np

    scores = []
    for t in grid:
        pred = proba >= t
        tp, fp, fn = np.sum(pred & gold), np.sum(pred & ~gold), np.sum(~pred & gold)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    best = np.flatnonzero(np.isclose(scores, max(scores)))
    return float(grid[best[len(best) // 2]])


def tune_thresholds(Y, proba, grid) -> list[float]:
    return [best_threshold(Y[:, j].astype(bool), proba[:, j], grid) for j in range(Y.shape[1])]


def threshold_grid(spec) -> "np.ndarray":
    import numpy as np

    low, high, step = spec
    return np.round(np.arange(low, high + step / 2, step), 4)


def make_featuriser(kind: str, features: dict):
    from pipeline.topics import Featuriser

    return Featuriser(kind, features["word_ngrams"], features["char_ngrams"], features["min_df"],
                      features["max_df"], features["navec_weight"])


def fit_model(kind: str, C: float, rows: list[dict], Y, features: dict, seed: int, thresholds):
    from pipeline.topics import LinearHead, TopicModel, make_classifier

    featuriser = make_featuriser(kind, features)
    texts, lemmas = [r["text"] for r in rows], [r["lemmas"] for r in rows]
    X = featuriser.fit(texts, lemmas).transform(texts, lemmas)
    return TopicModel(featuriser, LinearHead.from_one_vs_rest(make_classifier(C, seed).fit(X, Y)), thresholds)


def out_of_fold_probas(kind: str, Cs: list[float], rows: list[dict], Y, features: dict, folds: int, seed: int
                       ) -> dict[float, "np.ndarray"]:
    """{C: out-of-fold probabilities on train}; each fold's featuriser is fitted once for all C."""
    import numpy as np
    from sklearn.model_selection import KFold

    from pipeline.topics import make_classifier

    probas = {C: np.zeros(Y.shape, dtype=float) for C in Cs}
    for fit_idx, test_idx in KFold(folds, shuffle=True, random_state=seed).split(rows):
        featuriser = make_featuriser(kind, features)
        fit_rows, test_rows = [rows[i] for i in fit_idx], [rows[i] for i in test_idx]
        featuriser.fit([r["text"] for r in fit_rows], [r["lemmas"] for r in fit_rows])
        X_fit = featuriser.transform([r["text"] for r in fit_rows], [r["lemmas"] for r in fit_rows])
        X_test = featuriser.transform([r["text"] for r in test_rows], [r["lemmas"] for r in test_rows])
        for C in Cs:
            probas[C][test_idx] = make_classifier(C, seed).fit(X_fit, Y[fit_idx]).predict_proba(X_test)
    return probas


def cv_metrics(Y, proba, thresholds, labels) -> dict:
    from pipeline.scoring.topics import label_metrics
    from pipeline.topics import assign

    gold = [{labels[j] for j in range(len(labels)) if y[j]} for y in Y]
    pred = [{label for label, _ in assign(p, thresholds, labels)} for p in proba]
    return label_metrics(gold, pred, labels)


def navec_weights(kind: str, features: dict) -> list[float]:
    """The navec weights worth trying for `kind`: only a mix of navec with TF-IDF blocks depends on it."""
    weights = features["navec_weight"]
    weights = weights if isinstance(weights, list) else [weights]
    blocks = kind.split("+")
    return weights if "navec" in blocks and len(blocks) > 1 else weights[:1]


def select_candidate(train: list[dict], Y, config: dict, seed: int, log) -> tuple[dict, list[dict]]:
    """Every (featuriser, navec weight, C) scored by cross-validation on train; the best by mean of micro- and macro-F1."""
    import numpy as np

    from pipeline.topics import LABELS

    grid = threshold_grid(config["thresholds"]["grid"])
    folds = min(config["model"]["cv_folds"], len(train))
    results = []
    for kind in config["features"]["candidates"]:
        for weight in navec_weights(kind, config["features"]):
            features = dict(config["features"], navec_weight=weight)
            probas = out_of_fold_probas(kind, config["model"]["C"], train, Y, features, folds, seed)
            for C, proba in probas.items():
                thresholds = tune_thresholds(Y, proba, grid)
                metrics = cv_metrics(Y, proba, np.array(thresholds), LABELS)
                results.append({"features": kind, "navec_weight": weight, "C": C, "thresholds": thresholds,
                                "cv_micro_f1": metrics["micro_f1"], "cv_macro_f1": metrics["macro_f1"]})
                log(f"cv {kind:<12} w={weight:<4} C={C:<6} micro {metrics['micro_f1']:.4f} "
                    f"macro {metrics['macro_f1']:.4f}")
    best = max(results, key=cv_score)
    return best, results


def cv_score(candidate: dict) -> tuple[float, float]:
    """Mean of CV micro- and macro-F1; on ties the smaller C (the simpler model)."""
    return (candidate["cv_micro_f1"] + candidate["cv_macro_f1"], -candidate["C"])


# --- speed, meta and card -----------------------------------------------------------------------


def stage_speed_ms(folder: Path, rows: list[dict]) -> dict:
    """Mean CPU and wall milliseconds per document of the topics stage alone (segmentation done beforehand).

    CPU time is the figure to compare: wall time on a shared machine mostly measures the neighbours.
    """
    from pipeline.record import Doc
    from pipeline.stages.segment import Segment
    from pipeline.stages.topics import Topics

    docs = [Doc(id=r["doc_id"], text=r["text"]) for r in rows]
    Segment()(docs)
    stage = Topics(model=str(folder), backend=read_backend(folder))
    stage(docs[:2])  # warm caches
    cpu, wall = time.process_time(), time.perf_counter()
    stage(docs)
    per_doc = lambda seconds: round(1000 * seconds / max(len(docs), 1), 2)  # noqa: E731
    return {"cpu_ms_per_doc": per_doc(time.process_time() - cpu), "wall_ms_per_doc": per_doc(time.perf_counter() - wall),
            "documents": len(docs)}


def read_backend(folder: Path) -> str:
    import json

    return json.loads((folder / "model.json").read_text())["backend"]


def command_line(config: str, output: str, seed: int, backend: str, base_model: str | None, limit: int | None) -> str:
    """The `bilat train topics` call that reproduces this run (corpora location aside)."""
    line = f"bilat train topics --config {config} --output {output} --seed {seed} --backend {backend}"
    return line + (f" --base-model {base_model}" if base_model else "") + (f" --limit {limit}" if limit else "")


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def data_meta(annotations: Path, root: Path, train: list[dict], dev: list[dict]) -> dict:
    from corpora import topics as corpus

    return {
        "annotations": {"path": "corpora/annotations/topics.jsonl", "sha256": corpus.sha256(annotations)},
        "corpora": {"root": "../shared/corpora", "sources": ["nerel/train", "nerel/dev", "factrueval/devset"]},
        "train": {"documents": len(train), "texts_sha256": corpus.texts_checksum(train)},
        "dev": {"documents": len(dev), "texts_sha256": corpus.texts_checksum(dev)},
        "label_counts": {split: count_labels(rows) for split, rows in (("train", train), ("dev", dev))},
        "labelling": LABELLING,
    }


def count_labels(rows: list[dict]) -> dict:
    from pipeline.topics import LABELS

    return {label: sum(label in r["labels"] for r in rows) for label in LABELS}


def library_versions() -> dict:
    import numpy
    import sklearn

    return {"python": sys.version.split()[0], "scikit-learn": sklearn.__version__, "numpy": numpy.__version__}


def metrics_table(per_label: dict) -> list[str]:
    lines = ["| label | precision | recall | F1 | dev docs |", "|---|---|---|---|---|"]
    lines += [f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |"
              for label, m in per_label.items()]
    return lines


def score(value: float | None) -> str:
    return "–" if value is None else f"{value:.4f}"


def candidates_table(candidates: list[dict]) -> list[str]:
    lines = ["| features | navec weight | C | CV micro-F1 | CV macro-F1 | dev micro-F1 | dev macro-F1 |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {c['features']} | {c['navec_weight']} | {c['C']} | {c['cv_micro_f1']:.4f} | {c['cv_macro_f1']:.4f} | "
              f"{score(c.get('dev_micro_f1'))} | {score(c.get('dev_macro_f1'))} |"
              for c in candidates]
    return lines


SELECTION = {
    "dev": "C and thresholds by 5-fold CV on train, then the feature set with the best dev micro+macro-F1, "
           "so the dev figures below are optimistic; the CV figures (thresholds tuned on the same out-of-fold "
           "predictions) are optimistic too, but not by the choice of features",
    "cv": "C, thresholds and feature set by 5-fold CV on train; dev untouched until the final score",
}


def render_card(meta: dict) -> str:
    """The model card, generated from meta.json (never edited by hand)."""
    dev = meta["metrics"]["dev"]
    lines = [
        f"# {meta['id']}: topic classifier", "",
        f"Multi-label topics of Russian news ({len(meta['labels'])} labels: {', '.join(meta['labels'])}). "
        f"Backend `{meta['backend']}`; features `{meta['chosen'].get('features', meta['backend'])}`"
        + (f" (chosen by {meta['chosen']['selected_by']}: " + SELECTION[meta['chosen']['selected_by']] + ")"
           if "selected_by" in meta["chosen"] else "")
        + (f", navec weight {meta['chosen']['navec_weight']}, C={meta['chosen']['C']}" if "C" in meta["chosen"] else "")
        + ".", "",
        "## How the labels were made", "", meta["data"]["labelling"], "",
        "## Data", "",
        f"- annotations: `{meta['data']['annotations']['path']}` (sha256 `{meta['data']['annotations']['sha256'][:16]}…`)",
        f"- train: {meta['data']['train']['documents']} documents, dev: {meta['data']['dev']['documents']} documents "
        f"(texts from {', '.join(meta['data']['corpora']['sources'])})",
        "- label counts (train / dev): " + ", ".join(
            f"{l} {meta['data']['label_counts']['train'][l]}/{meta['data']['label_counts']['dev'][l]}" for l in meta["labels"]),
        "",
        "## Dev metrics (read-labelled dev split)", "",
        f"micro-F1 **{dev['micro_f1']:.4f}**, macro-F1 **{dev['macro_f1']:.4f}** over {dev['documents']} documents.", "",
        *metrics_table(dev["per_label"]), "",
    ]
    if meta.get("candidates"):
        lines += ["## Candidates (CV on train for every one; dev for the best C of each feature set)", "",
                  *candidates_table(meta["candidates"]), ""]
    lines += [
        "## Thresholds", "", ", ".join(f"{l} {t}" for l, t in zip(meta["labels"], meta["thresholds"])), "",
        "## Use", "",
        "```python", "from pipeline.topics import load_model, lemmatise",
        f"model = load_model(\"{meta['output']}\")",
        "proba = model.predict_proba([text], [lemmatise(text)])", "model.assign(proba[0])  # [(label, p), ...]",
        "```", "",
        "The `topics.v1` stage writes `topics` = [{label, score}] and `topic_sentences` = "
        "[{start, end, scores: {label: p}}] (sentences where at least one of the document's labels is over its "
        "threshold; only those labels).", "",
        "## Facts", "",
        f"- inference: {meta['speed']['cpu_ms_per_doc']} ms CPU ({meta['speed']['wall_ms_per_doc']} ms wall) per "
        f"document for the stage (document + all its sentences, segmentation excluded), over "
        f"{meta['speed']['documents']} dev documents on the training machine",
        f"- size: {meta['size_bytes']} bytes; seed {meta['seed']}; trained {meta['date']}",
        f"- command: `{meta['command']}`",
        "- libraries: " + ", ".join(f"{k} {v}" for k, v in meta["libraries"].items()), "",
        "## Limitations", "",
        "962 documents, mostly Wikinews (2006–2020) and factRuEval news; environment, energy and "
        "transport are rare in them, so their scores rest on few examples. Sentence scores come from the "
        "document model applied to single sentences and are only indicative.", "",
    ]
    return "\n".join(lines)


def write_meta_and_card(folder: Path, meta: dict) -> None:
    import json

    (folder / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False))
    (folder / "README.md").write_text(render_card(meta))


# --- the backends -------------------------------------------------------------------------------


def train_default(train: list[dict], dev: list[dict], config: dict, seed: int, output: Path, log) -> dict:
    """Tune C and thresholds by CV on train, refit each feature set, pick one, save it; returns meta fields.

    `[model] select_by` = "dev" picks the feature set with the best dev micro+macro-F1 (the brief's rule;
    its dev numbers are then optimistic, the CV numbers are not), "cv" the best by CV on train alone.
    """
    import numpy as np

    from pipeline.scoring.topics import evaluate
    from pipeline.topics import LABELS

    Y = label_matrix(train, LABELS)
    best_cv, candidates = select_candidate(train, Y, config, seed, log)
    fitted = []
    for candidate in best_per_features(candidates):
        features = dict(config["features"], navec_weight=candidate["navec_weight"])
        model = fit_model(candidate["features"], candidate["C"], train, Y, features, seed,
                          np.array(candidate["thresholds"]))
        metrics = evaluate(model, dev)
        candidate.update(dev_micro_f1=metrics["micro_f1"], dev_macro_f1=metrics["macro_f1"])
        log(f"dev {candidate['features']:<12} w={candidate['navec_weight']:<4} C={candidate['C']:<6} "
            f"micro {metrics['micro_f1']:.4f} macro {metrics['macro_f1']:.4f}")
        fitted.append((candidate, model, metrics))
    rule = config["model"].get("select_by", "cv")
    by_dev = lambda item: (item[0]["dev_micro_f1"] + item[0]["dev_macro_f1"], -item[0]["C"])  # noqa: E731
    chosen, model, dev_metrics = max(fitted, key=by_dev) if rule == "dev" else next(f for f in fitted if f[0] is best_cv)
    model.save(output)
    keys = ("features", "navec_weight", "C", "cv_micro_f1", "cv_macro_f1", "dev_micro_f1", "dev_macro_f1")
    return {"chosen": {**{key: chosen[key] for key in keys}, "selected_by": rule},
            "candidates": candidates, "thresholds": list(model.thresholds), "metrics": {"dev": dev_metrics}}


def best_per_features(candidates: list[dict]) -> list[dict]:
    """For each featuriser and navec weight, its best C by CV: the ones refitted and scored on dev."""
    best = {}
    for c in candidates:
        key = (c["features"], c["navec_weight"])
        if key not in best or cv_score(c) > cv_score(best[key]):
            best[key] = c
    return list(best.values())


def train_hf(train: list[dict], dev: list[dict], config: dict, seed: int, output: Path, base_model: str, log) -> dict:
    """Fine-tune `base_model` (multi-label), thresholds tuned on a seeded held-out share of train."""
    import random

    import numpy as np

    from pipeline import hf
    from pipeline.scoring.topics import evaluate
    from pipeline.topics import LABELS, HFTopicModel

    settings = config["hf"]
    shuffled = train[:]
    random.Random(seed).shuffle(shuffled)
    held = max(1, int(len(shuffled) * settings["threshold_share"]))
    fit_rows, tune_rows = shuffled[held:], shuffled[:held]
    hf.train_classifier([r["text"] for r in fit_rows], label_matrix(fit_rows, LABELS).tolist(), base_model,
                        output / "hf", multi_label=True, epochs=settings["epochs"], max_length=settings["max_length"],
                        batch_size=settings["batch_size"], lr=settings["learning_rate"], seed=seed)
    classifier = hf.HFClassifier.load(output / "hf")
    proba = np.asarray(classifier.predict_proba([r["text"] for r in tune_rows]))
    thresholds = tune_thresholds(label_matrix(tune_rows, LABELS), proba, threshold_grid(config["thresholds"]["grid"]))
    model = HFTopicModel(classifier, thresholds)
    model.save(output)
    metrics = evaluate(model, dev)
    log(f"dev hf micro {metrics['micro_f1']:.4f} macro {metrics['macro_f1']:.4f}")
    return {"chosen": {"base_model": base_model}, "candidates": [], "thresholds": thresholds,
            "metrics": {"dev": metrics}}


def command(
    config: str = typer.Option("configs/topics.toml", help="training configuration (TOML)"),
    output: str = typer.Option("models/topics/v2", help="model folder to write (a new version)"),
    seed: int = typer.Option(13, help="seed for the folds, the regressions and the hf run"),
    backend: str = typer.Option("default", help="default (TF-IDF/navec + logistic regression) or hf (transformer)"),
    base_model: Optional[str] = typer.Option(None, help="hf backend: local folder of the base transformer"),
    corpora: Optional[str] = typer.Option(None, help="shared corpora folder (default $BILAT_CORPORA or ../shared/corpora)"),
    limit: Optional[int] = typer.Option(None, help="use only the first N train and N dev documents (smoke runs)"),
) -> None:
    """Train the topic classifier on corpora/annotations/topics.jsonl and write the model, meta.json and card."""
    import random
    import warnings

    import numpy as np

    from pipeline import paths
    from pipeline.topics import FORMAT_VERSION, LABELS

    # a label absent from a small fold's train set is predicted as constant: expected, not news
    warnings.filterwarnings("ignore", message="Label not .* is present in all training examples")
    random.seed(seed)
    np.random.seed(seed)
    settings = read_toml(paths.resolve(config))
    root, out = Path(corpora) if corpora else paths.corpora_dir(), new_version(paths.resolve(output))
    annotations = paths.resolve(settings["data"]["annotations"])
    train, dev = (load_rows(annotations, root, split, limit, backend == "default") for split in ("train", "dev"))
    typer.echo(f"train {len(train)} documents, dev {len(dev)} documents", err=True)
    log = lambda line: typer.echo(line, err=True)  # noqa: E731
    if backend == "hf":
        base = base_model or settings["hf"]["base_model"]
        if not base:
            raise typer.BadParameter("the hf backend needs --base-model (a local transformer folder)")
        fields = train_hf(train, dev, settings, seed, out, base, log)
    elif backend == "default":
        fields = train_default(train, dev, settings, seed, out, log)
    else:
        raise typer.BadParameter(f"unknown backend {backend!r}: default or hf")
    meta = {"id": f"topics/{out.name}", "format_version": FORMAT_VERSION, "backend": backend, "labels": list(LABELS),
            "output": output, **fields, "data": data_meta(annotations, root, train, dev), "config": settings,
            "seed": seed, "command": command_line(config, output, seed, backend, base_model, limit),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "libraries": library_versions()}
    meta["thresholds"] = [round(float(t), 4) for t in meta["thresholds"]]
    meta["speed"] = stage_speed_ms(out, dev)
    meta["size_bytes"] = folder_size(out)
    write_meta_and_card(out, meta)
    typer.echo(f"dev micro-F1 {meta['metrics']['dev']['micro_f1']:.4f} macro-F1 {meta['metrics']['dev']['macro_f1']:.4f}"
               f" -> {out}")
