"""Deal terms per asserting party and the compliance view, recorded through
the builders and read back, against a real pactlogd."""

import unittest

import pactlog
from support import FACT_SHEET, ServerTestCase, t, us_japan_announcement

FundingStatus = pactlog.FundingStatus


def us_terms(**kwargs) -> pactlog.EventData:
    return pactlog.deal_terms(
        project_selector="US investment committee", final_decision="the President",
        funding_channels=["jbic", "nexi"], funding_deadline_days=45,
        enforcement_clause="the US may raise tariffs",
        profit_sharing="90% to the US after recovery", asserted_by="US", source=FACT_SHEET,
        firmness="officially-announced", **kwargs)


def jp_terms(**kwargs) -> pactlog.EventData:
    return pactlog.deal_terms(
        funding_channels=["jbic"], profit_sharing="shared by each project's contributions",
        other_commitments=["no fixed funding deadline"], asserted_by="JP",
        source="Cabinet Office briefing", **kwargs)


class ComplianceTest(ServerTestCase):

    def setUp(self):
        # The US-Japan deal (ceiling $550B, effective 2025-07-22) with the US
        # reading of its terms (45 days to fund a selected project) and,
        # recorded later, Japan's (no deadline). Projects a, b and c are
        # approved on 2026-01-01 for $10 each, so due on 2026-02-15:
        #   a  disbursed $10 on 2026-01-20: on time
        #   b  disbursed $10 on 2026-03-01: 14 days late
        #   c  nothing disbursed
        #   d  announced only: never selected
        self.deal = self.new_deal_id()
        events = [us_japan_announcement(),
                  us_terms(effective_time=t(2025, 9, 4)),
                  jp_terms(effective_time=t(2025, 9, 5))]
        for p in "abcd":
            events.append(pactlog.project_announcement(
                p, f"Project {p}", "energy", "TX", pactlog.usd(10), source=FACT_SHEET,
                effective_time=t(2025, 10, 28)))
        for p in "abc":
            events.append(pactlog.approval(p, pactlog.usd(10), "US investment committee",
                                           source=FACT_SHEET, effective_time=t(2026, 1, 1)))
        events += [
            pactlog.disbursement("a", pactlog.usd(10), "jbic", source=FACT_SHEET,
                                 effective_time=t(2026, 1, 20)),
            pactlog.disbursement("b", pactlog.usd(10), "nexi", source=FACT_SHEET,
                                 effective_time=t(2026, 3, 1)),
        ]
        self.recorded = self.client.append(self.deal, events, expected_version="no_deal")
        self.assertEqual(self.recorded.deal_version, len(events))

    def compliance(self, **kwargs) -> pactlog.ComplianceView:
        kwargs.setdefault("at_least_sequence", self.recorded.last_sequence)
        response = self.client.get_compliance(self.deal, **kwargs)
        self.assertGreaterEqual(response.log_sequence, kwargs["at_least_sequence"])
        return response.compliance

    def test_projects_against_the_us_deadline(self):
        view = self.compliance(as_of_effective_time=t(2026, 3, 1))
        self.assertEqual(view.deal_id, self.deal)
        self.assertEqual(pactlog.to_datetime(view.evaluated_at), t(2026, 3, 1))
        self.assertEqual(view.terms.asserted_by, "US",
                         "the latest reading that names a deadline, though JP's is later")
        self.assertEqual(view.terms.terms.funding_deadline_days, 45)
        self.assertEqual([p.project_id for p in view.projects], ["a", "b", "c"])
        a, b, c = view.projects
        for p in (a, b, c):
            self.assertEqual(pactlog.to_datetime(p.selected_time), t(2026, 1, 1), p.project_id)
            self.assertEqual(pactlog.to_datetime(p.funding_due_time), t(2026, 2, 15),
                             p.project_id)
            self.assertEqual(p.approved, pactlog.usd(10), p.project_id)

        self.assertEqual((a.status, a.days), (FundingStatus.ON_TIME, 0))
        self.assertEqual(a.disbursed, pactlog.usd(10))
        self.assertEqual(pactlog.to_datetime(a.funded_time), t(2026, 1, 20))

        # 2026-02-15 to 2026-03-01 is 14 whole days.
        self.assertEqual((b.status, b.days), (FundingStatus.LATE, 14))
        self.assertEqual(pactlog.to_datetime(b.funded_time), t(2026, 3, 1))

        self.assertEqual((c.status, c.days), (FundingStatus.OVERDUE, 14))
        self.assertEqual(c.disbursed.minor_units, 0)
        self.assertFalse(c.HasField("funded_time"))

        self.assertEqual((view.projects_on_time, view.projects_late, view.projects_overdue,
                          view.projects_not_yet_due), (1, 1, 1, 0))
        self.assertEqual(view.overdue_undisbursed, pactlog.usd(10))
        self.assertEqual(list(view.cap_breaches), [])
        self.assertEqual(view.version, self.recorded.deal_version)
        self.assertEqual(view.last_sequence, self.recorded.last_sequence)

    def test_before_the_deadline(self):
        # On 2026-02-01 b's disbursement is not in force yet.
        view = self.compliance(as_of_effective_time=t(2026, 2, 1))
        self.assertEqual(pactlog.to_datetime(view.evaluated_at), t(2026, 2, 1))
        a, b, c = view.projects
        self.assertEqual(a.status, FundingStatus.ON_TIME)
        self.assertEqual((b.status, b.days), (FundingStatus.NOT_YET_DUE, 14))
        self.assertEqual(b.disbursed.minor_units, 0)
        self.assertFalse(b.HasField("funded_time"))
        self.assertEqual((c.status, c.days), (FundingStatus.NOT_YET_DUE, 14))
        self.assertEqual((view.projects_on_time, view.projects_late, view.projects_overdue,
                          view.projects_not_yet_due), (1, 0, 0, 2))
        self.assertEqual(view.overdue_undisbursed, pactlog.usd(0))

    def test_now(self):
        # Without as_of the view is judged at the server's clock, long after
        # the deadline: the statuses no longer change.
        view = self.compliance()
        self.assertEqual([(p.project_id, p.status) for p in view.projects],
                         [("a", FundingStatus.ON_TIME), ("b", FundingStatus.LATE),
                          ("c", FundingStatus.OVERDUE)])
        self.assertGreater(pactlog.to_datetime(view.evaluated_at), t(2026, 3, 1))
        self.assertEqual(view.overdue_undisbursed, pactlog.usd(10))

    def test_every_reading_is_kept(self):
        view = self.compliance()
        self.assertEqual([r.asserted_by for r in view.readings], ["JP", "US"])
        jp, us = view.readings
        self.assertEqual(list(us.terms.funding_channels),
                         [pactlog.FundingSource.JBIC, pactlog.FundingSource.NEXI])
        self.assertEqual(us.terms.enforcement_clause, "the US may raise tariffs")
        self.assertEqual(us.terms.profit_sharing, "90% to the US after recovery")
        self.assertEqual((us.source, us.firmness),
                         (FACT_SHEET, pactlog.Firmness.OFFICIALLY_ANNOUNCED))
        self.assertEqual(pactlog.to_datetime(us.effective_time), t(2025, 9, 4))
        self.assertEqual(us.sequence, self.recorded.sequences[1])
        self.assertEqual(jp.terms.funding_deadline_days, 0)
        self.assertEqual(jp.terms.profit_sharing, "shared by each project's contributions")
        self.assertEqual(jp.sequence, self.recorded.sequences[2])
        # The deal's state holds the same readings.
        deal = self.client.get_deal(self.deal).deal
        self.assertEqual([r.asserted_by for r in deal.terms], ["JP", "US"])
        self.assertEqual(list(deal.terms), list(view.readings))

    def test_japan_reading_names_no_deadline(self):
        view = self.compliance(reading="JP", as_of_effective_time=t(2026, 3, 1))
        self.assertEqual(view.terms.asserted_by, "JP")
        self.assertEqual([(p.project_id, p.status, p.days) for p in view.projects],
                         [(p, FundingStatus.NO_DEADLINE, 0) for p in "abc"])
        for p in view.projects:
            self.assertFalse(p.HasField("funding_due_time"), p.project_id)
        self.assertEqual(pactlog.to_datetime(view.projects[0].funded_time), t(2026, 1, 20))
        self.assertEqual((view.projects_on_time, view.projects_late, view.projects_overdue,
                          view.projects_not_yet_due), (0, 0, 0, 0))
        self.assertEqual(view.overdue_undisbursed.minor_units, 0)
        self.assertEqual(len(view.readings), 2)
        us = self.compliance(reading="US", as_of_effective_time=t(2026, 3, 1))
        self.assertEqual((us.terms.asserted_by, us.projects_overdue), ("US", 1))

    def test_a_party_without_terms_is_not_found(self):
        with self.assertRaises(pactlog.NotFoundError) as caught:
            self.client.get_compliance(self.deal, reading="KR")
        self.assertIn("KR", caught.exception.message)
        with self.assertRaises(pactlog.NotFoundError):
            self.client.get_compliance(self.new_deal_id())

    def test_a_later_reading_replaces_the_party_earlier_one(self):
        result = self.client.append(self.deal, pactlog.deal_terms(
            funding_deadline_days=30, asserted_by="US", source="press",
            effective_time=t(2025, 12, 1)))
        view = self.compliance(reading="US", as_of_effective_time=t(2026, 3, 1),
                               at_least_sequence=result.last_sequence)
        self.assertEqual(view.terms.sequence, result.last_sequence)
        self.assertEqual(view.terms.terms.funding_deadline_days, 30)
        self.assertEqual(view.terms.terms.enforcement_clause, "",
                         "the whole reading is replaced, not merged")
        self.assertEqual(pactlog.to_datetime(view.projects[0].funding_due_time), t(2026, 1, 31))
        self.assertEqual([r.asserted_by for r in view.readings], ["JP", "US"])
        # Before the new reading took effect the earlier one is in force.
        earlier = self.compliance(reading="US", as_of_effective_time=t(2025, 11, 1))
        self.assertEqual(earlier.terms.terms.funding_deadline_days, 45)
        self.assertEqual(list(earlier.projects), [], "nothing approved yet")

    def test_late_days_are_rounded_up(self):
        deal = self.new_deal_id()
        self.client.append(deal, [
            us_japan_announcement(), us_terms(effective_time=t(2025, 9, 4)),
            pactlog.project_announcement("e", "Project e", "energy", "TX", pactlog.usd(10),
                                         source=FACT_SHEET, effective_time=t(2025, 10, 28)),
            pactlog.approval("e", pactlog.usd(10), "committee", source=FACT_SHEET,
                             effective_time=t(2026, 1, 1)),
            pactlog.disbursement("e", pactlog.usd(10), "jbic", source=FACT_SHEET,
                                 effective_time=t(2026, 3, 1).replace(second=1)),
        ], expected_version="no_deal")
        (e,) = self.client.get_compliance(deal).compliance.projects
        self.assertEqual((e.status, e.days), (FundingStatus.LATE, 15))

    def test_terms_rules(self):
        with self.assertRaises(pactlog.FailedPreconditionError) as caught:
            self.client.append(self.deal, us_terms(effective_time=t(2025, 7, 1)))
        self.assertIn("effective-order", caught.exception.message)
        with self.assertRaises(pactlog.NotFoundError):
            self.client.append(self.new_deal_id(), us_terms(effective_time=t(2025, 9, 4)))
        too_long = pactlog.deal_terms(funding_deadline_days=3651, asserted_by="US",
                                      source=FACT_SHEET)
        with self.assertRaises(pactlog.InvalidArgumentError) as caught:
            self.client.append(self.deal, too_long)
        self.assertIn("events[0].announcement.terms.funding_deadline_days",
                      [v.field for v in caught.exception.field_violations])
        self.assertEqual(self.client.get_deal(self.deal).deal.version,
                         self.recorded.deal_version, "a rejected request changes nothing")


if __name__ == "__main__":
    unittest.main()
