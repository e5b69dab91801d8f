package pactlog_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The example program, built by test.sh, against a real server: it records,
// then tails until caught up. Run twice, the second run records nothing.
func TestRecordAndTailExample(t *testing.T) {
	bin := os.Getenv("PACTLOG_EXAMPLE_BIN")
	if bin == "" {
		t.Skip("PACTLOG_EXAMPLE_BIN not set (sdk/go/test.sh builds the example and sets it)")
	}
	srv := startServer(t)
	run := func() string {
		t.Helper()
		out, err := exec.Command(bin, "-addr", srv.addr, "-follow=false").CombinedOutput()
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

// The README's example, as written but for the server address.
func TestReadmeExampleRunsAsWritten(t *testing.T) {
	src := os.Getenv("PACTLOG_README_EXAMPLE")
	if src == "" {
		t.Skip("PACTLOG_README_EXAMPLE not set (sdk/go/test.sh extracts the README's example and sets it)")
	}
	code, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	const written = `"127.0.0.1:50051"`
	if !strings.Contains(string(code), written) {
		t.Fatalf("the README example no longer dials %s", written)
	}
	srv := startServer(t)
	main := filepath.Join(t.TempDir(), "main.go")
	if err := os.WriteFile(main, []byte(strings.Replace(string(code), written, `"`+srv.addr+`"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "run", main).CombinedOutput()
	if err != nil {
		t.Fatalf("go run README example: %v\n%s", err, out)
	}
	if want := "US-Japan Strategic Investment Framework headroom 550000000000 USD"; !strings.Contains(string(out), want) {
		t.Errorf("README example printed %q, want %q", out, want)
	}
}
