"""Runs a real OpenSSH sshd on 127.0.0.1 standing in for one host, for the tests and the demo.

  sshd_helper.py DIRECTORY AUTHORIZED_KEYS_FILE [--port N]

Keeps its host key and configuration in DIRECTORY (a new ed25519 host key is generated when
DIRECTORY has none, so deleting it there makes a "rebuilt" host), lets in the current user with
the keys in AUTHORIZED_KEYS_FILE, prints the port it listens on, and serves until its standard
input closes; then it stops sshd. --port reuses a port (a host restarted at the same address).
"""
import argparse
import getpass
import os
import socket
import subprocess
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("directory")
parser.add_argument("authorized_keys")
parser.add_argument("--port", type=int, default=0)
options = parser.parse_args()

SSHD = next((p for p in ("/usr/sbin/sshd", "/usr/bin/sshd") if os.path.exists(p)), None)
if SSHD is None:
    sys.exit("sshd is not installed (Debian: apt-get install openssh-server)")

directory = os.path.abspath(options.directory)
os.makedirs(directory, exist_ok=True)
host_key = os.path.join(directory, "ssh_host_ed25519_key")
if not os.path.exists(host_key):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host_key], check=True, timeout=60)
# sshd's privilege separation needs this directory when it runs as root.
if os.geteuid() == 0:
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)


def free_port():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def start(port):
    """Starts sshd on port and waits (up to 30 s) until it accepts connections; the process, or
    None when it exited first (the port taken meanwhile, a bad configuration)."""
    config = os.path.join(directory, "sshd_config")
    with open(config, "w") as f:
        f.write(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {host_key}
PidFile {directory}/sshd.pid
AuthorizedKeysFile {os.path.abspath(options.authorized_keys)}
AllowUsers {getpass.getuser()}
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
MaxStartups 100
MaxSessions 100
LogLevel ERROR
""")
    log = open(os.path.join(directory, "sshd.log"), "a")
    server = subprocess.Popen([SSHD, "-D", "-e", "-f", config], stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return None
        try:
            # sshd's banner, not only an open port: something else may hold the port.
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                if connection.recv(4).startswith(b"SSH-"):
                    return server
        except OSError:
            pass
        time.sleep(0.05)
    server.kill()
    server.wait()
    sys.exit(f"sshd did not answer on port {port} within 30 s: see {directory}/sshd.log")


# A port chosen here can be taken by another process before sshd binds it: then another is tried.
# A port given with --port is the host's address, so it is not changed.
server = None
for attempt in range(1 if options.port else 5):
    port = options.port or free_port()
    server = start(port)
    if server is not None:
        break
if server is None:
    with open(os.path.join(directory, "sshd.log")) as log:
        sys.exit(f"sshd exited without listening on 127.0.0.1:{port}:\n{log.read()[-2000:]}")
print(port, flush=True)
sys.stdin.read()
server.terminate()
try:
    server.wait(timeout=30)
except subprocess.TimeoutExpired:
    server.kill()
    server.wait()
