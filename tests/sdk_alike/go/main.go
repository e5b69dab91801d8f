// Command sdk_alike is the Go program of the cross-SDK scenario
// (tests/sdk_alike/SCENARIO.md): it uses only the SDK's public API with
// default options and prints one JSON object per line.
//
//	sdk_alike DEAL_PREFIX            the scenario's steps
//	sdk_alike --follow DEAL_PREFIX   the restart step: every event, until DEAL_PREFIX-stop
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"google.golang.org/grpc/codes"

	"pactlog.dev/sdk/go/pactlog"
	"pactlog.dev/sdk/go/pactlogpb"
)

func main() {
	args := os.Args[1:]
	var err error
	switch {
	case len(args) == 1 && !strings.HasPrefix(args[0], "-"):
		err = scenario(args[0])
	case len(args) == 2 && args[0] == "--follow":
		err = follow(args[1])
	default:
		err = fmt.Errorf("usage: sdk_alike DEAL_PREFIX | sdk_alike --follow DEAL_PREFIX (got %q)", args)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdk_alike (go):", err)
		os.Exit(1)
	}
}

// emit prints v as one line of JSON.
func emit(v interface{}) error {
	line, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(os.Stdout, "%s\n", line)
	return err
}

// announcement is a deal announcement with the default firmness: its
// provenance names a source and no firmness.
func announcement(title string) []*pactlogpb.EventData {
	return []*pactlogpb.EventData{pactlog.DealAnnounced(&pactlogpb.DealAnnouncement{
		Title:             title,
		InvestorCountry:   "JP",
		HostCountry:       "US",
		CommitmentCeiling: pactlog.NewMoney("USD", 55_000_000_000_000),
		TariffCaps:        pactlog.TariffCaps(map[string]int32{"all-goods": 1500}),
	}, &pactlogpb.Provenance{Source: "sdk_alike scenario"})}
}

// readOne is the one event of a deal that a one-event read returns.
func readOne(ctx context.Context, c *pactlog.Client, deal string) (*pactlogpb.Event, error) {
	page, err := c.Read(ctx, pactlog.ReadOptions{Filter: pactlog.Filter{DealIDs: []string{deal}}, Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("reading %s back: %w", deal, err)
	}
	if len(page.Events) != 1 {
		return nil, fmt.Errorf("reading %s back: %d events, want 1", deal, len(page.Events))
	}
	return page.Events[0], nil
}

// refusal is the *pactlog.Error of a call that should have failed.
func refusal(step string, err error) (*pactlog.Error, error) {
	var e *pactlog.Error
	if err == nil {
		return nil, fmt.Errorf("%s: the append succeeded", step)
	}
	if !errors.As(err, &e) {
		return nil, fmt.Errorf("%s: %v is no *pactlog.Error", step, err)
	}
	return e, nil
}

// codeNames are the canonical names of the gRPC codes (codes.Code.String
// spells them in Go's CamelCase).
var codeNames = map[codes.Code]string{
	codes.OK: "OK", codes.Canceled: "CANCELLED", codes.Unknown: "UNKNOWN",
	codes.InvalidArgument: "INVALID_ARGUMENT", codes.DeadlineExceeded: "DEADLINE_EXCEEDED",
	codes.NotFound: "NOT_FOUND", codes.AlreadyExists: "ALREADY_EXISTS",
	codes.PermissionDenied: "PERMISSION_DENIED", codes.ResourceExhausted: "RESOURCE_EXHAUSTED",
	codes.FailedPrecondition: "FAILED_PRECONDITION", codes.Aborted: "ABORTED",
	codes.OutOfRange: "OUT_OF_RANGE", codes.Unimplemented: "UNIMPLEMENTED",
	codes.Internal: "INTERNAL", codes.Unavailable: "UNAVAILABLE", codes.DataLoss: "DATA_LOSS",
	codes.Unauthenticated: "UNAUTHENTICATED",
}

func codeName(c codes.Code) string {
	if name, ok := codeNames[c]; ok {
		return name
	}
	return c.String()
}

func scenario(prefix string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d1, d2 := prefix+"-1", prefix+"-2"

	// 1. append, from the environment only.
	c, err := pactlog.Dial(ctx, "")
	if err != nil {
		return err
	}
	defer c.Close()
	resp, err := c.Append(ctx, d1, announcement("sdk_alike "+d1), pactlog.AppendOptions{})
	if err != nil {
		return fmt.Errorf("append: %w", err)
	}
	e, err := readOne(ctx, c, d1)
	if err != nil {
		return err
	}
	if err := emit(struct {
		Step       string `json:"step"`
		Actor      string `json:"actor"`
		Firmness   string `json:"firmness"`
		Attempts   int    `json:"attempts"`
		Durability string `json:"durability"`
	}{"append", e.Actor, pactlog.FirmnessName(e.Data.GetProvenance().GetFirmness()), resp.Attempts,
		strings.TrimPrefix(resp.Durability.String(), "DURABILITY_")}); err != nil {
		return err
	}

	// 2. actor-env: a new client made with PACTLOG_ACTOR set.
	if err := os.Setenv("PACTLOG_ACTOR", "alike-env-actor"); err != nil {
		return err
	}
	c2, err := pactlog.Dial(ctx, "")
	if err != nil {
		return err
	}
	defer c2.Close()
	if _, err := c2.Append(ctx, d2, announcement("sdk_alike "+d2), pactlog.AppendOptions{}); err != nil {
		return fmt.Errorf("actor-env: %w", err)
	}
	if e, err = readOne(ctx, c2, d2); err != nil {
		return err
	}
	if err := emit(struct {
		Step  string `json:"step"`
		Actor string `json:"actor"`
	}{"actor-env", e.Actor}); err != nil {
		return err
	}

	// 3. aborted: expected version exactly 0 on a deal at version 1.
	_, err = c.Append(ctx, d1, announcement("sdk_alike "+d1), pactlog.AppendOptions{ExpectedVersion: pactlog.ExactVersion(0)})
	ref, err := refusal("aborted", err)
	if err != nil {
		return err
	}
	var current *uint64
	if ref.HasCurrentVersion {
		current = &ref.CurrentVersion
	}
	if err := emit(struct {
		Step           string  `json:"step"`
		Code           string  `json:"code"`
		CurrentVersion *uint64 `json:"current_version"`
	}{"aborted", codeName(ref.Code), current}); err != nil {
		return err
	}

	// 4. invalid: a deal id that is no slug.
	_, err = c.Append(ctx, "Bad Deal!", announcement("sdk_alike bad deal"), pactlog.AppendOptions{})
	if ref, err = refusal("invalid", err); err != nil {
		return err
	}
	fields := []string{}
	for _, v := range ref.FieldViolations {
		fields = append(fields, v.Field)
	}
	sort.Strings(fields)
	if err := emit(struct {
		Step   string   `json:"step"`
		Code   string   `json:"code"`
		Fields []string `json:"fields"`
	}{"invalid", codeName(ref.Code), fields}); err != nil {
		return err
	}

	// 5. rule: the deal announced a second time.
	_, err = c.Append(ctx, d1, announcement("sdk_alike "+d1), pactlog.AppendOptions{})
	if ref, err = refusal("rule", err); err != nil {
		return err
	}
	if err := emit(struct {
		Step string `json:"step"`
		Code string `json:"code"`
		Rule string `json:"rule"`
	}{"rule", codeName(ref.Code), ref.Rule}); err != nil {
		return err
	}

	// 6. list: one page of 1, then every page.
	page, err := c.ListDeals(ctx, pactlog.Page{Size: 1})
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	deals := c.ListAllDeals(ctx, 1)
	all := 0
	for deals.Next() {
		all++
	}
	if err := deals.Err(); err != nil {
		return fmt.Errorf("list all: %w", err)
	}
	if err := emit(struct {
		Step    string `json:"step"`
		OnePage int    `json:"one_page"`
		HasNext bool   `json:"has_next"`
		All     int    `json:"all"`
	}{"list", len(page.Deals), page.NextPageToken != "", all}); err != nil {
		return err
	}

	// 7. caught-up: the events before the subscription says it caught up.
	sub, err := c.Subscribe(ctx, pactlog.SubscribeOptions{})
	if err != nil {
		return fmt.Errorf("caught-up: %w", err)
	}
	history := 0
	for !sub.CaughtUp() {
		if _, err := sub.Next(); err != nil {
			return fmt.Errorf("caught-up: %w", err)
		}
		history++
	}
	sequence := sub.CaughtUpSequence()
	_ = sub.Close()
	return emit(struct {
		Step     string `json:"step"`
		History  int    `json:"history"`
		Sequence uint64 `json:"sequence"`
	}{"caught-up", history, sequence})
}

// follow prints every event of the log, from the start and live, until one
// of deal prefix-stop.
func follow(prefix string) error {
	ctx := context.Background()
	c, err := pactlog.Dial(ctx, "")
	if err != nil {
		return err
	}
	defer c.Close()
	sub, err := c.Subscribe(ctx, pactlog.SubscribeOptions{})
	if err != nil {
		return err
	}
	defer sub.Close()
	for {
		e, err := sub.Next()
		if err != nil {
			return err
		}
		if err := emit(struct {
			Sequence       uint64 `json:"sequence"`
			Deal           string `json:"deal"`
			ReceivedUnixMs int64  `json:"received_unix_ms"`
		}{e.Sequence, e.DealId, time.Now().UnixMilli()}); err != nil {
			return err
		}
		if e.DealId == prefix+"-stop" {
			return nil
		}
	}
}
