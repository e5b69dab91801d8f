package pactlog_test

import (
	"context"
	"testing"
	"time"

	"pactlog.dev/sdk/go/pactlog"
)

// go test -run '^$' -bench . (sdk/go/test.sh passes its arguments on).

// One single-event Append at a time: the round trip including the
// server's synced write.
func BenchmarkAppendOneEvent(b *testing.B) {
	srv := startServer(b)
	c, err := pactlog.Dial(context.Background(), srv.addr, pactlog.WithActor("bench"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if _, err := c.Append(ctx, "us-japan", events(dealAnnounced()), pactlog.AppendOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Append(ctx, "us-japan", events(tariffChanged("autos", int32(i%100000), sept2025)), pactlog.AppendOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// Catching up through the history with Next, 64 events per message.
func BenchmarkSubscribeCatchUp(b *testing.B) {
	srv := startServer(b)
	c, err := pactlog.Dial(context.Background(), srv.addr, pactlog.WithActor("bench"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if _, err := c.Append(ctx, "us-japan", events(dealAnnounced()), pactlog.AppendOptions{}); err != nil {
		b.Fatal(err)
	}
	const history = 20000
	for n := 1; n < history; {
		batch := events()
		for len(batch) < 1000 && n < history {
			batch = append(batch, tariffChanged("autos", int32(n%100000), sept2025))
			n++
		}
		if _, err := c.Append(ctx, "us-japan", batch, pactlog.AppendOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		sub, err := c.Subscribe(ctx, pactlog.SubscribeOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for got := 0; got < history; got++ {
			if _, err := sub.Next(); err != nil {
				b.Fatal(err)
			}
		}
		sub.Close()
	}
	b.ReportMetric(float64(history*b.N)/time.Since(start).Seconds(), "events/s")
}
