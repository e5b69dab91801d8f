// @pactlog/client: the TypeScript (Node) client of pactlog.
//
//   const client = new PactlogClient({ address: "127.0.0.1:50051" });
//   await client.append("us-jp", [announceDeal({ ... })]);
//   const { deal } = await client.getDeal("us-jp");
//
// The message types (Event, DealState, Money, ...) are generated from
// proto/pactlog/v1 with ts-proto: 64-bit integers are bigint, timestamps
// are Date, enums are TypeScript enums.

export { PactlogClient, DEFAULT_ADDRESS, RECONNECT_BACKOFF } from "./client";
export type {
  AppendOptions,
  AppendResult,
  AsOfInput,
  CallOptions,
  EventFilterInput,
  ExpectedVersionInput,
  GetComplianceOptions,
  GetLineageOptions,
  GetTariffsOptions,
  HealthStatus,
  ListProjectsOptions,
  PactlogClientOptions,
  PageOptions,
  QueryOptions,
  ReadInput,
  SubscribeInput,
  TlsOptions,
} from "./client";
export { EXPECTED_VERSION_MISMATCH, PactlogError, RULE_BROKEN, Status } from "./errors";
export type { ErrorInfo, FieldViolation, PactlogErrorOptions } from "./errors";
export { RETRY_DEFAULTS } from "./retry";
export type { RetryOptions } from "./retry";
export { RESUME_DEFAULTS, Subscription } from "./subscription";
export type { ResumeOptions, SubscribeOptions, SubscriptionMessage } from "./subscription";
export {
  CURRENCY_DIGITS,
  DEFAULT_FIRMNESS,
  announceAllocation,
  announceDeal,
  announceProject,
  announceProjectSite,
  announceTerms,
  approveProject,
  changeTariff,
  correct,
  disburse,
  eur,
  formatMoney,
  fundingStatusName,
  jpy,
  krw,
  leadCompany,
  money,
  moneyMinor,
  percent,
  raiseFirmness,
  retract,
  revise,
  toAllocationBasis,
  toEventKind,
  toFirmness,
  toFundingSource,
  toProjectStatus,
  toSector,
  usd,
  withdraw,
} from "./builders";
export type {
  AllocationAnnouncementInput,
  AllocationBasisName,
  AmendmentCommon,
  ApprovalInput,
  CorrectionInput,
  DealAnnouncementInput,
  DealTermsInput,
  DisbursementInput,
  EventCommon,
  EventKindName,
  FirmnessName,
  FundingSourceName,
  FundingStatusName,
  ProjectAnnouncementInput,
  ProjectSiteInput,
  ProjectStatusName,
  RaiseFirmnessInput,
  Restating,
  RetractionInput,
  RevisionInput,
  SectorName,
  Spellings,
  TariffChangeInput,
  WithdrawalInput,
} from "./builders";
export { describeEvent, eventKindOf } from "./describe";

// Generated message types and enums (and their codecs, e.g. Event.toJSON).
export * from "./gen/pactlog/v1/events";
export * from "./gen/pactlog/v1/state";
export * from "./gen/pactlog/v1/ledger";
export * from "./gen/pactlog/v1/query";
export * from "./gen/pactlog/v1/stream";
