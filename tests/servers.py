#!/usr/bin/env python3
"""Local object-storage servers for the test suite, on 127.0.0.1 only.

    python3 tests/servers.py start STATE_DIR   # prints `export NAME=VALUE` lines
    python3 tests/servers.py stop STATE_DIR

`start` launches moto (S3, from PyPI: `moto_server`) and Azurite (Azure Blob, from npm) on free
loopback ports, waits until each answers, creates the bucket `audithound-test` and the container
`audithound-test`, and prints the variables the tests read:

    AUDITHOUND_TEST_S3      endpoint of the S3 server (http://127.0.0.1:PORT)
    AUDITHOUND_TEST_AZURE   account URL of Azurite (http://127.0.0.1:PORT/devstoreaccount1)

Only the Python standard library is used (Azure's Shared Key signature is computed here).
A server that cannot be started is reported on stderr and its variable is left out; the tests
then skip (or fail, when AUDITHOUND_REQUIRE_SERVERS=1).
"""

import base64
import datetime
import hashlib
import hmac
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

BUCKET = "audithound-test"
AZ_ACCOUNT = "devstoreaccount1"
# Azurite's well-known development key (public, documented by Microsoft).
AZ_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def request(method, url, headers=None):
    # No body: with one, urllib would add a Content-Type that the Azure signature lacks.
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def start_moto(state):
    exe = shutil.which("moto_server")
    if not exe:
        print("moto_server not found (pip install 'moto[server]')", file=sys.stderr)
        return None
    port = free_port()
    log = open(os.path.join(state, "moto.log"), "w")
    p = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)
    open(os.path.join(state, "moto.pid"), "w").write(str(p.pid))
    if not wait_for(port):
        print("moto did not start, see moto.log", file=sys.stderr)
        return None
    endpoint = f"http://127.0.0.1:{port}"
    auth = ("AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, "
            "SignedHeaders=host, Signature=0")
    for _ in range(50):
        status = request("PUT", f"{endpoint}/{BUCKET}", {"Authorization": auth})
        if status in (200, 409):
            return endpoint
        time.sleep(0.2)
    print(f"moto: cannot create bucket (HTTP {status})", file=sys.stderr)
    return None


def azure_create_container(account_url):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")
    version = "2021-08-06"
    canon_headers = f"x-ms-date:{now}\nx-ms-version:{version}\n"
    canon_resource = f"/{AZ_ACCOUNT}/{AZ_ACCOUNT}/{BUCKET}\nrestype:container"
    to_sign = "PUT\n" + "\n" * 11 + canon_headers + canon_resource
    sig = base64.b64encode(hmac.new(base64.b64decode(AZ_KEY), to_sign.encode(),
                                    hashlib.sha256).digest()).decode()
    headers = {
        "x-ms-date": now,
        "x-ms-version": version,
        "Authorization": f"SharedKey {AZ_ACCOUNT}:{sig}",
    }
    return request("PUT", f"{account_url}/{BUCKET}?restype=container", headers)


def start_azurite(state):
    cache = os.environ.get("AZURITE_DIR", os.path.expanduser("~/.cache/audithound/azurite"))
    exe = os.path.join(cache, "node_modules", ".bin", "azurite-blob")
    if not os.path.exists(exe):
        print(f"azurite not found at {exe} (npm install --prefix {cache} azurite@3.35.0)",
              file=sys.stderr)
        return None
    port = free_port()
    data = os.path.join(state, "azurite")
    os.makedirs(data, exist_ok=True)
    log = open(os.path.join(state, "azurite.log"), "w")
    p = subprocess.Popen([exe, "--blobHost", "127.0.0.1", "--blobPort", str(port),
                          "--location", data, "--skipApiVersionCheck", "--disableTelemetry",
                          "--silent"], stdout=log, stderr=log)
    open(os.path.join(state, "azurite.pid"), "w").write(str(p.pid))
    if not wait_for(port):
        print("azurite did not start, see azurite.log", file=sys.stderr)
        return None
    url = f"http://127.0.0.1:{port}/{AZ_ACCOUNT}"
    for _ in range(50):
        status = azure_create_container(url)
        if status in (201, 409):
            return url
        time.sleep(0.2)
    print(f"azurite: cannot create container (HTTP {status})", file=sys.stderr)
    return None


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    state = sys.argv[2]
    os.makedirs(state, exist_ok=True)
    if sys.argv[1] == "stop":
        for name in ("moto.pid", "azurite.pid"):
            try:
                os.kill(int(open(os.path.join(state, name)).read()), 15)
            except (OSError, ValueError):
                pass
        return
    s3 = start_moto(state)
    az = start_azurite(state)
    if s3:
        print(f"export AUDITHOUND_TEST_S3={s3}")
    if az:
        print(f"export AUDITHOUND_TEST_AZURE={az}")


if __name__ == "__main__":
    main()
