"""Lambda executor `local`: runs a function's `bootstrap` as a host process.

LocalStack's own executor runs functions in Docker containers. This one
(selected with `LAMBDA_RUNTIME_EXECUTOR=local`) unzips the code as LocalStack
does, starts `bootstrap` on this machine with the function's environment
(`AWS_ENDPOINT_URL` pointing at the engine, and `AWS_EXECUTION_ENV` set to
`LOCAL_EXECUTION_ENV`) and serves it the Lambda Runtime API on loopback
(`runtime_api.py`). Lambda's contract is kept where a
function can tell: one event at a time per process, the deadline header, the
function's timeout (the process is killed and the invocation fails with
`Sandbox.Timedout`), and a crashed or timed-out sandbox is started afresh on
the next event.

Deliberately absent: isolation (the process runs as the engine's user, with
the host's file system), memory limits, and runtimes other than `provided.*`
(a `bootstrap` executable: Rust, Go, C++ functions).

`AWS_EXECUTION_ENV=AWS_Lambda_infra-local` is how a function knows it runs
locally (functions/secrets/src/local.rs): on AWS the variable is reserved (a
function's configuration cannot set it) and never has this value, so only
here may a function follow `AWS_ENDPOINT_URL` or call plain-HTTP loopback
endpoints. It is set after the function's own variables, so it is always the
engine's.

Function output goes to LocalStack's CloudWatch Logs (`/aws/lambda/<name>`)
and, when `INFRA_LOCAL_FUNCTION_LOG_DIR` is set, to `<dir>/<function name>.log`.
"""

from __future__ import annotations

import logging
import os
import platform
import select
import subprocess
import threading
import time
from pathlib import Path

from localstack.services.lambda_.invocation.lambda_models import (
    FunctionVersion,
    InvocationResult,
)
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.lambda_.invocation.runtime_executor import (
    LambdaRuntimeException,
    RuntimeExecutor,
)

from .runtime_api import Invocation, RuntimeApi, deadline_ms, fail

LOG = logging.getLogger(__name__)

LOG_DIR_VARIABLE = "INFRA_LOCAL_FUNCTION_LOG_DIR"

# The reserved Lambda variable and value that mark a function started by this engine.
LOCAL_EXECUTION_ENV = ("AWS_EXECUTION_ENV", "AWS_Lambda_infra-local")

# ELF e_machine values of the architectures Lambda offers.
_ELF_MACHINES = {0x3E: "x86_64", 0xB7: "aarch64"}


class LocalExecutorPlugin(RuntimeExecutorPlugin):
    """Registers the executor under the name `local`."""

    name = "local"

    def load(self, *args, **kwargs):
        return LocalRuntimeExecutor


class FunctionOutput:
    """A function process's output: kept in memory for the invocation logs, appended to a file."""

    def __init__(self, function_name: str) -> None:
        self._lines: list[str] = []
        self._lock = threading.Lock()
        log_dir = os.environ.get(LOG_DIR_VARIABLE)
        self._file = None
        if log_dir:
            Path(log_dir).mkdir(parents=True, exist_ok=True)
            self._file = open(Path(log_dir) / f"{function_name}.log", "a", encoding="utf-8")  # noqa: SIM115

    def add(self, line: str) -> None:
        with self._lock:
            self._lines.append(line)
            if self._file:
                self._file.write(line + "\n")
                self._file.flush()

    def mark(self) -> int:
        with self._lock:
            return len(self._lines)

    def since(self, mark: int) -> str:
        with self._lock:
            return "\n".join(self._lines[mark:])

    def all(self) -> str:
        return self.since(0)

    def close(self) -> None:
        with self._lock:
            if self._file:
                self._file.close()
                self._file = None


class LocalRuntimeExecutor(RuntimeExecutor):
    """One execution environment: one `bootstrap` process and its Runtime API."""

    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id, function_version)
        self._env: dict[str, str] = {}
        self._api: RuntimeApi | None = None
        self._process: subprocess.Popen | None = None
        self._reader: threading.Thread | None = None
        self._output = FunctionOutput(function_version.id.function_name)

    # -- lifecycle --------------------------------------------------------------------------

    def start(self, env_vars: dict[str, str]) -> None:
        self._env = process_environment(env_vars, self._code_dir())
        self._launch()

    def stop(self) -> None:
        self._kill()
        self._output.close()

    def _code_dir(self) -> Path:
        code = self.function_version.config.code
        if code is None:
            raise LambdaRuntimeException("the local executor runs zip functions only, not images")
        return Path(code.get_unzipped_code_location())

    def _launch(self) -> None:
        code_dir = self._code_dir()
        bootstrap = code_dir / "bootstrap"
        check_bootstrap(bootstrap)
        self._api = RuntimeApi()
        self._api.start()
        env = dict(self._env, AWS_LAMBDA_RUNTIME_API=self._api.address)
        self._process = subprocess.Popen(
            [str(bootstrap)],
            cwd=code_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self._reader = threading.Thread(
            target=self._read_output, args=(self._process,), name=f"output-{self.id}", daemon=True
        )
        self._reader.start()
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        api, process = self._api, self._process
        while not api.ready.wait(0.05):
            if process.poll() is not None:
                self._reader.join(timeout=1)  # all it printed, for the message
                self._kill()
                raise LambdaRuntimeException(
                    f"{self.function_version.id.function_name}: bootstrap exited with status "
                    f"{process.returncode} before asking for an event; its output:\n{self._output.all()}"
                )
        if api.init_error is not None:
            error = api.init_error.decode(errors="replace")
            self._kill()
            raise LambdaRuntimeException(
                f"{self.function_version.id.function_name}: init error {error}"
            )

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._api is not None:
            self._api.stop()
            self._api = None

    def _read_output(self, process: subprocess.Popen) -> None:
        for raw in iter(process.stdout.readline, b""):
            self._output.add(raw.decode("utf-8", errors="replace").rstrip("\n"))
        process.stdout.close()

    def _drain_output(self) -> None:
        """Waits (briefly) until the lines the function wrote before answering are read."""
        process = self._process
        if process is None or process.stdout.closed:
            return
        for _ in range(20):
            try:
                pending = select.select([process.stdout], [], [], 0)[0]
            except (ValueError, OSError):
                return
            time.sleep(0.005)
            if not pending:
                return

    # -- invocations ------------------------------------------------------------------------

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        if self._process is None or self._process.poll() is not None:
            # As Lambda does after a crash or a timeout: a fresh sandbox for the next event.
            self._kill()
            self._launch()
        timeout = float(self.function_version.config.timeout)
        invocation = Invocation(
            request_id=payload["invoke-id"],
            payload=payload["payload"].encode(),
            function_arn=payload["invoked-function-arn"],
            deadline_ms=deadline_ms(timeout),
            trace_id=payload.get("trace-id", ""),
        )
        mark = self._output.mark()
        self._api.submit(invocation)
        self._wait(invocation, timeout)
        self._drain_output()
        return InvocationResult(
            invocation.request_id,
            invocation.result,
            is_error=invocation.is_error,
            logs=self._output.since(mark),
        )

    def _wait(self, invocation: Invocation, timeout: float) -> None:
        process, started = self._process, time.monotonic()
        while not invocation.done.wait(0.05):
            if process.poll() is not None:
                self._api.abandon(invocation)
                fail(
                    invocation,
                    "Runtime.ExitError",
                    f"RequestId: {invocation.request_id} Error: Runtime exited with error: "
                    f"exit status {process.returncode}",
                )
            elif time.monotonic() - started > timeout:
                self._api.abandon(invocation)
                self._kill()
                fail(invocation, "Sandbox.Timedout", f"Task timed out after {timeout:.2f} seconds")

    # -- what LocalStack asks of an executor -------------------------------------------------

    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        return "127.0.0.1"

    def get_runtime_endpoint(self) -> str:
        return f"http://{self._api.address}" if self._api else ""

    def get_logs(self) -> str:
        return self._output.all()

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        runtime = function_version.config.runtime or ""
        if not runtime.startswith("provided"):
            raise LambdaRuntimeException(
                f"{function_version.id.function_name}: runtime {runtime or '(image)'} is not "
                "supported by the local executor, which runs provided.al2023/provided.al2 "
                "functions (a bootstrap executable) only"
            )
        code = function_version.config.code
        code.prepare_for_execution()
        bootstrap = Path(code.get_unzipped_code_location()) / "bootstrap"
        if bootstrap.exists():
            bootstrap.chmod(0o755)

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass  # the unzipped code stays until the engine's state is removed

    @classmethod
    def validate_environment(cls) -> bool:
        return True


def process_environment(env_vars: dict[str, object], code_dir: Path) -> dict[str, str]:
    """The function's environment: Lambda's variables and the function's own, none of LocalStack's
    internals, and the engine's local-run marker (`LOCAL_EXECUTION_ENV`) over any other value."""
    env = {
        key: str(value)
        for key, value in env_vars.items()
        if not key.startswith("LOCALSTACK_") and key != "EDGE_PORT"
    }
    name, value = LOCAL_EXECUTION_ENV
    env[name] = value
    env["LAMBDA_TASK_ROOT"] = str(code_dir)
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    return env


def check_bootstrap(bootstrap: Path) -> None:
    """Refuses a missing bootstrap, or one built for another CPU than this machine's, with what to do."""
    if not bootstrap.is_file():
        raise LambdaRuntimeException(
            f"the function's zip has no 'bootstrap' at its root ({bootstrap.parent})"
        )
    with open(bootstrap, "rb") as f:
        header = f.read(20)
    if header[:4] != b"\x7fELF":
        return  # a script: the kernel decides
    machine = _ELF_MACHINES.get(int.from_bytes(header[18:20], "little"), "unknown")
    host = {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine().lower(), platform.machine())
    if machine != host:
        raise LambdaRuntimeException(
            f"bootstrap is built for {machine} and this machine is {host}: build the function "
            f"for the host (`infra local up` does; `infra build --arch` chooses)"
        )

