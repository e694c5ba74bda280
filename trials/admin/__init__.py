"""Django admin: the curators' workshop. The domain work (locks, re-normalizing, mapping,
merging) is in trials.curation; these modules only show things and hand requests to it.

- trial.py: trials, with locks, their child rows and sources;
- filters.py: the trials changelist's filters (one per declared facet, and curation states);
- imports.py: import runs (uploads queued as jobs, live progress, reports);
- queues.py: the unmapped-values queue, value mappings, possible duplicates side by side;
- vocabulary.py: conditions, drugs, drug classes, raw documents;
- forms.py: the curated fields, uploads, mappings;
- login.py: the login (failures per account and per address, progressive delays, two factors).
"""

from django.conf import settings
from django.contrib import admin

# Importing the modules registers their ModelAdmins.
from trials.admin import imports, queues, trial, vocabulary  # noqa: F401
from trials.admin.login import LoginForm
from trials.sync import admin as sync_admin  # noqa: F401

admin.site.login_form = LoginForm
_has_permission = admin.site.has_permission


def _verified_staff(request) -> bool:
    """With ADMIN_REQUIRE_2FA, a session counts only once its second factor was checked
    (django_otp's OTPMiddleware says so): a login from before the setting, or by any other path,
    is sent back to the login."""
    if not _has_permission(request):
        return False
    return not settings.ADMIN_REQUIRE_2FA or request.user.is_verified()


admin.site.has_permission = _verified_staff
admin.site.site_header = "Skin trials portal: curation"
admin.site.site_title = "Skin trials curation"
