"""The `local` executor against a real process speaking the Runtime API (tests/fake_bootstrap.py)."""

import json
import shutil
import stat
import tempfile
import time
import unittest
from pathlib import Path
from types import SimpleNamespace

from localstack.services.lambda_.invocation.runtime_executor import LambdaRuntimeException

from infra_local_engine.executor import LocalRuntimeExecutor, check_bootstrap, process_environment

FAKE = Path(__file__).with_name("fake_bootstrap.py")


def function_version(code_dir: Path, timeout: int = 3):
    """The parts of LocalStack's FunctionVersion the executor reads."""
    code = SimpleNamespace(get_unzipped_code_location=lambda: code_dir)
    return SimpleNamespace(
        id=SimpleNamespace(function_name="fake-function"),
        config=SimpleNamespace(timeout=timeout, code=code, runtime="provided.al2023"),
    )


def invoke(executor, event: dict, request_id: str = "r-1"):
    return executor.invoke(
        {
            "invoke-id": request_id,
            "invoked-function-arn": "arn:aws:lambda:us-east-1:000000000000:function:fake-function",
            "payload": json.dumps(event),
            "trace-id": "Root=1-0-0",
        }
    )


class ExecutorTest(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp())
        shutil.copy(FAKE, self.dir / "bootstrap")
        (self.dir / "bootstrap").chmod(0o755)
        self.executor = LocalRuntimeExecutor("env-1", function_version(self.dir))

    def tearDown(self):
        self.executor.stop()
        shutil.rmtree(self.dir)

    def start(self, **env):
        self.executor.start({"AWS_REGION": "us-east-1", "LOCALSTACK_RUNTIME_ID": "x", "PATH": "/usr/bin:/bin", **env})

    def test_an_event_gets_the_function_answer_its_output_and_the_deadline(self):
        self.start()
        before = time.time() * 1000
        result = invoke(self.executor, {"do": "echo", "n": 1})
        self.assertFalse(result.is_error)
        body = json.loads(result.payload)
        self.assertEqual(body["event"], {"do": "echo", "n": 1})
        self.assertEqual(Path(body["cwd"]).resolve(), self.dir.resolve())
        self.assertEqual(body["execution_env"], "AWS_Lambda_infra-local")  # a local run
        self.assertAlmostEqual(body["deadline_ms"], before + 3000, delta=1000)
        self.assertIn('"request_id": "r-1"', result.logs)
        # The same process answers the next event, and only its own line is in its logs.
        second = invoke(self.executor, {"do": "echo", "n": 2}, "r-2")
        self.assertIn('"r-2"', second.logs)
        self.assertNotIn('"r-1"', second.logs)

    def test_a_function_error_is_an_error_result(self):
        self.start()
        result = invoke(self.executor, {"do": "fail"})
        self.assertTrue(result.is_error)
        self.assertEqual(json.loads(result.payload)["errorType"], "OrderRejected")

    def test_a_timeout_kills_the_process_and_the_next_event_gets_a_fresh_one(self):
        self.executor = LocalRuntimeExecutor("env-2", function_version(self.dir, timeout=1))
        self.start()
        started = time.monotonic()
        result = invoke(self.executor, {"do": "sleep", "seconds": 30})
        self.assertLess(time.monotonic() - started, 5)
        self.assertTrue(result.is_error)
        self.assertEqual(json.loads(result.payload)["errorType"], "Sandbox.Timedout")
        self.assertFalse(invoke(self.executor, {"do": "echo"}, "r-2").is_error)

    def test_a_crash_during_an_event_is_reported_and_the_next_event_gets_a_fresh_process(self):
        self.start()
        result = invoke(self.executor, {"do": "exit"})
        self.assertTrue(result.is_error)
        body = json.loads(result.payload)
        self.assertEqual(body["errorType"], "Runtime.ExitError")
        self.assertIn("exit status 7", body["errorMessage"])
        self.assertFalse(invoke(self.executor, {"do": "echo"}, "r-2").is_error)

    def test_an_init_error_fails_the_start_with_the_reason(self):
        with self.assertRaisesRegex(LambdaRuntimeException, "TABLE_NAME is not set"):
            self.start(FAKE_INIT="error")

    def test_an_exit_before_the_first_event_fails_the_start_with_the_output(self):
        with self.assertRaisesRegex(LambdaRuntimeException, "(?s)status 3.*giving up before the first event"):
            self.start(FAKE_INIT="exit")


class HelpersTest(unittest.TestCase):
    def test_the_environment_drops_localstack_internals_and_points_at_the_code(self):
        env = process_environment(
            {"AWS_REGION": "us-east-1", "LOCALSTACK_RUNTIME_ID": "x", "EDGE_PORT": "4566", "MEMORY": 256},
            Path("/code"),
        )
        self.assertEqual(env["AWS_REGION"], "us-east-1")
        self.assertEqual(env["AWS_EXECUTION_ENV"], "AWS_Lambda_infra-local")
        self.assertEqual(env["MEMORY"], "256")
        self.assertEqual(env["LAMBDA_TASK_ROOT"], "/code")
        self.assertNotIn("LOCALSTACK_RUNTIME_ID", env)
        self.assertNotIn("EDGE_PORT", env)

    def test_the_local_run_marker_is_the_engines_whatever_the_function_or_localstack_set(self):
        # LocalStack sets AWS_Lambda_rapid; a function's own variables come last in env_vars.
        for given in ("AWS_Lambda_rapid", "something-else"):
            env = process_environment({"AWS_EXECUTION_ENV": given}, Path("/code"))
            self.assertEqual(env["AWS_EXECUTION_ENV"], "AWS_Lambda_infra-local")

    def test_a_bootstrap_for_another_cpu_is_refused_with_what_to_do(self):
        with tempfile.TemporaryDirectory() as d:
            bootstrap = Path(d) / "bootstrap"
            import platform

            other = 0xB7 if platform.machine() in ("x86_64", "AMD64") else 0x3E
            bootstrap.write_bytes(b"\x7fELF" + bytes(14) + other.to_bytes(2, "little") + bytes(40))
            bootstrap.chmod(bootstrap.stat().st_mode | stat.S_IEXEC)
            with self.assertRaisesRegex(LambdaRuntimeException, "build the function for the host"):
                check_bootstrap(bootstrap)
            with self.assertRaisesRegex(LambdaRuntimeException, "no 'bootstrap'"):
                check_bootstrap(Path(d) / "missing")


if __name__ == "__main__":
    unittest.main()
