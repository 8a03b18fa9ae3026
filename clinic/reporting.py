"""Error reports that carry no PHI: every posted value and every frame's local variables are hidden.

Django's default filter hides only parameters marked sensitive; here everything a patient typed is
sensitive. Active whenever DEBUG is off (production), so a report mailed to ADMINS or logged by a
handler never contains answers. GET query strings are not filtered by Django's reporter: public
pages take none, and the staff admin's search strings stay on the staff side (see gunicorn.conf.py).
"""

from django.views.debug import SafeExceptionReporterFilter


class PHISafeExceptionReporterFilter(SafeExceptionReporterFilter):
    def get_post_parameters(self, request):
        if request is None:
            return {}
        if not self.is_active(request):
            return request.POST
        return {key: self.cleansed_substitute for key in request.POST}

    def get_traceback_frame_variables(self, request, tb_frame):
        if not self.is_active(request):
            return super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]
