package pactlog_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pactlog.dev/sdk/go/pactlog"
)

func TestAppendBadFieldsComeBackAsFieldViolations(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)

	bad := tariffChanged("all-goods", 200_000, time.Date(2025, 9, 16, 0, 0, 0, 0, time.UTC))
	bad.GetTariffChange().LegalInstrument = ""
	_, err := c.Append(ctx, "us-japan", events(dealAnnounced(), bad), pactlog.AppendOptions{})
	var e *pactlog.Error
	if !errors.As(err, &e) || e.Code != codes.InvalidArgument {
		t.Fatalf("Append: %v, want an INVALID_ARGUMENT *pactlog.Error", err)
	}
	var fields []string
	for _, v := range e.FieldViolations {
		fields = append(fields, v.Field)
	}
	want := []string{"events[1].tariff_change.rate_bps", "events[1].tariff_change.legal_instrument"}
	if !reflect.DeepEqual(fields, want) {
		t.Fatalf("FieldViolations fields = %q, want %q", fields, want)
	}
	if d := e.FieldViolations[0].Description; !strings.Contains(d, "200000") {
		t.Errorf("rate_bps description %q does not name 200000", d)
	}
	if d := e.FieldViolations[1].Description; !strings.Contains(d, "empty") {
		t.Errorf("legal_instrument description %q does not say empty", d)
	}
	if got := pactlog.FieldViolations(err); !reflect.DeepEqual(got, e.FieldViolations) {
		t.Errorf("FieldViolations(err) = %v, want %v", got, e.FieldViolations)
	}
	// The details stay reachable the grpc-go way too.
	if n := len(status.Convert(err).Details()); n != 1 {
		t.Errorf("status.Convert(err).Details() has %d details, want 1", n)
	}

	// Errors without details have no violations.
	_, err = c.GetDeal(ctx, "no-such-deal")
	if status.Code(err) != codes.NotFound || pactlog.FieldViolations(err) != nil {
		t.Errorf("GetDeal of an unknown deal: %v with violations %v, want NOT_FOUND and none",
			err, pactlog.FieldViolations(err))
	}
}

func TestFieldViolationsReadsAPlainStatusError(t *testing.T) {
	s, err := status.New(codes.InvalidArgument, "invalid request").WithDetails(&errdetails.BadRequest{
		FieldViolations: []*errdetails.BadRequest_FieldViolation{
			{Field: "deal_id", Description: "must be a slug"},
			{Field: "actor", Description: "must be 1..128 bytes"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	got := pactlog.FieldViolations(s.Err())
	want := []pactlog.FieldViolation{
		{Field: "deal_id", Description: "must be a slug"},
		{Field: "actor", Description: "must be 1..128 bytes"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FieldViolations = %v, want %v", got, want)
	}
	if got := pactlog.FieldViolations(errors.New("not a status")); got != nil {
		t.Errorf("FieldViolations of a plain error = %v, want nil", got)
	}
	if got := pactlog.FieldViolations(nil); got != nil {
		t.Errorf("FieldViolations(nil) = %v, want nil", got)
	}
}
