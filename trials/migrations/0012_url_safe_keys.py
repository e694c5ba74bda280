"""Trial keys made URL-safe: a key with a character other than letters, digits and `-._~`
(a CTRI ID's `/`) made building the trial's URL fail. Such keys are rewritten as
trials.loading.columns.url_key now derives them; the old key stays reachable, since it is the
trial's ID (the trial page redirects any ID of a trial to its key). The derivation is copied
here, as a migration must not change when the code does."""

import hashlib
import re

from django.db import migrations

_URL_SAFE = re.compile(r"[A-Za-z0-9._~-]+")
_URL_UNSAFE = re.compile(r"[^A-Za-z0-9._~-]+")


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def _url_key(value: str) -> str:
    safe = _URL_UNSAFE.sub("-", value).strip("-.")[:80].strip("-.")
    return safe or "id-" + _digest(value)


def rewrite_unsafe_keys(apps, schema_editor):
    Trial = apps.get_model("trials", "Trial")
    taken = set(Trial.objects.values_list("key", flat=True))
    unsafe = Trial.objects.exclude(key__regex=r"^[A-Za-z0-9._~-]+$").only("pk", "key")
    for trial in unsafe.iterator():
        key = _url_key(trial.key)
        if key in taken:
            key = f"{key[:80]}-{_digest(trial.key)}"
        taken.add(key)
        Trial.objects.filter(pk=trial.pk).update(key=key)
    # Keys of only dots ("." and "..") are path segments browsers resolve away.
    for trial in Trial.objects.filter(key__regex=r"^\.+$").only("pk", "key"):
        Trial.objects.filter(pk=trial.pk).update(key="id-" + _digest(trial.key))


class Migration(migrations.Migration):
    dependencies = [("trials", "0011_registry_sync")]

    operations = [migrations.RunPython(rewrite_unsafe_keys, migrations.RunPython.noop)]
