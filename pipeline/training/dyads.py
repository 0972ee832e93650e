"""Train the dyad model (interacts + tone) on our read-labelled pairs and write models/dyads/vN.

Every candidate in configs/dyads.toml is cross-validated on train with folds grouped by document
(no document's sentences on both sides); the best by out-of-fold interacts recall at the precision-reaching
threshold plus tone accuracy (`selection_score`) is refit on all of train, its "interacts" threshold is the lowest whose out-of-fold
precision reaches `min_precision`, and every candidate is also scored on dev for the record.
The model folder gets model.joblib, meta.json (data checksums, config, CV and dev metrics, speed)
and a README.md model card generated from meta.json.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer

from pipeline.config import read_toml
from pipeline.training import new_version

LABELLING = (
    "Every pair was labelled by a person reading the sentence, under corpora/guidelines/dyads.md: interacts yes/no, "
    "tone (cooperative/neutral/conflictual) and a Goldstein-like score (±0.5, ±0.8/-0.9 for strong cooperation or "
    "violence, 0 for neutral). Candidates are all sentences of NEREL train/dev, factRuEval devset and distinct "
    "RuSentNE sentences in which the actor finder of corpora/dyads.py (pycountry names + aliases + the project "
    "gazetteer's acting mentions) finds two or more actors; no model or keyword rule assigned a label. Dev: whole "
    "documents shuffled with seed 13 until ~27% of the pairs. A second round (train only, corpora/annotations/"
    "dyads_round2.jsonl, annotator helper-2026-11-25b) labelled the same way the non-dev sentences with four or five "
    "actors and those whose pair needs a capital or a demonym as an actor (guideline: \"Second round\")."
)


# --- data ---------------------------------------------------------------------------------------

def load_examples(root: Path, annotations: list[Path], limit: int | None) -> tuple[list[dict], list[dict]]:
    """Train and dev examples with text and actor spans; pairs whose actors the finder no longer sees are dropped."""
    from corpora import dyads as corpus

    dataset = corpus.load(root, annotations, limit)
    usable = lambda e: e["a_spans"] and e["b_spans"]  # noqa: E731
    return tuple([e for e in dataset[split] if usable(e)] for split in ("train", "dev"))


def targets(examples: list[dict]) -> tuple[list[bool], list, list]:
    return [e["interacts"] for e in examples], [e["tone"] for e in examples], [e["score"] for e in examples]


# --- candidates, cross-validation, threshold ----------------------------------------------------

def fit(views, examples: list[dict], candidate: dict, config: dict, seed: int):
    from pipeline.dyads import DyadModel

    lexicon, negators = candidate_lexicon(candidate, config)
    features = {"local": candidate.get("local", False), "negators": negators,
                "navec_means": candidate.get("navec_means", True), "clause": candidate.get("clause", False),
                "sentiment": candidate.get("sentiment")}
    tone = candidate.get("tone")
    tone_features = None if tone is None else {"local": tone.get("local", False), "negators": negators,
                                               "navec_means": tone.get("navec_means", True),
                                               "dense_weight": tone.get("dense_weight", 1.0),
                                               "clause": tone.get("clause", False),
                                               "sentiment": tone.get("sentiment")}
    rows = learning_rows(examples, candidate)
    views, examples = [views[i] for i in rows], [examples[i] for i in rows]
    return DyadModel.fit(views, *targets(examples), lexicon, use_navec=candidate["use_navec"],
                         C_interacts=candidate["C_interacts"], C_tone=candidate["C_tone"], seed=seed,
                         mode=candidate.get("mode", "two-stage"), features=features, tone_features=tone_features,
                         prior_weight=candidate.get("prior_weight", 0.0))


LABEL_ROUNDS = ("all", "first")


def learning_rows(examples: list[dict], candidate: dict) -> list[int]:
    """The train pairs a candidate learns from: all (`labels = "all"`, the default) or only the first labelling
    round's (`labels = "first"`: rows without an annotator), to measure what the second round adds. Scoring is
    on the same pairs either way (out-of-fold on all of train, and dev)."""
    labels = candidate.get("labels", "all")
    if labels not in LABEL_ROUNDS:
        raise ValueError(f"dyads: candidate {candidate['name']!r}: labels {labels!r} is not one of {LABEL_ROUNDS}")
    return [i for i, e in enumerate(examples) if labels == "all" or not e.get("annotator")]


def candidate_lexicon(candidate: dict, config: dict) -> tuple[dict, list[str]]:
    """The candidate's cue lexicon and negators: its `lexicon` data file (pipeline/data/dyads.toml), else the
    config's inline [lexicon] without negation handling (v1)."""
    from pipeline import paths
    from pipeline.dyads import load_lexicon

    if "lexicon" not in candidate:
        return config["lexicon"], []
    data = load_lexicon(paths.resolve(candidate["lexicon"]))
    return data["lexicon"], data.get("negators", [])


def out_of_fold(views, examples: list[dict], candidate: dict, config: dict, seed: int) -> list:
    """Out-of-fold predictions (threshold 0.5) with folds grouped by document."""
    from sklearn.model_selection import GroupKFold

    groups = [f"{e['corpus']}/{e['doc_id']}" for e in examples]
    folds = min(config["model"]["cv_folds"], len(set(groups)))
    predictions = [None] * len(examples)
    for fit_rows, held_rows in GroupKFold(n_splits=folds).split(views, groups=groups):
        model = fit([views[i] for i in fit_rows], [examples[i] for i in fit_rows], candidate, config, seed)
        for i, prediction in zip(held_rows, model.predict([views[i] for i in held_rows])):
            predictions[i] = prediction
    return predictions


def with_threshold(predictions: list, threshold: float) -> list:
    from dataclasses import replace

    out = []
    for p in predictions:
        interacts = p.interacts_proba >= threshold
        tone = max(p.tone_proba, key=p.tone_proba.get)
        out.append(replace(p, interacts=interacts, tone=tone if interacts else None,
                           score=p.score if p.score is not None else None))
    return out


def precision_threshold(examples: list[dict], predictions: list, grid, min_precision: float) -> float:
    """The lowest threshold whose precision reaches `min_precision` (the most precise one when none does)."""
    from pipeline.scoring.dyads import score

    precisions = [(score(examples, with_threshold(predictions, t))["interacts"]["precision"], t) for t in grid]
    reaching = [t for p, t in precisions if p >= min_precision]
    return float(min(reaching)) if reaching else float(max(precisions)[1])


def threshold_grid(spec) -> list[float]:
    import numpy as np

    low, high, step = spec
    return [round(float(t), 4) for t in np.arange(low, high + step / 2, step)]


def select(views, train: list[dict], config: dict, seed: int, log) -> tuple[dict, list[dict]]:
    from pipeline.scoring.dyads import score

    results = []
    calibration = calibration_rows(train, config["model"].get("calibrate_on", "all"))
    for candidate in config["candidates"]:
        oof = out_of_fold(views, train, candidate, config, seed)
        metrics = score(train, oof)
        held, held_oof = [train[i] for i in calibration], [oof[i] for i in calibration]
        threshold = precision_threshold(held, held_oof, threshold_grid(config["model"]["threshold_grid"]),
                                        config["model"]["min_precision"])
        at_threshold = score(held, with_threshold(held_oof, threshold))["interacts"]
        results.append({**candidate, "cv_interacts_f1": metrics["interacts"]["f1"],
                        "cv_tone_accuracy": metrics["tone_accuracy_gold_interacting"], "threshold": threshold,
                        "cv_precision_at_threshold": at_threshold["precision"],
                        "cv_recall_at_threshold": at_threshold["recall"],
                        "min_precision": config["model"]["min_precision"]})
        log(f"cv {candidate['name']:<24} interacts F1 {metrics['interacts']['f1']:.3f} "
            f"tone {metrics['tone_accuracy_gold_interacting']:.3f} threshold {threshold}")
    return choose(results), results


def choose(results: list[dict]) -> dict:
    """The selectable candidate with the best `selection_score`."""
    return max((r for r in results if r.get("selectable", True)), key=selection_score)


def calibration_rows(train: list[dict], finder: str) -> list[int]:
    """The train pairs whose out-of-fold predictions set the interacts threshold: all, or those whose actors the
    named finder found (`calibrate_on = "acting"`: the pairs the stage meets, without the second round's
    capitals-as-places; see configs/dyads.toml)."""
    return [i for i, e in enumerate(train) if finder == "all" or e.get("finder", "acting") == finder]


def selection_score(result: dict) -> float:
    """What the targets ask for: out-of-fold recall at the precision-reaching threshold plus tone accuracy
    (a candidate whose out-of-fold precision never reaches min_precision scores its recall as 0). Candidates with
    `selectable = false` (measured, but too slow for the stage) are scored and never chosen."""
    reaches = result["cv_precision_at_threshold"] >= result["min_precision"]
    return (result["cv_recall_at_threshold"] if reaches else 0.0) + result["cv_tone_accuracy"]


def train_default(train, dev, train_views, dev_views, config: dict, seed: int, log) -> tuple:
    """Cross-validate the candidates, score each on dev, return the chosen model, its record and all records."""
    from pipeline.scoring.dyads import score

    best, candidates = select(train_views, train, config, seed, log)
    for candidate in candidates:
        model = fit(train_views, train, candidate, config, seed)
        model.threshold = candidate["threshold"]
        candidate["dev"] = score(dev, model.predict(dev_views))
        log(f"dev {candidate['name']:<24} P {candidate['dev']['interacts']['precision']:.3f} "
            f"R {candidate['dev']['interacts']['recall']:.3f} tone {candidate['dev']['tone_accuracy_gold_interacting']:.3f}")
        if candidate is best:
            chosen = model
    return chosen, best, candidates


# --- the hf backend -----------------------------------------------------------------------------

def train_hf(train: list[dict], dev: list[dict], train_views, dev_views, config: dict, seed: int, output: Path,
             base_model: str, log) -> tuple:
    """Fine-tune two classifiers (interacts, tone) on actor-marked sentences; the threshold is config's."""
    from pipeline import hf
    from pipeline.dyads import MARKERS, TONES, HFDyadModel, marked_text, mean_score_by_tone
    from pipeline.scoring.dyads import score

    settings = config["hf"]
    texts = [marked_text(v) for v in train_views]
    common = dict(base_model=base_model, epochs=settings["epochs"], batch_size=settings["batch_size"],
                  max_length=settings["max_length"], lr=settings["learning_rate"], seed=seed,
                  extra_tokens=MARKERS, class_weight="balanced")
    hf.train_classifier(texts, [int(e["interacts"]) for e in train], output=output / "interacts", num_labels=2, **common)
    rows = [i for i, e in enumerate(train) if e["interacts"]]
    hf.train_classifier([texts[i] for i in rows], [TONES.index(train[i]["tone"]) for i in rows], output=output / "tone",
                        num_labels=len(TONES), **common)
    model = HFDyadModel(hf.HFClassifier.load(output / "interacts"), hf.HFClassifier.load(output / "tone"),
                        mean_score_by_tone(*targets(train)[1:]), settings["threshold"])
    metrics = score(dev, model.predict(dev_views))
    log(f"dev hf P {metrics['interacts']['precision']:.3f} R {metrics['interacts']['recall']:.3f} "
        f"tone {metrics['tone_accuracy_gold_interacting']:.3f}")
    chosen = {"name": f"hf {Path(base_model).name}", "base_model": base_model, "threshold": settings["threshold"],
              "dev": metrics}
    return model, chosen, []


# --- speed, meta and card -----------------------------------------------------------------------

def speed(model, views) -> dict:
    """CPU milliseconds per pair for featurising and predicting a batch (the stage's unit of work)."""
    from pipeline import dyads

    dyads._FIXED_CACHE.clear()  # scoring filled it with these very views
    model.predict(views[:8])  # warm the per-word caches (navec, pymorphy)
    cpu = time.process_time()
    model.predict(views)
    return {"cpu_ms_per_pair": round(1000 * (time.process_time() - cpu) / max(len(views), 1), 3), "pairs": len(views)}


def stage_speed(folder: Path, root: Path, documents: int = 20) -> dict:
    """CPU ms per document of the dyads stage beside segment + entities, on the first NEREL dev documents."""
    from pipeline.record import Doc
    from pipeline.stages.dyads import Dyads
    from pipeline.stages.entities import Entities
    from pipeline.stages.segment import Segment

    paths_ = sorted((root / "nerel" / "dev").glob("*.txt"))[:documents]
    docs = [Doc(id=p.stem, text=p.read_text(encoding="utf-8")) for p in paths_]
    timed = {}
    for name, stage in (("segment", Segment()), ("entities", Entities()), ("dyads", Dyads(model=str(folder)))):
        stage(docs[:1])  # warm caches
        cpu = time.process_time()
        stage(docs)
        timed[f"{name}_cpu_ms_per_doc"] = round(1000 * (time.process_time() - cpu) / max(len(docs), 1), 2)
    return {**timed, "documents": len(docs)}


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and p.name != "README.md")


def sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def annotation_files(setting: str | list[str]) -> list[Path]:
    """configs/dyads.toml's [data] annotations: one file or a list (the read-labelled pairs, then extensions)."""
    from pipeline import paths

    return [paths.resolve(p) for p in ([setting] if isinstance(setting, str) else setting)]


def repo_relative(path: Path, root: Path) -> str:
    """`path` relative to the repository when it is inside it (the card stays machine-independent)."""
    path = path.resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()


def data_meta(annotations: list[Path], train: list[dict], dev: list[dict]) -> dict:
    from collections import Counter

    count = lambda rows: {"pairs": len(rows), "sentences": len({(e["corpus"], e["doc_id"], e["sent_start"]) for e in rows}),  # noqa: E731
                          "documents": len({(e["corpus"], e["doc_id"]) for e in rows}),
                          "labels": dict(Counter(e["tone"] or "none" for e in rows))}
    from pipeline import paths

    files = [{"path": repo_relative(p, paths.REPO_ROOT), "sha256": sha256(p)} for p in annotations]
    added = Counter((e["annotator"], e["tone"] or "none") for e in train if e.get("annotator"))
    return {"annotations": files, "added_by": {f"{who}/{label}": n for (who, label), n in sorted(added.items())},
            "corpora": {"root": "../shared/corpora", "sources": sorted({e["corpus"] for e in train + dev})},
            "train": count(train), "dev": count(dev), "labelling": LABELLING}


def library_versions() -> dict:
    from importlib.metadata import version

    return {name: version(name) for name in ("scikit-learn", "navec", "pymorphy3", "razdel", "numpy")}


def command_line(config: str, output: str, seed: int, backend: str, base_model: str | None, limit: int | None) -> str:
    """The `bilat train dyads` call that reproduces this run (corpora location aside)."""
    line = f"bilat train dyads --config {config} --output {output} --seed {seed} --backend {backend}"
    return line + (f" --base-model {base_model}" if base_model else "") + (f" --limit {limit}" if limit else "")


def render_card(meta: dict) -> str:
    """The model card, generated from meta.json (never edited by hand)."""
    dev, data = meta["metrics"]["dev"], meta["data"]
    lines = [
        f"# {meta['id']}: dyad interaction and tone", "",
        "For two actors (states, international organisations) mentioned in a sentence: do they interact, and is the "
        f"interaction cooperative, neutral or conflictual (with a Goldstein-like score in -1..1). Chosen candidate: "
        f"`{meta['chosen']['name']}`; interacts threshold {meta['chosen']['threshold']}.", "",
        "## How the labels were made", "", data["labelling"], "",
        "## Data", "",
        "- annotations: " + ", ".join(f"`{a['path']}` (sha256 `{a['sha256'][:16]}…`)" for a in data["annotations"])
        + ", texts from " + ", ".join(data["corpora"]["sources"]),
        *([("- train pairs added in a later labelling round (annotator/label: pairs): "
            + ", ".join(f"{k} {v}" for k, v in data["added_by"].items()))] if data.get("added_by") else []),
        f"- train: {data['train']['pairs']} pairs in {data['train']['sentences']} sentences ({data['train']['documents']} documents): "
        + ", ".join(f"{k} {v}" for k, v in sorted(data["train"]["labels"].items())),
        f"- dev: {data['dev']['pairs']} pairs in {data['dev']['sentences']} sentences ({data['dev']['documents']} documents): "
        + ", ".join(f"{k} {v}" for k, v in sorted(data["dev"]["labels"].items())), "",
        "## Metrics on dev (chosen model)", "",
        f"- interacts: precision {dev['interacts']['precision']}, recall {dev['interacts']['recall']}, F1 {dev['interacts']['f1']}",
        f"- tone accuracy on gold-interacting pairs: {dev['tone_accuracy_gold_interacting']}",
        f"- tone accuracy on pairs gold and predicted interacting: {dev['tone_accuracy_predicted_interacting']}",
        f"- end-to-end accuracy (none/cooperative/neutral/conflictual): {dev['tone_accuracy_end_to_end']}", "",
        *confusion_table(dev),
        "## Approaches compared", "",
        f"Out-of-fold (CV) figures are on all train pairs; the interacts threshold and its CV P/R on the train pairs "
        f"named by `calibrate_on = {meta['config']['model'].get('calibrate_on', 'all')!r}`. A candidate marked * was "
        "measured but is not selectable (too slow for the stage).", "",
        "| candidate | CV interacts F1 | CV tone acc. | threshold | CV P/R at threshold | dev P | dev R | dev tone acc. |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in meta["candidates"]:
        d = c["dev"]
        lines.append(f"| {c['name']}{'' if c.get('selectable', True) else ' *'} | {c['cv_interacts_f1']} | {c['cv_tone_accuracy']} | {c['threshold']} | "
                     f"{c['cv_precision_at_threshold']}/{c['cv_recall_at_threshold']} | {d['interacts']['precision']} | "
                     f"{d['interacts']['recall']} | {d['tone_accuracy_gold_interacting']} |")
    lines += [
        "", "## Use", "", "```python", "from pipeline.dyads import load_model, PairView",
        f"model = load_model(\"{meta['output']}\")",
        "model.predict([PairView(tokens, a=[(start, end)], b=[(start, end)])])  # [Prediction(...)]", "```", "",
        "## Run", "",
        f"- inference: {meta['speed']['cpu_ms_per_pair']} CPU ms per actor pair (featurise + predict, batch of "
        f"{meta['speed']['pairs']} dev pairs)",
        *([f"- stage: {meta['stage_speed']['dyads_cpu_ms_per_doc']} CPU ms per document for dyads vs "
           f"{meta['stage_speed']['segment_cpu_ms_per_doc']} segment + {meta['stage_speed']['entities_cpu_ms_per_doc']} "
           f"entities ({meta['stage_speed']['documents']} NEREL dev documents)"] if meta.get("stage_speed") else []),
        f"- size: {meta['size_bytes']} bytes (navec is loaded from natasha's wheel, not stored); seed {meta['seed']}; "
        f"trained {meta['date']}",
        f"- command: `{meta['command']}`",
        "- libraries: " + ", ".join(f"{k} {v}" for k, v in meta["libraries"].items()), "",
    ]
    return "\n".join(lines)


def confusion_table(metrics: dict) -> list[str]:
    """The dev tone confusion on gold-interacting pairs as markdown lines (none for a model scored before v3)."""
    table = metrics.get("confusion_tone_gold_interacting")
    if not table:
        return []
    labels = list(table)
    return ["Tone on gold-interacting dev pairs (rows gold, columns predicted):", "",
            "| gold \\ predicted | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|",
            *[f"| {g} | " + " | ".join(str(table[g][p]) for p in labels) + " |" for g in labels], ""]


def write_meta_and_card(folder: Path, meta: dict) -> None:
    import json

    (folder / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    (folder / "README.md").write_text(render_card(meta), encoding="utf-8")


# --- the command --------------------------------------------------------------------------------

def command(
    config: str = typer.Option("configs/dyads.toml", help="training configuration (TOML)"),
    output: str = typer.Option("models/dyads/v3", help="model folder to write (a new version)"),
    seed: int = typer.Option(13, help="seed for the regressions"),
    backend: str = typer.Option("default", help="default (TF-IDF/navec + logistic regression) or hf (fine-tuned local transformer)"),
    base_model: Optional[str] = typer.Option(None, help="hf backend: local folder of the base transformer"),
    corpora: Optional[str] = typer.Option(None, help="shared corpora folder (default $BILAT_CORPORA or ../shared/corpora)"),
    limit: Optional[int] = typer.Option(None, help="use only the first N train and N dev pairs (smoke runs)"),
) -> dict:
    """Train the dyad model on corpora/annotations/dyads.jsonl and write the model, meta.json and card."""
    import random

    import numpy as np

    from pipeline import paths
    from pipeline.dyads import FORMAT_VERSION, TONES
    from pipeline.scoring.dyads import pair_views

    if backend not in ("default", "hf"):
        raise typer.BadParameter(f"unknown backend {backend!r}: default or hf")
    random.seed(seed)
    np.random.seed(seed)
    settings = read_toml(paths.resolve(config))
    root, out = Path(corpora) if corpora else paths.corpora_dir(), new_version(paths.resolve(output))
    annotations = annotation_files(settings["data"]["annotations"])
    train, dev = load_examples(root, annotations, limit)
    log = lambda line: typer.echo(line, err=True)  # noqa: E731
    log(f"train {len(train)} pairs, dev {len(dev)} pairs")
    train_views, dev_views = pair_views(train), pair_views(dev)
    if backend == "hf":
        base = base_model or settings["hf"]["base_model"]
        if not base:
            raise typer.BadParameter("the hf backend needs --base-model (a local transformer folder)")
        chosen, best, candidates = train_hf(train, dev, train_views, dev_views, settings, seed, out, base, log)
    else:
        chosen, best, candidates = train_default(train, dev, train_views, dev_views, settings, seed, log)
        out.mkdir(parents=True, exist_ok=True)
        chosen.save(out)
    meta = {"id": f"dyads/{out.name}", "format_version": FORMAT_VERSION, "backend": backend, "labels": list(TONES),
            "output": output, "chosen": {k: v for k, v in best.items() if k != "dev"}, "candidates": candidates,
            "tone_scores": chosen.tone_scores, "metrics": {"dev": best["dev"]},
            "data": data_meta(annotations, train, dev), "config": settings, "seed": seed,
            "command": command_line(config, output, seed, backend, base_model, limit),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "libraries": library_versions()}
    meta["speed"] = speed(chosen, dev_views)
    meta["size_bytes"] = folder_size(out)
    write_meta_and_card(out, meta)  # the stage below loads the model, which checks meta.json
    meta["stage_speed"] = stage_speed(out, root) if not limit else None
    write_meta_and_card(out, meta)
    dev_metrics = best["dev"]
    typer.echo(f"{best['name']}: interacts P {dev_metrics['interacts']['precision']:.3f} R {dev_metrics['interacts']['recall']:.3f}, "
               f"tone accuracy {dev_metrics['tone_accuracy_gold_interacting']:.3f} -> {out}")
    return meta
