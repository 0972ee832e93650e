"""Light coreference: short and role mentions of people join the full name mentioned before them.

"Ильхам Алиев ... Алиев" -> one cluster, the short mention takes the full `normal` and its `actor`;
"президент Казахстана" joins the cluster of the person who holds that office (gazetteer `role`).
Every entity gets an integer `cluster`; other entities cluster by their gazetteer entry, else by type
and normal form.
"""
from __future__ import annotations

from dataclasses import dataclass

from .gazetteer import Gazetteer, fold


@dataclass
class Person:
    name: str
    actor: str | None
    cluster: int

    @property
    def surname(self) -> str:
        return fold(self.name.split()[-1])


def resolve(entities: list[dict], gazetteer: Gazetteer, names: list[str | None] | None = None) -> None:
    """Set `cluster` on every entity (in place); short and role mentions take the full name.

    `names` are the gazetteer's canonical names of the mentions (None where unknown), so that
    "ОТГ" and "Организация тюркских государств" share a cluster."""
    Resolver(gazetteer).run(entities, names or [None] * len(entities))


class Resolver:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.clusters: dict[tuple, int] = {}
        self.people: list[Person] = []  # full names met so far, most recent last
        self.mentioned: set[str] = set()  # surnames of the document's people

    def run(self, entities: list[dict], names: list[str | None]) -> None:
        self.mentioned = {fold(e["normal"].split()[-1]) for e in entities if e["type"] == "PERSON" and e["normal"]}
        for i, (entity, name) in enumerate(zip(entities, names)):
            if entity["type"] == "PERSON":
                adopt(entity, self.person_referent(entity) or self.introduce(entity["normal"], entity["actor"]))
            elif entity.get("role") and (named := apposition(entities, i)):
                person = self.person_referent(named) or self.introduce(named["normal"], named["actor"])
                person.actor = person.actor or entity["actor"]  # "президент России Дмитрий Медведев"
                adopt(entity, person)
            elif entity.get("role") and entity["actor"] and (person := self.role_holder(entity)):
                adopt(entity, person)
            else:
                entity["cluster"] = self.cluster_of((entity["type"], name or entity["normal"]))

    def cluster_of(self, key: tuple) -> int:
        return self.clusters.setdefault(key, len(self.clusters))

    def introduce(self, name: str, actor: str | None) -> Person:
        person = Person(name, actor, self.cluster_of(("PERSON", name)))
        self.people.append(person)
        return person

    def known(self, name: str) -> Person | None:
        return next((p for p in reversed(self.people) if p.name == name), None)

    def person_referent(self, entity: dict) -> Person | None:
        """The person a PERSON mention refers to: the same full name met before; for a surname alone,
        the latest full name with that surname, else the only gazetteer person with that surname."""
        words = entity["normal"].split()
        if len(words) != 1:
            return self.known(entity["normal"])
        latest = next((p for p in reversed(self.people) if p.surname == fold(words[0])), None)
        candidates = self.gazetteer.surname_people(words[0])
        if latest or len(candidates) != 1:
            return latest
        return self.known(candidates[0].name) or self.introduce(candidates[0].name, candidates[0].actor)

    def role_holder(self, entity: dict) -> Person | None:
        """"президент Казахстана": the gazetteer's holder of that office, if the document names them
        (an older article's president is not today's)."""
        holder = self.gazetteer.holder(entity["role"], entity["actor"])
        if holder is None or fold(holder.name.split()[-1]) not in self.mentioned:
            return None
        return self.known(holder.name) or self.introduce(holder.name, holder.actor)


def apposition(entities: list[dict], i: int) -> dict | None:
    """The person named right after a title and its country: "президент Перу Педро Кастильо"."""
    chain = entities[i:i + 3]
    if len(chain) == 3 and chain[1]["type"] == "COUNTRY" and chain[2]["type"] == "PERSON" \
            and chain[1]["start"] - chain[0]["end"] <= 1 and chain[2]["start"] - chain[1]["end"] <= 1:
        return chain[2]
    return None


def adopt(entity: dict, person: Person) -> None:
    """Join the person's cluster; a name mention takes the full name, a title keeps its own normal form."""
    if entity["type"] == "PERSON":
        entity["normal"] = person.name
    entity["cluster"] = person.cluster
    entity["actor"] = entity["actor"] or person.actor
