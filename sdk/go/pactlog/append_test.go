package pactlog_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"pactlog.dev/sdk/go/pactlog"
	"pactlog.dev/sdk/go/pactlogpb"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestAppendRecordsEventsAndGivesThemIDs(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)

	evs := events(dealAnnounced(), projectAnnounced("ap1000", pactlogpb.Sector_SECTOR_ENERGY, "PA", 100_000_000_000))
	evs[1].EventId = "caller-chosen-id"
	resp, err := c.Append(ctx, "us-japan", evs, pactlog.AppendOptions{ExpectedVersion: pactlog.NoDeal()})
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if got, want := resp.Sequences, []uint64{1, 2}; !equalU64(got, want) {
		t.Errorf("sequences = %v, want %v", got, want)
	}
	if resp.DealVersion != 2 || resp.Deduplicated {
		t.Errorf("deal_version = %d, deduplicated = %v; want 2, false", resp.DealVersion, resp.Deduplicated)
	}
	if !uuidV4.MatchString(evs[0].EventId) {
		t.Errorf("generated event id %q is not a version-4 UUID", evs[0].EventId)
	}
	if evs[1].EventId != "caller-chosen-id" {
		t.Errorf("caller's event id replaced by %q", evs[1].EventId)
	}
	if got := resp.EventIds; len(got) != 2 || got[0] != evs[0].EventId || got[1] != evs[1].EventId {
		t.Errorf("response event ids %v, want the ids set on the events %q, %q", got, evs[0].EventId, evs[1].EventId)
	}

	// The ids are what makes a repeat harmless: the same slice again is
	// answered with the original result and records nothing.
	again, err := c.Append(ctx, "us-japan", evs, pactlog.AppendOptions{ExpectedVersion: pactlog.NoDeal()})
	if err != nil {
		t.Fatalf("Append again: %v", err)
	}
	if !again.Deduplicated || !equalU64(again.Sequences, resp.Sequences) {
		t.Errorf("repeat: deduplicated = %v, sequences %v; want true, %v", again.Deduplicated, again.Sequences, resp.Sequences)
	}
	page, err := c.Read(ctx, pactlog.ReadOptions{})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(page.Events) != 2 || page.Events[0].Actor != "sdk-go-test" {
		t.Errorf("log holds %d events (actor %q), want 2 recorded by the WithActor default", len(page.Events), page.Events[0].GetActor())
	}
}

// lostResponse is an interceptor that lets the first Append reach the server
// and then reports `code` instead of its answer, as when the connection
// drops or the deadline fires after the server committed.
type lostResponse struct {
	code codes.Code

	mu       sync.Mutex
	attempts []*pactlogpb.AppendRequest
	first    *pactlogpb.AppendResponse
}

func (l *lostResponse) intercept(ctx context.Context, method string, req, reply interface{}, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if method != "/pactlog.v1.DealLedger/Append" {
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	l.mu.Lock()
	l.attempts = append(l.attempts, proto.Clone(req.(*pactlogpb.AppendRequest)).(*pactlogpb.AppendRequest))
	n := len(l.attempts)
	l.mu.Unlock()
	err := invoker(ctx, method, req, reply, cc, opts...)
	if n == 1 && err == nil {
		l.first = proto.Clone(reply.(*pactlogpb.AppendResponse)).(*pactlogpb.AppendResponse)
		return status.Error(l.code, "injected: response lost after the server committed")
	}
	return err
}

func TestAppendRetryAfterLostResponseIsDeduplicated(t *testing.T) {
	for _, code := range []codes.Code{codes.Unavailable, codes.DeadlineExceeded} {
		t.Run(code.String(), func(t *testing.T) {
			srv := startServer(t)
			lost := &lostResponse{code: code}
			c := dial(t, srv.addr,
				pactlog.WithRetryPolicy(pactlog.RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond}),
				pactlog.WithDialOptions(grpc.WithUnaryInterceptor(lost.intercept)))
			ctx := testContext(t)

			// No ids: the client must choose them before the first attempt.
			// NoDeal would fail on a second recording; deduplication answers
			// first.
			evs := events(dealAnnounced(), tariffChanged("all-goods", 1500, sept2025))
			resp, err := c.Append(ctx, "us-japan", evs, pactlog.AppendOptions{ExpectedVersion: pactlog.NoDeal()})
			if err != nil {
				t.Fatalf("Append: %v", err)
			}
			if len(lost.attempts) != 2 {
				t.Fatalf("attempts = %d, want 2 (one lost, one retry)", len(lost.attempts))
			}
			if !proto.Equal(lost.attempts[0], lost.attempts[1]) {
				t.Errorf("the retry differs from the first attempt:\n%v\n%v", lost.attempts[0], lost.attempts[1])
			}
			for i, e := range lost.attempts[0].Events {
				if !uuidV4.MatchString(e.EventId) {
					t.Errorf("first attempt's event %d has id %q, want a UUID", i, e.EventId)
				}
			}
			if !resp.Deduplicated {
				t.Errorf("retry not deduplicated: %v", resp)
			}
			if !equalU64(resp.Sequences, lost.first.Sequences) || resp.DealVersion != lost.first.DealVersion {
				t.Errorf("retry answered %v / v%d, the lost answer was %v / v%d",
					resp.Sequences, resp.DealVersion, lost.first.Sequences, lost.first.DealVersion)
			}
			page, err := c.Read(ctx, pactlog.ReadOptions{})
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if page.HeadSequence != 2 || len(page.Events) != 2 {
				t.Errorf("log holds %d events (head %d), want each recorded once: 2", len(page.Events), page.HeadSequence)
			}
		})
	}
}

func TestAppendRetriesAreBounded(t *testing.T) {
	srv := startServer(t)
	var attempts int
	refuse := func(ctx context.Context, method string, req, reply interface{}, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		attempts++
		return status.Error(codes.Unavailable, "injected: server unreachable")
	}
	c := dial(t, srv.addr,
		pactlog.WithRetryPolicy(pactlog.RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}),
		pactlog.WithDialOptions(grpc.WithUnaryInterceptor(refuse)))

	_, err := c.Append(testContext(t), "us-japan", events(dealAnnounced()), pactlog.AppendOptions{})
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("Append error %v, want UNAVAILABLE", err)
	}
	var e *pactlog.Error
	if !errors.As(err, &e) || e.Attempts != 3 || attempts != 3 {
		t.Errorf("attempts: error says %v, interceptor saw %d; want 3", e, attempts)
	}
}

func TestAppendDoesNotRetryRejections(t *testing.T) {
	srv := startServer(t)
	var attempts int
	count := func(ctx context.Context, method string, req, reply interface{}, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		attempts++
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	c := dial(t, srv.addr, pactlog.WithDialOptions(grpc.WithUnaryInterceptor(count)))
	// An approval in a deal nobody announced breaks the life order.
	_, err := c.Append(testContext(t), "us-japan", events(approved("ap1000", 1)), pactlog.AppendOptions{})
	if code := status.Code(err); code == codes.OK || code == codes.Unavailable {
		t.Fatalf("Append to an unannounced deal: %v, want a rejection", err)
	}
	if attempts != 1 {
		t.Errorf("a rejection was sent %d times, want 1", attempts)
	}
}

func TestAppendWithStaleExpectedVersionIsAborted(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)
	if _, err := c.Append(ctx, "us-japan", events(dealAnnounced()), pactlog.AppendOptions{ExpectedVersion: pactlog.NoDeal()}); err != nil {
		t.Fatalf("Append: %v", err)
	}

	for name, ev := range map[string]pactlog.ExpectedVersion{
		"NoDeal":        pactlog.NoDeal(),
		"ExactVersion0": pactlog.ExactVersion(0),
		"ExactVersion2": pactlog.ExactVersion(2),
	} {
		_, err := c.Append(ctx, "us-japan", events(tariffChanged("all-goods", 1500, sept2025)), pactlog.AppendOptions{ExpectedVersion: ev})
		if status.Code(err) != codes.Aborted {
			t.Errorf("%s on a deal at version 1: %v, want ABORTED", name, err)
			continue
		}
		var e *pactlog.Error
		if !errors.As(err, &e) || e.Code != codes.Aborted || !strings.Contains(e.Message, "1") {
			t.Errorf("%s: errors.As gives %#v, want an *Error naming the current version 1", name, e)
		}
	}

	resp, err := c.Append(ctx, "us-japan", events(tariffChanged("all-goods", 1500, sept2025)), pactlog.AppendOptions{ExpectedVersion: pactlog.ExactVersion(1)})
	if err != nil || resp.DealVersion != 2 {
		t.Fatalf("Append at the right version: %v, %v; want version 2", resp, err)
	}
}

func TestAppendBadInputIsInvalidArgumentNamingTheField(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)

	bad := dealAnnounced()
	bad.GetAnnouncement().GetDeal().CommitmentCeiling = pactlog.NewMoney("usd", 0)
	_, err := c.Append(ctx, "US Japan!", events(bad), pactlog.AppendOptions{})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("Append: %v, want INVALID_ARGUMENT", err)
	}
	msg := status.Convert(err).Message()
	for _, field := range []string{"deal_id", "events[0].announcement.deal.commitment_ceiling.currency_code", "minor_units"} {
		if !strings.Contains(msg, field) {
			t.Errorf("message %q does not name %s", msg, field)
		}
	}

	// Found by the client before sending.
	_, err = c.Append(ctx, "us-japan", events(dealAnnounced(), nil), pactlog.AppendOptions{})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "events[1]") {
		t.Errorf("nil event: %v, want INVALID_ARGUMENT naming events[1]", err)
	}
	// An actor over 128 bytes, named the Go way, before anything is sent.
	long := strings.Repeat("a", 129)
	_, err = c.Append(ctx, "us-japan", events(dealAnnounced()), pactlog.AppendOptions{Actor: long})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "AppendOptions.Actor") || !strings.Contains(err.Error(), "129 bytes") {
		t.Errorf("129-byte actor: %v, want INVALID_ARGUMENT naming AppendOptions.Actor and 129 bytes", err)
	}
	var e *pactlog.Error
	if errors.As(err, &e) && e.Attempts != 0 {
		t.Errorf("a request refused before sending has %d attempts, want 0", e.Attempts)
	}
}

func equalU64(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
