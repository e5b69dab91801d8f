package pactlog_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pactlog.dev/sdk/go/pactlog"
	"pactlog.dev/sdk/go/pactlogpb"
)

const billion = 1_000_000_000

// recordAllocations records the US-Japan deal (ceiling $550B) with:
//
//	energy      a sector allocation without a cap, holding its earmark
//	cooling     an earmark inside energy, capped at $20B
//	mitsubishi  a company allocation capped at $30B
//	cooling-tx  a $5B project drawing on cooling, announced without a
//	            site, then sited in TX
//	grid-oh     a $1B energy project drawing on no allocation
//
// and a 25% all-goods rate in force from a month before the deal.
func recordAllocations(ctx context.Context, t *testing.T, c *pactlog.Client, dealID string) *pactlog.AppendResult {
	t.Helper()
	fact := pactlog.OfficiallyAnnounced("Commerce fact sheet")
	resp, err := c.Append(ctx, dealID, events(
		dealAnnounced(),
		tariffChanged("all-goods", 2500, july2025.Add(-30*24*time.Hour)),
		pactlog.AllocationAnnounced(&pactlogpb.AllocationAnnouncement{
			AllocationId: "energy", Name: "Energy infrastructure",
			Basis: pactlogpb.AllocationBasis_ALLOCATION_BASIS_SECTOR, Sector: pactlogpb.Sector_SECTOR_ENERGY,
		}, fact, pactlog.EffectiveAt(sept2025)),
		pactlog.AllocationAnnounced(&pactlogpb.AllocationAnnouncement{
			AllocationId: "cooling", Name: "Data-center cooling",
			Basis: pactlogpb.AllocationBasis_ALLOCATION_BASIS_SECTOR, Sector: pactlogpb.Sector_SECTOR_ENERGY,
			Cap: usd(20 * billion), ParentAllocationId: "energy",
		}, fact, pactlog.EffectiveAt(sept2025)),
		pactlog.AllocationAnnounced(&pactlogpb.AllocationAnnouncement{
			AllocationId: "mitsubishi", Name: "Mitsubishi Electric systems",
			Basis: pactlogpb.AllocationBasis_ALLOCATION_BASIS_COMPANY, Cap: usd(30 * billion),
			Scope:         "power systems for AI data centers",
			LeadCompanies: []*pactlogpb.LeadCompany{pactlog.LeadCompany("Mitsubishi Electric", "JP")},
		}, fact, pactlog.EffectiveAt(sept2025)),
		pactlog.ProjectAnnounced(&pactlogpb.ProjectAnnouncement{
			ProjectId: "cooling-tx", Name: "Liquid cooling plant", Sector: pactlogpb.Sector_SECTOR_ENERGY,
			Pledged: usd(5 * billion), AllocationId: "cooling",
		}, fact, pactlog.EffectiveAt(sept2025.Add(30*24*time.Hour))),
		pactlog.ProjectSiteAnnounced("cooling-tx", "TX", fact, pactlog.EffectiveAt(feb2026)),
		projectAnnounced("grid-oh", pactlogpb.Sector_SECTOR_ENERGY, "OH", 1*billion),
	), pactlog.AppendOptions{ExpectedVersion: pactlog.NoDeal()})
	if err != nil {
		t.Fatalf("Append the allocations: %v", err)
	}
	if resp.DealVersion != 8 {
		t.Fatalf("deal version %d after the batch, want 8", resp.DealVersion)
	}
	return resp
}

func TestAllocationsHoldTheCeilingAndCountTheirProjects(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)
	resp := recordAllocations(ctx, t, c, "us-japan")

	got, err := c.GetDeal(ctx, "us-japan", pactlog.AtLeastSequence(resp.Sequences[len(resp.Sequences)-1]))
	if err != nil {
		t.Fatalf("GetDeal: %v", err)
	}
	d := got.Deal
	// energy holds its earmark's $20B (no cap of its own) + mitsubishi's $30B.
	if d.GetAllocated().GetMinorUnits() != 50*billion*100 || d.GetUnallocated().GetMinorUnits() != 500*billion*100 || d.AllocatedShareBps != 909 {
		t.Errorf("allocated %v, unallocated %v, share %d bps; want $50B, $500B, 909", d.GetAllocated(), d.GetUnallocated(), d.AllocatedShareBps)
	}
	var ids []string
	byID := map[string]*pactlogpb.AllocationState{}
	for _, a := range d.Allocations {
		ids = append(ids, a.AllocationId)
		byID[a.AllocationId] = a
	}
	if strings.Join(ids, ",") != "cooling,energy,mitsubishi" {
		t.Fatalf("allocations %v, want cooling, energy, mitsubishi", ids)
	}
	cooling, energy, mitsubishi := byID["cooling"], byID["energy"], byID["mitsubishi"]
	if cooling.ParentAllocationId != "energy" || cooling.GetTotals().GetPledged().GetMinorUnits() != 5*billion*100 ||
		cooling.GetRemaining().GetMinorUnits() != 15*billion*100 || cooling.GetAllocated().GetMinorUnits() != 20*billion*100 {
		t.Errorf("cooling: %v; want parent energy, pledged $5B, remaining $15B, allocated $20B", cooling)
	}
	if energy.Cap != nil || energy.Remaining != nil || energy.GetTotals().GetPledged().GetMinorUnits() != 5*billion*100 ||
		energy.GetEarmarked().GetMinorUnits() != 20*billion*100 || strings.Join(energy.EarmarkIds, ",") != "cooling" {
		t.Errorf("energy: %v; want no cap, no remaining, pledged $5B through cooling, earmarked $20B", energy)
	}
	if len(mitsubishi.LeadCompanies) != 1 || mitsubishi.LeadCompanies[0].Name != "Mitsubishi Electric" || mitsubishi.LeadCompanies[0].Country != "JP" ||
		mitsubishi.Basis != pactlogpb.AllocationBasis_ALLOCATION_BASIS_COMPANY || mitsubishi.GetRemaining().GetMinorUnits() != 30*billion*100 {
		t.Errorf("mitsubishi: %v; want company basis led by Mitsubishi Electric (JP), remaining $30B", mitsubishi)
	}

	project, err := c.GetProject(ctx, "us-japan", "cooling-tx")
	if err != nil {
		t.Fatalf("GetProject: %v", err)
	}
	if project.Project.UsState != "TX" || project.Project.AllocationId != "cooling" {
		t.Errorf("cooling-tx: state %q, allocation %q; want TX, cooling", project.Project.UsState, project.Project.AllocationId)
	}
	for allocation, want := range map[string]string{"energy": "cooling-tx", "cooling": "cooling-tx", "mitsubishi": ""} {
		projects, err := c.ListProjects(ctx, "us-japan", pactlog.ProjectFilter{AllocationID: allocation}, pactlog.Page{})
		if err != nil {
			t.Fatalf("ListProjects(%s): %v", allocation, err)
		}
		var got []string
		for _, p := range projects.Projects {
			got = append(got, p.ProjectId)
		}
		if strings.Join(got, ",") != want {
			t.Errorf("projects drawing on %s: %v, want %q", allocation, got, want)
		}
	}
}

func TestAllocationRules(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)
	recordAllocations(ctx, t, c, "us-japan")
	press := pactlog.Reported("press")

	pledge := func(dollars int64) *pactlogpb.EventData {
		return pactlog.ProjectAnnounced(&pactlogpb.ProjectAnnouncement{ProjectId: "cooling-az", Name: "Second cooling plant",
			Sector: pactlogpb.Sector_SECTOR_ENERGY, UsState: "AZ", Pledged: usd(dollars), AllocationId: "cooling"}, press)
	}
	for _, tc := range []struct {
		rule  string
		event *pactlogpb.EventData
	}{
		{"pledge-within-allocation", pledge(16 * billion)},
		{"allocation-announced-once", pactlog.AllocationAnnounced(&pactlogpb.AllocationAnnouncement{AllocationId: "mitsubishi", Name: "Again",
			Basis: pactlogpb.AllocationBasis_ALLOCATION_BASIS_COMPANY, Cap: usd(billion)}, press)},
		{"earmark-within-parent", pactlog.AllocationAnnounced(&pactlogpb.AllocationAnnouncement{AllocationId: "mitsubishi-grid", Name: "Grid",
			Basis: pactlogpb.AllocationBasis_ALLOCATION_BASIS_COMPANY, Cap: usd(31 * billion), ParentAllocationId: "mitsubishi"}, press)},
		// $50B allocated + $1B pledged outside them + $500B > $550B.
		{"allocation-within-ceiling", pactlog.AllocationAnnounced(&pactlogpb.AllocationAnnouncement{AllocationId: "ships", Name: "Shipbuilding",
			Basis: pactlogpb.AllocationBasis_ALLOCATION_BASIS_SECTOR, Sector: pactlogpb.Sector_SECTOR_SHIPBUILDING, Cap: usd(500 * billion)}, press)},
		{"project-site-once", pactlog.ProjectSiteAnnounced("cooling-tx", "LA", press)},
	} {
		_, err := c.Append(ctx, "us-japan", events(tc.event), pactlog.AppendOptions{})
		if status.Code(err) != codes.FailedPrecondition || !strings.Contains(errText(err), tc.rule) {
			t.Errorf("%s: %v, want FAILED_PRECONDITION naming the rule", tc.rule, err)
		}
	}
	for name, event := range map[string]*pactlogpb.EventData{
		"unknown parent": pactlog.AllocationAnnounced(&pactlogpb.AllocationAnnouncement{AllocationId: "pumps", Name: "Pumps",
			Basis: pactlogpb.AllocationBasis_ALLOCATION_BASIS_SECTOR, ParentAllocationId: "no-such-allocation"}, press),
		"unknown project": pactlog.ProjectSiteAnnounced("no-such-project", "TX", press),
		"unknown allocation": pactlog.ProjectAnnounced(&pactlogpb.ProjectAnnouncement{ProjectId: "p", Name: "n",
			Sector: pactlogpb.Sector_SECTOR_ENERGY, UsState: "TX", Pledged: usd(1), AllocationId: "no-such-allocation"}, press),
	} {
		if _, err := c.Append(ctx, "us-japan", events(event), pactlog.AppendOptions{}); status.Code(err) != codes.NotFound {
			t.Errorf("%s: %v, want NOT_FOUND", name, err)
		}
	}
	noBasis := pactlog.AllocationAnnounced(&pactlogpb.AllocationAnnouncement{AllocationId: "x", Name: "X"}, press)
	_, err := c.Append(ctx, "us-japan", events(noBasis), pactlog.AppendOptions{})
	found := false
	for _, v := range pactlog.FieldViolations(err) {
		found = found || v.Field == "events[0].announcement.allocation.basis"
	}
	if status.Code(err) != codes.InvalidArgument || !found {
		t.Errorf("no basis: %v (violations %v), want INVALID_ARGUMENT on events[0].announcement.allocation.basis", err, pactlog.FieldViolations(err))
	}
	deal, err := c.GetDeal(ctx, "us-japan")
	if err != nil || deal.Deal.Version != 8 {
		t.Fatalf("after the rejections: %v, %v; want version 8 (nothing recorded)", deal.GetDeal().GetVersion(), err)
	}
	// What is left of the earmark still fits.
	if _, err := c.Append(ctx, "us-japan", events(pledge(15*billion)), pactlog.AppendOptions{ExpectedVersion: pactlog.ExactVersion(8)}); err != nil {
		t.Errorf("pledging the $15B left of cooling: %v", err)
	}
}

func TestTariffsOnSeveralCategoriesAndBeforeTheDeal(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)
	recordAllocations(ctx, t, c, "us-japan")

	resp, err := c.Append(ctx, "us-japan", events(pactlog.TariffChangedOn([]string{"autos", "auto-parts"}, 1500,
		"Executive Order 14345", "implements the framework", pactlog.Confirmed("Federal Register"), pactlog.EffectiveAt(sept2025))), pactlog.AppendOptions{})
	if err != nil {
		t.Fatalf("Append the tariff change: %v", err)
	}
	seq := resp.Sequences[0]
	tariffs, err := c.GetTariffs(ctx, "us-japan", "", pactlog.AtLeastSequence(seq), pactlog.AsOfEffectiveTime(feb2026))
	if err != nil {
		t.Fatalf("GetTariffs: %v", err)
	}
	lines := map[string]*pactlogpb.TariffLine{}
	for _, l := range tariffs.Tariffs {
		lines[l.ProductCategory] = l
	}
	for _, category := range []string{"autos", "auto-parts"} {
		l := lines[category]
		if l == nil || !l.InForce || l.RateBps != 1500 || l.InForceSequence != seq || l.BreachesCap {
			t.Errorf("%s: %v; want in force at 1500 bps from #%d, no breach", category, l, seq)
		}
	}
	if len(tariffs.Tariffs) != 3 {
		t.Errorf("%d tariff lines, want all-goods, auto-parts, autos", len(tariffs.Tariffs))
	}

	// A month before the deal took effect: the threatened 25%, no cap yet.
	june := july2025.Add(-10 * 24 * time.Hour)
	before, err := c.GetTariffs(ctx, "us-japan", "all-goods", pactlog.AsOfEffectiveTime(june))
	if err != nil {
		t.Fatalf("GetTariffs before the deal: %v", err)
	}
	if len(before.Tariffs) != 1 {
		t.Fatalf("tariff lines before the deal: %v", before.Tariffs)
	}
	if l := before.Tariffs[0]; !l.InForce || l.RateBps != 2500 || l.HasCap || l.BreachesCap || !before.EvaluatedAt.AsTime().Equal(june) {
		t.Errorf("before the deal: %v evaluated at %v; want 2500 bps in force, no cap, no breach, at %v", l, before.EvaluatedAt.AsTime(), june)
	}
}
