package pactlog

import (
	"context"
	"io"
	"math"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/protobuf/types/known/timestamppb"

	"pactlog.dev/sdk/go/pactlogpb"
)

// Filter selects events for Read and Subscribe. Every non-empty list must
// match; the zero Filter matches every event. Sectors match project
// announcements, approvals and disbursements of projects in those sectors;
// ProductCategories match tariff changes of those categories.
type Filter struct {
	DealIDs           []string
	Kinds             []pactlogpb.EventKind
	Sectors           []pactlogpb.Sector
	ProductCategories []string
}

func (f Filter) proto() *pactlogpb.EventFilter {
	if len(f.DealIDs) == 0 && len(f.Kinds) == 0 && len(f.Sectors) == 0 && len(f.ProductCategories) == 0 {
		return nil
	}
	return &pactlogpb.EventFilter{
		DealIds:           f.DealIDs,
		Kinds:             f.Kinds,
		Sectors:           f.Sectors,
		ProductCategories: f.ProductCategories,
	}
}

// ReadOptions selects a page for Read.
type ReadOptions struct {
	// AfterSequence: events with a larger sequence (0: from the start).
	AfterSequence uint64
	Filter        Filter
	// Limit: most events returned, 1..1000 (0: the server's default, 100).
	Limit int32
}

// Read returns one page of matching events in sequence order. To read on,
// pass the response's LastExaminedSequence as the next AfterSequence; the
// log is exhausted when it equals HeadSequence. ReadAll iterates over all
// pages.
func (c *Client) Read(ctx context.Context, opts ReadOptions) (*pactlogpb.ReadResponse, error) {
	if opts.Limit < 0 || opts.Limit > 1000 {
		return nil, invalidArgument("ReadOptions.Limit: must be 0..1000 (0: the server's default, 100), got %d", opts.Limit)
	}
	req := &pactlogpb.ReadRequest{AfterSequence: opts.AfterSequence, Filter: opts.Filter.proto(), Limit: opts.Limit}
	var resp *pactlogpb.ReadResponse
	_, err := c.invoke(ctx, func(ctx context.Context) (err error) {
		resp, err = c.stream.Read(ctx, req)
		return err
	})
	return resp, err
}

// SubscribeOptions say where a subscription starts and what it delivers.
// At most one of AfterSequence, FromEnd and FromRecordedTime may be set;
// none means the whole log.
type SubscribeOptions struct {
	// AfterSequence: events with a larger sequence; pass a checkpointed
	// Subscription.Position to resume.
	AfterSequence uint64
	// FromEnd: only events committed after the subscription starts.
	FromEnd bool
	// FromRecordedTime: events recorded at or after this time.
	FromRecordedTime time.Time
	Filter           Filter
	// MaxEventsPerMessage: 1..1000 (0: the server's default, 64).
	MaxEventsPerMessage int32
	// Heartbeat: how often the server sends progress while it has nothing
	// else to send, 100 ms..10 min (0: the server's default, 5 s).
	Heartbeat time.Duration
	// MaxReconnects bounds consecutive failed attempts to re-open the stream
	// after a disconnect; 0 (the default) means no bound: the subscription
	// follows until ctx ends or Close, however long the server is away.
	MaxReconnects int
}

// The wait between attempts to re-open a subscription's stream: 100 ms
// doubling to at most 1 s (each drawn from [wait/2, wait]), back to 100 ms
// once a re-opened stream delivers a message. A wait ends early when the
// connection becomes ready again.
const (
	SubscribeInitialBackoff = 100 * time.Millisecond
	SubscribeMaxBackoff     = time.Second
)

// subscribeDelay is the wait after the n-th consecutive failure (n >= 1).
func subscribeDelay(n int) time.Duration {
	return backoffDelay(RetryPolicy{InitialBackoff: SubscribeInitialBackoff, MaxBackoff: SubscribeMaxBackoff}, n)
}

// Message is one step of a subscription: a batch of events, the caught-up
// marker, or progress.
type Message struct {
	// Events in strictly increasing sequence; empty for the other kinds.
	Events []*pactlogpb.Event
	// CaughtUp: the stream has delivered the whole history up to Position
	// (the caught-up sequence) and now follows the log live.
	CaughtUp bool
	// Position: every event up to here has been examined and, if it matched,
	// delivered. Resume from it (SubscribeOptions.AfterSequence) to continue
	// with no gap or duplicate.
	Position uint64
	// HeadSequence: the last sequence in the log, in progress messages
	// (0 otherwise).
	HeadSequence uint64
}

// Subscription follows the log: the history from its start, then live
// events. When the stream ends with UNAVAILABLE or DEADLINE_EXCEEDED (e.g.
// the server restarted) it re-opens it after the last position it
// received, so the consumer sees every matching event exactly once, in
// order, across restarts; it never gives up by itself (see
// SubscribeInitialBackoff). It ends when ctx ends, on Close, or on another
// code. Use it from one goroutine; Close may be called from any.
//
// CaughtUp tells when the history is delivered, with no need to read the
// markers: asked when Next has handed over the last event of the history,
// it is already true, before Next would wait for a live one.
type Subscription struct {
	c      *Client
	ctx    context.Context
	cancel context.CancelFunc
	opts   SubscribeOptions

	stream       pactlogpb.EventStream_SubscribeClient
	streamCancel context.CancelFunc

	started  bool   // a position is known; resume after `received`
	received uint64 // every event up to here was received (or skipped)
	failures int    // consecutive failed (re)connects
	resumes  int
	// reconnecting: the stream failed and was re-opened; set until a
	// message arrives on the new one.
	reconnecting bool
	caughtUp     bool
	caughtUpAt   uint64
	head         uint64
	err          error // terminal
	// deferred: the error a read-ahead met, handled by the next recv.
	deferred error
	// wait pauses between attempts to re-open the stream.
	wait func(ctx context.Context, d time.Duration) error

	pending    []*pactlogpb.Event // events of the current batch Next has not returned
	pendingPos uint64             // the current batch's position
	consumed   uint64             // Position(): what the consumer has been given
}

// Subscribe opens a subscription: the request is sent now (so FromEnd means
// from this call on), the answers are read by Next or Recv. Errors the
// server sends, such as OUT_OF_RANGE (AfterSequence beyond the log), are
// returned there. ctx bounds the whole subscription; Close ends it.
func (c *Client) Subscribe(ctx context.Context, opts SubscribeOptions) (*Subscription, error) {
	starts := 0
	if opts.AfterSequence > 0 {
		starts++
	}
	if opts.FromEnd {
		starts++
	}
	if !opts.FromRecordedTime.IsZero() {
		starts++
	}
	if starts > 1 {
		return nil, invalidArgument("SubscribeOptions: set at most one of AfterSequence, FromEnd, FromRecordedTime")
	}
	if opts.Heartbeat%time.Millisecond != 0 || opts.Heartbeat < 0 || opts.Heartbeat/time.Millisecond > math.MaxInt32 {
		return nil, invalidArgument("SubscribeOptions.Heartbeat: must be 0 or a whole number of milliseconds, got %v", opts.Heartbeat)
	}
	if opts.Heartbeat != 0 && (opts.Heartbeat < 100*time.Millisecond || opts.Heartbeat > 10*time.Minute) {
		return nil, invalidArgument("SubscribeOptions.Heartbeat: must be 0 (the server's default, 5 s) or 100ms..10m, got %v", opts.Heartbeat)
	}
	if opts.MaxEventsPerMessage < 0 || opts.MaxEventsPerMessage > 1000 {
		return nil, invalidArgument("SubscribeOptions.MaxEventsPerMessage: must be 0..1000 (0: the server's default, 64), got %d", opts.MaxEventsPerMessage)
	}
	if opts.MaxReconnects < 0 {
		return nil, invalidArgument("SubscribeOptions.MaxReconnects: must be >= 0, got %d", opts.MaxReconnects)
	}
	sctx, cancel := context.WithCancel(ctx)
	s := &Subscription{c: c, ctx: sctx, cancel: cancel, opts: opts}
	s.wait = s.pause
	if opts.AfterSequence > 0 {
		s.started, s.received, s.consumed = true, opts.AfterSequence, opts.AfterSequence
	}
	// A failure here (the server is down) is handled by the first recv,
	// like any disconnect.
	_ = s.open()
	return s, nil
}

// Next returns the next matching event, waiting for it if the subscription
// is live. Caught-up and progress messages are absorbed (see CaughtUp and
// Position); CaughtUp, asked after Next has handed over the last event of
// the history, is already true. It returns an *Error when
// ctx ends or Close was called (CANCELED / DEADLINE_EXCEEDED), when the
// server refuses the subscription (a code other than UNAVAILABLE and
// DEADLINE_EXCEEDED), or when MaxReconnects is exhausted; every later call
// returns the same.
func (s *Subscription) Next() (*pactlogpb.Event, error) {
	for len(s.pending) == 0 {
		m, err := s.recv()
		if err != nil {
			return nil, err
		}
		s.pending, s.pendingPos = m.Events, m.Position
		if len(m.Events) == 0 {
			s.consumed = m.Position
		}
	}
	e := s.pending[0]
	s.pending = s.pending[1:]
	if len(s.pending) == 0 {
		s.pending = nil
		s.consumed = s.pendingPos
	} else {
		s.consumed = e.Sequence
	}
	return e, nil
}

// readAhead reads the current stream, while the history is not yet
// delivered and nothing is left to hand over, until a message brings
// events or the caught-up marker (during catch-up the server sends the
// next one at once). It does not re-open a broken stream: the error is kept
// for the next recv.
func (s *Subscription) readAhead() {
	for !s.caughtUp && len(s.pending) == 0 && s.stream != nil && s.deferred == nil && s.err == nil {
		resp, err := s.stream.Recv()
		if err != nil {
			s.deferred = err
			return
		}
		s.delivered()
		m := s.absorb(resp)
		if len(m.Events) > 0 {
			s.pending, s.pendingPos = m.Events, m.Position
		} else {
			s.consumed = m.Position
		}
	}
}

// Recv returns the next message: a batch of events (the rest of the batch
// when Next has taken part of it), caught-up or progress. A caught-up
// marker that CaughtUp has already read ahead is not returned (CaughtUp
// is true). Errors as Next.
func (s *Subscription) Recv() (*Message, error) {
	if len(s.pending) > 0 {
		m := &Message{Events: s.pending, Position: s.pendingPos}
		s.pending = nil
		s.consumed = m.Position
		return m, nil
	}
	m, err := s.recv()
	if err != nil {
		return nil, err
	}
	s.consumed = m.Position
	return m, nil
}

// Position is the resume point of what the consumer has been given:
// passing it as SubscribeOptions.AfterSequence later continues right after
// it, with no gap and no duplicate. Checkpoint it after handling an event.
func (s *Subscription) Position() uint64 { return s.consumed }

// CaughtUp reports whether the subscription has delivered the history and
// now follows the log live: true once the events up to CaughtUpSequence
// have been handed over. While the history is being delivered and nothing
// is buffered it reads the stream's next message first (during catch-up
// the server sends it at once), so that
//
//	for !sub.CaughtUp() {
//		e, err := sub.Next() // ... the history, even when it is empty
//	}
//
// ends right after the last event of the history. After a reconnect it is
// false again until the new stream catches up.
func (s *Subscription) CaughtUp() bool {
	if len(s.pending) == 0 {
		s.readAhead()
	}
	return s.caughtUp
}

// CaughtUpSequence is the sequence the stream last caught up at: every
// matching event up to it is history (0 before it caught up).
func (s *Subscription) CaughtUpSequence() uint64 { return s.caughtUpAt }

// HeadSequence is the last log sequence the server reported in progress.
func (s *Subscription) HeadSequence() uint64 { return s.head }

// Resumes counts how often the stream was re-opened after a failure and
// then delivered a message.
func (s *Subscription) Resumes() int { return s.resumes }

// Close ends the subscription; Next and Recv then return CANCELED.
func (s *Subscription) Close() error {
	s.cancel()
	return nil
}

func (s *Subscription) request() *pactlogpb.SubscribeRequest {
	req := &pactlogpb.SubscribeRequest{
		Filter:              s.opts.Filter.proto(),
		MaxEventsPerMessage: s.opts.MaxEventsPerMessage,
		HeartbeatIntervalMs: int32(s.opts.Heartbeat / time.Millisecond),
	}
	switch {
	case s.started:
		req.Start = &pactlogpb.SubscribeRequest_AfterSequence{AfterSequence: s.received}
	case s.opts.FromEnd:
		req.Start = &pactlogpb.SubscribeRequest_FromEnd{FromEnd: true}
	case !s.opts.FromRecordedTime.IsZero():
		req.Start = &pactlogpb.SubscribeRequest_FromRecordedTime{FromRecordedTime: timestamppb.New(s.opts.FromRecordedTime)}
	}
	return req
}

// open sends the subscription request on a new stream.
func (s *Subscription) open() error {
	sctx, cancel := context.WithCancel(s.ctx)
	stream, err := s.c.stream.Subscribe(sctx, s.request())
	if err != nil {
		cancel()
		return err
	}
	s.stream, s.streamCancel = stream, cancel
	return nil
}

func (s *Subscription) dropStream() {
	if s.streamCancel != nil {
		s.streamCancel()
	}
	s.stream, s.streamCancel = nil, nil
	s.caughtUp = false
}

// resumable tells whether a stream error is a disconnect worth re-opening
// after: the server went away or is starting/stopping (UNAVAILABLE), a
// deadline that is not the caller's (DEADLINE_EXCEEDED while ctx is live),
// or the stream ended without a status. grpc-go 1.33 reports a stream cut
// off in the middle of a message (the server killed, the connection reset)
// as INTERNAL "unexpected EOF": that is a disconnect too, not an answer of
// the server.
func resumable(err error) bool {
	if err == io.EOF {
		return true
	}
	e := toError(err, 0).(*Error)
	switch e.Code {
	case codes.Unavailable, codes.DeadlineExceeded:
		return true
	case codes.Internal:
		return e.Message == io.ErrUnexpectedEOF.Error()
	}
	return false
}

// pause waits d before the stream is re-opened, or less: until the
// connection becomes ready again (after being down), so that a restarted
// server is followed again as soon as the channel has reconnected.
func (s *Subscription) pause(ctx context.Context, d time.Duration) error {
	if s.c.conn == nil {
		return s.c.sleep(ctx, d)
	}
	return s.pauseFrom(ctx, d, s.c.conn.GetState())
}

// pauseFrom is pause from the connection state `state` (read before the
// wait starts): a channel that is READY later ends it.
func (s *Subscription) pauseFrom(ctx context.Context, d time.Duration, state connectivity.State) error {
	wctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for s.c.conn.WaitForStateChange(wctx, state) {
		state = s.c.conn.GetState()
		if state == connectivity.Ready {
			return nil
		}
	}
	return ctx.Err()
}

// delivered notes that a stream delivered a message: a re-opened one has
// resumed, and the wait before the next re-open starts again from the
// shortest.
func (s *Subscription) delivered() {
	if s.reconnecting {
		s.reconnecting = false
		s.resumes++
	}
	s.failures = 0
}

func (s *Subscription) recv() (*Message, error) {
	for {
		if s.err != nil {
			return nil, s.err
		}
		err := s.deferred
		s.deferred = nil
		var resp *pactlogpb.SubscribeResponse
		if err == nil && s.stream == nil {
			err = s.open()
		}
		if err == nil {
			resp, err = s.stream.Recv()
		}
		if err != nil {
			s.dropStream()
			if s.ctx.Err() != nil {
				s.err = toError(s.ctx.Err(), 0)
				return nil, s.err
			}
			if !resumable(err) || (s.opts.MaxReconnects > 0 && s.failures >= s.opts.MaxReconnects) {
				s.err = toError(err, 0)
				return nil, s.err
			}
			s.failures++
			if werr := s.wait(s.ctx, subscribeDelay(s.failures)); werr != nil {
				s.err = toError(werr, 0)
				return nil, s.err
			}
			s.reconnecting = true
			continue
		}
		s.delivered()
		return s.absorb(resp), nil
	}
}

// absorb updates the position from one server message and turns it into a
// Message.
func (s *Subscription) absorb(resp *pactlogpb.SubscribeResponse) *Message {
	var m *Message
	switch r := resp.Message.(type) {
	case *pactlogpb.SubscribeResponse_Events:
		// The server never repeats a sequence; guard anyway, so that a
		// consumer's exactly-once does not rest on the server alone.
		var kept []*pactlogpb.Event
		for _, e := range r.Events.GetEvents() {
			if e.GetSequence() > s.received {
				kept = append(kept, e)
				s.received = e.GetSequence()
			}
		}
		s.advance(r.Events.GetLastExaminedSequence())
		m = &Message{Events: kept}
	case *pactlogpb.SubscribeResponse_CaughtUp:
		s.caughtUp = true
		s.advance(r.CaughtUp.GetSequence())
		s.caughtUpAt = s.received
		// From here on the position is known even on an empty log: a
		// FromEnd subscription must not skip what is committed while it
		// reconnects.
		s.started = true
		m = &Message{CaughtUp: true}
	case *pactlogpb.SubscribeResponse_Progress:
		s.advance(r.Progress.GetLastExaminedSequence())
		s.head = r.Progress.GetHeadSequence()
		m = &Message{HeadSequence: s.head}
	default:
		m = &Message{} // a message kind newer than this client
	}
	if s.received > 0 {
		s.started = true
	}
	m.Position = s.received
	return m
}

func (s *Subscription) advance(seq uint64) {
	if seq > s.received {
		s.received = seq
	}
}
