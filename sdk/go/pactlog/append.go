package pactlog

import (
	"context"

	"google.golang.org/grpc/codes"

	"pactlog.dev/sdk/go/pactlogpb"
)

// ExpectedVersion is the optimistic-concurrency condition of an Append. The
// zero value is AnyVersion.
type ExpectedVersion struct {
	kind    int // 0 any, 1 no deal, 2 exact
	version uint64
}

// AnyVersion lets the Append proceed whatever the deal's version, including
// a deal that does not exist yet.
func AnyVersion() ExpectedVersion { return ExpectedVersion{} }

// NoDeal requires that the deal does not exist yet.
func NoDeal() ExpectedVersion { return ExpectedVersion{kind: 1} }

// ExactVersion requires the deal's version to be exactly v (0: the deal
// does not exist).
func ExactVersion(v uint64) ExpectedVersion { return ExpectedVersion{kind: 2, version: v} }

func (v ExpectedVersion) proto() *pactlogpb.ExpectedVersion {
	switch v.kind {
	case 1:
		return &pactlogpb.ExpectedVersion{Condition: &pactlogpb.ExpectedVersion_NoDeal{NoDeal: true}}
	case 2:
		return &pactlogpb.ExpectedVersion{Condition: &pactlogpb.ExpectedVersion_Exact{Exact: v.version}}
	}
	return nil
}

// AppendOptions are the optional parts of an Append.
type AppendOptions struct {
	// ExpectedVersion: default AnyVersion.
	ExpectedVersion ExpectedVersion
	// Actor recorded on every event, 1..128 bytes. Default: the client's
	// (Client.Actor: WithActor, else PACTLOG_ACTOR, else "<user>@<host>").
	Actor string
}

// AppendResult is what an Append returns: the server's AppendResponse
// (Sequences, EventIds, DealVersion, RecordedTime, Deduplicated,
// Durability) and how many attempts the call took.
type AppendResult struct {
	*pactlogpb.AppendResponse
	// Attempts is how many times the request was sent: 1 unless an attempt
	// failed with UNAVAILABLE or DEADLINE_EXCEEDED and was retried.
	Attempts int
}

// Append records events on one deal, all or none, durably: it returns only
// after the server has synced them to disk. It returns the sequence and id of
// each event, the deal's new version and whether the whole batch had been
// recorded before (Deduplicated).
//
// Every event without an id is given a random UUID here, in place, before
// the first attempt. A repeat of the same events is therefore recognised by
// the server and answered with the original result instead of being
// recorded twice. That is what makes retrying safe: Append retries on
// UNAVAILABLE and on an attempt's DEADLINE_EXCEEDED (see RetryPolicy), and a
// caller whose Append failed may send the same slice again.
//
// Errors (*Error; see the top README for each code): INVALID_ARGUMENT
// listing every malformed field, ABORTED when ExpectedVersion does not hold,
// FAILED_PRECONDITION for a broken deal rule, NOT_FOUND, ALREADY_EXISTS for
// an event id reused with other content, RESOURCE_EXHAUSTED over 1000 events,
// UNAVAILABLE when every attempt failed. The error's Attempts says how many
// were made, like the result's.
func (c *Client) Append(ctx context.Context, dealID string, events []*pactlogpb.EventData, opts AppendOptions) (*AppendResult, error) {
	for i, e := range events {
		if e == nil {
			return nil, invalidArgument("events[%d]: nil event", i)
		}
	}
	if opts.Actor != "" {
		if err := checkActor("AppendOptions.Actor", opts.Actor); err != nil {
			return nil, invalidArgument("%s", err)
		}
	}
	for _, e := range events {
		if e.EventId == "" {
			id, err := NewEventID()
			if err != nil {
				return nil, &Error{Code: codes.Internal, Message: "event id: " + err.Error(), cause: err}
			}
			e.EventId = id
		}
	}
	req := &pactlogpb.AppendRequest{
		DealId:          dealID,
		ExpectedVersion: opts.ExpectedVersion.proto(),
		Actor:           opts.Actor,
		Events:          events,
	}
	if req.Actor == "" {
		req.Actor = c.cfg.actor
	}
	var resp *pactlogpb.AppendResponse
	attempts, err := c.invoke(ctx, func(ctx context.Context) (err error) {
		resp, err = c.ledger.Append(ctx, req)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &AppendResult{AppendResponse: resp, Attempts: attempts}, nil
}
