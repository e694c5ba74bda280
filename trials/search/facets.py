"""Every search facet, declared once.

A facet is a URL parameter (`?phase=PHASE2&phase=PHASE3`), a list of counted values in the
sidebar and in the API's `facets`, a chip when chosen, and often an admin list filter. Each is
one `Facet` below; the facet index (index.py), the parameter validation (params.py), the labels,
the page's sidebar and chips (web/presenters.py), the API and the admin all iterate `declared()`.
Adding a facet is adding a declaration here (tests add theirs by replacing `FACETS`).

Kinds:
- MULTI: an array column (`phases`): a trial has any number of values; OR within the facet.
- SINGLE: a column holding one value of a fixed set (`status`).
- BOOLEAN: yes/no: one value, "1", for the trials a predicate admits (`is_refractory` is true).
- RANGE: each value a range of a quantity; a trial is in every range its own range overlaps.
- DERIVED: each value a predicate on the trial's columns (`sex`: open to women).
BOOLEAN, RANGE and DERIVED values each carry a `Predicate`, said twice side by side: as an ORM
filter (the reference the fast engine is tested against, and the admin) and as a numpy mask
over the facet index's columns (the fast engine).
"""

from __future__ import annotations

import calendar
import datetime
import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from django.db.models import Q

from trials.models import Phase, Sex, Status, StudyType
from trials.search import labels

if TYPE_CHECKING:
    from trials.search.columns import Columns


class Kind(enum.Enum):
    MULTI = "multi"
    SINGLE = "single"
    BOOLEAN = "boolean"
    RANGE = "range"
    DERIVED = "derived"


@dataclass(frozen=True)
class Predicate:
    """Which trials a facet value admits, as an ORM filter and as a mask over index columns."""

    where: Q
    mask: Callable[[Columns], np.ndarray]
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    predicate: Predicate | None = None


@dataclass(frozen=True)
class Facet:
    name: str  # the URL parameter and the API's key
    title: str  # the sidebar's heading and the chips' prefix
    kind: Kind
    column: str = ""  # the Trial column of a MULTI or SINGLE facet
    # The known values in their natural order; empty for open sets (vocabulary terms, countries).
    choices: tuple[Choice, ...] = ()
    # Open sets: a value's words (default: the value) and whether a URL value is known
    # (default: the values the loaded trials have, in the facet index).
    label_of: Callable[[str], str] | None = None
    accepts: Callable[[str], bool] | None = None
    # How a URL value is spelt before it is looked up: `phase=phase2` is PHASE2.
    case: Literal["", "upper", "lower"] = ""
    # The sidebar lists values in the choices' order instead of the biggest counts first.
    natural_order: bool = False
    sidebar: int | None = None  # position in the page's sidebar; None: not there
    admin: int | None = None  # position among the trials' admin list filters; None: not there

    def clean(self, raw: str) -> str:
        value = raw.strip()
        return value.upper() if self.case == "upper" else value.lower() if self.case else value

    def label(self, value: str) -> str:
        for choice in self.choices:
            if choice.value == value:
                return choice.label
        return self.label_of(value) if self.label_of else value

    def labeller(self) -> Callable[[str], str]:
        """`label` for the many values of a request: each value's label is made once for each
        reading of the vocabulary (labels.memo)."""
        known = labels.memo(self)

        def label(value: str) -> str:
            found = known.get(value)
            if found is None:
                found = known[value] = self.label(value)
            return found

        return label

    def choice(self, value: str) -> Choice | None:
        return next((choice for choice in self.choices if choice.value == value), None)

    @property
    def has_predicates(self) -> bool:
        """Whether each value is a `Predicate` (BOOLEAN, RANGE, DERIVED), not a column value."""
        return self.kind not in (Kind.MULTI, Kind.SINGLE)

    @property
    def columns(self) -> tuple[str, ...]:
        """The Trial columns the facet index loads for this facet."""
        if not self.has_predicates:
            return (self.column,)
        return tuple(dict.fromkeys(c for choice in self.choices for c in choice.predicate.columns))

    def where(self, values: Sequence[str]) -> Q:
        """The ORM filter for trials having any of `values` (the reference and the admin)."""
        if self.kind is Kind.MULTI:
            return Q(**{f"{self.column}__overlap": list(values)})
        if self.kind is Kind.SINGLE:
            return Q(**{f"{self.column}__in": list(values)})
        either = Q(pk__in=[])
        for value in values:
            either |= self.choice(value).predicate.where
        return either


# --- Predicates --------------------------------------------------------------------------------


def is_true(column: str) -> Predicate:
    return Predicate(Q(**{column: True}), lambda columns: columns[column], (column,))


def admits_ages(low: float, high: float) -> Predicate:
    """Trials whose age range overlaps [low, high] years (a missing bound admits any age)."""

    def mask(columns: Columns) -> np.ndarray:
        min_age, max_age = columns["min_age"], columns["max_age"]
        with np.errstate(invalid="ignore"):
            return (np.isnan(min_age) | (min_age <= high)) & (np.isnan(max_age) | (max_age >= low))

    where = (Q(min_age__isnull=True) | Q(min_age__lte=high)) & (
        Q(max_age__isnull=True) | Q(max_age__gte=low)
    )
    return Predicate(where, mask, ("min_age", "max_age"))


# A start date's period as the URL says it: a year, a month or a day (`2023`, `2023-05`,
# `2023-05-17`), between these years.
PERIOD = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
PERIOD_YEARS = (1900, 2100)
PERIOD_FORMS = "a year (2023), a month (2023-05) or a day (2023-05-17)"


def period(value: str) -> tuple[datetime.date, datetime.date] | None:
    """A year, a month or a day as its first and last days; None when `value` is none of them
    (or not between PERIOD_YEARS)."""
    found = PERIOD.fullmatch((value or "").strip())
    if not found:
        return None
    year, month, day = (int(part) if part else None for part in found.groups())
    if not PERIOD_YEARS[0] <= year <= PERIOD_YEARS[1]:
        return None
    try:
        if day is not None:
            first = last = datetime.date(year, month, day)
        elif month is not None:
            first = datetime.date(year, month, 1)
            last = first.replace(day=calendar.monthrange(year, month)[1])
        else:
            first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    except ValueError:  # month 13, 30 February
        return None
    return first, last


@dataclass(frozen=True)
class DateRange:
    """A filter by one of a trial's dates: the trials whose `column` falls from the first day
    of the period `<name>_from` gives (a year, a month, a day: period()) to the last day of
    `<name>_to`'s, either end open; a trial whose date no registry gives meets neither. The
    page, the API, saved searches and the readings of the words all read this declaration."""

    name: str  # "start": the parameters start_from and start_to
    column: str  # the Trial column (a DateField, held by the facet index)
    # What the page calls it: its form, its chip ("Start date: 2023"), what it read ("Showing
    # trials whose start date is in 2023").
    title: str
    answer: str  # the API answer's key: "started": {"from", "to"}

    @property
    def low(self) -> str:
        return f"{self.name}_from"

    @property
    def high(self) -> str:
        return f"{self.name}_to"

    @property
    def parameters(self) -> tuple[str, str]:
        return self.low, self.high

    def between(self, low: datetime.date | None, high: datetime.date | None) -> Predicate:
        """The trials whose date is from `low` to `high`, both included."""
        column = self.column

        def mask(columns: Columns) -> np.ndarray:
            day = columns[column]  # date ordinals, -1 for none
            kept = day >= (low.toordinal() if low else 1)
            return kept & (day <= high.toordinal()) if high else kept

        where = Q(**{f"{column}__isnull": False})
        if low:
            where &= Q(**{f"{column}__gte": low})
        if high:
            where &= Q(**{f"{column}__lte": high})
        return Predicate(where, mask, (column,))


DATE_RANGES = (
    DateRange("start", "start_date", "Start date", "started"),
    DateRange("end", "completion_date", "End date", "ends"),
)


def date_range(parameter: str) -> DateRange | None:
    """The date filter a URL parameter is an end of ("start_from": the start dates')."""
    return next((rng for rng in DATE_RANGES if parameter in rng.parameters), None)


def open_to(sex: str) -> Predicate:
    """Trials open to one sex: those for it, for all, or saying nothing."""
    admitted = [None, Sex.ALL, sex]
    return Predicate(
        Q(sex__isnull=True) | Q(sex__in=[Sex.ALL, sex]),
        lambda columns: columns.is_in("sex", admitted),
        ("sex",),
    )


def _enum_choices(choices: type[enum.Enum]) -> tuple[Choice, ...]:
    return tuple(Choice(value, label) for value, label in choices.choices)


# --- The declarations ------------------------------------------------------------------------

# Age groups as ClinicalTrials.gov has them: a trial belongs if its age range admits any age
# in the group.
AGE_GROUP_AGES = {"child": (0, 17.999), "adult": (18, 64.999), "older_adult": (65, 200)}
# The age from which a person is no child, and no trial for children only takes them.
ADULT_AGE = AGE_GROUP_AGES["adult"][0]


def for_children(age_groups: Sequence[str], age: float | None) -> bool:
    """Whether a search is a child's: the children's age group chosen or read ("psoriasis in
    kids", "my daughter"), or an age under ADULT_AGE ("im 15 and …")."""
    return "child" in age_groups or (age is not None and age < ADULT_AGE)


AGE_GROUPS = (
    Choice("child", "Children (under 18)", admits_ages(*AGE_GROUP_AGES["child"])),
    Choice("adult", "Adults (18–64)", admits_ages(*AGE_GROUP_AGES["adult"])),
    Choice("older_adult", "Older adults (65+)", admits_ages(*AGE_GROUP_AGES["older_adult"])),
)


def _term_label(vocabulary: str) -> Callable[[str], str]:
    return lambda slug: labels.term_label(vocabulary, slug)


def _in_vocabulary(vocabulary: str) -> Callable[[str], bool]:
    return lambda slug: slug in labels.vocabulary()[vocabulary]


# The API lists facets in this order; `sidebar` orders them on the page.
FACETS: tuple[Facet, ...] = (
    Facet(
        "condition",
        "Condition",
        Kind.MULTI,
        "conditions",
        label_of=_term_label("condition"),
        accepts=_in_vocabulary("condition"),
        sidebar=2,
        admin=4,
    ),
    Facet(
        "drug",
        "Drug",
        Kind.MULTI,
        "drugs",
        label_of=_term_label("drug"),
        accepts=_in_vocabulary("drug"),
        sidebar=3,
        admin=5,
    ),
    # A trial is in a class when it tests one of the class's drugs (issue 14, point 3): one
    # testing an IL-17 inhibitor is in "IL-17 inhibitors" and in "Biologics".
    Facet(
        "drug_class",
        "Drug class",
        Kind.MULTI,
        "drug_classes",
        label_of=_term_label("class"),
        accepts=_in_vocabulary("class"),
        sidebar=4,
        admin=6,
    ),
    Facet(
        "phase",
        "Phase",
        Kind.MULTI,
        "phases",
        _enum_choices(Phase),
        case="upper",
        natural_order=True,
        sidebar=8,
        admin=2,
    ),
    Facet(
        "status",
        "Recruitment status",
        Kind.SINGLE,
        "status",
        _enum_choices(Status),
        case="upper",
        sidebar=1,
        admin=1,
    ),
    Facet(
        "country",
        "Country",
        Kind.MULTI,
        "countries",
        label_of=labels.country_name,
        accepts=labels.is_country,
        case="upper",
        sidebar=10,
        admin=3,
    ),
    Facet(
        "study_type",
        "Study type",
        Kind.SINGLE,
        "study_type",
        _enum_choices(StudyType),
        case="upper",
        sidebar=9,
    ),
    # Not in the sidebar: the patient form asks it.
    Facet(
        "sex",
        "Open to",
        Kind.DERIVED,
        choices=(
            Choice("female", "Women", open_to(Sex.FEMALE)),
            Choice("male", "Men", open_to(Sex.MALE)),
        ),
        case="lower",
    ),
    Facet(
        "age_group",
        "Age group",
        Kind.RANGE,
        choices=AGE_GROUPS,
        case="lower",
        natural_order=True,
        sidebar=7,
    ),
    Facet(
        "refractory",
        "Population",
        Kind.BOOLEAN,
        "is_refractory",
        (Choice("1", "Refractory disease only", is_true("is_refractory")),),
        sidebar=5,
        admin=8,
    ),
    # What a trial requires to have failed (issue 14, point 4): the refractory reading's drug
    # and class slugs with their classes (trials/loading/columns.failed_therapies), in words
    # "Failed methotrexate", "Failed a biologic".
    Facet(
        "prior_therapy",
        "Prior treatment",
        Kind.MULTI,
        "prior_therapies",
        label_of=labels.failed_label,
        accepts=labels.is_therapy,
        sidebar=6,
        admin=9,
    ),
    Facet("registry", "Source registry", Kind.MULTI, "registries", sidebar=11, admin=7),
)


def declared() -> tuple[Facet, ...]:
    """Every facet, in the API's order."""
    return FACETS


def get(name: str) -> Facet | None:
    return next((facet for facet in FACETS if facet.name == name), None)


def label(name: str, value: str) -> str:
    """A facet value in words (`PHASE2` → Phase 2, `ES` → Spain)."""
    facet = get(name)
    return facet.label(value) if facet else value
