package pactlog_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pactlog.dev/sdk/go/pactlog"
	"pactlog.dev/sdk/go/pactlogpb"
)

// appendTariffChanges records n tariff changes on an announced deal, one
// per Append, with rates that differ from one another.
func appendTariffChanges(ctx context.Context, t *testing.T, c *pactlog.Client, deal string, n int) []uint64 {
	t.Helper()
	var seqs []uint64
	for i := 0; i < n; i++ {
		resp, err := c.Append(ctx, deal, events(tariffChanged("autos", int32(1000+i), sept2025.Add(time.Duration(i)*time.Hour))), pactlog.AppendOptions{})
		if err != nil {
			t.Fatalf("Append tariff change %d: %v", i, err)
		}
		seqs = append(seqs, resp.Sequences...)
	}
	return seqs
}

func announce(ctx context.Context, t *testing.T, c *pactlog.Client, deal string) uint64 {
	t.Helper()
	resp, err := c.Append(ctx, deal, events(dealAnnounced()), pactlog.AppendOptions{ExpectedVersion: pactlog.NoDeal()})
	if err != nil {
		t.Fatalf("announcing %s: %v", deal, err)
	}
	return resp.Sequences[0]
}

func TestReadPagesThroughTheLog(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)
	announce(ctx, t, c, "us-japan")
	announce(ctx, t, c, "us-korea")
	appendTariffChanges(ctx, t, c, "us-japan", 23) // log: 25 events

	var seqs []uint64
	after := uint64(0)
	pages := 0
	for {
		page, err := c.Read(ctx, pactlog.ReadOptions{AfterSequence: after, Limit: 10})
		if err != nil {
			t.Fatalf("Read after %d: %v", after, err)
		}
		pages++
		for _, e := range page.Events {
			seqs = append(seqs, e.Sequence)
		}
		if page.HeadSequence != 25 {
			t.Errorf("head %d, want 25", page.HeadSequence)
		}
		after = page.LastExaminedSequence
		if after == page.HeadSequence || pages > 10 {
			break
		}
	}
	if pages != 3 || len(seqs) != 25 {
		t.Fatalf("%d pages, %d events; want 3 pages (10+10+5), 25 events", pages, len(seqs))
	}
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("sequences %v are not 1..25", seqs)
		}
	}

	// A narrow filter skips what does not match, and says how far it looked.
	page, err := c.Read(ctx, pactlog.ReadOptions{Filter: pactlog.Filter{
		DealIDs: []string{"us-korea"}, Kinds: []pactlogpb.EventKind{pactlogpb.EventKind_EVENT_KIND_ANNOUNCEMENT}}})
	if err != nil {
		t.Fatalf("filtered Read: %v", err)
	}
	if len(page.Events) != 1 || page.Events[0].DealId != "us-korea" || page.Events[0].Sequence != 2 || page.LastExaminedSequence != 25 {
		t.Errorf("filtered page: %v (last examined %d); want the us-korea announcement #2, examined to 25", page.Events, page.LastExaminedSequence)
	}
	if _, err := c.Read(ctx, pactlog.ReadOptions{Limit: 5000}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("limit 5000: %v, want INVALID_ARGUMENT", err)
	}
}

func TestSubscribeCatchesUpThenFollowsLive(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)
	announce(ctx, t, c, "us-japan")
	appendTariffChanges(ctx, t, c, "us-japan", 6) // history: 1..7

	sub, err := c.Subscribe(ctx, pactlog.SubscribeOptions{MaxEventsPerMessage: 3})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	defer sub.Close()

	var history []uint64
	for !sub.CaughtUp() {
		m, err := sub.Recv()
		if err != nil {
			t.Fatalf("Recv: %v", err)
		}
		if len(m.Events) > 3 {
			t.Errorf("a message held %d events, more than MaxEventsPerMessage 3", len(m.Events))
		}
		for _, e := range m.Events {
			history = append(history, e.Sequence)
		}
		if m.CaughtUp && m.Position != 7 {
			t.Errorf("caught up at %d, want 7", m.Position)
		}
	}
	if want := seqRange(1, 7); !equalU64(history, want) {
		t.Fatalf("history %v, want %v", history, want)
	}

	// Live: events committed from now on arrive as they are committed.
	live := appendTariffChanges(ctx, t, c, "us-japan", 3)
	for _, want := range live {
		e, err := sub.Next()
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if e.Sequence != want || e.DealId != "us-japan" || e.Data.GetTariffChange() == nil {
			t.Fatalf("live event #%d %v, want tariff change #%d", e.Sequence, e.Data, want)
		}
	}
	if sub.Position() != 10 {
		t.Errorf("position %d, want 10", sub.Position())
	}

	// Close, from another goroutine, ends a Next that waits (or is about to).
	go sub.Close()
	if _, err := sub.Next(); status.Code(err) != codes.Canceled || !errors.Is(err, context.Canceled) {
		t.Errorf("Next after Close: %v, want CANCELED", err)
	}
}

func TestSubscribeWithFilterReportsProgress(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)
	announce(ctx, t, c, "us-japan")
	appendTariffChanges(ctx, t, c, "us-japan", 9) // 1..10, nothing for us-korea

	sub, err := c.Subscribe(ctx, pactlog.SubscribeOptions{
		Filter:    pactlog.Filter{DealIDs: []string{"us-korea"}},
		Heartbeat: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	defer sub.Close()
	m, err := sub.Recv()
	for err == nil && !m.CaughtUp {
		if len(m.Events) > 0 {
			t.Fatalf("events that do not match the filter: %v", m.Events)
		}
		m, err = sub.Recv()
	}
	if err != nil {
		t.Fatalf("Recv: %v", err)
	}
	if m.Position != 10 || sub.Position() != 10 {
		t.Errorf("caught up at %d (Position %d), want 10", m.Position, sub.Position())
	}
	// Idle: heartbeats carry the head.
	m, err = sub.Recv()
	if err != nil || len(m.Events) != 0 || m.HeadSequence != 10 {
		t.Errorf("idle message %+v, %v; want progress with head 10", m, err)
	}
	// A matching event arrives; an unmatched one only moves the position.
	appendTariffChanges(ctx, t, c, "us-japan", 1) // #11
	korea := announce(ctx, t, c, "us-korea")      // #12
	e, err := sub.Next()
	if err != nil || e.Sequence != korea || e.DealId != "us-korea" {
		t.Fatalf("Next: %v, %v; want the us-korea announcement #%d", e, err, korea)
	}
}

func TestSubscribeRejections(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)
	announce(ctx, t, c, "us-japan")

	sub, err := c.Subscribe(ctx, pactlog.SubscribeOptions{AfterSequence: 100})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	defer sub.Close()
	if _, err := sub.Next(); status.Code(err) != codes.OutOfRange {
		t.Errorf("after_sequence beyond the log: %v, want OUT_OF_RANGE", err)
	}
	if _, err := c.Subscribe(ctx, pactlog.SubscribeOptions{AfterSequence: 1, FromEnd: true}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("two start positions: %v, want INVALID_ARGUMENT", err)
	}
}

func TestSubscribeFromEndSeesOnlyNewEvents(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)
	announce(ctx, t, c, "us-japan")

	sub, err := c.Subscribe(ctx, pactlog.SubscribeOptions{FromEnd: true})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	defer sub.Close()
	for !sub.CaughtUp() {
		if _, err := sub.Recv(); err != nil {
			t.Fatalf("Recv: %v", err)
		}
	}
	seqs := appendTariffChanges(ctx, t, c, "us-japan", 1)
	if e, err := sub.Next(); err != nil || e.Sequence != seqs[0] {
		t.Fatalf("Next: %v, %v; want #%d", e, err, seqs[0])
	}
}

// appendTariffBatches records n tariff changes in batches of up to 500.
func appendTariffBatches(ctx context.Context, t *testing.T, c *pactlog.Client, deal string, n int) {
	t.Helper()
	for n > 0 {
		batch := n
		if batch > 500 {
			batch = 500
		}
		var evs []*pactlogpb.EventData
		for i := 0; i < batch; i++ {
			evs = append(evs, tariffChanged("autos", int32(1000+i), sept2025))
		}
		if _, err := c.Append(ctx, deal, evs, pactlog.AppendOptions{}); err != nil {
			t.Fatalf("Append %d tariff changes: %v", batch, err)
		}
		n -= batch
	}
}

// The server restarts (same port, same data) while a subscriber is in the
// middle of the history and again while it follows live; the subscriber
// sees every event exactly once, in order.
func TestSubscribeResumesAcrossServerRestart(t *testing.T) {
	srv := startServer(t)
	// A fixed 64 KiB stream window: the client cannot have the whole history
	// (about 600 KB) buffered when the server stops, so it must resume in
	// the middle of it. The appends made right after a restart keep trying
	// for as long as the channel may take to reconnect (its backoff grows
	// while the server is down), not just the default ~1.5 s.
	c := dial(t, srv.addr, pactlog.WithDialOptions(grpc.WithInitialWindowSize(64<<10)),
		pactlog.WithRetryPolicy(pactlog.RetryPolicy{MaxAttempts: 100, InitialBackoff: 100 * time.Millisecond, MaxBackoff: 500 * time.Millisecond}))
	// Two restarts (each a stop, a start and a replay of 2000 events) plus
	// 2000 events through a 64 KiB window.
	ctx := testContextWithin(t, 180*time.Second)
	announce(ctx, t, c, "us-japan")
	appendTariffBatches(ctx, t, c, "us-japan", 1999) // history: 1..2000

	sub, err := c.Subscribe(ctx, pactlog.SubscribeOptions{MaxEventsPerMessage: 4})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	defer sub.Close()
	var got []uint64
	next := func() {
		t.Helper()
		e, err := sub.Next()
		if err != nil {
			t.Fatalf("Next after %d events: %v", len(got), err)
		}
		got = append(got, e.Sequence)
	}
	for len(got) < 6 { // part of the history, mid-batch
		next()
	}

	srv.restart()
	for len(got) < 2000 {
		next()
	}
	if sub.Resumes() < 1 {
		t.Errorf("Resumes() = %d: the stream was not re-opened", sub.Resumes())
	}
	// Past the history and live, then a second restart.
	for !sub.CaughtUp() {
		if _, err := sub.Recv(); err != nil {
			t.Fatalf("Recv: %v", err)
		}
	}
	resumes := sub.Resumes()
	srv.restart()
	appendTariffChanges(ctx, t, c, "us-japan", 5) // 2001..2005, after the restart
	for len(got) < 2005 {
		next()
	}
	if sub.Resumes() <= resumes {
		t.Errorf("Resumes() = %d after the second restart, want > %d", sub.Resumes(), resumes)
	}
	if want := seqRange(1, 2005); !equalU64(got, want) {
		t.Errorf("received %d events, want 1..2005 exactly once each, in order", len(got))
	}
	if sub.Position() != 2005 {
		t.Errorf("position %d, want 2005", sub.Position())
	}

	// The checkpoint resumes a new subscription with nothing repeated.
	appendTariffChanges(ctx, t, c, "us-japan", 1) // #2006
	sub2, err := c.Subscribe(ctx, pactlog.SubscribeOptions{AfterSequence: sub.Position()})
	if err != nil {
		t.Fatalf("Subscribe from checkpoint: %v", err)
	}
	defer sub2.Close()
	if e, err := sub2.Next(); err != nil || e.Sequence != 2006 {
		t.Errorf("first event after checkpoint 2005: %v, %v; want #2006", e.GetSequence(), err)
	}
}

func TestSubscribeGivesUpAfterMaxReconnects(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr, pactlog.WithRetryPolicy(pactlog.RetryPolicy{MaxAttempts: 1, InitialBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond}))
	ctx := testContext(t)
	announce(ctx, t, c, "us-japan")
	sub, err := c.Subscribe(ctx, pactlog.SubscribeOptions{MaxReconnects: 3})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	defer sub.Close()
	if _, err := sub.Next(); err != nil {
		t.Fatalf("Next: %v", err)
	}
	srv.stop()
	_, err = sub.Next()
	if status.Code(err) != codes.Unavailable {
		t.Errorf("Next with the server gone: %v, want UNAVAILABLE after 3 reconnects", err)
	}
}

func seqRange(from, to uint64) []uint64 {
	var out []uint64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}
