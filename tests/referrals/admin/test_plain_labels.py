"""Plain labels (issue 14): the policy form and the admin's sections read as a clinic would say them."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_policy_form_labels_are_plain(staff_client, clinic_admin):
    page = staff_client(clinic_admin).get(reverse("admin:referrals_screeningpolicy_add")).content.decode()
    for raw in ("Bp severe systolic", "Bmi limit", "Pc ptsd5 cutoff", "Ecg age"):
        assert raw not in page, raw
    assert "Severe blood pressure: top number (systolic, mmHg)" in page
    assert "Body mass index (BMI) limit" in page
    assert "PTSD screen (PC-PTSD-5): positive from this score" in page


@pytest.mark.django_db
def test_admin_sections_have_clinic_names(staff_client, superuser):
    page = staff_client(superuser).get(reverse("admin:index")).content.decode()
    for raw in ("Axes", "AXES", "OTP_TOTP", "Otp_Totp", "OTP_STATIC"):
        assert f">{raw}<" not in page, raw
    assert "Sign-in lockouts" in page
    assert "Staff sign-in and roles" in page
    assert "Audit trail" in page
    from django.apps import apps

    # Not listed on this site (devices are managed on the staff accounts page), but named plainly too.
    assert apps.get_app_config("otp_totp").verbose_name == "Authenticator apps"
    assert apps.get_app_config("otp_static").verbose_name == "Recovery codes"
