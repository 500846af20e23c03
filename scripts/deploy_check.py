#!/usr/bin/env python
"""`make deploy-check`: start the production stack of deploy/ on this machine and smoke-test it through nginx.

What runs is what deploy/ describes, not a copy of it: the ExecStart lines of deploy/systemd/*.service (with
/opt/ecredit, /run/ecredit and /var/lib/ecredit moved into a scratch folder), deploy/ecredit.env's variables (the
database moved to a scratch PostgreSQL database on loopback), and deploy/nginx/ecredit.conf with its placeholders
filled (local ports, a self-signed certificate). Steps: `check --deploy` must be clean; migrate; collectstatic; a
small demo city; web (gunicorn on a unix socket), worker and nginx started; then requests through nginx over TLS;
then the daily jobs and a backup. Everything is stopped and the scratch database dropped at the end.
Exit status 0 when every check passed. Needs PostgreSQL on 127.0.0.1:5432 (trust auth) and nginx.
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import json
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
VENV = Path(os.environ.get("VENV", ROOT / ".venv")).resolve()
PG = os.environ.get("ECREDIT_DEPLOY_PG", "postgresql://postgres@127.0.0.1:5432")
DB_NAME = "ecredit_deploy_check"
HOST = "credit.deploy-check.test"
results: list[tuple[str, bool, str]] = []


def check(name: str, ok: bool, detail: str = "") -> bool:
    results.append((name, ok, detail))
    print(f"  {'ok  ' if ok else 'FAIL'} {name}{'  — ' + detail if detail else ''}", flush=True)
    return ok


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_file() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "ecredit.env").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def exec_start(unit: str, moves: dict[str, str]) -> list[str]:
    """The unit's ExecStart, with the deployment's paths moved into the scratch folder."""
    text = (DEPLOY / "systemd" / unit).read_text()
    line = re.search(r"^ExecStart=(.+)$", text, re.M).group(1)
    for old, new in moves.items():
        line = line.replace(old, new)
    return shlex.split(line.replace("%%", "%"))


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG}/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                   capture_output=True)


def self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "tls.crt", folder / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class Client:
    """HTTP(S) to nginx on loopback, sending the deployment's host name (SNI and Host), keeping cookies."""

    def __init__(self, https_port: int, http_port: int) -> None:
        self.https_port, self.http_port = https_port, http_port
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE   # our own self-signed certificate
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx),
                                                  urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def request(self, path: str, *, data: bytes | None = None, headers: dict | None = None, https: bool = True,
                host: str = HOST):
        port = self.https_port if https else self.http_port
        url = f"{'https' if https else 'http'}://127.0.0.1:{port}{path}"
        req = urllib.request.Request(url, data=data, headers={"Host": host, **(headers or {})})
        try:
            with self.opener.open(req, timeout=30) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()


def wait_for(predicate, seconds: float, what: str) -> bool:
    end = time.time() + seconds
    while time.time() < end:
        try:
            if predicate():
                return True
        except Exception:
            pass
        time.sleep(0.5)
    return check(what, False, f"not ready after {seconds:.0f} s")


def smoke(client: Client, static_name: str, code_now) -> None:
    status, headers, body = client.request("/api/v1/health")
    check("health through nginx over TLS", status == 200 and b"ok" in body, f"{status}")
    status, headers, _ = client.request("/", https=False)
    check("plain HTTP is redirected to HTTPS", status == 301 and headers.get("Location", "").startswith("https://"),
          f"{status} {headers.get('Location')}")
    status, headers, body = client.request("/")
    check("portal home page", status == 200 and "信用".encode() in body, f"{status}")
    hsts = headers.get("Strict-Transport-Security", "")
    check("HSTS header", "max-age=31536000" in hsts, hsts)
    check("nosniff and frame headers", headers.get("X-Content-Type-Options") == "nosniff"
          and headers.get("X-Frame-Options") in {"DENY", "SAMEORIGIN"},
          f"{headers.get('X-Content-Type-Options')} {headers.get('X-Frame-Options')}")
    check("nginx hides its version", headers.get("Server", "") == "nginx", headers.get("Server", ""))
    status, headers, body = client.request(f"/static/{static_name}")
    check("static files served by nginx", status == 200 and len(body) > 0 and "Cache-Control" in headers,
          f"{status} {static_name}")
    status, _, body = client.request("/no-such-page/")
    check("404 without a debug page", status == 404 and b"Traceback" not in body and b"DEBUG" not in body, f"{status}")
    status, _, _ = client.request("/", host="evil.example")
    check("unknown Host refused", status == 400, f"{status}")

    # Console login: CSRF cookie (Secure), form post, session.
    status, headers, body = client.request("/console/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    cookies = {c.name: c for c in client.jar}
    check("login page and a Secure CSRF cookie", status == 200 and token is not None
          and "csrftoken" in cookies and cookies["csrftoken"].secure, f"{status}")
    if token:
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1).decode(), "username": "admin",
                                       "password": "Nantong-demo-2026", "next": "/console/"}).encode()
        status, headers, _ = client.request("/console/login/", data=form, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Referer": f"https://{HOST}/console/login/"})
        cookies = {c.name: c for c in client.jar}
        check("console login (session cookie Secure, HttpOnly)", status == 302 and "sessionid" in cookies
              and cookies["sessionid"].secure and cookies["sessionid"].has_nonstandard_attr("HttpOnly"),
              f"{status} {headers.get('Location')}")
        status, headers, _ = client.request("/console/")
        check("the console asks the administrator for the second factor", status == 302
              and headers.get("Location", "").startswith("/console/account/otp/setup"), headers.get("Location", ""))
        second_step(client, code_now)
        status, _, body = client.request("/console/")
        check("console workbench after the second step", status == 200, f"{status}")
    status, _, body = client.request("/api/v1/records/batches",
                                     headers={"Authorization": "Bearer ec_demo_platform_1_token"})
    check("API with a platform token", status == 200 and body.startswith((b"{", b"[")), f"{status}")
    status, _, _ = client.request("/api/v1/records/batches", headers={"Authorization": "Bearer wrong"})
    check("API refuses a bad token", status == 401, f"{status}")
    status, _, body = client.request("/api/v1/openapi.json")
    check("OpenAPI document", status == 200 and json.loads(body).get("openapi", "").startswith("3."), f"{status}")
    lockout(client)


def form_token(client: Client, path: str) -> str:
    status, _, body = client.request(path)
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    return found.group(1).decode() if found else ""


def post_form(client: Client, path: str, fields: dict) -> tuple[int, dict, bytes]:
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": form_token(client, path), **fields}).encode()
    return client.request(path, data=form, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                    "Referer": f"https://{HOST}{path}"})


def second_step(client: Client, code_now) -> None:
    """Set up the administrator's authenticator through nginx: the QR page, then the code the app would show."""
    status, _, body = client.request("/console/account/otp/setup")
    check("authenticator setup page with its QR code", status == 200 and b"<svg" in body, f"{status}")
    status, _, body = post_form(client, "/console/account/otp/setup", {"code": code_now("admin"), "next": "/console/"})
    check("second factor confirmed, backup codes shown once", status == 200 and b"backup-codes" in body,
          f"{status}")


def lockout(client: Client) -> None:
    """Wrong passwords lock the login (last: the lock covers this address too)."""
    statuses = [post_form(client, "/console/login/", {"username": "nobody", "password": "Wrong-pass-1"})[0]
                for _ in range(6)]
    check("repeated wrong passwords lock the login", statuses[-1] == 429, f"{statuses}")


def main() -> int:
    if not shutil.which("nginx"):
        print("nginx is not installed (make deploy-check installs it)", file=sys.stderr)
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="ecredit-deploy-"))
    home, run = scratch / "var", scratch / "run"
    home.mkdir()
    run.mkdir()
    for folder in (scratch, home, run):   # nginx's workers (another user) reach the socket and static files
        folder.chmod(0o755)
    moves = {"/opt/ecredit/.venv": str(VENV), "/opt/ecredit": str(ROOT), "/run/ecredit": str(run),
             "/var/lib/ecredit": str(home)}
    https_port, http_port = free_port(), free_port()
    env = {**os.environ, **{k: v.replace("/var/lib/ecredit", str(home)) for k, v in env_file().items()}}
    env.update(ECREDIT_DATABASE_URL=f"{PG}/{DB_NAME}", ECREDIT_ALLOWED_HOSTS=HOST,
               ECREDIT_PUBLIC_URL=f"https://{HOST}:{https_port}", PYTHONUNBUFFERED="1")
    env.pop("ECREDIT_TASKS", None)
    ecredit = str(VENV / "bin" / "ecredit")
    processes: list[subprocess.Popen] = []
    logs = scratch / "logs"
    logs.mkdir()

    def start(name: str, argv: list[str]) -> subprocess.Popen:
        out = (logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        processes.append(proc)
        return proc

    def step(name: str, argv: list[str], timeout: float = 600) -> bool:
        t0 = time.perf_counter()
        done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        detail = f"{time.perf_counter() - t0:.1f} s"
        if done.returncode != 0:
            detail += "\n" + (done.stdout + done.stderr)[-2000:]
        return check(name, done.returncode == 0, detail)

    print(f"deploy-check in {scratch} (https 127.0.0.1:{https_port}, http {http_port})", flush=True)
    try:
        psql(f"DROP DATABASE IF EXISTS {DB_NAME}")
        psql(f"CREATE DATABASE {DB_NAME}")
        check_deploy = subprocess.run([ecredit, "check", "--deploy", "--fail-level", "WARNING"], env=env, cwd=ROOT,
                                      capture_output=True, text=True)
        check("manage.py check --deploy is clean", check_deploy.returncode == 0
              and "no issues" in check_deploy.stdout, (check_deploy.stdout + check_deploy.stderr).strip()[-1500:])
        web = exec_start("ecredit-web.service", moves)
        pre = re.search(r"^ExecStartPre=(.+)$", (DEPLOY / "systemd" / "ecredit-web.service").read_text(), re.M)
        ok = step("migrate (the web unit's ExecStartPre)", shlex.split(pre.group(1).replace("/opt/ecredit/.venv",
                                                                                               str(VENV))))
        ok = ok and step("collectstatic", [ecredit, "collectstatic", "--noinput", "-v", "0"])
        ok = ok and step("demo city (scale 0.05)", [ecredit, "demo", "--scale", "0.05"])
        if not ok:
            return 1
        static_root = home / "static"
        admin_css = next(static_root.rglob("*.css"), None)
        cert, key = self_signed(scratch)
        conf = (DEPLOY / "nginx" / "ecredit.conf").read_text()
        for name, value in {"@SOCKET@": str(run / "web.sock"), "@HTTP_LISTEN@": f"127.0.0.1:{http_port}",
                            "@HTTPS_LISTEN@": f"127.0.0.1:{https_port}", "@HTTPS_PORT_SUFFIX@": f":{https_port}",
                            "@SERVER_NAME@": HOST, "@CERT@": str(cert), "@CERT_KEY@": str(key),
                            "@STATIC_ROOT@": str(static_root)}.items():
            conf = conf.replace(name, value)
        (scratch / "ecredit.conf").write_text(conf)
        (scratch / "nginx.conf").write_text(
            f"daemon off;\nworker_processes 1;\npid {scratch}/nginx.pid;\nerror_log {logs}/nginx-error.log;\n"
            "events { worker_connections 256; }\n"
            f"http {{\n include /etc/nginx/mime.types;\n access_log {logs}/nginx-access.log;\n"
            f" client_body_temp_path {scratch}/nginx-body;\n proxy_temp_path {scratch}/nginx-proxy;\n"
            f" include {scratch}/ecredit.conf;\n}}\n")
        syntax = subprocess.run(["nginx", "-t", "-c", str(scratch / "nginx.conf")], capture_output=True, text=True)
        if not check("nginx accepts deploy/nginx/ecredit.conf", syntax.returncode == 0, syntax.stderr[-800:]):
            return 1
        start("web", web)
        start("worker", exec_start("ecredit-worker.service", moves))
        start("nginx", ["nginx", "-c", str(scratch / "nginx.conf")])
        client = Client(https_port, http_port)
        if wait_for(lambda: client.request("/api/v1/health")[0] == 200, 60, "stack up"):
            check("stack up (gunicorn, worker, nginx)", all(p.poll() is None for p in processes))
            def code_now(username: str) -> str:
                # The check plays the phone: the sealed secret opened with the deployment's key file.
                done = subprocess.run([ecredit, "shell", "-c", "from ecredit.signin.models import Authenticator; "
                                       f"print(Authenticator.objects.get(user__username='{username}').current_code())"],
                                      env=env, capture_output=True, text=True, timeout=120)
                return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

            smoke(client, admin_css.relative_to(static_root).as_posix() if admin_css else "missing.css", code_now)
        step("daily jobs (the timer's ExecStart)", exec_start("ecredit-daily.service", moves), timeout=900)
        (scratch / "passphrase").write_text("deploy-check passphrase 2026\n")
        step("backup", [ecredit, "backup", str(scratch / "backup.tar.gz"), "--passphrase-file",
                        str(scratch / "passphrase")])
        step("change log verifies", [ecredit, "verify-log"])
        check("no process died", all(p.poll() is None for p in processes),
              ", ".join(f"{p.args[0]}={p.poll()}" for p in processes if p.poll() is not None))
    finally:
        for proc in processes:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in processes:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        try:
            psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        except subprocess.CalledProcessError:
            pass
    failed = [name for name, ok, _ in results if not ok]
    print(json.dumps({"deploy_check": "passed" if not failed else "failed", "checks": len(results),
                      "failed": failed, "logs": str(logs)}, ensure_ascii=False))
    if not failed:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
