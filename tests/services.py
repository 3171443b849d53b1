"""Real services for the tests, started and stopped by pytest fixtures.

Every service runs as a child process on a free loopback port, in a temporary directory,
and is stopped by a finalizer (SIGTERM, then SIGKILL after a grace period). A service whose
program is not installed skips the tests that need it, saying which Debian package to
install.

To add a service: subclass :class:`Service` (its ``argv`` and ``ready()`` check), add a
``start_<name>(directory)`` function and a fixture, and list the fixture in ``__all__`` (so
``from .services import *`` in ``conftest.py`` registers it).

Fixtures here:

- ``redis_server`` (session): one ``redis-server`` without persistence for the whole run,
  shared by every test: use ``redis_client`` (or keys under a prefix of your own).
- ``redis_client`` (function): a ``redis.Redis`` on that server, flushed before and after
  the test.
- ``redis_factory`` (function): ``redis_factory()`` starts a private ``redis-server`` that
  the test may stop or kill; all are stopped at the end of the test.
- ``celery_workers`` (function): ``celery_workers.start(module, env=..., name=...)`` starts
  a real ``celery worker --pool=solo`` subprocess; all are stopped at the end of the test.
- ``postgres_server`` (session): one PostgreSQL cluster (``initdb`` + ``postgres`` in a temp
  dir, as the ``postgres`` user when run as root); ``stop()``/``kill()`` then ``restart()``.
- ``postgres_dsn`` (function): a connection string to a new, empty database on it.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import pytest

__all__ = [
    "CeleryWorker",
    "PostgresServer",
    "RedisServer",
    "Service",
    "celery_workers",
    "free_port",
    "post",
    "postgres_dsn",
    "postgres_server",
    "redis_client",
    "redis_factory",
    "redis_server",
    "serve_asgi",
    "serve_wsgi",
    "start_postgres",
    "start_redis",
    "wait_for",
]

ROOT = pathlib.Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    """Poll ``check()`` until it returns something truthy (returned) or ``timeout`` seconds
    pass (``AssertionError`` naming ``what``). Exceptions from ``check`` count as not yet."""
    deadline = time.monotonic() + timeout
    last: Optional[BaseException] = None
    while True:
        try:
            value = check()
        except Exception as error:
            last, value = error, None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what} ({last!r})")
        time.sleep(interval)


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class Service:
    """A child process with a log file; ``stop()`` is safe to call more than once."""

    name = "service"
    start_timeout = 15.0

    def __init__(self, argv: Sequence[str], directory: pathlib.Path, env: Optional[dict] = None):
        self.argv = list(argv)
        self.directory = directory
        self.log_path = directory / f"{self.name}.log"
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            self.argv,
            cwd=directory,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # a Ctrl-C in the terminal reaches pytest only
        )
        try:
            wait_for(self._started, self.start_timeout, f"{self.name} to start")
        except BaseException:
            self.stop()
            raise AssertionError(f"{self.name} did not start; its log:\n{self.log()}") from None

    def _started(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
        return self.ready()

    def ready(self) -> bool:
        """Whether the service answers (override)."""
        return True

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: the process dies at once, without cleaning up."""
        if self.running:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds."""
        if self.running:
            self.process.terminate()
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.kill()
        if not self._log.closed:
            self._log.close()

    def log(self, tail: int = 4000) -> str:
        """The end of the service's output (for failure messages)."""
        try:
            return self.log_path.read_text("utf-8", "replace")[-tail:]
        except OSError:
            return ""


# -- Redis ----------------------------------------------------------------------------------

REDIS_SERVER = shutil.which("redis-server")


class RedisServer(Service):
    """``redis-server`` on 127.0.0.1 without persistence (``--save '' --appendonly no``)."""

    name = "redis-server"

    def __init__(self, directory: pathlib.Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        argv = [
            REDIS_SERVER or "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
            "--protected-mode",
            "yes",
            "--loglevel",
            "warning",
        ]
        super().__init__(argv, directory)

    def ready(self) -> bool:
        if not _port_open(self.port):
            return False
        client = self.client()
        try:
            return bool(client.ping())
        finally:
            client.close()

    def client(self, **options: Any) -> Any:
        """A new ``redis.Redis`` for this server (short timeouts; no retries by default)."""
        import redis

        options.setdefault("socket_timeout", 5)
        options.setdefault("socket_connect_timeout", 2)
        options.setdefault("retry", None)
        options.setdefault("retry_on_error", [])
        return redis.Redis(host="127.0.0.1", port=self.port, **options)


def _need_redis() -> None:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
    pytest.importorskip("redis", reason="redis-py is not installed (pip install redis)")


def start_redis(directory: pathlib.Path) -> RedisServer:
    """Start a ``redis-server`` in ``directory``; retried on a port taken meanwhile."""
    for attempt in range(3):
        try:
            return RedisServer(directory)
        except AssertionError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One ``redis-server`` for the whole test run (skips when it is not installed)."""
    _need_redis()
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def redis_client(redis_server: RedisServer) -> Any:
    """A client on the session's Redis, flushed before and after the test (so tests that
    share the server see none of each other's keys)."""
    client = redis_server.client()
    client.flushall()
    yield client
    client.flushall()
    client.close()


@pytest.fixture
def redis_factory(tmp_path: pathlib.Path) -> Any:
    """``redis_factory()`` starts a private ``redis-server`` the test may stop or kill."""
    _need_redis()
    servers: List[RedisServer] = []

    def start() -> RedisServer:
        directory = tmp_path / f"redis-{len(servers)}"
        directory.mkdir()
        server = start_redis(directory)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


# -- Celery ---------------------------------------------------------------------------------


class CeleryWorker(Service):
    """``celery -A <module> worker --pool=solo``: ready once it logs ``ready.``."""

    name = "celery-worker"
    start_timeout = 30.0

    def __init__(
        self, module: str, directory: pathlib.Path, env: Dict[str, str], hostname: str
    ) -> None:
        self.name = f"celery-{hostname}"
        argv = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            module,
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            "-n",
            f"{hostname}@127.0.0.1",
        ]
        full_env = dict(os.environ)
        full_env.update(env)
        full_env["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT), *filter(None, [full_env.get("PYTHONPATH")])]
        )
        super().__init__(argv, directory, full_env)

    def ready(self) -> bool:
        return " ready." in self.log()


@pytest.fixture
def celery_workers(tmp_path: pathlib.Path) -> Any:
    """``celery_workers.start(module, env=..., name=...)`` starts a real worker
    subprocess; every one is stopped (SIGTERM, then SIGKILL) at the end of the test."""
    pytest.importorskip("celery", reason="celery is not installed (pip install celery)")

    class Workers:
        def __init__(self) -> None:
            self.started: List[CeleryWorker] = []

        def start(self, module: str, env: Dict[str, str], name: str = "") -> CeleryWorker:
            hostname = name or f"w{len(self.started)}"
            directory = tmp_path / hostname
            directory.mkdir()
            worker = CeleryWorker(module, directory, env, hostname)
            self.started.append(worker)
            return worker

    workers = Workers()
    yield workers
    for worker in workers.started:
        worker.stop(grace=10.0)


# -- PostgreSQL -----------------------------------------------------------------------------


def _postgres_bindir() -> Optional[pathlib.Path]:
    """The folder with ``initdb`` and ``postgres``: on PATH, else Debian's
    ``/usr/lib/postgresql/<version>/bin`` (newest first)."""
    initdb = shutil.which("initdb")
    if initdb:
        folder = pathlib.Path(os.path.realpath(initdb)).parent
        if (folder / "postgres").is_file():
            return folder
    candidates = sorted(
        pathlib.Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    return next((c for c in candidates if (c / "initdb").is_file()), None)


INITDB = ("-A", "trust", "-E", "UTF8", "--no-sync")


class PostgresServer(Service):
    """A throwaway PostgreSQL cluster: ``initdb`` in a temporary folder, then ``postgres``
    on 127.0.0.1 (trust authentication, no fsync). As root, both run as the ``postgres``
    user (``initdb`` refuses root). ``dsn(dbname)`` gives a connection string."""

    name = "postgres"
    start_timeout = 30.0

    def __init__(self, bindir: pathlib.Path, directory: pathlib.Path) -> None:
        self.port = free_port()
        self.data = directory / "data"
        self.user = "postgres"
        as_root = os.geteuid() == 0
        if not self.data.exists():
            prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
            result = subprocess.run(
                [*prefix, str(bindir / "initdb"), "-D", str(self.data), "-U", self.user, *INITDB],
                cwd=directory,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=120,
            )
            if result.returncode != 0:
                raise AssertionError(
                    "initdb failed:\n" + (result.stdout + result.stderr).decode("utf-8", "replace")
                )
        argv = [str(bindir / "postgres"), "-D", str(self.data), "-p", str(self.port)]
        argv += ["-k", str(directory), "-c", "listen_addresses=127.0.0.1"]
        for setting in ("fsync=off", "synchronous_commit=off", "full_page_writes=off"):
            argv += ["-c", setting]
        # Not Service.__init__: the server must run as postgres itself (signals reach it).
        self.argv = argv
        self.directory = directory
        self.log_path = directory / f"{self.name}.log"
        self._as_postgres = as_root
        self.restart()

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user={self.user} dbname={dbname}"

    def ready(self) -> bool:
        if not _port_open(self.port):
            return False
        import psycopg

        with psycopg.connect(self.dsn(), connect_timeout=2) as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)

    def stop(self, grace: float = 10.0) -> None:
        """Fast shutdown (SIGINT: clients are disconnected); the whole process group is
        killed if it is still there after ``grace`` seconds."""
        if self.running:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if not self._log.closed:
            self._log.close()

    def restart(self) -> None:
        """Start the cluster (again, on the same port, after ``stop()`` or ``kill()``)."""
        self._log = open(self.log_path, "ab")
        as_postgres: Dict[str, Any] = {"user": "postgres", "group": "postgres"}
        self.process = subprocess.Popen(
            self.argv,
            cwd=self.directory,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **(as_postgres if self._as_postgres else {}),
        )
        try:
            wait_for(self._started, self.start_timeout, "postgres to start")
        except BaseException:
            self.stop()
            raise AssertionError(f"postgres did not start; its log:\n{self.log()}") from None


def _need_postgres() -> pathlib.Path:
    bindir = _postgres_bindir()
    if bindir is None:
        pytest.skip(
            "PostgreSQL server binaries (initdb, postgres) not found "
            "(Debian: apt-get install postgresql)"
        )
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip(
                "running as root needs the 'postgres' user to run initdb (Debian's "
                "postgresql package creates it)"
            )
        if shutil.which("runuser") is None:
            pytest.skip("running as root needs runuser (util-linux) to run initdb as postgres")
    pytest.importorskip(
        "psycopg", reason="psycopg 3 is not installed (pip install 'psycopg[binary]')"
    )
    return bindir


def start_postgres() -> PostgresServer:
    """initdb and start a cluster in a new folder under the system temp dir (reachable by
    the postgres user, unlike pytest's 0700 tmp_path); retried on a port taken meanwhile.
    The caller stops it and removes ``server.directory``."""
    bindir = _need_postgres()
    directory = pathlib.Path(tempfile.mkdtemp(prefix="helpscout-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    for attempt in range(3):
        try:
            return PostgresServer(bindir, directory)
        except AssertionError:
            if attempt == 2:
                shutil.rmtree(directory, ignore_errors=True)
                raise
    raise AssertionError("unreachable")  # pragma: no cover


@pytest.fixture(scope="session")
def postgres_server() -> Any:
    """One PostgreSQL cluster for the whole test run (skips when PostgreSQL is missing)."""
    server = start_postgres()
    yield server
    server.stop()
    shutil.rmtree(server.directory, ignore_errors=True)


@pytest.fixture
def postgres_dsn(postgres_server: PostgresServer) -> Any:
    """A connection string whose tables land in a new, empty schema of the session's
    cluster (``search_path`` set through ``options``; dropped after the test). A schema is
    made in milliseconds, a database in about half a second."""
    import psycopg

    if not postgres_server.running:  # a test stopped it and failed before restarting it
        postgres_server.restart()
    name = f"t_{os.getpid()}_{time.monotonic_ns()}"
    with psycopg.connect(postgres_server.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    yield f"{postgres_server.dsn()} options='-c search_path={name}'"
    if not postgres_server.running:
        postgres_server.restart()
    with psycopg.connect(postgres_server.dsn(), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


# -- HTTP -------------------------------------------------------------------------------------


@contextmanager
def serve_wsgi(app: Any) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 (Werkzeug's threaded server) and yield its base URL;
    the server is shut down on exit."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextmanager
def serve_asgi(app: Any) -> Iterator[str]:
    """Serve an ASGI app on 127.0.0.1 with uvicorn (in a thread) and yield its base URL;
    the server is shut down on exit."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started, 10, "uvicorn to start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def post(url: str, body: bytes, headers: Dict[str, str], timeout: float = 10) -> Tuple[int, str]:
    """POST ``body`` and return the status and the answer's text (non-2xx included)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode("utf-8", "replace")
