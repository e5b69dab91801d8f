"""Build hook: generates pactlog.v1 from the repository's proto/ (see
generate.py) before setuptools looks for the package's modules, both when it
writes the metadata (egg_info lists the package's files) and when it builds
(build_py). All metadata is in pyproject.toml."""

import os
import sys

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.egg_info import egg_info

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate  # noqa: E402  (generate.py beside this file)


def _generate_stubs():
    # PACTLOG_PROTO_DIR: the contract's root when building outside the repo.
    proto_dir = os.environ.get("PACTLOG_PROTO_DIR") or generate.DEFAULT_PROTO_DIR
    generate.generate(proto_dir, generate.DEFAULT_OUT_DIR)


class EggInfoWithStubs(egg_info):
    def run(self):
        _generate_stubs()
        super().run()


class BuildPyWithStubs(build_py):
    def run(self):
        _generate_stubs()
        super().run()


setup(cmdclass={"egg_info": EggInfoWithStubs, "build_py": BuildPyWithStubs})
