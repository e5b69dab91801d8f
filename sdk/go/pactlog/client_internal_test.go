package pactlog

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestNewEventIDIsARandomUUID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id, err := NewEventID()
		if err != nil {
			t.Fatal(err)
		}
		if !re.MatchString(id) || seen[id] {
			t.Fatalf("id %q: not a version-4 UUID, or repeated", id)
		}
		seen[id] = true
	}
}

func TestBackoffDoublesWithinBounds(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 10, InitialBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}
	for n, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 5: time.Second, 9: time.Second} {
		for i := 0; i < 100; i++ {
			if d := backoffDelay(p, n); d < want/2 || d > want {
				t.Fatalf("wait after attempt %d: %v, want within [%v, %v]", n, d, want/2, want)
			}
		}
	}
}

func TestErrorWorksWithStatusAndErrors(t *testing.T) {
	var err error = &Error{Code: codes.Aborted, Message: "deal us-japan is at version 3"}
	if status.Code(err) != codes.Aborted || status.Convert(err).Message() != "deal us-japan is at version 3" {
		t.Errorf("status sees %v", status.Convert(err))
	}
	wrapped := errorsJoin("appending", err)
	var e *Error
	if !errors.As(wrapped, &e) || e.Code != codes.Aborted {
		t.Errorf("errors.As through a wrap: %v", e)
	}
	if got := toError(context.DeadlineExceeded, 2); !errors.Is(got, context.DeadlineExceeded) || status.Code(got) != codes.DeadlineExceeded {
		t.Errorf("context deadline became %v", got)
	}
	if got := toError(status.Error(codes.NotFound, "no deal"), 1); status.Code(got) != codes.NotFound || got.Error() != "pactlog: NotFound: no deal" {
		t.Errorf("grpc status became %q", got)
	}
}

type wrapErr struct {
	msg string
	err error
}

func (w wrapErr) Error() string { return w.msg + ": " + w.err.Error() }
func (w wrapErr) Unwrap() error { return w.err }

func errorsJoin(msg string, err error) error { return wrapErr{msg, err} }
