// Command record_and_tail records the US-Japan framework and one of its
// projects in a pactlogd, then tails the log: the whole history, then every
// new event as it is committed, until Ctrl-C (or, with -follow=false, until
// it has caught up). From a module that requires the SDK (sdk/go/README.md,
// "Install"):
//
//	go run pactlog.dev/sdk/go/examples/record_and_tail -addr 127.0.0.1:50051
//
// Without -addr it connects to PACTLOG_ADDRESS, else 127.0.0.1:50051.
//
// Running it again records nothing new: the events carry fixed ids, so the
// server recognises the repeat and answers with the original sequences.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"pactlog.dev/sdk/go/pactlog"
	"pactlog.dev/sdk/go/pactlogpb"
)

func main() {
	addr := flag.String("addr", "", "pactlogd address (host:port; default PACTLOG_ADDRESS, else "+pactlog.DefaultAddress+")")
	deal := flag.String("deal", "us-japan-2025", "deal id to record")
	follow := flag.Bool("follow", true, "keep tailing after catching up (until Ctrl-C)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	c, err := pactlog.Dial(ctx, *addr, pactlog.WithActor("record_and_tail example"))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	if err := record(ctx, c, *deal); err != nil {
		log.Fatal(err)
	}
	if err := tail(ctx, c, *follow); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

// record appends the deal's announcement, then a project with its approval.
func record(ctx context.Context, c *pactlog.Client, deal string) error {
	usd := func(dollars int64) *pactlogpb.Money { return pactlog.NewMoney("USD", dollars*100) }
	agreed := time.Date(2025, 7, 22, 0, 0, 0, 0, time.UTC)
	launched := time.Date(2026, 2, 18, 0, 0, 0, 0, time.UTC)

	resp, err := c.Append(ctx, deal, []*pactlogpb.EventData{
		pactlog.DealAnnounced(&pactlogpb.DealAnnouncement{
			Title:             "US-Japan Strategic Investment Framework",
			InvestorCountry:   "JP",
			HostCountry:       "US",
			CommitmentCeiling: usd(550_000_000_000),
			TariffCaps:        pactlog.TariffCaps(map[string]int32{"all-goods": 1500}),
		}, pactlog.OfficiallyAnnounced("US-Japan joint statement, July 2025"),
			pactlog.EffectiveAt(agreed), pactlog.WithEventID(deal+"/announced")),
		pactlog.TariffChanged("all-goods", 1500, "Executive Order 14345", "implements the agreed cap",
			pactlog.Confirmed("Federal Register, September 2025"),
			pactlog.EffectiveAt(time.Date(2025, 9, 16, 0, 0, 0, 0, time.UTC)), pactlog.WithEventID(deal+"/tariff-15")),
	}, pactlog.AppendOptions{})
	if err != nil {
		return fmt.Errorf("recording the deal: %w", err)
	}
	fmt.Printf("recorded deal %s: sequences %v, version %d, deduplicated %v\n",
		deal, resp.Sequences, resp.DealVersion, resp.Deduplicated)

	resp, err = c.Append(ctx, deal, []*pactlogpb.EventData{
		pactlog.ProjectAnnounced(&pactlogpb.ProjectAnnouncement{
			ProjectId: "ohio-gas-power",
			Name:      "Natural-gas power plant, Ohio",
			Sector:    pactlogpb.Sector_SECTOR_ENERGY,
			UsState:   "OH",
			Sponsors:  []string{"JERA"},
			Pledged:   usd(10_000_000_000),
		}, pactlog.OfficiallyAnnounced("Commerce Department, first batch"),
			pactlog.EffectiveAt(launched), pactlog.WithEventID(deal+"/ohio-gas-power/announced")),
		pactlog.ProjectApproved("ohio-gas-power", usd(4_000_000_000), "US Investment Committee",
			pactlog.Confirmed("Investment committee decision"),
			pactlog.EffectiveAt(launched), pactlog.WithEventID(deal+"/ohio-gas-power/approved")),
	}, pactlog.AppendOptions{})
	if err != nil {
		return fmt.Errorf("recording the project: %w", err)
	}
	fmt.Printf("recorded project ohio-gas-power: sequences %v, version %d, deduplicated %v\n",
		resp.Sequences, resp.DealVersion, resp.Deduplicated)

	state, err := c.GetDeal(ctx, deal, pactlog.AtLeastSequence(resp.Sequences[len(resp.Sequences)-1]))
	if err != nil {
		return fmt.Errorf("reading the deal: %w", err)
	}
	d := state.Deal
	fmt.Printf("deal %s: pledged %s, approved %s, headroom %s\n", d.DealId,
		money(d.Totals.GetPledged()), money(d.Totals.GetApproved()), money(d.Headroom))
	return nil
}

// tail prints the log from the start, then live events.
func tail(ctx context.Context, c *pactlog.Client, follow bool) error {
	sub, err := c.Subscribe(ctx, pactlog.SubscribeOptions{})
	if err != nil {
		return err
	}
	defer sub.Close()
	reported := false
	for {
		// CaughtUp is true once the history is handed over, before Next
		// waits for a live event.
		if sub.CaughtUp() && !reported {
			fmt.Printf("caught up at #%d\n", sub.CaughtUpSequence())
			reported = true
			if !follow {
				return nil
			}
		}
		e, err := sub.Next()
		if err != nil {
			return err
		}
		fmt.Printf("#%d %s v%d %s\n", e.Sequence, e.DealId, e.DealVersion, describe(e.Data))
	}
}

func describe(d *pactlogpb.EventData) string {
	switch k := d.Kind.(type) {
	case *pactlogpb.EventData_Announcement:
		if deal := k.Announcement.GetDeal(); deal != nil {
			return fmt.Sprintf("deal announced: %q, ceiling %s", deal.Title, money(deal.CommitmentCeiling))
		}
		p := k.Announcement.GetProject()
		return fmt.Sprintf("project announced: %s (%s, %s), pledged %s", p.ProjectId, p.Sector, p.UsState, money(p.Pledged))
	case *pactlogpb.EventData_Approval:
		return fmt.Sprintf("project approved: %s for %s by %s", k.Approval.ProjectId, money(k.Approval.Amount), k.Approval.ApprovingBody)
	case *pactlogpb.EventData_Disbursement:
		return fmt.Sprintf("disbursed: %s to %s via %s", money(k.Disbursement.Amount), k.Disbursement.ProjectId, k.Disbursement.FundingSource)
	case *pactlogpb.EventData_TariffChange:
		return fmt.Sprintf("tariff on %s set to %d bps (%s)", k.TariffChange.ProductCategory, k.TariffChange.RateBps, k.TariffChange.LegalInstrument)
	case *pactlogpb.EventData_Amendment:
		return "amendment: " + amendment(k.Amendment)
	}
	return "unknown event kind"
}

func amendment(a *pactlogpb.Amendment) string {
	target := a.TargetEventId
	switch c := a.Change.(type) {
	case *pactlogpb.Amendment_RevisedAmount:
		return fmt.Sprintf("%s revised to %s", target, money(c.RevisedAmount))
	case *pactlogpb.Amendment_Withdrawal:
		return fmt.Sprintf("%s withdrawn: %s", target, a.Reason)
	case *pactlogpb.Amendment_RaisedFirmness:
		return fmt.Sprintf("%s raised to %s", target, c.RaisedFirmness)
	case *pactlogpb.Amendment_Retraction:
		return fmt.Sprintf("%s retracted: %s", target, a.Reason)
	case *pactlogpb.Amendment_Correction:
		return fmt.Sprintf("%s corrected", target)
	}
	return target + " amended"
}

func money(m *pactlogpb.Money) string {
	if m == nil {
		return "0"
	}
	return fmt.Sprintf("%d.%02d %s", m.MinorUnits/100, m.MinorUnits%100, m.CurrencyCode)
}
