package pactlog

import (
	"crypto/rand"
	"fmt"
	"sort"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
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

// ParseFirmness reads a firmness in any of its spellings: "reported",
// "REPORTED" or "FIRMNESS_REPORTED" (any case; "officially-announced" or
// "officially_announced"). Anything else is an error naming the value.
func ParseFirmness(s string) (pactlogpb.Firmness, error) {
	name := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), "-", "_"))
	name = strings.TrimPrefix(name, "FIRMNESS_")
	if v, ok := pactlogpb.Firmness_value["FIRMNESS_"+name]; ok && v != int32(pactlogpb.Firmness_FIRMNESS_UNSPECIFIED) {
		return pactlogpb.Firmness(v), nil
	}
	return pactlogpb.Firmness_FIRMNESS_UNSPECIFIED, fmt.Errorf(
		"firmness: unknown value %q; want reported, officially_announced or confirmed (or FIRMNESS_REPORTED, ...)", s)
}

// FirmnessName is f's name without its FIRMNESS_ prefix: "REPORTED",
// "OFFICIALLY_ANNOUNCED", "CONFIRMED".
func FirmnessName(f pactlogpb.Firmness) string {
	return strings.TrimPrefix(f.String(), "FIRMNESS_")
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

// Restates names the earlier reports of the same money that a project or an
// allocation announcement reports again (EventData.Restates, 0..32 event ids
// of the same deal): when the announcement is recorded each restated project
// or allocation gets status RESTATED and stops counting, so totals never
// count the same money twice. A restated project may have no approvals, a
// restated allocation no projects or earmarks (FAILED_PRECONDITION); on
// other kinds of event the server refuses it. The event gets its own copy of
// the ids.
func Restates(eventIDs ...string) EventOption {
	return func(e *pactlogpb.EventData) { e.Restates = append([]string(nil), eventIDs...) }
}

// newEvent starts an event with its provenance. Without a firmness (a nil
// provenance, or one with FIRMNESS_UNSPECIFIED) the event is reported, the
// weakest claim: the event gets its own copy of the provenance with
// FIRMNESS_REPORTED, and the caller's is left alone.
func newEvent(prov *pactlogpb.Provenance, opts []EventOption) *pactlogpb.EventData {
	switch {
	case prov == nil:
		prov = &pactlogpb.Provenance{Firmness: pactlogpb.Firmness_FIRMNESS_REPORTED}
	case prov.Firmness == pactlogpb.Firmness_FIRMNESS_UNSPECIFIED:
		prov = proto.Clone(prov).(*pactlogpb.Provenance)
		prov.Firmness = pactlogpb.Firmness_FIRMNESS_REPORTED
	}
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

// Amendments. The log is append-only: a change to a recorded event is an
// event of its own that names it, targetEventID, an event of the same deal
// (else FAILED_PRECONDITION, amend-same-deal; an unknown id is NOT_FOUND).
// The amendments of one subject form a chain from its original event, and
// an amendment must name the event that stands now: the original or its
// latest amendment, HeadEventId in ProjectState, AllocationState,
// ApprovalRecord and TariffChangeRecord (an older one is
// FAILED_PRECONDITION, amend-standing-event).
//
// A revision or a withdrawal is a change in the world: it takes effect at
// its own effective time (EffectiveAt; default: when recorded). A
// correction, a retraction or a firmness raise fixes the record: it takes
// effect when its target did, so send it without EffectiveAt (the server
// uses the target's; another time is FAILED_PRECONDITION,
// correction-effective-time). Queries as of a recorded time before an
// amendment still answer with the old figures.

func amendment(targetEventID, reason string, prov *pactlogpb.Provenance, opts []EventOption) (*pactlogpb.EventData, *pactlogpb.Amendment) {
	a := &pactlogpb.Amendment{TargetEventId: targetEventID, Reason: reason}
	e := newEvent(prov, opts)
	e.Kind = &pactlogpb.EventData_Amendment{Amendment: a}
	return e, a
}

// Revised gives a new amount, in the deal's currency, to a project's pledge
// (target: its announcement), an allocation's cap (its announcement) or an
// approval (the approval); reason may be empty. It takes effect at its own
// effective time. Cutting a pledge below what is approved is
// FAILED_PRECONDITION approval-within-pledge, an approval below what is
// disbursed disbursement-within-approval.
func Revised(targetEventID string, amount *pactlogpb.Money, reason string, prov *pactlogpb.Provenance, opts ...EventOption) *pactlogpb.EventData {
	e, a := amendment(targetEventID, reason, prov, opts)
	a.Change = &pactlogpb.Amendment_RevisedAmount{RevisedAmount: amount}
	return e
}

// Withdrawn withdraws (or cancels) a project, target its announcement: from
// the event's effective time its pledge and approvals leave every total and
// its status is PROJECT_STATUS_WITHDRAWN. reason is required (1..1024
// bytes, else INVALID_ARGUMENT). A project with disbursements cannot be
// withdrawn (FAILED_PRECONDITION, withdraw-undisbursed).
func Withdrawn(targetEventID, reason string, prov *pactlogpb.Provenance, opts ...EventOption) *pactlogpb.EventData {
	e, a := amendment(targetEventID, reason, prov, opts)
	a.Change = &pactlogpb.Amendment_Withdrawal{Withdrawal: &pactlogpb.Withdrawal{}}
	return e
}

// FirmnessRaised raises the firmness of the target's report (reported ->
// officially announced -> confirmed), e.g. when the signed agreement
// confirms what the press reported; reason may be empty. Only upward
// (FAILED_PRECONDITION, firmness-raise-only): to lower it, retract the
// report. prov is this event's own source, typically of the raised
// firmness. It takes effect when the target did.
func FirmnessRaised(targetEventID string, firmness pactlogpb.Firmness, reason string, prov *pactlogpb.Provenance, opts ...EventOption) *pactlogpb.EventData {
	e, a := amendment(targetEventID, reason, prov, opts)
	a.Change = &pactlogpb.Amendment_RaisedFirmness{RaisedFirmness: firmness}
	return e
}

// Retracted retracts a report that proved false: the target's effect is
// removed as of the target's effective time (a project gets status
// PROJECT_STATUS_RETRACTED). reason is required (1..1024 bytes). A project
// with approvals cannot be retracted (FAILED_PRECONDITION,
// retract-dependents).
func Retracted(targetEventID, reason string, prov *pactlogpb.Provenance, opts ...EventOption) *pactlogpb.EventData {
	e, a := amendment(targetEventID, reason, prov, opts)
	a.Change = &pactlogpb.Amendment_Retraction{Retraction: &pactlogpb.Retraction{}}
	return e
}

// Corrected replaces an event recorded in error with replacement, an event
// built with the constructors above of the same kind and about the same
// subject (the same project, allocation and parent; the same project of an
// approval or disbursement; else FAILED_PRECONDITION,
// correction-same-subject):
//
//	pactlog.Corrected(tranche, pactlog.Disbursed("ap1000", pactlog.NewMoney("USD", 300_000_000_000),
//		pactlogpb.FundingSource_FUNDING_SOURCE_NEXI,
//		"T1", pactlog.Confirmed("NEXI release")), "it was NEXI's $3B, not JBIC's $2B")
//
// The replacement's kind (an announcement, approval, disbursement or tariff
// change) becomes Amendment.Correction; the rest of it stays the
// correction's own: its provenance, and its event id, effective time and
// restates when it has them (so build it without EffectiveAt: a correction
// takes effect when its target did), unless opts set them. The correction
// shares the replacement's messages; replacement itself is not changed. A
// nil replacement or one of another kind gives a correction without a
// replacement, which the server refuses (INVALID_ARGUMENT).
func Corrected(targetEventID string, replacement *pactlogpb.EventData, reason string, opts ...EventOption) *pactlogpb.EventData {
	c := &pactlogpb.Correction{}
	var prov *pactlogpb.Provenance
	var head []EventOption
	if replacement != nil {
		prov = replacement.Provenance
		switch k := replacement.Kind.(type) {
		case *pactlogpb.EventData_Announcement:
			c.Replacement = &pactlogpb.Correction_Announcement{Announcement: k.Announcement}
		case *pactlogpb.EventData_Approval:
			c.Replacement = &pactlogpb.Correction_Approval{Approval: k.Approval}
		case *pactlogpb.EventData_Disbursement:
			c.Replacement = &pactlogpb.Correction_Disbursement{Disbursement: k.Disbursement}
		case *pactlogpb.EventData_TariffChange:
			c.Replacement = &pactlogpb.Correction_TariffChange{TariffChange: k.TariffChange}
		}
		if replacement.EventId != "" {
			head = append(head, WithEventID(replacement.EventId))
		}
		if replacement.EffectiveTime != nil {
			t := replacement.EffectiveTime
			head = append(head, func(e *pactlogpb.EventData) { e.EffectiveTime = t })
		}
		if len(replacement.Restates) > 0 {
			head = append(head, Restates(replacement.Restates...))
		}
	}
	e, a := amendment(targetEventID, reason, prov, append(head, opts...))
	a.Change = &pactlogpb.Amendment_Correction{Correction: c}
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
