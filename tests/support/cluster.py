"""A PostgreSQL server of a test's own (``initdb`` in a temporary folder, its own port), for
tests that stop and start the server: doing that to the machine's shared server would break
whatever else runs against it.

It needs Debian's server binaries, ``initdb`` and ``pg_ctl``, which ``apt-get install
postgresql`` (what ``.ci/run`` does) puts in ``/usr/lib/postgresql/<version>/bin`` and not on
the PATH; ``POSTGRES_BIN`` names another folder. PostgreSQL refuses to run as root, so as root
the server runs as the ``postgres`` user (``runuser``) on a folder that user owns.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.servers import free_port

DEBIAN_BINARIES = Path("/usr/lib/postgresql")
SERVER_USER = "postgres"


def _version(folder: Path) -> tuple[int, ...]:
    name = folder.parent.name
    return tuple(int(part) for part in name.split(".")) if name.replace(".", "").isdigit() else ()


def server_binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: ``POSTGRES_BIN``, else Debian's newest
    version, else wherever the PATH finds them; None when there is none."""
    named = os.environ.get("POSTGRES_BIN")
    found = [Path(named)] if named else sorted(DEBIAN_BINARIES.glob("*/bin"), key=_version)[::-1]
    on_path = shutil.which("initdb")
    if not named and on_path:
        found.append(Path(on_path).resolve().parent)
    for folder in found:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def missing() -> str | None:
    """Why this machine cannot run a private cluster (None: it can)."""
    if server_binaries() is None:
        return (
            f"PostgreSQL's initdb and pg_ctl not found (in {DEBIAN_BINARIES}/*/bin, POSTGRES_BIN "
            "or the PATH); apt-get install postgresql"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root, and there is no {SERVER_USER!r} user to run the server as"
        if shutil.which("runuser") is None:
            return f"running as root, and runuser (to run the server as {SERVER_USER!r}) is absent"
    return None


class Cluster:
    """A private PostgreSQL server on 127.0.0.1 (trust authentication, no fsync), started."""

    def __init__(self) -> None:
        binaries = server_binaries()
        assert binaries is not None, missing()
        self.bin = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="console-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = free_port()
        if os.geteuid() == 0:
            self.folder.chmod(0o755)
            shutil.chown(self.folder, SERVER_USER)
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")
        self.options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c max_connections=200"
        )
        self.start()

    def url(self, application_name: str = "") -> str:
        """The SQLAlchemy URL of its ``postgres`` database (as ``application_name``, if given,
        which ``pg_stat_activity`` shows)."""
        query = f"?application_name={application_name}" if application_name else ""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres{query}"

    def stop(self) -> None:
        """A fast shutdown: every connection is cut, open transactions roll back."""
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def start(self) -> None:
        """Start it (again, on the same port); it accepts connections when this returns."""
        self._run("pg_ctl", "-D", self.data, "-o", self.options, "-l", self.log, "-w", "start")

    def remove(self) -> None:
        """Stop it (whatever state it is in) and delete its folder."""
        self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, program: str, *arguments: object, check: bool = True) -> None:
        command = [str(self.bin / program), *map(str, arguments)]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        subprocess.run(
            command,
            check=check,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # the server inherits these: no pipe is left open
            stderr=subprocess.DEVNULL,
            timeout=120,
        )
