// Events of a US–Japan-like deal for the tests (facts from DOMAIN.md).

import { randomUUID } from "node:crypto";

import {
  EventData,
  announceDeal,
  announceProject,
  approveProject,
  changeTariff,
  disburse,
  usd,
} from "@pactlog/client";

export const FACT_SHEET = "https://www.whitehouse.gov/fact-sheets/2025/09/us-japan-investment";
export const EXECUTIVE_ORDER = "Executive Order 14345";

/** A deal id no other test uses. */
export const freshDeal = (): string => uniqueDealId();

export function uniqueDealId(prefix = "deal"): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function dealAnnouncement(effectiveTime = "2025-07-22T00:00:00Z"): EventData {
  return announceDeal({
    title: "US-Japan Strategic Investment Framework",
    investorCountry: "JP",
    hostCountry: "US",
    ceiling: usd(550_000_000_000n),
    tariffCaps: { "all-goods": 1500 },
    effectiveTime,
    source: FACT_SHEET,
    firmness: "announced",
  });
}

export function tariff(rateBps: number, effectiveTime: string, category = "all-goods"): EventData {
  return changeTariff({
    productCategory: category,
    rateBps,
    legalInstrument: EXECUTIVE_ORDER,
    reason: "implements the framework",
    effectiveTime,
    source: FACT_SHEET,
    firmness: "confirmed",
  });
}

export function lngProject(effectiveTime = "2026-02-18T00:00:00Z"): EventData {
  return announceProject({
    projectId: "tx-lng",
    name: "Gulf LNG export terminal",
    sector: "oil-and-gas",
    usState: "TX",
    sponsors: ["JERA", "Mitsubishi"],
    pledged: usd(12_000_000_000n),
    effectiveTime,
    source: FACT_SHEET,
    firmness: "announced",
  });
}

export function gridProject(effectiveTime = "2026-02-18T00:00:00Z"): EventData {
  return announceProject({
    projectId: "oh-gas-power",
    name: "Ohio natural-gas power plant",
    sector: "energy",
    usState: "OH",
    sponsors: ["Westinghouse"],
    pledged: usd(8_000_000_000n),
    effectiveTime,
    source: FACT_SHEET,
    firmness: "announced",
  });
}

export function approval(projectId: string, amount: bigint, effectiveTime: string): EventData {
  return approveProject({
    projectId,
    amount: usd(amount),
    approvingBody: "US Investment Committee",
    effectiveTime,
    source: FACT_SHEET,
    firmness: "confirmed",
  });
}

export function disbursement(projectId: string, amount: bigint, effectiveTime: string): EventData {
  return disburse({
    projectId,
    amount: usd(amount),
    fundingSource: "jbic",
    tranche: "T1",
    effectiveTime,
    source: FACT_SHEET,
    firmness: "confirmed",
  });
}
