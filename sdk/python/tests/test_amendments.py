"""Amendments (revision, withdrawal, firmness raise, retraction, correction),
restatements and GetLineage, recorded through the builders and read back,
against a real pactlogd."""

import unittest

import pactlog
from support import FACT_SHEET, ServerTestCase, t, us_japan_announcement

B = 1_000_000_000  # dollars in a billion
REACTORS = "westinghouse-ap1000"
DATA_CENTERS = "softbank-datacenters"
FIGURES = ("allocated", "pledged", "approved", "disbursed")


def figures(f: pactlog.Figures) -> dict:
    """The four figures as minor units (an unset one is 0)."""
    return {name: getattr(f, name).minor_units for name in FIGURES}


def summed_changes(entries) -> dict:
    out = dict.fromkeys(FIGURES, 0)
    for entry in entries:
        for name in FIGURES:
            change = getattr(entry.change, name)
            if change.currency_code:
                assert change.currency_code == "USD", entry
            out[name] += change.minor_units
    return out


class AmendmentsTest(ServerTestCase):

    def setUp(self):
        # The US-Japan deal (ceiling $550B, effective 2025-07-22) with
        #   westinghouse-ap1000   $100B pledged (reported), approved $60B on
        #                         2025-11-01, $2B disbursed by JBIC on 2025-12-01
        #   softbank-datacenters  $25B pledged, nothing approved
        # Event ids carry the deal id: an id is unique in the whole log.
        self.deal = self.new_deal_id()
        self.ids = {name: f"{self.deal}/{name}" for name in
                    ("deal", "reactors", "datacenters", "approval", "t1")}
        self.setup = self.client.append(self.deal, [
            us_japan_announcement(event_id=self.ids["deal"]),
            pactlog.project_announcement(
                REACTORS, "AP1000 reactors", "energy", "PA", pactlog.usd(100 * B),
                ["Westinghouse"], source=FACT_SHEET, effective_time=t(2025, 10, 28),
                event_id=self.ids["reactors"]),
            pactlog.project_announcement(
                DATA_CENTERS, "AI data centers", "ai-infrastructure", "OH", pactlog.usd(25 * B),
                ["SoftBank"], source=FACT_SHEET, effective_time=t(2026, 2, 18),
                event_id=self.ids["datacenters"]),
            pactlog.approval(REACTORS, pactlog.usd(60 * B), "US Investment Committee",
                             source=FACT_SHEET, firmness="officially-announced",
                             effective_time=t(2025, 11, 1), event_id=self.ids["approval"]),
            pactlog.disbursement(REACTORS, pactlog.usd(2 * B), "jbic", "T1", source=FACT_SHEET,
                                 firmness="confirmed", effective_time=t(2025, 12, 1),
                                 event_id=self.ids["t1"]),
        ], expected_version="no_deal")
        self.assertEqual(self.setup.deal_version, 5)

    def project(self, project_id=REACTORS, **kwargs) -> pactlog.ProjectState:
        return self.client.get_project(self.deal, project_id, **kwargs).project

    def deal_state(self, **kwargs) -> pactlog.DealState:
        return self.client.get_deal(self.deal, **kwargs).deal

    def assert_lineage_adds_up(self, **kwargs) -> pactlog.GetLineageResponse:
        lineage = self.client.get_lineage(self.deal, **kwargs)
        self.assertEqual(summed_changes(lineage.entries), figures(lineage.figures), lineage)
        sequences = [e.sequence for e in lineage.entries]
        self.assertEqual(sequences, sorted(sequences), "entries in log order")
        self.assertEqual(len(set(sequences)), len(sequences))
        return lineage

    # --- revision -----------------------------------------------------------------

    def test_revise_an_approval_down(self):
        revised = self.client.append(self.deal, pactlog.revision(
            self.ids["approval"], pactlog.usd(40 * B), "the committee cut it",
            source="committee minutes", firmness="confirmed"))
        project = self.project()
        self.assertEqual(project.approved, pactlog.usd(40 * B))
        self.assertEqual(project.undisbursed, pactlog.usd(38 * B))
        self.assertEqual(project.unapproved, pactlog.usd(60 * B))
        (record,) = project.approvals
        self.assertEqual(record.amount, pactlog.usd(40 * B))
        self.assertEqual(record.event_id, self.ids["approval"])
        self.assertEqual(record.head_event_id, revised.event_ids[0])
        self.assertEqual(self.deal_state().totals.approved, pactlog.usd(40 * B))
        self.assertEqual(self.deal_state().amendment_count, 1)

    def test_as_of_recorded_time_before_a_revision_shows_the_old_figure(self):
        revised = self.client.append(self.deal, pactlog.revision(
            self.ids["approval"], pactlog.usd(40 * B), source="committee minutes"))
        before = self.project(as_of_recorded_time=self.setup.recorded_time)
        self.assertEqual(before.approved, pactlog.usd(60 * B))
        self.assertEqual(before.approvals[0].head_event_id, self.ids["approval"])
        after = self.project(as_of_recorded_time=revised.recorded_time)
        self.assertEqual(after.approved, pactlog.usd(40 * B))
        self.assertEqual(self.deal_state(as_of_recorded_time=self.setup.recorded_time)
                         .totals.approved, pactlog.usd(60 * B))
        self.assertEqual(self.deal_state(as_of_recorded_time=revised.recorded_time)
                         .totals.approved, pactlog.usd(40 * B))
        # A revision takes effect at its own effective time (here: when it was
        # recorded), so in force on 2026-01-01 was the old amount.
        self.assertEqual(self.project(as_of_effective_time=t(2026, 1, 1)).approved,
                         pactlog.usd(60 * B))

    def test_revise_a_pledge_and_the_rules_of_revisions(self):
        c = self.client
        with self.assertRaises(pactlog.FailedPreconditionError) as caught:
            c.append(self.deal, pactlog.revision(self.ids["reactors"], pactlog.usd(50 * B),
                                                 source="press"))
        self.assertIn("approval-within-pledge", caught.exception.message)
        with self.assertRaises(pactlog.FailedPreconditionError) as caught:
            c.append(self.deal, pactlog.revision(self.ids["approval"], pactlog.usd(1 * B),
                                                 source="press"))
        self.assertIn("disbursement-within-approval", caught.exception.message)
        self.assertEqual(self.deal_state().version, 5, "a rejected amendment changes nothing")
        revised = c.append(self.deal, pactlog.revision(self.ids["reactors"], pactlog.usd(80 * B),
                                                       source="press"))
        project = self.project()
        self.assertEqual(project.pledged, pactlog.usd(80 * B))
        self.assertEqual((project.event_id, project.head_event_id),
                         (self.ids["reactors"], revised.event_ids[0]))
        deal = self.deal_state()
        self.assertEqual(deal.totals.pledged, pactlog.usd(105 * B))
        self.assertEqual(deal.headroom, pactlog.usd(445 * B))

    def test_an_amendment_must_name_the_standing_event(self):
        c = self.client
        first = c.append(self.deal, pactlog.revision(self.ids["approval"], pactlog.usd(50 * B),
                                                     source="press"))
        with self.assertRaises(pactlog.FailedPreconditionError) as caught:
            c.append(self.deal, pactlog.revision(self.ids["approval"], pactlog.usd(40 * B),
                                                 source="press"))
        self.assertIn("amend-standing-event", caught.exception.message)
        self.assertEqual(self.project().approved, pactlog.usd(50 * B))
        second = c.append(self.deal, pactlog.revision(first.event_ids[0], pactlog.usd(40 * B),
                                                      source="press"))
        (record,) = self.project().approvals
        self.assertEqual((record.amount, record.head_event_id),
                         (pactlog.usd(40 * B), second.event_ids[0]))

    def test_an_amendment_of_an_unknown_event_is_not_found(self):
        missing = f"{self.deal}/no-such-event"
        with self.assertRaises(pactlog.NotFoundError) as caught:
            self.client.append(self.deal, pactlog.revision(missing, pactlog.usd(1 * B),
                                                           source="press"))
        self.assertIn(missing, caught.exception.message)

    def test_an_amendment_of_another_deals_event_is_refused(self):
        other = self.new_deal_id()
        elsewhere = self.client.append(other, [
            us_japan_announcement(),
            pactlog.project_announcement("p", "Plant", "energy", "TX", pactlog.usd(1 * B),
                                         source=FACT_SHEET, effective_time=t(2025, 10, 28))])
        with self.assertRaises(pactlog.FailedPreconditionError) as caught:
            self.client.append(self.deal, pactlog.revision(
                elsewhere.event_ids[1], pactlog.usd(2 * B), source="press"))
        self.assertIn("amend-same-deal", caught.exception.message)

    # --- withdrawal -----------------------------------------------------------------

    def test_withdraw_a_project(self):
        withdrawn = self.client.append(self.deal, pactlog.withdrawal(
            self.ids["datacenters"], "SoftBank pulled out", source="press"))
        project = self.project(DATA_CENTERS)
        self.assertEqual(project.status, pactlog.ProjectStatus.WITHDRAWN)
        self.assertEqual(project.supersession.kind, pactlog.SupersessionKind.WITHDRAWN)
        self.assertEqual(project.supersession.by_event_id, withdrawn.event_ids[0])
        self.assertEqual(project.supersession.sequence, withdrawn.last_sequence)
        self.assertEqual(project.supersession.reason, "SoftBank pulled out")
        deal = self.deal_state()
        self.assertEqual(deal.totals.pledged, pactlog.usd(100 * B))
        self.assertEqual(deal.headroom, pactlog.usd(450 * B))
        self.assertEqual(deal.projects_withdrawn, 1)
        self.assertEqual(deal.projects_announced, 0)
        listed = self.client.list_projects(self.deal, status="withdrawn")
        self.assertEqual([p.project_id for p in listed], [DATA_CENTERS])
        # Before it was recorded, and before it took effect, the pledge counted.
        before = self.deal_state(as_of_recorded_time=self.setup.recorded_time)
        self.assertEqual(before.totals.pledged, pactlog.usd(125 * B))
        self.assertEqual(self.project(DATA_CENTERS, as_of_effective_time=t(2026, 6, 1)).status,
                         pactlog.ProjectStatus.ANNOUNCED)

    def test_a_project_with_disbursements_cannot_be_withdrawn(self):
        with self.assertRaises(pactlog.FailedPreconditionError) as caught:
            self.client.append(self.deal, pactlog.withdrawal(self.ids["reactors"], "cancelled",
                                                             source="press"))
        self.assertIn("withdraw-undisbursed", caught.exception.message)
        self.assertEqual(self.project().status, pactlog.ProjectStatus.FUNDING)

    def test_a_withdrawal_without_a_reason_is_invalid(self):
        event = pactlog.withdrawal(self.ids["datacenters"], "x", source="press")
        event.amendment.reason = ""  # the builder refuses it: clear it on a built event
        with self.assertRaises(pactlog.InvalidArgumentError) as caught:
            self.client.append(self.deal, event)
        self.assertTrue(any("reason" in v.field for v in caught.exception.field_violations),
                        caught.exception.field_violations)

    # --- retraction -----------------------------------------------------------------

    def test_retract_a_report(self):
        rumour = self.client.append(self.deal, pactlog.project_announcement(
            "rumoured-plant", "A plant the press reported", "metals", "IN", pactlog.usd(7 * B),
            source="press", effective_time=t(2026, 1, 10)))
        retracted = self.client.append(self.deal, pactlog.retraction(
            rumour.event_ids[0], "no such plan", source="Ministry statement",
            firmness="officially-announced"))
        project = self.project("rumoured-plant")
        self.assertEqual(project.status, pactlog.ProjectStatus.RETRACTED)
        self.assertEqual(project.supersession.kind, pactlog.SupersessionKind.RETRACTED)
        self.assertEqual(project.supersession.by_event_id, retracted.event_ids[0])
        self.assertEqual(project.supersession.reason, "no such plan")
        deal = self.deal_state()
        self.assertEqual(deal.totals.pledged, pactlog.usd(125 * B))
        self.assertEqual(deal.projects_retracted, 1)
        # The retraction takes effect when its target did.
        self.assertEqual(pactlog.to_datetime(project.supersession.effective_time), t(2026, 1, 10))
        self.assertEqual(self.deal_state(as_of_effective_time=t(2026, 2, 1)).totals.pledged,
                         pactlog.usd(100 * B))
        self.assertEqual(self.deal_state(as_of_recorded_time=rumour.recorded_time)
                         .totals.pledged, pactlog.usd(132 * B))

    def test_a_project_with_approvals_cannot_be_retracted(self):
        with self.assertRaises(pactlog.FailedPreconditionError) as caught:
            self.client.append(self.deal, pactlog.retraction(self.ids["reactors"], "false",
                                                             source="press"))
        self.assertIn("retract-dependents", caught.exception.message)

    def test_a_retraction_at_another_time_than_its_target_is_refused(self):
        with self.assertRaises(pactlog.FailedPreconditionError) as caught:
            self.client.append(self.deal, pactlog.retraction(
                self.ids["datacenters"], "false", source="press", effective_time=t(2026, 3, 1)))
        self.assertIn("correction-effective-time", caught.exception.message)

    # --- correction -----------------------------------------------------------------

    def test_correct_a_disbursement(self):
        corrected = self.client.append(self.deal, pactlog.correction(
            self.ids["t1"],
            pactlog.disbursement(REACTORS, pactlog.usd(3 * B), "nexi", "T1",
                                 source="NEXI release", firmness="confirmed"),
            "it was NEXI's $3B, not JBIC's $2B"))
        project = self.project()
        self.assertEqual(project.disbursed, pactlog.usd(3 * B))
        by_source = {s.funding_source: s.disbursed.minor_units
                     for s in project.disbursed_by_source}
        self.assertEqual(by_source.get(pactlog.FundingSource.NEXI), 300 * B)
        self.assertEqual(by_source.get(pactlog.FundingSource.JBIC, 0), 0)
        self.assertEqual(self.deal_state().totals.disbursed, pactlog.usd(3 * B))
        # It takes effect when the corrected disbursement did.
        self.assertEqual(self.project(as_of_effective_time=t(2025, 12, 2)).disbursed,
                         pactlog.usd(3 * B))
        self.assertEqual(self.project(as_of_recorded_time=self.setup.recorded_time).disbursed,
                         pactlog.usd(2 * B))
        self.assertEqual(self.project(as_of_recorded_time=corrected.recorded_time).disbursed,
                         pactlog.usd(3 * B))

    def test_a_correction_keeps_its_subject(self):
        with self.assertRaises(pactlog.FailedPreconditionError) as caught:
            self.client.append(self.deal, pactlog.correction(
                self.ids["t1"],
                pactlog.disbursement(DATA_CENTERS, pactlog.usd(2 * B), "jbic", source="press")))
        self.assertIn("correction-same-subject", caught.exception.message)
        with self.assertRaises(pactlog.FailedPreconditionError) as caught:
            self.client.append(self.deal, pactlog.correction(
                self.ids["t1"],
                pactlog.approval(REACTORS, pactlog.usd(2 * B), "committee", source="press")))
        self.assertIn("correction-same-subject", caught.exception.message)
        self.assertEqual(self.deal_state().version, 5)

    def test_correct_a_project_announcement(self):
        self.client.append(self.deal, pactlog.correction(
            self.ids["datacenters"],
            pactlog.project_announcement(DATA_CENTERS, "AI data centers", "ai-infrastructure",
                                         "TX", pactlog.usd(20 * B), ["SoftBank"],
                                         source=FACT_SHEET),
            "the site is in Texas and the pledge $20B"))
        project = self.project(DATA_CENTERS)
        self.assertEqual((project.us_state, project.pledged), ("TX", pactlog.usd(20 * B)))
        self.assertEqual(self.deal_state().totals.pledged, pactlog.usd(120 * B))

    # --- firmness -------------------------------------------------------------------

    def test_raise_firmness(self):
        self.assertEqual(self.project().firmness, pactlog.Firmness.REPORTED)
        raised = self.client.append(self.deal, pactlog.firmness_raise(
            self.ids["reactors"], "confirmed", "the signed agreement names it",
            source="signed agreement"))
        project = self.project()
        self.assertEqual(project.firmness, pactlog.Firmness.CONFIRMED)
        self.assertEqual(project.head_event_id, raised.event_ids[0])
        self.assertEqual(project.pledged, pactlog.usd(100 * B), "no figure changes")
        self.assertEqual(self.project(as_of_recorded_time=self.setup.recorded_time).firmness,
                         pactlog.Firmness.REPORTED)
        with self.assertRaises(pactlog.FailedPreconditionError) as caught:
            self.client.append(self.deal, pactlog.firmness_raise(
                raised.event_ids[0], "officially-announced", source="press"))
        self.assertIn("firmness-raise-only", caught.exception.message)
        # An approval's firmness too.
        approval = self.client.append(self.deal, pactlog.firmness_raise(
            self.ids["approval"], "confirmed", source="signed agreement"))
        (record,) = self.project().approvals
        self.assertEqual((record.firmness, record.head_event_id),
                         (pactlog.Firmness.CONFIRMED, approval.event_ids[0]))

    # --- restatement ----------------------------------------------------------------

    def test_restate_a_project(self):
        restating = self.client.append(self.deal, pactlog.project_announcement(
            "softbank-ai-campus", "SoftBank AI campus", "ai-infrastructure", "OH",
            pactlog.usd(30 * B), ["SoftBank"], restates=[self.ids["datacenters"]],
            source=FACT_SHEET, effective_time=t(2026, 3, 1)))
        old = self.project(DATA_CENTERS)
        self.assertEqual(old.status, pactlog.ProjectStatus.RESTATED)
        self.assertEqual(old.supersession.kind, pactlog.SupersessionKind.RESTATED)
        self.assertEqual(old.supersession.by_event_id, restating.event_ids[0])
        self.assertEqual(old.supersession.reason, "")
        new = self.project("softbank-ai-campus")
        self.assertEqual(list(new.restates), [self.ids["datacenters"]])
        self.assertEqual(new.status, pactlog.ProjectStatus.ANNOUNCED)
        deal = self.deal_state()
        self.assertEqual(deal.totals.pledged, pactlog.usd(130 * B), "the $25B counts once")
        self.assertEqual(deal.projects_restated, 1)
        self.assertEqual(self.deal_state(as_of_recorded_time=self.setup.recorded_time)
                         .totals.pledged, pactlog.usd(125 * B))

    def test_restate_an_allocation(self):
        first = self.client.append(self.deal, pactlog.allocation_announcement(
            "energy", "Energy infrastructure", "sector", "energy", pactlog.usd(50 * B),
            source="press", effective_time=t(2025, 9, 4)))
        self.client.append(self.deal, pactlog.allocation_announcement(
            "energy-2025", "Energy infrastructure", "sector", "energy", pactlog.usd(60 * B),
            restates=first.event_ids, source=FACT_SHEET, effective_time=t(2025, 9, 4)))
        deal = self.deal_state()
        self.assertEqual(deal.allocated, pactlog.usd(60 * B))
        allocations = {a.allocation_id: a for a in deal.allocations}
        self.assertEqual(allocations["energy"].supersession.kind,
                         pactlog.SupersessionKind.RESTATED)
        self.assertEqual(list(allocations["energy-2025"].restates), list(first.event_ids))

    def test_a_project_with_approvals_cannot_be_restated(self):
        with self.assertRaises(pactlog.FailedPreconditionError):
            self.client.append(self.deal, pactlog.project_announcement(
                "ap1000-fleet", "AP1000 fleet", "energy", "PA", pactlog.usd(100 * B),
                restates=[self.ids["reactors"]], source=FACT_SHEET))
        self.assertEqual(self.project().status, pactlog.ProjectStatus.FUNDING)

    # --- the log and lineage --------------------------------------------------------

    def test_the_log_holds_the_references_the_server_resolved(self):
        revised = self.client.append(self.deal, pactlog.revision(
            self.ids["approval"], pactlog.usd(40 * B), source="press"))
        page = self.client.read(self.setup.last_sequence, deal_ids=[self.deal],
                                kinds=["amendment"])
        (event,) = page.events
        self.assertEqual(event.sequence, revised.last_sequence)
        self.assertEqual(event.data.amendment.revised_amount, pactlog.usd(40 * B))
        reference = event.references[0]
        self.assertEqual(reference.event_id, self.ids["approval"])
        self.assertEqual(reference.sequence, self.setup.sequences[3])
        self.assertEqual(reference.origin_sequence, self.setup.sequences[3])
        self.assertEqual(reference.origin.approval.amount, pactlog.usd(60 * B))

    def test_lineage_of_a_project(self):
        revised = self.client.append(self.deal, pactlog.revision(
            self.ids["approval"], pactlog.usd(40 * B), "the committee cut it", source="press"))
        lineage = self.assert_lineage_adds_up(project_id=REACTORS)
        self.assertEqual(figures(lineage.figures),
                         {"allocated": 0, "pledged": 100 * B * 100, "approved": 40 * B * 100,
                          "disbursed": 2 * B * 100})
        self.assertGreaterEqual(lineage.log_sequence, revised.last_sequence)
        by_id = {e.event_id: e for e in lineage.entries}
        self.assertTrue({self.ids["reactors"], self.ids["approval"], self.ids["t1"],
                         revised.event_ids[0]} <= set(by_id), list(by_id))
        self.assertNotIn(self.ids["datacenters"], by_id)
        revision = by_id[revised.event_ids[0]]
        self.assertEqual(revision.kind, pactlog.EventKind.AMENDMENT)
        self.assertEqual(revision.target_event_id, self.ids["approval"])
        self.assertEqual(revision.change.approved.minor_units, -20 * B * 100)
        self.assertTrue(revision.summary)
        self.assertEqual(by_id[self.ids["approval"]].change.approved, pactlog.usd(60 * B))
        # As of a recorded time before the revision: the old figure, no revision.
        before = self.assert_lineage_adds_up(project_id=REACTORS,
                                             as_of_recorded_time=self.setup.recorded_time)
        self.assertEqual(before.figures.approved, pactlog.usd(60 * B))
        self.assertNotIn(revised.event_ids[0], [e.event_id for e in before.entries])

    def test_lineage_of_the_deal_over_pages(self):
        c = self.client
        c.append(self.deal, [
            pactlog.revision(self.ids["approval"], pactlog.usd(40 * B), source="press"),
            pactlog.withdrawal(self.ids["datacenters"], "pulled out", source="press"),
            pactlog.correction(self.ids["t1"], pactlog.disbursement(
                REACTORS, pactlog.usd(3 * B), "nexi", source="press")),
            pactlog.allocation_announcement("energy", "Energy", "sector", "energy",
                                            pactlog.usd(50 * B), source="press",
                                            effective_time=t(2025, 9, 4)),
        ])
        whole = self.assert_lineage_adds_up()
        deal = self.deal_state()
        self.assertEqual(figures(whole.figures),
                         {"allocated": deal.allocated.minor_units,
                          "pledged": deal.totals.pledged.minor_units,
                          "approved": deal.totals.approved.minor_units,
                          "disbursed": deal.totals.disbursed.minor_units})
        self.assertEqual(figures(whole.figures),
                         {"allocated": 50 * B * 100, "pledged": 100 * B * 100,
                          "approved": 40 * B * 100, "disbursed": 3 * B * 100})
        paged = self.assert_lineage_adds_up(page_size=2)
        self.assertEqual(list(paged.entries), list(whole.entries))
        self.assertEqual(paged.figures, whole.figures)
        self.assertEqual(paged.next_page_token, "")
        allocation = self.assert_lineage_adds_up(allocation_id="energy")
        self.assertEqual(allocation.figures.allocated, pactlog.usd(50 * B))

    def test_lineage_of_an_unknown_subject(self):
        with self.assertRaises(pactlog.NotFoundError):
            self.client.get_lineage(self.deal, project_id="no-such-project")
        with self.assertRaises(pactlog.NotFoundError):
            self.client.get_lineage(self.deal, allocation_id="no-such-allocation")
        with self.assertRaises(pactlog.NotFoundError):
            self.client.get_lineage(self.new_deal_id())
        with self.assertRaises(ValueError):  # checked before anything is sent
            self.client.get_lineage(self.deal, project_id=REACTORS, allocation_id="energy")


if __name__ == "__main__":
    unittest.main()
