"""Benchmark: bilat's configured pipeline vs natasha's stack on the same documents, one process each.

natasha's stack is what its README runs on a news text: segment, morph, syntax, NER and
normalisation of the NER spans. natasha's MorphVocab is built on pymorphy2, which no longer imports
(it needs pkg_resources); `Pymorphy3Vocab` is the same class on pymorphy3, so normalisation runs
natasha's own code. Each engine runs in a fresh single-threaded process so peak RSS and load time
are its own.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable


# the trained classifiers whose cost issue #5 bounds against the rest of the pipeline
CLASSIFIER_STAGES = ("topics", "sentiment", "dyads")


def documents(folder: Path, limit: int | None) -> list[tuple[str, str]]:
    from .ingest import directory_sources, read

    docs = [item for source in directory_sources(folder) for item in read(source) if not isinstance(item, dict)]
    return [(doc.id, doc.text) for doc in docs[:limit]]


def pymorphy3_vocab():
    import pymorphy3
    from natasha.morph import vocab as natasha_vocab
    from pymorphy3.analyzer import Parse

    class MorphForm(Parse):
        def __new__(cls, *args):
            self = Parse.__new__(cls, *args)
            self.normal = self.normal_form
            self.pos = natasha_vocab.ud_pos(self.tag)
            self.feats = dict(natasha_vocab.ud_feats(self.tag))
            return self

        def inflect(self, grams):
            return Parse.inflect(self, set(natasha_vocab.oc_grams(grams)))

    class Pymorphy3Vocab(pymorphy3.MorphAnalyzer):
        def __init__(self):
            super().__init__(lang="ru", result_type=MorphForm)

        parse = lru_cache(natasha_vocab.CACHE_SIZE)(pymorphy3.MorphAnalyzer.parse)
        __call__ = parse
        lemmatize = natasha_vocab.MorphVocab.lemmatize

    return Pymorphy3Vocab()


def natasha_engine() -> Callable[[str], Any]:
    from natasha import Doc, NewsEmbedding, NewsMorphTagger, NewsNERTagger, NewsSyntaxParser, Segmenter

    emb = NewsEmbedding()
    segmenter, vocab = Segmenter(), pymorphy3_vocab()
    morph, syntax, ner = NewsMorphTagger(emb), NewsSyntaxParser(emb), NewsNERTagger(emb)

    def run(text: str) -> Any:
        doc = Doc(text)
        doc.segment(segmenter)
        doc.tag_morph(morph)
        doc.parse_syntax(syntax)
        doc.tag_ner(ner)
        for span in doc.spans:
            span.normalize(vocab)
        return doc

    return run


def bilat_engine(config: str | None, stage_seconds: dict[str, float]) -> Callable[[str], Any]:
    """The configured pipeline, timed stage by stage into `stage_seconds`."""
    from .config import load_config
    from .ingest import txt_doc
    from .pipe import Pipeline

    pipeline = Pipeline(load_config(config))

    def run(text: str) -> Any:
        doc = txt_doc(text, "bench")
        for stage in pipeline.stages:
            started = time.perf_counter()
            stage([doc])
            name = stage.registered_name
            stage_seconds[name] = stage_seconds.get(name, 0.0) + time.perf_counter() - started
        return doc.record()

    return run


def measure(engine: str, folder: Path, limit: int | None, config: str | None, repeat: int) -> dict[str, Any]:
    docs = documents(folder, limit)
    started = time.perf_counter()
    stage_seconds: dict[str, float] = {}
    run = natasha_engine() if engine == "natasha" else bilat_engine(config, stage_seconds)
    run("Загрузка моделей завершена.")
    load_s = time.perf_counter() - started
    stage_seconds.clear()
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for _, text in docs:
            run(text)
        best = min(best, time.perf_counter() - started)
    return {
        "engine": engine,
        "docs": len(docs),
        "chars": sum(len(text) for _, text in docs),
        "seconds": round(best, 3),
        "docs_per_s": round(len(docs) / best, 2),
        "load_s": round(load_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "stage_ms_per_doc": {name: round(1000 * seconds / repeat / max(len(docs), 1), 1)
                             for name, seconds in stage_seconds.items()},
    }


def measure_in_subprocess(engine: str, folder: Path, limit: int | None, config: str | None, repeat: int) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    args = [sys.executable, "-m", "pipeline.bench", engine, str(folder), str(limit or 0), config or "", str(repeat)]
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_bench(folder: Path, limit: int | None = None, config: Path | None = None, repeat: int = 1) -> str:
    rows = [measure_in_subprocess(engine, folder, limit, str(config) if config else None, repeat)
            for engine in ("bilat", "natasha")]
    lines = [f"{'engine':8} {'docs':>5} {'docs/s':>8} {'load s':>7} {'peak RSS MB':>12}"]
    lines += [f"{r['engine']:8} {r['docs']:>5} {r['docs_per_s']:>8} {r['load_s']:>7} {r['peak_rss_mb']:>12}"
              for r in rows]
    ratio = rows[0]["docs_per_s"] / rows[1]["docs_per_s"]
    lines.append(f"throughput ratio bilat/natasha: {ratio:.2f}x ({rows[0]['docs']} documents, {folder})")
    lines.append("bilat per stage, ms/document:")
    lines += [f"  {name:14} {ms:8.1f}" for name, ms in rows[0]["stage_ms_per_doc"].items()]
    share = classifier_share(rows[0]["stage_ms_per_doc"])
    if share is not None:
        lines.append(f"classifiers ({', '.join(CLASSIFIER_STAGES)}) add {100 * share:.1f} % to the other stages' time")
    return "\n".join(lines)


def classifier_share(stage_ms: dict[str, float]) -> float | None:
    """The classifier stages' time over the other stages' (None when either side is absent)."""
    classifier = sum(ms for name, ms in stage_ms.items() if name.split(".")[0] in CLASSIFIER_STAGES)
    other = sum(ms for name, ms in stage_ms.items() if name.split(".")[0] not in CLASSIFIER_STAGES)
    return classifier / other if classifier and other else None


if __name__ == "__main__":
    engine, folder, limit, config, repeat = sys.argv[1:6]
    import torch

    torch.set_num_threads(1)
    print(json.dumps(measure(engine, Path(folder), int(limit) or None, config or None, int(repeat))))
