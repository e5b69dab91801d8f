package pactlog

import (
	"context"
	"math/rand"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"

	"pactlog.dev/sdk/go/pactlogpb"
)

// Client is a connection to a pactlogd server. It is safe for concurrent
// use by many goroutines; make one per server and share it. Close it when
// done.
type Client struct {
	conn   *grpc.ClientConn
	ledger pactlogpb.DealLedgerClient
	query  pactlogpb.DealQueryClient
	stream pactlogpb.EventStreamClient
	cfg    config
}

// Dial connects to the pactlogd at address ("host:port"). Without TLS
// options the connection is plaintext. It returns at once (the connection is
// made in the background) unless WithBlock is given, in which case ctx
// bounds the wait.
//
// Errors: *Error with INVALID_ARGUMENT for a bad option (unreadable TLS
// files, a token without TLS); with UNAVAILABLE or DEADLINE_EXCEEDED when
// WithBlock could not connect in time.
func Dial(ctx context.Context, address string, opts ...Option) (*Client, error) {
	cfg := config{timeout: DefaultTimeout, retry: DefaultRetryPolicy}
	for _, opt := range opts {
		if err := opt(&cfg); err != nil {
			return nil, &Error{Code: codes.InvalidArgument, Message: err.Error(), cause: err}
		}
	}
	if address == "" {
		return nil, invalidArgument("Dial: empty address")
	}
	if cfg.token != "" && cfg.tls == nil {
		return nil, invalidArgument("WithBearerToken needs TLS (WithTLS or WithTLSConfig): a token is never sent in the clear")
	}

	dialOpts := []grpc.DialOption{
		// grpc-go's own default waits up to 2 minutes between reconnects;
		// a server restart should be noticed within seconds.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff: backoff.Config{
				BaseDelay:  200 * time.Millisecond,
				Multiplier: 1.6,
				Jitter:     0.2,
				MaxDelay:   5 * time.Second,
			},
			MinConnectTimeout: 5 * time.Second,
		}),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(newProtoCodec())),
	}
	if cfg.tls != nil {
		dialOpts = append(dialOpts, grpc.WithTransportCredentials(credentials.NewTLS(cfg.tls)))
	} else {
		dialOpts = append(dialOpts, grpc.WithInsecure())
	}
	if cfg.token != "" {
		dialOpts = append(dialOpts, grpc.WithPerRPCCredentials(bearerToken{header: "Bearer " + cfg.token}))
	}
	if cfg.block {
		dialOpts = append(dialOpts, grpc.WithBlock())
	}
	dialOpts = append(dialOpts, cfg.dialOptions...)

	conn, err := grpc.DialContext(ctx, address, dialOpts...)
	if err != nil {
		return nil, toError(err, 0)
	}
	return &Client{
		conn:   conn,
		ledger: pactlogpb.NewDealLedgerClient(conn),
		query:  pactlogpb.NewDealQueryClient(conn),
		stream: pactlogpb.NewEventStreamClient(conn),
		cfg:    cfg,
	}, nil
}

// Close closes the connection. Calls in flight and open subscriptions end
// with CANCELED.
func (c *Client) Close() error {
	return c.conn.Close()
}

// Conn returns the underlying gRPC connection, e.g. for the health service.
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

// bearerToken sends the token as per-RPC metadata, over TLS only.
type bearerToken struct{ header string }

func (b bearerToken) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": b.header}, nil
}

func (bearerToken) RequireTransportSecurity() bool { return true }

// invoke runs one unary call under the retry policy. Each attempt gets the
// configured timeout (bounded by ctx). An attempt is retried when it failed
// with UNAVAILABLE, or with DEADLINE_EXCEEDED while ctx itself is still live
// (the attempt's own deadline fired). Callers make sure a repeat is safe.
func (c *Client) invoke(ctx context.Context, attempt func(ctx context.Context) error) error {
	for n := 1; ; n++ {
		actx, cancel := ctx, context.CancelFunc(func() {})
		if c.cfg.timeout > 0 {
			actx, cancel = context.WithTimeout(ctx, c.cfg.timeout)
		}
		err := attempt(actx)
		cancel()
		if err == nil {
			return nil
		}
		if n >= c.cfg.retry.MaxAttempts || !retryable(ctx, err) {
			return toError(err, n)
		}
		if werr := sleep(ctx, backoffDelay(c.cfg.retry, n)); werr != nil {
			e := toError(werr, n).(*Error)
			e.Message += "; last attempt: " + toError(err, n).(*Error).Message
			return e
		}
	}
}

func retryable(ctx context.Context, err error) bool {
	switch toError(err, 0).(*Error).Code {
	case codes.Unavailable:
		return ctx.Err() == nil
	case codes.DeadlineExceeded:
		return ctx.Err() == nil
	}
	return false
}

// backoffDelay is the wait after the n-th failed attempt (n >= 1).
func backoffDelay(p RetryPolicy, n int) time.Duration {
	d := p.InitialBackoff
	for i := 1; i < n && d < p.MaxBackoff; i++ {
		d *= 2
	}
	if d > p.MaxBackoff {
		d = p.MaxBackoff
	}
	if d <= 0 {
		return 0
	}
	half := d / 2
	jitterMu.Lock()
	defer jitterMu.Unlock()
	return half + time.Duration(jitter.Int63n(int64(d-half)+1))
}

// jitter spreads retries of many clients; its own source, seeded per
// process, so that the program's global math/rand is left alone.
var (
	jitterMu sync.Mutex
	jitter   = rand.New(rand.NewSource(time.Now().UnixNano()))
)

// sleep waits d or until ctx ends, whichever is first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
