package pactlog

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
)

// Option configures Dial.
type Option func(*config) error

// TLSFiles names PEM files for a TLS connection.
type TLSFiles struct {
	// CAFile holds the certificates that may sign the server's certificate.
	// Empty: the system's roots.
	CAFile string
	// CertFile and KeyFile hold the client's certificate and key, for servers
	// that require client certificates (mutual TLS). Both or neither.
	CertFile string
	KeyFile  string
	// ServerName overrides the name checked against the server's
	// certificate. Empty: the host part of the address.
	ServerName string
}

// RetryPolicy bounds how a failed unary call is tried again. A call is
// retried only when the server could not have acted on it (UNAVAILABLE) or
// when retrying is safe anyway (DEADLINE_EXCEEDED of one attempt, for
// Append only because its events carry ids fixed before the first attempt,
// so a repeat is deduplicated by the server; queries are reads).
type RetryPolicy struct {
	// MaxAttempts is the most times a call is sent, >= 1.
	MaxAttempts int
	// InitialBackoff is the wait before the second attempt; each later wait
	// doubles, up to MaxBackoff. Each wait is drawn at random from
	// [wait/2, wait] so that many clients do not retry in step.
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
}

// DefaultRetryPolicy is used unless WithRetryPolicy says otherwise: 5
// attempts in all, waiting 100 ms doubling to at most 2 s (jittered) between
// them, roughly 1.5 s of backoff: enough to ride over a server restart's
// start-up replay of a small log.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 5, InitialBackoff: 100 * time.Millisecond, MaxBackoff: 2 * time.Second}

// DefaultAddress is the server Dial connects to when its address is "" and
// PACTLOG_ADDRESS is unset or empty.
const DefaultAddress = "127.0.0.1:50051"

// The environment variables Dial reads for what its arguments and options
// leave unset (an empty variable counts as unset).
const (
	// EnvAddress: the server's "host:port", when Dial's address is "".
	EnvAddress = "PACTLOG_ADDRESS"
	// EnvToken: the bearer token, without WithBearerToken. Needs TLS.
	EnvToken = "PACTLOG_TOKEN"
	// EnvTLSCA: a PEM file of the roots that may sign the server's
	// certificate, without WithTLS / WithTLSConfig; implies TLS.
	EnvTLSCA = "PACTLOG_TLS_CA"
	// EnvActor: the actor of appends, without WithActor.
	EnvActor = "PACTLOG_ACTOR"
)

// MaxReconnectBackoff caps the wait between the connection's attempts to
// reconnect to a server that went away (gRPC's own default grows to
// 120 s), so a client is connected again within about a second of the
// server serving again (gRPC adds up to 20 % of jitter).
const MaxReconnectBackoff = time.Second

// DefaultTimeout is each attempt's deadline unless WithTimeout says
// otherwise.
const DefaultTimeout = 10 * time.Second

type config struct {
	tls         *tls.Config
	token       string
	tokenFrom   string // the option or variable that gave the token
	timeout     time.Duration
	retry       RetryPolicy
	actor       string
	block       bool
	dialOptions []grpc.DialOption
}

// tlsFromFiles builds a tls.Config from PEM files; what names the option
// (or variable) in errors.
func tlsFromFiles(what string, files TLSFiles) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: files.ServerName, MinVersion: tls.VersionTLS12}
	if files.CAFile != "" {
		pem, err := os.ReadFile(files.CAFile)
		if err != nil {
			return nil, fmt.Errorf("%s: CA file: %w", what, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: CA file %q: no PEM certificate in it", what, files.CAFile)
		}
		cfg.RootCAs = pool
	}
	if (files.CertFile == "") != (files.KeyFile == "") {
		return nil, fmt.Errorf("%s: CertFile and KeyFile must be given together, got CertFile %q and KeyFile %q",
			what, files.CertFile, files.KeyFile)
	}
	if files.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(files.CertFile, files.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("%s: client certificate %q / key %q: %w", what, files.CertFile, files.KeyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// WithTLS connects over TLS with certificates read from PEM files. Without
// it (or WithTLSConfig) the connection uses TLS with the roots in the file
// PACTLOG_TLS_CA when that is set, else plaintext.
func WithTLS(files TLSFiles) Option {
	return func(c *config) error {
		cfg, err := tlsFromFiles("WithTLS", files)
		if err != nil {
			return err
		}
		c.tls = cfg
		return nil
	}
}

// WithTLSConfig connects over TLS with a ready tls.Config.
func WithTLSConfig(cfg *tls.Config) Option {
	return func(c *config) error {
		if cfg == nil {
			return errors.New("WithTLSConfig: nil tls.Config")
		}
		c.tls = cfg.Clone()
		return nil
	}
}

// WithBearerToken sends "authorization: Bearer <token>" with every call.
// It requires TLS (WithTLS, WithTLSConfig or PACTLOG_TLS_CA): a token is
// never sent in the clear. Without it the token is PACTLOG_TOKEN's, if set.
func WithBearerToken(token string) Option {
	return func(c *config) error {
		if token == "" {
			return errors.New(`WithBearerToken: empty token ""`)
		}
		c.token, c.tokenFrom = token, "WithBearerToken"
		return nil
	}
}

// WithTimeout sets the deadline of each attempt of a unary call (Append,
// the queries, Read) when the caller's context has none sooner; 0 means no
// deadline beyond the caller's. Default DefaultTimeout. Subscriptions are
// bounded by their context only.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("WithTimeout: negative duration %v", d)
		}
		c.timeout = d
		return nil
	}
}

// WithRetryPolicy replaces DefaultRetryPolicy. MaxAttempts 1 turns retries
// off.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config) error {
		if p.MaxAttempts < 1 {
			return fmt.Errorf("WithRetryPolicy: MaxAttempts must be >= 1, got %d", p.MaxAttempts)
		}
		if p.InitialBackoff < 0 || p.MaxBackoff < p.InitialBackoff {
			return fmt.Errorf("WithRetryPolicy: need 0 <= InitialBackoff <= MaxBackoff, got %v and %v",
				p.InitialBackoff, p.MaxBackoff)
		}
		c.retry = p
		return nil
	}
}

// WithActor sets the actor recorded on appended events (1..128 bytes) when
// AppendOptions.Actor is empty. Without it: PACTLOG_ACTOR, else
// "<user>@<host>" ($USER, else the login name, else "unknown"; the host
// name, else "unknown"). Client.Actor says which.
func WithActor(actor string) Option {
	return func(c *config) error {
		if err := checkActor("WithActor", actor); err != nil {
			return err
		}
		c.actor = actor
		return nil
	}
}

func checkActor(what, actor string) error {
	if len(actor) < 1 || len(actor) > 128 {
		return fmt.Errorf("%s: actor must be 1..128 bytes, got %d bytes (%q)", what, len(actor), actor)
	}
	return nil
}

// WithBlock makes Dial wait until the connection is up, or the context
// passed to Dial ends. By default Dial returns at once and connects in the
// background; a call made while it cannot connect fails with UNAVAILABLE
// and is retried by the RetryPolicy.
func WithBlock() Option {
	return func(c *config) error {
		c.block = true
		return nil
	}
}

// WithDialOptions passes options to grpc.DialContext as they are, after the
// client's own (interceptors, keepalive, a custom dialer).
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(c *config) error {
		c.dialOptions = append(c.dialOptions, opts...)
		return nil
	}
}
