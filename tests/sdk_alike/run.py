#!/usr/bin/python3
"""Runs the cross-SDK scenario (tests/sdk_alike/SCENARIO.md) against one real
pactlogd and compares what the four SDKs report.

    run.py LANG=COMMAND ...    e.g. python="/usr/bin/python3 .../scenario.py"

Each COMMAND is split on spaces and given DEAL_PREFIX (and --follow first for
the restart step). Exits non-zero with every difference listed. The resume
delays measured in the restart step are printed, one line per SDK.
"""

import json
import os
import pathlib
import shlex
import signal
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "sdk" / "python" / "src"))
sys.path.insert(0, str(ROOT / "sdk" / "python" / "tests"))

import pactlog  # noqa: E402
from support import Server  # noqa: E402

STEP_TIMEOUT = 120.0
SOURCE = "tests/sdk_alike runner"


def environment(server: Server) -> dict:
    env = {"PACTLOG_ADDRESS": server.address}
    for name in ("PATH", "HOME", "USER", "LANG"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def announcement() -> pactlog.EventData:
    return pactlog.deal_announcement("runner", "JP", "US", pactlog.usd(1_000),
                                     {"all-goods": pactlog.bps(15)}, source=SOURCE)


def expected_steps(prefix: str, done_before: int) -> dict:
    """What each step must print for the program that runs after
    `done_before` others (each adds two deals of one event each)."""
    recorded = 2 * (done_before + 1)
    return {
        "append": {"firmness": "REPORTED", "attempts": 1,
                   "durability": "SYNCED_LOCAL"},
        "actor-env": {"actor": "alike-env-actor"},
        "aborted": {"code": "ABORTED", "current_version": 1},
        "invalid": {"code": "INVALID_ARGUMENT"},
        "rule": {"code": "FAILED_PRECONDITION", "rule": "deal-announced-once"},
        "list": {"one_page": 1, "has_next": True, "all": recorded},
        "caught-up": {"history": recorded, "sequence": recorded},
    }


def run_steps(lang: str, command: list, server: Server, done_before: int,
              problems: list) -> dict:
    prefix = f"alike-{lang}"
    out = subprocess.run(command + [prefix], env=environment(server),
                         capture_output=True, text=True, timeout=STEP_TIMEOUT)
    if out.returncode != 0:
        problems.append(f"{lang}: exited {out.returncode}: {out.stderr.strip()}")
        return {}
    lines = {}
    for line in out.stdout.splitlines():
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            problems.append(f"{lang}: not JSON: {line!r}")
            continue
        lines[item.get("step")] = item
    for step, want in expected_steps(prefix, done_before).items():
        got = lines.get(step)
        if got is None:
            problems.append(f"{lang}: no line for step {step!r}")
            continue
        for key, value in want.items():
            if got.get(key) != value:
                problems.append(f"{lang}: step {step}: {key} = {got.get(key)!r}, "
                                f"want {value!r}")
    invalid = lines.get("invalid", {})
    if not invalid.get("fields") or invalid.get("fields") != sorted(invalid.get("fields")):
        problems.append(f"{lang}: step invalid: fields {invalid.get('fields')!r} "
                        "must be the sorted, non-empty list of violated fields")
    return lines


def restart_step(lang: str, command: list, server: Server, problems: list):
    """The --follow program across a SIGKILL and restart of pactlogd; returns
    the resume delay in ms (None when it failed)."""
    prefix = f"alike-{lang}-follow"
    follower = subprocess.Popen(command + ["--follow", prefix],
                                env=environment(server), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    received = []

    def read_until(deal: str):
        while True:
            line = follower.stdout.readline()
            if not line:
                raise RuntimeError(f"the follow program ended: {follower.stderr.read()}")
            item = json.loads(line)
            received.append(item)
            if item.get("deal") == deal:
                return item

    try:
        with pactlog.Client(server.address) as writer:
            writer.append(f"{prefix}-before", [announcement()])
        read_until(f"{prefix}-before")  # the subscription is live
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
        server.start()  # returns once the new server answers a health check
        serving_ms = time.time() * 1000.0
        with pactlog.Client(server.address) as writer:
            writer.append(f"{prefix}-after", [announcement()])
            writer.append(f"{prefix}-stop", [announcement()])
        after = read_until(f"{prefix}-after")
        read_until(f"{prefix}-stop")
        follower.wait(timeout=STEP_TIMEOUT)
    except Exception as e:  # noqa: BLE001 - reported as a difference
        follower.kill()
        problems.append(f"{lang}: restart step: {e}")
        return None
    sequences = [item["sequence"] for item in received]
    if sequences != list(range(sequences[0], sequences[0] + len(sequences))):
        problems.append(f"{lang}: restart step: gap or duplicate in {sequences}")
    return after["received_unix_ms"] - serving_ms


def main(argv: list) -> int:
    programs = []
    for arg in argv[1:]:
        lang, _, command = arg.partition("=")
        programs.append((lang, shlex.split(command)))
    if not programs:
        print(__doc__, file=sys.stderr)
        return 2
    problems = []
    server = Server()
    server.start()
    try:
        actors = {}
        for done_before, (lang, command) in enumerate(programs):
            lines = run_steps(lang, command, server, done_before, problems)
            actors[lang] = lines.get("append", {}).get("actor")
        if len(set(actors.values())) != 1 or None in actors.values():
            problems.append(f"default actors differ: {actors}")
        delays = {}
        for lang, command in programs:
            delays[lang] = restart_step(lang, command, server, problems)
        for lang, delay in delays.items():
            if delay is not None:
                print(f"[tests/sdk_alike] {lang}: resumed {delay:.0f} ms after "
                      "pactlogd was serving again")
    finally:
        server.stop()
        server.cleanup()
    for problem in problems:
        print(f"tests/sdk_alike: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"[tests/sdk_alike] {len(programs)} SDKs alike: "
          + ", ".join(lang for lang, _ in programs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
