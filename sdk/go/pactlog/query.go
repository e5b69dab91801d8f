package pactlog

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"pactlog.dev/sdk/go/pactlogpb"
)

// QueryOption asks a query about the past, or for read-your-writes. Options
// combine: only events within every bound given are folded.
type QueryOption func(*pactlogpb.ReadOptions)

func asOf(o *pactlogpb.ReadOptions) *pactlogpb.AsOf {
	if o.AsOf == nil {
		o.AsOf = &pactlogpb.AsOf{}
	}
	return o.AsOf
}

// AsOfSequence answers from the state after log position seq.
func AsOfSequence(seq uint64) QueryOption {
	return func(o *pactlogpb.ReadOptions) { asOf(o).Sequence = seq }
}

// AsOfRecordedTime answers with what the record knew at t: only events
// recorded at or before t.
func AsOfRecordedTime(t time.Time) QueryOption {
	return func(o *pactlogpb.ReadOptions) { asOf(o).RecordedTime = timestamppb.New(t) }
}

// AsOfEffectiveTime answers with what was in force at t: only events
// effective at or before t; tariffs in force are evaluated at t.
func AsOfEffectiveTime(t time.Time) QueryOption {
	return func(o *pactlogpb.ReadOptions) { asOf(o).EffectiveTime = timestamppb.New(t) }
}

// AtLeastSequence asks for an answer that reflects at least log position
// seq, e.g. the last sequence an Append returned (read your own writes).
// OUT_OF_RANGE if the log has not reached it.
func AtLeastSequence(seq uint64) QueryOption {
	return func(o *pactlogpb.ReadOptions) { o.MinSequence = seq }
}

func readOptions(opts []QueryOption) *pactlogpb.ReadOptions {
	if len(opts) == 0 {
		return nil
	}
	o := &pactlogpb.ReadOptions{}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// Page selects a page of a list: Size 1..1000 (0: the server's default,
// 100) and the Token from the previous response's NextPageToken (empty for
// the first page). The last page has an empty NextPageToken.
type Page struct {
	Size  int32
	Token string
}

// ProjectFilter narrows ListProjects; zero fields match everything.
// AllocationID keeps the projects drawing on that allocation or on one of
// its earmarks.
type ProjectFilter struct {
	Sector       pactlogpb.Sector
	USState      string
	Status       pactlogpb.ProjectStatus
	AllocationID string
}

// GetDeal returns a deal's state (totals, headroom, breakdowns, tariffs in
// force, cap breaches) and the log sequence it reflects. NOT_FOUND for an
// unknown deal.
func (c *Client) GetDeal(ctx context.Context, dealID string, opts ...QueryOption) (*pactlogpb.GetDealResponse, error) {
	req := &pactlogpb.GetDealRequest{DealId: dealID, Options: readOptions(opts)}
	var resp *pactlogpb.GetDealResponse
	_, err := c.invoke(ctx, func(ctx context.Context) (err error) {
		resp, err = c.query.GetDeal(ctx, req)
		return err
	})
	return resp, err
}

// ListDeals returns one page of deals, ordered by id, with the token of the
// next (NextPageToken, "" on the last page);
// ListAllDeals iterates over all pages.
func (c *Client) ListDeals(ctx context.Context, page Page, opts ...QueryOption) (*pactlogpb.ListDealsResponse, error) {
	if err := checkPageSize("Page.Size", page.Size); err != nil {
		return nil, err
	}
	req := &pactlogpb.ListDealsRequest{Options: readOptions(opts), PageSize: page.Size, PageToken: page.Token}
	var resp *pactlogpb.ListDealsResponse
	_, err := c.invoke(ctx, func(ctx context.Context) (err error) {
		resp, err = c.query.ListDeals(ctx, req)
		return err
	})
	return resp, err
}

// GetProject returns a project's state. NOT_FOUND for an unknown deal or
// project.
func (c *Client) GetProject(ctx context.Context, dealID, projectID string, opts ...QueryOption) (*pactlogpb.GetProjectResponse, error) {
	req := &pactlogpb.GetProjectRequest{DealId: dealID, ProjectId: projectID, Options: readOptions(opts)}
	var resp *pactlogpb.GetProjectResponse
	_, err := c.invoke(ctx, func(ctx context.Context) (err error) {
		resp, err = c.query.GetProject(ctx, req)
		return err
	})
	return resp, err
}

// ListProjects returns one page of a deal's projects, ordered by id;
// ListAllProjects iterates over all pages.
func (c *Client) ListProjects(ctx context.Context, dealID string, filter ProjectFilter, page Page, opts ...QueryOption) (*pactlogpb.ListProjectsResponse, error) {
	if err := checkPageSize("Page.Size", page.Size); err != nil {
		return nil, err
	}
	req := &pactlogpb.ListProjectsRequest{
		DealId:       dealID,
		Options:      readOptions(opts),
		Sector:       filter.Sector,
		UsState:      filter.USState,
		Status:       filter.Status,
		PageSize:     page.Size,
		PageToken:    page.Token,
		AllocationId: filter.AllocationID,
	}
	var resp *pactlogpb.ListProjectsResponse
	_, err := c.invoke(ctx, func(ctx context.Context) (err error) {
		resp, err = c.query.ListProjects(ctx, req)
		return err
	})
	return resp, err
}

// GetTariffs returns a deal's tariff per product category with full
// history, evaluated at AsOfEffectiveTime when given, else now.
// productCategory "" means every category.
func (c *Client) GetTariffs(ctx context.Context, dealID, productCategory string, opts ...QueryOption) (*pactlogpb.GetTariffsResponse, error) {
	req := &pactlogpb.GetTariffsRequest{DealId: dealID, ProductCategory: productCategory, Options: readOptions(opts)}
	var resp *pactlogpb.GetTariffsResponse
	_, err := c.invoke(ctx, func(ctx context.Context) (err error) {
		resp, err = c.query.GetTariffs(ctx, req)
		return err
	})
	return resp, err
}

// GetCompliance judges a deal's approved projects against the funding
// deadline of its terms: their FundingStatus and days, the counts, what is
// undisbursed on overdue projects, cap breaches, and every party's reading
// of the terms. reading names the party whose terms to use (an AssertedBy,
// e.g. "JP"; NOT_FOUND when it has none); "" uses the latest terms that name
// a deadline, else the latest. With AsOfEffectiveTime the deal is judged as
// it stood then and deadlines run to that time; else to now.
func (c *Client) GetCompliance(ctx context.Context, dealID, reading string, opts ...QueryOption) (*pactlogpb.GetComplianceResponse, error) {
	req := &pactlogpb.GetComplianceRequest{DealId: dealID, Reading: reading, Options: readOptions(opts)}
	var resp *pactlogpb.GetComplianceResponse
	_, err := c.invoke(ctx, func(ctx context.Context) (err error) {
		resp, err = c.query.GetCompliance(ctx, req)
		return err
	})
	return resp, err
}

// LineageSubject names whose figures GetLineage traces: a project, an
// allocation, or (both empty) the deal's totals. At most one of the two
// (else INVALID_ARGUMENT).
type LineageSubject struct {
	ProjectID    string
	AllocationID string
}

// GetLineage returns the events behind the figures of a project, an
// allocation or the deal (subject): Figures (Allocated, Pledged, Approved,
// Disbursed at the as-of point) and one page of Entries, in log order, each
// saying what one event changed of them (Change: deltas, negative for a
// decrease, nil fields for no change), the event an amendment or a
// restatement names (TargetEventId) and a one-line Summary. The changes of
// all entries, over every page, sum to Figures. Events about the subject
// that change no figure (a site, a firmness raise) are entries too. Pages
// are not pinned: to read several as one snapshot, pass
// AsOfSequence(first.LogSequence) with the later ones. NOT_FOUND for an
// unknown deal, or a subject unknown at the as-of point. GetAllLineage
// iterates over the entries of all pages.
func (c *Client) GetLineage(ctx context.Context, dealID string, subject LineageSubject, page Page, opts ...QueryOption) (*pactlogpb.GetLineageResponse, error) {
	if err := checkPageSize("Page.Size", page.Size); err != nil {
		return nil, err
	}
	req := &pactlogpb.GetLineageRequest{
		DealId:       dealID,
		Options:      readOptions(opts),
		ProjectId:    subject.ProjectID,
		AllocationId: subject.AllocationID,
		PageSize:     page.Size,
		PageToken:    page.Token,
	}
	var resp *pactlogpb.GetLineageResponse
	_, err := c.invoke(ctx, func(ctx context.Context) (err error) {
		resp, err = c.query.GetLineage(ctx, req)
		return err
	})
	return resp, err
}
