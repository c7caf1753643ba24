"""The systemd units as `make install` puts them in place: what the daemon needs is there,
and systemd's own analysis rates the service's exposure at 1.5 or lower."""

import os
import re
import shutil
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def rendered(tmp_path, name):
    """systemd/NAME with @BINDIR@ and @SYSCONFDIR@ filled in, as `make install` does."""
    with open(os.path.join(REPO, "systemd", name)) as f:
        text = f.read().replace("@BINDIR@", "/usr/local/bin").replace("@SYSCONFDIR@", "/etc")
    path = tmp_path / name
    path.write_text(text)
    return path, text


def analyze():
    tool = shutil.which("systemd-analyze")
    assert tool, "systemd-analyze (Debian's systemd package, scripts/deps.sh) is missing"
    return tool


def test_service_exposure_is_at_most_1_5(tmp_path):
    path, _ = rendered(tmp_path, "driftless.service")
    rendered(tmp_path, "driftless.socket")
    p = subprocess.run([analyze(), "security", "--offline=yes", str(path)],
                       capture_output=True, text=True, timeout=60)
    out = p.stdout + p.stderr
    m = re.search(r"Overall exposure level for driftless\.service: (\d+\.\d+)", out)
    assert m, out
    assert float(m.group(1)) <= 1.5, out


def test_service_has_what_the_daemon_needs(tmp_path):
    _, text = rendered(tmp_path, "driftless.service")
    settings = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    assert settings["Type"] == ["notify"]
    assert settings["NotifyAccess"] == ["main"]
    assert settings["WatchdogSec"]
    assert settings["ExecStart"] == [
        "/usr/local/bin/driftless run --config /etc/driftless/driftless.yaml"]
    assert settings["ExecReload"] == ["/bin/kill -HUP $MAINPID"]
    assert settings["StateDirectory"] == ["driftless"]
    credentials = [v.split(":")[0] for v in settings["LoadCredential"]]
    assert "webhook-secret" in credentials and "git-token" in credentials
    # outbound HTTPS/SSH and the socket: the internet families stay allowed
    families = " ".join(settings["RestrictAddressFamilies"]).split()
    assert {"AF_INET", "AF_INET6", "AF_UNIX"} <= set(families)
    assert "PrivateNetwork" not in settings
    assert settings["Requires"] == ["driftless.socket"]


def test_socket_activates_the_service(tmp_path):
    _, text = rendered(tmp_path, "driftless.socket")
    assert re.search(r"^ListenStream=\S+", text, re.M), text
    assert re.search(r"^Service=driftless\.service$", text, re.M), text


def test_units_verify(tmp_path):
    path, _ = rendered(tmp_path, "driftless.service")
    rendered(tmp_path, "driftless.socket")
    # the binary is not installed here: verify checks the rest (syntax, known settings)
    p = subprocess.run([analyze(), "verify", "--man=no", str(path)], capture_output=True,
                       text=True, timeout=60, cwd=tmp_path)
    lines = [l for l in (p.stdout + p.stderr).splitlines()
             if l.strip() and "/usr/local/bin/driftless" not in l
             and "is not executable" not in l and "Command" not in l]
    assert not [l for l in lines if "Unknown" in l or "Failed" in l or "bad" in l], lines


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
