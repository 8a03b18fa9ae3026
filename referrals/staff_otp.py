"""Staff TOTP devices: the demo enrolment seed_demo uses, and the current code for a device."""

import time
from base64 import b32encode

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

DEMO_DEVICE_NAME = "Demo authenticator"


def ensure_demo_device(user) -> tuple[str, str, str]:
    """Give a demo user one confirmed TOTP device (idempotent); return (key_hex, otpauth_uri, base32).

    Only for development demo users: seed_demo refuses to run outside development, and no code path
    signs anyone in without a code. Print the base32 secret or the otpauth URI so a person can add
    it to an authenticator app (or compute codes with `current_code`).
    """
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name=DEMO_DEVICE_NAME, defaults={"confirmed": True}
    )
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return device.key, device.config_url, b32encode(device.bin_key).decode()


def current_code(device: TOTPDevice, *, at: float | None = None) -> str:
    """The code an authenticator app shows now for this device (one the device has not used yet).

    TOTP refuses a code from a time step already used, so if this step is spent the next step's code
    is returned; the device's default tolerance of one step accepts it.
    """
    now = time.time() if at is None else at
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = now
    if totp.t() <= device.last_t:
        totp.time = now + device.step * (device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"
