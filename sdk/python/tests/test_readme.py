"""The README's install commands and its example, and
examples/record_and_tail.py, run as written against a real pactlogd."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

import pactlog
from support import REPO_DIR, SDK_DIR, Server

README = (SDK_DIR / "README.md").read_text()


def block_after(marker: str, language: str) -> str:
    """The fenced block that follows the HTML comment starting with `marker`."""
    match = re.search(r"<!-- " + re.escape(marker) + r"[^>]*-->\s*```" + language +
                      r"\n(.*?)```", README, re.S)
    if not match:
        raise AssertionError(f"README.md has no ```{language} block after '<!-- {marker}'")
    return match.group(1)


class ReadmeTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pactlog-py-readme-")
        cls.venv = os.path.join(cls.tmp, "venv")
        # Everything but the PYTHONPATH this suite runs with: the venv must
        # find pactlog through its own install.
        cls.env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        for line in block_after("install:", "sh").splitlines():
            if not line.strip() or line.startswith("sudo apt-get"):
                continue  # test.sh's machine has the packages (debian-packages.txt)
            command = line.replace("~/.venvs/pactlog", cls.venv)
            if cls.venv not in command:
                raise AssertionError(f"README install step without ~/.venvs/pactlog: {line}")
            done = subprocess.run(command, shell=True, cwd=REPO_DIR, env=cls.env,
                                  capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                shutil.rmtree(cls.tmp, ignore_errors=True)
                raise AssertionError(f"README install step failed: {command}\n"
                                     f"{done.stdout}\n{done.stderr}")
        cls.python = os.path.join(cls.venv, "bin", "python")
        cls.server = Server()
        cls.server.start()
        cls.env["PACTLOG_ADDRESS"] = cls.server.address

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_python(self, *args):
        done = subprocess.run([self.python, *args], cwd=self.tmp, env=self.env,
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, f"{args} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def test_install_puts_the_package_and_its_generated_modules_in_the_venv(self):
        out = self.run_python("-c", "import pactlog, pactlog.v1.stream_pb2_grpc as s; "
                                    "print(pactlog.__file__); print(s.EventStreamStub)")
        self.assertTrue(out.startswith(os.path.join(self.venv, "lib")), out)

    def test_the_example_runs_as_written_and_twice(self):
        script = os.path.join(self.tmp, "example.py")
        with open(script, "w") as f:
            f.write(block_after("example:", "python"))
        for _ in range(2):
            self.assertEqual(self.run_python(script), "550000000000 USD of headroom\n")
        with pactlog.Client(self.server.address) as client:
            self.assertEqual(client.get_deal("us-japan").deal.version, 1)

    def test_record_and_tail(self):
        deal = "us-japan-example"
        example = str(SDK_DIR / "examples" / "record_and_tail.py")
        out = self.run_python(example, "--deal", deal, "--until-caught-up")
        self.assertIn("recorded: sequences", out)
        self.assertIn("headroom $450,000,000,000", out)
        tail = [line for line in out.splitlines() if line.startswith("#")]
        self.assertEqual(len(tail), 5, out)
        self.assertIn(f"{deal} v5 2026-03-01 disbursed to westinghouse-ap1000: "
                      "$2,000,000,000 via JBIC", tail[-1])
        self.assertRegex(out, r"-- caught up at sequence \d+; live now")
        again = self.run_python(example, "--address", self.server.address, "--deal", deal,
                                "--until-caught-up")
        self.assertIn("already recorded", again)
        self.assertNotIn("\nrecorded:", again)
        self.assertEqual([line for line in again.splitlines() if line.startswith("#")], tail)


if __name__ == "__main__":
    unittest.main()
