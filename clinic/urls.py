"""Top-level URLs: the public information pages, the referral app and the staff admin."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from clinic.pages import urlpatterns_for_pages

admin.site.site_header = "Ketamine Infusion Program: staff"
admin.site.site_title = "Referral review"
admin.site.index_title = "Referral review"

# The patient's pages in every language: English unprefixed, Spanish under /es/. Staff work in
# English at /staff/ only.
urlpatterns = [
    *i18n_patterns(
        *urlpatterns_for_pages(),
        path("", include("referrals.urls")),
        prefix_default_language=False,
    ),
    path("staff/", admin.site.urls),
]

handler400 = "clinic.views.bad_request"
handler403 = "clinic.views.permission_denied"
handler404 = "clinic.views.page_not_found"
handler500 = "clinic.views.server_error"
