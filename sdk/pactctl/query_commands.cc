// pactctl's read-only query subcommands (sdk/pactctl/commands.h): deal,
// deals, project, projects, allocations, compliance, tariffs and lineage,
// as tables or JSON (commands.h's Output).
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sdk/pactctl/commands.h"
#include "sdk/pactctl/format.h"

namespace pactlog::pactctl {

namespace {

using client::Client;
using client::QueryOptions;

std::string YesNo(bool value) { return value ? "yes" : "no"; }

// "withdrawn by EVENT (#21, 2026-03-01): reason".
std::string DescribeSupersession(const v1::Supersession& supersession) {
  return absl::StrCat(
      EnumName(v1::SupersessionKind_descriptor(), supersession.kind()), " by ",
      supersession.by_event_id(), " (#", supersession.sequence(), ", ",
      FormatTime(supersession.effective_time()), ")",
      supersession.reason().empty() ? "" : ": ", supersession.reason());
}

// The standing event of a chain when an amendment stands for its origin;
// "-" while the origin stands.
std::string HeadIfAmended(const std::string& event_id,
                          const std::string& head_event_id) {
  return head_event_id.empty() || head_event_id == event_id ? "-"
                                                            : head_event_id;
}

// The earmarks of `parent` ("" for the parts of the ceiling itself), each
// followed by its own, indented by `depth`.
void AddAllocationRows(const v1::DealState& deal, const std::string& parent,
                       int depth, Table* table) {
  for (const v1::AllocationState& a : deal.allocations()) {
    if (a.parent_allocation_id() != parent) continue;
    const std::string leads = FormatLeadCompanies(a.lead_companies());
    const v1::Totals& t = a.totals();
    std::string id = std::string(2 * depth, ' ') + a.allocation_id();
    if (a.has_supersession()) {
      absl::StrAppend(
          &id, " (",
          EnumName(v1::SupersessionKind_descriptor(), a.supersession().kind()),
          ")");
    }
    table->AddRow({std::move(id),
                   EnumName(v1::AllocationBasis_descriptor(), a.basis()),
                   a.sector() == v1::SECTOR_UNSPECIFIED
                       ? "-"
                       : EnumName(v1::Sector_descriptor(), a.sector()),
                   a.has_cap() ? FormatMoney(a.cap()) : "-",
                   FormatMoney(a.allocated()), FormatMoney(t.pledged()),
                   FormatMoney(t.approved()), FormatMoney(t.disbursed()),
                   a.has_remaining() ? FormatMoney(a.remaining()) : "-",
                   leads.empty() ? "-" : leads});
    AddAllocationRows(deal, a.allocation_id(), depth + 1, table);
  }
}

// Lists of every page, pinned to the first page's log position so that the
// pages agree with each other while appends go on.
template <typename Fetch, typename Items>
absl::Status ForEachPage(QueryOptions options, Fetch fetch, Items items,
                         int page_size = 1000) {
  std::string token;
  while (true) {
    client::PageOptions page{.page_size = page_size, .page_token = token};
    auto response = fetch(options, page);
    if (!response.ok()) return response.status();
    items(*response);
    token = response->next_page_token();
    if (token.empty()) return absl::OkStatus();
    if (options.as_of.sequence == 0) {
      options.as_of.sequence = response->log_sequence();
    }
  }
}

std::string TariffSummary(const v1::TariffLine& line) {
  if (!line.in_force()) return "not in force";
  return FormatRate(line.rate_bps());
}

std::string CapSummary(const v1::TariffLine& line) {
  return line.has_cap() ? FormatRate(line.cap_bps()) : "-";
}

void PrintTotalsTable(
    const Output& output, const std::string& key_header,
    const std::vector<std::pair<std::string, const v1::Totals*>>& rows) {
  Table table({key_header, "PROJECTS", "PLEDGED", "APPROVED", "DISBURSED"},
              {false, true, true, true, true});
  for (const auto& [key, totals] : rows) {
    table.AddRow({key, absl::StrCat(totals->project_count()),
                  FormatMoney(totals->pledged()),
                  FormatMoney(totals->approved()),
                  FormatMoney(totals->disbursed())});
  }
  output.out << table.ToString();
}

void PrintDeal(const Output& output, const v1::DealState& deal,
               uint64_t log_sequence, const std::string& chain_head) {
  const v1::Totals& totals = deal.totals();
  std::vector<std::string> caps;
  for (const v1::TariffCap& cap : deal.tariff_caps()) {
    caps.push_back(absl::StrCat(cap.product_category(),
                                " <= ", FormatRate(cap.max_rate_bps())));
  }
  output.out << deal.deal_id() << ": " << deal.title() << "\n";
  Table block({"FIELD", "VALUE"});
  block.AddRow({"parties", absl::StrCat(deal.investor_country(), " invests in ",
                                        deal.host_country())});
  block.AddRow({"announced", FormatTime(deal.announced_effective_time())});
  block.AddRow({"ceiling", FormatMoney(deal.commitment_ceiling())});
  block.AddRow({"pledged", FormatMoney(totals.pledged())});
  block.AddRow({"approved", FormatMoney(totals.approved())});
  block.AddRow({"disbursed", FormatMoney(totals.disbursed())});
  block.AddRow({"headroom", FormatMoney(deal.headroom())});
  if (deal.has_allocated()) {
    block.AddRow(
        {"allocated", absl::StrCat(FormatMoney(deal.allocated()), " (",
                                   FormatRate(deal.allocated_share_bps()),
                                   " of the ceiling, ", deal.allocations_size(),
                                   " allocations)")});
    block.AddRow({"unallocated", FormatMoney(deal.unallocated())});
  }
  block.AddRow(
      {"projects",
       absl::StrCat(totals.project_count(), " (", deal.projects_announced(),
                    " announced, ", deal.projects_approved(), " approved, ",
                    deal.projects_funding(), " funding, ",
                    deal.projects_fully_disbursed(), " fully disbursed)")});
  if (deal.projects_withdrawn() + deal.projects_retracted() +
          deal.projects_restated() >
      0) {
    block.AddRow({"no longer counted",
                  absl::StrCat(deal.projects_withdrawn(), " withdrawn, ",
                               deal.projects_retracted(), " retracted, ",
                               deal.projects_restated(), " restated")});
  }
  if (deal.amendment_count() > 0) {
    block.AddRow({"amendments", absl::StrCat(deal.amendment_count())});
  }
  block.AddRow({"tariff caps", caps.empty() ? "-" : absl::StrJoin(caps, ", ")});
  block.AddRow({"cap breaches", absl::StrCat(deal.cap_breaches_size())});
  block.AddRow({"version", absl::StrCat(deal.version(), " (last sequence ",
                                        deal.last_sequence(), ", log at ",
                                        log_sequence, ")")});
  // In hex, as `verify --trusted-hash` takes it.
  block.AddRow(
      {"chain head", absl::StrCat(absl::BytesToHexString(chain_head),
                                  " (at sequence ", log_sequence, ")")});
  // The block without its header row.
  std::string text = block.ToString();
  output.out << text.substr(text.find('\n') + 1);

  if (deal.by_sector_size() > 0) {
    output.out << "\nby sector\n";
    if (deal.has_allocated()) {
      Table table({"SECTOR", "ALLOCATED", "PROJECTS", "PLEDGED", "APPROVED",
                   "DISBURSED"},
                  {false, true, true, true, true, true});
      for (const v1::SectorTotals& sector : deal.by_sector()) {
        const v1::Totals& t = sector.totals();
        table.AddRow({EnumName(v1::Sector_descriptor(), sector.sector()),
                      FormatMoney(sector.allocated()),
                      absl::StrCat(t.project_count()), FormatMoney(t.pledged()),
                      FormatMoney(t.approved()), FormatMoney(t.disbursed())});
      }
      output.out << table.ToString();
    } else {
      std::vector<std::pair<std::string, const v1::Totals*>> rows;
      for (const v1::SectorTotals& sector : deal.by_sector()) {
        rows.emplace_back(EnumName(v1::Sector_descriptor(), sector.sector()),
                          &sector.totals());
      }
      PrintTotalsTable(output, "SECTOR", rows);
    }
  }
  if (deal.by_us_state_size() > 0) {
    output.out << "\nby US state\n";
    std::vector<std::pair<std::string, const v1::Totals*>> rows;
    for (const v1::UsStateTotals& state : deal.by_us_state()) {
      rows.emplace_back(
          state.us_state().empty() ? "(not known)" : state.us_state(),
          &state.totals());
    }
    PrintTotalsTable(output, "STATE", rows);
  }
  if (deal.tariffs_size() > 0) {
    output.out << "\ntariffs in force at "
               << FormatTime(deal.tariffs_evaluated_at()) << "\n";
    Table table({"CATEGORY", "RATE", "CAP", "BREACH", "SET BY"},
                {false, true, true, false, true});
    for (const v1::TariffLine& line : deal.tariffs()) {
      table.AddRow({line.product_category(), TariffSummary(line),
                    CapSummary(line), YesNo(line.breaches_cap()),
                    line.in_force()
                        ? absl::StrCat("#", line.in_force_sequence())
                        : "-"});
    }
    output.out << table.ToString();
  }
}

}  // namespace

int RunDeal(Client& client, const Output& output, const std::string& deal_id,
            const QueryOptions& options) {
  auto response = client.GetDeal(deal_id, options);
  if (!response.ok()) return ReportError(response.status(), output);
  if (output.json) {
    output.out << ToJsonLine(*response) << "\n";
  } else {
    PrintDeal(output, response->deal(), response->log_sequence(),
              response->chain_head());
  }
  return kExitOk;
}

int RunDeals(Client& client, const Output& output,
             const QueryOptions& options) {
  Table table({"DEAL", "TITLE", "PARTIES", "CEILING", "PLEDGED", "APPROVED",
               "DISBURSED", "PROJECTS", "VERSION"},
              {false, false, false, true, true, true, true, true, true});
  JsonItems json(output);
  absl::Status status = ForEachPage(
      options,
      [&](const QueryOptions& o, const client::PageOptions& page) {
        return client.ListDeals(o, page);
      },
      [&](const v1::ListDealsResponse& response) {
        for (const v1::DealState& deal : response.deals()) {
          if (output.json) {
            json.Add(deal);
            continue;
          }
          table.AddRow(
              {deal.deal_id(), deal.title(),
               absl::StrCat(deal.investor_country(), "->", deal.host_country()),
               FormatMoney(deal.commitment_ceiling()),
               FormatMoney(deal.totals().pledged()),
               FormatMoney(deal.totals().approved()),
               FormatMoney(deal.totals().disbursed()),
               absl::StrCat(deal.totals().project_count()),
               absl::StrCat(deal.version())});
        }
      });
  if (!status.ok()) return ReportError(status, output);
  if (output.json) {
    json.Finish();
  } else {
    if (table.empty()) {
      output.out << "no deals\n";
    } else {
      output.out << table.ToString();
    }
  }
  return kExitOk;
}

int RunProject(Client& client, const Output& output, const std::string& deal_id,
               const std::string& project_id, const QueryOptions& options) {
  auto response = client.GetProject(deal_id, project_id, options);
  if (!response.ok()) return ReportError(response.status(), output);
  if (output.json) {
    output.out << ToJsonLine(*response) << "\n";
    return kExitOk;
  }
  const v1::ProjectState& project = response->project();
  output.out << deal_id << "/" << project.project_id() << ": " << project.name()
             << "\n";
  Table block({"FIELD", "VALUE"});
  block.AddRow({"sector", EnumName(v1::Sector_descriptor(), project.sector())});
  block.AddRow({"US state", project.us_state().empty() ? "(not known)"
                                                       : project.us_state()});
  if (!project.allocation_id().empty()) {
    block.AddRow({"allocation", project.allocation_id()});
  }
  block.AddRow({"sponsors", absl::StrJoin(project.sponsors(), ", ")});
  block.AddRow(
      {"status", EnumName(v1::ProjectStatus_descriptor(), project.status())});
  block.AddRow({"announced", FormatTime(project.announced_effective_time())});
  block.AddRow({"pledged", FormatMoney(project.pledged())});
  block.AddRow({"approved", FormatMoney(project.approved())});
  block.AddRow({"disbursed", FormatMoney(project.disbursed())});
  block.AddRow({"unapproved", FormatMoney(project.unapproved())});
  block.AddRow({"undisbursed", FormatMoney(project.undisbursed())});
  block.AddRow({"event", project.event_id()});
  if (HeadIfAmended(project.event_id(), project.head_event_id()) != "-") {
    block.AddRow({"head event", project.head_event_id()});
  }
  block.AddRow(
      {"firmness", EnumName(v1::Firmness_descriptor(), project.firmness())});
  if (project.has_supersession()) {
    block.AddRow({"superseded", DescribeSupersession(project.supersession())});
  }
  if (!project.restates().empty()) {
    block.AddRow({"restates", absl::StrJoin(project.restates(), ", ")});
  }
  std::string text = block.ToString();
  output.out << text.substr(text.find('\n') + 1);
  if (project.approvals_size() > 0) {
    output.out << "\napprovals\n";
    Table approvals(
        {"SEQ", "EFFECTIVE", "AMOUNT", "EVENT", "HEAD", "FIRMNESS", "BY"},
        {true, false, true, false, false, false, false});
    for (const v1::ApprovalRecord& approval : project.approvals()) {
      approvals.AddRow(
          {absl::StrCat(approval.sequence()),
           FormatTime(approval.effective_time()),
           FormatMoney(approval.amount()), approval.event_id(),
           HeadIfAmended(approval.event_id(), approval.head_event_id()),
           EnumName(v1::Firmness_descriptor(), approval.firmness()),
           approval.approving_body()});
    }
    output.out << approvals.ToString();
  }
  if (project.disbursed_by_source_size() > 0) {
    output.out << "\ndisbursed by source\n";
    Table sources({"SOURCE", "DISBURSED"}, {false, true});
    for (const v1::FundingSourceTotal& source : project.disbursed_by_source()) {
      sources.AddRow(
          {EnumName(v1::FundingSource_descriptor(), source.funding_source()),
           FormatMoney(source.disbursed())});
    }
    output.out << sources.ToString();
  }
  return kExitOk;
}

int RunProjects(Client& client, const Output& output,
                const std::string& deal_id, const client::ProjectFilter& filter,
                const QueryOptions& options) {
  Table table({"PROJECT", "NAME", "SECTOR", "STATE", "STATUS", "PLEDGED",
               "APPROVED", "DISBURSED", "SPONSORS"},
              {false, false, false, false, false, true, true, true, false});
  JsonItems json(output);
  absl::Status status = ForEachPage(
      options,
      [&](const QueryOptions& o, const client::PageOptions& page) {
        return client.ListProjects(deal_id, filter, o, page);
      },
      [&](const v1::ListProjectsResponse& response) {
        for (const v1::ProjectState& project : response.projects()) {
          if (output.json) {
            json.Add(project);
            continue;
          }
          table.AddRow(
              {project.project_id(), project.name(),
               EnumName(v1::Sector_descriptor(), project.sector()),
               project.us_state(),
               EnumName(v1::ProjectStatus_descriptor(), project.status()),
               FormatMoney(project.pledged()), FormatMoney(project.approved()),
               FormatMoney(project.disbursed()),
               absl::StrJoin(project.sponsors(), ", ")});
        }
      });
  if (!status.ok()) return ReportError(status, output);
  if (output.json) {
    json.Finish();
  } else {
    if (table.empty()) {
      output.out << "no projects match\n";
    } else {
      output.out << table.ToString();
    }
  }
  return kExitOk;
}

int RunAllocations(Client& client, const Output& output,
                   const std::string& deal_id, const QueryOptions& options) {
  auto response = client.GetDeal(deal_id, options);
  if (!response.ok()) return ReportError(response.status(), output);
  const v1::DealState& deal = response->deal();
  if (output.json) {
    JsonItems json(output);
    for (const v1::AllocationState& allocation : deal.allocations()) {
      json.Add(allocation);
    }
    json.Finish();
    return kExitOk;
  }
  if (deal.allocations_size() == 0) {
    output.out << "no allocations recorded for " << deal_id << "\n";
    return kExitOk;
  }
  output.out << deal_id << ": " << FormatMoney(deal.allocated())
             << " allocated of the ceiling "
             << FormatMoney(deal.commitment_ceiling()) << " ("
             << FormatRate(deal.allocated_share_bps()) << "), "
             << FormatMoney(deal.unallocated()) << " unallocated\n";
  Table table({"ALLOCATION", "BASIS", "SECTOR", "CAP", "ALLOCATED", "PLEDGED",
               "APPROVED", "DISBURSED", "REMAINING", "LEAD COMPANIES"},
              {false, false, false, true, true, true, true, true, true, false});
  AddAllocationRows(deal, "", 0, &table);
  output.out << table.ToString();
  std::vector<std::string> scopes;
  for (const v1::AllocationState& a : deal.allocations()) {
    if (!a.scope().empty()) {
      scopes.push_back(absl::StrCat("  ", a.allocation_id(), ": ", a.scope()));
    }
  }
  if (!scopes.empty()) {
    output.out << "\nscopes\n" << absl::StrJoin(scopes, "\n") << "\n";
  }
  std::vector<std::string> superseded;
  for (const v1::AllocationState& a : deal.allocations()) {
    if (a.has_supersession()) {
      superseded.push_back(
          absl::StrCat("  ", a.allocation_id(), ": ",
                       DescribeSupersession(a.supersession())));
    }
  }
  if (!superseded.empty()) {
    output.out << "\nno longer counted\n"
               << absl::StrJoin(superseded, "\n") << "\n";
  }
  return kExitOk;
}

namespace {

std::string ReadingName(const v1::TermsReading& reading) {
  return reading.asserted_by().empty() ? "(not said)" : reading.asserted_by();
}

void PrintReadings(
    const Output& output,
    const google::protobuf::RepeatedPtrField<v1::TermsReading>& readings) {
  Table table({"TERM", "READING"});
  for (const v1::TermsReading& reading : readings) {
    const v1::DealTerms& t = reading.terms();
    std::vector<std::string> channels;
    for (int channel : t.funding_channels()) {
      channels.push_back(EnumName(v1::FundingSource_descriptor(), channel));
    }
    const std::string who = absl::StrCat(
        "as ", ReadingName(reading), " reads them (#", reading.sequence(), ", ",
        EnumName(v1::Firmness_descriptor(), reading.firmness()), ")");
    table.AddRow({"asserted by", who});
    auto row = [&](const std::string& term, const std::string& value) {
      if (!value.empty()) table.AddRow({"  " + term, value});
    };
    row("selects projects", t.project_selector());
    row("final say", t.final_decision());
    row("funding channels", absl::StrJoin(channels, ", "));
    row("funding deadline",
        t.funding_deadline_days() > 0
            ? absl::StrCat(t.funding_deadline_days(), " days after selection")
            : "");
    row("enforcement", t.enforcement_clause());
    row("profit sharing", t.profit_sharing());
    row("oversight", t.oversight());
    for (const std::string& commitment : t.other_commitments()) {
      row("commitment", commitment);
    }
  }
  std::string text = table.ToString();
  output.out << text.substr(text.find('\n') + 1);
}

}  // namespace

int RunCompliance(Client& client, const Output& output,
                  const std::string& deal_id, const std::string& reading,
                  const QueryOptions& options) {
  auto response = client.GetCompliance(deal_id, options, reading);
  if (!response.ok()) return ReportError(response.status(), output);
  if (output.json) {
    output.out << ToJsonLine(*response) << "\n";
    return kExitOk;
  }
  const v1::ComplianceView& view = response->compliance();
  output.out << "compliance of " << deal_id << " at "
             << FormatTime(view.evaluated_at()) << "\n";
  if (view.has_terms()) {
    const v1::DealTerms& terms = view.terms().terms();
    output.out << "deadline: "
               << (terms.funding_deadline_days() > 0
                       ? absl::StrCat(terms.funding_deadline_days(),
                                      " days after selection")
                       : std::string("none reported"))
               << ", as " << ReadingName(view.terms()) << " reads the terms (#"
               << view.terms().sequence() << ")\n";
  } else {
    output.out << "deadline: no terms recorded\n";
  }
  output.out << "projects: " << view.projects_on_time() << " on time, "
             << view.projects_late() << " late, " << view.projects_overdue()
             << " overdue, " << view.projects_not_yet_due()
             << " not yet due; overdue and undisbursed "
             << FormatMoney(view.overdue_undisbursed()) << "\n";
  if (view.projects_size() > 0) {
    output.out << "\nselected projects\n";
    Table table({"PROJECT", "SELECTED", "DUE", "APPROVED", "DISBURSED",
                 "FUNDED", "STATUS", "DAYS"},
                {false, false, false, true, true, false, false, true});
    for (const v1::ProjectCompliance& p : view.projects()) {
      table.AddRow({p.project_id(), FormatTime(p.selected_time()),
                    FormatTime(p.funding_due_time()), FormatMoney(p.approved()),
                    FormatMoney(p.disbursed()), FormatTime(p.funded_time()),
                    EnumName(v1::FundingStatus_descriptor(), p.status()),
                    p.days() == 0 ? "-" : absl::StrCat(p.days())});
    }
    output.out << table.ToString();
  }
  output.out << "\ncap breaches: ";
  if (view.cap_breaches_size() == 0) {
    output.out << "none\n";
  } else {
    std::vector<std::string> breaches;
    for (const v1::CapBreach& b : view.cap_breaches()) {
      breaches.push_back(absl::StrCat(
          b.product_category(), " ", FormatRate(b.rate_bps()), " > ",
          FormatRate(b.cap_bps()), " (#", b.sequence(), ")"));
    }
    output.out << absl::StrJoin(breaches, ", ") << "\n";
  }
  if (view.readings_size() > 0) {
    output.out << "\nterms\n";
    PrintReadings(output, view.readings());
  }
  return kExitOk;
}

int RunTariffs(Client& client, const Output& output, const std::string& deal_id,
               const std::string& category, const QueryOptions& options) {
  auto response = client.GetTariffs(deal_id, options, category);
  if (!response.ok()) return ReportError(response.status(), output);
  if (output.json) {
    output.out << ToJsonLine(*response) << "\n";
    return kExitOk;
  }
  if (response->tariffs_size() == 0) {
    output.out << "no tariff changes recorded for " << deal_id << "\n";
    return kExitOk;
  }
  output.out << "tariffs of " << deal_id << " in force at "
             << FormatTime(response->evaluated_at()) << "\n";
  Table table({"CATEGORY", "IN FORCE", "CAP", "BREACH", "SINCE", "INSTRUMENT"},
              {false, true, true, false, false, false});
  for (const v1::TariffLine& line : response->tariffs()) {
    std::string since = "-", instrument = "-";
    for (const v1::TariffChangeRecord& change : line.history()) {
      if (line.in_force() && change.sequence() == line.in_force_sequence()) {
        since = FormatTime(change.effective_time());
        instrument = change.legal_instrument();
      }
    }
    table.AddRow({line.product_category(), TariffSummary(line),
                  CapSummary(line), YesNo(line.breaches_cap()), since,
                  instrument});
  }
  output.out << table.ToString();
  output.out << "\nhistory\n";
  Table history(
      {"CATEGORY", "EFFECTIVE", "RATE", "ABOVE CAP", "SEQ", "INSTRUMENT"},
      {false, false, true, false, true, false});
  for (const v1::TariffLine& line : response->tariffs()) {
    for (const v1::TariffChangeRecord& change : line.history()) {
      history.AddRow(
          {line.product_category(), FormatTime(change.effective_time()),
           FormatRate(change.rate_bps()), YesNo(change.exceeds_cap()),
           absl::StrCat(change.sequence()), change.legal_instrument()});
    }
  }
  output.out << history.ToString();
  return kExitOk;
}

namespace {

// "allocated USD 53,000,000,000, pledged ..." of the figures that are set;
// `sign` for changes.
std::string DescribeFigures(const v1::Figures& figures, bool sign) {
  std::vector<std::string> parts;
  auto add = [&](absl::string_view name, bool has, const v1::Money& money) {
    if (!has) return;
    parts.push_back(absl::StrCat(
        name, " ", sign ? FormatMoneyChange(money) : FormatMoney(money)));
  };
  add("allocated", figures.has_allocated(), figures.allocated());
  add("pledged", figures.has_pledged(), figures.pledged());
  add("approved", figures.has_approved(), figures.approved());
  add("disbursed", figures.has_disbursed(), figures.disbursed());
  return parts.empty() ? "-" : absl::StrJoin(parts, ", ");
}

}  // namespace

int RunLineage(Client& client, const Output& output, const std::string& deal_id,
               const client::LineageSubject& subject,
               const QueryOptions& options, int page_size) {
  // Every page, pinned to the first one's log position, as one answer.
  v1::GetLineageResponse lineage;
  bool first = true;
  absl::Status status = ForEachPage(
      options,
      [&](const QueryOptions& o, const client::PageOptions& page) {
        return client.GetLineage(deal_id, subject, o, page);
      },
      [&](const v1::GetLineageResponse& page) {
        if (first) {
          *lineage.mutable_figures() = page.figures();
          lineage.set_log_sequence(page.log_sequence());
          first = false;
        }
        lineage.mutable_entries()->MergeFrom(page.entries());
      },
      page_size);
  if (!status.ok()) return ReportError(status, output);
  if (output.json) {
    output.out << ToJsonLine(lineage) << "\n";
    return kExitOk;
  }
  const std::string what =
      !subject.project_id.empty()
          ? absl::StrCat("project ", deal_id, "/", subject.project_id)
      : !subject.allocation_id.empty()
          ? absl::StrCat("allocation ", deal_id, "/", subject.allocation_id)
          : absl::StrCat("the totals of ", deal_id);
  output.out << "lineage of " << what << " (log at " << lineage.log_sequence()
             << ")\nfigures: " << DescribeFigures(lineage.figures(), false)
             << "\n";
  if (lineage.entries_size() == 0) {
    output.out << "no events\n";
    return kExitOk;
  }
  Table table({"SEQ", "EVENT", "KIND", "EFFECTIVE", "RECORDED", "FIRMNESS",
               "CHANGE", "SUMMARY"},
              {true, false, false, false, false, false, false, false});
  for (const v1::LineageEntry& entry : lineage.entries()) {
    table.AddRow(
        {absl::StrCat(entry.sequence()), entry.event_id(),
         EnumName(v1::EventKind_descriptor(), entry.kind()),
         FormatTime(entry.effective_time()), FormatTime(entry.recorded_time()),
         EnumName(v1::Firmness_descriptor(), entry.provenance().firmness()),
         DescribeFigures(entry.change(), true), entry.summary()});
  }
  output.out << table.ToString();
  return kExitOk;
}

}  // namespace pactlog::pactctl
