package pactlog_test

// pactlogd itself speaks plaintext; deployments put TLS and token checks in
// front of it. These tests do the same: a TLS gateway that requires a client
// certificate and a bearer token forwards every call, byte for byte, to a
// real pactlogd. It checks what the client sends on the wire.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"pactlog.dev/sdk/go/pactlog"
)

// pki is a CA with a server certificate for 127.0.0.1 and a client
// certificate, written as PEM files.
type pki struct {
	dir                       string
	caFile, certFile, keyFile string
	serverCert                tls.Certificate
	caPool                    *x509.CertPool
	otherCAFile               string // a CA that signed nothing here
	clientCommonName          string
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	p := &pki{dir: t.TempDir(), clientCommonName: "sdk-go-test-client"}
	caKey, caCert, caDER := newCA(t, "pactlog test CA")
	p.caFile = writePEM(t, p.dir, "ca.pem", "CERTIFICATE", caDER)
	p.caPool = x509.NewCertPool()
	p.caPool.AddCert(caCert)
	_, _, otherDER := newCA(t, "unrelated CA")
	p.otherCAFile = writePEM(t, p.dir, "other-ca.pem", "CERTIFICATE", otherDER)

	serverKey, serverDER := newLeaf(t, caKey, caCert, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "pactlogd"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	p.serverCert = tls.Certificate{Certificate: [][]byte{serverDER}, PrivateKey: serverKey}

	clientKey, clientDER := newLeaf(t, caKey, caCert, &x509.Certificate{
		Subject:     pkix.Name{CommonName: p.clientCommonName},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	p.certFile = writePEM(t, p.dir, "client.pem", "CERTIFICATE", clientDER)
	keyDER, err := x509.MarshalPKCS8PrivateKey(clientKey)
	if err != nil {
		t.Fatal(err)
	}
	p.keyFile = writePEM(t, p.dir, "client-key.pem", "PRIVATE KEY", keyDER)
	return p
}

var serial int64

func nextSerial() *big.Int { serial++; return big.NewInt(serial) }

func newCA(t *testing.T, name string) (*ecdsa.PrivateKey, *x509.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert, der
}

func newLeaf(t *testing.T, caKey *ecdsa.PrivateKey, ca *x509.Certificate, tmpl *x509.Certificate) (*ecdsa.PrivateKey, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = nextSerial()
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return key, der
}

func writePEM(t *testing.T, dir, name, kind string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// frame is a message passed through the gateway undecoded.
type frame struct{ b []byte }

type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) { return v.(*frame).b, nil }
func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	v.(*frame).b = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string   { return "proto" }
func (rawCodec) String() string { return "proto" }

// gateway terminates TLS (client certificate required), checks the bearer
// token and forwards the call to pactlogd.
type gateway struct {
	addr    string
	token   string
	backend *grpc.ClientConn

	mu      sync.Mutex
	auth    []string // authorization metadata of every call
	clients []string // client certificate common names
}

func startGateway(t *testing.T, p *pki, backendAddr, token string) *gateway {
	t.Helper()
	return startGatewayWith(t, p, backendAddr, token, tls.RequireAndVerifyClientCert)
}

// startGatewayWith is startGateway with another client certificate policy.
func startGatewayWith(t *testing.T, p *pki, backendAddr, token string, clientAuth tls.ClientAuthType) *gateway {
	t.Helper()
	backend, err := grpc.Dial(backendAddr, grpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { backend.Close() })
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &gateway{addr: lis.Addr().String(), token: token, backend: backend}
	srv := grpc.NewServer(
		grpc.Creds(credentials.NewTLS(&tls.Config{
			Certificates: []tls.Certificate{p.serverCert},
			ClientAuth:   clientAuth,
			ClientCAs:    p.caPool,
		})),
		grpc.CustomCodec(rawCodec{}), //nolint:staticcheck // the only raw codec hook in grpc-go 1.33
		grpc.UnknownServiceHandler(g.forward))
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return g
}

func (g *gateway) forward(_ interface{}, in grpc.ServerStream) error {
	ctx := in.Context()
	method, _ := grpc.MethodFromServerStream(in)
	md, _ := metadata.FromIncomingContext(ctx)
	auth := strings.Join(md.Get("authorization"), ",")
	client := ""
	if p, ok := peer.FromContext(ctx); ok {
		if info, ok := p.AuthInfo.(credentials.TLSInfo); ok && len(info.State.PeerCertificates) > 0 {
			client = info.State.PeerCertificates[0].Subject.CommonName
		}
	}
	g.mu.Lock()
	g.auth = append(g.auth, auth)
	g.clients = append(g.clients, client)
	g.mu.Unlock()
	if auth != "Bearer "+g.token {
		return status.Error(codes.Unauthenticated, "gateway: missing or wrong bearer token")
	}

	out, err := g.backend.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, method, grpc.ForceCodec(rawCodec{}))
	if err != nil {
		return err
	}
	go func() {
		for {
			f := &frame{}
			if err := in.RecvMsg(f); err != nil {
				_ = out.CloseSend()
				return
			}
			if err := out.SendMsg(f); err != nil {
				return
			}
		}
	}()
	for {
		f := &frame{}
		if err := out.RecvMsg(f); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if err := in.SendMsg(f); err != nil {
			return err
		}
	}
}

func (g *gateway) seen() (auth, clients []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.auth...), append([]string(nil), g.clients...)
}

func TestTLSWithClientCertificateAndBearerToken(t *testing.T) {
	srv := startServer(t)
	p := newPKI(t)
	gw := startGateway(t, p, srv.addr, "s3cret")
	ctx := testContext(t)
	files := pactlog.TLSFiles{CAFile: p.caFile, CertFile: p.certFile, KeyFile: p.keyFile}

	c := dial(t, gw.addr, pactlog.WithTLS(files), pactlog.WithBearerToken("s3cret"))
	resp, err := c.Append(ctx, "us-japan", events(dealAnnounced()), pactlog.AppendOptions{})
	if err != nil {
		t.Fatalf("Append through the TLS gateway: %v", err)
	}
	if _, err := c.GetDeal(ctx, "us-japan", pactlog.AtLeastSequence(resp.Sequences[0])); err != nil {
		t.Fatalf("GetDeal through the TLS gateway: %v", err)
	}
	sub, err := c.Subscribe(ctx, pactlog.SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if e, err := sub.Next(); err != nil || e.Sequence != 1 {
		t.Fatalf("Subscribe through the TLS gateway: %v, %v", e, err)
	}
	// Append, GetDeal and Subscribe: at least 3 calls (more if an attempt
	// was retried), every one with the token and the client certificate.
	auth, clients := gw.seen()
	if len(auth) < 3 {
		t.Fatalf("gateway saw %d calls, want at least 3", len(auth))
	}
	for i := range auth {
		if auth[i] != "Bearer s3cret" || clients[i] != p.clientCommonName {
			t.Errorf("call %d: authorization %q from client %q; want %q from %q", i, auth[i], clients[i], "Bearer s3cret", p.clientCommonName)
		}
	}

	// A wrong token is refused, and not retried.
	wrong := dial(t, gw.addr, pactlog.WithTLS(files), pactlog.WithBearerToken("guess"))
	_, err = wrong.GetDeal(ctx, "us-japan")
	var e *pactlog.Error
	if status.Code(err) != codes.Unauthenticated || !errors.As(err, &e) || e.Attempts != 1 {
		t.Errorf("wrong token: %v, want UNAUTHENTICATED after 1 attempt", err)
	}
}

func TestTLSFailures(t *testing.T) {
	srv := startServer(t)
	p := newPKI(t)
	gw := startGateway(t, p, srv.addr, "s3cret")
	ctx := testContext(t)
	once := pactlog.WithRetryPolicy(pactlog.RetryPolicy{MaxAttempts: 1})

	// Without a client certificate the gateway ends the handshake.
	noCert := dial(t, gw.addr, pactlog.WithTLS(pactlog.TLSFiles{CAFile: p.caFile}), once)
	if _, err := noCert.GetDeal(ctx, "us-japan"); status.Code(err) != codes.Unavailable {
		t.Errorf("no client certificate: %v, want UNAVAILABLE", err)
	}
	// A CA that did not sign the server's certificate.
	wrongCA := dial(t, gw.addr, pactlog.WithTLS(pactlog.TLSFiles{CAFile: p.otherCAFile, CertFile: p.certFile, KeyFile: p.keyFile}), once)
	if _, err := wrongCA.GetDeal(ctx, "us-japan"); status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("server certificate from another CA: %v, want UNAVAILABLE about the certificate", err)
	}

	// Mistakes found by Dial.
	for name, opts := range map[string][]pactlog.Option{
		"token without TLS": {pactlog.WithBearerToken("s3cret")},
		"missing CA file":   {pactlog.WithTLS(pactlog.TLSFiles{CAFile: filepath.Join(p.dir, "nope.pem")})},
		"cert without key":  {pactlog.WithTLS(pactlog.TLSFiles{CAFile: p.caFile, CertFile: p.certFile})},
		"key as CA":         {pactlog.WithTLS(pactlog.TLSFiles{CAFile: p.keyFile})},
		"empty token":       {pactlog.WithBearerToken("")},
		"negative timeout":  {pactlog.WithTimeout(-time.Second)},
	} {
		c, err := pactlog.Dial(ctx, gw.addr, opts...)
		if status.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: Dial gave %v, want INVALID_ARGUMENT", name, err)
		}
		if c != nil {
			c.Close()
		}
	}
	_, err := pactlog.Dial(ctx, gw.addr, pactlog.WithTLS(pactlog.TLSFiles{CAFile: filepath.Join(p.dir, "nope.pem")}))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing CA file: %v does not unwrap to fs.ErrNotExist", err)
	}
}

// PACTLOG_TLS_CA and PACTLOG_TOKEN, without options: TLS with those roots
// and the token on every call; an option wins over each.
func TestTLSAndTokenFromTheEnvironment(t *testing.T) {
	srv := startServer(t)
	p := newPKI(t)
	gw := startGatewayWith(t, p, srv.addr, "s3cret", tls.NoClientCert)
	ctx := testContext(t)
	clearSettings(t)
	t.Setenv("PACTLOG_TLS_CA", p.caFile)
	t.Setenv("PACTLOG_TOKEN", "s3cret")

	c := dial(t, gw.addr)
	if _, err := c.Append(ctx, "us-japan", events(dealAnnounced()), pactlog.AppendOptions{}); err != nil {
		t.Fatalf("Append through the TLS gateway with PACTLOG_TLS_CA and PACTLOG_TOKEN: %v", err)
	}
	auth, _ := gw.seen()
	if len(auth) == 0 || auth[len(auth)-1] != "Bearer s3cret" {
		t.Errorf("gateway saw authorization %q, want the last to be PACTLOG_TOKEN's", auth)
	}

	once := pactlog.WithRetryPolicy(pactlog.RetryPolicy{MaxAttempts: 1})
	wrongToken := dial(t, gw.addr, pactlog.WithBearerToken("guess"), once)
	if _, err := wrongToken.GetDeal(ctx, "us-japan"); status.Code(err) != codes.Unauthenticated {
		t.Errorf("WithBearerToken over PACTLOG_TOKEN: %v, want the option's token (UNAUTHENTICATED)", err)
	}
	wrongCA := dial(t, gw.addr, pactlog.WithTLS(pactlog.TLSFiles{CAFile: p.otherCAFile}), once)
	if _, err := wrongCA.GetDeal(ctx, "us-japan"); status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("WithTLS over PACTLOG_TLS_CA: %v, want the option's CA (UNAVAILABLE about the certificate)", err)
	}
}
