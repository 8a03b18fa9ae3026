"""Top-level URLs: the public information pages, the referral app and the staff admin."""

from django.contrib import admin
from django.urls import include, path

from clinic.pages import urlpatterns_for_pages

admin.site.site_header = "Ketamine Infusion Program: staff"
admin.site.site_title = "Referral review"
admin.site.index_title = "Referral review"

urlpatterns = [
    *urlpatterns_for_pages(),
    path("", include("referrals.urls")),
    path("staff/", admin.site.urls),
]

handler400 = "clinic.views.bad_request"
handler403 = "clinic.views.permission_denied"
handler404 = "clinic.views.page_not_found"
handler500 = "clinic.views.server_error"
