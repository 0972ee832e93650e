"""Train the entity-sentiment model on RuSentNE-2023 (`bilat train sentiment`).

Procedure (seeded): split a holdout off train (grouped by sentence, stratified by label); fit each
member on the rest; tune the per-class log-offsets on the holdout; refit on all of train; score the
fixed dev split. Ablations from the config are scored the same way and tabled in the model card.
"""
from __future__ import annotations

import typer

from . import invocation, new_version

DEFAULT_CONFIG = "configs/sentiment.toml"


def command(
    config: str = typer.Option(DEFAULT_CONFIG, help="training configuration (TOML)"),
    output: str = typer.Option("models/sentiment/v4", help="model folder to write (a new version)"),
    seed: int = typer.Option(-1, help="random seed; -1 takes the config's"),
    backend: str = typer.Option("default", help="default: the config's members; hf: fine-tune --base-model"),
    base_model: str = typer.Option("", help="local Hugging Face checkpoint folder (backend hf)"),
    ablations: bool = typer.Option(True, help="score the config's ablations on dev for the model card"),
) -> dict:
    """Train entity sentiment, write weights + meta.json + README.md model card, print dev F1_PN."""
    import sys
    import time

    from corpora import rusentne

    from .. import paths
    from ..config import read_toml
    from ..scoring.sentiment import evaluate
    from ..sentiment import SentimentModel, decide_proba, mentions_from_frame, tune_offsets

    started = time.time()
    settings = read_toml(paths.resolve(config))
    seed = settings["seed"] if seed < 0 else seed
    folder = new_version(paths.resolve(output))
    train = rusentne.load("train").to_pandas()
    dev = rusentne.load("dev").to_pandas()
    inner, held = holdout_split(train, settings["train"]["holdout"], seed)
    member_names, weights = member_plan(settings, backend, base_model)

    def fit(name: str, frame, extra: dict | None = None, where=None):
        member = build_member(name, settings, seed, extra)
        if name == "hf":
            return member.fit(mentions_from_frame(frame), list(frame["label"]), folder=where)
        return member.fit(mentions_from_frame(frame), list(frame["label"]))

    def scores(proba, offsets) -> dict:
        gold = list(dev["label"])
        return {"dev_f1_pn_argmax": round(f1_pn_of(gold, decide_proba(proba, [0, 0, 0])), 4),
                "dev_f1_pn_offsets": round(f1_pn_of(gold, decide_proba(proba, offsets)), 4)}

    held_m, dev_m, held_gold = mentions_from_frame(held), mentions_from_frame(dev), list(held["label"])
    table = []
    if ablations:
        for row in settings.get("ablation", []):
            member = fit(row["member"], inner, row.get("params"))
            proba_held, proba_dev = member.predict_proba(held_m), member.predict_proba(dev_m)
            table.append({"name": row["name"], **scores(proba_dev, tune_offsets(proba_held, held_gold))})
            typer.echo(f"{table[-1]}", err=True)

    refit = settings["train"]["refit"]
    staging = folder / "_holdout" if refit else folder  # where an hf member writes its first checkpoint
    members = [fit(name, inner, where=staging) for name in member_names]
    held_p = [m.predict_proba(held_m) for m in members]
    dev_p = [m.predict_proba(dev_m) for m in members]
    for name, member in zip(member_names, members):
        teachers = getattr(member, "teachers_member", lambda: None)()
        if teachers is not None:
            teacher_offsets = tune_offsets(teachers.predict_proba(held_m), held_gold)
            table.append({"name": f"{name} member's teachers ({len(teachers.networks)} seeds averaged)",
                          **scores(teachers.predict_proba(dev_m), teacher_offsets)})
    for name, ph, pd_ in zip(member_names, held_p, dev_p):
        table.append({"name": f"{name} member", **scores(pd_, tune_offsets(ph, held_gold))})
    if weights == "tune":
        weights = tune_weights(held_p, held_gold)
    ensemble_held = sum(w * p for w, p in zip(weights, held_p)) / sum(weights)
    ensemble_dev = sum(w * p for w, p in zip(weights, dev_p)) / sum(weights)
    offsets = tune_offsets(ensemble_held, held_gold)
    if len(members) > 1:
        table.append({"name": " + ".join(member_names) + " (mean of probabilities)",
                      **scores(ensemble_dev, offsets)})

    if refit:
        import shutil

        members = [fit(name, train, where=folder) for name in member_names]
        shutil.rmtree(staging, ignore_errors=True)
    model = SentimentModel(members, weights, offsets)
    folder.mkdir(parents=True, exist_ok=True)
    model.save(folder)
    dev_pred = model.predict(dev_m)
    metrics = evaluate(list(dev["label"]), [int(x) for x in dev_pred])
    meta = build_meta(folder, settings, seed, backend, base_model, member_names, metrics, table,
                      rows_per_second(model, dev_m), time.time() - started, train, dev, sys.argv)
    meta.update(weights=model.weights, offsets=model.offsets)
    model.save(folder, meta)
    (folder / "README.md").write_text(model_card(meta))
    typer.echo(f"dev F1_PN {metrics['f1_pn']:.4f} → {folder}")
    return meta


def f1_pn_of(gold, pred) -> float:
    from ..sentiment import f1_pn

    return f1_pn(gold, pred)


def tune_weights(held_p: list, gold: list[int], steps: int = 4) -> list[float]:
    """Member weights (a grid on the simplex) whose mean, with tuned offsets, scores best on the holdout."""
    import itertools

    from ..sentiment import tuned_f1_pn

    best = (-1.0, [1.0] * len(held_p))
    for raw in itertools.product(range(steps + 1), repeat=len(held_p)):
        if sum(raw) != steps:
            continue
        weights = [w / steps for w in raw]
        proba = sum(w * p for w, p in zip(weights, held_p))
        score = tuned_f1_pn(proba, gold)
        if score > best[0]:
            best = (score, weights)
    return best[1]


def holdout_split(frame, share: float, seed: int):
    """Train minus a holdout, and the holdout: grouped by sentence, stratified by label."""
    from sklearn.model_selection import StratifiedGroupKFold

    folds = StratifiedGroupKFold(n_splits=round(1 / share), shuffle=True, random_state=seed)
    rest, held = next(folds.split(frame, frame["label"], groups=frame["sentence"]))
    return frame.iloc[rest], frame.iloc[held]


def member_plan(settings: dict, backend: str, base_model: str) -> tuple[list[str], list[float]]:
    if backend == "hf":
        if not base_model:
            raise typer.BadParameter("E203 --backend hf needs --base-model PATH (a local checkpoint folder)")
        settings["hf"]["base_model"] = base_model
        return ["hf"], [1.0]
    if backend != "default":
        raise typer.BadParameter(f"E204 unknown backend {backend!r}: default or hf")
    weights = settings["train"]["weights"]
    return list(settings["train"]["members"]), weights if weights == "tune" else list(weights)


def build_member(name: str, settings: dict, seed: int, extra: dict | None = None):
    from ..sentiment import MEMBERS

    return MEMBERS[name](**{**settings[name], **(extra or {}), "seed": seed})


def rows_per_second(model, mentions) -> float:
    import time

    sample = mentions[:300]
    started = time.perf_counter()
    model.predict(sample)
    return round(len(sample) / (time.perf_counter() - started), 1)


def checksum(path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_size(folder) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def build_meta(folder, settings, seed, backend, base_model, member_names, metrics, table, speed, seconds,
               train, dev, argv) -> dict:
    from datetime import datetime, timezone

    from corpora import rusentne

    from ..sentiment import FORMAT_VERSION, LABEL_NAMES, LABELS

    return {
        "id": f"sentiment-{folder.name}",
        "format_version": FORMAT_VERSION,
        "task": "entity-oriented sentiment (RuSentNE-2023)",
        "labels": {str(label): LABEL_NAMES[label] for label in LABELS},
        "members": member_names,
        "data": {
            "train": {"path": "rusentne/train_data.csv", "sha256": checksum(rusentne.train_csv()),
                      "rows": len(train)},
            "dev": {"ids": "corpora/annotations/rusentne_dev_ids.txt", "sha256": checksum(rusentne.DEV_IDS),
                    "rows": len(dev)},
        },
        "config": settings,
        "metrics": {"dev": metrics, "ablation": table},
        "seed": seed,
        "backend": backend,
        "base_model": base_model or None,
        "command": invocation("sentiment"),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "size_bytes": folder_size(folder),
        "inference_rows_per_second": speed,
        "training_seconds": round(seconds, 1),
    }


def holdout_percent(meta: dict) -> int:
    return round(100 * meta.get("config", {}).get("train", {}).get("holdout", 0.15))


def shipped_training(meta: dict) -> str:
    """What the shipped members (the scores above) were trained on."""
    share = holdout_percent(meta)
    if meta.get("config", {}).get("train", {}).get("refit"):
        return (f"The shipped members were refit on all of train after the offsets were tuned on a {share} % holdout "
                "(the ablation rows below are the holdout-trained fits).")
    return f"The shipped members were trained on train minus a {share} % holdout, on which the offsets were tuned."


def notes_section(notes: list[str]) -> list[str]:
    """The config's [card] notes (how the configuration was chosen, and on what) as a card section."""
    if not notes:
        return []
    return ["## How this configuration was chosen", "", *[f"- {note}" for note in notes], ""]


def model_card(meta: dict) -> str:
    """The README.md of a model folder, rendered from its meta.json."""
    dev = meta["metrics"]["dev"]
    lines = [
        f"# {meta['id']}",
        "",
        f"{meta['task']}: positive / negative / neutral toward an entity in its sentence.",
        f"Members: {', '.join(meta['members'])} (weights {meta['weights']}, log-offsets neg/neu/pos "
        f"{meta['offsets']}). Generated from meta.json by `{meta['command']}` on {meta['date']}.",
        "",
        "## Dev scores",
        "",
        f"F1_PN (macro-F1 over positive and negative) on the fixed dev split ({dev['rows']} rows, "
        f"grouped by sentence): **{dev['f1_pn']:.4f}**",
        "",
        "| class | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
        *[f"| {name} | {r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} | {r['support']} |"
          for name, r in dev["per_class"].items()],
        "",
        shipped_training(meta),
        "",
        "## What each idea gives (dev F1_PN)",
        "",
        f"Rows are trained on train minus a {holdout_percent(meta)} % holdout; offsets are tuned on that holdout, "
        "never on dev.",
        "",
        "| variant | argmax | + tuned offsets |",
        "|---|---|---|",
        *[f"| {r['name']} | {r['dev_f1_pn_argmax']:.4f} | {r['dev_f1_pn_offsets']:.4f} |"
          for r in meta["metrics"]["ablation"]],
        "",
        *notes_section(meta.get("config", {}).get("card", {}).get("notes", [])),
        "## Data",
        "",
        f"- train: `{meta['data']['train']['path']}` ({meta['data']['train']['rows']} rows, "
        f"sha256 `{meta['data']['train']['sha256'][:16]}…`)",
        f"- dev: row ids in `{meta['data']['dev']['ids']}` ({meta['data']['dev']['rows']} rows)",
        "",
        "## Runtime",
        "",
        f"- size: {meta['size_bytes'] / 1e6:.1f} MB (navec is loaded from natasha's wheel, not stored here)",
        f"- inference: {meta['inference_rows_per_second']} rows/s on the training machine",
        f"- training: {meta['training_seconds']} s, seed {meta['seed']}",
        "",
    ]
    return "\n".join(lines)
