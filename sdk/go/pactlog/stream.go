package pactlog

import (
	"context"
	"io"
	"math"
	"time"

	"google.golang.org/grpc/codes"
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
// log is exhausted when it equals HeadSequence.
func (c *Client) Read(ctx context.Context, opts ReadOptions) (*pactlogpb.ReadResponse, error) {
	req := &pactlogpb.ReadRequest{AfterSequence: opts.AfterSequence, Filter: opts.Filter.proto(), Limit: opts.Limit}
	var resp *pactlogpb.ReadResponse
	err := c.invoke(ctx, func(ctx context.Context) (err error) {
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
	// after a disconnect; 0 means no bound (follow until ctx ends or Close).
	MaxReconnects int
}

// Message is one step of a subscription: a batch of events, the caught-up
// marker, or progress.
type Message struct {
	// Events in strictly increasing sequence; empty for the other kinds.
	Events []*pactlogpb.Event
	// CaughtUp: the stream has delivered the whole history up to Position
	// and now follows the log live.
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
// events. When the connection breaks (UNAVAILABLE, e.g. the server
// restarted) it re-opens the stream after the last position it received, so
// the consumer sees every matching event exactly once, in order, across
// restarts. Use it from one goroutine; Close may be called from any.
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
	head         uint64
	err          error // terminal

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
	if opts.MaxReconnects < 0 {
		return nil, invalidArgument("SubscribeOptions.MaxReconnects: must be >= 0, got %d", opts.MaxReconnects)
	}
	sctx, cancel := context.WithCancel(ctx)
	s := &Subscription{c: c, ctx: sctx, cancel: cancel, opts: opts}
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
// Position). It returns an *Error when ctx ends or Close was called
// (CANCELED / DEADLINE_EXCEEDED), when the server refuses the subscription,
// or when MaxReconnects is exhausted; every later call returns the same.
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

// Recv returns the next message: a batch of events (the rest of the batch
// when Next has taken part of it), caught-up or progress. Errors as Next.
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

// CaughtUp reports whether the stream has passed from history to live.
// After a reconnect it is false again until the new stream catches up.
func (s *Subscription) CaughtUp() bool { return s.caughtUp }

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
// after: the server went away or is starting/stopping, or the stream ended
// without a status.
func resumable(err error) bool {
	if err == io.EOF {
		return true
	}
	return toError(err, 0).(*Error).Code == codes.Unavailable
}

func (s *Subscription) recv() (*Message, error) {
	for {
		if s.err != nil {
			return nil, s.err
		}
		var err error
		if s.stream == nil {
			err = s.open()
		}
		var resp *pactlogpb.SubscribeResponse
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
			if werr := sleep(s.ctx, backoffDelay(s.c.cfg.retry, s.failures)); werr != nil {
				s.err = toError(werr, 0)
				return nil, s.err
			}
			s.reconnecting = true
			continue
		}
		if s.reconnecting {
			s.reconnecting = false
			s.resumes++
		}
		s.failures = 0
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
