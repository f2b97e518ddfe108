"""casework deployed as deploy/ ships it: the systemd units pass systemd-analyze, and casework runs
the way they and the nginx site run it (gunicorn with the unit's command line and the settings of
deploy/env.example, behind Debian's nginx with deploy/nginx/casework.conf) and is used over
HTTPS from 127.0.0.2 while nginx reaches gunicorn from 127.0.0.1, so the records show whose
address casework believed.

nginx is installed if missing (as root: apt-get install nginx); without root the tests are
skipped, except in CI, where they fail. ``.ci/run`` runs them in its SQLite run only: they make
their own SQLite database, so the PostgreSQL run would repeat them unchanged."""
from __future__ import annotations

import contextlib
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from requests.adapters import HTTPAdapter

pytestmark = pytest.mark.deploy

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CLIENT_ADDRESS = "127.0.0.2"  # loopback answers any 127.x source; nginx itself comes from 127.0.0.1
SPOOFED_ADDRESS = "6.6.6.6"
HSTS = "max-age=31536000; includeSubDomains"
ONE_MB = 1024 * 1024  # nginx's "1m"
TIMEOUT = 10  # seconds, for any one request or wait


def missing(what: str, how: str):
    """Fail in CI (which installs everything), skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing in CI: {how}")
    pytest.skip(f"{what} is missing: {how}")


# --- The systemd units ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def systemd_analyze():
    path = shutil.which("systemd-analyze", path=SYSTEM_PATH)
    if path is None:
        missing("systemd-analyze", "apt-get install systemd")
    return path


@pytest.fixture(scope="module")
def units(tmp_path_factory):
    """Copies of the units whose programs are this checkout's (the real /opt/casework is not
    here), so that systemd-analyze checks that every ExecStart names an executable."""
    folder = tmp_path_factory.mktemp("units")
    for unit in sorted(DEPLOY.glob("casework*.service")) + sorted(DEPLOY.glob("casework*.timer")):
        (folder / unit.name).write_text(unit.read_text().replace("/opt/casework/.venv/bin/", f"{ROOT}/.venv/bin/"))
    return sorted(folder.iterdir())


def test_systemd_units_verify_and_are_hardened(systemd_analyze, units):
    names = [unit.name for unit in units]
    assert names == ["casework-backup.service", "casework-backup.timer", "casework-scheduler.service",
                     "casework.service"]
    verify = subprocess.run([systemd_analyze, "verify", *map(str, units)], capture_output=True, text=True,
                            timeout=60, check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    # Unknown keys and bad values are only warnings to systemd: any output at all fails.
    assert verify.stdout + verify.stderr == ""

    for unit in units:
        if unit.suffix != ".service":
            continue
        security = subprocess.run([systemd_analyze, "security", "--offline=true", str(unit)],
                                  capture_output=True, text=True, timeout=60, check=False)
        level = re.search(r"Overall exposure level for \S+: ([\d.]+)", security.stdout)
        assert level, security.stdout + security.stderr
        # systemd's scale runs from 0 (safe) to 10 (unsafe); below 2 it calls a service "OK".
        assert float(level.group(1)) < 2.0, f"{unit.name}: {level.group(0)}"


# --- casework behind nginx --------------------------------------------------------------------


@pytest.fixture(scope="module")
def nginx():
    path = shutil.which("nginx", path=SYSTEM_PATH)
    if path is None:
        if os.geteuid() != 0:
            missing("nginx", "apt-get install nginx (as root) to run the deployment tests")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update", "-qq"],
                        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "nginx"]):
            subprocess.run(command, env=env, stdin=subprocess.DEVNULL, check=True, timeout=600)
        path = shutil.which("nginx", path=SYSTEM_PATH)
        assert path, "apt-get installed nginx, but there is no nginx command"
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def site_config(ports: SimpleNamespace, paths: SimpleNamespace) -> str:
    """deploy/nginx/casework.conf with this machine's ports and paths in place of the server's:
    every other line is the shipped text."""
    text = (DEPLOY / "nginx" / "casework.conf").read_text()
    replacements = [
        # (shipped text, here, how many times it appears)
        ("listen 80;", f"listen 127.0.0.1:{ports.http};", 1),
        ("listen 443 ssl;", f"listen 127.0.0.1:{ports.https} ssl;", 1),
        ("listen [::]:80;", "", 1),  # IPv4 loopback is enough here
        ("listen [::]:443 ssl;", "", 1),
        ("server_name casework.example.org;", "server_name 127.0.0.1;", 2),
        ("/etc/letsencrypt/live/casework.example.org/", f"{paths.tls}/", 2),
        ("/var/log/nginx/", f"{paths.logs}/", 2),
        ("root /var/www/html;", f"root {paths.acme};", 1),
        ("alias /opt/casework/casework/static/;", f"alias {ROOT}/casework/static/;", 1),
        # The same address as casework.service's gunicorn --bind.
        ("proxy_pass http://127.0.0.1:8000;", f"proxy_pass http://127.0.0.1:{ports.app};", 2),
    ]
    for shipped, here, count in replacements:
        assert text.count(shipped) == count, shipped
        text = text.replace(shipped, here)
    left = re.sub(r"#.*", "", text)
    for server_only in ("example.org", "/opt/", "/etc/", "/var/", ":8000"):
        assert server_only not in left, f"{server_only} is left in the site the test runs"
    return text


def main_config(paths: SimpleNamespace, site: Path) -> str:
    """The part of Debian's /etc/nginx/nginx.conf a site lives in, with its TLS and gzip
    defaults (which the site must override), and everything written in the tmp folder."""
    # As root, nginx's workers would otherwise run as nobody, who cannot enter the tmp folders.
    user = f"user {pwd.getpwuid(os.getuid()).pw_name};" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {kind}_temp_path {paths.nginx}/{kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                                 "uwsgi", "scgi"))
    return f"""{user}
worker_processes 1;
events {{ worker_connections 64; }}
http {{
    sendfile on;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    gzip on;
    access_log {paths.logs}/access.log;
{temp}
    include {site};
}}
"""


def nginx_command(nginx: str, paths: SimpleNamespace, *args: str) -> list[str]:
    return [nginx, "-p", f"{paths.nginx}/", "-c", str(paths.nginx / "nginx.conf"), "-e", str(paths.logs / "error.log"),
            "-g", f"daemon off; pid {paths.nginx}/nginx.pid;", *args]


def read_env_file(path: Path) -> dict[str, str]:
    """NAME=value lines, as systemd's EnvironmentFile= reads the shipped example."""
    lines = [line.strip() for line in path.read_text().splitlines()]
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def service_environment(database: Path) -> dict[str, str]:
    """The shipped settings, with this run's database and a key of its own (so nothing is written
    into the checkout's instance folder), and nothing inherited from the shell."""
    inherited = {name: value for name, value in os.environ.items()
                 if not name.startswith(("CASEWORK_", "MAIL_", "DATABASE_URL", "SECRET_KEY", "FLASK_"))}
    settings = read_env_file(DEPLOY / "env.example")
    assert settings["CASEWORK_TRUSTED_PROXIES"] == "1"
    return {**inherited, **settings, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": secrets.token_hex(32)}


def gunicorn_command(port: int, access_log: Path) -> list[str]:
    """casework.service's ExecStart, on this checkout's gunicorn and a free port, with an access
    log (which the unit leaves off) to show which requests reached gunicorn, the address their
    connection came from (before ProxyFix) and the X-Forwarded-For nginx sent."""
    unit = (DEPLOY / "casework.service").read_text()
    command = shlex.split(re.search(r"^ExecStart=(.*)$", unit, re.MULTILINE).group(1))
    assert command[0] == "/opt/casework/.venv/bin/gunicorn" and "127.0.0.1:8000" in command
    command[0] = str(ROOT / ".venv" / "bin" / "gunicorn")
    command[command.index("127.0.0.1:8000")] = f"127.0.0.1:{port}"
    return [*command, "--access-logfile", str(access_log), "--access-logformat",
            'peer=%({werkzeug.proxy_fix.orig}e)s forwarded-for=%({x-forwarded-for}i)s "%(r)s" %(s)s']


def start(command: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    """A process in a session (and process group) of its own, its output in ``log``."""
    with log.open("ab") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=output,
                                stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the whole group (gunicorn's master and workers, nginx's master and worker),
    then SIGKILL to whatever is left of it."""
    with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(TIMEOUT)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(TIMEOUT)


def wait_until(condition, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s waiting for {what}")
        time.sleep(0.05)


class FromClientAddress(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (CLIENT_ADDRESS, 0)
        super().init_poolmanager(*args, **kwargs)


def client(trust: Path) -> requests.Session:
    """A browser at 127.0.0.2 that trusts the test's certificate, sends a forged X-Forwarded-For
    with every request, and uses no proxy from the environment."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(trust)
    session.headers["X-Forwarded-For"] = SPOOFED_ADDRESS
    for scheme in ("http://", "https://"):
        session.mount(scheme, FromClientAddress())
    return session


def csrf_token(page: str) -> str:
    return input_value(page, "csrf_token")


def input_value(page: str, name: str) -> str:
    return re.search(rf'<input[^>]* name="{name}"[^>]* value="([^"]*)"', page).group(1)


@pytest.fixture(scope="module")
def deployment(nginx, tmp_path_factory):
    """casework's database, a worker and a family of theirs; gunicorn and nginx as deployed."""
    tmp = tmp_path_factory.mktemp("deploy")
    paths = SimpleNamespace(tls=tmp / "tls", logs=tmp / "logs", acme=tmp / "acme", nginx=tmp / "nginx",
                            database=tmp / "casework.sqlite3", gunicorn_log=tmp / "gunicorn-access.log")
    for folder in (paths.tls, paths.logs, paths.acme, paths.nginx):
        folder.mkdir()
    ports = SimpleNamespace(http=free_port(), https=free_port(), app=free_port())

    # What certbot leaves in /etc/letsencrypt/live/NAME/, self-signed for 127.0.0.1.
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(paths.tls / "privkey.pem"), "-out", str(paths.tls / "fullchain.pem")],
                   check=True, capture_output=True, timeout=TIMEOUT)
    site = paths.nginx / "casework.conf"
    site.write_text(site_config(ports, paths))
    (paths.nginx / "nginx.conf").write_text(main_config(paths, site))

    env = service_environment(paths.database)
    flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "casework"]
    password = secrets.token_urlsafe(18)
    for command in (["init-db"], ["create-user", "wendy@example.org", "--name", "Wendy Worker", "--role", "worker",
                                  "--team", "North", "--password", password]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=60)

    processes = {}
    try:
        # gunicorn tells systemd it is ready (casework.service is Type=notify): listen as systemd would.
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
            notify.bind(str(tmp / "notify"))
            notify.settimeout(30)
            log = tmp / "gunicorn.log"
            processes[log] = start(gunicorn_command(ports.app, paths.gunicorn_log), log,
                                   {**env, "NOTIFY_SOCKET": str(tmp / "notify")})
            try:
                ready = notify.recv(4096)
            except TimeoutError:
                ready = b""
            assert ready.startswith(b"READY=1"), log.read_text()
        log = paths.logs / "error.log"
        processes[log] = start(nginx_command(nginx, paths), log)

        base = f"https://127.0.0.1:{ports.https}"
        browser = client(paths.tls / "fullchain.pem")

        def healthy():
            for log, process in processes.items():
                assert process.poll() is None, log.read_text()
            try:
                return browser.get(f"{base}/healthz", timeout=TIMEOUT).status_code == 200
            except (requests.ConnectionError, requests.Timeout):  # still starting: a busy machine is slow
                return False

        wait_until(healthy, "casework to answer through nginx", timeout=90)

        token = browser.post(f"{base}/api/v1/tokens", json={"email": "wendy@example.org", "password": password},
                             timeout=TIMEOUT)
        assert token.status_code == 201, token.text
        referral = {"household_name": "Smith household", "postcode": "LS6 2AB",
                    "referral_date": time.strftime("%Y-%m-%d", time.localtime(time.time() - 3 * 86400)),
                    "concerns": ["neglect_physical"],
                    "children": [{"first_name": "Amy", "date_of_birth": "2018-03-01"}]}
        family = browser.post(f"{base}/api/v1/families", json=referral, timeout=TIMEOUT,
                              headers={"Authorization": f"Bearer {token.json()['token']}"})
        assert family.status_code == 201, family.text
        yield SimpleNamespace(base=base, http=f"http://127.0.0.1:{ports.http}", ports=ports, paths=paths, nginx=nginx,
                              email="wendy@example.org", password=password, family=family.json(),
                              client=lambda: client(paths.tls / "fullchain.pem"))
    finally:
        for process in processes.values():
            stop(process)


def database_rows(deployment, sql: str) -> list[tuple]:
    with sqlite3.connect(deployment.paths.database, timeout=TIMEOUT) as connection:
        return connection.execute(sql).fetchall()


def reached_gunicorn(deployment, marker: str) -> bool:
    """Whether gunicorn's access log has a request carrying ``marker`` in its query string, once a
    later request (which does reach it) is logged: requests are logged in the order served."""
    done = secrets.token_hex(4)
    assert deployment.client().get(f"{deployment.base}/healthz?done={done}", timeout=TIMEOUT).status_code == 200
    log = deployment.paths.gunicorn_log
    wait_until(lambda: f"done={done}" in log.read_text(), "gunicorn's access log")
    return marker in log.read_text()


def test_nginx_accepts_the_site_without_a_warning(deployment):
    check = subprocess.run(nginx_command(deployment.nginx, deployment.paths, "-t"), capture_output=True, text=True,
                           timeout=TIMEOUT, check=False)
    output = check.stdout + check.stderr
    assert check.returncode == 0 and "test is successful" in output, output
    assert "[warn]" not in output and "[emerg]" not in output, output


def test_a_worker_signs_in_and_logs_a_visit_over_https_and_the_records_carry_their_address(deployment):
    browser = deployment.client()
    login = f"{deployment.base}/login"
    form = browser.get(login, timeout=TIMEOUT)
    assert form.status_code == 200
    # Flask-WTF checks the Referer over HTTPS, against the host nginx passes on.
    browser.headers["Referer"] = login

    wrong = browser.post(login, timeout=TIMEOUT, data={"csrf_token": csrf_token(form.text),
                                                       "email": deployment.email, "password": "not the password"})
    assert wrong.status_code == 200, wrong.text
    assert "The e-mail address or password is not right." in wrong.text

    signed_in = browser.post(login, timeout=TIMEOUT, allow_redirects=False,
                             data={"csrf_token": csrf_token(wrong.text), "email": deployment.email,
                                   "password": deployment.password})
    assert signed_in.status_code == 302, signed_in.text
    cookie = signed_in.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
    home = browser.get(f"{deployment.base}/", timeout=TIMEOUT)
    assert home.url.startswith(deployment.base) and "Smith household" in home.text

    family = deployment.family
    new_visit = f"{deployment.base}/families/{family['id']}/visits/new"
    page = browser.get(new_visit, timeout=TIMEOUT)
    assert page.status_code == 200
    today = input_value(page.text, "date")  # the app's today, filled in as for a browser
    child = family["children"][0]["id"]
    logged = browser.post(new_visit, timeout=TIMEOUT, allow_redirects=False,
                          headers={"Referer": new_visit},
                          data={"csrf_token": csrf_token(page.text), "date": today, "kind": "home_visit",
                                "outcome": "completed", "duration_minutes": "45", "children_seen": str(child),
                                "notes": "Amy showed me her room."})
    assert logged.status_code == 302, logged.text
    assert "recorded" in browser.get(deployment.base + logged.headers["Location"], timeout=TIMEOUT).text

    worker = database_rows(deployment, "SELECT id FROM users WHERE email = 'wendy@example.org'")[0][0]
    assert database_rows(deployment, "SELECT user_id, ip FROM audit_events "
                                     "WHERE action = 'create' AND record_type = 'visits'") == [(worker, CLIENT_ADDRESS)]
    assert database_rows(deployment, "SELECT ip FROM login_attempts WHERE NOT succeeded") == [(CLIENT_ADDRESS,)]
    assert database_rows(deployment, "SELECT ip FROM audit_events "
                                     "WHERE action = 'sign_in_failed'") == [(CLIENT_ADDRESS,)]
    # Every record a request made, the API's included, has the client's address: not nginx's, not the forged one.
    assert database_rows(deployment, "SELECT DISTINCT ip FROM audit_events WHERE ip IS NOT NULL "
                                     "UNION SELECT DISTINCT ip FROM login_attempts") == [(CLIENT_ADDRESS,)]
    # The two addresses differ, so the records could tell them apart: every connection gunicorn
    # took came from nginx, which forwarded the client's address alone.
    for line in deployment.paths.gunicorn_log.read_text().splitlines():
        assert "'REMOTE_ADDR': '127.0.0.1'" in line and f"forwarded-for={CLIENT_ADDRESS} " in line, line


def test_plain_http_is_sent_to_https_and_answers_certificate_renewals(deployment):
    browser = deployment.client()
    answer = browser.get(f"{deployment.http}/families?page=2", allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code == 301
    assert answer.headers["Location"] == "https://127.0.0.1/families?page=2"

    challenge = deployment.paths.acme / ".well-known" / "acme-challenge"
    challenge.mkdir(parents=True, exist_ok=True)
    (challenge / "token-1").write_text("token-1.thumbprint")
    renewal = browser.get(f"{deployment.http}/.well-known/acme-challenge/token-1", allow_redirects=False,
                          timeout=TIMEOUT)
    assert (renewal.status_code, renewal.text) == (200, "token-1.thumbprint")


def handshake(deployment, version: ssl.TLSVersion, ciphers: str | None = None) -> tuple[str, str]:
    """The TLS version and cipher agreed by a client offering only ``version`` (and ``ciphers``)."""
    context = ssl.create_default_context(cafile=deployment.paths.tls / "fullchain.pem")
    context.minimum_version = context.maximum_version = version
    if ciphers:
        context.set_ciphers(ciphers)
    with socket.create_connection(("127.0.0.1", deployment.ports.https), timeout=TIMEOUT) as raw, \
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        return tls.version(), tls.cipher()[0]


def test_tls_is_mozillas_intermediate_configuration(deployment):
    assert handshake(deployment, ssl.TLSVersion.TLSv1_3)[0] == "TLSv1.3"
    version, cipher = handshake(deployment, ssl.TLSVersion.TLSv1_2)
    assert version == "TLSv1.2" and cipher.startswith("ECDHE-") and cipher.endswith(("GCM-SHA256", "GCM-SHA384",
                                                                                     "CHACHA20-POLY1305"))
    # A CBC cipher, which Debian's default list (HIGH:!aNULL:!MD5) would take, is refused.
    with pytest.raises(ssl.SSLError):
        handshake(deployment, ssl.TLSVersion.TLSv1_2, "ECDHE-ECDSA-AES256-SHA384")


def test_pages_carry_one_hsts_header_are_not_cached_or_compressed(deployment):
    page = deployment.client().get(f"{deployment.base}/login", timeout=TIMEOUT)
    # requests joins repeated headers with ", ": one exact value means one header.
    assert page.headers["Strict-Transport-Security"] == HSTS
    assert page.headers["Cache-Control"] == "no-store"
    assert "Content-Encoding" not in page.headers
    assert page.headers["Server"] == "nginx"


def test_static_files_come_from_nginx_with_a_day_of_caching(deployment):
    marker = secrets.token_hex(4)
    css = deployment.client().get(f"{deployment.base}/static/casework.css?probe={marker}", timeout=TIMEOUT)
    assert css.status_code == 200
    assert css.content == (ROOT / "casework" / "static" / "casework.css").read_bytes()
    assert css.headers["Content-Type"] == "text/css"
    assert css.headers["Content-Encoding"] == "gzip"
    assert css.headers["Cache-Control"] == "max-age=86400" and "Expires" in css.headers
    assert css.headers["Strict-Transport-Security"] == HSTS
    assert not reached_gunicorn(deployment, marker)


def test_a_body_over_1_mb_is_refused_by_nginx_and_1_mb_is_passed_on(deployment):
    browser = deployment.client()
    too_large, api_too_large, just_fits = (secrets.token_hex(4) for _ in range(3))

    page = browser.post(f"{deployment.base}/login?probe={too_large}", data=b"x" * (ONE_MB + 1), timeout=TIMEOUT,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert page.status_code == 413 and "nginx" in page.text
    assert page.headers["Strict-Transport-Security"] == HSTS

    api = browser.post(f"{deployment.base}/api/v1/families?probe={api_too_large}", data=b"x" * (ONE_MB + 1),
                       timeout=TIMEOUT, headers={"Content-Type": "application/json"})
    assert api.status_code == 413
    assert api.headers["Content-Type"] == "application/json"
    assert api.json() == {"error": "The request body is larger than 1 MB."}

    browser.post(f"{deployment.base}/login?probe={just_fits}", data=b"x" * ONE_MB, timeout=TIMEOUT,
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reached_gunicorn(deployment, just_fits)
    assert not reached_gunicorn(deployment, too_large) and not reached_gunicorn(deployment, api_too_large)


def test_the_access_log_keeps_no_query_strings(deployment):
    marker = secrets.token_hex(4)
    deployment.client().get(f"{deployment.base}/families?q=Amy{marker}", timeout=TIMEOUT)
    log = deployment.paths.logs / "casework.access.log"
    wait_until(lambda: '"GET /families HTTP/1.1" 302' in log.read_text(), "nginx's access log")
    assert marker not in log.read_text()
