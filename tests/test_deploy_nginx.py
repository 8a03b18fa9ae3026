"""docs/deploy.md's nginx configuration stays the one bench/slow_clients.py measures."""

import subprocess

import pytest

from bench import slow_clients


def test_the_bench_config_is_the_documented_one_with_local_ports(tmp_path):
    conf = slow_clients.nginx_conf(tmp_path, 23456, 24567)
    assert "listen 127.0.0.1:23456;" in conf
    assert "server 127.0.0.1:24567 fail_timeout=0;" in conf
    # The directives that keep slow clients away from gunicorn come from the document unchanged.
    for directive in (
        "client_header_timeout 10s;",
        "client_body_timeout   20s;",
        "proxy_request_buffering on;",
        "proxy_buffering on;",
        "client_max_body_size  51m;",
        "log_format clinic_no_query",
    ):
        assert directive in conf
    # Only TLS, the public ports and file paths are swapped for local ones.
    assert "ssl" not in conf and "http2" not in conf and "listen 80" not in conf
    assert "/var/log" not in conf and str(tmp_path / "access.log") in conf


@pytest.mark.skipif(slow_clients.NGINX is None, reason="nginx is not installed")
def test_nginx_accepts_the_documented_config_as_written(tmp_path):
    tmp_path.chmod(0o755)
    assert slow_clients.check_doc_config(tmp_path) == "passes nginx -t"
    conf = tmp_path / "local.conf"
    conf.write_text(slow_clients.nginx_conf(tmp_path, 23456, 24567))
    result = subprocess.run(
        [slow_clients.NGINX, "-t", "-q", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_tls_variant_keeps_the_documented_tls_lines(tmp_path):
    conf = slow_clients.nginx_conf(tmp_path, 23456, 24567, tls=True)
    assert "listen 127.0.0.1:23456 ssl http2;" in conf
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in conf
    assert f"ssl_certificate     {tmp_path / 'cert.pem'};" in conf
    assert "letsencrypt" not in conf and "listen 80" not in conf
