// Small builders so that user code recording events stays short:
//
//   announceProject({ projectId: "tx-lng", name: "Gulf LNG export terminal",
//     sector: "oil-and-gas", usState: "TX", pledged: usd("12_000_000_000"),
//     source: "https://…", firmness: "announced" })
//
// Every builder checks what it can locally and throws a PactlogError with
// code INVALID_ARGUMENT naming the field, as the server would.

import { invalidArgument } from "./errors";
import {
  AllocationBasis,
  Amendment,
  EventData,
  EventKind,
  Firmness,
  FundingSource,
  LeadCompany,
  Money,
  Sector,
  TariffCap,
} from "./gen/pactlog/v1/events";
import { FundingStatus, ProjectStatus } from "./gen/pactlog/v1/state";

// ---------------------------------------------------------------- money

/**
 * ISO-4217 minor-unit digits of common currencies. `money()` needs the
 * digits to turn "12.50" into minor units; for any other currency use
 * `moneyMinor()`.
 */
export const CURRENCY_DIGITS: Readonly<Record<string, number>> = Object.freeze({
  AED: 2, AUD: 2, BHD: 3, BRL: 2, CAD: 2, CHF: 2, CLP: 0, CNY: 2, CZK: 2, DKK: 2,
  EUR: 2, GBP: 2, HKD: 2, IDR: 2, ILS: 2, INR: 2, ISK: 0, JOD: 3, JPY: 0, KRW: 0,
  KWD: 3, MXN: 2, MYR: 2, NOK: 2, NZD: 2, OMR: 3, PHP: 2, PLN: 2, SAR: 2, SEK: 2,
  SGD: 2, THB: 2, TND: 3, TRY: 2, TWD: 2, USD: 2, VND: 0, ZAR: 2,
});

const CURRENCY_RE = /^[A-Z]{3}$/;

function checkCurrency(currencyCode: string): void {
  if (!CURRENCY_RE.test(currencyCode)) {
    throw invalidArgument("currency_code", `must be three upper-case ISO-4217 letters (${JSON.stringify(currencyCode)})`);
  }
}

/** Money from minor units (cents for USD), exactly as stored. */
export function moneyMinor(currencyCode: string, minorUnits: bigint | number | string): Money {
  checkCurrency(currencyCode);
  let units: bigint;
  if (typeof minorUnits === "bigint") {
    units = minorUnits;
  } else if (typeof minorUnits === "number") {
    if (!Number.isSafeInteger(minorUnits)) {
      throw invalidArgument("minor_units", `must be a safe integer; pass a bigint or a string for large amounts (${minorUnits})`);
    }
    units = BigInt(minorUnits);
  } else {
    if (!/^-?\d+$/.test(minorUnits.replace(/_/g, ""))) {
      throw invalidArgument("minor_units", `must be an integer (${JSON.stringify(minorUnits)})`);
    }
    units = BigInt(minorUnits.replace(/_/g, ""));
  }
  if (units > 9223372036854775807n || units < -9223372036854775808n) {
    throw invalidArgument("minor_units", `does not fit in 64 bits (${units})`);
  }
  return { currencyCode, minorUnits: units };
}

/**
 * Money from an amount in major units, exactly: `money("USD", "12.50")`,
 * `money("JPY", 1_000_000)`, `money("USD", 550_000_000_000n)`. A string may
 * use `_` to group digits. More decimals than the currency has are an
 * error, never rounded.
 */
export function money(currencyCode: string, amount: bigint | number | string): Money {
  checkCurrency(currencyCode);
  const digits = CURRENCY_DIGITS[currencyCode];
  if (digits === undefined) {
    throw invalidArgument("currency_code", `minor-unit digits of ${currencyCode} unknown here; use moneyMinor()`);
  }
  if (typeof amount === "bigint") return moneyMinor(currencyCode, amount * 10n ** BigInt(digits));
  let text: string;
  if (typeof amount === "number") {
    if (Number.isInteger(amount) && !Number.isSafeInteger(amount)) {
      throw invalidArgument("amount", `${amount} is beyond exact numbers; pass a bigint or a string`);
    }
    text = String(amount);
  } else {
    text = amount.replace(/_/g, "");
  }
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw invalidArgument("amount", `must be a decimal number (${JSON.stringify(amount)})`);
  const [, sign, whole, fraction = ""] = m;
  if (fraction.length > digits) {
    throw invalidArgument("amount", `${currencyCode} has ${digits} decimals, got ${JSON.stringify(text)}`);
  }
  const minor = BigInt(whole + fraction.padEnd(digits, "0"));
  return moneyMinor(currencyCode, sign === "-" ? -minor : minor);
}

export const usd = (amount: bigint | number | string): Money => money("USD", amount);
export const jpy = (amount: bigint | number | string): Money => money("JPY", amount);
export const krw = (amount: bigint | number | string): Money => money("KRW", amount);
export const eur = (amount: bigint | number | string): Money => money("EUR", amount);

/** "USD 550,000,000,000.00"; minor units as-is for unknown currencies. */
export function formatMoney(m: Money | undefined): string {
  if (!m) return "-";
  const digits = CURRENCY_DIGITS[m.currencyCode];
  const negative = m.minorUnits < 0n;
  const abs = (negative ? -m.minorUnits : m.minorUnits).toString();
  if (digits === undefined) return `${m.currencyCode} ${m.minorUnits} (minor units)`;
  const padded = abs.padStart(digits + 1, "0");
  const whole = padded.slice(0, padded.length - digits).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const fraction = digits > 0 ? `.${padded.slice(padded.length - digits)}` : "";
  return `${m.currencyCode} ${negative ? "-" : ""}${whole}${fraction}`;
}

/** Basis points from a percentage: percent(15) === 1500, exactly. */
export function percent(p: number): number {
  const bps = Math.round(p * 100);
  if (!Number.isFinite(p) || Math.abs(bps - p * 100) > 1e-6) {
    throw invalidArgument("rate", `${p}% is not a whole number of basis points`);
  }
  return bps;
}

// ---------------------------------------------------------------- enums

// Every enum value is accepted by its short name ("oil-and-gas"), its
// enum name without the prefix ("OIL_AND_GAS") or with it
// ("SECTOR_OIL_AND_GAS"), in any case, with "-" or "_" between words.

type Snake<S extends string> = S extends `${infer A}-${infer B}` ? `${A}_${Snake<B>}` : S;
/** A short name in each accepted spelling: "oil-and-gas", "OIL_AND_GAS", "SECTOR_OIL_AND_GAS". */
export type Spellings<N extends string, Prefix extends string> =
  | N
  | Snake<N>
  | Uppercase<Snake<N>>
  | `${Prefix}${Uppercase<Snake<N>>}`;

type FirmnessKey = "reported" | "announced" | "officially-announced" | "confirmed";
type SectorKey =
  | "energy" | "semiconductors" | "ai-infrastructure" | "critical-minerals" | "oil-and-gas"
  | "electronics" | "pharmaceuticals" | "shipbuilding" | "metals" | "automotive" | "other";
type FundingSourceKey = "jbic" | "nexi" | "private" | "government" | "other";
type EventKindKey = "announcement" | "approval" | "disbursement" | "tariff-change" | "amendment";
type ProjectStatusKey =
  | "announced" | "approved" | "funding" | "fully-disbursed" | "withdrawn" | "retracted" | "restated";
type AllocationBasisKey = "sector" | "company";

/** "reported" (the default of every builder), "announced", "confirmed", or REPORTED, FIRMNESS_REPORTED, ... */
export type FirmnessName = Spellings<FirmnessKey, "FIRMNESS_">;
export type SectorName = Spellings<SectorKey, "SECTOR_">;
export type FundingSourceName = Spellings<FundingSourceKey, "FUNDING_SOURCE_">;
export type EventKindName = Spellings<EventKindKey, "EVENT_KIND_">;
export type ProjectStatusName = Spellings<ProjectStatusKey, "PROJECT_STATUS_">;
export type AllocationBasisName = Spellings<AllocationBasisKey, "ALLOCATION_BASIS_">;
/** What `fundingStatusName` answers. */
export type FundingStatusName = "no-deadline" | "not-yet-due" | "on-time" | "late" | "overdue";

const normalize = (name: string): string => name.trim().toUpperCase().replace(/[-\s]+/g, "_");

/** An enum's values by every accepted spelling, normalized. */
class EnumNames<E extends number> {
  private readonly byName = new Map<string, E>();

  constructor(
    private readonly prefix: string,
    private readonly short: Readonly<Record<string, E>>,
    generated: Readonly<Record<string, string | number>>,
  ) {
    for (const [name, value] of Object.entries(short)) this.byName.set(normalize(name), value);
    for (const [name, value] of Object.entries(generated)) {
      if (typeof value !== "number" || !name.startsWith(prefix) || name.endsWith("_UNSPECIFIED")) continue;
      this.byName.set(name.slice(prefix.length), value as E);
    }
  }

  get(field: string, value: E | string): E {
    if (typeof value === "number") return value;
    const key = typeof value === "string" ? normalize(value) : "";
    const found = this.byName.get(key.startsWith(this.prefix) ? key.slice(this.prefix.length) : key);
    if (found === undefined) {
      const names = Object.keys(this.short).join(", ");
      throw invalidArgument(
        field,
        `unknown value ${JSON.stringify(value)}; one of ${names} (or ${this.prefix}… enum names, in any case)`,
      );
    }
    return found;
  }
}

const FIRMNESS = new EnumNames<Firmness>(
  "FIRMNESS_",
  { reported: Firmness.FIRMNESS_REPORTED, announced: Firmness.FIRMNESS_OFFICIALLY_ANNOUNCED, confirmed: Firmness.FIRMNESS_CONFIRMED },
  Firmness,
);
/** The firmness of every event whose builder is given none: the weakest claim. */
export const DEFAULT_FIRMNESS = Firmness.FIRMNESS_REPORTED;

const SECTORS: Readonly<Record<SectorKey, Sector>> = {
  energy: Sector.SECTOR_ENERGY,
  semiconductors: Sector.SECTOR_SEMICONDUCTORS,
  "ai-infrastructure": Sector.SECTOR_AI_INFRASTRUCTURE,
  "critical-minerals": Sector.SECTOR_CRITICAL_MINERALS,
  "oil-and-gas": Sector.SECTOR_OIL_AND_GAS,
  electronics: Sector.SECTOR_ELECTRONICS,
  pharmaceuticals: Sector.SECTOR_PHARMACEUTICALS,
  shipbuilding: Sector.SECTOR_SHIPBUILDING,
  metals: Sector.SECTOR_METALS,
  automotive: Sector.SECTOR_AUTOMOTIVE,
  other: Sector.SECTOR_OTHER,
};
const FUNDING_SOURCES: Readonly<Record<FundingSourceKey, FundingSource>> = {
  jbic: FundingSource.FUNDING_SOURCE_JBIC,
  nexi: FundingSource.FUNDING_SOURCE_NEXI,
  private: FundingSource.FUNDING_SOURCE_PRIVATE,
  government: FundingSource.FUNDING_SOURCE_GOVERNMENT,
  other: FundingSource.FUNDING_SOURCE_OTHER,
};
const EVENT_KINDS: Readonly<Record<EventKindKey, EventKind>> = {
  announcement: EventKind.EVENT_KIND_ANNOUNCEMENT,
  approval: EventKind.EVENT_KIND_APPROVAL,
  disbursement: EventKind.EVENT_KIND_DISBURSEMENT,
  "tariff-change": EventKind.EVENT_KIND_TARIFF_CHANGE,
  amendment: EventKind.EVENT_KIND_AMENDMENT,
};
const ALLOCATION_BASES: Readonly<Record<AllocationBasisKey, AllocationBasis>> = {
  sector: AllocationBasis.ALLOCATION_BASIS_SECTOR,
  company: AllocationBasis.ALLOCATION_BASIS_COMPANY,
};
const PROJECT_STATUSES: Readonly<Record<ProjectStatusKey, ProjectStatus>> = {
  announced: ProjectStatus.PROJECT_STATUS_ANNOUNCED,
  approved: ProjectStatus.PROJECT_STATUS_APPROVED,
  funding: ProjectStatus.PROJECT_STATUS_FUNDING,
  "fully-disbursed": ProjectStatus.PROJECT_STATUS_FULLY_DISBURSED,
  withdrawn: ProjectStatus.PROJECT_STATUS_WITHDRAWN,
  retracted: ProjectStatus.PROJECT_STATUS_RETRACTED,
  restated: ProjectStatus.PROJECT_STATUS_RESTATED,
};

const FUNDING_STATUSES: Readonly<Record<FundingStatusName, FundingStatus>> = {
  "no-deadline": FundingStatus.FUNDING_STATUS_NO_DEADLINE,
  "not-yet-due": FundingStatus.FUNDING_STATUS_NOT_YET_DUE,
  "on-time": FundingStatus.FUNDING_STATUS_ON_TIME,
  late: FundingStatus.FUNDING_STATUS_LATE,
  overdue: FundingStatus.FUNDING_STATUS_OVERDUE,
};

const SECTOR_NAMES = new EnumNames<Sector>("SECTOR_", SECTORS, Sector);
const FUNDING_SOURCE_NAMES = new EnumNames<FundingSource>("FUNDING_SOURCE_", FUNDING_SOURCES, FundingSource);
const EVENT_KIND_NAMES = new EnumNames<EventKind>("EVENT_KIND_", EVENT_KINDS, EventKind);
const PROJECT_STATUS_NAMES = new EnumNames<ProjectStatus>("PROJECT_STATUS_", PROJECT_STATUSES, ProjectStatus);
const ALLOCATION_BASIS_NAMES = new EnumNames<AllocationBasis>("ALLOCATION_BASIS_", ALLOCATION_BASES, AllocationBasis);

export const toFirmness = (v: Firmness | FirmnessName): Firmness => FIRMNESS.get("provenance.firmness", v);
export const toSector = (v: Sector | SectorName): Sector => SECTOR_NAMES.get("sector", v);
export const toFundingSource = (v: FundingSource | FundingSourceName): FundingSource =>
  FUNDING_SOURCE_NAMES.get("funding_source", v);
export const toEventKind = (v: EventKind | EventKindName): EventKind => EVENT_KIND_NAMES.get("kinds", v);
export const toProjectStatus = (v: ProjectStatus | ProjectStatusName): ProjectStatus =>
  PROJECT_STATUS_NAMES.get("status", v);
export const toAllocationBasis = (v: AllocationBasis | AllocationBasisName): AllocationBasis =>
  ALLOCATION_BASIS_NAMES.get("basis", v);
/** The name of a FundingStatus: "on-time", "overdue", ...; "unspecified" for 0. */
export function fundingStatusName(v: FundingStatus): FundingStatusName | "unspecified" {
  const found = Object.entries(FUNDING_STATUSES).find(([, s]) => s === v);
  return found ? (found[0] as FundingStatusName) : "unspecified";
}

// ---------------------------------------------------------------- events

/** What every event builder takes besides its own fields. */
export interface EventCommon {
  /** Idempotency key; `PactlogClient.append` fills a UUID when absent. */
  eventId?: string;
  /** When it takes effect in the world (Date or ISO-8601); default: now. */
  effectiveTime?: Date | string;
  /** The document or URL the event comes from. */
  source: string;
  /**
   * How firm the source is; default "reported", the weakest claim: raise it
   * explicitly ("announced", "confirmed"). Any spelling: "reported",
   * "REPORTED", "FIRMNESS_REPORTED" or Firmness.FIRMNESS_REPORTED.
   */
  firmness?: Firmness | FirmnessName;
  /**
   * Whose reading the event is: a party's ISO-3166 alpha-2 code ("US",
   * "JP") or an outlet's name; absent or "" when the source does not say.
   */
  assertedBy?: string;
}

function toDate(field: string, value: Date | string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = typeof value === "string" ? new Date(value) : value;
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) {
    throw invalidArgument(field, `not a valid time (${JSON.stringify(value)})`);
  }
  return d;
}

function common(c: EventCommon): EventData {
  return {
    eventId: c.eventId ?? "",
    effectiveTime: toDate("effective_time", c.effectiveTime),
    provenance: {
      source: c.source,
      firmness: c.firmness === undefined ? DEFAULT_FIRMNESS : toFirmness(c.firmness),
      assertedBy: c.assertedBy ?? "",
    },
    restates: [],
  };
}

/** What the announcements of a project or an allocation take besides their own fields. */
export interface Restating {
  /**
   * The event ids of earlier reports of the same money (project or
   * allocation announcements) that this announcement reports again: each
   * restated project or allocation stops counting (status RESTATED) when
   * this event is recorded, so totals never count the same money twice.
   */
  restates?: readonly string[];
}

function restates(r: Restating): string[] {
  const ids = [...(r.restates ?? [])];
  ids.forEach((id, i) => {
    if (typeof id !== "string") throw invalidArgument(`restates[${i}]`, `must be an event id, got ${JSON.stringify(id)}`);
  });
  return ids;
}

export interface DealAnnouncementInput extends EventCommon {
  title: string;
  /** ISO-3166 alpha-2, e.g. "JP". */
  investorCountry: string;
  /** ISO-3166 alpha-2, e.g. "US". */
  hostCountry: string;
  /** The commitment ceiling; its currency is the deal's currency. */
  ceiling: Money;
  /** Agreed caps in basis points: `{ "all-goods": 1500, autos: 1500 }`. */
  tariffCaps?: Readonly<Record<string, number>> | readonly TariffCap[];
}

export function announceDeal(d: DealAnnouncementInput): EventData {
  const caps: TariffCap[] = Array.isArray(d.tariffCaps)
    ? d.tariffCaps.map((c: TariffCap) => ({ ...c }))
    : Object.entries(d.tariffCaps ?? {}).map(([productCategory, maxRateBps]) => ({ productCategory, maxRateBps }));
  return {
    ...common(d),
    announcement: {
      deal: {
        title: d.title,
        investorCountry: d.investorCountry,
        hostCountry: d.hostCountry,
        commitmentCeiling: d.ceiling,
        tariffCaps: caps,
      },
    },
  };
}

export interface ProjectAnnouncementInput extends EventCommon, Restating {
  projectId: string;
  name: string;
  sector: Sector | SectorName;
  /** US postal code, e.g. "TX"; absent or "" while the site is not known (see `announceProjectSite`). */
  usState?: string;
  sponsors?: readonly string[];
  pledged: Money;
  /** The allocation the pledge draws on; absent: none. */
  allocationId?: string;
}

export function announceProject(p: ProjectAnnouncementInput): EventData {
  return {
    ...common(p),
    restates: restates(p),
    announcement: {
      project: {
        projectId: p.projectId,
        name: p.name,
        sector: toSector(p.sector),
        usState: p.usState ?? "",
        sponsors: [...(p.sponsors ?? [])],
        pledged: p.pledged,
        allocationId: p.allocationId ?? "",
      },
    },
  };
}

export interface ProjectSiteInput extends EventCommon {
  projectId: string;
  /** US postal code, e.g. "TX". */
  usState: string;
}

/** The site of a project announced without one. */
export function announceProjectSite(s: ProjectSiteInput): EventData {
  return {
    ...common(s),
    announcement: { projectSite: { projectId: s.projectId, usState: s.usState } },
  };
}

/** A company named to lead an allocation; country ISO-3166 alpha-2, e.g. "JP" ("" when not reported). */
export function leadCompany(name: string, country = ""): LeadCompany {
  return { name, country };
}

export interface AllocationAnnouncementInput extends EventCommon, Restating {
  /** Slug, unique within the deal. */
  allocationId: string;
  name: string;
  /** "sector": set aside for a sector; "company": led by named companies. */
  basis: AllocationBasis | AllocationBasisName;
  /** Absent: the allocation spans sectors. */
  sector?: Sector | SectorName;
  /** The most it may hold, in the deal's currency; absent when the source gives no amount. */
  cap?: Money;
  /** What the money is for. */
  scope?: string;
  /** Lead companies: `leadCompany("Mitsubishi Electric", "JP")`, `{ name, country }` or a plain name. */
  leadCompanies?: readonly (LeadCompany | { name: string; country?: string } | string)[];
  /** The allocation this one is an earmark inside; absent: a part of the ceiling itself. */
  parentAllocationId?: string;
}

export function announceAllocation(a: AllocationAnnouncementInput): EventData {
  return {
    ...common(a),
    restates: restates(a),
    announcement: {
      allocation: {
        allocationId: a.allocationId,
        name: a.name,
        basis: toAllocationBasis(a.basis),
        sector: a.sector === undefined ? Sector.SECTOR_UNSPECIFIED : toSector(a.sector),
        cap: a.cap,
        scope: a.scope ?? "",
        leadCompanies: (a.leadCompanies ?? []).map((c) =>
          typeof c === "string" ? leadCompany(c) : leadCompany(c.name, c.country ?? ""),
        ),
        parentAllocationId: a.parentAllocationId ?? "",
      },
    },
  };
}

export interface DealTermsInput extends EventCommon {
  /** Who selects the projects, e.g. "US investment committee led by the Secretary of Commerce". */
  projectSelector?: string;
  /** Who has the final say, e.g. "the President". */
  finalDecision?: string;
  /** How the investor's money flows: distinct funding sources, e.g. ["jbic", "nexi"]. */
  fundingChannels?: readonly (FundingSource | FundingSourceName)[];
  /** Days the investor has to fund a project after its first approval; absent or 0: no deadline. */
  fundingDeadlineDays?: number;
  /** What the host may do if the investor does not fund, e.g. "the US may raise tariffs". */
  enforcementClause?: string;
  /** How returns are shared. */
  profitSharing?: string;
  /** Other commitments the deal pairs with the investment (defense spending, ...). */
  otherCommitments?: readonly string[];
  /** Who oversees reporting. */
  oversight?: string;
}

/**
 * The deal's terms as one party reads them (`assertedBy`). Each terms event
 * is its party's whole reading: it replaces that party's earlier one.
 */
export function announceTerms(t: DealTermsInput): EventData {
  const channels = (t.fundingChannels ?? []).map((c) => FUNDING_SOURCE_NAMES.get("funding_channels", c));
  const twice = channels.filter((c, i) => channels.indexOf(c) !== i);
  if (twice.length > 0) {
    const name = Object.entries(FUNDING_SOURCES).find(([, v]) => v === twice[0])?.[0] ?? String(twice[0]);
    throw invalidArgument("funding_channels", `${JSON.stringify(name)} is given twice`);
  }
  const days = t.fundingDeadlineDays ?? 0;
  if (!Number.isSafeInteger(days) || days < 0) {
    throw invalidArgument("funding_deadline_days", `must be a whole number of days >= 0 (0: no deadline), got ${days}`);
  }
  return {
    ...common(t),
    announcement: {
      terms: {
        projectSelector: t.projectSelector ?? "",
        finalDecision: t.finalDecision ?? "",
        fundingChannels: channels,
        fundingDeadlineDays: days,
        enforcementClause: t.enforcementClause ?? "",
        profitSharing: t.profitSharing ?? "",
        otherCommitments: [...(t.otherCommitments ?? [])],
        oversight: t.oversight ?? "",
      },
    },
  };
}

export interface ApprovalInput extends EventCommon {
  projectId: string;
  amount: Money;
  /** e.g. "US Investment Committee". */
  approvingBody: string;
}

export function approveProject(a: ApprovalInput): EventData {
  return {
    ...common(a),
    approval: { projectId: a.projectId, amount: a.amount, approvingBody: a.approvingBody },
  };
}

export interface DisbursementInput extends EventCommon {
  projectId: string;
  amount: Money;
  fundingSource: FundingSource | FundingSourceName;
  tranche?: string;
}

export function disburse(d: DisbursementInput): EventData {
  return {
    ...common(d),
    disbursement: {
      projectId: d.projectId,
      amount: d.amount,
      fundingSource: toFundingSource(d.fundingSource),
      tranche: d.tranche ?? "",
    },
  };
}

export interface TariffChangeInput extends EventCommon {
  /** The category; with `productCategories`, optional. */
  productCategory?: string;
  /** Further categories at the same rate: at least one category in all, none twice. */
  productCategories?: readonly string[];
  /** Basis points: 15% = 1500 (see `percent()`). */
  rateBps: number;
  /** e.g. "Executive Order 14345". */
  legalInstrument: string;
  reason?: string;
}

export function changeTariff(t: TariffChangeInput): EventData {
  // One form on the wire whichever way the categories were given: the
  // first is product_category, the others product_categories.
  const categories = [...(t.productCategory ? [t.productCategory] : []), ...(t.productCategories ?? [])];
  const first = categories[0];
  if (first === undefined) {
    throw invalidArgument("product_categories", "at least one product category is needed");
  }
  const twice = categories.filter((c, i) => categories.indexOf(c) !== i);
  if (twice.length > 0) {
    throw invalidArgument("product_categories", `${JSON.stringify(twice[0])} is given twice`);
  }
  return {
    ...common(t),
    tariffChange: {
      productCategory: first,
      productCategories: categories.slice(1),
      rateBps: t.rateBps,
      legalInstrument: t.legalInstrument,
      reason: t.reason ?? "",
    },
  };
}

// ---------------------------------------------------------------- amendments
//
// An amendment is an event of its own naming an earlier event of the same
// deal (`targetEventId`): the one that stands now for its subject, the
// original or its latest amendment (`headEventId` in the state views). A
// revision or a withdrawal is a change in the world and takes effect at its
// own effective time; a correction, a retraction or a firmness raise fixes
// the record and takes effect when its target did: leave their
// `effectiveTime` unset (the server uses the target's).

/** What every amendment builder takes besides its own change. */
export interface AmendmentCommon extends EventCommon {
  /** The event amended: the one that stands now for its subject. */
  targetEventId: string;
  /** Why; required for a withdrawal or a retraction. */
  reason?: string;
}

type Change = Omit<Amendment, "targetEventId" | "reason">;

function amendment(a: AmendmentCommon, change: Change, reasonRequired?: string): EventData {
  if (typeof a.targetEventId !== "string" || a.targetEventId === "") {
    throw invalidArgument("amendment.target_event_id", `the event amended is required (${JSON.stringify(a.targetEventId)})`);
  }
  const reason = a.reason ?? "";
  if (reasonRequired !== undefined && reason === "") {
    throw invalidArgument("amendment.reason", `a ${reasonRequired} needs a reason`);
  }
  return { ...common(a), amendment: { targetEventId: a.targetEventId, reason, ...change } };
}

export interface RevisionInput extends AmendmentCommon {
  /** The new amount, in the deal's currency. */
  amount: Money;
}

/**
 * Revises an amount: a project's pledge (target: its announcement), an
 * allocation's cap (its announcement) or an approval's amount (the
 * approval). Takes effect at its own `effectiveTime` (default: when
 * recorded); as of a recorded time before it the old amount still shows.
 */
export function revise(r: RevisionInput): EventData {
  return amendment(r, { revisedAmount: r.amount });
}

export interface WithdrawalInput extends AmendmentCommon {
  reason: string;
}

/**
 * Withdraws (or cancels) a project, target its announcement: from the
 * event's `effectiveTime` (default: when recorded) its pledge and approvals
 * no longer count, its status is WITHDRAWN. Only a project with nothing
 * disbursed can be withdrawn.
 */
export function withdraw(w: WithdrawalInput): EventData {
  return amendment(w, { withdrawal: {} }, "withdrawal");
}

export interface RaiseFirmnessInput extends Omit<AmendmentCommon, "firmness"> {
  /** The higher firmness of the target's report. */
  raisedFirmness: Firmness | FirmnessName;
  /** The firmness of this event's own source; default `raisedFirmness`. */
  firmness?: Firmness | FirmnessName;
}

/**
 * Raises the firmness of the target's report (reported -> announced ->
 * confirmed), e.g. when a signed agreement confirms a press report; only
 * upward (to lower it, retract the report). Leave `effectiveTime` unset.
 */
export function raiseFirmness(f: RaiseFirmnessInput): EventData {
  const raised = FIRMNESS.get("amendment.raised_firmness", f.raisedFirmness);
  const input = { ...f, firmness: f.firmness ?? raised };
  return amendment(input, { raisedFirmness: raised });
}

export interface RetractionInput extends AmendmentCommon {
  reason: string;
}

/**
 * Retracts a report that proved false: the target's effect is removed as of
 * the target's effective time (a project gets status RETRACTED; one with
 * approvals cannot be retracted). Leave `effectiveTime` unset.
 */
export function retract(r: RetractionInput): EventData {
  return amendment(r, { retraction: {} }, "retraction");
}

export interface CorrectionInput extends Omit<AmendmentCommon, "source" | "firmness"> {
  /**
   * What replaces the target, built with the other builders (an
   * announcement, approval, disbursement or tariff change of the same
   * subject), without `eventId`, `effectiveTime` or `restates`.
   */
  replacement: EventData;
  /** Default: the replacement's. */
  source?: string;
  /** Default: the replacement's. */
  firmness?: Firmness | FirmnessName;
}

/**
 * Corrects an event recorded in error: `replacement` takes its place, of
 * the same kind and about the same subject. The correction's provenance is
 * the replacement's unless `source`, `firmness` or `assertedBy` are given.
 * Leave `effectiveTime` unset: it takes effect when the target did.
 *
 *   correct({ targetEventId, reason: "it was $5, not $50",
 *     replacement: disburse({ projectId, amount: usd(5), fundingSource: "jbic", source, firmness }) })
 */
export function correct(c: CorrectionInput): EventData {
  const r = c.replacement;
  const kinds = (["announcement", "approval", "disbursement", "tariffChange"] as const).filter((k) => r?.[k] !== undefined);
  if (r === undefined || kinds.length !== 1 || r.amendment !== undefined) {
    throw invalidArgument(
      "amendment.correction",
      "the replacement must be one announcement, approval, disbursement or tariff change (see the builders)",
    );
  }
  if (r.eventId) throw invalidArgument("amendment.correction", "the replacement has an eventId; give the correction's own");
  if (r.effectiveTime !== undefined) {
    throw invalidArgument("amendment.correction", "the replacement has an effectiveTime; a correction takes effect when its target did");
  }
  if (r.restates.length > 0) throw invalidArgument("amendment.correction", "the replacement has restates; a correction restates nothing");
  const kind = kinds[0]!;
  const input: AmendmentCommon = {
    ...c,
    source: c.source ?? r.provenance?.source ?? "",
    firmness: c.firmness ?? r.provenance?.firmness ?? DEFAULT_FIRMNESS,
    assertedBy: c.assertedBy ?? r.provenance?.assertedBy ?? "",
  };
  return amendment(input, { correction: { [kind]: r[kind] } });
}
