package pactlog_test

import (
	"time"

	"pactlog.dev/sdk/go/pactlog"
	"pactlog.dev/sdk/go/pactlogpb"
)

// Events of the US-Japan framework, as the seed articles report them.

var (
	// When the framework was agreed.
	july2025 = time.Date(2025, 7, 22, 0, 0, 0, 0, time.UTC)
	// When the executive order implemented the 15% tariff.
	sept2025 = time.Date(2025, 9, 4, 0, 0, 0, 0, time.UTC)
	// When the first batch of projects was launched.
	feb2026 = time.Date(2026, 2, 18, 0, 0, 0, 0, time.UTC)
)

func usd(dollars int64) *pactlogpb.Money { return pactlog.NewMoney("USD", dollars*100) }

func dealAnnounced() *pactlogpb.EventData {
	return pactlog.DealAnnounced(&pactlogpb.DealAnnouncement{
		Title:             "US-Japan Strategic Investment Framework",
		InvestorCountry:   "JP",
		HostCountry:       "US",
		CommitmentCeiling: usd(550_000_000_000),
		TariffCaps:        pactlog.TariffCaps(map[string]int32{"all-goods": 1500, "autos": 1500}),
	}, pactlog.OfficiallyAnnounced("US-Japan joint statement, July 2025"), pactlog.EffectiveAt(july2025))
}

func projectAnnounced(id string, sector pactlogpb.Sector, state string, pledgedDollars int64) *pactlogpb.EventData {
	return pactlog.ProjectAnnounced(&pactlogpb.ProjectAnnouncement{
		ProjectId: id,
		Name:      "project " + id,
		Sector:    sector,
		UsState:   state,
		Sponsors:  []string{"Westinghouse"},
		Pledged:   usd(pledgedDollars),
	}, pactlog.OfficiallyAnnounced("Commerce fact sheet"), pactlog.EffectiveAt(feb2026))
}

func approved(projectID string, dollars int64) *pactlogpb.EventData {
	return pactlog.ProjectApproved(projectID, usd(dollars), "US Investment Committee",
		pactlog.Confirmed("Investment committee minutes"), pactlog.EffectiveAt(feb2026.Add(24*time.Hour)))
}

func tariffChanged(category string, bps int32, at time.Time) *pactlogpb.EventData {
	return pactlog.TariffChanged(category, bps, "Executive Order 14345", "implements the framework",
		pactlog.Confirmed("Federal Register"), pactlog.EffectiveAt(at))
}

func events(es ...*pactlogpb.EventData) []*pactlogpb.EventData { return es }
