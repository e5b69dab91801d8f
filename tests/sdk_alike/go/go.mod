module pactlog.dev/tests/sdk_alike/go

go 1.19

// build.sh adds the requirement of pactlog.dev/sdk/go (and go.sum) in a
// copy, from the proxy sdk/go/make-proxy.sh makes, as a user's module would.
