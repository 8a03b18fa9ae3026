"""gunicorn settings read from the working directory: WSGI sync workers and an access log without PHI.

The access log records the path only (`%(U)s`), never the query string (`%(q)s`, or `%(r)s` which
contains it) nor the Referer (`%(f)s`), because the staff admin's search and filter query strings
may carry a patient's name or date of birth. Command-line flags (bind, workers, TLS) override these.
"""

wsgi_app = "clinic.wsgi:application"
worker_class = "sync"
# gunicorn 27 otherwise opens one control socket, ~/.gunicorn/gunicorn.ctl, shared by every instance.
control_socket_disable = True
accesslog = "-"
access_log_format = '%(h)s - - %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
# Refuse oversized request lines and headers early (the body is capped by Django: MAX_REQUEST_BYTES).
limit_request_line = 8190
limit_request_fields = 100
timeout = 30
graceful_timeout = 20
