"""`manage.py add_totp USER`: give a staff account a TOTP device for the admin's second factor
(ADMIN_REQUIRE_2FA=1) and print its otpauth:// address, to add to an authenticator app (typed,
or as a QR code made from it). `--replace` removes the account's earlier TOTP devices first."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Give a staff user a TOTP device for the admin login and print its otpauth:// URI."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="authenticator", help="the device's name")
        parser.add_argument(
            "--replace", action="store_true", help="remove the user's other TOTP devices first"
        )

    def handle(self, username, name, replace, **options):
        users = get_user_model()._default_manager
        try:
            user = users.get_by_natural_key(username)
        except users.model.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        if not user.is_staff:
            raise CommandError(f"{username!r} is not staff: only the admin asks for a code.")
        if replace:
            TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
        self.stdout.write(device.config_url)
        self.stderr.write(
            f"Add this address to {username}'s authenticator app; keep it secret: it is the key."
        )
