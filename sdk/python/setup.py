"""Build hook: generates pactlog.v1 and pactlog._rpc (generate.py) before
setuptools looks for the package's modules, both when it writes the
metadata (egg_info, which also makes an sdist's file list) and when it
builds (build_py). From the repository that also refreshes the shipped copy
of the contract, `proto/`, which the sdist includes (MANIFEST.in); from an
sdist or a copied folder that copy is what is built. All metadata is in
pyproject.toml."""

import os
import sys

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.egg_info import egg_info

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate  # noqa: E402  (generate.py beside this file)


def _generate_stubs():
    # PACTLOG_PROTO_DIR (read by generate.py) overrides where the contract is.
    generate.generate(None, generate.DEFAULT_OUT_DIR)


class EggInfoWithStubs(egg_info):
    def run(self):
        _generate_stubs()
        super().run()


class BuildPyWithStubs(build_py):
    def run(self):
        _generate_stubs()
        super().run()


setup(cmdclass={"egg_info": EggInfoWithStubs, "build_py": BuildPyWithStubs})
