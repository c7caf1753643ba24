"""The systemd units as `make install` puts them in place: what the daemon needs is there,
systemd accepts them, and its own analysis rates the service's exposure at 1.5 or lower."""

import os
import re
import shutil
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAX_EXPOSURE = 1.5


def analyze():
    """Path of systemd-analyze; its absence is a failure, not a skip."""
    tool = shutil.which("systemd-analyze")
    assert tool, ("systemd-analyze is missing: it comes with Debian's systemd package, "
                  "which scripts/deps.sh installs")
    return tool


def render(tmp_path, bindir="/usr/local/bin", sysconfdir="/etc"):
    """Both units with @BINDIR@ and @SYSCONFDIR@ filled in, as `make install` does, in
    tmp_path/units; returns that directory."""
    units = tmp_path / "units"
    units.mkdir(exist_ok=True)
    for name in ("driftless.service", "driftless.socket"):
        with open(os.path.join(REPO, "systemd", name)) as f:
            text = f.read()
        text = text.replace("@BINDIR@", bindir).replace("@SYSCONFDIR@", sysconfdir)
        left = re.findall(r"(?m)^[^#\n].*(@[A-Z_]+@)", text)
        assert not left, (name, left)
        (units / name).write_text(text)
    return units


def settings(path):
    """KEY -> [values] of a unit file, every section together, comments left out."""
    out = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, sep, value = line.partition("=")
        assert sep, line
        out.setdefault(key.strip(), []).append(value.strip())
    return out


def test_service_exposure_is_at_most_1_5(tmp_path):
    units = render(tmp_path)
    p = subprocess.run([analyze(), "security", "--offline=yes", "--no-pager",
                        str(units / "driftless.service")],
                       capture_output=True, text=True, timeout=120)
    out = p.stdout + p.stderr
    m = re.search(r"Overall exposure level for driftless\.service: (\d+(?:\.\d+)?)", out)
    assert m, "no overall exposure level in the output of systemd-analyze security:\n" + out
    assert float(m.group(1)) <= MAX_EXPOSURE, out


def test_units_verify(tmp_path):
    # A stand-in for the binary, so that verify has nothing to say about a missing one and
    # whatever it does say (unknown keys, bad values) fails the test.
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "driftless").write_text("#!/bin/sh\nexit 0\n")
    (bindir / "driftless").chmod(0o755)
    units = render(tmp_path, bindir=str(bindir))
    p = subprocess.run([analyze(), "verify", "--man=no", "--no-pager",
                        str(units / "driftless.service"), str(units / "driftless.socket")],
                       capture_output=True, text=True, timeout=120, cwd=tmp_path)
    out = (p.stdout + p.stderr).strip()
    assert p.returncode == 0 and not out, out


def test_service_has_what_the_daemon_needs(tmp_path):
    s = settings(render(tmp_path) / "driftless.service")
    assert s["Type"] == ["notify"]
    assert s["NotifyAccess"] == ["main"]
    assert s.get("WatchdogSec") and s["WatchdogSec"][-1] not in ("", "0", "infinity")
    assert s["ExecStart"] == [
        "/usr/local/bin/driftless run --config /etc/driftless/driftless.yaml"]
    assert s["StateDirectory"] == ["driftless"]
    assert s.get("CacheDirectory") == ["driftless"]
    assert s.get("RuntimeDirectory") == ["driftless"]
    credentials = {v.split(":", 1)[0]: v.split(":", 1)[1] for v in s["LoadCredential"]}
    assert credentials.get("webhook-secret") == "/etc/driftless/credentials/webhook-secret"
    assert credentials.get("git-token") == "/etc/driftless/credentials/git-token"
    # socket activation
    assert "driftless.socket" in " ".join(s.get("Requires", [])).split()
    # outbound HTTPS and SSH, DNS, sd_notify: these stay possible
    families = set(" ".join(s["RestrictAddressFamilies"]).split())
    assert {"AF_INET", "AF_INET6", "AF_UNIX"} <= families
    assert not any(f.startswith("~") for f in families), families
    for key in ("PrivateNetwork", "IPAddressDeny", "IPAddressAllow"):
        assert key not in s, key
    # exec credential plugins and the fetch helper: execve is not filtered out
    denied = " ".join(v for v in s.get("SystemCallFilter", []) if v.startswith("~"))
    assert "execve" not in denied and "@process" not in denied, denied


def test_socket_activates_the_service(tmp_path):
    s = settings(render(tmp_path) / "driftless.socket")
    assert s.get("ListenStream") == ["8080"], s
    assert s.get("Service") == ["driftless.service"], s


def test_make_install_puts_everything_in_place(tmp_path, driftless_bin):
    dest = tmp_path / "pkg"
    p = subprocess.run(["make", "--no-print-directory", "-C", REPO, "install",
                        "DESTDIR=%s" % dest, "PREFIX=/usr", "SYSCONFDIR=/etc"],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    for path in ("usr/bin/driftless", "usr/lib/systemd/system/driftless.service",
                 "usr/lib/systemd/system/driftless.socket",
                 "etc/driftless/driftless.yaml.example"):
        assert (dest / path).exists(), path
    assert os.access(dest / "usr/bin/driftless", os.X_OK)
    service = (dest / "usr/lib/systemd/system/driftless.service").read_text()
    assert "@BINDIR@" not in service and "@SYSCONFDIR@" not in service
    assert "ExecStart=/usr/bin/driftless run --config /etc/driftless/driftless.yaml" in service
    assert (dest / "usr/lib/sysusers.d/driftless.conf").exists()
    assert (dest / "usr/lib/tmpfiles.d/driftless.conf").exists()
