package pactlog_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pactlog.dev/sdk/go/pactlog"
	"pactlog.dev/sdk/go/pactlogpb"
)

// recordFramework records two deals: us-japan with two projects (one
// approved) and the 25% -> 15% tariff history, and us-korea. It returns the
// first batch's response.
func recordFramework(ctx context.Context, t *testing.T, c *pactlog.Client) *pactlog.AppendResult {
	t.Helper()
	first, err := c.Append(ctx, "us-japan", events(
		dealAnnounced(),
		tariffChanged("all-goods", 2500, july2025.Add(-30*24*time.Hour)), // the threatened 25%
	), pactlog.AppendOptions{ExpectedVersion: pactlog.NoDeal()})
	if err != nil {
		t.Fatalf("Append deal: %v", err)
	}
	if _, err := c.Append(ctx, "us-japan", events(
		tariffChanged("all-goods", 1500, sept2025), // the executive order
		projectAnnounced("ohio-gas-power", pactlogpb.Sector_SECTOR_ENERGY, "OH", 10_000_000_000),
		projectAnnounced("softbank-dc", pactlogpb.Sector_SECTOR_AI_INFRASTRUCTURE, "TX", 25_000_000_000),
		approved("ohio-gas-power", 4_000_000_000),
	), pactlog.AppendOptions{ExpectedVersion: pactlog.ExactVersion(2)}); err != nil {
		t.Fatalf("Append projects: %v", err)
	}
	korea := dealAnnounced()
	korea.GetAnnouncement().GetDeal().InvestorCountry = "KR"
	korea.GetAnnouncement().GetDeal().Title = "US-Korea investment package"
	korea.GetAnnouncement().GetDeal().CommitmentCeiling = usd(350_000_000_000)
	if _, err := c.Append(ctx, "us-korea", events(korea), pactlog.AppendOptions{}); err != nil {
		t.Fatalf("Append korea: %v", err)
	}
	return first
}

func TestQueriesAnswerFromTheLiveState(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)
	recordFramework(ctx, t, c)

	deal, err := c.GetDeal(ctx, "us-japan", pactlog.AtLeastSequence(7))
	if err != nil {
		t.Fatalf("GetDeal: %v", err)
	}
	d := deal.Deal
	if deal.LogSequence != 7 || d.Version != 6 {
		t.Errorf("log_sequence %d, version %d; want 7, 6", deal.LogSequence, d.Version)
	}
	if got := d.Totals.GetPledged().GetMinorUnits(); got != 35_000_000_000*100 {
		t.Errorf("pledged %d, want $35B", got)
	}
	if got := d.Totals.GetApproved().GetMinorUnits(); got != 4_000_000_000*100 {
		t.Errorf("approved %d, want $4B", got)
	}
	if got := d.Headroom.GetMinorUnits(); got != 515_000_000_000*100 {
		t.Errorf("headroom %d, want $515B", got)
	}

	deals, err := c.ListDeals(ctx, pactlog.Page{Size: 1})
	if err != nil {
		t.Fatalf("ListDeals: %v", err)
	}
	if len(deals.Deals) != 1 || deals.Deals[0].DealId != "us-japan" || deals.NextPageToken == "" {
		t.Fatalf("first page: %v", deals)
	}
	deals, err = c.ListDeals(ctx, pactlog.Page{Size: 1, Token: deals.NextPageToken})
	if err != nil {
		t.Fatalf("ListDeals page 2: %v", err)
	}
	if len(deals.Deals) != 1 || deals.Deals[0].DealId != "us-korea" || deals.NextPageToken != "" {
		t.Errorf("second page: %v", deals)
	}

	project, err := c.GetProject(ctx, "us-japan", "ohio-gas-power")
	if err != nil {
		t.Fatalf("GetProject: %v", err)
	}
	if p := project.Project; p.Status != pactlogpb.ProjectStatus_PROJECT_STATUS_APPROVED || p.UsState != "OH" {
		t.Errorf("project: status %v, state %q; want APPROVED, OH", p.Status, p.UsState)
	}

	projects, err := c.ListProjects(ctx, "us-japan", pactlog.ProjectFilter{Sector: pactlogpb.Sector_SECTOR_AI_INFRASTRUCTURE}, pactlog.Page{})
	if err != nil {
		t.Fatalf("ListProjects: %v", err)
	}
	if len(projects.Projects) != 1 || projects.Projects[0].ProjectId != "softbank-dc" {
		t.Errorf("AI projects: %v", projects.Projects)
	}
	projects, err = c.ListProjects(ctx, "us-japan", pactlog.ProjectFilter{Status: pactlogpb.ProjectStatus_PROJECT_STATUS_ANNOUNCED}, pactlog.Page{})
	if err != nil || len(projects.Projects) != 1 || projects.Projects[0].ProjectId != "softbank-dc" {
		t.Errorf("announced-only projects: %v, %v", projects.GetProjects(), err)
	}

	tariffs, err := c.GetTariffs(ctx, "us-japan", "all-goods")
	if err != nil {
		t.Fatalf("GetTariffs: %v", err)
	}
	if len(tariffs.Tariffs) != 1 {
		t.Fatalf("tariff lines: %v", tariffs.Tariffs)
	}
	line := tariffs.Tariffs[0]
	if !line.InForce || line.RateBps != 1500 || line.BreachesCap || len(line.History) != 2 {
		t.Errorf("all-goods now: in force %v at %d bps, breach %v, %d changes; want 1500, no breach, 2",
			line.InForce, line.RateBps, line.BreachesCap, len(line.History))
	}
}

func TestQueriesAnswerAsOfThePast(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)
	first := recordFramework(ctx, t, c)

	// The state after log position 2: the deal, no projects yet.
	deal, err := c.GetDeal(ctx, "us-japan", pactlog.AsOfSequence(2))
	if err != nil {
		t.Fatalf("GetDeal as of sequence 2: %v", err)
	}
	if deal.LogSequence != 2 || deal.Deal.Version != 2 || deal.Deal.Totals.GetProjectCount() != 0 {
		t.Errorf("as of #2: log %d, version %d, %d projects; want 2, 2, 0",
			deal.LogSequence, deal.Deal.Version, deal.Deal.Totals.GetProjectCount())
	}
	// What the record knew when the first batch was recorded.
	deal, err = c.GetDeal(ctx, "us-japan", pactlog.AsOfRecordedTime(first.RecordedTime.AsTime()))
	if err != nil {
		t.Fatalf("GetDeal as of recorded time: %v", err)
	}
	if deal.Deal.LastSequence != 2 {
		t.Errorf("as recorded at %v: last sequence %d, want 2", first.RecordedTime.AsTime(), deal.Deal.LastSequence)
	}
	// What was in force in August 2025: the threatened 25%, above the cap.
	august := time.Date(2025, 8, 15, 0, 0, 0, 0, time.UTC)
	tariffs, err := c.GetTariffs(ctx, "us-japan", "all-goods", pactlog.AsOfEffectiveTime(august))
	if err != nil {
		t.Fatalf("GetTariffs as of August: %v", err)
	}
	if line := tariffs.Tariffs[0]; line.RateBps != 2500 || !line.BreachesCap || !tariffs.EvaluatedAt.AsTime().Equal(august) {
		t.Errorf("August 2025: %d bps, breach %v, evaluated at %v; want 2500, breach, %v",
			line.RateBps, line.BreachesCap, tariffs.EvaluatedAt.AsTime(), august)
	}
	// Before the first batch of projects took effect, nothing was pledged.
	deal, err = c.GetDeal(ctx, "us-japan", pactlog.AsOfEffectiveTime(feb2026.Add(-time.Hour)))
	if err != nil {
		t.Fatalf("GetDeal as of January 2026: %v", err)
	}
	if deal.Deal.Totals.GetProjectCount() != 0 || len(deal.Deal.CapBreaches) != 0 {
		t.Errorf("January 2026: %d projects, breaches %v; want none", deal.Deal.Totals.GetProjectCount(), deal.Deal.CapBreaches)
	}
	// Both clocks together, and a project as of a sequence before its approval.
	project, err := c.GetProject(ctx, "us-japan", "ohio-gas-power", pactlog.AsOfSequence(4), pactlog.AsOfEffectiveTime(time.Now()))
	if err != nil {
		t.Fatalf("GetProject as of #4: %v", err)
	}
	if project.Project.Status != pactlogpb.ProjectStatus_PROJECT_STATUS_ANNOUNCED {
		t.Errorf("as of #4 the project is %v, want ANNOUNCED", project.Project.Status)
	}
	// The Korean deal did not exist at sequence 6.
	deals, err := c.ListDeals(ctx, pactlog.Page{}, pactlog.AsOfSequence(6))
	if err != nil || len(deals.Deals) != 1 || deals.Deals[0].DealId != "us-japan" {
		t.Errorf("deals as of #6: %v, %v; want us-japan only", deals.GetDeals(), err)
	}
}

func TestQueryErrors(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)
	recordFramework(ctx, t, c)

	if _, err := c.GetDeal(ctx, "us-mexico"); status.Code(err) != codes.NotFound {
		t.Errorf("unknown deal: %v, want NOT_FOUND", err)
	}
	if _, err := c.GetProject(ctx, "us-japan", "nope"); status.Code(err) != codes.NotFound {
		t.Errorf("unknown project: %v, want NOT_FOUND", err)
	}
	if _, err := c.GetDeal(ctx, "us-japan", pactlog.AtLeastSequence(1000)); status.Code(err) != codes.OutOfRange {
		t.Errorf("min_sequence beyond the log: %v, want OUT_OF_RANGE", err)
	}
	if _, err := c.ListDeals(ctx, pactlog.Page{Size: 5000}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("page size 5000: %v, want INVALID_ARGUMENT", err)
	}
}
