// Package pactlog is the Go client of pactlogd, the append-only record of
// "investment for tariff relief" deals (gRPC package pactlog.v1; the
// generated messages are in package pactlogpb).
//
//	c, err := pactlog.Dial(ctx, "127.0.0.1:50051")
//	resp, err := c.Append(ctx, "us-japan-2025", events, pactlog.AppendOptions{Actor: "me"})
//	deal, err := c.GetDeal(ctx, "us-japan-2025", pactlog.AtLeastSequence(resp.Sequences[0]))
//	sub, err := c.Subscribe(ctx, pactlog.SubscribeOptions{})
//	for { e, err := sub.Next(); ... }
//
// A Client is safe for concurrent use. Every unary call gets a deadline per
// attempt (WithTimeout) and is retried with backoff when the server was
// unavailable (WithRetryPolicy); Append makes that safe by giving each event
// an id before the first attempt, so the server deduplicates a repeat.
// Subscriptions re-open their stream after a disconnect from the last
// position they received, so a consumer sees every event exactly once
// across server restarts.
//
// Every error a call returns is an *Error carrying the gRPC code and the
// server's message; status.Code(err) and errors.As work on it.
package pactlog
