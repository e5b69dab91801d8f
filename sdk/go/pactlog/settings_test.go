package pactlog_test

// The settings of sdk/BEHAVIOUR.md: an option wins, then the environment
// (an empty variable counts as unset), then the default.

import (
	"context"
	"crypto/tls"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pactlog.dev/sdk/go/pactlog"
	"pactlog.dev/sdk/go/pactlogpb"
)

// clearSettings unsets every PACTLOG_ variable for the test.
func clearSettings(t *testing.T) {
	for _, name := range []string{pactlog.EnvAddress, pactlog.EnvToken, pactlog.EnvTLSCA, pactlog.EnvActor} {
		t.Setenv(name, "")
	}
}

// recordedActor appends a deal announcement with c and reads back the
// actor the server recorded.
func recordedActor(ctx context.Context, t *testing.T, c *pactlog.Client, deal string, opts pactlog.AppendOptions) string {
	t.Helper()
	resp, err := c.Append(ctx, deal, events(dealAnnounced()), opts)
	if err != nil {
		t.Fatalf("Append %s: %v", deal, err)
	}
	page, err := c.Read(ctx, pactlog.ReadOptions{AfterSequence: resp.Sequences[0] - 1, Limit: 1})
	if err != nil || len(page.Events) != 1 {
		t.Fatalf("Read back %s: %v, %v", deal, page, err)
	}
	return page.Events[0].Actor
}

func dialNoActor(t *testing.T, address string, opts ...pactlog.Option) *pactlog.Client {
	t.Helper()
	c, err := pactlog.Dial(context.Background(), address, opts...)
	if err != nil {
		t.Fatalf("Dial(%q): %v", address, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestDialAddressFromTheEnvironment(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t)
	clearSettings(t)

	// No address and no variable: the default.
	if c := dialNoActor(t, ""); c.Address() != pactlog.DefaultAddress || pactlog.DefaultAddress != "127.0.0.1:50051" {
		t.Errorf("address %q (DefaultAddress %q), want 127.0.0.1:50051", c.Address(), pactlog.DefaultAddress)
	}

	t.Setenv("PACTLOG_ADDRESS", srv.addr)
	c := dialNoActor(t, "")
	if c.Address() != srv.addr {
		t.Errorf("address %q, want PACTLOG_ADDRESS %q", c.Address(), srv.addr)
	}
	if _, err := c.Append(ctx, "us-japan", events(dealAnnounced()), pactlog.AppendOptions{}); err != nil {
		t.Fatalf("Append through PACTLOG_ADDRESS: %v", err)
	}

	// The argument wins over the variable.
	t.Setenv("PACTLOG_ADDRESS", "127.0.0.1:1")
	if c := dialNoActor(t, srv.addr); c.Address() != srv.addr {
		t.Errorf("address %q, want the argument %q", c.Address(), srv.addr)
	}
}

func TestActorOptionThenEnvironmentThenUserAtHost(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t)
	clearSettings(t)
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}

	t.Setenv("USER", "alice")
	c := dialNoActor(t, srv.addr)
	if got := recordedActor(ctx, t, c, "deal-1", pactlog.AppendOptions{}); got != "alice@"+host || c.Actor() != got {
		t.Errorf("default actor recorded %q (Client.Actor %q), want %q", got, c.Actor(), "alice@"+host)
	}

	// Without $USER: the login name of the process's user.
	t.Setenv("USER", "")
	u, err := user.Current()
	if err != nil || u.Username == "" {
		t.Fatalf("user.Current: %v, %v", u, err)
	}
	if got := dialNoActor(t, srv.addr).Actor(); got != u.Username+"@"+host {
		t.Errorf("actor without $USER %q, want %q", got, u.Username+"@"+host)
	}

	t.Setenv("PACTLOG_ACTOR", "env-actor")
	c = dialNoActor(t, srv.addr)
	if got := recordedActor(ctx, t, c, "deal-2", pactlog.AppendOptions{}); got != "env-actor" {
		t.Errorf("actor recorded %q, want PACTLOG_ACTOR's env-actor", got)
	}
	// WithActor wins over the variable, AppendOptions.Actor over both.
	c = dialNoActor(t, srv.addr, pactlog.WithActor("option-actor"))
	if got := recordedActor(ctx, t, c, "deal-3", pactlog.AppendOptions{}); got != "option-actor" {
		t.Errorf("actor recorded %q, want WithActor's option-actor", got)
	}
	if got := recordedActor(ctx, t, c, "deal-4", pactlog.AppendOptions{Actor: "call-actor"}); got != "call-actor" {
		t.Errorf("actor recorded %q, want AppendOptions.Actor's call-actor", got)
	}

	// Bad actors are refused by Dial, naming where they came from.
	if _, err := pactlog.Dial(ctx, srv.addr, pactlog.WithActor("")); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "WithActor") {
		t.Errorf("empty WithActor: %v, want INVALID_ARGUMENT naming WithActor", err)
	}
	long := strings.Repeat("x", 129)
	if _, err := pactlog.Dial(ctx, srv.addr, pactlog.WithActor(long)); status.Code(err) != codes.InvalidArgument ||
		!strings.Contains(err.Error(), "WithActor") || !strings.Contains(err.Error(), "129 bytes") {
		t.Errorf("129-byte WithActor: %v, want INVALID_ARGUMENT naming WithActor and 129 bytes", err)
	}
	t.Setenv("PACTLOG_ACTOR", long)
	if _, err := pactlog.Dial(ctx, srv.addr); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "PACTLOG_ACTOR") {
		t.Errorf("129-byte PACTLOG_ACTOR: %v, want INVALID_ARGUMENT naming PACTLOG_ACTOR", err)
	}
}

func TestTokenAndTLSFromTheEnvironmentAreChecked(t *testing.T) {
	clearSettings(t)
	ctx := testContext(t)

	t.Setenv("PACTLOG_TOKEN", "s3cret")
	_, err := pactlog.Dial(ctx, "127.0.0.1:1")
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "PACTLOG_TOKEN needs TLS") {
		t.Errorf("PACTLOG_TOKEN without TLS: %v, want INVALID_ARGUMENT saying PACTLOG_TOKEN needs TLS", err)
	}
	_, err = pactlog.Dial(ctx, "127.0.0.1:1", pactlog.WithBearerToken("other"))
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "WithBearerToken needs TLS") {
		t.Errorf("WithBearerToken without TLS: %v, want INVALID_ARGUMENT saying WithBearerToken needs TLS", err)
	}

	t.Setenv("PACTLOG_TOKEN", "")
	missing := filepath.Join(t.TempDir(), "no-such-ca.pem")
	t.Setenv("PACTLOG_TLS_CA", missing)
	_, err = pactlog.Dial(ctx, "127.0.0.1:1")
	var e *pactlog.Error
	if !errors.As(err, &e) || e.Code != codes.InvalidArgument || !strings.Contains(e.Message, "PACTLOG_TLS_CA") || !strings.Contains(e.Message, missing) {
		t.Errorf("unreadable PACTLOG_TLS_CA: %v, want INVALID_ARGUMENT naming PACTLOG_TLS_CA and %s", err, missing)
	}
	// An option wins: with WithTLSConfig the variable is not read at all.
	if _, err := pactlog.Dial(ctx, "127.0.0.1:1", pactlog.WithTLSConfig(tlsConfigForTest())); err != nil {
		t.Errorf("WithTLSConfig with a bad PACTLOG_TLS_CA: %v, want the option to win", err)
	}
}

func tlsConfigForTest() *tls.Config { return &tls.Config{MinVersion: tls.VersionTLS12} }

func TestDefaultFirmnessIsRecordedAsReported(t *testing.T) {
	srv := startServer(t)
	c := dial(t, srv.addr)
	ctx := testContext(t)

	deal := pactlog.DealAnnounced(&pactlogpb.DealAnnouncement{Title: "US-Japan Strategic Investment Framework",
		InvestorCountry: "JP", HostCountry: "US", CommitmentCeiling: usd(550_000_000_000)},
		&pactlogpb.Provenance{Source: "a newspaper"})
	resp, err := c.Append(ctx, "us-japan", events(deal), pactlog.AppendOptions{})
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if resp.Attempts != 1 || resp.Durability != pactlogpb.Durability_DURABILITY_SYNCED_LOCAL {
		t.Errorf("attempts %d, durability %v; want 1, DURABILITY_SYNCED_LOCAL", resp.Attempts, resp.Durability)
	}
	page, err := c.Read(ctx, pactlog.ReadOptions{Limit: 1})
	if err != nil || len(page.Events) != 1 {
		t.Fatalf("Read: %v, %v", page, err)
	}
	if got := page.Events[0].Data.GetProvenance().GetFirmness(); got != pactlogpb.Firmness_FIRMNESS_REPORTED || pactlog.FirmnessName(got) != "REPORTED" {
		t.Errorf("recorded firmness %v, want FIRMNESS_REPORTED", got)
	}
}
