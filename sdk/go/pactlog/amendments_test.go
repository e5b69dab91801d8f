package pactlog_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"pactlog.dev/sdk/go/pactlog"
	"pactlog.dev/sdk/go/pactlogpb"
)

// Amendments, restatements and lineage against a real pactlogd.

const (
	reactors    = "westinghouse-ap1000"
	dataCenters = "softbank-datacenters"
)

// amendable is a deal recorded by recordAmendable: the batch's response and
// the event ids of its events.
type amendable struct {
	dealID string
	setup  *pactlog.AppendResult
	// Event ids carry the deal id: an id is unique in the whole log.
	deal, reactors, dataCenters, approval, t1 string
}

// recordAmendable records the US-Japan deal (ceiling $550B, effective
// 2025-07-22) with
//
//	westinghouse-ap1000   $100B pledged (reported) on 2025-10-28, approved
//	                      $60B (officially announced) on 2025-11-01, $2B
//	                      disbursed by JBIC (confirmed) on 2025-12-01
//	softbank-datacenters  $25B pledged on 2026-02-18, nothing approved
func recordAmendable(ctx context.Context, t *testing.T, c *pactlog.Client, dealID string) *amendable {
	t.Helper()
	d := &amendable{dealID: dealID, deal: dealID + "/deal", reactors: dealID + "/reactors",
		dataCenters: dealID + "/datacenters", approval: dealID + "/approval", t1: dealID + "/t1"}
	fact := pactlog.OfficiallyAnnounced("Commerce fact sheet")
	deal := dealAnnounced()
	pactlog.WithEventID(d.deal)(deal)
	resp, err := c.Append(ctx, dealID, events(
		deal,
		pactlog.ProjectAnnounced(&pactlogpb.ProjectAnnouncement{ProjectId: reactors, Name: "AP1000 reactors",
			Sector: pactlogpb.Sector_SECTOR_ENERGY, UsState: "PA", Sponsors: []string{"Westinghouse"}, Pledged: usd(100 * billion)},
			pactlog.Reported("Nikkei"), pactlog.EffectiveAt(day(2025, 10, 28)), pactlog.WithEventID(d.reactors)),
		pactlog.ProjectAnnounced(&pactlogpb.ProjectAnnouncement{ProjectId: dataCenters, Name: "AI data centers",
			Sector: pactlogpb.Sector_SECTOR_AI_INFRASTRUCTURE, UsState: "OH", Sponsors: []string{"SoftBank"}, Pledged: usd(25 * billion)},
			fact, pactlog.EffectiveAt(feb2026), pactlog.WithEventID(d.dataCenters)),
		pactlog.ProjectApproved(reactors, usd(60*billion), "US Investment Committee", fact,
			pactlog.EffectiveAt(day(2025, 11, 1)), pactlog.WithEventID(d.approval)),
		pactlog.Disbursed(reactors, usd(2*billion), pactlogpb.FundingSource_FUNDING_SOURCE_JBIC, "T1",
			pactlog.Confirmed("JBIC release"), pactlog.EffectiveAt(day(2025, 12, 1)), pactlog.WithEventID(d.t1)),
	), pactlog.AppendOptions{ExpectedVersion: pactlog.NoDeal()})
	if err != nil {
		t.Fatalf("Append the amendable deal: %v", err)
	}
	if resp.DealVersion != 5 {
		t.Fatalf("deal version %d, want 5", resp.DealVersion)
	}
	d.setup = resp
	// Recorded times only never decrease: let the clock move on, so that as
	// of the setup's recorded time nothing later is folded.
	time.Sleep(5 * time.Millisecond)
	return d
}

func (d *amendable) append(ctx context.Context, t *testing.T, c *pactlog.Client, es ...*pactlogpb.EventData) *pactlog.AppendResult {
	t.Helper()
	resp, err := c.Append(ctx, d.dealID, es, pactlog.AppendOptions{})
	if err != nil {
		t.Fatalf("Append %v: %v", es, err)
	}
	time.Sleep(5 * time.Millisecond) // as in recordAmendable
	return resp
}

// refused appends events that must be refused with code, the message
// containing want, and checks that the deal did not change.
func (d *amendable) refused(ctx context.Context, t *testing.T, c *pactlog.Client, code codes.Code, want string, es ...*pactlogpb.EventData) error {
	t.Helper()
	before, err := c.GetDeal(ctx, d.dealID)
	if err != nil {
		t.Fatalf("GetDeal: %v", err)
	}
	_, err = c.Append(ctx, d.dealID, es, pactlog.AppendOptions{})
	if status.Code(err) != code || !strings.Contains(errText(err), want) {
		t.Errorf("Append %v: %v; want %s containing %q", es, err, code, want)
	}
	if after, gerr := c.GetDeal(ctx, d.dealID); gerr != nil || after.Deal.Version != before.Deal.Version {
		t.Errorf("after the refusal: version %d (%v), want %d", after.GetDeal().GetVersion(), gerr, before.Deal.Version)
	}
	return err
}

func (d *amendable) project(ctx context.Context, t *testing.T, c *pactlog.Client, projectID string, opts ...pactlog.QueryOption) *pactlogpb.ProjectState {
	t.Helper()
	resp, err := c.GetProject(ctx, d.dealID, projectID, opts...)
	if err != nil {
		t.Fatalf("GetProject(%s): %v", projectID, err)
	}
	return resp.Project
}

func (d *amendable) state(ctx context.Context, t *testing.T, c *pactlog.Client, opts ...pactlog.QueryOption) *pactlogpb.DealState {
	t.Helper()
	resp, err := c.GetDeal(ctx, d.dealID, opts...)
	if err != nil {
		t.Fatalf("GetDeal: %v", err)
	}
	return resp.Deal
}

func dollars(m *pactlogpb.Money) string {
	if m == nil {
		return "$0 (unset)"
	}
	return fmt.Sprintf("%s %d.%02d", m.CurrencyCode, m.MinorUnits/100, m.MinorUnits%100)
}

func wantMoney(t *testing.T, what string, got *pactlogpb.Money, wantDollars int64) {
	t.Helper()
	if got.GetMinorUnits() != wantDollars*100 || (wantDollars != 0 && got.GetCurrencyCode() != "USD") {
		t.Errorf("%s: %s, want USD %d", what, dollars(got), wantDollars)
	}
}

func TestAmendments(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContextWithin(t, 3*time.Minute)
	n := 0
	newDeal := func(t *testing.T) *amendable {
		n++
		return recordAmendable(ctx, t, c, "us-japan-"+itoa(n))
	}

	t.Run("revise an approval down", func(t *testing.T) {
		d := newDeal(t)
		revised := d.append(ctx, t, c, pactlog.Revised(d.approval, usd(40*billion), "the committee cut it", pactlog.Confirmed("committee minutes")))
		p := d.project(ctx, t, c, reactors)
		wantMoney(t, "approved", p.Approved, 40*billion)
		wantMoney(t, "undisbursed", p.Undisbursed, 38*billion)
		wantMoney(t, "unapproved", p.Unapproved, 60*billion)
		if len(p.Approvals) != 1 {
			t.Fatalf("approvals %v, want one", p.Approvals)
		}
		a := p.Approvals[0]
		wantMoney(t, "the approval's amount", a.Amount, 40*billion)
		if a.EventId != d.approval || a.HeadEventId != revised.EventIds[0] {
			t.Errorf("approval event %q head %q, want %q %q", a.EventId, a.HeadEventId, d.approval, revised.EventIds[0])
		}
		deal := d.state(ctx, t, c)
		wantMoney(t, "deal approved", deal.Totals.GetApproved(), 40*billion)
		if deal.AmendmentCount != 1 {
			t.Errorf("amendment count %d, want 1", deal.AmendmentCount)
		}

		// As of a recorded time before the revision: the old figure.
		before := d.project(ctx, t, c, reactors, pactlog.AsOfRecordedTime(d.setup.RecordedTime.AsTime()))
		wantMoney(t, "approved as of before the revision", before.Approved, 60*billion)
		if len(before.Approvals) != 1 || before.Approvals[0].HeadEventId != d.approval {
			t.Errorf("approvals before the revision %v, want the original standing", before.Approvals)
		}
		wantMoney(t, "deal approved before the revision",
			d.state(ctx, t, c, pactlog.AsOfRecordedTime(d.setup.RecordedTime.AsTime())).Totals.GetApproved(), 60*billion)
		after := d.project(ctx, t, c, reactors, pactlog.AsOfRecordedTime(revised.RecordedTime.AsTime()))
		wantMoney(t, "approved as of the revision", after.Approved, 40*billion)
		// A revision takes effect at its own effective time, here when it was
		// recorded: on 2026-01-01 the old amount was in force.
		wantMoney(t, "approved in force on 2026-01-01", d.project(ctx, t, c, reactors, pactlog.AsOfEffectiveTime(day(2026, 1, 1))).Approved, 60*billion)

		// The log holds the amendment and the reference the server resolved.
		page, err := c.Read(ctx, pactlog.ReadOptions{AfterSequence: d.setup.Sequences[4],
			Filter: pactlog.Filter{DealIDs: []string{d.dealID}, Kinds: []pactlogpb.EventKind{pactlogpb.EventKind_EVENT_KIND_AMENDMENT}}})
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if len(page.Events) != 1 || page.Events[0].Sequence != revised.Sequences[0] {
			t.Fatalf("amendments in the log %v, want the revision at #%d", page.Events, revised.Sequences[0])
		}
		e := page.Events[0]
		wantMoney(t, "the stored revision", e.Data.GetAmendment().GetRevisedAmount(), 40*billion)
		if len(e.References) != 1 {
			t.Fatalf("references %v, want one", e.References)
		}
		r := e.References[0]
		if r.EventId != d.approval || r.Sequence != d.setup.Sequences[3] || r.OriginSequence != d.setup.Sequences[3] ||
			!r.EffectiveTime.AsTime().Equal(day(2025, 11, 1)) {
			t.Errorf("reference %v, want the approval at #%d", r, d.setup.Sequences[3])
		}
		wantMoney(t, "the reference's origin", r.Origin.GetApproval().GetAmount(), 60*billion)
	})

	t.Run("an amendment names the standing event", func(t *testing.T) {
		d := newDeal(t)
		first := d.append(ctx, t, c, pactlog.Revised(d.approval, usd(50*billion), "", pactlog.Reported("press")))
		// The original approval no longer stands: first does.
		d.refused(ctx, t, c, codes.FailedPrecondition, "amend-standing-event",
			pactlog.Revised(d.approval, usd(40*billion), "", pactlog.Reported("press")))
		wantMoney(t, "approved", d.project(ctx, t, c, reactors).Approved, 50*billion)
		second := d.append(ctx, t, c, pactlog.Revised(first.EventIds[0], usd(40*billion), "", pactlog.Reported("press")))
		a := d.project(ctx, t, c, reactors).Approvals[0]
		wantMoney(t, "approved after the second revision", a.Amount, 40*billion)
		if a.HeadEventId != second.EventIds[0] || a.EventId != d.approval {
			t.Errorf("approval event %q head %q, want %q %q", a.EventId, a.HeadEventId, d.approval, second.EventIds[0])
		}
	})

	t.Run("the rules of revisions", func(t *testing.T) {
		d := newDeal(t)
		d.refused(ctx, t, c, codes.FailedPrecondition, "approval-within-pledge",
			pactlog.Revised(d.reactors, usd(50*billion), "", pactlog.Reported("press")))
		d.refused(ctx, t, c, codes.FailedPrecondition, "disbursement-within-approval",
			pactlog.Revised(d.approval, usd(1*billion), "", pactlog.Reported("press")))
		revised := d.append(ctx, t, c, pactlog.Revised(d.reactors, usd(80*billion), "smaller reactors", pactlog.Reported("press")))
		p := d.project(ctx, t, c, reactors)
		wantMoney(t, "pledged", p.Pledged, 80*billion)
		if p.EventId != d.reactors || p.HeadEventId != revised.EventIds[0] {
			t.Errorf("project event %q head %q, want %q %q", p.EventId, p.HeadEventId, d.reactors, revised.EventIds[0])
		}
		deal := d.state(ctx, t, c)
		wantMoney(t, "deal pledged", deal.Totals.GetPledged(), 105*billion)
		wantMoney(t, "headroom", deal.Headroom, 445*billion)
	})

	t.Run("an unknown target", func(t *testing.T) {
		d := newDeal(t)
		missing := d.dealID + "/no-such-event"
		d.refused(ctx, t, c, codes.NotFound, missing, pactlog.Revised(missing, usd(1*billion), "", pactlog.Reported("press")))
		d.refused(ctx, t, c, codes.NotFound, missing, pactlog.Withdrawn(missing, "gone", pactlog.Reported("press")))
	})

	t.Run("another deal's event", func(t *testing.T) {
		d, other := newDeal(t), newDeal(t)
		d.refused(ctx, t, c, codes.FailedPrecondition, "amend-same-deal",
			pactlog.Revised(other.approval, usd(50*billion), "", pactlog.Reported("press")))
	})

	t.Run("withdraw a project", func(t *testing.T) {
		d := newDeal(t)
		withdrawn := d.append(ctx, t, c, pactlog.Withdrawn(d.dataCenters, "SoftBank pulled out", pactlog.Reported("press")))
		p := d.project(ctx, t, c, dataCenters)
		if p.Status != pactlogpb.ProjectStatus_PROJECT_STATUS_WITHDRAWN {
			t.Errorf("status %v, want PROJECT_STATUS_WITHDRAWN", p.Status)
		}
		s := p.Supersession
		if s.GetKind() != pactlogpb.SupersessionKind_SUPERSESSION_KIND_WITHDRAWN || s.GetByEventId() != withdrawn.EventIds[0] ||
			s.GetSequence() != withdrawn.Sequences[0] || s.GetReason() != "SoftBank pulled out" ||
			!s.GetEffectiveTime().AsTime().Equal(withdrawn.RecordedTime.AsTime()) {
			t.Errorf("supersession %v, want withdrawn by #%d, SoftBank pulled out, effective when recorded", s, withdrawn.Sequences[0])
		}
		wantMoney(t, "its pledge as it stood", p.Pledged, 25*billion)
		deal := d.state(ctx, t, c)
		wantMoney(t, "deal pledged", deal.Totals.GetPledged(), 100*billion)
		wantMoney(t, "headroom", deal.Headroom, 450*billion)
		if deal.ProjectsWithdrawn != 1 {
			t.Errorf("projects withdrawn %d, want 1", deal.ProjectsWithdrawn)
		}
		listed, err := c.ListProjects(ctx, d.dealID, pactlog.ProjectFilter{Status: pactlogpb.ProjectStatus_PROJECT_STATUS_WITHDRAWN}, pactlog.Page{})
		if err != nil {
			t.Fatalf("ListProjects: %v", err)
		}
		if len(listed.Projects) != 1 || listed.Projects[0].ProjectId != dataCenters {
			t.Errorf("withdrawn projects %v, want %s", listed.Projects, dataCenters)
		}
		// Before it was recorded, and before it took effect, the pledge counted.
		wantMoney(t, "deal pledged before the withdrawal",
			d.state(ctx, t, c, pactlog.AsOfRecordedTime(d.setup.RecordedTime.AsTime())).Totals.GetPledged(), 125*billion)
		if st := d.project(ctx, t, c, dataCenters, pactlog.AsOfEffectiveTime(day(2026, 6, 1))).Status; st != pactlogpb.ProjectStatus_PROJECT_STATUS_ANNOUNCED {
			t.Errorf("status in force on 2026-06-01 %v, want ANNOUNCED", st)
		}
		// A withdrawn project is no longer amendable, and money moved cannot
		// be withdrawn.
		d.refused(ctx, t, c, codes.FailedPrecondition, "withdraw-undisbursed",
			pactlog.Withdrawn(d.reactors, "cancelled", pactlog.Reported("press")))
		if st := d.project(ctx, t, c, reactors).Status; st != pactlogpb.ProjectStatus_PROJECT_STATUS_FUNDING {
			t.Errorf("reactors %v, want still FUNDING", st)
		}
	})

	t.Run("a withdrawal needs a reason", func(t *testing.T) {
		d := newDeal(t)
		err := d.refused(ctx, t, c, codes.InvalidArgument, "reason", pactlog.Withdrawn(d.dataCenters, "", pactlog.Reported("press")))
		found := false
		for _, v := range pactlog.FieldViolations(err) {
			found = found || v.Field == "events[0].amendment.reason"
		}
		if !found {
			t.Errorf("field violations %v, want events[0].amendment.reason", pactlog.FieldViolations(err))
		}
		d.refused(ctx, t, c, codes.InvalidArgument, "reason", pactlog.Retracted(d.dataCenters, "", pactlog.Reported("press")))
	})

	t.Run("retract a report", func(t *testing.T) {
		d := newDeal(t)
		rumour := d.append(ctx, t, c, pactlog.ProjectAnnounced(&pactlogpb.ProjectAnnouncement{ProjectId: "rumoured-plant",
			Name: "A plant the press reported", Sector: pactlogpb.Sector_SECTOR_METALS, UsState: "IN", Pledged: usd(7 * billion)},
			pactlog.Reported("press"), pactlog.EffectiveAt(day(2026, 1, 10))))
		retracted := d.append(ctx, t, c, pactlog.Retracted(rumour.EventIds[0], "no such plan", pactlog.OfficiallyAnnounced("Ministry statement")))
		p := d.project(ctx, t, c, "rumoured-plant")
		if p.Status != pactlogpb.ProjectStatus_PROJECT_STATUS_RETRACTED {
			t.Errorf("status %v, want RETRACTED", p.Status)
		}
		s := p.Supersession
		// The retraction takes effect when its target did.
		if s.GetKind() != pactlogpb.SupersessionKind_SUPERSESSION_KIND_RETRACTED || s.GetByEventId() != retracted.EventIds[0] ||
			s.GetReason() != "no such plan" || !s.GetEffectiveTime().AsTime().Equal(day(2026, 1, 10)) {
			t.Errorf("supersession %v, want retracted by %s on 2026-01-10", s, retracted.EventIds[0])
		}
		deal := d.state(ctx, t, c)
		wantMoney(t, "deal pledged", deal.Totals.GetPledged(), 125*billion)
		if deal.ProjectsRetracted != 1 {
			t.Errorf("projects retracted %d, want 1", deal.ProjectsRetracted)
		}
		wantMoney(t, "pledged as recorded before the retraction",
			d.state(ctx, t, c, pactlog.AsOfRecordedTime(rumour.RecordedTime.AsTime())).Totals.GetPledged(), 132*billion)
		d.refused(ctx, t, c, codes.FailedPrecondition, "retract-dependents",
			pactlog.Retracted(d.reactors, "false", pactlog.Reported("press")))
		d.refused(ctx, t, c, codes.FailedPrecondition, "correction-effective-time",
			pactlog.Retracted(d.dataCenters, "false", pactlog.Reported("press"), pactlog.EffectiveAt(day(2026, 3, 1))))
	})

	t.Run("correct a disbursement", func(t *testing.T) {
		d := newDeal(t)
		corrected := d.append(ctx, t, c, pactlog.Corrected(d.t1,
			pactlog.Disbursed(reactors, usd(3*billion), pactlogpb.FundingSource_FUNDING_SOURCE_NEXI, "T1", pactlog.Confirmed("NEXI release")),
			"it was NEXI's $3B, not JBIC's $2B"))
		p := d.project(ctx, t, c, reactors)
		wantMoney(t, "disbursed", p.Disbursed, 3*billion)
		bySource := map[pactlogpb.FundingSource]int64{}
		for _, s := range p.DisbursedBySource {
			bySource[s.FundingSource] = s.GetDisbursed().GetMinorUnits()
		}
		if bySource[pactlogpb.FundingSource_FUNDING_SOURCE_NEXI] != 3*billion*100 || bySource[pactlogpb.FundingSource_FUNDING_SOURCE_JBIC] != 0 {
			t.Errorf("by source %v, want NEXI $3B and nothing from JBIC", bySource)
		}
		wantMoney(t, "deal disbursed", d.state(ctx, t, c).Totals.GetDisbursed(), 3*billion)
		// In force when the corrected disbursement was; as recorded before,
		// the old figure.
		wantMoney(t, "disbursed on 2025-12-02", d.project(ctx, t, c, reactors, pactlog.AsOfEffectiveTime(day(2025, 12, 2))).Disbursed, 3*billion)
		wantMoney(t, "disbursed as recorded before", d.project(ctx, t, c, reactors, pactlog.AsOfRecordedTime(d.setup.RecordedTime.AsTime())).Disbursed, 2*billion)
		wantMoney(t, "disbursed as recorded after", d.project(ctx, t, c, reactors, pactlog.AsOfRecordedTime(corrected.RecordedTime.AsTime())).Disbursed, 3*billion)

		// The same kind, the same subject.
		d.refused(ctx, t, c, codes.FailedPrecondition, "correction-same-subject", pactlog.Corrected(corrected.EventIds[0],
			pactlog.Disbursed(dataCenters, usd(2*billion), pactlogpb.FundingSource_FUNDING_SOURCE_JBIC, "", pactlog.Reported("press")), ""))
		d.refused(ctx, t, c, codes.FailedPrecondition, "correction-same-subject", pactlog.Corrected(corrected.EventIds[0],
			pactlog.ProjectApproved(reactors, usd(2*billion), "committee", pactlog.Reported("press")), ""))
		// A replacement dated otherwise than the target is refused, not
		// silently moved.
		d.refused(ctx, t, c, codes.FailedPrecondition, "correction-effective-time", pactlog.Corrected(corrected.EventIds[0],
			pactlog.Disbursed(reactors, usd(3*billion), pactlogpb.FundingSource_FUNDING_SOURCE_NEXI, "T1", pactlog.Confirmed("NEXI release"),
				pactlog.EffectiveAt(day(2025, 12, 15))), ""))
		// Dated as the target: the same as no date.
		d.append(ctx, t, c, pactlog.Corrected(corrected.EventIds[0],
			pactlog.Disbursed(reactors, usd(4*billion), pactlogpb.FundingSource_FUNDING_SOURCE_NEXI, "T1", pactlog.Confirmed("NEXI release"),
				pactlog.EffectiveAt(day(2025, 12, 1))), ""))
		wantMoney(t, "disbursed after the second correction", d.project(ctx, t, c, reactors).Disbursed, 4*billion)
		// A correction without a replacement is malformed.
		d.refused(ctx, t, c, codes.InvalidArgument, "replacement", pactlog.Corrected(d.approval, nil, ""))
	})

	t.Run("correct a project announcement", func(t *testing.T) {
		d := newDeal(t)
		d.append(ctx, t, c, pactlog.Corrected(d.dataCenters, pactlog.ProjectAnnounced(&pactlogpb.ProjectAnnouncement{ProjectId: dataCenters,
			Name: "AI data centers", Sector: pactlogpb.Sector_SECTOR_AI_INFRASTRUCTURE, UsState: "TX", Sponsors: []string{"SoftBank"},
			Pledged: usd(20 * billion)}, pactlog.OfficiallyAnnounced("Commerce fact sheet")), "the site is in Texas and the pledge $20B"))
		p := d.project(ctx, t, c, dataCenters)
		if p.UsState != "TX" {
			t.Errorf("state %q, want TX", p.UsState)
		}
		wantMoney(t, "pledged", p.Pledged, 20*billion)
		wantMoney(t, "deal pledged", d.state(ctx, t, c).Totals.GetPledged(), 120*billion)
	})

	t.Run("raise firmness", func(t *testing.T) {
		d := newDeal(t)
		if f := d.project(ctx, t, c, reactors).Firmness; f != pactlogpb.Firmness_FIRMNESS_REPORTED {
			t.Errorf("firmness %v, want REPORTED", f)
		}
		raised := d.append(ctx, t, c, pactlog.FirmnessRaised(d.reactors, pactlogpb.Firmness_FIRMNESS_CONFIRMED,
			"the signed agreement names it", pactlog.Confirmed("signed agreement")))
		p := d.project(ctx, t, c, reactors)
		if p.Firmness != pactlogpb.Firmness_FIRMNESS_CONFIRMED || p.HeadEventId != raised.EventIds[0] {
			t.Errorf("firmness %v head %q, want CONFIRMED %q", p.Firmness, p.HeadEventId, raised.EventIds[0])
		}
		wantMoney(t, "pledged (no figure changes)", p.Pledged, 100*billion)
		if f := d.project(ctx, t, c, reactors, pactlog.AsOfRecordedTime(d.setup.RecordedTime.AsTime())).Firmness; f != pactlogpb.Firmness_FIRMNESS_REPORTED {
			t.Errorf("firmness as recorded before %v, want REPORTED", f)
		}
		d.refused(ctx, t, c, codes.FailedPrecondition, "firmness-raise-only",
			pactlog.FirmnessRaised(raised.EventIds[0], pactlogpb.Firmness_FIRMNESS_OFFICIALLY_ANNOUNCED, "", pactlog.Reported("press")))
		// An approval's firmness too.
		approval := d.append(ctx, t, c, pactlog.FirmnessRaised(d.approval, pactlogpb.Firmness_FIRMNESS_CONFIRMED, "", pactlog.Confirmed("signed agreement")))
		a := d.project(ctx, t, c, reactors).Approvals[0]
		if a.Firmness != pactlogpb.Firmness_FIRMNESS_CONFIRMED || a.HeadEventId != approval.EventIds[0] {
			t.Errorf("approval firmness %v head %q, want CONFIRMED %q", a.Firmness, a.HeadEventId, approval.EventIds[0])
		}
	})

	t.Run("restate a project", func(t *testing.T) {
		d := newDeal(t)
		restating := d.append(ctx, t, c, pactlog.ProjectAnnounced(&pactlogpb.ProjectAnnouncement{ProjectId: "softbank-ai-campus",
			Name: "SoftBank AI campus", Sector: pactlogpb.Sector_SECTOR_AI_INFRASTRUCTURE, UsState: "OH", Pledged: usd(30 * billion)},
			pactlog.OfficiallyAnnounced("Commerce fact sheet"), pactlog.EffectiveAt(day(2026, 3, 1)), pactlog.Restates(d.dataCenters)))
		old := d.project(ctx, t, c, dataCenters)
		if old.Status != pactlogpb.ProjectStatus_PROJECT_STATUS_RESTATED || old.Supersession.GetKind() != pactlogpb.SupersessionKind_SUPERSESSION_KIND_RESTATED ||
			old.Supersession.GetByEventId() != restating.EventIds[0] || old.Supersession.GetReason() != "" {
			t.Errorf("restated project: status %v supersession %v", old.Status, old.Supersession)
		}
		campus := d.project(ctx, t, c, "softbank-ai-campus")
		if fmt.Sprint(campus.Restates) != fmt.Sprint([]string{d.dataCenters}) || campus.Status != pactlogpb.ProjectStatus_PROJECT_STATUS_ANNOUNCED {
			t.Errorf("restating project: restates %v status %v", campus.Restates, campus.Status)
		}
		deal := d.state(ctx, t, c)
		wantMoney(t, "deal pledged (the $25B counts once)", deal.Totals.GetPledged(), 130*billion)
		if deal.ProjectsRestated != 1 {
			t.Errorf("projects restated %d, want 1", deal.ProjectsRestated)
		}
		wantMoney(t, "deal pledged as recorded before",
			d.state(ctx, t, c, pactlog.AsOfRecordedTime(d.setup.RecordedTime.AsTime())).Totals.GetPledged(), 125*billion)
		// A project with approvals cannot be restated; restates only on
		// project and allocation announcements.
		d.refused(ctx, t, c, codes.FailedPrecondition, "restate-dependents", pactlog.ProjectAnnounced(&pactlogpb.ProjectAnnouncement{ProjectId: "ap1000-fleet",
			Name: "AP1000 fleet", Sector: pactlogpb.Sector_SECTOR_ENERGY, UsState: "PA", Pledged: usd(100 * billion)},
			pactlog.Reported("press"), pactlog.Restates(d.reactors)))
		d.refused(ctx, t, c, codes.InvalidArgument, "restates",
			pactlog.ProjectApproved(dataCenters, usd(1), "committee", pactlog.Reported("press"), pactlog.Restates(d.approval)))
	})

	t.Run("restate an allocation", func(t *testing.T) {
		d := newDeal(t)
		first := d.append(ctx, t, c, pactlog.AllocationAnnounced(&pactlogpb.AllocationAnnouncement{AllocationId: "energy", Name: "Energy infrastructure",
			Basis: pactlogpb.AllocationBasis_ALLOCATION_BASIS_SECTOR, Sector: pactlogpb.Sector_SECTOR_ENERGY, Cap: usd(50 * billion)},
			pactlog.Reported("press"), pactlog.EffectiveAt(sept2025)))
		d.append(ctx, t, c, pactlog.AllocationAnnounced(&pactlogpb.AllocationAnnouncement{AllocationId: "energy-2025", Name: "Energy infrastructure",
			Basis: pactlogpb.AllocationBasis_ALLOCATION_BASIS_SECTOR, Sector: pactlogpb.Sector_SECTOR_ENERGY, Cap: usd(60 * billion)},
			pactlog.OfficiallyAnnounced("Commerce fact sheet"), pactlog.EffectiveAt(sept2025), pactlog.Restates(first.EventIds...)))
		deal := d.state(ctx, t, c)
		wantMoney(t, "allocated", deal.Allocated, 60*billion)
		byID := map[string]*pactlogpb.AllocationState{}
		for _, a := range deal.Allocations {
			byID[a.AllocationId] = a
		}
		if byID["energy"].GetSupersession().GetKind() != pactlogpb.SupersessionKind_SUPERSESSION_KIND_RESTATED {
			t.Errorf("energy: %v, want restated", byID["energy"])
		}
		if fmt.Sprint(byID["energy-2025"].GetRestates()) != fmt.Sprint(first.EventIds) {
			t.Errorf("energy-2025 restates %v, want %v", byID["energy-2025"].GetRestates(), first.EventIds)
		}
	})
}

func figures(f *pactlogpb.Figures) [4]int64 {
	return [4]int64{f.GetAllocated().GetMinorUnits(), f.GetPledged().GetMinorUnits(), f.GetApproved().GetMinorUnits(), f.GetDisbursed().GetMinorUnits()}
}

// lineageAddsUp checks that the entries are in log order and that their
// changes sum to the figures.
func lineageAddsUp(t *testing.T, figs *pactlogpb.Figures, entries []*pactlogpb.LineageEntry) {
	t.Helper()
	var sum [4]int64
	var last uint64
	for _, e := range entries {
		if e.Sequence <= last {
			t.Errorf("entry #%d after #%d: not in log order", e.Sequence, last)
		}
		last = e.Sequence
		for _, m := range []*pactlogpb.Money{e.GetChange().GetAllocated(), e.GetChange().GetPledged(), e.GetChange().GetApproved(), e.GetChange().GetDisbursed()} {
			if m != nil && m.CurrencyCode != "USD" {
				t.Errorf("entry #%d: change in %q, want USD", e.Sequence, m.CurrencyCode)
			}
		}
		c := figures(e.Change)
		for i := range sum {
			sum[i] += c[i]
		}
	}
	if sum != figures(figs) {
		t.Errorf("the entries' changes sum to %v (allocated, pledged, approved, disbursed), the figures are %v", sum, figures(figs))
	}
}

func TestLineage(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContextWithin(t, 2*time.Minute)
	lineage := func(t *testing.T, dealID string, subject pactlog.LineageSubject, opts ...pactlog.QueryOption) *pactlogpb.GetLineageResponse {
		t.Helper()
		got, err := c.GetLineage(ctx, dealID, subject, pactlog.Page{}, opts...)
		if err != nil {
			t.Fatalf("GetLineage(%+v): %v", subject, err)
		}
		if got.NextPageToken != "" {
			t.Errorf("next page token %q on a default page, want none", got.NextPageToken)
		}
		lineageAddsUp(t, got.Figures, got.Entries)
		return got
	}

	t.Run("of a project", func(t *testing.T) {
		d := recordAmendable(ctx, t, c, "us-japan-project")
		revised := d.append(ctx, t, c, pactlog.Revised(d.approval, usd(40*billion), "the committee cut it", pactlog.Reported("press")))
		got := lineage(t, d.dealID, pactlog.LineageSubject{ProjectID: reactors})
		if figures(got.Figures) != [4]int64{0, 100 * billion * 100, 40 * billion * 100, 2 * billion * 100} {
			t.Errorf("figures %v, want pledged $100B, approved $40B, disbursed $2B", got.Figures)
		}
		if got.LogSequence < revised.Sequences[0] {
			t.Errorf("log sequence %d, want >= %d", got.LogSequence, revised.Sequences[0])
		}
		byID := map[string]*pactlogpb.LineageEntry{}
		for _, e := range got.Entries {
			byID[e.EventId] = e
		}
		for _, id := range []string{d.reactors, d.approval, d.t1, revised.EventIds[0]} {
			if byID[id] == nil {
				t.Errorf("no entry for %s in %v", id, got.Entries)
			}
		}
		if byID[d.dataCenters] != nil || byID[d.deal] != nil {
			t.Errorf("entries of another subject: %v", got.Entries)
		}
		if r := byID[revised.EventIds[0]]; r != nil {
			if r.Kind != pactlogpb.EventKind_EVENT_KIND_AMENDMENT || r.TargetEventId != d.approval || r.Summary == "" ||
				r.Sequence != revised.Sequences[0] || r.Provenance.GetSource() != "press" {
				t.Errorf("the revision's entry %v", r)
			}
			if r.GetChange().GetApproved().GetMinorUnits() != -20*billion*100 || r.GetChange().GetPledged() != nil {
				t.Errorf("the revision changed %v, want approved -$20B only", r.Change)
			}
		}
		if a := byID[d.approval]; a != nil {
			wantMoney(t, "the approval's change", a.GetChange().GetApproved(), 60*billion)
			if a.Kind != pactlogpb.EventKind_EVENT_KIND_APPROVAL || !a.EffectiveTime.AsTime().Equal(day(2025, 11, 1)) {
				t.Errorf("the approval's entry %v", a)
			}
		}
		// As of a recorded time before the revision: the old figure, no revision.
		before := lineage(t, d.dealID, pactlog.LineageSubject{ProjectID: reactors}, pactlog.AsOfRecordedTime(d.setup.RecordedTime.AsTime()))
		wantMoney(t, "approved before the revision", before.Figures.GetApproved(), 60*billion)
		for _, e := range before.Entries {
			if e.EventId == revised.EventIds[0] {
				t.Errorf("the revision is in the lineage as recorded before it: %v", e)
			}
		}
		// In force on 2026-01-01, before the revision took effect: the old
		// figure too.
		inForce := lineage(t, d.dealID, pactlog.LineageSubject{ProjectID: reactors}, pactlog.AsOfEffectiveTime(day(2026, 1, 1)))
		wantMoney(t, "approved in force on 2026-01-01", inForce.Figures.GetApproved(), 60*billion)
		// A correction takes effect when its target did: in force on
		// 2025-12-02, though recorded later.
		d.append(ctx, t, c, pactlog.Corrected(d.t1,
			pactlog.Disbursed(reactors, usd(3*billion), pactlogpb.FundingSource_FUNDING_SOURCE_NEXI, "T1", pactlog.Confirmed("NEXI release")), ""))
		corrected := lineage(t, d.dealID, pactlog.LineageSubject{ProjectID: reactors}, pactlog.AsOfEffectiveTime(day(2025, 12, 2)))
		if figures(corrected.Figures) != [4]int64{0, 100 * billion * 100, 60 * billion * 100, 3 * billion * 100} {
			t.Errorf("figures in force on 2025-12-02 %v, want pledged $100B, approved $60B, disbursed $3B", corrected.Figures)
		}
		// A withdrawal takes the project's figures out of the deal's.
		d.append(ctx, t, c, pactlog.Withdrawn(d.dataCenters, "pulled out", pactlog.Reported("press")))
		withdrawn := lineage(t, d.dealID, pactlog.LineageSubject{ProjectID: dataCenters})
		if n := len(withdrawn.Entries); n != 2 || withdrawn.Entries[1].TargetEventId != d.dataCenters {
			t.Errorf("lineage of the withdrawn project %v, want the announcement and the withdrawal", withdrawn.Entries)
		}
	})

	t.Run("of the deal and an allocation, over pages", func(t *testing.T) {
		d := recordAmendable(ctx, t, c, "us-japan-deal")
		d.append(ctx, t, c,
			pactlog.Revised(d.approval, usd(40*billion), "", pactlog.Reported("press")),
			pactlog.Withdrawn(d.dataCenters, "pulled out", pactlog.Reported("press")),
			pactlog.Corrected(d.t1, pactlog.Disbursed(reactors, usd(3*billion), pactlogpb.FundingSource_FUNDING_SOURCE_NEXI, "", pactlog.Reported("press")), ""),
			pactlog.AllocationAnnounced(&pactlogpb.AllocationAnnouncement{AllocationId: "energy", Name: "Energy",
				Basis: pactlogpb.AllocationBasis_ALLOCATION_BASIS_SECTOR, Sector: pactlogpb.Sector_SECTOR_ENERGY, Cap: usd(50 * billion)},
				pactlog.Reported("press"), pactlog.EffectiveAt(sept2025)),
		)
		whole := lineage(t, d.dealID, pactlog.LineageSubject{})
		deal := d.state(ctx, t, c)
		dealFigures := [4]int64{deal.Allocated.GetMinorUnits(), deal.Totals.GetPledged().GetMinorUnits(),
			deal.Totals.GetApproved().GetMinorUnits(), deal.Totals.GetDisbursed().GetMinorUnits()}
		if figures(whole.Figures) != dealFigures || dealFigures != [4]int64{50 * billion * 100, 100 * billion * 100, 40 * billion * 100, 3 * billion * 100} {
			t.Errorf("figures %v, the deal's %v; want $50B allocated, $100B pledged, $40B approved, $3B disbursed", figures(whole.Figures), dealFigures)
		}

		// Two at a time, pinned to the first page's log position.
		var paged []*pactlogpb.LineageEntry
		page := pactlog.Page{Size: 2}
		var pin []pactlog.QueryOption
		for pages := 0; ; pages++ {
			if pages > len(whole.Entries) {
				t.Fatalf("more pages than entries")
			}
			got, err := c.GetLineage(ctx, d.dealID, pactlog.LineageSubject{}, page, pin...)
			if err != nil {
				t.Fatalf("GetLineage page %d: %v", pages, err)
			}
			if len(got.Entries) > 2 || !proto.Equal(got.Figures, whole.Figures) {
				t.Errorf("page %d: %d entries, figures %v; want at most 2, %v", pages, len(got.Entries), got.Figures, whole.Figures)
			}
			paged = append(paged, got.Entries...)
			if pin == nil {
				pin = []pactlog.QueryOption{pactlog.AsOfSequence(got.LogSequence)}
			}
			if got.NextPageToken == "" {
				break
			}
			page.Token = got.NextPageToken
		}
		if len(paged) != len(whole.Entries) {
			t.Fatalf("%d entries over pages, %d at once", len(paged), len(whole.Entries))
		}
		for i := range paged {
			if !proto.Equal(paged[i], whole.Entries[i]) {
				t.Errorf("entry %d over pages %v, at once %v", i, paged[i], whole.Entries[i])
			}
		}

		energy := lineage(t, d.dealID, pactlog.LineageSubject{AllocationID: "energy"})
		wantMoney(t, "energy allocated", energy.Figures.GetAllocated(), 50*billion)
		// As of effective time before the allocation: unknown then.
		_, err := c.GetLineage(ctx, d.dealID, pactlog.LineageSubject{AllocationID: "energy"}, pactlog.Page{}, pactlog.AsOfEffectiveTime(july2025))
		if status.Code(err) != codes.NotFound {
			t.Errorf("energy before its announcement: %v, want NOT_FOUND", err)
		}
	})

	t.Run("unknown subjects and bad requests", func(t *testing.T) {
		d := recordAmendable(ctx, t, c, "us-japan-errors")
		for _, tc := range []struct {
			dealID  string
			subject pactlog.LineageSubject
			code    codes.Code
			want    string
		}{
			{d.dealID, pactlog.LineageSubject{ProjectID: "no-such-project"}, codes.NotFound, "no-such-project"},
			{d.dealID, pactlog.LineageSubject{AllocationID: "no-such-allocation"}, codes.NotFound, "no-such-allocation"},
			{"no-such-deal", pactlog.LineageSubject{}, codes.NotFound, "no-such-deal"},
			{d.dealID, pactlog.LineageSubject{ProjectID: reactors, AllocationID: "energy"}, codes.InvalidArgument, "allocation_id"},
		} {
			_, err := c.GetLineage(ctx, tc.dealID, tc.subject, pactlog.Page{})
			if status.Code(err) != tc.code || !strings.Contains(errText(err), tc.want) {
				t.Errorf("GetLineage(%s, %+v): %v; want %s naming %q", tc.dealID, tc.subject, err, tc.code, tc.want)
			}
		}
		_, err := c.GetLineage(ctx, d.dealID, pactlog.LineageSubject{}, pactlog.Page{Token: "not-a-token"})
		if status.Code(err) != codes.InvalidArgument || len(pactlog.FieldViolations(err)) != 1 || pactlog.FieldViolations(err)[0].Field != "page_token" {
			t.Errorf("a bad page token: %v (%v); want INVALID_ARGUMENT on page_token", err, pactlog.FieldViolations(err))
		}
	})
}
