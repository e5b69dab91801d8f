package pactlog

// The rules of sdk/BEHAVIOUR.md that need a server doing exactly the wrong
// thing at the right moment: a fake ledger and a fake event stream script
// the answers, and the client's waits are recorded instead of slept.

import (
	"context"
	"errors"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"pactlog.dev/sdk/go/pactlogpb"
)

// waits records the client's pauses instead of sleeping.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return ctx.Err()
}

func (w *waits) all() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

// checkDoubling checks that the i-th wait was drawn from [want/2, want]
// with want = initial doubling up to max.
func checkDoubling(t *testing.T, got []time.Duration, initial, max time.Duration) {
	t.Helper()
	want := initial
	for i, d := range got {
		if d < want/2 || d > want {
			t.Errorf("wait %d: %v, want within [%v, %v] (all: %v)", i+1, d, want/2, want, got)
		}
		if want *= 2; want > max {
			want = max
		}
	}
}

// fakeLedger answers Append from a script of errors, then OK.
type fakeLedger struct {
	pactlogpb.DealLedgerClient
	errs []error // one per attempt; nil or past the end: success
	reqs []*pactlogpb.AppendRequest
}

func (f *fakeLedger) Append(_ context.Context, req *pactlogpb.AppendRequest, _ ...grpc.CallOption) (*pactlogpb.AppendResponse, error) {
	f.reqs = append(f.reqs, proto.Clone(req).(*pactlogpb.AppendRequest))
	if n := len(f.reqs) - 1; n < len(f.errs) && f.errs[n] != nil {
		return nil, f.errs[n]
	}
	return &pactlogpb.AppendResponse{Sequences: []uint64{1}, DealVersion: 1,
		Durability: pactlogpb.Durability_DURABILITY_SYNCED_LOCAL}, nil
}

func fakeClient(ledger pactlogpb.DealLedgerClient, stream pactlogpb.EventStreamClient, w *waits) *Client {
	return &Client{ledger: ledger, stream: stream, sleep: w.sleep,
		cfg: config{timeout: DefaultTimeout, retry: DefaultRetryPolicy, actor: "fake"}}
}

func announcement() []*pactlogpb.EventData {
	return []*pactlogpb.EventData{DealAnnounced(&pactlogpb.DealAnnouncement{Title: "t"}, Reported("s"))}
}

func TestDefaultRetryPolicyIsFiveAttemptsFrom100msTo2s(t *testing.T) {
	want := RetryPolicy{MaxAttempts: 5, InitialBackoff: 100 * time.Millisecond, MaxBackoff: 2 * time.Second}
	if DefaultRetryPolicy != want {
		t.Errorf("DefaultRetryPolicy = %+v, want %+v", DefaultRetryPolicy, want)
	}
}

func TestAppendRetriesUnavailableAndDeadlineWithTheSameRequest(t *testing.T) {
	w := &waits{}
	ledger := &fakeLedger{errs: []error{
		status.Error(codes.Unavailable, "server is starting"),
		status.Error(codes.DeadlineExceeded, "attempt deadline"),
	}}
	c := fakeClient(ledger, nil, w)
	evs := announcement()
	resp, err := c.Append(context.Background(), "us-japan", evs, AppendOptions{})
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if resp.Attempts != 3 || len(ledger.reqs) != 3 {
		t.Fatalf("attempts %d, requests sent %d; want 3 and 3", resp.Attempts, len(ledger.reqs))
	}
	if evs[0].EventId == "" {
		t.Fatal("the event got no id before the first attempt")
	}
	for i, req := range ledger.reqs {
		if !proto.Equal(req, ledger.reqs[0]) || req.Events[0].EventId != evs[0].EventId {
			t.Errorf("attempt %d sent another request than the first (event id %q, want %q)", i+1, req.Events[0].EventId, evs[0].EventId)
		}
	}
	got := w.all()
	if len(got) != 2 {
		t.Fatalf("waits %v, want 2", got)
	}
	checkDoubling(t, got, 100*time.Millisecond, 2*time.Second)
}

func TestAppendGivesUpAfterFiveAttempts(t *testing.T) {
	w := &waits{}
	var errs []error
	for i := 0; i < 10; i++ {
		errs = append(errs, status.Error(codes.Unavailable, "connection refused"))
	}
	ledger := &fakeLedger{errs: errs}
	_, err := fakeClient(ledger, nil, w).Append(context.Background(), "us-japan", announcement(), AppendOptions{})
	var e *Error
	if !errors.As(err, &e) || e.Code != codes.Unavailable || e.Attempts != 5 || len(ledger.reqs) != 5 {
		t.Fatalf("Append: %v (attempts %v, sent %d), want UNAVAILABLE after 5 attempts", err, e, len(ledger.reqs))
	}
	if !strings.Contains(e.Error(), "after 5 attempts") {
		t.Errorf("error text %q does not say after 5 attempts", e.Error())
	}
	got := w.all()
	if len(got) != 4 {
		t.Fatalf("waits %v, want 4 between 5 attempts", got)
	}
	checkDoubling(t, got, 100*time.Millisecond, 2*time.Second)
	// From the sixth wait on (other policies' attempts) it stays at 2 s.
	for n := 6; n < 9; n++ {
		if d := backoffDelay(DefaultRetryPolicy, n); d < time.Second || d > 2*time.Second {
			t.Errorf("wait after attempt %d: %v, want within [1s, 2s]", n, d)
		}
	}
}

func TestAppendReturnsOtherCodesAtOnce(t *testing.T) {
	for _, code := range []codes.Code{codes.InvalidArgument, codes.Aborted, codes.FailedPrecondition,
		codes.NotFound, codes.AlreadyExists, codes.ResourceExhausted, codes.Unauthenticated, codes.Internal} {
		w := &waits{}
		ledger := &fakeLedger{errs: []error{status.Error(code, "no")}}
		_, err := fakeClient(ledger, nil, w).Append(context.Background(), "us-japan", announcement(), AppendOptions{})
		var e *Error
		if !errors.As(err, &e) || e.Code != code || e.Attempts != 1 || len(ledger.reqs) != 1 || len(w.all()) != 0 {
			t.Errorf("%v: %v after %d requests and waits %v; want it returned after 1 attempt", code, err, len(ledger.reqs), w.all())
		}
	}
}

func TestChannelReconnectBackoffIsCappedAtOneSecond(t *testing.T) {
	p := connectParams()
	if MaxReconnectBackoff != time.Second || p.Backoff.MaxDelay != MaxReconnectBackoff {
		t.Errorf("reconnect MaxDelay %v (MaxReconnectBackoff %v), want 1s", p.Backoff.MaxDelay, MaxReconnectBackoff)
	}
	if p.Backoff.BaseDelay <= 0 || p.Backoff.BaseDelay > p.Backoff.MaxDelay || p.Backoff.Multiplier < 1 ||
		p.Backoff.Jitter < 0 || p.Backoff.Jitter > 0.5 {
		t.Errorf("reconnect backoff %+v: want 0 < BaseDelay <= MaxDelay, Multiplier >= 1, Jitter in [0, 0.5]", p.Backoff)
	}
	if p.MinConnectTimeout < time.Second || p.MinConnectTimeout > 20*time.Second {
		t.Errorf("MinConnectTimeout %v, want 1s..20s", p.MinConnectTimeout)
	}
}

// v1Message is a message of the protobuf API v1, what Debian's errdetails
// are generated for and what status.WithDetails takes.
type v1Message interface {
	Reset()
	String() string
	ProtoMessage()
}

// statusWith is a status error with details, as a server sends it.
func statusWith(t *testing.T, code codes.Code, msg string, details ...v1Message) error {
	t.Helper()
	s := status.New(code, msg)
	for _, d := range details {
		var err error
		if s, err = s.WithDetails(d); err != nil {
			t.Fatal(err)
		}
	}
	return s.Err()
}

func TestErrorCarriesTheErrorInfoAsData(t *testing.T) {
	aborted := statusWith(t, codes.Aborted, "deal us-japan is at version 3, not 0", &errdetails.ErrorInfo{
		Reason: "EXPECTED_VERSION_MISMATCH", Domain: "pactlog.dev",
		Metadata: map[string]string{"deal_id": "us-japan", "current_version": "3"}})
	e := toError(aborted, 1).(*Error)
	if e.Code != codes.Aborted || e.Reason != ReasonVersionMismatch || e.DealID != "us-japan" ||
		e.CurrentVersion != 3 || !e.HasCurrentVersion || e.Attempts != 1 || e.Message != "deal us-japan is at version 3, not 0" {
		t.Errorf("ABORTED became %+v", e)
	}

	rule := statusWith(t, codes.FailedPrecondition, "rule approval-within-pledge", &errdetails.ErrorInfo{
		Reason: "RULE_BROKEN",
		Metadata: map[string]string{"rule": "approval-within-pledge", "detail": "approved 5 over pledged 4",
			"approved_minor_units": "500", "pledged_minor_units": "400"}})
	e = toError(rule, 2).(*Error)
	if e.Code != codes.FailedPrecondition || e.Rule != "approval-within-pledge" || e.RuleDetail != "approved 5 over pledged 4" ||
		e.Metadata["approved_minor_units"] != "500" || e.Metadata["pledged_minor_units"] != "400" || e.HasCurrentVersion || e.Attempts != 2 {
		t.Errorf("FAILED_PRECONDITION became %+v", e)
	}

	// Field violations and an ErrorInfo together; the details stay
	// reachable through status.Convert.
	invalid := statusWith(t, codes.InvalidArgument, "invalid request",
		&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
			{Field: "deal_id", Description: `must be a slug, got "Bad Deal!"`}}},
		&errdetails.ErrorInfo{Reason: "INVALID_REQUEST"})
	e = toError(invalid, 1).(*Error)
	if !reflect.DeepEqual(e.FieldViolations, []FieldViolation{{Field: "deal_id", Description: `must be a slug, got "Bad Deal!"`}}) ||
		e.Reason != "INVALID_REQUEST" || e.Rule != "" || len(status.Convert(e).Details()) != 2 {
		t.Errorf("INVALID_ARGUMENT became %+v", e)
	}

	// Without details: no data, and a current_version that is not a number
	// is not one.
	e = toError(status.Error(codes.Aborted, "stale"), 1).(*Error)
	if e.Reason != "" || e.Metadata != nil || e.HasCurrentVersion {
		t.Errorf("a bare ABORTED became %+v", e)
	}
	e = toError(statusWith(t, codes.Aborted, "stale", &errdetails.ErrorInfo{Reason: "EXPECTED_VERSION_MISMATCH",
		Metadata: map[string]string{"current_version": "three"}}), 1).(*Error)
	if e.HasCurrentVersion || e.Metadata["current_version"] != "three" {
		t.Errorf("a non-numeric current_version became %+v", e)
	}
}

// fakeStreams answers each Subscribe with the next scripted stream.
type fakeStreams struct {
	pactlogpb.EventStreamClient
	script []fakeStream
	reqs   []*pactlogpb.SubscribeRequest
}

// fakeStream is one stream: an error from opening it, or messages then an
// error (nil: the stream stays open, as a live one with nothing to send).
type fakeStream struct {
	openErr error
	msgs    []*pactlogpb.SubscribeResponse
	end     error
}

func (f *fakeStreams) Subscribe(ctx context.Context, req *pactlogpb.SubscribeRequest, _ ...grpc.CallOption) (pactlogpb.EventStream_SubscribeClient, error) {
	f.reqs = append(f.reqs, proto.Clone(req).(*pactlogpb.SubscribeRequest))
	n := len(f.reqs) - 1
	if n >= len(f.script) {
		return nil, status.Error(codes.Internal, "fake: no more streams scripted")
	}
	s := f.script[n]
	if s.openErr != nil {
		return nil, s.openErr
	}
	return &fakeSubscribeClient{ctx: ctx, msgs: s.msgs, end: s.end}, nil
}

type fakeSubscribeClient struct {
	grpc.ClientStream
	ctx  context.Context
	msgs []*pactlogpb.SubscribeResponse
	end  error
}

func (f *fakeSubscribeClient) Recv() (*pactlogpb.SubscribeResponse, error) {
	if len(f.msgs) > 0 {
		m := f.msgs[0]
		f.msgs = f.msgs[1:]
		return m, nil
	}
	if f.end != nil {
		return nil, f.end
	}
	<-f.ctx.Done()
	return nil, status.FromContextError(f.ctx.Err()).Err()
}

func batch(seqs ...uint64) *pactlogpb.SubscribeResponse {
	var evs []*pactlogpb.Event
	for _, s := range seqs {
		evs = append(evs, &pactlogpb.Event{Sequence: s, DealId: "us-japan"})
	}
	return &pactlogpb.SubscribeResponse{Message: &pactlogpb.SubscribeResponse_Events{Events: &pactlogpb.EventBatch{
		Events: evs, LastExaminedSequence: seqs[len(seqs)-1]}}}
}

func caughtUp(seq uint64) *pactlogpb.SubscribeResponse {
	return &pactlogpb.SubscribeResponse{Message: &pactlogpb.SubscribeResponse_CaughtUp{CaughtUp: &pactlogpb.CaughtUp{Sequence: seq}}}
}

func progress(seq uint64) *pactlogpb.SubscribeResponse {
	return &pactlogpb.SubscribeResponse{Message: &pactlogpb.SubscribeResponse_Progress{Progress: &pactlogpb.Progress{
		LastExaminedSequence: seq, HeadSequence: seq}}}
}

func startOf(req *pactlogpb.SubscribeRequest) (uint64, bool) {
	if s, ok := req.Start.(*pactlogpb.SubscribeRequest_AfterSequence); ok {
		return s.AfterSequence, true
	}
	return 0, false
}

func TestCaughtUpIsTrueWhenTheLastHistoryEventIsHandedOver(t *testing.T) {
	streams := &fakeStreams{script: []fakeStream{{msgs: []*pactlogpb.SubscribeResponse{
		batch(1, 2), progress(4), batch(5), caughtUp(6)}}}}
	sub, err := fakeClient(nil, streams, &waits{}).Subscribe(context.Background(), SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var seen []uint64
	var flags []bool
	for !sub.CaughtUp() {
		e, err := sub.Next()
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		seen = append(seen, e.Sequence)
		flags = append(flags, sub.CaughtUp())
	}
	if !reflect.DeepEqual(seen, []uint64{1, 2, 5}) || !reflect.DeepEqual(flags, []bool{false, false, true}) {
		t.Errorf("events %v with CaughtUp after each %v; want [1 2 5], true only after 5", seen, flags)
	}
	if sub.CaughtUpSequence() != 6 || sub.Position() != 6 {
		t.Errorf("caught up at %d, position %d; want 6, 6", sub.CaughtUpSequence(), sub.Position())
	}
	// Then it waits for live events, until closed.
	sub.Close()
	if _, err := sub.Next(); status.Code(err) != codes.Canceled {
		t.Errorf("Next after Close: %v, want CANCELED", err)
	}
}

func TestCaughtUpOnAnEmptyHistoryNeedsNoNext(t *testing.T) {
	streams := &fakeStreams{script: []fakeStream{{msgs: []*pactlogpb.SubscribeResponse{caughtUp(0)}}}}
	sub, err := fakeClient(nil, streams, &waits{}).Subscribe(context.Background(), SubscribeOptions{FromEnd: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if !sub.CaughtUp() || sub.CaughtUpSequence() != 0 {
		t.Errorf("CaughtUp() %v at %d on an empty history, want true at 0", sub.CaughtUp(), sub.CaughtUpSequence())
	}
}

func TestSubscriptionNeverGivesUpOnUnavailable(t *testing.T) {
	unavailable := status.Error(codes.Unavailable, "connection refused")
	script := []fakeStream{{msgs: []*pactlogpb.SubscribeResponse{batch(1, 2)}, end: unavailable}}
	for i := 0; i < 12; i++ { // the server stays away
		script = append(script, fakeStream{openErr: unavailable})
	}
	script = append(script,
		// It is back, sends a duplicate and a new event, then times out.
		fakeStream{msgs: []*pactlogpb.SubscribeResponse{batch(2, 3)}, end: status.Error(codes.DeadlineExceeded, "server deadline")},
		// Killed in the middle of a message: grpc-go 1.33 says INTERNAL.
		fakeStream{end: status.Error(codes.Internal, "unexpected EOF")},
		fakeStream{openErr: unavailable},
		fakeStream{msgs: []*pactlogpb.SubscribeResponse{batch(4), caughtUp(4)}, end: status.Error(codes.PermissionDenied, "revoked")})
	streams := &fakeStreams{script: script}
	w := &waits{}
	sub, err := fakeClient(nil, streams, w).Subscribe(context.Background(), SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	var seen []uint64
	for {
		e, err := sub.Next()
		if err != nil {
			if status.Code(err) != codes.PermissionDenied {
				t.Fatalf("Next: %v, want it to end only on PERMISSION_DENIED", err)
			}
			break
		}
		seen = append(seen, e.Sequence)
	}
	if !reflect.DeepEqual(seen, []uint64{1, 2, 3, 4}) {
		t.Errorf("events %v, want 1..4 once each", seen)
	}
	if len(streams.reqs) != len(script) {
		t.Fatalf("%d streams opened, want %d", len(streams.reqs), len(script))
	}
	if _, ok := startOf(streams.reqs[0]); ok {
		t.Errorf("first request starts after a sequence: %v", streams.reqs[0])
	}
	for i, req := range streams.reqs[1:] {
		want := uint64(2)
		if i >= 13 {
			want = 3
		}
		if after, ok := startOf(req); !ok || after != want {
			t.Errorf("re-open %d: %v, want after_sequence %d", i+1, req, want)
		}
	}
	// 13 failures in a row (the stream, then 12 opens): 100 ms doubling to
	// 1 s; then the resumed stream delivered, so after its failure the wait
	// starts from 100 ms again, and doubles over the next two failures (a
	// stream cut off before it delivered, an open).
	got := w.all()
	if len(got) != 16 {
		t.Fatalf("waits %v, want 16", got)
	}
	checkDoubling(t, got[:13], SubscribeInitialBackoff, SubscribeMaxBackoff)
	checkDoubling(t, got[13:], SubscribeInitialBackoff, SubscribeMaxBackoff)
	if SubscribeInitialBackoff != 100*time.Millisecond || SubscribeMaxBackoff != time.Second {
		t.Errorf("subscription backoff %v..%v, want 100ms..1s", SubscribeInitialBackoff, SubscribeMaxBackoff)
	}
	if sub.Resumes() != 2 {
		t.Errorf("Resumes() = %d, want 2", sub.Resumes())
	}
	// Ended: every later call says the same, and nothing more is opened.
	if _, err := sub.Next(); status.Code(err) != codes.PermissionDenied || len(streams.reqs) != len(script) {
		t.Errorf("Next after the end: %v with %d streams opened", err, len(streams.reqs))
	}
}

func TestSubscriptionEndsOnOtherCodes(t *testing.T) {
	for _, end := range []error{
		status.Error(codes.Internal, "the server broke"),
		status.Error(codes.OutOfRange, "after_sequence 9 is beyond the log"),
		status.Error(codes.ResourceExhausted, "too many subscribers"),
		status.Error(codes.Unauthenticated, "no token"),
	} {
		streams := &fakeStreams{script: []fakeStream{{msgs: []*pactlogpb.SubscribeResponse{batch(1)}, end: end}}}
		w := &waits{}
		sub, err := fakeClient(nil, streams, w).Subscribe(context.Background(), SubscribeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if e, err := sub.Next(); err != nil || e.Sequence != 1 {
			t.Fatalf("Next: %v, %v", e, err)
		}
		if _, err := sub.Next(); status.Code(err) != status.Code(end) || len(w.all()) != 0 || len(streams.reqs) != 1 {
			t.Errorf("stream ended with %v: Next gave %v after waits %v and %d opens; want it at once", end, err, w.all(), len(streams.reqs))
		}
	}
}

func TestSubscriptionEndsOnTheCallersDeadline(t *testing.T) {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	expired := status.Error(codes.DeadlineExceeded, "context deadline exceeded")
	streams := &fakeStreams{script: []fakeStream{{openErr: expired}, {openErr: expired}}}
	w := &waits{}
	sub, err := fakeClient(nil, streams, w).Subscribe(ctx, SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Next(); status.Code(err) != codes.DeadlineExceeded || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next past the caller's deadline: %v, want DEADLINE_EXCEEDED", err)
	}
	if len(w.all()) != 0 {
		t.Errorf("waits %v after the caller's deadline, want none", w.all())
	}
}

func TestBadSubscribeAndListingOptionsAreNamedTheGoWay(t *testing.T) {
	c := fakeClient(nil, &fakeStreams{}, &waits{})
	ctx := context.Background()
	for name, opts := range map[string]SubscribeOptions{
		"SubscribeOptions.Heartbeat":           {Heartbeat: 10 * time.Millisecond},
		"SubscribeOptions.MaxEventsPerMessage": {MaxEventsPerMessage: 5000},
		"SubscribeOptions.MaxReconnects":       {MaxReconnects: -1},
		"AfterSequence, FromEnd":               {AfterSequence: 3, FromEnd: true},
	} {
		if _, err := c.Subscribe(ctx, opts); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), name) {
			t.Errorf("%+v: %v, want INVALID_ARGUMENT naming %s", opts, err, name)
		}
	}
	if _, err := c.Read(ctx, ReadOptions{Limit: -1}); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "ReadOptions.Limit") || !strings.Contains(err.Error(), "-1") {
		t.Errorf("Read limit -1: %v, want INVALID_ARGUMENT naming ReadOptions.Limit and -1", err)
	}
	if _, err := c.ListDeals(ctx, Page{Size: 1001}); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "Page.Size") || !strings.Contains(err.Error(), "1001") {
		t.Errorf("ListDeals size 1001: %v, want INVALID_ARGUMENT naming Page.Size and 1001", err)
	}
	deals := c.ListAllDeals(ctx, -5)
	if deals.Next() || status.Code(deals.Err()) != codes.InvalidArgument || !strings.Contains(deals.Err().Error(), "ListAllDeals: pageSize") {
		t.Errorf("ListAllDeals(-5): %v, want INVALID_ARGUMENT naming ListAllDeals: pageSize", deals.Err())
	}
}

func TestListingFetchesThePageWhenTheCallerGetsThere(t *testing.T) {
	pages := map[string][]int{"": {1, 2}, "p2": {3}, "p3": {}, "p4": {4}}
	next := map[string]string{"": "p2", "p2": "p3", "p3": "p4", "p4": ""}
	var asked []string
	l := newListing(context.Background(), nil, func(_ context.Context, token string) ([]int, string, error) {
		asked = append(asked, token)
		return pages[token], next[token], nil
	})
	var got []int
	var fetchedBefore []int
	for l.Next() {
		fetchedBefore = append(fetchedBefore, len(asked))
		got = append(got, l.Value())
	}
	if l.Err() != nil || !reflect.DeepEqual(got, []int{1, 2, 3, 4}) {
		t.Fatalf("items %v, err %v; want 1..4", got, l.Err())
	}
	// Item 1 and 2 from the first page, 3 needs the second, 4 the third
	// (empty) and the fourth.
	if !reflect.DeepEqual(fetchedBefore, []int{1, 1, 2, 4}) || !reflect.DeepEqual(asked, []string{"", "p2", "p3", "p4"}) || l.Pages() != 4 {
		t.Errorf("pages fetched before each item %v, tokens %q; want [1 1 2 4], [\"\" p2 p3 p4]", fetchedBefore, asked)
	}
	if l.Next() || len(asked) != 4 {
		t.Errorf("Next after the end fetched again: %q", asked)
	}

	boom := status.Error(codes.Unavailable, "gone")
	l = newListing(context.Background(), nil, func(_ context.Context, token string) ([]int, string, error) {
		if token == "" {
			return []int{1}, "p2", nil
		}
		return nil, "", toError(boom, 5)
	})
	if !l.Next() || l.Value() != 1 || l.Next() || status.Code(l.Err()) != codes.Unavailable {
		t.Errorf("a failing second page: err %v, want UNAVAILABLE after the first item", l.Err())
	}
}

// A subscription waiting to re-open its stream does so as soon as the
// connection is ready again, not after the rest of its backoff: with a wait
// of ten minutes it still resumes within the test's bound.
func TestSubscriptionPauseEndsWhenTheConnectionIsReady(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	serve := func(lis net.Listener) *grpc.Server {
		srv := grpc.NewServer()
		healthpb.RegisterHealthServer(srv, health.NewServer())
		go func() { _ = srv.Serve(lis) }()
		return srv
	}
	srv := serve(lis)
	conn, err := grpc.DialContext(ctx, addr, grpc.WithInsecure(), grpc.WithBlock(), grpc.WithConnectParams(connectParams()))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()

	// The server goes away; wait until the channel knows.
	srv.Stop()
	for state := conn.GetState(); state == connectivity.Ready; state = conn.GetState() {
		if !conn.WaitForStateChange(ctx, state) {
			t.Fatal("the channel stayed READY after the server stopped")
		}
	}
	sub := &Subscription{c: &Client{conn: conn, sleep: sleep}}
	paused := make(chan error, 1)
	// The state is read here, before the server is back: read in the
	// goroutine it could already be READY again, and a pause that starts
	// on a ready channel rightly waits its whole time.
	down := conn.GetState()
	go func() { paused <- sub.pauseFrom(ctx, 10*time.Minute, down) }()

	lis, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listening on %s again: %v", addr, err)
	}
	srv = serve(lis)
	defer srv.Stop()
	select {
	case err := <-paused:
		if err != nil {
			t.Errorf("pause: %v, want nil (the connection became ready)", err)
		}
	case <-ctx.Done():
		t.Fatal("the pause did not end when the connection became ready")
	}
	if conn.GetState() != connectivity.Ready {
		t.Errorf("channel %v after the pause, want READY", conn.GetState())
	}
}
