package pactlog_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"pactlog.dev/sdk/go/pactlog"
	"pactlog.dev/sdk/go/pactlogpb"
)

// The event builders, without a server: what each one produces.

func TestAllocationAnnouncedWrapsTheAllocation(t *testing.T) {
	a := &pactlogpb.AllocationAnnouncement{
		AllocationId:  "mitsubishi",
		Name:          "Mitsubishi Electric systems",
		Basis:         pactlogpb.AllocationBasis_ALLOCATION_BASIS_COMPANY,
		Cap:           usd(30_000_000_000),
		Scope:         "power systems for AI data centers",
		LeadCompanies: []*pactlogpb.LeadCompany{pactlog.LeadCompany("Mitsubishi Electric", "JP")},
	}
	e := pactlog.AllocationAnnounced(a, pactlog.OfficiallyAnnounced("fact sheet"), pactlog.WithEventID("a1"), pactlog.EffectiveAt(sept2025))
	want := &pactlogpb.EventData{
		EventId:       "a1",
		EffectiveTime: e.GetEffectiveTime(),
		Provenance:    &pactlogpb.Provenance{Source: "fact sheet", Firmness: pactlogpb.Firmness_FIRMNESS_OFFICIALLY_ANNOUNCED},
		Kind: &pactlogpb.EventData_Announcement{Announcement: &pactlogpb.Announcement{
			Subject: &pactlogpb.Announcement_Allocation{Allocation: a}}},
	}
	if !proto.Equal(e, want) {
		t.Errorf("AllocationAnnounced:\n got %v\nwant %v", e, want)
	}
	if !e.GetEffectiveTime().AsTime().Equal(sept2025) {
		t.Errorf("effective time %v, want %v", e.GetEffectiveTime().AsTime(), sept2025)
	}
	lead := e.GetAnnouncement().GetAllocation().GetLeadCompanies()[0]
	if lead.GetName() != "Mitsubishi Electric" || lead.GetCountry() != "JP" {
		t.Errorf("lead company %v, want Mitsubishi Electric (JP)", lead)
	}
	// Without a cap the allocation's amount is not reported: the field stays absent.
	energy := pactlog.AllocationAnnounced(&pactlogpb.AllocationAnnouncement{AllocationId: "energy", Name: "Energy",
		Basis: pactlogpb.AllocationBasis_ALLOCATION_BASIS_SECTOR, Sector: pactlogpb.Sector_SECTOR_ENERGY}, pactlog.Reported("press"))
	if energy.GetAnnouncement().GetAllocation().Cap != nil {
		t.Errorf("allocation without a cap has cap %v", energy.GetAnnouncement().GetAllocation().Cap)
	}
}

func TestProjectSiteAnnounced(t *testing.T) {
	e := pactlog.ProjectSiteAnnounced("cooling-tx", "TX", pactlog.Confirmed("permit"), pactlog.EffectiveAt(feb2026))
	site := e.GetAnnouncement().GetProjectSite()
	if site.GetProjectId() != "cooling-tx" || site.GetUsState() != "TX" {
		t.Errorf("ProjectSiteAnnounced: %v", e)
	}
	if e.GetProvenance().GetFirmness() != pactlogpb.Firmness_FIRMNESS_CONFIRMED || !e.GetEffectiveTime().AsTime().Equal(feb2026) {
		t.Errorf("provenance %v, effective %v", e.GetProvenance(), e.GetEffectiveTime())
	}
}

func TestTariffChangedOnSeveralCategories(t *testing.T) {
	categories := []string{"autos", "auto-parts", "trucks"}
	e := pactlog.TariffChangedOn(categories, 1500, "Executive Order 14345", "implements the framework", pactlog.Confirmed("Federal Register"))
	want := &pactlogpb.TariffChange{ProductCategory: "autos", ProductCategories: []string{"auto-parts", "trucks"},
		RateBps: 1500, LegalInstrument: "Executive Order 14345", Reason: "implements the framework"}
	if !proto.Equal(e.GetTariffChange(), want) {
		t.Errorf("TariffChangedOn:\n got %v\nwant %v", e.GetTariffChange(), want)
	}
	// The event does not share the caller's slice.
	categories[1] = "changed"
	if got := e.GetTariffChange().GetProductCategories()[0]; got != "auto-parts" {
		t.Errorf("event changed with the caller's slice: %q", got)
	}
	one := pactlog.TariffChangedOn([]string{"autos"}, 1500, "EO", "", pactlog.Confirmed("FR"))
	single := pactlog.TariffChanged("autos", 1500, "EO", "", pactlog.Confirmed("FR"))
	if !proto.Equal(one, single) || len(one.GetTariffChange().GetProductCategories()) != 0 {
		t.Errorf("one category: %v, want the single-category form %v", one, single)
	}
	// No category: the event has none, and the server refuses it.
	if none := pactlog.TariffChangedOn(nil, 1500, "EO", "", pactlog.Confirmed("FR")).GetTariffChange(); none.GetProductCategory() != "" || len(none.GetProductCategories()) != 0 {
		t.Errorf("no category: %v", none)
	}
}

func TestProjectAnnouncedWithoutSiteDrawingOnAnAllocation(t *testing.T) {
	e := pactlog.ProjectAnnounced(&pactlogpb.ProjectAnnouncement{ProjectId: "cooling-tx", Name: "Cooling plant",
		Sector: pactlogpb.Sector_SECTOR_ENERGY, Pledged: usd(5_000_000_000), AllocationId: "cooling"},
		pactlog.Reported("press"), pactlog.EffectiveAt(feb2026.Add(-time.Hour)))
	p := e.GetAnnouncement().GetProject()
	if p.GetUsState() != "" || p.GetAllocationId() != "cooling" {
		t.Errorf("project: state %q, allocation %q; want none, cooling", p.GetUsState(), p.GetAllocationId())
	}
}

func TestDealTermsAnnouncedWrapsTheTerms(t *testing.T) {
	terms := &pactlogpb.DealTerms{
		ProjectSelector:     "US investment committee",
		FinalDecision:       "the President",
		FundingChannels:     []pactlogpb.FundingSource{pactlogpb.FundingSource_FUNDING_SOURCE_JBIC, pactlogpb.FundingSource_FUNDING_SOURCE_NEXI},
		FundingDeadlineDays: 45,
		EnforcementClause:   "the US may raise tariffs",
		ProfitSharing:       "90% to the US after recovery",
		OtherCommitments:    []string{"defense spending"},
		Oversight:           "Department of Commerce",
	}
	e := pactlog.DealTermsAnnounced(terms, pactlog.OfficiallyAnnounced("fact sheet"), pactlog.AssertedBy("US"), pactlog.WithEventID("terms-us"), pactlog.EffectiveAt(sept2025))
	want := &pactlogpb.EventData{
		EventId:       "terms-us",
		EffectiveTime: e.GetEffectiveTime(),
		Provenance:    &pactlogpb.Provenance{Source: "fact sheet", Firmness: pactlogpb.Firmness_FIRMNESS_OFFICIALLY_ANNOUNCED, AssertedBy: "US"},
		Kind: &pactlogpb.EventData_Announcement{Announcement: &pactlogpb.Announcement{
			Subject: &pactlogpb.Announcement_Terms{Terms: terms}}},
	}
	if !proto.Equal(e, want) {
		t.Errorf("DealTermsAnnounced:\n got %v\nwant %v", e, want)
	}
	if !e.GetEffectiveTime().AsTime().Equal(sept2025) {
		t.Errorf("effective time %v, want %v", e.GetEffectiveTime().AsTime(), sept2025)
	}
	// nil terms: a terms event with every term empty, still a terms event.
	empty := pactlog.DealTermsAnnounced(nil, pactlog.Reported("press"))
	if empty.GetAnnouncement().GetTerms() == nil || empty.GetProvenance().GetAssertedBy() != "" {
		t.Errorf("DealTermsAnnounced(nil): %v; want empty terms, asserted by nobody", empty)
	}
}

func TestAssertedByCopiesTheProvenance(t *testing.T) {
	fact := pactlog.OfficiallyAnnounced("fact sheet")
	us := pactlog.ProjectApproved("p", usd(1), "committee", fact, pactlog.AssertedBy("US"))
	jp := pactlog.Disbursed("p", usd(1), pactlogpb.FundingSource_FUNDING_SOURCE_JBIC, "", fact, pactlog.AssertedBy("JP"))
	unsaid := pactlog.TariffChanged("autos", 1500, "EO", "", fact)
	for _, tc := range []struct {
		event *pactlogpb.EventData
		want  string
	}{{us, "US"}, {jp, "JP"}, {unsaid, ""}} {
		p := tc.event.GetProvenance()
		if p.GetAssertedBy() != tc.want || p.GetSource() != "fact sheet" || p.GetFirmness() != pactlogpb.Firmness_FIRMNESS_OFFICIALLY_ANNOUNCED {
			t.Errorf("provenance %v, want fact sheet, officially announced, asserted by %q", p, tc.want)
		}
	}
	if fact.AssertedBy != "" {
		t.Errorf("AssertedBy changed the shared provenance: %v", fact)
	}
	for _, e := range []*pactlogpb.EventData{
		pactlog.DealAnnounced(&pactlogpb.DealAnnouncement{}, fact, pactlog.AssertedBy("Nikkei")),
		pactlog.ProjectAnnounced(&pactlogpb.ProjectAnnouncement{}, fact, pactlog.AssertedBy("Nikkei")),
		pactlog.ProjectSiteAnnounced("p", "TX", fact, pactlog.AssertedBy("Nikkei")),
		pactlog.AllocationAnnounced(&pactlogpb.AllocationAnnouncement{}, fact, pactlog.AssertedBy("Nikkei")),
		pactlog.TariffChangedOn([]string{"autos"}, 1500, "EO", "", fact, pactlog.AssertedBy("Nikkei")),
	} {
		if e.GetProvenance().GetAssertedBy() != "Nikkei" {
			t.Errorf("asserted by %q, want Nikkei", e.GetProvenance().GetAssertedBy())
		}
	}
	// Without a provenance the option still says whose reading it is.
	if e := pactlog.DealTermsAnnounced(nil, nil, pactlog.AssertedBy("US")); e.GetProvenance().GetAssertedBy() != "US" {
		t.Errorf("nil provenance: %v, want asserted by US", e.GetProvenance())
	}
}
