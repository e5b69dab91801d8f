package pactlog_test

// sdk/BEHAVIOUR.md's rules against the real server: listings, caught-up
// without markers, and errors as data.

import (
	"errors"
	"sort"
	"testing"

	"google.golang.org/grpc/codes"

	"pactlog.dev/sdk/go/pactlog"
)

func TestEveryListingHasOnePageAndAllPages(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)
	recordFramework(ctx, t, c) // us-japan (2 projects, 7 events in all), us-korea
	announce(ctx, t, c, "us-uk")

	page, err := c.ListDeals(ctx, pactlog.Page{Size: 1})
	if err != nil || len(page.Deals) != 1 || page.NextPageToken == "" {
		t.Fatalf("ListDeals one page of 1: %v, %v; want 1 deal and a next page token", page, err)
	}
	deals := c.ListAllDeals(ctx, 1)
	var ids []string
	for deals.Next() {
		ids = append(ids, deals.Value().DealId)
		if len(ids) == 1 && deals.Pages() != 1 {
			t.Errorf("%d pages fetched for the first deal, want 1", deals.Pages())
		}
	}
	if deals.Err() != nil || !sortedEqual(ids, []string{"us-japan", "us-korea", "us-uk"}) {
		t.Errorf("ListAllDeals: %v, %v; want the 3 deals", ids, deals.Err())
	}
	if deals.Pages() < 3 {
		t.Errorf("ListAllDeals(1) fetched %d pages for 3 deals", deals.Pages())
	}

	projects := c.ListAllProjects(ctx, "us-japan", pactlog.ProjectFilter{}, 1)
	var pids []string
	for projects.Next() {
		pids = append(pids, projects.Value().ProjectId)
	}
	if projects.Err() != nil || !sortedEqual(pids, []string{"ohio-gas-power", "softbank-dc"}) {
		t.Errorf("ListAllProjects: %v, %v", pids, projects.Err())
	}
	one, err := c.ListProjects(ctx, "us-japan", pactlog.ProjectFilter{}, pactlog.Page{Size: 1})
	if err != nil || len(one.Projects) != 1 || one.NextPageToken == "" {
		t.Errorf("ListProjects one page of 1: %v, %v", one, err)
	}

	first, err := c.GetLineage(ctx, "us-japan", pactlog.LineageSubject{}, pactlog.Page{Size: 1})
	if err != nil || len(first.Entries) != 1 || first.NextPageToken == "" {
		t.Fatalf("GetLineage one page of 1: %v, %v", first, err)
	}
	whole, err := c.GetLineage(ctx, "us-japan", pactlog.LineageSubject{}, pactlog.Page{Size: 1000})
	if err != nil {
		t.Fatal(err)
	}
	entries := c.GetAllLineage(ctx, "us-japan", pactlog.LineageSubject{}, 1)
	var seqs []uint64
	for entries.Next() {
		seqs = append(seqs, entries.Value().Sequence)
	}
	if entries.Err() != nil || len(seqs) != len(whole.Entries) || len(seqs) < 2 {
		t.Errorf("GetAllLineage: %v, %v; want the %d entries of one big page", seqs, entries.Err(), len(whole.Entries))
	}

	events := c.ReadAll(ctx, pactlog.ReadOptions{Limit: 2})
	var all []uint64
	for events.Next() {
		all = append(all, events.Value().Sequence)
	}
	if events.Err() != nil || !equalU64(all, seqRange(1, 8)) || events.Pages() != 4 {
		t.Errorf("ReadAll(limit 2): %v in %d pages, %v; want 1..8 in 4", all, events.Pages(), events.Err())
	}
	korea := c.ReadAll(ctx, pactlog.ReadOptions{Filter: pactlog.Filter{DealIDs: []string{"us-korea"}}, Limit: 1})
	var k []uint64
	for korea.Next() {
		k = append(k, korea.Value().Sequence)
	}
	if korea.Err() != nil || !equalU64(k, []uint64{7}) {
		t.Errorf("ReadAll of us-korea: %v, %v; want [7]", k, korea.Err())
	}
}

func sortedEqual(got, want []string) bool {
	g := append([]string(nil), got...)
	sort.Strings(g)
	if len(g) != len(want) {
		return false
	}
	for i := range g {
		if g[i] != want[i] {
			return false
		}
	}
	return true
}

func TestCaughtUpWithoutMarkers(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)

	// An empty log: caught up before any event.
	empty, err := c.Subscribe(ctx, pactlog.SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer empty.Close()
	if !empty.CaughtUp() || empty.CaughtUpSequence() != 0 {
		t.Errorf("empty log: CaughtUp() %v at %d, want true at 0", empty.CaughtUp(), empty.CaughtUpSequence())
	}

	announce(ctx, t, c, "us-japan")
	appendTariffChanges(ctx, t, c, "us-japan", 6) // history: 1..7
	sub, err := c.Subscribe(ctx, pactlog.SubscribeOptions{MaxEventsPerMessage: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var history []uint64
	for !sub.CaughtUp() {
		e, err := sub.Next()
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		history = append(history, e.Sequence)
	}
	if !equalU64(history, seqRange(1, 7)) || sub.CaughtUpSequence() != 7 {
		t.Errorf("history %v, caught up at %d; want 1..7, 7", history, sub.CaughtUpSequence())
	}
	live := appendTariffChanges(ctx, t, c, "us-japan", 1)
	if e, err := sub.Next(); err != nil || e.Sequence != live[0] || !sub.CaughtUp() {
		t.Errorf("live Next: %v, %v (caught up %v); want #%d", e.GetSequence(), err, sub.CaughtUp(), live[0])
	}
	// The empty-log subscription sees it live too.
	if e, err := empty.Next(); err != nil || e.Sequence != 1 {
		t.Errorf("first live event of the empty-log subscription: %v, %v; want #1", e.GetSequence(), err)
	}
}

// The server's errors as data: pactlogd sends google.rpc.ErrorInfo details
// with ABORTED and FAILED_PRECONDITION, and the *Error carries the current
// version and the rule (the decoding is also unit-tested against statuses
// built in behaviour_internal_test.go).
func TestServerErrorsAsData(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)
	announce(ctx, t, c, "d-1")

	var e *pactlog.Error
	_, err := c.Append(ctx, "d-1", events(dealAnnounced()), pactlog.AppendOptions{ExpectedVersion: pactlog.ExactVersion(0)})
	if !errors.As(err, &e) || e.Code != codes.Aborted || e.Attempts != 1 {
		t.Fatalf("stale expected version: %v, want ABORTED after 1 attempt", err)
	}
	if e.Reason != pactlog.ReasonVersionMismatch || !e.HasCurrentVersion || e.CurrentVersion != 1 || e.DealID != "d-1" {
		t.Errorf("ABORTED data: reason %q, deal %q, current version %d (%v); want %s, d-1, 1",
			e.Reason, e.DealID, e.CurrentVersion, e.HasCurrentVersion, pactlog.ReasonVersionMismatch)
	}

	_, err = c.Append(ctx, "d-1", events(dealAnnounced()), pactlog.AppendOptions{})
	if !errors.As(err, &e) || e.Code != codes.FailedPrecondition {
		t.Fatalf("second announcement: %v, want FAILED_PRECONDITION", err)
	}
	if e.Reason != pactlog.ReasonRuleBroken || e.Rule != "deal-announced-once" || e.RuleDetail == "" {
		t.Errorf("FAILED_PRECONDITION data: reason %q, rule %q, detail %q; want %s, deal-announced-once and a detail",
			e.Reason, e.Rule, e.RuleDetail, pactlog.ReasonRuleBroken)
	}

	_, err = c.Append(ctx, "Bad Deal!", events(dealAnnounced()), pactlog.AppendOptions{})
	if !errors.As(err, &e) || e.Code != codes.InvalidArgument || len(e.FieldViolations) == 0 || e.FieldViolations[0].Field != "deal_id" {
		t.Errorf("bad deal id: %v with violations %v, want INVALID_ARGUMENT naming deal_id", err, e.FieldViolations)
	}
}
