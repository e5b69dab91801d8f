package pactlog_test

// The tests run against the real pactlogd named by env PACTLOGD (test.sh
// sets it), each on a free 127.0.0.1 port over a fresh data directory.

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/health/grpc_health_v1"

	"pactlog.dev/sdk/go/pactlog"
)

// testServer is a running pactlogd process.
type testServer struct {
	t       testing.TB
	bin     string
	dataDir string
	addr    string

	mu   sync.Mutex
	cmd  *exec.Cmd
	out  *bytes.Buffer // stdout and stderr of the current process
	done chan struct{} // closed when the current process has exited
}

// startServer starts pactlogd on a free port over a fresh directory and
// waits until it serves. It is stopped and the directory removed when the
// test ends.
func startServer(t testing.TB) *testServer {
	t.Helper()
	bin := os.Getenv("PACTLOGD")
	if bin == "" {
		t.Fatal("env PACTLOGD must name the pactlogd binary (sdk/go/test.sh sets it)")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("pactlogd binary: %v", err)
	}
	s := &testServer{t: t, bin: bin, dataDir: filepath.Join(t.TempDir(), "data"), addr: freeAddr(t)}
	t.Cleanup(s.stop)
	s.start()
	return s
}

// freeAddr returns 127.0.0.1:PORT with a port the kernel just handed out.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("picking a port: %v", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatalf("closing the port probe: %v", err)
	}
	return addr
}

// start runs the server (again, on the same address and directory) and
// waits for the health service to say SERVING.
func (s *testServer) start() {
	s.t.Helper()
	out := &bytes.Buffer{}
	cmd := exec.Command(s.bin, "--listen", s.addr, "--data-dir", s.dataDir)
	cmd.Stdout, cmd.Stderr = &lockedWriter{w: out}, &lockedWriter{w: out}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("starting %s: %v", s.bin, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	s.mu.Lock()
	s.cmd, s.out, s.done = cmd, out, done
	s.mu.Unlock()
	if err := waitServing(s.addr, done, 30*time.Second); err != nil {
		s.t.Fatalf("pactlogd on %s: %v\n%s", s.addr, err, out.String())
	}
}

// stop sends SIGTERM and waits for the process to exit.
func (s *testServer) stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		s.t.Errorf("pactlogd did not stop within 30 s of SIGTERM")
	}
}

// restart stops the server and starts it again on the same port over the
// same data directory.
func (s *testServer) restart() {
	s.t.Helper()
	s.stop()
	s.start()
}

// waitServing polls grpc.health.v1.Health/Check until SERVING, the process
// exits, or the deadline passes.
func waitServing(addr string, exited <-chan struct{}, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	// grpc-go waits a second before its first reconnect by default; the
	// server usually listens within milliseconds.
	conn, err := grpc.DialContext(ctx, addr, grpc.WithInsecure(), grpc.WithConnectParams(grpc.ConnectParams{
		Backoff:           backoff.Config{BaseDelay: 10 * time.Millisecond, Multiplier: 1.6, MaxDelay: 200 * time.Millisecond},
		MinConnectTimeout: time.Second,
	}))
	if err != nil {
		return err
	}
	defer conn.Close()
	health := grpc_health_v1.NewHealthClient(conn)
	var last error
	for {
		cctx, ccancel := context.WithTimeout(ctx, time.Second)
		resp, err := health.Check(cctx, &grpc_health_v1.HealthCheckRequest{}, grpc.WaitForReady(true))
		ccancel()
		if err == nil && resp.GetStatus() == grpc_health_v1.HealthCheckResponse_SERVING {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-exited:
			return errorString("exited before serving")
		case <-ctx.Done():
			return errorString("not SERVING within " + limit.String() + "; last error: " + errText(last))
		case <-time.After(20 * time.Millisecond): // poll interval
		}
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

func errText(err error) string {
	if err == nil {
		return "none"
	}
	return err.Error()
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// dial connects a client to the test server; closed when the test ends.
func dial(t *testing.T, addr string, opts ...pactlog.Option) *pactlog.Client {
	t.Helper()
	c, err := pactlog.Dial(context.Background(), addr, append([]pactlog.Option{pactlog.WithActor("sdk-go-test")}, opts...)...)
	if err != nil {
		t.Fatalf("Dial(%s): %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// testContext is bounded so that a hung call fails the test instead of the
// whole run.
func testContext(t *testing.T) context.Context {
	return testContextWithin(t, 60*time.Second)
}

// testContextWithin is testContext with another bound, for tests that
// restart the server or move much data (slow on a loaded machine).
func testContextWithin(t *testing.T, limit time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	return ctx
}

func itoa(n int) string { return strconv.Itoa(n) }
