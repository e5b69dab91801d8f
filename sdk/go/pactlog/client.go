package pactlog

import (
	"context"
	"math/rand"
	"os"
	"os/user"
	"sync"
	"time"
	"unicode/utf8"

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

	address string
	// sleep waits between attempts (a field so that tests can record the
	// waits instead of sleeping).
	sleep func(ctx context.Context, d time.Duration) error
}

// Dial connects to the pactlogd at address ("host:port"); "" means
// PACTLOG_ADDRESS, else DefaultAddress (127.0.0.1:50051). Options win over
// the environment: without WithTLS / WithTLSConfig the connection is TLS
// with the roots in PACTLOG_TLS_CA when that is set, else plaintext; without
// WithBearerToken the token is PACTLOG_TOKEN's, if set; without WithActor
// appends are recorded as PACTLOG_ACTOR, else "<user>@<host>". An empty
// variable counts as unset. Dial returns at once (the connection is made in
// the background) unless WithBlock is given, in which case ctx bounds the
// wait.
//
// Errors: *Error with INVALID_ARGUMENT for a bad option or variable
// (unreadable TLS files, a token without TLS, an actor over 128 bytes),
// naming it; with UNAVAILABLE or DEADLINE_EXCEEDED when WithBlock could not
// connect in time.
func Dial(ctx context.Context, address string, opts ...Option) (*Client, error) {
	cfg := config{timeout: DefaultTimeout, retry: DefaultRetryPolicy}
	for _, opt := range opts {
		if opt == nil {
			return nil, invalidArgument("Dial: nil Option")
		}
		if err := opt(&cfg); err != nil {
			return nil, &Error{Code: codes.InvalidArgument, Message: err.Error(), cause: err}
		}
	}
	if err := cfg.fromEnvironment(); err != nil {
		return nil, &Error{Code: codes.InvalidArgument, Message: err.Error(), cause: err}
	}
	if address == "" {
		address = getenv(EnvAddress)
	}
	if address == "" {
		address = DefaultAddress
	}
	if cfg.token != "" && cfg.tls == nil {
		return nil, invalidArgument("%s needs TLS (WithTLS, WithTLSConfig or %s): a token is never sent in the clear",
			cfg.tokenFrom, EnvTLSCA)
	}

	dialOpts := []grpc.DialOption{
		grpc.WithConnectParams(connectParams()),
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
		conn:    conn,
		ledger:  pactlogpb.NewDealLedgerClient(conn),
		query:   pactlogpb.NewDealQueryClient(conn),
		stream:  pactlogpb.NewEventStreamClient(conn),
		cfg:     cfg,
		address: address,
		sleep:   sleep,
	}, nil
}

// connectParams is the channel's reconnect schedule: grpc-go's own default
// waits up to 2 minutes between reconnects, and a server restart should be
// noticed within about a second. MinConnectTimeout bounds one connection
// attempt (TCP and TLS handshake) to a host that does not answer.
func connectParams() grpc.ConnectParams {
	return grpc.ConnectParams{
		Backoff: backoff.Config{
			BaseDelay:  100 * time.Millisecond,
			Multiplier: 1.6,
			Jitter:     0.2,
			MaxDelay:   MaxReconnectBackoff,
		},
		MinConnectTimeout: 5 * time.Second,
	}
}

// getenv is the variable's value; empty counts as unset.
func getenv(name string) string { return os.Getenv(name) }

// fromEnvironment fills in what the options left unset.
func (cfg *config) fromEnvironment() error {
	if cfg.tls == nil {
		if ca := getenv(EnvTLSCA); ca != "" {
			t, err := tlsFromFiles(EnvTLSCA, TLSFiles{CAFile: ca})
			if err != nil {
				return err
			}
			cfg.tls = t
		}
	}
	if cfg.token == "" {
		if token := getenv(EnvToken); token != "" {
			cfg.token, cfg.tokenFrom = token, EnvToken
		}
	}
	if cfg.actor == "" {
		if actor := getenv(EnvActor); actor != "" {
			if err := checkActor(EnvActor, actor); err != nil {
				return err
			}
			cfg.actor = actor
		} else {
			cfg.actor = defaultActor()
		}
	}
	return nil
}

// defaultActor is "<user>@<host>": $USER, else the login name of the
// process's user, else "unknown"; the host name, else "unknown". Cut to the
// 128 bytes an actor may have.
func defaultActor() string {
	name := getenv("USER")
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	if name == "" {
		name = "unknown"
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	actor := name + "@" + host
	for len(actor) > 128 {
		_, size := utf8.DecodeLastRuneInString(actor)
		actor = actor[:len(actor)-size]
	}
	return actor
}

// Actor is the actor recorded on appends that do not set
// AppendOptions.Actor: WithActor's, else PACTLOG_ACTOR, else
// "<user>@<host>".
func (c *Client) Actor() string { return c.cfg.actor }

// Address is the server address the client dialed.
func (c *Client) Address() string { return c.address }

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
//
// It returns how many attempts were made.
func (c *Client) invoke(ctx context.Context, attempt func(ctx context.Context) error) (int, error) {
	for n := 1; ; n++ {
		actx, cancel := ctx, context.CancelFunc(func() {})
		if c.cfg.timeout > 0 {
			actx, cancel = context.WithTimeout(ctx, c.cfg.timeout)
		}
		err := attempt(actx)
		cancel()
		if err == nil {
			return n, nil
		}
		if n >= c.cfg.retry.MaxAttempts || !retryable(ctx, err) {
			return n, toError(err, n)
		}
		if werr := c.sleep(ctx, backoffDelay(c.cfg.retry, n)); werr != nil {
			e := toError(werr, n).(*Error)
			e.Message += "; last attempt: " + toError(err, n).(*Error).Message
			return n, e
		}
	}
}

func retryable(ctx context.Context, err error) bool {
	switch toError(err, 0).(*Error).Code {
	case codes.Unavailable:
		return ctx.Err() == nil
	case codes.DeadlineExceeded:
		return ctx.Err() == nil
	case codes.Canceled:
		// Not the caller's context: a server shutting down cancelled the
		// call in flight (sdk/BEHAVIOUR.md).
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
