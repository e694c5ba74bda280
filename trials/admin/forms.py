"""Forms of the curators' admin: the trial's curated fields, uploads, mappings (the login is
trials/admin/login.py)."""

from __future__ import annotations

import pycountry
from django import forms
from django.core.validators import RegexValidator

from trials.curation import EDITABLE_FIELDS
from trials.models import Condition, Drug, Phase, Sex, Status, StudyType, Trial
from trials.readers import FORMATS

_DATE = RegexValidator(r"^\d{4}-\d{2}(-\d{2})?$", "Use YYYY-MM-DD, or YYYY-MM for a month.")
_BLANK = [("", "—")]


def _provenance_note(trial: Trial, field: str) -> str:
    if field in trial.locked_fields:
        return "🔒 Locked: the curator's value; imports leave it alone."
    source = trial.provenance.get(field)
    if not source:
        return "No source gives it."
    where = " / ".join(filter(None, [source.get("format"), source.get("registry")]))
    return f"From {where}" + (
        f", refreshed {source['refreshed']}" if source.get("refreshed") else ""
    )


class TrialCurationForm(forms.ModelForm):
    """The merged record's editable fields. Saving writes the changed ones into the record and
    locks them (trials.curation.edit_fields); ticked locks are released."""

    title = forms.CharField(required=False, widget=forms.TextInput(attrs={"size": 100}))
    official_title = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    acronym = forms.CharField(required=False)
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}))
    status = forms.ChoiceField(choices=Status.choices)
    phases = forms.MultipleChoiceField(
        choices=Phase.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    study_type = forms.ChoiceField(choices=_BLANK + StudyType.choices, required=False)
    enrollment = forms.IntegerField(min_value=0, required=False)
    registered = forms.CharField(required=False, validators=[_DATE])
    start = forms.CharField(required=False, validators=[_DATE])
    completion = forms.CharField(required=False, validators=[_DATE])
    sponsor = forms.CharField(required=False, widget=forms.TextInput(attrs={"size": 60}))
    sex = forms.ChoiceField(choices=_BLANK + Sex.choices, required=False)
    min_age_years = forms.FloatField(min_value=0, required=False)
    max_age_years = forms.FloatField(min_value=0, required=False)
    healthy_volunteers = forms.NullBooleanField(required=False)
    unlock = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Unlock",
        help_text="Ticked fields take the sources' values again when you save.",
    )

    class Meta:
        model = Trial
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        trial = self.instance
        for name in EDITABLE_FIELDS:
            self.initial[name] = trial.record.get(name)
            self.fields[name].help_text = _provenance_note(trial, name)
        self.fields["unlock"].choices = [(f, f) for f in trial.locked_fields]

    def curated_values(self) -> dict:
        """The edited fields as trial/1 values (blank is null, never "")."""
        values = {}
        for name in self.changed_data:
            if name not in EDITABLE_FIELDS:
                continue
            value = self.cleaned_data[name]
            if name == "phases":
                value = [p for p in Phase.values if p in value]
            elif value == "":
                value = None
            elif isinstance(value, float) and value.is_integer():
                value = int(value)
            values[name] = value
        return values


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("allow_empty_file", True)  # the importer reports it, as for any file
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple) and data:
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data or None, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        help_text="Registry documents: CT.gov JSON, ICTRP XML, saved pages, or a ZIP of them."
    )
    format = forms.ChoiceField(
        choices=[("", "detect from the content")] + [(f, f) for f in sorted(FORMATS)],
        required=False,
    )
    keep_all = forms.BooleanField(
        required=False, label="Keep out-of-scope trials too (no skin condition)"
    )


class MapValueForm(forms.Form):
    """Map one unmapped spelling: to an existing term or value, or (conditions, drugs) a new
    term."""

    kind = forms.ChoiceField(
        choices=[(k, k) for k in ("condition", "drug", "status", "phase", "country")]
    )
    raw = forms.CharField(max_length=500)
    target = forms.CharField(required=False, max_length=100)
    new_label = forms.CharField(required=False, max_length=200)

    def clean(self):
        data = super().clean()
        kind, target = data.get("kind"), (data.get("target") or "").strip()
        label = (data.get("new_label") or "").strip()
        if kind in ("condition", "drug"):
            model = Condition if kind == "condition" else Drug
            if not label and not model.objects.filter(slug=target).exists():
                raise forms.ValidationError(f"Choose a {kind} term, or name a new one.")
        elif kind == "status" and target not in Status.values:
            raise forms.ValidationError("Choose a status.")
        elif kind == "phase":
            phases = [p for p in target.split(",") if p]
            if any(p not in Phase.values for p in phases):
                raise forms.ValidationError("Choose phases.")
            target = ",".join(p for p in Phase.values if p in phases)
        elif kind == "country":
            country = pycountry.countries.get(alpha_2=target.upper()) if target else None
            if country is None:
                raise forms.ValidationError("Choose a country (ISO 3166-1 alpha-2 code).")
            target = country.alpha_2
        data["target"], data["new_label"] = target, label
        return data
