#!/usr/bin/python3
"""Records the US-Japan deal and one of its projects, then tails the log.

    /usr/bin/python3 sdk/python/examples/record_and_tail.py --address 127.0.0.1:50051

Recording is idempotent: the event ids are fixed, so running this twice
records the deal once (the second run prints "already recorded"). The tail
prints every event of the deal from the beginning of the log, then follows
new ones live until Ctrl-C (or, with --until-caught-up, stops once the
history has been printed). It resumes by itself if pactlogd restarts.
"""

import argparse
import datetime as dt
import sys

import pactlog

FACT_SHEET = "https://www.whitehouse.gov/fact-sheets/2025/09/us-japan-investment"


def utc(year, month, day):
    return dt.datetime(year, month, day, tzinfo=dt.timezone.utc)


def record(client: pactlog.Client, deal: str) -> None:
    deal_events = [
        pactlog.deal_announcement(
            "US-Japan Strategic Investment Framework", "JP", "US",
            pactlog.usd(550_000_000_000), {"all-goods": pactlog.bps(15)},
            source=FACT_SHEET, firmness="officially_announced",
            effective_time=utc(2025, 7, 22), event_id=f"{deal}/announcement"),
        pactlog.tariff_change(
            "all-goods", pactlog.bps(15), "Executive Order 14345", "framework implemented",
            source=FACT_SHEET, firmness="confirmed", effective_time=utc(2025, 9, 16),
            event_id=f"{deal}/tariff-15"),
    ]
    project = "westinghouse-ap1000"
    project_events = [
        pactlog.project_announcement(
            project, "AP1000 reactors", pactlog.Sector.ENERGY, "PA",
            pactlog.usd(100_000_000_000), ["Westinghouse"], source=FACT_SHEET,
            effective_time=utc(2025, 10, 28), event_id=f"{deal}/{project}/announcement"),
        pactlog.approval(
            project, pactlog.usd(60_000_000_000), "US Investment Committee",
            source=FACT_SHEET, effective_time=utc(2026, 1, 5),
            event_id=f"{deal}/{project}/approval-1"),
        pactlog.disbursement(
            project, pactlog.usd(2_000_000_000), pactlog.FundingSource.JBIC, "T1",
            source=FACT_SHEET, effective_time=utc(2026, 3, 1),
            event_id=f"{deal}/{project}/t1"),
    ]
    for events in (deal_events, project_events):
        result = client.append(deal, events)
        state = "already recorded" if result.deduplicated else "recorded"
        print(f"{state}: sequences {result.sequences[0]}..{result.last_sequence}, "
              f"deal version {result.deal_version}")

    state = client.get_deal(deal, at_least_sequence=result.last_sequence).deal
    print(f"{state.title}: pledged ${state.totals.pledged.minor_units // 100:,}, "
          f"approved ${state.totals.approved.minor_units // 100:,}, "
          f"disbursed ${state.totals.disbursed.minor_units // 100:,}, "
          f"headroom ${state.headroom.minor_units // 100:,}")


def describe(event: pactlog.Event) -> str:
    kind = event.data.WhichOneof("kind")
    body = getattr(event.data, kind)
    if kind == "announcement":
        subject = body.WhichOneof("subject")
        what = (f"deal '{body.deal.title}'" if subject == "deal"
                else f"project {body.project.project_id} ({body.project.us_state})")
        detail = f"announced {what}"
    elif kind == "approval":
        detail = f"approved {body.project_id}: ${body.amount.minor_units // 100:,}"
    elif kind == "disbursement":
        source = pactlog.FundingSource(body.funding_source).name
        detail = f"disbursed to {body.project_id}: ${body.amount.minor_units // 100:,} via {source}"
    elif kind == "amendment":
        detail = f"{body.WhichOneof('change').replace('_', ' ')} of {body.target_event_id}"
    else:
        detail = f"tariff on {body.product_category}: {body.rate_bps / 100:g}%"
    effective = pactlog.to_datetime(event.data.effective_time).date()
    return f"#{event.sequence} {event.deal_id} v{event.deal_version} {effective} {detail}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", help="pactlogd host:port (default $PACTLOG_ADDRESS "
                                          f"or {pactlog.DEFAULT_ADDRESS})")
    parser.add_argument("--deal", default="us-japan", help="deal id (default us-japan)")
    parser.add_argument("--until-caught-up", action="store_true",
                        help="stop once the history has been printed")
    args = parser.parse_args()

    with pactlog.Client(args.address) as client:
        client.wait_until_ready()
        record(client, args.deal)
        print("tailing the log (Ctrl-C to stop)")
        with client.subscribe(deal_ids=[args.deal], markers=True) as tail:
            try:
                for item in tail:
                    if isinstance(item, pactlog.Event):
                        print(describe(item), flush=True)
                    elif isinstance(item, pactlog.CaughtUp):
                        print(f"-- caught up at sequence {item.sequence}; live now", flush=True)
                        if args.until_caught_up:
                            break
            except KeyboardInterrupt:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
