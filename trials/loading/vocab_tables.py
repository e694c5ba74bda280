"""The vocabulary tables curators edit: filled from the data files (trials/vocab/*.json), read
back as the readers' Vocabulary, and curators' value mappings.

Only missing terms are added: a term a curator changed is never overwritten by the files.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from trials.models import Condition, Drug, DrugClass, ValueMapping
from trials.readers.value_mappings import Mappings
from trials.readers.vocabulary import Vocabulary

VOCAB_DIR = Path(__file__).resolve().parent.parent / "vocab"


def ensure() -> None:
    """Load the vocabulary data files into empty tables (curators' edits are never overwritten)."""
    if not Condition.objects.exists():
        load()


def load(paths: Iterable[Path] | None = None) -> dict:
    """Insert vocabulary terms from the data files that the tables do not have yet."""
    added = {"conditions": 0, "drugs": 0, "drug_classes": 0}
    data = {p.stem: json.loads(p.read_text()) for p in (paths or VOCAB_DIR.glob("*.json"))}
    with transaction.atomic():
        created = []
        for item in data.get("drug_classes", []):
            drug_class, new = DrugClass.objects.get_or_create(
                slug=item["slug"],
                defaults={"label": item["label"], "synonyms": item.get("synonyms", [])},
            )
            if new:
                created.append((drug_class, item.get("members", [])))
            added["drug_classes"] += new
        conditions = data.get("conditions", [])
        for item in conditions:
            _, new = Condition.objects.get_or_create(
                slug=item["slug"],
                defaults={
                    "label": item["label"],
                    "synonyms": item.get("synonyms", []),
                    "skin": item.get("skin", True),
                },
            )
            added["conditions"] += new
        by_slug = {c.slug: c for c in Condition.objects.all()}
        for item in conditions:
            child = by_slug[item["slug"]]
            if item.get("parent") and child.parent_id is None and item["parent"] in by_slug:
                child.parent = by_slug[item["parent"]]
                child.save(update_fields=["parent"])
        classes = {c.slug: c for c in DrugClass.objects.all()}
        for item in data.get("drugs", []):
            drug, new = Drug.objects.get_or_create(
                slug=item["slug"],
                defaults={"label": item["label"], "synonyms": item.get("synonyms", [])},
            )
            if new:
                drug.classes.set([classes[c] for c in item.get("classes", []) if c in classes])
            added["drugs"] += new
        # A class new to the tables takes its members, drugs the tables had before included
        # (osimertinib, EGFR TKIs); a curator's memberships of the classes they had stay.
        for drug_class, members in created:
            drug_class.drugs.add(*Drug.objects.filter(slug__in=members))
    return added


def db_vocabulary() -> Vocabulary:
    """The vocabulary as curators edited it (the tables), in the data files' shape."""
    classes = [
        {"slug": c.slug, "label": c.label, "synonyms": c.synonyms} for c in DrugClass.objects.all()
    ]
    conditions = [
        {
            "slug": c.slug,
            "label": c.label,
            "synonyms": c.synonyms,
            "parent": c.parent.slug if c.parent else None,
            "skin": c.skin,
        }
        for c in Condition.objects.select_related("parent")
    ]
    drugs = [
        {
            "slug": d.slug,
            "label": d.label,
            "synonyms": d.synonyms,
            "classes": [c.slug for c in d.classes.all()],
        }
        for d in Drug.objects.prefetch_related("classes")
    ]
    return Vocabulary(conditions, drugs, classes)


def value_mappings() -> Mappings:
    """Curators' value mappings, for trials.readers.value_mappings.apply_value_mappings()."""
    return {(m.kind, m.raw): m.value for m in ValueMapping.objects.all()}


@dataclass(frozen=True)
class Terms:
    """The vocabulary terms by slug, read once for the length of an import or a curator's
    action: what the loader's rows point at, the words it adds to the search text, and the drug
    classes (curators' edits count: these are the tables, not the data files)."""

    conditions: dict[str, Condition]
    drugs: dict[str, Drug]
    # Drug slug -> the slugs of its classes (Drug.classes).
    drug_classes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Class slug -> the classes holding every one of its members ("tnf-inhibitors" ->
    # "biologics"): the umbrella classes, read from the memberships themselves.
    wider_classes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # (model, slug) -> the words of a term's synonyms with their keys (synonym_words).
    _words: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls) -> Terms:
        ensure()
        memberships = DrugClass.objects.values_list("slug", "drugs__slug")
        drug_classes, wider_classes = class_maps(memberships)
        return cls(
            {condition.slug: condition for condition in Condition.objects.all()},
            {drug.slug: drug for drug in Drug.objects.all()},
            drug_classes,
            wider_classes,
        )

    def synonym_words(
        self, term: Condition | Drug, key: Callable[[str], str]
    ) -> tuple[tuple[str, str], ...]:
        """(key(word), word) for each non-blank word of the term's synonyms, in their order,
        made once a term for as long as these terms are read."""
        known = self._words.get((type(term), term.slug))
        if known is None:
            pairs = [(key(word), word) for synonym in term.synonyms for word in synonym.split()]
            known = self._words[type(term), term.slug] = tuple(p for p in pairs if p[0])
        return known

    def is_class(self, slug: str) -> bool:
        return slug in self.wider_classes


def class_maps(
    memberships: Iterable[tuple[str, str | None]],
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """From (class slug, member drug slug or None) pairs: drug -> its classes, and class -> the
    other classes whose members include all of its own (every class is a key)."""
    members: dict[str, set[str]] = {}
    for class_slug, drug_slug in memberships:
        members.setdefault(class_slug, set())
        if drug_slug:
            members[class_slug].add(drug_slug)
    drug_classes: dict[str, list[str]] = {}
    for class_slug in sorted(members):
        for drug_slug in members[class_slug]:
            drug_classes.setdefault(drug_slug, []).append(class_slug)
    wider = {
        narrow: tuple(
            sorted(
                wide
                for wide, wide_members in members.items()
                if wide != narrow and drugs and drugs <= wide_members
            )
        )
        for narrow, drugs in members.items()
    }
    return {drug: tuple(classes) for drug, classes in drug_classes.items()}, wider
