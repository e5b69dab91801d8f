package pactlog_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

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

func TestAmendmentBuilders(t *testing.T) {
	nikkei := pactlog.Reported("Nikkei")
	amendment := func(a *pactlogpb.Amendment) *pactlogpb.EventData_Amendment {
		return &pactlogpb.EventData_Amendment{Amendment: a}
	}
	for _, tc := range []struct {
		name string
		got  *pactlogpb.EventData
		want *pactlogpb.EventData
	}{{
		"Revised",
		pactlog.Revised("approval-1", usd(40*billion), "the committee cut it", nikkei, pactlog.WithEventID("r1"), pactlog.EffectiveAt(feb2026)),
		&pactlogpb.EventData{EventId: "r1", EffectiveTime: timestamppb.New(feb2026), Provenance: nikkei,
			Kind: amendment(&pactlogpb.Amendment{TargetEventId: "approval-1", Reason: "the committee cut it",
				Change: &pactlogpb.Amendment_RevisedAmount{RevisedAmount: usd(40 * billion)}})},
	}, {
		"Revised without a reason",
		pactlog.Revised("cap-1", usd(1), "", nikkei),
		&pactlogpb.EventData{Provenance: nikkei, Kind: amendment(&pactlogpb.Amendment{TargetEventId: "cap-1",
			Change: &pactlogpb.Amendment_RevisedAmount{RevisedAmount: usd(1)}})},
	}, {
		"Withdrawn",
		pactlog.Withdrawn("datacenters", "SoftBank pulled out", nikkei, pactlog.EffectiveAt(sept2025)),
		&pactlogpb.EventData{EffectiveTime: timestamppb.New(sept2025), Provenance: nikkei,
			Kind: amendment(&pactlogpb.Amendment{TargetEventId: "datacenters", Reason: "SoftBank pulled out",
				Change: &pactlogpb.Amendment_Withdrawal{Withdrawal: &pactlogpb.Withdrawal{}}})},
	}, {
		"FirmnessRaised",
		pactlog.FirmnessRaised("reactors", pactlogpb.Firmness_FIRMNESS_CONFIRMED, "the signed agreement names it",
			pactlog.Confirmed("signed agreement"), pactlog.AssertedBy("US")),
		&pactlogpb.EventData{
			Provenance: &pactlogpb.Provenance{Source: "signed agreement", Firmness: pactlogpb.Firmness_FIRMNESS_CONFIRMED, AssertedBy: "US"},
			Kind: amendment(&pactlogpb.Amendment{TargetEventId: "reactors", Reason: "the signed agreement names it",
				Change: &pactlogpb.Amendment_RaisedFirmness{RaisedFirmness: pactlogpb.Firmness_FIRMNESS_CONFIRMED}})},
	}, {
		"Retracted",
		pactlog.Retracted("rumour", "no such plan", pactlog.OfficiallyAnnounced("Ministry statement")),
		&pactlogpb.EventData{
			Provenance: &pactlogpb.Provenance{Source: "Ministry statement", Firmness: pactlogpb.Firmness_FIRMNESS_OFFICIALLY_ANNOUNCED},
			Kind: amendment(&pactlogpb.Amendment{TargetEventId: "rumour", Reason: "no such plan",
				Change: &pactlogpb.Amendment_Retraction{Retraction: &pactlogpb.Retraction{}}})},
	}} {
		if !proto.Equal(tc.got, tc.want) {
			t.Errorf("%s:\n got %v\nwant %v", tc.name, tc.got, tc.want)
		}
	}
	// Without EffectiveAt a firmness raise (like a correction or a
	// retraction) leaves the time to the server: the target's.
	if e := pactlog.FirmnessRaised("r", pactlogpb.Firmness_FIRMNESS_CONFIRMED, "", nikkei); e.EffectiveTime != nil || e.EventId != "" {
		t.Errorf("FirmnessRaised without options: effective %v, id %q; want neither", e.EffectiveTime, e.EventId)
	}
}

func TestCorrectedTakesTheReplacementsKindAndProvenance(t *testing.T) {
	nexi := pactlog.Confirmed("NEXI release")
	disbursement := pactlog.Disbursed("reactors", usd(3*billion), pactlogpb.FundingSource_FUNDING_SOURCE_NEXI, "T1", nexi)
	e := pactlog.Corrected("t1", disbursement, "it was NEXI's $3B, not JBIC's $2B", pactlog.WithEventID("fix-1"))
	want := &pactlogpb.EventData{EventId: "fix-1", Provenance: nexi,
		Kind: &pactlogpb.EventData_Amendment{Amendment: &pactlogpb.Amendment{
			TargetEventId: "t1", Reason: "it was NEXI's $3B, not JBIC's $2B",
			Change: &pactlogpb.Amendment_Correction{Correction: &pactlogpb.Correction{
				Replacement: &pactlogpb.Correction_Disbursement{Disbursement: &pactlogpb.Disbursement{
					ProjectId: "reactors", Amount: usd(3 * billion), FundingSource: pactlogpb.FundingSource_FUNDING_SOURCE_NEXI, Tranche: "T1"}}}}}},
	}
	if !proto.Equal(e, want) {
		t.Errorf("Corrected:\n got %v\nwant %v", e, want)
	}
	if disbursement.EventId != "" || disbursement.GetDisbursement() == nil {
		t.Errorf("Corrected changed its replacement: %v", disbursement)
	}

	// Each kind of replacement lands in its own field.
	project := &pactlogpb.ProjectAnnouncement{ProjectId: "datacenters", Name: "AI data centers", UsState: "TX", Pledged: usd(20 * billion)}
	approval := &pactlogpb.Approval{ProjectId: "reactors", Amount: usd(50 * billion), ApprovingBody: "committee"}
	tariff := &pactlogpb.TariffChange{ProductCategory: "autos", RateBps: 1500, LegalInstrument: "EO"}
	for _, tc := range []struct {
		replacement *pactlogpb.EventData
		want        *pactlogpb.Correction
	}{
		{pactlog.ProjectAnnounced(project, press()),
			&pactlogpb.Correction{Replacement: &pactlogpb.Correction_Announcement{Announcement: &pactlogpb.Announcement{
				Subject: &pactlogpb.Announcement_Project{Project: project}}}}},
		{pactlog.ProjectApproved("reactors", usd(50*billion), "committee", press()),
			&pactlogpb.Correction{Replacement: &pactlogpb.Correction_Approval{Approval: approval}}},
		{pactlog.TariffChanged("autos", 1500, "EO", "", press()),
			&pactlogpb.Correction{Replacement: &pactlogpb.Correction_TariffChange{TariffChange: tariff}}},
		// Not a kind a correction replaces, or none: no replacement (the
		// server refuses it).
		{pactlog.Revised("x", usd(1), "", press()), &pactlogpb.Correction{}},
		{nil, &pactlogpb.Correction{}},
	} {
		e := pactlog.Corrected("target", tc.replacement, "")
		if got := e.GetAmendment().GetCorrection(); !proto.Equal(got, tc.want) || e.GetAmendment().GetTargetEventId() != "target" {
			t.Errorf("Corrected(%v):\n got %v\nwant %v", tc.replacement, e.GetAmendment(), tc.want)
		}
		if tc.replacement != nil && !proto.Equal(e.Provenance, tc.replacement.Provenance) {
			t.Errorf("provenance %v, want the replacement's %v", e.Provenance, tc.replacement.Provenance)
		}
	}

	// The replacement's id, effective time and restates stay the
	// correction's own; options win over them.
	dated := pactlog.Disbursed("reactors", usd(2*billion), pactlogpb.FundingSource_FUNDING_SOURCE_JBIC, "T1", nexi,
		pactlog.WithEventID("mine"), pactlog.EffectiveAt(sept2025), pactlog.Restates("old"))
	e = pactlog.Corrected("t1", dated, "")
	if e.EventId != "mine" || !e.EffectiveTime.AsTime().Equal(sept2025) || len(e.Restates) != 1 || e.Restates[0] != "old" {
		t.Errorf("Corrected(dated): id %q effective %v restates %v; want mine, %v, [old]", e.EventId, e.EffectiveTime, e.Restates, sept2025)
	}
	e = pactlog.Corrected("t1", dated, "", pactlog.WithEventID("fix-2"), pactlog.EffectiveAt(feb2026), pactlog.AssertedBy("JP"))
	if e.EventId != "fix-2" || !e.EffectiveTime.AsTime().Equal(feb2026) || e.Provenance.AssertedBy != "JP" || nexi.AssertedBy != "" {
		t.Errorf("Corrected with options: id %q effective %v provenance %v; want fix-2, %v, asserted by JP", e.EventId, e.EffectiveTime, e.Provenance, feb2026)
	}
}

func TestRestatesOnAnnouncements(t *testing.T) {
	earlier := []string{"us-japan/datacenters", "us-japan/campus"}
	p := pactlog.ProjectAnnounced(&pactlogpb.ProjectAnnouncement{ProjectId: "ai-campus"}, press(), pactlog.Restates(earlier...))
	a := pactlog.AllocationAnnounced(&pactlogpb.AllocationAnnouncement{AllocationId: "energy-2025"}, press(), pactlog.Restates("us-japan/energy"))
	if fmt.Sprint(p.Restates) != "[us-japan/datacenters us-japan/campus]" || p.GetAnnouncement().GetProject().GetProjectId() != "ai-campus" {
		t.Errorf("project restates %v", p.Restates)
	}
	if fmt.Sprint(a.Restates) != "[us-japan/energy]" || a.GetAnnouncement().GetAllocation().GetAllocationId() != "energy-2025" {
		t.Errorf("allocation restates %v", a.Restates)
	}
	earlier[0] = "changed"
	if p.Restates[0] != "us-japan/datacenters" {
		t.Errorf("event changed with the caller's slice: %v", p.Restates)
	}
	if none := pactlog.ProjectAnnounced(&pactlogpb.ProjectAnnouncement{}, press(), pactlog.Restates()); len(none.Restates) != 0 {
		t.Errorf("Restates(): %v, want none", none.Restates)
	}
}

func press() *pactlogpb.Provenance { return pactlog.Reported("press") }

// Firmness defaults to reported in every builder: with no provenance, or
// one that names no firmness. The caller's provenance is left alone, and a
// firmness given explicitly is kept.
func TestEveryBuilderDefaultsFirmnessToReported(t *testing.T) {
	money := usd(1)
	builders := map[string]func(*pactlogpb.Provenance) *pactlogpb.EventData{
		"DealAnnounced": func(p *pactlogpb.Provenance) *pactlogpb.EventData {
			return pactlog.DealAnnounced(&pactlogpb.DealAnnouncement{}, p)
		},
		"ProjectAnnounced": func(p *pactlogpb.Provenance) *pactlogpb.EventData {
			return pactlog.ProjectAnnounced(&pactlogpb.ProjectAnnouncement{}, p)
		},
		"ProjectSiteAnnounced": func(p *pactlogpb.Provenance) *pactlogpb.EventData {
			return pactlog.ProjectSiteAnnounced("p", "TX", p)
		},
		"AllocationAnnounced": func(p *pactlogpb.Provenance) *pactlogpb.EventData {
			return pactlog.AllocationAnnounced(&pactlogpb.AllocationAnnouncement{}, p)
		},
		"DealTermsAnnounced": func(p *pactlogpb.Provenance) *pactlogpb.EventData {
			return pactlog.DealTermsAnnounced(nil, p)
		},
		"ProjectApproved": func(p *pactlogpb.Provenance) *pactlogpb.EventData {
			return pactlog.ProjectApproved("p", money, "committee", p)
		},
		"Disbursed": func(p *pactlogpb.Provenance) *pactlogpb.EventData {
			return pactlog.Disbursed("p", money, pactlogpb.FundingSource_FUNDING_SOURCE_JBIC, "T1", p)
		},
		"TariffChanged": func(p *pactlogpb.Provenance) *pactlogpb.EventData {
			return pactlog.TariffChanged("autos", 1500, "EO", "", p)
		},
		"TariffChangedOn": func(p *pactlogpb.Provenance) *pactlogpb.EventData {
			return pactlog.TariffChangedOn([]string{"autos"}, 1500, "EO", "", p)
		},
		"Revised":   func(p *pactlogpb.Provenance) *pactlogpb.EventData { return pactlog.Revised("e", money, "", p) },
		"Withdrawn": func(p *pactlogpb.Provenance) *pactlogpb.EventData { return pactlog.Withdrawn("e", "gone", p) },
		"FirmnessRaised": func(p *pactlogpb.Provenance) *pactlogpb.EventData {
			return pactlog.FirmnessRaised("e", pactlogpb.Firmness_FIRMNESS_CONFIRMED, "", p)
		},
		"Retracted": func(p *pactlogpb.Provenance) *pactlogpb.EventData { return pactlog.Retracted("e", "false", p) },
		"Corrected": func(p *pactlogpb.Provenance) *pactlogpb.EventData {
			return pactlog.Corrected("e", pactlog.ProjectApproved("p", money, "committee", p), "typo")
		},
	}
	for name, build := range builders {
		if got := build(nil).GetProvenance().GetFirmness(); got != pactlogpb.Firmness_FIRMNESS_REPORTED {
			t.Errorf("%s with no provenance: firmness %v, want FIRMNESS_REPORTED", name, got)
		}
		mine := &pactlogpb.Provenance{Source: "a newspaper", AssertedBy: "JP"}
		e := build(mine)
		if p := e.GetProvenance(); p.GetFirmness() != pactlogpb.Firmness_FIRMNESS_REPORTED || p.GetSource() != "a newspaper" || p.GetAssertedBy() != "JP" {
			t.Errorf("%s with a provenance without firmness: %v, want it reported, source and party kept", name, p)
		}
		if mine.Firmness != pactlogpb.Firmness_FIRMNESS_UNSPECIFIED {
			t.Errorf("%s changed the caller's provenance: %v", name, mine)
		}
		if got := build(pactlog.Confirmed("minutes")).GetProvenance().GetFirmness(); got != pactlogpb.Firmness_FIRMNESS_CONFIRMED {
			t.Errorf("%s with Confirmed: firmness %v, want FIRMNESS_CONFIRMED", name, got)
		}
	}
}

func TestParseFirmnessTakesEverySpelling(t *testing.T) {
	for in, want := range map[string]pactlogpb.Firmness{
		"reported":                      pactlogpb.Firmness_FIRMNESS_REPORTED,
		"REPORTED":                      pactlogpb.Firmness_FIRMNESS_REPORTED,
		"FIRMNESS_REPORTED":             pactlogpb.Firmness_FIRMNESS_REPORTED,
		"officially_announced":          pactlogpb.Firmness_FIRMNESS_OFFICIALLY_ANNOUNCED,
		"officially-announced":          pactlogpb.Firmness_FIRMNESS_OFFICIALLY_ANNOUNCED,
		"FIRMNESS_OFFICIALLY_ANNOUNCED": pactlogpb.Firmness_FIRMNESS_OFFICIALLY_ANNOUNCED,
		"Confirmed":                     pactlogpb.Firmness_FIRMNESS_CONFIRMED,
		"firmness_confirmed":            pactlogpb.Firmness_FIRMNESS_CONFIRMED,
	} {
		got, err := pactlog.ParseFirmness(in)
		if err != nil || got != want {
			t.Errorf("ParseFirmness(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "unspecified", "FIRMNESS_UNSPECIFIED", "sure", "FIRMNESS_"} {
		if got, err := pactlog.ParseFirmness(bad); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", bad)) {
			t.Errorf("ParseFirmness(%q) = %v, %v; want an error naming the value", bad, got, err)
		}
	}
	if got := pactlog.FirmnessName(pactlogpb.Firmness_FIRMNESS_OFFICIALLY_ANNOUNCED); got != "OFFICIALLY_ANNOUNCED" {
		t.Errorf("FirmnessName = %q, want OFFICIALLY_ANNOUNCED", got)
	}
}
