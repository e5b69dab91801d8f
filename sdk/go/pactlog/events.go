package pactlog

import (
	"crypto/rand"
	"fmt"
	"sort"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"pactlog.dev/sdk/go/pactlogpb"
)

// NewMoney is an exact amount: minorUnits of the currency's minor unit
// (cents for USD) and an ISO-4217 code. NewMoney("USD", 55_000_000_000_000)
// is $550B.
func NewMoney(currencyCode string, minorUnits int64) *pactlogpb.Money {
	return &pactlogpb.Money{CurrencyCode: currencyCode, MinorUnits: minorUnits}
}

// Reported, OfficiallyAnnounced and Confirmed name the source of an event
// and how firm it is: reported by the press, announced by a party to the
// deal, confirmed by a binding document.
func Reported(source string) *pactlogpb.Provenance {
	return &pactlogpb.Provenance{Source: source, Firmness: pactlogpb.Firmness_FIRMNESS_REPORTED}
}

// OfficiallyAnnounced: see Reported.
func OfficiallyAnnounced(source string) *pactlogpb.Provenance {
	return &pactlogpb.Provenance{Source: source, Firmness: pactlogpb.Firmness_FIRMNESS_OFFICIALLY_ANNOUNCED}
}

// Confirmed: see Reported.
func Confirmed(source string) *pactlogpb.Provenance {
	return &pactlogpb.Provenance{Source: source, Firmness: pactlogpb.Firmness_FIRMNESS_CONFIRMED}
}

// EventOption sets an optional part of an event made by one of the
// constructors below.
type EventOption func(*pactlogpb.EventData)

// EffectiveAt sets when the event takes effect in the world. Without it the
// server uses the recorded time.
func EffectiveAt(t time.Time) EventOption {
	return func(e *pactlogpb.EventData) { e.EffectiveTime = timestamppb.New(t) }
}

// WithEventID sets the event id (1..128 printable ASCII bytes, unique in the
// log forever). Without it Append generates a random UUID.
func WithEventID(id string) EventOption {
	return func(e *pactlogpb.EventData) { e.EventId = id }
}

// AssertedBy says whose reading the event is (Provenance.AssertedBy, 0..128
// bytes): a party of the deal by its ISO-3166 alpha-2 code ("US", "JP") or
// an outlet's name. Without it the source does not say. The event gets its
// own copy of the provenance, so one Provenance can serve several events
// asserted by different parties.
func AssertedBy(party string) EventOption {
	return func(e *pactlogpb.EventData) {
		p := &pactlogpb.Provenance{AssertedBy: party}
		if e.Provenance != nil {
			p.Source, p.Firmness = e.Provenance.Source, e.Provenance.Firmness
		}
		e.Provenance = p
	}
}

func newEvent(prov *pactlogpb.Provenance, opts []EventOption) *pactlogpb.EventData {
	e := &pactlogpb.EventData{Provenance: prov}
	for _, opt := range opts {
		opt(e)
	}
	return e
}

// DealAnnounced is the first event of a deal: its parties, title,
// commitment ceiling (whose currency is the deal's) and agreed tariff caps
// (category -> highest rate in basis points, e.g. {"all-goods": 1500}).
func DealAnnounced(d *pactlogpb.DealAnnouncement, prov *pactlogpb.Provenance, opts ...EventOption) *pactlogpb.EventData {
	e := newEvent(prov, opts)
	e.Kind = &pactlogpb.EventData_Announcement{Announcement: &pactlogpb.Announcement{
		Subject: &pactlogpb.Announcement_Deal{Deal: d}}}
	return e
}

// TariffCaps turns a map of category -> cap in basis points into the
// ordered list a DealAnnouncement holds.
func TariffCaps(caps map[string]int32) []*pactlogpb.TariffCap {
	out := make([]*pactlogpb.TariffCap, 0, len(caps))
	for cat, bps := range caps {
		out = append(out, &pactlogpb.TariffCap{ProductCategory: cat, MaxRateBps: bps})
	}
	// Map order is random; a stable order keeps events comparable (and
	// idempotent re-sends identical).
	sort.Slice(out, func(i, j int) bool { return out[i].ProductCategory < out[j].ProductCategory })
	return out
}

// ProjectAnnounced announces a project inside an announced deal. UsState
// may be empty while the site is not known (ProjectSiteAnnounced gives it
// later); AllocationId names the allocation its pledge draws on.
func ProjectAnnounced(p *pactlogpb.ProjectAnnouncement, prov *pactlogpb.Provenance, opts ...EventOption) *pactlogpb.EventData {
	e := newEvent(prov, opts)
	e.Kind = &pactlogpb.EventData_Announcement{Announcement: &pactlogpb.Announcement{
		Subject: &pactlogpb.Announcement_Project{Project: p}}}
	return e
}

// ProjectSiteAnnounced gives the site (US postal code, e.g. "TX") of a
// project announced without one (ProjectAnnouncement.UsState empty).
func ProjectSiteAnnounced(projectID, usState string, prov *pactlogpb.Provenance, opts ...EventOption) *pactlogpb.EventData {
	e := newEvent(prov, opts)
	e.Kind = &pactlogpb.EventData_Announcement{Announcement: &pactlogpb.Announcement{
		Subject: &pactlogpb.Announcement_ProjectSite{ProjectSite: &pactlogpb.ProjectSite{
			ProjectId: projectID, UsState: usState}}}}
	return e
}

// AllocationAnnounced announces an allocation: a part of the deal's ceiling
// set aside for a sector (ALLOCATION_BASIS_SECTOR; Sector unspecified when
// it spans sectors) or led by companies (ALLOCATION_BASIS_COMPANY). A nil
// Cap means the source gives no amount; a ParentAllocationId makes it an
// earmark inside that allocation.
func AllocationAnnounced(a *pactlogpb.AllocationAnnouncement, prov *pactlogpb.Provenance, opts ...EventOption) *pactlogpb.EventData {
	e := newEvent(prov, opts)
	e.Kind = &pactlogpb.EventData_Announcement{Announcement: &pactlogpb.Announcement{
		Subject: &pactlogpb.Announcement_Allocation{Allocation: a}}}
	return e
}

// DealTermsAnnounced records the deal's terms as one party reads them; name
// the party with AssertedBy ("US", "JP"). Each terms event is the whole
// reading of its party and replaces that party's earlier one, so give every
// term the party states. FundingChannels are distinct specified
// FundingSources (FundingSource_FUNDING_SOURCE_JBIC, ...); FundingDeadlineDays 0 means no
// deadline is reported. The deal must exist (NOT_FOUND) and the terms may
// not take effect before its announcement (FAILED_PRECONDITION,
// effective-order).
func DealTermsAnnounced(t *pactlogpb.DealTerms, prov *pactlogpb.Provenance, opts ...EventOption) *pactlogpb.EventData {
	e := newEvent(prov, opts)
	if t == nil {
		t = &pactlogpb.DealTerms{}
	}
	e.Kind = &pactlogpb.EventData_Announcement{Announcement: &pactlogpb.Announcement{
		Subject: &pactlogpb.Announcement_Terms{Terms: t}}}
	return e
}

// LeadCompany names a company that leads an allocation; country is its
// ISO-3166 alpha-2 home country ("JP"), "" when not reported.
func LeadCompany(name, country string) *pactlogpb.LeadCompany {
	return &pactlogpb.LeadCompany{Name: name, Country: country}
}

// ProjectApproved approves an announced project for an amount.
func ProjectApproved(projectID string, amount *pactlogpb.Money, approvingBody string, prov *pactlogpb.Provenance, opts ...EventOption) *pactlogpb.EventData {
	e := newEvent(prov, opts)
	e.Kind = &pactlogpb.EventData_Approval{Approval: &pactlogpb.Approval{
		ProjectId: projectID, Amount: amount, ApprovingBody: approvingBody}}
	return e
}

// Disbursed moves money to an approved project from a funding source;
// tranche is an optional label.
func Disbursed(projectID string, amount *pactlogpb.Money, source pactlogpb.FundingSource, tranche string, prov *pactlogpb.Provenance, opts ...EventOption) *pactlogpb.EventData {
	e := newEvent(prov, opts)
	e.Kind = &pactlogpb.EventData_Disbursement{Disbursement: &pactlogpb.Disbursement{
		ProjectId: projectID, Amount: amount, FundingSource: source, Tranche: tranche}}
	return e
}

// TariffChanged sets a new rate (basis points: 15% = 1500) on a product
// category from the event's effective time, citing the legal instrument.
func TariffChanged(productCategory string, rateBps int32, legalInstrument, reason string, prov *pactlogpb.Provenance, opts ...EventOption) *pactlogpb.EventData {
	e := newEvent(prov, opts)
	e.Kind = &pactlogpb.EventData_TariffChange{TariffChange: &pactlogpb.TariffChange{
		ProductCategory: productCategory, RateBps: rateBps, LegalInstrument: legalInstrument, Reason: reason}}
	return e
}

// TariffChangedOn sets one new rate on several product categories at once,
// as one instrument often does: the first category is the event's
// ProductCategory, the others its ProductCategories. The server wants at
// least one category and none twice.
func TariffChangedOn(productCategories []string, rateBps int32, legalInstrument, reason string, prov *pactlogpb.Provenance, opts ...EventOption) *pactlogpb.EventData {
	change := &pactlogpb.TariffChange{RateBps: rateBps, LegalInstrument: legalInstrument, Reason: reason}
	if len(productCategories) > 0 {
		change.ProductCategory = productCategories[0]
		change.ProductCategories = append([]string(nil), productCategories[1:]...)
	}
	e := newEvent(prov, opts)
	e.Kind = &pactlogpb.EventData_TariffChange{TariffChange: change}
	return e
}

// NewEventID returns a random (version 4) UUID from crypto/rand, the form
// Append gives events that have no id.
func NewEventID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("crypto/rand: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
