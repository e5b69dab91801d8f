// One-line, human-readable descriptions of events, for logs and tails.

import { formatMoney } from "./builders";
import { AllocationBasis, Event, EventData, Firmness, FundingSource, Sector } from "./gen/pactlog/v1/events";

/**
 * The kind of an event: "deal-announcement", "project-announcement", "approval", ...;
 * an amendment by its change: "revision", "withdrawal", "firmness-raise", "retraction", "correction".
 */
export function eventKindOf(data: EventData | undefined): string {
  if (data?.announcement?.deal) return "deal-announcement";
  if (data?.announcement?.project) return "project-announcement";
  if (data?.announcement?.allocation) return "allocation-announcement";
  if (data?.announcement?.projectSite) return "project-site";
  if (data?.announcement?.terms) return "deal-terms";
  if (data?.approval) return "approval";
  if (data?.disbursement) return "disbursement";
  if (data?.tariffChange) return "tariff-change";
  const a = data?.amendment;
  if (a?.revisedAmount) return "revision";
  if (a?.withdrawal) return "withdrawal";
  if (a?.raisedFirmness !== undefined) return "firmness-raise";
  if (a?.retraction) return "retraction";
  if (a?.correction) return "correction";
  if (a) return "amendment";
  return "unknown";
}

const pct = (bps: number): string => `${(bps / 100).toFixed(2).replace(/\.?0+$/, "")}%`;
const enumName = (table: Record<number, string>, v: number, prefix: string): string =>
  (table[v] ?? String(v)).replace(prefix, "").toLowerCase().replace(/_/g, "-");

/** E.g. `#7 us-jp v3 approval tx-lng USD 1,000,000.00 by US Investment Committee`. */
export function describeEvent(e: Event): string {
  const d = e.data;
  const head = `#${e.sequence} ${e.dealId} v${e.dealVersion} ${eventKindOf(d)}`;
  const restating = d?.restates.length ? ` restating ${d.restates.join(", ")}` : "";
  if (d?.announcement?.deal) {
    const a = d.announcement.deal;
    const caps = a.tariffCaps.map((c) => `${c.productCategory} <= ${pct(c.maxRateBps)}`).join(", ");
    return `${head} "${a.title}" ${a.investorCountry}->${a.hostCountry} ceiling ${formatMoney(a.commitmentCeiling)}${caps ? ` caps ${caps}` : ""}`;
  }
  if (d?.announcement?.project) {
    const p = d.announcement.project;
    const site = p.usState || "(site not known)";
    const allocation = p.allocationId ? ` from ${p.allocationId}` : "";
    return `${head} ${p.projectId} "${p.name}" ${enumName(Sector, p.sector, "SECTOR_")} ${site} pledged ${formatMoney(p.pledged)}${allocation}${restating}`;
  }
  if (d?.announcement?.allocation) {
    const a = d.announcement.allocation;
    const sector = a.sector ? ` ${enumName(Sector, a.sector, "SECTOR_")}` : "";
    const cap = a.cap ? ` cap ${formatMoney(a.cap)}` : " no cap";
    const leads = a.leadCompanies.map((c) => (c.country ? `${c.name} (${c.country})` : c.name)).join(", ");
    return `${head} ${a.allocationId} "${a.name}" ${enumName(AllocationBasis, a.basis, "ALLOCATION_BASIS_")}${sector}${cap}${a.parentAllocationId ? ` in ${a.parentAllocationId}` : ""}${leads ? ` led by ${leads}` : ""}${restating}`;
  }
  if (d?.announcement?.projectSite) {
    const s = d.announcement.projectSite;
    return `${head} ${s.projectId} in ${s.usState}`;
  }
  if (d?.announcement?.terms) {
    const t = d.announcement.terms;
    const parts = [
      t.fundingDeadlineDays ? `fund within ${t.fundingDeadlineDays} days` : "no funding deadline",
      ...(t.fundingChannels.length > 0
        ? [`via ${t.fundingChannels.map((c) => enumName(FundingSource, c, "FUNDING_SOURCE_")).join(", ")}`]
        : []),
      ...(t.projectSelector ? [`selected by ${t.projectSelector}`] : []),
      ...(t.finalDecision ? [`final say: ${t.finalDecision}`] : []),
      ...(t.enforcementClause ? [`enforcement: ${t.enforcementClause}`] : []),
      ...(t.profitSharing ? [`profits: ${t.profitSharing}`] : []),
      ...(t.otherCommitments.length > 0 ? [`also: ${t.otherCommitments.join("; ")}`] : []),
      ...(t.oversight ? [`oversight: ${t.oversight}`] : []),
    ];
    return `${head} as read by ${d.provenance?.assertedBy || "(not said)"}: ${parts.join("; ")}`;
  }
  if (d?.approval) {
    return `${head} ${d.approval.projectId} ${formatMoney(d.approval.amount)} by ${d.approval.approvingBody}`;
  }
  if (d?.disbursement) {
    const x = d.disbursement;
    return `${head} ${x.projectId} ${formatMoney(x.amount)} from ${enumName(FundingSource, x.fundingSource, "FUNDING_SOURCE_")}${x.tranche ? ` (${x.tranche})` : ""}`;
  }
  if (d?.tariffChange) {
    const t = d.tariffChange;
    const categories = [t.productCategory, ...t.productCategories].filter((c) => c).join(", ");
    return `${head} ${categories} ${pct(t.rateBps)} (${t.legalInstrument})`;
  }
  if (d?.amendment) {
    const a = d.amendment;
    const why = a.reason ? `: ${a.reason}` : "";
    let change = "";
    if (a.revisedAmount) change = ` to ${formatMoney(a.revisedAmount)}`;
    else if (a.raisedFirmness !== undefined) change = ` to ${enumName(Firmness, a.raisedFirmness, "FIRMNESS_")}`;
    else if (a.correction) {
      // The replacement as describeEvent puts it, without the head.
      const inner = describeEvent({ ...e, data: { eventId: "", restates: [], ...a.correction } });
      change = ` to ${inner.slice(`#${e.sequence} ${e.dealId} v${e.dealVersion} `.length)}`;
    }
    return `${head} of ${a.targetEventId}${change}${why}`;
  }
  return head;
}
