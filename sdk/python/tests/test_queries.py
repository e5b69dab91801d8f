"""DealQuery through the client: states, filters, paging and the three
as-of bounds, against a real pactlogd."""

import datetime as dt
import unittest

import grpc

import pactlog
from support import (FACT_SHEET, ServerTestCase, data_center_project, reactor_project, t,
                     tariff_events, us_japan_announcement)


class QueriesTest(ServerTestCase):

    def setUp(self):
        # The US-Japan deal in three recorded batches:
        #   1: announcement, two projects, the tariff history (25% then 15%)
        #   2: approval of the reactors (effective 2026-01-05)
        #   3: a JBIC disbursement (effective 2026-03-01) and a 27.5% autos
        #      rate (effective 2026-06-01, above the all-goods cap)
        self.deal = self.new_deal_id()
        c = self.client
        self.b1 = c.append(self.deal, [us_japan_announcement(), reactor_project(),
                                       data_center_project()] + tariff_events(),
                           expected_version="no_deal")
        self.b2 = c.append(self.deal, pactlog.approval(
            "westinghouse-ap1000", pactlog.usd(60_000_000_000), "US Investment Committee",
            source=FACT_SHEET, effective_time=t(2026, 1, 5)), expected_version=5)
        self.b3 = c.append(self.deal, [
            pactlog.disbursement("westinghouse-ap1000", pactlog.usd(2_000_000_000),
                                 pactlog.FundingSource.JBIC, "T1", source=FACT_SHEET,
                                 effective_time=t(2026, 3, 1)),
            pactlog.tariff_change("autos", pactlog.bps("27.5"), "Section 232 proclamation",
                                  "investment promises not kept", source="press",
                                  effective_time=t(2026, 6, 1)),
        ], expected_version=6)

    def test_get_deal_reflects_every_event(self):
        response = self.client.get_deal(self.deal, at_least_sequence=self.b3.last_sequence)
        deal = response.deal
        self.assertGreaterEqual(response.log_sequence, self.b3.last_sequence)
        self.assertEqual(deal.version, 8)
        self.assertEqual(deal.last_sequence, self.b3.last_sequence)
        self.assertEqual(deal.totals.pledged, pactlog.usd(125_000_000_000))
        self.assertEqual(deal.totals.approved, pactlog.usd(60_000_000_000))
        self.assertEqual(deal.totals.disbursed, pactlog.usd(2_000_000_000))
        self.assertEqual(deal.headroom, pactlog.usd(425_000_000_000))
        self.assertEqual(deal.projects_funding, 1)
        self.assertEqual(deal.projects_announced, 1)
        self.assertEqual([c.product_category for c in deal.cap_breaches], ["autos"])
        self.assertEqual(deal.cap_breaches[0].rate_bps, 2750)
        self.assertEqual(pactlog.to_datetime(deal.announced_effective_time), t(2025, 7, 22))

    def test_as_of_sequence_is_the_state_after_that_position(self):
        before_approval = self.client.get_deal(self.deal,
                                               as_of_sequence=self.b1.last_sequence).deal
        self.assertEqual(before_approval.version, 5)
        self.assertEqual(before_approval.totals.approved.minor_units, 0)
        self.assertEqual(before_approval.projects_announced, 2)
        project = self.client.get_project(self.deal, "westinghouse-ap1000",
                                          as_of_sequence=self.b2.last_sequence).project
        self.assertEqual(project.status, pactlog.ProjectStatus.APPROVED)
        self.assertEqual(project.disbursed.minor_units, 0)

    def test_as_of_recorded_time_is_what_the_record_knew(self):
        known = self.client.get_deal(self.deal,
                                     as_of_recorded_time=self.b2.recorded_time).deal
        self.assertEqual(known.last_sequence, self.b2.last_sequence)
        self.assertEqual(known.totals.disbursed.minor_units, 0)
        self.assertEqual(known.totals.approved, pactlog.usd(60_000_000_000))
        # As a datetime (microseconds) the same bound is at most 1 us earlier.
        as_datetime = self.b1.recorded_datetime + dt.timedelta(microseconds=1)
        if as_datetime < self.b2.recorded_datetime:
            early = self.client.get_deal(self.deal, as_of_recorded_time=as_datetime).deal
            self.assertEqual(early.last_sequence, self.b1.last_sequence)
            self.assertEqual(early.totals.approved.minor_units, 0)

    def test_as_of_effective_time_is_what_was_in_force(self):
        # On 2026-02-01 the approval was in force, the disbursement not yet.
        deal = self.client.get_deal(self.deal, as_of_effective_time=t(2026, 2, 1)).deal
        self.assertEqual(deal.totals.approved, pactlog.usd(60_000_000_000))
        self.assertEqual(deal.totals.disbursed.minor_units, 0)
        # The data-center project was announced on 2026-02-18.
        self.assertEqual(deal.totals.pledged, pactlog.usd(100_000_000_000))
        tariffs = self.client.get_tariffs(self.deal, as_of_effective_time=t(2025, 8, 1))
        self.assertEqual(pactlog.to_datetime(tariffs.evaluated_at), t(2025, 8, 1))
        lines = {line.product_category: line for line in tariffs.tariffs}
        self.assertEqual(sorted(lines), ["all-goods", "autos"])
        all_goods = lines["all-goods"]
        self.assertTrue(all_goods.in_force)
        self.assertEqual(all_goods.rate_bps, 2500)  # the 15% order came in September
        # The history holds every change the record knew, also those in force later.
        self.assertEqual([h.rate_bps for h in all_goods.history], [2500, 1500])
        self.assertFalse(lines["autos"].in_force, "the 27.5% takes effect in 2026")
        self.assertEqual([h.rate_bps for h in lines["autos"].history], [2750])

    def test_get_tariffs_lists_history_and_breaches(self):
        response = self.client.get_tariffs(self.deal, as_of_effective_time=t(2026, 7, 1))
        lines = {line.product_category: line for line in response.tariffs}
        self.assertEqual(sorted(lines), ["all-goods", "autos"])
        self.assertEqual(lines["all-goods"].rate_bps, 1500)
        self.assertFalse(lines["all-goods"].breaches_cap)
        self.assertTrue(lines["autos"].breaches_cap)
        self.assertEqual(lines["autos"].cap_bps, 1500)
        self.assertEqual([h.rate_bps for h in lines["all-goods"].history], [2500, 1500])
        only = self.client.get_tariffs(self.deal, "autos")
        self.assertEqual([line.product_category for line in only.tariffs], ["autos"])

    def test_list_projects_filters_and_pages(self):
        everything = self.client.list_projects(self.deal, page_size=1)
        self.assertEqual([p.project_id for p in everything],
                         ["softbank-datacenters", "westinghouse-ap1000"])
        self.assertGreaterEqual(everything.log_sequence, self.b3.last_sequence)
        energy = self.client.list_projects(self.deal, sector="energy")
        self.assertEqual([p.project_id for p in energy], ["westinghouse-ap1000"])
        funding = self.client.list_projects(self.deal, status=pactlog.ProjectStatus.FUNDING)
        self.assertEqual([p.project_id for p in funding], ["westinghouse-ap1000"])
        ohio = self.client.list_projects(self.deal, us_state="OH")
        self.assertEqual([p.sponsors[0] for p in ohio], ["SoftBank"])
        early = self.client.list_projects(self.deal, as_of_effective_time=t(2025, 12, 1))
        self.assertEqual([p.project_id for p in early], ["westinghouse-ap1000"])

    def test_one_page_and_all_pages(self):
        other = self.new_deal_id()
        self.client.append(other, pactlog.deal_announcement(
            "US-Korea package", "KR", "US", pactlog.usd(350_000_000_000), source="press"))
        page = self.client.list_deals_page(page_size=1)
        self.assertEqual(len(page.deals), 1)
        self.assertTrue(page.next_page_token)
        second = self.client.list_deals_page(page_size=1, page_token=page.next_page_token,
                                             as_of_sequence=page.log_sequence)
        self.assertEqual(len(second.deals), 1)
        self.assertLess(page.deals[0].deal_id, second.deals[0].deal_id)

        deals = self.client.list_deals(page_size=1)
        self.assertEqual(deals.pages_fetched, 0, "nothing is fetched before the iteration")
        first = next(deals)
        self.assertEqual(deals.pages_fetched, 1)
        self.assertEqual(first.deal_id, page.deals[0].deal_id)
        rest = list(deals)
        self.assertEqual(deals.pages_fetched, 1 + len(rest), "one page per deal")
        self.assertIn(other, [d.deal_id for d in [first] + rest])

        projects = self.client.list_projects_page(self.deal, page_size=1)
        self.assertEqual([p.project_id for p in projects.projects], ["softbank-datacenters"])
        self.assertTrue(projects.next_page_token)
        lineage = self.client.get_lineage_page(self.deal, page_size=1)
        self.assertEqual(len(lineage.entries), 1)
        self.assertTrue(lineage.next_page_token)
        lazily = self.client.iter_lineage(self.deal, page_size=2)
        self.assertEqual([e.sequence for e in lazily],
                         [e.sequence for e in self.client.get_lineage(self.deal).entries])
        self.assertEqual(lazily.first_page.figures, lineage.figures)

    def test_list_deals_pages_one_snapshot(self):
        other = self.new_deal_id()
        self.client.append(other, pactlog.deal_announcement(
            "US-Korea package", "KR", "US", pactlog.usd(350_000_000_000), source="press"))
        deals = self.client.list_deals(page_size=1)
        ids = [d.deal_id for d in deals]
        self.assertEqual(ids, sorted(ids))
        self.assertIn(self.deal, ids)
        self.assertIn(other, ids)
        self.assertTrue(all(d.last_sequence <= deals.log_sequence for d in deals))
        before = self.client.list_deals(as_of_sequence=self.b3.last_sequence)
        self.assertIn(self.deal, [d.deal_id for d in before])
        self.assertNotIn(other, [d.deal_id for d in before])

    def test_query_errors(self):
        with self.assertRaises(pactlog.NotFoundError) as caught:
            self.client.get_deal("no-such-deal")
        self.assertEqual(caught.exception.code, grpc.StatusCode.NOT_FOUND)
        with self.assertRaises(pactlog.NotFoundError):
            self.client.get_project(self.deal, "no-such-project")
        with self.assertRaises(pactlog.OutOfRangeError) as caught:
            self.client.get_deal(self.deal, at_least_sequence=self.b3.last_sequence + 10**6)
        self.assertIn("min_sequence", caught.exception.message)
        with self.assertRaises(pactlog.InvalidArgumentError) as caught:
            list(self.client.list_deals(page_size=5000))  # the first page is fetched here
        self.assertIn("page_size", caught.exception.message)
        with self.assertRaises(ValueError) as refused:
            self.client.list_deals_page(page_size=0)
        self.assertIn("page_size", str(refused.exception))
        with self.assertRaises(ValueError):
            self.client.list_projects(self.deal, sector="fishing")


if __name__ == "__main__":
    unittest.main()
