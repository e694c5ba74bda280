"""Django admin: the curators' workshop. The domain work (locks, re-normalizing, mapping,
merging) is in trials.curation; these modules only show things and hand requests to it.

- trial.py: trials, with locks, their child rows and sources;
- filters.py: the trials changelist's filters (one per declared facet, and curation states);
- imports.py: import runs (uploads queued as jobs, live progress, reports);
- queues.py: the unmapped-values queue, value mappings, possible duplicates side by side;
- vocabulary.py: conditions, drugs, drug classes, raw documents;
- forms.py: the curated fields, uploads, mappings and the throttled login.
"""

from django.contrib import admin

# Importing the modules registers their ModelAdmins.
from trials.admin import imports, queues, trial, vocabulary  # noqa: F401
from trials.admin.forms import ThrottledAuthenticationForm
from trials.sync import admin as sync_admin  # noqa: F401

admin.site.login_form = ThrottledAuthenticationForm
admin.site.site_header = "Skin trials portal: curation"
admin.site.site_title = "Skin trials curation"
