#!/usr/bin/python3
"""The cross-SDK scenario (tests/sdk_alike/SCENARIO.md) in Python.

    scenario.py DEAL_PREFIX            the seven steps, one JSON line each
    scenario.py --follow DEAL_PREFIX   the restart step

Uses only pactlog's public API with default options; the server comes from
$PACTLOG_ADDRESS. Needs the SDK installed (sdk/python/README.md) or on
PYTHONPATH (sdk/python/src after sdk/python/generate.py).
"""

import json
import os
import sys
import time

import pactlog

SOURCE = "tests/sdk_alike scenario"


def emit(**fields) -> None:
    print(json.dumps(fields, separators=(",", ":")), flush=True)


def announcement(title: str, event_id: str = "") -> pactlog.EventData:
    return pactlog.deal_announcement(title, "JP", "US", pactlog.usd(550_000_000_000),
                                     {"all-goods": pactlog.bps(15)}, source=SOURCE,
                                     event_id=event_id)


def first_event(client: pactlog.Client, deal: str) -> pactlog.Event:
    (event,) = client.read(0, 1, deal_ids=[deal]).events
    return event


def refused(call) -> pactlog.PactlogError:
    try:
        call()
    except pactlog.PactlogError as e:
        return e
    raise SystemExit("scenario.py: the server accepted what it should refuse")


def scenario(prefix: str) -> None:
    d1, d2 = f"{prefix}-1", f"{prefix}-2"
    with pactlog.Client() as client:
        # 1. An append through a client made from the environment only. The
        # fixed event id makes a second run of the program a deduplicated
        # repeat instead of a broken rule.
        result = client.append(d1, announcement(f"{prefix} deal one", f"{d1}/announcement"))
        event = first_event(client, d1)
        emit(step="append", actor=event.actor,
             firmness=pactlog.Firmness(event.data.provenance.firmness).name,
             attempts=result.attempts,
             durability=result.durability.name if result.durability else None)

        # 2. PACTLOG_ACTOR, set in the process for a second client.
        os.environ["PACTLOG_ACTOR"] = "alike-env-actor"
        with pactlog.Client() as second:
            second.append(d2, announcement(f"{prefix} deal two", f"{d2}/announcement"))
            emit(step="actor-env", actor=first_event(second, d2).actor)
        del os.environ["PACTLOG_ACTOR"]

        # 3. An expected version that does not hold.
        error = refused(lambda: client.append(d1, announcement(f"{prefix} again"),
                                              expected_version=0))
        emit(step="aborted", code=error.code.name, current_version=error.current_version)

        # 4. Bad fields.
        error = refused(lambda: client.append("Bad Deal!", announcement(f"{prefix} bad")))
        emit(step="invalid", code=error.code.name,
             fields=sorted(v.field for v in error.field_violations))

        # 5. A broken rule: the deal is announced already.
        error = refused(lambda: client.append(d1, announcement(f"{prefix} twice")))
        emit(step="rule", code=error.code.name, rule=error.rule)

        # 6. One page, then every page.
        page = client.list_deals_page(page_size=1)
        emit(step="list", one_page=len(page.deals), has_next=bool(page.next_page_token),
             all=sum(1 for _ in client.list_deals(page_size=1)))

        # 7. The history, counted until the subscription says caught up.
        with client.subscribe() as sub:
            history = sum(1 for _ in sub.until_caught_up())
            emit(step="caught-up", history=history, sequence=sub.caught_up_sequence)


def follow(prefix: str) -> None:
    stop = f"{prefix}-stop"
    with pactlog.Client() as client, client.subscribe() as sub:
        for event in sub:
            emit(sequence=event.sequence, deal=event.deal_id,
                 received_unix_ms=int(time.time() * 1000))
            if event.deal_id == stop:
                return


def main(argv) -> int:
    if len(argv) == 2 and not argv[1].startswith("-"):
        scenario(argv[1])
    elif len(argv) == 3 and argv[1] == "--follow":
        follow(argv[2])
    else:
        print("usage: scenario.py DEAL_PREFIX | scenario.py --follow DEAL_PREFIX",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
