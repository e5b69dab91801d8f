// Package pactlog is the Go client of pactlogd, the append-only record of
// "investment for tariff relief" deals (gRPC package pactlog.v1; the
// generated messages are in package pactlogpb, module pactlog.dev/sdk/go).
//
//	c, err := pactlog.Dial(ctx, "") // PACTLOG_ADDRESS, else 127.0.0.1:50051
//	resp, err := c.Append(ctx, "us-japan-2025", events, pactlog.AppendOptions{})
//	deal, err := c.GetDeal(ctx, "us-japan-2025", pactlog.AtLeastSequence(resp.Sequences[0]))
//	sub, err := c.Subscribe(ctx, pactlog.SubscribeOptions{})
//	for !sub.CaughtUp() { e, err := sub.Next(); ... } // the history
//
// It follows the rules every pactlog SDK shares (sdk/BEHAVIOUR.md in the
// repository). Settings are the option, else the environment
// (PACTLOG_ADDRESS, PACTLOG_TOKEN, PACTLOG_TLS_CA, PACTLOG_ACTOR), else the
// default; appends are recorded as "<user>@<host>" unless told otherwise,
// and events are reported unless their provenance says a firmer claim.
//
// A Client is safe for concurrent use. Every unary call gets a deadline per
// attempt (WithTimeout) and is retried with backoff when the server was
// unavailable (WithRetryPolicy; 5 attempts in all by default); Append makes
// that safe by giving each event an id before the first attempt, so the
// server deduplicates a repeat. The connection reconnects within about a
// second of a restarted server serving again. Subscriptions re-open their
// stream after a disconnect from the last position they received, so a
// consumer sees every event exactly once across server restarts, and never
// give up by themselves. Every listing has a one-page call and an iterator
// over all pages (ListDeals and ListAllDeals, ...).
//
// Every error a call returns is an *Error carrying the gRPC code, the
// server's message, the number of attempts and the status details as data
// (field violations, the deal's current version, the broken rule);
// status.Code(err) and errors.As work on it.
package pactlog
