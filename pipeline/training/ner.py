"""`bilat train ner`: train the layered NEREL tagger (pipeline/nermodel.py) and write a model folder.

The folder gets model.pt (weights without navec), meta.json (id, format version, labels, data with
checksums, the merged config, dev metrics per type, seed, command, date, size, speed) and a README.md
model card rendered from meta.json.
"""
from __future__ import annotations

import hashlib
import math
import random
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..config import read_toml
from . import invocation, new_version


def load_config(path: Path, epochs: int | None) -> dict:
    config = read_toml(path)
    if epochs is not None:
        config["training"]["epochs"] = epochs
    return config


def checksum(files: list[Path]) -> str:
    """sha256 over the names and contents of the files, in order."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def data_record(folder: Path, limit: int | None) -> dict:
    from corpora import brat

    files = brat.document_files(folder, limit)
    return {"path": str(folder), "documents": len(files) // 2, "files": len(files), "sha256": checksum(files)}


def char_alphabet(docs: list[dict], min_count: int) -> str:
    counts = Counter(c for doc in docs for c in doc["text"] if not c.isspace())
    return "".join(sorted(c for c, n in counts.items() if n >= min_count))


def examples(docs: list[dict], features, types: list[str], hinted: bool, split_hyphens: bool) -> list[tuple]:
    """(encoded sentence, tags) pairs; an entity counts in the sentence that holds it whole."""
    from pipeline.nermodel import encode_tags, hint_ids, sentences, slovnet_spans

    hints = slovnet_spans([doc["text"] for doc in docs]) if hinted else [None] * len(docs)
    result = []
    for doc, doc_hints in zip(docs, hints):
        for sent in sentences(doc["text"], split_hyphens):
            inside = [s for s in doc["spans"] if s["start"] >= sent[0].start and s["end"] <= sent[-1].end]
            encoded = features.encode(sent, hint_ids(sent, doc_hints) if hinted else None)
            result.append((encoded, encode_tags(sent, inside, types)))
    return result


def padded_tags(batch: list[tuple]):
    import torch

    length = max(len(tags) for _, tags in batch)
    out = torch.full((len(batch), length, len(batch[0][1][0])), -100, dtype=torch.long)
    for i, (_, tags) in enumerate(batch):
        out[i, : len(tags)] = torch.tensor(tags)
    return out


def batches(data: list[tuple], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar-length sentences (padding stays small)."""
    order = sorted(range(len(data)), key=lambda i: (len(data[i][1]), rng.random()))
    result = [order[k : k + batch_size] for k in range(0, len(order), batch_size)]
    rng.shuffle(result)
    return result


def lr_schedule(optimizer, training: dict, steps: int):
    """"cosine": the learning rate falls from lr to 0 over all the epochs' steps; "constant": stays."""
    import torch

    if training.get("schedule", "constant") == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)


def train_epoch(net, optimizer, scheduler, data: list[tuple], features, batch_size: int, rng: random.Random) -> float:
    """One pass over the training sentences; returns the mean loss."""
    import torch

    net.train()
    total, epoch_batches = 0.0, batches(data, batch_size, rng)
    for ids in epoch_batches:
        batch = [data[i] for i in ids]
        loss = net.loss(net(**features.pad([enc for enc, _ in batch])), padded_tags(batch))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        optimizer.step()
        scheduler.step()
        total += loss.item()
    return total / len(epoch_batches)


def dev_scores(model, dev_docs: list[dict]) -> dict:
    from pipeline.scoring.ner import evaluate

    model.net.eval()
    return evaluate(model, dev_docs, fine=True)


def measure_speed(model, docs: list[dict]) -> dict:
    """Single-thread throughput of the saved model on the dev texts (what a pipeline worker gets)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    texts = [doc["text"] for doc in docs]
    started = time.perf_counter()
    model(texts)
    seconds = time.perf_counter() - started
    torch.set_num_threads(threads)
    chars = sum(map(len, texts))
    return {"threads": 1, "documents": len(texts), "chars_per_s": round(chars / seconds), "docs_per_s": round(len(texts) / seconds, 1)}


def experiments_table(experiments: list[dict]) -> str:
    """Earlier runs that led to this model's config, as measured by their own training logs."""
    if not experiments:
        return ""
    rows = "\n".join(f"| {e['run']} | {e['change']} | {e['epochs']} | {e['dev_micro_f1']} |" for e in experiments)
    return f"## How the config was chosen (dev micro-F1, twelve types)\n\n| run | config | epochs run | best dev micro-F1 |\n|---|---|---|---|\n{rows}\n"


def provenance(meta: dict) -> str:
    """Which epoch was kept, or for an ensemble which models it averages."""
    if "members" not in meta:
        return f"Best epoch {meta['metrics']['best_epoch']} of {len(meta['metrics']['epochs'])}; seed {meta['seed']}."
    members = ", ".join(f"{name} (dev micro-F1 {f1:.4f})" for name, f1 in meta["metrics"]["members"].items())
    return (f"**Ensemble** of {members}, folders beside this one: per-token, per-layer scores averaged "
            "over the members, CRF transitions averaged. No weights of its own.")


HYPHENS_NOTE = ', with hyphenated words split into parts and dashes (NEREL annotates "экс-[президент]")'


def render_card(meta: dict) -> str:
    """The model card README.md, generated from meta.json only."""
    fine = meta["metrics"]["dev"]["fine"]
    coarse = meta["metrics"]["dev"]["coarse"]
    model_cfg = meta["config"]["model"]
    rows = lambda scores: "\n".join(
        f"| {t} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |" for t, m in scores.items()
    )
    return f"""# {meta['id']}: NEREL named-entity tagger

Generated from meta.json by `{meta['command']}` on {meta['date']}. Do not edit by hand.

**Architecture.** navec news embeddings (frozen, not stored here: injected at load from natasha's wheel)
+ word-shape embedding ({model_cfg['shape_dim']}) + char CNN ({model_cfg['char_filters']} filters)
+ natasha's slovnet PER/ORG/LOC tags as a BIO input ({model_cfg.get('slovnet_dim', 0)} dims; 0 = not used)
→ {model_cfg['encoder']} encoder (hidden {model_cfg['hidden']}, {model_cfg['encoder_layers']} layer(s), dropout {model_cfg['dropout']}, word dropout {model_cfg.get('word_dropout', 0.0)})
→ two BIO layers per type: the outermost spans of the type, and the spans nested inside one of
the same type (so "МВД Киргизии" ORGANIZATION and its COUNTRY "Киргизии" are both found);
{"a CRF over each layer (one transition table shared by all layers), Viterbi-decoded" if model_cfg.get('crf') else "a softmax per tag"}. BIO repair: an
I with no open span starts one. Discontinuous gold entities are learnt as their outer extent.
Tokens: razdel{HYPHENS_NOTE if model_cfg.get('split_hyphens') else ""}.
Training: Adam, lr {meta['config']['training']['lr']}, {meta['config']['training'].get('schedule', 'constant')} schedule, batch {meta['config']['training']['batch_size']}.

**Labels** ({len(meta['labels'])}): {', '.join(meta['labels'])}.

**Data.** train {meta['data']['train']['path']} ({meta['data']['train']['documents']} documents,
sha256 {meta['data']['train']['sha256'][:16]}…), model selection on dev {meta['data']['dev']['path']}
({meta['data']['dev']['documents']} documents, sha256 {meta['data']['dev']['sha256'][:16]}…).
{provenance(meta)}
{meta.get('note', '')}

## Dev scores (strict span: start, end and type equal; gold = all entities, nested included)

| type | P | R | F1 | gold |
|---|---|---|---|---|
{rows(fine)}

Coarse view (PERSON→PER, ORGANIZATION→ORG, COUNTRY/CITY/STATE_OR_PROVINCE/LOCATION→LOC):

| type | P | R | F1 | gold |
|---|---|---|---|---|
{rows(coarse)}

{experiments_table(meta.get('experiments', []))}
## Size and speed

Weights {meta['size_bytes'] / 1e6:.1f} MB. Tagging the dev texts in one thread
(razdel segmentation included): {meta['speed']['chars_per_s']} chars/s, {meta['speed']['docs_per_s']} documents/s.

## Use

```python
from pipeline.ner import load_tagger
tagger = load_tagger("models/{meta['id']}")
tagger(["МВД Киргизии сообщило ..."])  # [[(start, end, NEREL type), ...]]
```
"""


def write_model(folder: Path, model, dev_docs: list[dict], meta: dict) -> None:
    """Weights, meta.json (with size and speed) and the model card."""
    from pipeline import nermodel

    model.net.eval()
    meta["date"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    nermodel.save(model.net, folder, meta)
    meta["size_bytes"] = (folder / nermodel.WEIGHTS).stat().st_size
    meta["speed"] = measure_speed(model, dev_docs)
    nermodel.save(model.net, folder, meta)
    (folder / "README.md").write_text(render_card(meta), encoding="utf-8")


def write_ensemble(folder: Path, members: list[str], dev_path: Path, limit_docs: int | None) -> None:
    """An ensemble folder: meta.json naming member folders beside it, dev scores, speed, card."""
    import json

    from corpora import brat
    from pipeline import nermodel

    metas = {name: json.loads((folder.parent / name / nermodel.META).read_text(encoding="utf-8")) for name in members}
    first = metas[members[0]]
    meta = {key: first[key] for key in ("format_version", "labels", "chars", "navec", "config")}
    meta |= {
        "id": f"ner/{folder.name}", "members": members, "seed": [m["seed"] for m in metas.values()],
        "data": {"train": first["data"]["train"], "dev": data_record(dev_path, limit_docs)},
        "command": invocation("ner"),
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / nermodel.META).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    model = nermodel.NerModel.load(folder)
    dev_docs = list(brat.iter_documents(dev_path, limit_docs))
    meta["metrics"] = {"dev": dev_scores(model, dev_docs),
                       "members": {name: m["metrics"]["dev"]["fine"]["micro"]["f1"] for name, m in metas.items()}}
    meta["date"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    meta["size_bytes"] = sum((folder.parent / name / nermodel.WEIGHTS).stat().st_size for name in members)
    meta["speed"] = measure_speed(model, dev_docs)
    (folder / nermodel.META).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (folder / "README.md").write_text(render_card(meta), encoding="utf-8")
    print(f"wrote {folder}: dev micro-F1 {meta['metrics']['dev']['fine']['micro']['f1']:.4f}")


def command(
    config: Annotated[str, typer.Option(help="training config (TOML)")] = "configs/ner.toml",
    output: Annotated[str, typer.Option(help="model folder to write (a new version)")] = "models/ner/v3",
    seed: Annotated[int, typer.Option(help="random seed (shuffling, initialisation, dropout)")] = 13,
    train_dir: Annotated[Optional[str], typer.Option(help="brat folder; default: the config's, under the shared corpora")] = None,
    dev_dir: Annotated[Optional[str], typer.Option(help="brat folder for model selection")] = None,
    limit_docs: Annotated[Optional[int], typer.Option(help="use only the first N documents of each folder")] = None,
    epochs: Annotated[Optional[int], typer.Option(help="override the config's epochs")] = None,
    ensemble: Annotated[Optional[list[str]], typer.Option(help="instead of training: average these trained model folders (names beside --output, e.g. v3)")] = None,
) -> None:
    """Train the NEREL tagger, keep the epoch with the best dev micro-F1, write weights, meta and card.

    With --ensemble v3 --ensemble v4, nothing is trained: the output folder averages those models."""
    import json

    import torch

    from corpora import brat
    from pipeline import nermodel
    from pipeline.ner import navec
    from pipeline.paths import corpora_dir, resolve

    cfg = load_config(resolve(config), epochs)
    train_path = Path(train_dir) if train_dir else corpora_dir() / cfg["data"]["train"]
    dev_path = Path(dev_dir) if dev_dir else corpora_dir() / cfg["data"]["dev"]
    if ensemble:
        torch.set_num_threads(cfg["training"]["threads"])
        return write_ensemble(new_version(resolve(output)), ensemble, dev_path, limit_docs)
    random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(cfg["training"]["threads"])
    types = cfg["data"]["types"]

    train_docs = list(brat.iter_documents(train_path, limit_docs))
    dev_docs = list(brat.iter_documents(dev_path, limit_docs))
    chars = char_alphabet(train_docs, cfg["data"]["min_char_count"])
    features = nermodel.Features(navec(), chars, cfg["model"]["max_word_chars"])
    net = nermodel.NerNet(navec(), len(chars) + 2, len(types) * nermodel.DEPTHS, cfg["model"])
    split_hyphens = cfg["model"].get("split_hyphens", False)
    model = nermodel.NerModel(net, features, types, split_hyphens=split_hyphens)
    data = examples(train_docs, features, types, hinted=net.hint_dim > 0, split_hyphens=split_hyphens)
    optimizer = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=cfg["training"]["lr"])
    rng = random.Random(seed)
    steps = cfg["training"]["epochs"] * math.ceil(len(data) / cfg["training"]["batch_size"])
    scheduler = lr_schedule(optimizer, cfg["training"], steps)

    folder = new_version(resolve(output))
    meta = {
        "id": f"ner/{folder.name}",
        "format_version": nermodel.FORMAT_VERSION,
        "labels": types,
        "chars": chars,
        "navec": navec().meta.id,
        "data": {"train": data_record(train_path, limit_docs), "dev": data_record(dev_path, limit_docs)},
        "config": cfg,
        "seed": seed,
        "command": invocation("ner"),
    }
    history, best = [], None
    for epoch in range(1, cfg["training"]["epochs"] + 1):
        started = time.perf_counter()
        loss = train_epoch(net, optimizer, scheduler, data, features, cfg["training"]["batch_size"], rng)
        scores = dev_scores(model, dev_docs)
        micro = scores["fine"]["micro"]["f1"]
        history.append({"epoch": epoch, "loss": round(loss, 5), "dev_micro_f1": round(micro, 4),
                        "seconds": round(time.perf_counter() - started, 1)})
        print(json.dumps(history[-1]), flush=True)
        if best is None or micro > best[1]["fine"]["micro"]["f1"]:
            best = (epoch, scores)
            # written at every improvement, so an interrupted run still leaves its best model
            write_model(folder, model, dev_docs, meta | {"metrics": {"best_epoch": epoch, "epochs": history, "dev": scores}})
        elif epoch - best[0] >= cfg["training"]["patience"]:
            break
    meta = json.loads((folder / nermodel.META).read_text(encoding="utf-8"))
    meta["metrics"]["epochs"] = history
    nermodel.save(nermodel.NerModel.load(folder).net, folder, meta)
    (folder / "README.md").write_text(render_card(meta), encoding="utf-8")
    print(f"wrote {folder}: dev micro-F1 {meta['metrics']['dev']['fine']['micro']['f1']:.4f} (epoch {meta['metrics']['best_epoch']})")
