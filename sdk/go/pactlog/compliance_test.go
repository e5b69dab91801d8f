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

func day(year int, month time.Month, d int) time.Time {
	return time.Date(year, month, d, 0, 0, 0, 0, time.UTC)
}

func usTerms(at time.Time) *pactlogpb.EventData {
	return pactlog.DealTermsAnnounced(&pactlogpb.DealTerms{
		ProjectSelector:     "US investment committee",
		FinalDecision:       "the President",
		FundingChannels:     []pactlogpb.FundingSource{pactlogpb.FundingSource_FUNDING_SOURCE_JBIC, pactlogpb.FundingSource_FUNDING_SOURCE_NEXI},
		FundingDeadlineDays: 45,
		EnforcementClause:   "the US may raise tariffs",
		ProfitSharing:       "90% to the US after recovery",
	}, pactlog.OfficiallyAnnounced("Commerce fact sheet"), pactlog.AssertedBy("US"), pactlog.EffectiveAt(at))
}

func jpTerms(at time.Time) *pactlogpb.EventData {
	return pactlog.DealTermsAnnounced(&pactlogpb.DealTerms{
		FundingChannels:  []pactlogpb.FundingSource{pactlogpb.FundingSource_FUNDING_SOURCE_JBIC},
		ProfitSharing:    "shared by each project's contributions",
		OtherCommitments: []string{"no fixed funding deadline"},
	}, pactlog.Reported("Cabinet Office briefing"), pactlog.AssertedBy("JP"), pactlog.EffectiveAt(at))
}

func selected(projectID string) *pactlogpb.EventData {
	return pactlog.ProjectApproved(projectID, usd(10), "US investment committee",
		pactlog.Confirmed("committee minutes"), pactlog.EffectiveAt(day(2026, 1, 1)))
}

func funded(projectID string, at time.Time) *pactlogpb.EventData {
	return pactlog.Disbursed(projectID, usd(10), pactlogpb.FundingSource_FUNDING_SOURCE_JBIC, "",
		pactlog.Confirmed("JBIC release"), pactlog.EffectiveAt(at))
}

// recordCompliance records the US-Japan deal (ceiling $550B, effective
// 2025-07-22) with the US reading of its terms (45 days to fund a selected
// project) and, later, Japan's (no deadline). Projects a, b and c are
// approved on 2026-01-01 for $10 each, so due on 2026-02-15:
//
//	a  disbursed $10 on 2026-01-20: on time
//	b  disbursed $10 on 2026-03-01: 14 days late
//	c  nothing disbursed
//	d  announced only: never selected
func recordCompliance(ctx context.Context, t *testing.T, c *pactlog.Client, dealID string) *pactlog.AppendResult {
	t.Helper()
	es := events(dealAnnounced(), usTerms(sept2025), jpTerms(sept2025.Add(24*time.Hour)))
	for _, id := range []string{"a", "b", "c", "d"} {
		es = append(es, projectAnnounced(id, pactlogpb.Sector_SECTOR_ENERGY, "TX", 10))
	}
	// projectAnnounced takes effect on 2026-02-18: announce earlier here.
	for _, e := range es[3:] {
		pactlog.EffectiveAt(day(2025, 10, 28))(e)
	}
	es = append(es, selected("a"), selected("b"), selected("c"),
		funded("a", day(2026, 1, 20)), funded("b", day(2026, 3, 1)))
	resp, err := c.Append(ctx, dealID, es, pactlog.AppendOptions{ExpectedVersion: pactlog.NoDeal()})
	if err != nil {
		t.Fatalf("Append the compliance scenario: %v", err)
	}
	return resp
}

type projectLine struct {
	id     string
	status pactlogpb.FundingStatus
	days   int32
}

func projectLines(v *pactlogpb.ComplianceView) []projectLine {
	var out []projectLine
	for _, p := range v.Projects {
		out = append(out, projectLine{p.ProjectId, p.Status, p.Days})
	}
	return out
}

func counts(v *pactlogpb.ComplianceView) [4]uint32 {
	return [4]uint32{v.ProjectsOnTime, v.ProjectsLate, v.ProjectsOverdue, v.ProjectsNotYetDue}
}

func TestCompliance(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)
	resp := recordCompliance(ctx, t, c, "us-japan")
	last := resp.Sequences[len(resp.Sequences)-1]
	compliance := func(t *testing.T, reading string, opts ...pactlog.QueryOption) *pactlogpb.ComplianceView {
		t.Helper()
		got, err := c.GetCompliance(ctx, "us-japan", reading, append(opts, pactlog.AtLeastSequence(last))...)
		if err != nil {
			t.Fatalf("GetCompliance(%q): %v", reading, err)
		}
		if got.LogSequence < last {
			t.Errorf("log sequence %d, want >= %d", got.LogSequence, last)
		}
		return got.Compliance
	}
	const (
		onTime    = pactlogpb.FundingStatus_FUNDING_STATUS_ON_TIME
		late      = pactlogpb.FundingStatus_FUNDING_STATUS_LATE
		overdue   = pactlogpb.FundingStatus_FUNDING_STATUS_OVERDUE
		notYetDue = pactlogpb.FundingStatus_FUNDING_STATUS_NOT_YET_DUE
		none      = pactlogpb.FundingStatus_FUNDING_STATUS_NO_DEADLINE
	)

	t.Run("against the US deadline", func(t *testing.T) {
		v := compliance(t, "", pactlog.AsOfEffectiveTime(day(2026, 3, 1)))
		if v.DealId != "us-japan" || !v.EvaluatedAt.AsTime().Equal(day(2026, 3, 1)) {
			t.Errorf("deal %q evaluated at %v, want us-japan at 2026-03-01", v.DealId, v.EvaluatedAt.AsTime())
		}
		if v.GetTerms().GetAssertedBy() != "US" || v.GetTerms().GetTerms().GetFundingDeadlineDays() != 45 {
			t.Errorf("terms used %v; want the US reading (the latest naming a deadline, though JP's is later)", v.GetTerms())
		}
		// 2026-02-15 to 2026-03-01 is 14 whole days.
		want := []projectLine{{"a", onTime, 0}, {"b", late, 14}, {"c", overdue, 14}}
		if got := projectLines(v); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("projects %v, want %v", got, want)
		}
		for _, p := range v.Projects {
			if !p.SelectedTime.AsTime().Equal(day(2026, 1, 1)) || !p.FundingDueTime.AsTime().Equal(day(2026, 2, 15)) || !proto.Equal(p.Approved, usd(10)) {
				t.Errorf("%s: selected %v, due %v, approved %v; want 2026-01-01, 2026-02-15, $10", p.ProjectId, p.SelectedTime.AsTime(), p.FundingDueTime.AsTime(), p.Approved)
			}
		}
		if len(v.Projects) == 3 {
			a, b, c := v.Projects[0], v.Projects[1], v.Projects[2]
			if !proto.Equal(a.Disbursed, usd(10)) || !a.FundedTime.AsTime().Equal(day(2026, 1, 20)) {
				t.Errorf("a: disbursed %v funded %v, want $10 on 2026-01-20", a.Disbursed, a.FundedTime)
			}
			if !b.FundedTime.AsTime().Equal(day(2026, 3, 1)) {
				t.Errorf("b funded %v, want 2026-03-01", b.FundedTime)
			}
			if c.GetDisbursed().GetMinorUnits() != 0 || c.FundedTime != nil {
				t.Errorf("c: disbursed %v funded %v, want nothing", c.Disbursed, c.FundedTime)
			}
		}
		if got := counts(v); got != [4]uint32{1, 1, 1, 0} {
			t.Errorf("on time, late, overdue, not yet due: %v, want 1 1 1 0", got)
		}
		if !proto.Equal(v.OverdueUndisbursed, usd(10)) {
			t.Errorf("overdue undisbursed %v, want $10", v.OverdueUndisbursed)
		}
		if len(v.CapBreaches) != 0 {
			t.Errorf("cap breaches %v, want none", v.CapBreaches)
		}
		if v.Version != resp.DealVersion || v.LastSequence != last {
			t.Errorf("version %d last sequence %d, want %d %d", v.Version, v.LastSequence, resp.DealVersion, last)
		}
	})

	t.Run("before the deadline", func(t *testing.T) {
		// On 2026-02-01 b's disbursement is not in force yet.
		v := compliance(t, "", pactlog.AsOfEffectiveTime(day(2026, 2, 1)))
		want := []projectLine{{"a", onTime, 0}, {"b", notYetDue, 14}, {"c", notYetDue, 14}}
		if got := projectLines(v); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("projects %v, want %v", got, want)
		}
		if got := counts(v); got != [4]uint32{1, 0, 0, 2} {
			t.Errorf("on time, late, overdue, not yet due: %v, want 1 0 0 2", got)
		}
		if v.GetOverdueUndisbursed().GetMinorUnits() != 0 {
			t.Errorf("overdue undisbursed %v, want 0", v.OverdueUndisbursed)
		}
		if len(v.Projects) == 3 && (v.Projects[1].FundedTime != nil || v.Projects[1].GetDisbursed().GetMinorUnits() != 0) {
			t.Errorf("b: %v, want nothing disbursed yet", v.Projects[1])
		}
	})

	t.Run("now", func(t *testing.T) {
		// Judged at the server's clock, long after the deadline.
		v := compliance(t, "")
		var got []string
		for _, p := range v.Projects {
			got = append(got, p.ProjectId+":"+p.Status.String())
		}
		want := "a:FUNDING_STATUS_ON_TIME b:FUNDING_STATUS_LATE c:FUNDING_STATUS_OVERDUE"
		if strings.Join(got, " ") != want {
			t.Errorf("projects %v, want %s", got, want)
		}
		if !v.EvaluatedAt.AsTime().After(day(2026, 3, 1)) || !proto.Equal(v.OverdueUndisbursed, usd(10)) {
			t.Errorf("evaluated at %v, overdue undisbursed %v", v.EvaluatedAt.AsTime(), v.OverdueUndisbursed)
		}
	})

	t.Run("every reading", func(t *testing.T) {
		v := compliance(t, "")
		if len(v.Readings) != 2 || v.Readings[0].AssertedBy != "JP" || v.Readings[1].AssertedBy != "US" {
			t.Fatalf("readings %v, want JP then US", v.Readings)
		}
		jp, us := v.Readings[0], v.Readings[1]
		if fmt.Sprint(us.Terms.FundingChannels) != "[FUNDING_SOURCE_JBIC FUNDING_SOURCE_NEXI]" ||
			us.Terms.EnforcementClause != "the US may raise tariffs" || us.Terms.ProfitSharing != "90% to the US after recovery" ||
			us.Source != "Commerce fact sheet" || us.Firmness != pactlogpb.Firmness_FIRMNESS_OFFICIALLY_ANNOUNCED ||
			!us.EffectiveTime.AsTime().Equal(sept2025) || us.Sequence != resp.Sequences[1] {
			t.Errorf("US reading %v", us)
		}
		if jp.Terms.FundingDeadlineDays != 0 || jp.Terms.ProfitSharing != "shared by each project's contributions" || jp.Sequence != resp.Sequences[2] {
			t.Errorf("JP reading %v", jp)
		}
		deal, err := c.GetDeal(ctx, "us-japan")
		if err != nil {
			t.Fatalf("GetDeal: %v", err)
		}
		if len(deal.Deal.Terms) != 2 || !proto.Equal(deal.Deal.Terms[0], jp) || !proto.Equal(deal.Deal.Terms[1], us) {
			t.Errorf("the deal's terms %v, want the same readings", deal.Deal.Terms)
		}
	})

	t.Run("Japan's reading names no deadline", func(t *testing.T) {
		v := compliance(t, "JP", pactlog.AsOfEffectiveTime(day(2026, 3, 1)))
		if v.GetTerms().GetAssertedBy() != "JP" {
			t.Errorf("terms used %v, want JP's", v.GetTerms())
		}
		want := []projectLine{{"a", none, 0}, {"b", none, 0}, {"c", none, 0}}
		if got := projectLines(v); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("projects %v, want %v", got, want)
		}
		for _, p := range v.Projects {
			if p.FundingDueTime != nil {
				t.Errorf("%s due %v without a deadline", p.ProjectId, p.FundingDueTime)
			}
		}
		if got := counts(v); got != [4]uint32{} || v.GetOverdueUndisbursed().GetMinorUnits() != 0 || len(v.Readings) != 2 {
			t.Errorf("counts %v, overdue undisbursed %v, %d readings; want zeros and 2", got, v.OverdueUndisbursed, len(v.Readings))
		}
		if us := compliance(t, "US", pactlog.AsOfEffectiveTime(day(2026, 3, 1))); us.GetTerms().GetAssertedBy() != "US" || us.ProjectsOverdue != 1 {
			t.Errorf("reading US: terms %v, %d overdue; want US's, 1", us.GetTerms(), us.ProjectsOverdue)
		}
	})

	t.Run("a party without terms", func(t *testing.T) {
		_, err := c.GetCompliance(ctx, "us-japan", "KR")
		if status.Code(err) != codes.NotFound || !strings.Contains(errText(err), "KR") {
			t.Errorf("reading KR: %v, want NOT_FOUND naming KR", err)
		}
		if _, err := c.GetCompliance(ctx, "no-such-deal", ""); status.Code(err) != codes.NotFound {
			t.Errorf("unknown deal: %v, want NOT_FOUND", err)
		}
	})

	t.Run("terms rules", func(t *testing.T) {
		_, err := c.Append(ctx, "us-japan", events(usTerms(day(2025, 7, 1))), pactlog.AppendOptions{})
		if status.Code(err) != codes.FailedPrecondition || !strings.Contains(errText(err), "effective-order") {
			t.Errorf("terms before the deal: %v, want FAILED_PRECONDITION effective-order", err)
		}
		if _, err := c.Append(ctx, "no-such-deal", events(usTerms(sept2025)), pactlog.AppendOptions{}); status.Code(err) != codes.NotFound {
			t.Errorf("terms of no deal: %v, want NOT_FOUND", err)
		}
		tooLong := pactlog.DealTermsAnnounced(&pactlogpb.DealTerms{FundingDeadlineDays: 3651}, pactlog.Reported("press"), pactlog.AssertedBy("US"))
		_, err = c.Append(ctx, "us-japan", events(tooLong), pactlog.AppendOptions{})
		found := false
		for _, v := range pactlog.FieldViolations(err) {
			found = found || v.Field == "events[0].announcement.terms.funding_deadline_days"
		}
		if status.Code(err) != codes.InvalidArgument || !found {
			t.Errorf("a 3651-day deadline: %v, want INVALID_ARGUMENT on funding_deadline_days", err)
		}
		deal, err := c.GetDeal(ctx, "us-japan")
		if err != nil || deal.Deal.Version != resp.DealVersion {
			t.Errorf("after the refusals: %v, %v; want version %d", deal.GetDeal().GetVersion(), err, resp.DealVersion)
		}
	})
}

func TestComplianceLateDaysRoundUpAndAReadingIsReplaced(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)
	e := projectAnnounced("e", pactlogpb.Sector_SECTOR_ENERGY, "TX", 10)
	pactlog.EffectiveAt(day(2025, 10, 28))(e)
	if _, err := c.Append(ctx, "us-japan", events(dealAnnounced(), usTerms(sept2025), jpTerms(sept2025), e,
		selected("e"), funded("e", day(2026, 3, 1).Add(time.Second))), pactlog.AppendOptions{ExpectedVersion: pactlog.NoDeal()}); err != nil {
		t.Fatalf("Append: %v", err)
	}
	got, err := c.GetCompliance(ctx, "us-japan", "")
	if err != nil {
		t.Fatalf("GetCompliance: %v", err)
	}
	if lines := projectLines(got.Compliance); fmt.Sprint(lines) != fmt.Sprint([]projectLine{{"e", pactlogpb.FundingStatus_FUNDING_STATUS_LATE, 15}}) {
		t.Errorf("funded a second after 14 days late: %v, want LATE 15 days", lines)
	}

	// The US's later reading replaces its whole earlier one.
	r, err := c.Append(ctx, "us-japan", events(pactlog.DealTermsAnnounced(&pactlogpb.DealTerms{FundingDeadlineDays: 30},
		pactlog.Reported("press"), pactlog.AssertedBy("US"), pactlog.EffectiveAt(day(2025, 12, 1)))), pactlog.AppendOptions{})
	if err != nil {
		t.Fatalf("Append the new US reading: %v", err)
	}
	got, err = c.GetCompliance(ctx, "us-japan", "US", pactlog.AsOfEffectiveTime(day(2026, 3, 1)), pactlog.AtLeastSequence(r.Sequences[0]))
	if err != nil {
		t.Fatalf("GetCompliance: %v", err)
	}
	v := got.Compliance
	if v.Terms.Sequence != r.Sequences[0] || v.Terms.Terms.FundingDeadlineDays != 30 || v.Terms.Terms.EnforcementClause != "" {
		t.Errorf("US reading %v, want the new one only (30 days, no enforcement clause)", v.Terms)
	}
	if len(v.Projects) != 1 || !v.Projects[0].FundingDueTime.AsTime().Equal(day(2026, 1, 31)) || len(v.Readings) != 2 {
		t.Errorf("projects %v, %d readings; want e due 2026-01-31, 2 readings", v.Projects, len(v.Readings))
	}
	got, err = c.GetCompliance(ctx, "us-japan", "US", pactlog.AsOfEffectiveTime(day(2025, 11, 1)))
	if err != nil {
		t.Fatalf("GetCompliance: %v", err)
	}
	if got.Compliance.Terms.Terms.FundingDeadlineDays != 45 || len(got.Compliance.Projects) != 0 {
		t.Errorf("before the new reading: %v; want the 45-day one and no project selected", got.Compliance)
	}
}
