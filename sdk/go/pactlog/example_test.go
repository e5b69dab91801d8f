package pactlog_test

import (
	"os"
	"os/exec"
	"os/user"
	"strings"
	"testing"

	"pactlog.dev/sdk/go/pactlog"
	"pactlog.dev/sdk/go/pactlogpb"
)

// The example program, built by test.sh in a user's module (the README's
// `go run pactlog.dev/sdk/go/examples/record_and_tail`), against a real
// server found through PACTLOG_ADDRESS: it records, then tails until caught
// up. Run twice, the second run records nothing.
func TestRecordAndTailExample(t *testing.T) {
	bin := os.Getenv("PACTLOG_EXAMPLE_BIN")
	if bin == "" {
		t.Skip("PACTLOG_EXAMPLE_BIN not set (sdk/go/test.sh builds the example and sets it)")
	}
	srv := startServer(t)
	run := func() string {
		t.Helper()
		cmd := exec.Command(bin, "-follow=false")
		cmd.Env = append(withoutSettings(os.Environ()), "PACTLOG_ADDRESS="+srv.addr)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("record_and_tail: %v\n%s", err, out)
		}
		return string(out)
	}
	first := run()
	for _, want := range []string{
		"recorded deal us-japan-2025: sequences [1 2], version 2, deduplicated false",
		"#1 us-japan-2025 v1 deal announced",
		"#2 us-japan-2025 v2 tariff on all-goods set to 1500 bps",
		"#3 us-japan-2025 v3 project announced: ohio-gas-power",
		"#4 us-japan-2025 v4 project approved: ohio-gas-power",
		"headroom 540000000000.00 USD",
		"caught up at #4",
	} {
		if !strings.Contains(first, want) {
			t.Errorf("first run's output lacks %q:\n%s", want, first)
		}
	}
	second := run()
	for _, want := range []string{"sequences [1 2], version 2, deduplicated true", "sequences [3 4], version 4, deduplicated true", "caught up at #4"} {
		if !strings.Contains(second, want) {
			t.Errorf("second run's output lacks %q:\n%s", want, second)
		}
	}
}

// The README's example, built by test.sh in a new module outside the
// repository the way the README's Install says, run as written: it dials
// PACTLOG_ADDRESS and records with the default actor.
func TestReadmeExampleRunsAsWritten(t *testing.T) {
	bin := os.Getenv("PACTLOG_README_BIN")
	if bin == "" {
		t.Skip("PACTLOG_README_BIN not set (sdk/go/test.sh builds the README's example and sets it)")
	}
	if src := os.Getenv("PACTLOG_README_EXAMPLE"); src != "" {
		code, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(code), `pactlog.Dial(ctx, "")`) {
			t.Errorf("the README example no longer dials the address of the environment, pactlog.Dial(ctx, \"\")")
		}
	}
	srv := startServer(t)
	cmd := exec.Command(bin)
	cmd.Env = append(withoutSettings(os.Environ()), "PACTLOG_ADDRESS="+srv.addr)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("README example: %v\n%s", err, out)
	}
	if want := "US-Japan Strategic Investment Framework headroom 550000000000 USD"; !strings.Contains(string(out), want) {
		t.Errorf("README example printed %q, want %q", out, want)
	}

	// What it recorded: confirmed (as written), by <user>@<host>.
	c := dial(t, srv.addr)
	page, err := c.Read(testContext(t), pactlog.ReadOptions{})
	if err != nil || len(page.Events) != 1 {
		t.Fatalf("Read: %v, %v; want the example's one event", page, err)
	}
	e := page.Events[0]
	if want := expectedDefaultActor(t); e.Actor != want {
		t.Errorf("recorded actor %q, want the default %q", e.Actor, want)
	}
	if e.Data.GetProvenance().GetFirmness() != pactlogpb.Firmness_FIRMNESS_CONFIRMED {
		t.Errorf("recorded firmness %v, want the example's FIRMNESS_CONFIRMED", e.Data.GetProvenance().GetFirmness())
	}
}

// withoutSettings is env without any PACTLOG_ variable.
func withoutSettings(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "PACTLOG_") {
			out = append(out, kv)
		}
	}
	return out
}

// expectedDefaultActor is sdk/BEHAVIOUR.md's <user>@<host> for this process.
func expectedDefaultActor(t *testing.T) string {
	t.Helper()
	name := os.Getenv("USER")
	if name == "" {
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		name = u.Username
	}
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	return name + "@" + host
}
