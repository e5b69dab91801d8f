package pactlog

import (
	"context"
	"fmt"

	"google.golang.org/grpc/codes"

	"pactlog.dev/sdk/go/pactlogpb"
)

// Listing iterates over every item of a listing, page by page: it fetches
// the next page only when the caller has taken every item of the one before
// (each page is one call, retried like any other). Use it from one
// goroutine:
//
//	deals := c.ListAllDeals(ctx, 100)
//	for deals.Next() {
//		fmt.Println(deals.Value().DealId)
//	}
//	if err := deals.Err(); err != nil { ... }
//
// Pages are not pinned to one log position: items committed while the
// listing runs may or may not appear. Pass AsOfSequence for a snapshot.
type Listing[T any] struct {
	ctx   context.Context
	fetch func(ctx context.Context, token string) ([]T, string, error)

	items   []T
	current T
	token   string // of the next page; "" after the last
	started bool   // the first page was asked for
	err     error
	pages   int
}

// newListing makes a listing; a non-nil err (a bad argument) ends it before
// its first page.
func newListing[T any](ctx context.Context, err error, fetch func(ctx context.Context, token string) ([]T, string, error)) *Listing[T] {
	return &Listing[T]{ctx: ctx, fetch: fetch, err: err}
}

// checkPageSize is the error for a page size out of 0..1000, named what.
func checkPageSize(what string, size int32) error {
	if size < 0 || size > 1000 {
		return invalidArgument("%s: must be 0..1000 (0: the server's default, 100), got %d", what, size)
	}
	return nil
}

// Next moves to the next item, fetching the next page when needed. It
// returns false at the end of the listing or on an error (see Err).
func (l *Listing[T]) Next() bool {
	var zero T
	l.current = zero
	for len(l.items) == 0 {
		if l.err != nil || (l.started && l.token == "") {
			return false
		}
		l.started = true
		items, next, err := l.fetch(l.ctx, l.token)
		if err != nil {
			l.err = err
			return false
		}
		l.pages++
		l.items, l.token = items, next
	}
	l.current = l.items[0]
	l.items = l.items[1:]
	return true
}

// Value is the item Next moved to.
func (l *Listing[T]) Value() T { return l.current }

// Err is the error that ended the listing (an *Error), nil at its end.
func (l *Listing[T]) Err() error { return l.err }

// Pages is how many pages were fetched so far.
func (l *Listing[T]) Pages() int { return l.pages }

// ListAllDeals lists every deal, ordered by id, pageSize at a time (0: the
// server's default, 100): ListDeals over all pages.
func (c *Client) ListAllDeals(ctx context.Context, pageSize int32, opts ...QueryOption) *Listing[*pactlogpb.DealState] {
	return newListing(ctx, checkPageSize("ListAllDeals: pageSize", pageSize), func(ctx context.Context, token string) ([]*pactlogpb.DealState, string, error) {
		resp, err := c.ListDeals(ctx, Page{Size: pageSize, Token: token}, opts...)
		if err != nil {
			return nil, "", err
		}
		return resp.Deals, resp.NextPageToken, nil
	})
}

// ListAllProjects lists every project of a deal that filter matches,
// ordered by id, pageSize at a time: ListProjects over all pages.
func (c *Client) ListAllProjects(ctx context.Context, dealID string, filter ProjectFilter, pageSize int32, opts ...QueryOption) *Listing[*pactlogpb.ProjectState] {
	return newListing(ctx, checkPageSize("ListAllProjects: pageSize", pageSize), func(ctx context.Context, token string) ([]*pactlogpb.ProjectState, string, error) {
		resp, err := c.ListProjects(ctx, dealID, filter, Page{Size: pageSize, Token: token}, opts...)
		if err != nil {
			return nil, "", err
		}
		return resp.Projects, resp.NextPageToken, nil
	})
}

// GetAllLineage lists every lineage entry of a subject, in log order,
// pageSize at a time: GetLineage over all pages (its Figures are in any
// one page's answer).
func (c *Client) GetAllLineage(ctx context.Context, dealID string, subject LineageSubject, pageSize int32, opts ...QueryOption) *Listing[*pactlogpb.LineageEntry] {
	return newListing(ctx, checkPageSize("GetAllLineage: pageSize", pageSize), func(ctx context.Context, token string) ([]*pactlogpb.LineageEntry, string, error) {
		resp, err := c.GetLineage(ctx, dealID, subject, Page{Size: pageSize, Token: token}, opts...)
		if err != nil {
			return nil, "", err
		}
		return resp.Entries, resp.NextPageToken, nil
	})
}

// ReadAll lists every matching event after opts.AfterSequence, in sequence
// order, opts.Limit at a time: Read over all pages, up to the head of the
// log as the last page found it.
func (c *Client) ReadAll(ctx context.Context, opts ReadOptions) *Listing[*pactlogpb.Event] {
	after := opts.AfterSequence
	return newListing(ctx, nil, func(ctx context.Context, _ string) ([]*pactlogpb.Event, string, error) {
		page := opts
		page.AfterSequence = after
		resp, err := c.Read(ctx, page)
		if err != nil {
			return nil, "", err
		}
		next := ""
		if resp.LastExaminedSequence < resp.HeadSequence {
			if resp.LastExaminedSequence <= after {
				return nil, "", &Error{Code: codes.Internal, Message: fmt.Sprintf(
					"Read after sequence %d examined nothing (last examined %d, head %d)", after, resp.LastExaminedSequence, resp.HeadSequence)}
			}
			next = "more" // Read pages by sequence; any non-empty token asks for the next page
		}
		after = resp.LastExaminedSequence
		return resp.Events, next, nil
	})
}
