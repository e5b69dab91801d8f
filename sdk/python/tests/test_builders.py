"""The client-side helpers that need no server: money, rates, times, enums
and event builders. (What the server makes of the events is tested in
test_append.py and test_queries.py.)"""

import datetime as dt
import decimal
import unittest

import pactlog


class MoneyAndRatesTest(unittest.TestCase):

    def test_usd_is_exact(self):
        self.assertEqual(pactlog.usd(550_000_000_000).minor_units, 55_000_000_000_000)
        self.assertEqual(pactlog.usd("19.99").minor_units, 1999)
        self.assertEqual(pactlog.usd(decimal.Decimal("0.10")).minor_units, 10)
        self.assertEqual(pactlog.usd(1).currency_code, "USD")
        with self.assertRaises(TypeError):
            pactlog.usd(0.1)
        with self.assertRaises(ValueError):
            pactlog.usd("1.005")
        with self.assertRaises(ValueError):
            pactlog.usd("ten")

    def test_money_takes_minor_units(self):
        yen = pactlog.money(5_000, "JPY")
        self.assertEqual((yen.currency_code, yen.minor_units), ("JPY", 5000))
        with self.assertRaises(TypeError):
            pactlog.money(1.5, "JPY")

    def test_bps(self):
        self.assertEqual(pactlog.bps(15), 1500)
        self.assertEqual(pactlog.bps("27.5"), 2750)
        with self.assertRaises(ValueError):
            pactlog.bps("0.001")


class TimeTest(unittest.TestCase):

    def test_aware_datetimes_round_trip_in_any_zone(self):
        tokyo = dt.timezone(dt.timedelta(hours=9))
        when = dt.datetime(2026, 2, 18, 9, 30, 0, 123456, tzinfo=tokyo)
        ts = pactlog.to_timestamp(when)
        self.assertEqual(ts.seconds, int(dt.datetime(2026, 2, 18, 0, 30,
                                                     tzinfo=dt.timezone.utc).timestamp()))
        self.assertEqual(ts.nanos, 123456000)
        self.assertEqual(pactlog.to_datetime(ts), when)

    def test_before_1970(self):
        when = dt.datetime(1945, 8, 15, 12, 0, 0, 500000, tzinfo=dt.timezone.utc)
        self.assertEqual(pactlog.to_datetime(pactlog.to_timestamp(when)), when)

    def test_naive_datetimes_are_refused(self):
        with self.assertRaises(ValueError):
            pactlog.to_timestamp(dt.datetime(2026, 1, 1))
        with self.assertRaises(TypeError):
            pactlog.to_timestamp("2026-01-01")


class EnumsAndBuildersTest(unittest.TestCase):

    def test_enums_mirror_the_proto(self):
        from pactlog.v1 import events_pb2
        self.assertEqual(pactlog.Sector.OIL_AND_GAS, events_pb2.SECTOR_OIL_AND_GAS)
        self.assertEqual(pactlog.FundingSource.NEXI, events_pb2.FUNDING_SOURCE_NEXI)
        self.assertNotIn("UNSPECIFIED", pactlog.Sector.__members__)

    def test_names_numbers_and_members_are_accepted(self):
        for sector in ("oil-and-gas", "OIL_AND_GAS", "SECTOR_OIL_AND_GAS", 5,
                       pactlog.Sector.OIL_AND_GAS):
            event = pactlog.project_announcement("p", "n", sector, "TX", pactlog.usd(1),
                                                 source="s")
            self.assertEqual(event.announcement.project.sector, pactlog.Sector.OIL_AND_GAS)
        with self.assertRaises(ValueError):
            pactlog.project_announcement("p", "n", "fishing", "TX", pactlog.usd(1), source="s")
        with self.assertRaises(TypeError):  # another enum's member
            pactlog.disbursement("p", pactlog.usd(1), pactlog.Sector.ENERGY, source="s")
        with self.assertRaises(ValueError):
            pactlog.approval("p", pactlog.usd(1), "b", source="s", firmness=0)

    def test_builders_fill_every_field(self):
        event = pactlog.deal_announcement(
            "US-Japan", "JP", "US", pactlog.usd(550_000_000_000),
            [("all-goods", 1500), pactlog.TariffCap(product_category="autos", max_rate_bps=1500)],
            source="fact sheet", firmness="confirmed",
            effective_time=dt.datetime(2025, 7, 22, tzinfo=dt.timezone.utc), event_id="e1")
        deal = event.announcement.deal
        self.assertEqual(event.event_id, "e1")
        self.assertEqual(event.provenance.firmness, pactlog.Firmness.CONFIRMED)
        self.assertEqual([c.product_category for c in deal.tariff_caps], ["all-goods", "autos"])
        self.assertEqual(deal.commitment_ceiling.minor_units, 55_000_000_000_000)
        change = pactlog.tariff_change("autos", 2750, "Proclamation", source="s").tariff_change
        self.assertEqual((change.rate_bps, change.reason), (2750, ""))
        with self.assertRaises(TypeError):
            pactlog.tariff_change("autos", 27.5, "Proclamation", source="s")
        with self.assertRaises(TypeError):
            pactlog.project_announcement("p", "n", "energy", "TX", pactlog.usd(1), "Sponsor",
                                         source="s")

    def test_allocation_announcement(self):
        event = pactlog.allocation_announcement(
            "mitsubishi", "Mitsubishi Electric systems", "company", "ai-infrastructure",
            pactlog.usd(30_000_000_000),
            [pactlog.lead_company("Mitsubishi Electric", "JP"), ("Toshiba", "JP"), "Hitachi"],
            scope="power systems for AI data centers", source="fact sheet", event_id="a1")
        allocation = event.announcement.allocation
        self.assertEqual(event.announcement.WhichOneof("subject"), "allocation")
        self.assertEqual((allocation.allocation_id, allocation.name),
                         ("mitsubishi", "Mitsubishi Electric systems"))
        self.assertEqual(allocation.basis, pactlog.AllocationBasis.COMPANY)
        self.assertEqual(allocation.sector, pactlog.Sector.AI_INFRASTRUCTURE)
        self.assertTrue(allocation.HasField("cap"))
        self.assertEqual(allocation.cap, pactlog.usd(30_000_000_000))
        self.assertEqual(allocation.scope, "power systems for AI data centers")
        self.assertEqual([(c.name, c.country) for c in allocation.lead_companies],
                         [("Mitsubishi Electric", "JP"), ("Toshiba", "JP"), ("Hitachi", "")])
        self.assertEqual(allocation.parent_allocation_id, "")

    def test_allocation_without_cap_or_sector_and_an_earmark(self):
        top = pactlog.allocation_announcement("energy", "Energy infrastructure",
                                              pactlog.AllocationBasis.SECTOR, source="s")
        allocation = top.announcement.allocation
        self.assertEqual(allocation.basis, pactlog.AllocationBasis.SECTOR)
        self.assertEqual(allocation.sector, 0, "no sector: spans sectors")
        self.assertFalse(allocation.HasField("cap"), "no cap: amount not reported")
        self.assertEqual(len(allocation.lead_companies), 0)
        earmark = pactlog.allocation_announcement(
            "cooling", "Cooling", "ALLOCATION_BASIS_SECTOR", "energy", pactlog.usd(20_000_000_000),
            parent_allocation_id="energy", source="s").announcement.allocation
        self.assertEqual((earmark.parent_allocation_id, earmark.cap.minor_units),
                         ("energy", 2_000_000_000_000))
        self.assertEqual(earmark.sector, pactlog.Sector.ENERGY)

    def test_allocation_bad_input(self):
        with self.assertRaisesRegex(ValueError, "basis: 'country' is not"):
            pactlog.allocation_announcement("a", "n", "country", source="s")
        with self.assertRaisesRegex(ValueError, "basis"):
            pactlog.allocation_announcement("a", "n", 0, source="s")
        with self.assertRaises(TypeError):  # a Sector is no AllocationBasis
            pactlog.allocation_announcement("a", "n", pactlog.Sector.ENERGY, source="s")
        with self.assertRaisesRegex(ValueError, "sector"):
            pactlog.allocation_announcement("a", "n", "sector", "fishing", source="s")
        with self.assertRaisesRegex(TypeError, "cap"):
            pactlog.allocation_announcement("a", "n", "sector", cap=30_000_000_000, source="s")
        with self.assertRaisesRegex(TypeError, "lead_companies"):
            pactlog.allocation_announcement("a", "n", "company", lead_companies="Mitsubishi",
                                            source="s")
        with self.assertRaisesRegex(TypeError, r"lead_companies\[0\]"):
            pactlog.allocation_announcement("a", "n", "company", lead_companies=[42], source="s")

    def test_project_without_site_then_its_site(self):
        event = pactlog.project_announcement("cooling-tx", "Cooling plant", "energy", "",
                                             pactlog.usd(5_000_000_000), allocation_id="cooling",
                                             source="s")
        project = event.announcement.project
        self.assertEqual((project.us_state, project.allocation_id), ("", "cooling"))
        unsited = pactlog.project_announcement("p", "n", "energy", None, pactlog.usd(1),
                                               source="s")
        self.assertEqual(unsited.announcement.project.us_state, "")
        self.assertEqual(unsited.announcement.project.allocation_id, "")
        site = pactlog.project_site("cooling-tx", "TX", source="s", firmness="confirmed",
                                    event_id="site-1")
        self.assertEqual(site.announcement.WhichOneof("subject"), "project_site")
        self.assertEqual((site.announcement.project_site.project_id,
                          site.announcement.project_site.us_state), ("cooling-tx", "TX"))
        self.assertEqual((site.event_id, site.provenance.firmness),
                         ("site-1", pactlog.Firmness.CONFIRMED))

    def test_tariff_change_over_several_categories(self):
        change = pactlog.tariff_change(["autos", "auto-parts", "trucks"], 1500,
                                       "Proclamation", source="s").tariff_change
        self.assertEqual(change.product_category, "autos")
        self.assertEqual(list(change.product_categories), ["auto-parts", "trucks"])
        self.assertEqual(change.rate_bps, 1500)
        one = pactlog.tariff_change(("autos",), 1500, "Proclamation", source="s").tariff_change
        self.assertEqual((one.product_category, list(one.product_categories)), ("autos", []))
        single = pactlog.tariff_change("autos", 1500, "Proclamation", source="s").tariff_change
        self.assertEqual((single.product_category, list(single.product_categories)),
                         ("autos", []))
        with self.assertRaisesRegex(ValueError, "at least one category"):
            pactlog.tariff_change([], 1500, "Proclamation", source="s")
        with self.assertRaisesRegex(ValueError, "'autos' given twice"):
            pactlog.tariff_change(["autos", "auto-parts", "autos"], 1500, "Proclamation",
                                  source="s")
        with self.assertRaisesRegex(TypeError, "product_category"):
            pactlog.tariff_change(["autos", 7], 1500, "Proclamation", source="s")

    def test_asserted_by_on_any_event(self):
        self.assertEqual(pactlog.approval("p", pactlog.usd(1), "b", source="s")
                         .provenance.asserted_by, "", "not said by default")
        events = [
            pactlog.deal_announcement("t", "JP", "US", pactlog.usd(1), source="s",
                                      asserted_by="US"),
            pactlog.project_announcement("p", "n", "energy", "TX", pactlog.usd(1), source="s",
                                         asserted_by="US"),
            pactlog.project_site("p", "TX", source="s", asserted_by="US"),
            pactlog.allocation_announcement("a", "n", "sector", source="s", asserted_by="US"),
            pactlog.approval("p", pactlog.usd(1), "b", source="s", asserted_by="US"),
            pactlog.disbursement("p", pactlog.usd(1), "jbic", source="s", asserted_by="US"),
            pactlog.tariff_change("autos", 1500, "EO", source="s", asserted_by="US"),
            pactlog.deal_terms(source="s", asserted_by="US"),
        ]
        for event in events:
            self.assertEqual(event.provenance.asserted_by, "US", event)
            self.assertEqual(event.provenance.source, "s")
        outlet = pactlog.approval("p", pactlog.usd(1), "b", source="s", asserted_by="Nikkei")
        self.assertEqual(outlet.provenance.asserted_by, "Nikkei")
        with self.assertRaisesRegex(TypeError, "asserted_by"):
            pactlog.approval("p", pactlog.usd(1), "b", source="s", asserted_by=None)

    def test_deal_terms_fill_every_field(self):
        event = pactlog.deal_terms(
            project_selector="US investment committee led by the Secretary of Commerce",
            final_decision="the President",
            funding_channels=["jbic", pactlog.FundingSource.NEXI],
            funding_deadline_days=45, enforcement_clause="the US may raise tariffs",
            profit_sharing="90% to the US after recovery",
            other_commitments=["defense spending", "investment reviews"],
            oversight="US Department of Commerce", asserted_by="US", source="fact sheet",
            firmness="officially-announced",
            effective_time=dt.datetime(2025, 9, 4, tzinfo=dt.timezone.utc), event_id="terms-us")
        self.assertEqual(event.announcement.WhichOneof("subject"), "terms")
        terms = event.announcement.terms
        self.assertEqual(terms.project_selector,
                         "US investment committee led by the Secretary of Commerce")
        self.assertEqual(terms.final_decision, "the President")
        self.assertEqual(list(terms.funding_channels),
                         [pactlog.FundingSource.JBIC, pactlog.FundingSource.NEXI])
        self.assertEqual(terms.funding_deadline_days, 45)
        self.assertEqual(terms.enforcement_clause, "the US may raise tariffs")
        self.assertEqual(terms.profit_sharing, "90% to the US after recovery")
        self.assertEqual(list(terms.other_commitments),
                         ["defense spending", "investment reviews"])
        self.assertEqual(terms.oversight, "US Department of Commerce")
        self.assertEqual((event.event_id, event.provenance.asserted_by,
                          event.provenance.firmness),
                         ("terms-us", "US", pactlog.Firmness.OFFICIALLY_ANNOUNCED))
        self.assertEqual(event.effective_time.seconds,
                         int(dt.datetime(2025, 9, 4, tzinfo=dt.timezone.utc).timestamp()))
        self.assertIsInstance(terms, pactlog.DealTerms)

    def test_deal_terms_all_empty_is_still_terms(self):
        event = pactlog.deal_terms(source="s")
        self.assertEqual(event.announcement.WhichOneof("subject"), "terms")
        terms = event.announcement.terms
        self.assertEqual((terms.funding_deadline_days, list(terms.funding_channels),
                          event.provenance.asserted_by), (0, [], ""))

    def test_deal_terms_bad_input(self):
        with self.assertRaisesRegex(ValueError, r"funding_channels\[1\]: 'swift' is not"):
            pactlog.deal_terms(funding_channels=["jbic", "swift"], source="s")
        with self.assertRaisesRegex(TypeError, "funding_channels"):
            pactlog.deal_terms(funding_channels="jbic", source="s")
        with self.assertRaises(TypeError):  # a Sector is no FundingSource
            pactlog.deal_terms(funding_channels=[pactlog.Sector.ENERGY], source="s")
        with self.assertRaisesRegex(ValueError, "jbic given twice"):
            pactlog.deal_terms(funding_channels=["jbic", "FUNDING_SOURCE_JBIC"], source="s")
        with self.assertRaisesRegex(TypeError, "funding_deadline_days"):
            pactlog.deal_terms(funding_deadline_days="45", source="s")
        with self.assertRaisesRegex(ValueError, "funding_deadline_days"):
            pactlog.deal_terms(funding_deadline_days=-1, source="s")
        with self.assertRaisesRegex(TypeError, "other_commitments"):
            pactlog.deal_terms(other_commitments="defense spending", source="s")
        with self.assertRaisesRegex(TypeError, r"other_commitments\[0\]"):
            pactlog.deal_terms(other_commitments=[1], source="s")
        with self.assertRaises(TypeError):  # source is required
            pactlog.deal_terms(asserted_by="US")

    def test_funding_status_mirrors_the_proto(self):
        from pactlog.v1 import state_pb2
        self.assertEqual(pactlog.FundingStatus.OVERDUE, state_pb2.FUNDING_STATUS_OVERDUE)
        self.assertEqual(pactlog.FundingStatus.NO_DEADLINE, state_pb2.FUNDING_STATUS_NO_DEADLINE)
        self.assertNotIn("UNSPECIFIED", pactlog.FundingStatus.__members__)

    def test_filters(self):
        f = pactlog.make_filter(deal_ids="us-japan", kinds=["approval", "disbursement"],
                                sectors=pactlog.Sector.ENERGY, product_categories=["autos"])
        self.assertEqual(list(f.deal_ids), ["us-japan"])
        self.assertEqual(list(f.kinds), [pactlog.EventKind.APPROVAL,
                                         pactlog.EventKind.DISBURSEMENT])
        self.assertEqual(list(f.sectors), [pactlog.Sector.ENERGY])
        self.assertEqual(list(f.product_categories), ["autos"])


class AmendmentBuildersTest(unittest.TestCase):
    """The amendment builders and restates: every field they set, exactly."""

    WHEN = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)

    def test_revision(self):
        event = pactlog.revision("approval-1", pactlog.usd(800_000), "committee cut it",
                                 source="minutes", firmness="confirmed", asserted_by="US",
                                 effective_time=self.WHEN, event_id="rev-1")
        self.assertEqual(event.WhichOneof("kind"), "amendment")
        amendment = event.amendment
        self.assertEqual(amendment.WhichOneof("change"), "revised_amount")
        self.assertEqual(amendment.target_event_id, "approval-1")
        self.assertEqual(amendment.reason, "committee cut it")
        self.assertEqual((amendment.revised_amount.currency_code,
                          amendment.revised_amount.minor_units), ("USD", 80_000_000))
        self.assertEqual((event.event_id, event.provenance.source, event.provenance.firmness,
                          event.provenance.asserted_by),
                         ("rev-1", "minutes", pactlog.Firmness.CONFIRMED, "US"))
        self.assertEqual(pactlog.to_datetime(event.effective_time), self.WHEN)
        self.assertEqual(list(event.restates), [])
        plain = pactlog.revision("p-1", pactlog.money(5, "JPY"), source="s")
        self.assertEqual(plain.amendment.reason, "")
        self.assertEqual(plain.event_id, "")
        self.assertEqual(plain.provenance.firmness, pactlog.Firmness.REPORTED)
        self.assertFalse(plain.HasField("effective_time"), "default: when recorded")
        with self.assertRaisesRegex(TypeError, "amount"):
            pactlog.revision("p-1", 800_000, source="s")
        with self.assertRaisesRegex(ValueError, "target_event_id"):
            pactlog.revision("", pactlog.usd(1), source="s")
        with self.assertRaisesRegex(TypeError, "target_event_id"):
            pactlog.revision(None, pactlog.usd(1), source="s")

    def test_withdrawal_and_retraction_need_a_reason(self):
        withdrawn = pactlog.withdrawal("project-1", "sponsor pulled out", source="press",
                                       event_id="w-1", effective_time=self.WHEN)
        self.assertEqual(withdrawn.amendment.WhichOneof("change"), "withdrawal")
        self.assertEqual((withdrawn.amendment.target_event_id, withdrawn.amendment.reason),
                         ("project-1", "sponsor pulled out"))
        self.assertEqual(withdrawn.event_id, "w-1")
        self.assertEqual(pactlog.to_datetime(withdrawn.effective_time), self.WHEN)
        retracted = pactlog.retraction("project-2", "never announced", source="correction note",
                                       firmness="officially-announced", asserted_by="JP")
        self.assertEqual(retracted.amendment.WhichOneof("change"), "retraction")
        self.assertEqual((retracted.amendment.target_event_id, retracted.amendment.reason),
                         ("project-2", "never announced"))
        self.assertEqual((retracted.provenance.firmness, retracted.provenance.asserted_by),
                         (pactlog.Firmness.OFFICIALLY_ANNOUNCED, "JP"))
        self.assertFalse(retracted.HasField("effective_time"),
                         "takes effect when the target did: left to the server")
        with self.assertRaisesRegex(ValueError, "reason"):
            pactlog.withdrawal("project-1", "", source="s")
        with self.assertRaisesRegex(ValueError, "reason"):
            pactlog.retraction("project-1", "", source="s")
        with self.assertRaises(TypeError):  # the reason is required
            pactlog.withdrawal("project-1", source="s")

    def test_firmness_raise(self):
        event = pactlog.firmness_raise("project-1", "confirmed", "signed agreement",
                                       source="agreement")
        self.assertEqual(event.amendment.WhichOneof("change"), "raised_firmness")
        self.assertEqual(event.amendment.raised_firmness, pactlog.Firmness.CONFIRMED)
        self.assertEqual((event.amendment.target_event_id, event.amendment.reason),
                         ("project-1", "signed agreement"))
        self.assertEqual(event.provenance.firmness, pactlog.Firmness.CONFIRMED,
                         "the source's firmness defaults to the raised one")
        self.assertFalse(event.HasField("effective_time"))
        own = pactlog.firmness_raise("project-1", pactlog.Firmness.OFFICIALLY_ANNOUNCED,
                                     source="press", firmness="reported")
        self.assertEqual(own.amendment.raised_firmness, pactlog.Firmness.OFFICIALLY_ANNOUNCED)
        self.assertEqual(own.provenance.firmness, pactlog.Firmness.REPORTED)
        with self.assertRaisesRegex(ValueError, "raised_firmness"):
            pactlog.firmness_raise("project-1", "rumoured", source="s")

    def test_correction_from_a_builder(self):
        replacement = pactlog.disbursement("westinghouse-ap1000", pactlog.usd(5), "jbic", "T1",
                                           source="JBIC release", firmness="confirmed",
                                           asserted_by="JP")
        event = pactlog.correction("disbursement-1", replacement, "it was $5, not $50",
                                   event_id="fix-1")
        self.assertEqual(event.amendment.WhichOneof("change"), "correction")
        self.assertEqual((event.amendment.target_event_id, event.amendment.reason),
                         ("disbursement-1", "it was $5, not $50"))
        fixed = event.amendment.correction
        self.assertEqual(fixed.WhichOneof("replacement"), "disbursement")
        self.assertEqual(fixed.disbursement, replacement.disbursement)
        self.assertEqual((fixed.disbursement.project_id, fixed.disbursement.amount.minor_units,
                          fixed.disbursement.funding_source, fixed.disbursement.tranche),
                         ("westinghouse-ap1000", 500, pactlog.FundingSource.JBIC, "T1"))
        self.assertEqual(event.provenance, replacement.provenance,
                         "the replacement's provenance by default")
        self.assertEqual(event.event_id, "fix-1")
        self.assertFalse(event.HasField("effective_time"))
        self.assertEqual(list(event.restates), [])
        own = pactlog.correction("disbursement-1", replacement, source="ledger",
                                 firmness="reported", asserted_by="")
        self.assertEqual((own.provenance.source, own.provenance.firmness,
                          own.provenance.asserted_by), ("ledger", pactlog.Firmness.REPORTED, ""))

    def test_correction_of_each_kind(self):
        cases = [
            (pactlog.project_announcement("p", "n", "energy", "TX", pactlog.usd(9), source="s"),
             "announcement"),
            (pactlog.allocation_announcement("a", "n", "sector", source="s"), "announcement"),
            (pactlog.approval("p", pactlog.usd(9), "committee", source="s"), "approval"),
            (pactlog.tariff_change("autos", 1500, "EO", source="s"), "tariff_change"),
        ]
        for replacement, kind in cases:
            event = pactlog.correction("target", replacement)
            self.assertEqual(event.amendment.correction.WhichOneof("replacement"), kind)
            self.assertEqual(getattr(event.amendment.correction, kind),
                             getattr(replacement, kind))
        message = pactlog.correction("target", pactlog.v1.events_pb2.Approval(
            project_id="p", amount=pactlog.usd(3), approving_body="committee"), source="s")
        self.assertEqual(message.amendment.correction.approval.amount.minor_units, 300)
        self.assertEqual(message.provenance.source, "s")

    def test_correction_bad_input(self):
        with self.assertRaisesRegex(ValueError, "effective_time"):
            pactlog.correction("t", pactlog.approval("p", pactlog.usd(1), "b", source="s",
                                                     effective_time=self.WHEN))
        with self.assertRaisesRegex(ValueError, "event_id"):
            pactlog.correction("t", pactlog.approval("p", pactlog.usd(1), "b", source="s",
                                                     event_id="x"))
        with self.assertRaisesRegex(ValueError, "restates"):
            pactlog.correction("t", pactlog.project_announcement(
                "p", "n", "energy", "TX", pactlog.usd(1), restates=["old"], source="s"))
        with self.assertRaisesRegex(ValueError, "replacement"):
            pactlog.correction("t", pactlog.withdrawal("x", "why", source="s"))
        with self.assertRaisesRegex(TypeError, "replacement"):
            pactlog.correction("t", pactlog.usd(1), source="s")
        with self.assertRaisesRegex(TypeError, "source"):
            pactlog.correction("t", pactlog.v1.events_pb2.Approval(project_id="p"))

    def test_restates_on_project_and_allocation_announcements(self):
        project = pactlog.project_announcement("p2", "n", "energy", "TX", pactlog.usd(1),
                                               restates=["p1-announced", "p0-announced"],
                                               source="s")
        self.assertEqual(list(project.restates), ["p1-announced", "p0-announced"])
        allocation = pactlog.allocation_announcement("a2", "n", "sector",
                                                     restates=("a1-announced",), source="s")
        self.assertEqual(list(allocation.restates), ["a1-announced"])
        self.assertEqual(list(pactlog.project_announcement(
            "p", "n", "energy", "TX", pactlog.usd(1), source="s").restates), [])
        with self.assertRaisesRegex(TypeError, "restates"):
            pactlog.project_announcement("p", "n", "energy", "TX", pactlog.usd(1),
                                         restates="p1-announced", source="s")
        with self.assertRaisesRegex(TypeError, r"restates\[1\]"):
            pactlog.allocation_announcement("a", "n", "sector", restates=["a1", 7], source="s")

    def test_new_enums_mirror_the_proto(self):
        from pactlog.v1 import events_pb2, state_pb2
        self.assertEqual(pactlog.EventKind.AMENDMENT, events_pb2.EVENT_KIND_AMENDMENT)
        self.assertEqual(pactlog.ProjectStatus.WITHDRAWN, state_pb2.PROJECT_STATUS_WITHDRAWN)
        self.assertEqual(pactlog.ProjectStatus.RESTATED, state_pb2.PROJECT_STATUS_RESTATED)
        self.assertEqual(pactlog.SupersessionKind.RETRACTED,
                         state_pb2.SUPERSESSION_KIND_RETRACTED)
        f = pactlog.make_filter(kinds="amendment")
        self.assertEqual(list(f.kinds), [pactlog.EventKind.AMENDMENT])


if __name__ == "__main__":
    unittest.main()
