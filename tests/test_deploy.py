"""Issue 17 item 6: the app listens on localhost; colleagues reach it through nginx with
HTTPS and a login (``deploy/nginx-luspatercept.conf``, README "Department server").

End to end on this machine, on loopback only: Streamlit as ``make run`` starts it, nginx
with the shipped server block (a throwaway self-signed certificate and password file filled
in), then HTTP requests and a real browser through the proxy. nginx and openssl come from the
Makefile's ``debs``; without them the proxy tests are skipped, saying so.
"""
from __future__ import annotations

import base64
import getpass
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.browser_support import CHROMIUM, _free_port, chromium, settle, streamlit_server

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "nginx-luspatercept.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
USER, PASSWORD = "haematology", "correct horse battery staple"

needs_nginx = pytest.mark.skipif(NGINX is None or shutil.which("openssl") is None,
                                 reason="nginx / openssl not installed: `make debs` installs them")


def test_make_run_and_the_config_listen_on_loopback_only():
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert 'address = "127.0.0.1"' in config.split("[server]")[1].split("[")[0]
    makefile = (ROOT / "Makefile").read_text()
    assert "ADDRESS ?= 127.0.0.1" in makefile and "streamlit run app.py --server.address $(ADDRESS)" in makefile


def _outward_address() -> str | None:
    """This machine's address on its default route (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("10.255.255.255", 9))
            address = sock.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_the_server_started_with_the_config_answers_on_loopback_and_nowhere_else():
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                                "--server.fileWatcherType", "none"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("streamlit did not start")
        outward = _outward_address()
        if outward is None:
            pytest.skip("this machine has no non-loopback address to test against")
        with socket.socket() as sock:
            sock.settimeout(3)
            assert sock.connect_ex((outward, port)) != 0, f"the app answers on {outward}:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def nginx_proxy(upstream_port: int, folder: Path):
    """nginx with the shipped server block on a free loopback port; yields the https URL."""
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    hashed = subprocess.run(["openssl", "passwd", "-6", PASSWORD], check=True, capture_output=True,
                            text=True).stdout.strip()
    (folder / "htpasswd").write_text(f"{USER}:{hashed}\n")
    port = _free_port()
    server = TEMPLATE.read_text()
    for name, value in {"LISTEN": f"127.0.0.1:{port}", "SERVER_NAME": "localhost", "CERTIFICATE": cert,
                        "CERTIFICATE_KEY": key, "HTPASSWD": folder / "htpasswd", "UPSTREAM_PORT": upstream_port,
                        "ACCESS_LOG": folder / "access.log"}.items():
        server = server.replace(f"@{name}@", str(value))
    assert not re.search(r"@[A-Z_]+@", server)  # every placeholder filled
    (folder / "server.conf").write_text(server)
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{\n client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy;\n"
        f" fastcgi_temp_path {folder}/fcgi; uwsgi_temp_path {folder}/uwsgi; scgi_temp_path {folder}/scgi;\n"
        f" include {folder}/server.conf;\n}}\n")
    check = subprocess.run([NGINX, "-t", "-p", str(folder), "-c", str(folder / "nginx.conf")], capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"https://localhost:{port}"
    for _ in range(40):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.25)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _get(url: str, credentials: tuple[str, str] | None = None) -> tuple[int, str, dict]:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the test's own certificate
    request = urllib.request.Request(url)
    if credentials:
        request.add_header("Authorization", "Basic " + base64.b64encode(":".join(credentials).encode()).decode())
    try:
        with urllib.request.urlopen(request, context=context, timeout=20) as response:
            return response.status, response.read().decode(errors="replace"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace"), dict(error.headers)


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    with streamlit_server() as upstream:
        upstream_port = int(upstream.rsplit(":", 1)[1])
        with nginx_proxy(upstream_port, tmp_path_factory.mktemp("nginx")) as url:
            yield url


@needs_nginx
def test_the_proxy_asks_every_request_for_a_login(proxied):
    for path in ("/", "/_stcore/health", "/_stcore/stream", "/static/"):
        status, _, headers = _get(proxied + path)
        assert status == 401, path
        assert headers.get("WWW-Authenticate", "").startswith("Basic")
    assert _get(proxied + "/", (USER, "wrong"))[0] == 401
    assert _get(proxied + "/", ("someone", PASSWORD))[0] == 401


@needs_nginx
def test_with_the_login_the_app_comes_through_with_security_headers(proxied):
    status, body, headers = _get(proxied + "/_stcore/health", (USER, PASSWORD))
    assert (status, body.strip()) == (200, "ok")
    status, body, headers = _get(proxied + "/", (USER, PASSWORD))
    assert status == 200 and "<title>Streamlit</title>" in body
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["X-Frame-Options"] == "DENY" and "nginx/" not in headers.get("Server", "")


@needs_nginx
def test_plain_http_on_the_proxy_port_is_refused(proxied):
    port = proxied.rsplit(":", 1)[1]
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    assert status == 400  # "The plain HTTP request was sent to HTTPS port"


@needs_nginx
@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make debs)")
def test_a_colleague_logs_in_and_uses_the_app_through_the_proxy(proxied):
    with chromium() as browser:
        refused = browser.new_context(ignore_https_errors=True)
        assert refused.request.get(proxied + "/").status == 401  # a browser without the login gets nothing
        refused.close()
        context = browser.new_context(ignore_https_errors=True,
                                      http_credentials={"username": USER, "password": PASSWORD})
        page = context.new_page()
        page.goto(proxied + "/")
        settle(page)  # the page runs over the proxied websocket
        assert page.locator("h1").first.inner_text().strip() == "Overview"
        assert page.get_by_text("SYNTHETIC demo cohort").count() >= 1
        page.goto(proxied + "/patients?patient=DEMO-10")  # a link to a patient, through the proxy
        settle(page)
        assert page.locator("h1").first.inner_text().strip() == "Patients"
        assert any("DEMO-10" in h for h in page.locator("h3").all_inner_texts())
        context.close()
