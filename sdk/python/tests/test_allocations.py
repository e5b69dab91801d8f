"""Allocations, earmarks, project sites and multi-category tariff changes,
recorded through the builders and read back, against a real pactlogd."""

import unittest

import grpc

import pactlog
from support import FACT_SHEET, EO, ServerTestCase, t, us_japan_announcement

B = 1_000_000_000  # dollars in a billion


class AllocationsTest(ServerTestCase):

    def setUp(self):
        # The US-Japan deal (ceiling $550B, effective 2025-07-22) with:
        #   energy      sector allocation without a cap, holding its earmark
        #   cooling     an earmark inside energy, capped at $20B
        #   mitsubishi  a company allocation capped at $30B
        #   cooling-tx  a $5B project drawing on cooling, announced without a
        #               site, then sited in TX
        #   grid-oh     a $1B energy project drawing on no allocation
        # and a 25% all-goods rate in force from 2025-04-02, before the deal.
        self.deal = self.new_deal_id()
        c = self.client
        self.recorded = c.append(self.deal, [
            us_japan_announcement(),
            pactlog.tariff_change("all-goods", pactlog.bps(25), "Trade Act threat", "threatened",
                                  source="press", effective_time=t(2025, 4, 2)),
            pactlog.allocation_announcement(
                "energy", "Energy infrastructure", "sector", pactlog.Sector.ENERGY,
                scope="generation, grid and the plants' systems", source=FACT_SHEET,
                effective_time=t(2025, 9, 4)),
            pactlog.allocation_announcement(
                "cooling", "Data-center cooling", pactlog.AllocationBasis.SECTOR, "energy",
                pactlog.usd(20 * B), parent_allocation_id="energy", source=FACT_SHEET,
                effective_time=t(2025, 9, 4)),
            pactlog.allocation_announcement(
                "mitsubishi", "Mitsubishi Electric systems", "company", cap=pactlog.usd(30 * B),
                lead_companies=[pactlog.lead_company("Mitsubishi Electric", "JP")],
                scope="power systems for AI data centers", source=FACT_SHEET,
                effective_time=t(2025, 9, 4)),
            pactlog.project_announcement(
                "cooling-tx", "Liquid cooling plant", "energy", "", pactlog.usd(5 * B),
                ["Mitsubishi Heavy Industries"], allocation_id="cooling", source=FACT_SHEET,
                effective_time=t(2025, 10, 28)),
            pactlog.project_site("cooling-tx", "TX", source=FACT_SHEET,
                                 effective_time=t(2026, 2, 18)),
            pactlog.project_announcement(
                "grid-oh", "Ohio grid upgrade", "energy", "OH", pactlog.usd(1 * B),
                source=FACT_SHEET, effective_time=t(2026, 2, 18)),
        ], expected_version="no_deal")
        self.assertEqual(self.recorded.deal_version, 8)

    def test_deal_shows_what_the_allocations_hold_and_use(self):
        deal = self.client.get_deal(self.deal,
                                    at_least_sequence=self.recorded.last_sequence).deal
        # energy holds its earmark's $20B (no cap of its own) + mitsubishi $30B.
        self.assertEqual(deal.allocated, pactlog.usd(50 * B))
        self.assertEqual(deal.unallocated, pactlog.usd(500 * B))
        self.assertEqual(deal.allocated_share_bps, 909)  # 50/550, rounded down
        self.assertEqual(deal.totals.pledged, pactlog.usd(6 * B))
        (energy_sector,) = [s for s in deal.by_sector if s.sector == pactlog.Sector.ENERGY]
        self.assertEqual(energy_sector.allocated, pactlog.usd(20 * B),
                         "the outermost energy allocation counts, its earmark is inside it")
        self.assertEqual(energy_sector.totals.pledged, pactlog.usd(6 * B))

        allocations = {a.allocation_id: a for a in deal.allocations}
        self.assertEqual([a.allocation_id for a in deal.allocations],
                         ["cooling", "energy", "mitsubishi"])

        cooling = allocations["cooling"]
        self.assertEqual(cooling.parent_allocation_id, "energy")
        self.assertEqual(cooling.basis, pactlog.AllocationBasis.SECTOR)
        self.assertEqual(cooling.cap, pactlog.usd(20 * B))
        self.assertEqual(cooling.allocated, pactlog.usd(20 * B))
        self.assertEqual(cooling.totals.pledged, pactlog.usd(5 * B))
        self.assertEqual(cooling.remaining, pactlog.usd(15 * B))

        energy = allocations["energy"]
        self.assertFalse(energy.HasField("cap"))
        self.assertFalse(energy.HasField("remaining"), "no cap: no remaining")
        self.assertEqual(energy.sector, pactlog.Sector.ENERGY)
        self.assertEqual(energy.allocated, pactlog.usd(20 * B))
        self.assertEqual(energy.earmarked, pactlog.usd(20 * B))
        self.assertEqual(list(energy.earmark_ids), ["cooling"])
        self.assertEqual(energy.totals.pledged, pactlog.usd(5 * B),
                         "its earmark's project counts, grid-oh does not")
        self.assertEqual(energy.scope, "generation, grid and the plants' systems")

        mitsubishi = allocations["mitsubishi"]
        self.assertEqual(mitsubishi.basis, pactlog.AllocationBasis.COMPANY)
        self.assertEqual(mitsubishi.sector, 0)
        self.assertEqual([(c.name, c.country) for c in mitsubishi.lead_companies],
                         [("Mitsubishi Electric", "JP")])
        self.assertEqual(mitsubishi.allocated, pactlog.usd(30 * B))
        self.assertEqual(mitsubishi.remaining, pactlog.usd(30 * B))
        self.assertEqual(mitsubishi.totals.pledged.minor_units, 0)

    def test_project_site_and_allocation(self):
        project = self.client.get_project(self.deal, "cooling-tx").project
        self.assertEqual((project.us_state, project.allocation_id), ("TX", "cooling"))
        # Before the site was given the project had none.
        before = self.client.get_project(self.deal, "cooling-tx",
                                         as_of_effective_time=t(2025, 12, 1)).project
        self.assertEqual(before.us_state, "")
        texas = self.client.list_projects(self.deal, us_state="TX")
        self.assertEqual([p.project_id for p in texas], ["cooling-tx"])

    def test_list_projects_by_allocation(self):
        # Through the earmark, cooling-tx draws on energy too.
        energy = self.client.list_projects(self.deal, allocation_id="energy")
        self.assertEqual([p.project_id for p in energy], ["cooling-tx"])
        cooling = self.client.list_projects(self.deal, allocation_id="cooling")
        self.assertEqual([p.project_id for p in cooling], ["cooling-tx"])
        self.assertEqual(list(self.client.list_projects(self.deal, allocation_id="mitsubishi")),
                         [])
        everything = self.client.list_projects(self.deal)
        self.assertEqual([p.project_id for p in everything], ["cooling-tx", "grid-oh"])

    def test_a_pledge_beyond_the_earmark_is_refused(self):
        too_much = pactlog.project_announcement(
            "cooling-az", "Second cooling plant", "energy", "AZ", pactlog.usd(16 * B),
            allocation_id="cooling", source=FACT_SHEET)
        with self.assertRaises(pactlog.FailedPreconditionError) as caught:
            self.client.append(self.deal, too_much)
        self.assertEqual(caught.exception.code, grpc.StatusCode.FAILED_PRECONDITION)
        self.assertIn("pledge-within-allocation", caught.exception.message)
        deal = self.client.get_deal(self.deal).deal
        self.assertEqual(deal.version, 8, "a rejected request changes nothing")
        # What is left of the earmark still fits.
        self.client.append(self.deal, pactlog.project_announcement(
            "cooling-az", "Second cooling plant", "energy", "AZ", pactlog.usd(15 * B),
            allocation_id="cooling", source=FACT_SHEET))
        cooling = {a.allocation_id: a for a in self.client.get_deal(self.deal).deal.allocations}
        self.assertEqual(cooling["cooling"].remaining.minor_units, 0)

    def test_allocation_rules(self):
        c = self.client
        with self.assertRaises(pactlog.FailedPreconditionError) as caught:
            c.append(self.deal, pactlog.allocation_announcement(
                "mitsubishi", "Again", "company", cap=pactlog.usd(1 * B), source=FACT_SHEET))
        self.assertIn("allocation-announced-once", caught.exception.message)
        with self.assertRaises(pactlog.FailedPreconditionError) as caught:
            c.append(self.deal, pactlog.allocation_announcement(
                "mitsubishi-grid", "Grid systems", "company", cap=pactlog.usd(31 * B),
                parent_allocation_id="mitsubishi", source=FACT_SHEET))
        self.assertIn("earmark-within-parent", caught.exception.message)
        with self.assertRaises(pactlog.FailedPreconditionError) as caught:
            # $50B allocated + $1B pledged outside them + $500B > $550B.
            c.append(self.deal, pactlog.allocation_announcement(
                "shipbuilding", "Shipbuilding", "sector", "shipbuilding",
                pactlog.usd(500 * B), source=FACT_SHEET))
        self.assertIn("allocation-within-ceiling", caught.exception.message)
        with self.assertRaises(pactlog.FailedPreconditionError) as caught:
            c.append(self.deal, pactlog.project_site("cooling-tx", "LA", source=FACT_SHEET))
        self.assertIn("project-site-once", caught.exception.message)
        with self.assertRaises(pactlog.NotFoundError):
            c.append(self.deal, pactlog.allocation_announcement(
                "pumps", "Pumps", "sector", parent_allocation_id="no-such-allocation",
                source=FACT_SHEET))
        with self.assertRaises(pactlog.NotFoundError):
            c.append(self.deal, pactlog.project_site("no-such-project", "TX", source=FACT_SHEET))
        with self.assertRaises(pactlog.NotFoundError):
            c.append(self.deal, pactlog.project_announcement(
                "p", "n", "energy", "TX", pactlog.usd(1), allocation_id="no-such-allocation",
                source=FACT_SHEET))
        # No basis: the builder refuses it, so clear it on a built event.
        no_basis = pactlog.allocation_announcement("x", "X", "sector", source=FACT_SHEET)
        no_basis.announcement.allocation.basis = 0
        with self.assertRaises(pactlog.InvalidArgumentError) as caught:
            c.append(self.deal, no_basis)
        self.assertIn("events[0].announcement.allocation.basis",
                      [v.field for v in caught.exception.field_violations])
        self.assertEqual(c.get_deal(self.deal).deal.version, 8)

    def test_tariff_change_over_several_categories(self):
        result = self.client.append(self.deal, pactlog.tariff_change(
            ["autos", "auto-parts"], pactlog.bps(15), EO, "framework implemented",
            source=FACT_SHEET, firmness="confirmed", effective_time=t(2025, 9, 16)))
        tariffs = self.client.get_tariffs(self.deal, as_of_effective_time=t(2026, 1, 1),
                                          at_least_sequence=result.last_sequence)
        lines = {line.product_category: line for line in tariffs.tariffs}
        self.assertEqual(sorted(lines), ["all-goods", "auto-parts", "autos"])
        for category in ("autos", "auto-parts"):
            line = lines[category]
            self.assertTrue(line.in_force, category)
            self.assertEqual(line.rate_bps, 1500, category)
            self.assertEqual(line.in_force_sequence, result.last_sequence, category)
            self.assertFalse(line.breaches_cap, category)
        only = self.client.get_tariffs(self.deal, "auto-parts")
        self.assertEqual([line.product_category for line in only.tariffs], ["auto-parts"])

    def test_tariffs_before_the_deal_takes_effect(self):
        # 2025-05-01: the threatened 25% was in force, the deal (2025-07-22)
        # not yet, so no cap applies.
        tariffs = self.client.get_tariffs(self.deal, as_of_effective_time=t(2025, 5, 1))
        self.assertEqual(pactlog.to_datetime(tariffs.evaluated_at), t(2025, 5, 1))
        (all_goods,) = tariffs.tariffs
        self.assertEqual(all_goods.product_category, "all-goods")
        self.assertTrue(all_goods.in_force)
        self.assertEqual(all_goods.rate_bps, 2500)
        self.assertFalse(all_goods.has_cap)
        self.assertFalse(all_goods.breaches_cap)
        # Once the deal is in force the same rate breaches its 15% cap.
        later = self.client.get_tariffs(self.deal, as_of_effective_time=t(2025, 8, 1))
        (all_goods,) = later.tariffs
        self.assertEqual((all_goods.rate_bps, all_goods.has_cap, all_goods.cap_bps),
                         (2500, True, 1500))
        self.assertTrue(all_goods.breaches_cap)


if __name__ == "__main__":
    unittest.main()
