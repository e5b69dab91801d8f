// fuzz_make_corpus: writes the seed corpora of the fuzz targets, made by the
// real code so that they follow the proto contract and the on-disk format.
//
//   fuzz_make_corpus OUT_DIR
// writes OUT_DIR/append_request_fuzzer/* (serialized AppendRequests: valid
// ones for the seeded deal and for a new deal, and a few invalid ones) and
// OUT_DIR/stored_event_fuzzer/* (stored keys and values made by the
// format's encoders, storage/rocksdb_format.h, and deal snapshots, in that
// fuzzer's record layout) and OUT_DIR/stored_database_fuzzer/* (the entries
// of small logs written by storage::OpenRocksDbEventLog, dumped column
// family by column family in that fuzzer's input layout), each with
// damaged variants.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "domain/deal_state.h"
#include "pactlog/v1/ledger.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "storage/rocksdb_event_log.h"
#include "storage/rocksdb_format.h"
#include "testing/events.h"

namespace {

namespace v1 = ::pactlog::v1;
namespace fs = std::filesystem;

using ::pactlog::testing::Date;
using ::pactlog::testing::Money;

// The seeds carry client event ids so that stored seeds are stable.
v1::EventData WithId(const std::string& id, v1::EventData data) {
  data.set_event_id(id);
  return data;
}

v1::EventData Deal(const std::string& id) {
  return WithId(id, pactlog::testing::DealEvent(
                        "US-Japan Strategic Investment Framework",
                        Money(55'000'000'000'000), Date(2025, 7, 22)));
}

v1::EventData Project(const std::string& id, const std::string& project) {
  return WithId(id, pactlog::testing::ProjectEvent(
                        project, v1::SECTOR_ENERGY, "TX",
                        Money(2'000'000'000'000), Date(2025, 9, 1)));
}

v1::EventData Approval(const std::string& id, const std::string& project) {
  return WithId(id, pactlog::testing::ApprovalEvent(
                        project, Money(1'000'000'000'000), Date(2025, 10, 1)));
}

v1::EventData Disbursement(const std::string& id, const std::string& project) {
  return WithId(id, pactlog::testing::DisbursementEvent(
                        project, Money(100'000'000'000), Date(2025, 11, 1)));
}

v1::EventData Tariff(const std::string& id, int32_t rate) {
  return WithId(
      id, pactlog::testing::TariffEvent("all-goods", rate, Date(2025, 9, 16)));
}

v1::EventData Allocation(const std::string& id, const std::string& allocation,
                         const v1::Money* cap, const std::string& parent) {
  return WithId(id, pactlog::testing::AllocationEvent(
                        allocation, v1::SECTOR_ENERGY, cap, Date(2025, 10, 28),
                        parent, parent.empty() ? "" : "Mitsubishi"));
}

// A project drawing on `allocation`, its site not known yet.
v1::EventData ProjectOn(const std::string& id, const std::string& project,
                        const std::string& allocation) {
  v1::EventData data = Project(id, project);
  data.mutable_announcement()->mutable_project()->clear_us_state();
  data.mutable_announcement()->mutable_project()->set_allocation_id(allocation);
  return data;
}

v1::EventData Terms(const std::string& id, const std::string& party) {
  v1::EventData data = pactlog::testing::EventAt(Date(2025, 9, 4));
  data.mutable_provenance()->set_asserted_by(party);
  auto* terms = data.mutable_announcement()->mutable_terms();
  terms->set_project_selector("US investment committee");
  terms->add_funding_channels(v1::FUNDING_SOURCE_JBIC);
  terms->set_funding_deadline_days(45);
  terms->add_other_commitments("defense spending at 2% of GDP");
  return WithId(id, data);
}

v1::AppendRequest Request(const std::string& deal,
                          std::vector<v1::EventData> events) {
  return pactlog::testing::Request(deal, std::move(events), "fuzz-corpus");
}

void Write(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) {
    std::cerr << "fuzz_make_corpus: cannot write " << path << "\n";
    std::exit(1);
  }
}

void AppendRequests(const fs::path& dir) {
  fs::create_directories(dir);
  std::vector<std::pair<std::string, v1::AppendRequest>> seeds;
  seeds.emplace_back(
      "new-deal-batch",
      Request("us-korea",
              {Deal("k1"), Project("k2", "hyundai-ga"),
               Approval("k3", "hyundai-ga"), Disbursement("k4", "hyundai-ga"),
               Tariff("k5", 1500)}));
  seeds.emplace_back("project", Request("us-japan", {Project("j1", "tdk")}));
  seeds.emplace_back("approval",
                     Request("us-japan", {Approval("j2", "westinghouse")}));
  seeds.emplace_back("disbursement",
                     Request("us-japan", {Disbursement("j3", "westinghouse")}));
  seeds.emplace_back("tariff-breach", Request("us-japan", {Tariff("", 2500)}));
  const v1::Money cap = Money(2'000'000'000'000);
  v1::EventData site =
      pactlog::testing::ProjectSiteEvent("chillers", "TX", Date(2025, 11, 1));
  site.set_event_id("a5");
  seeds.emplace_back(
      "allocations",
      Request("us-japan", {Allocation("a1", "energy", nullptr, ""),
                           Allocation("a2", "cooling", &cap, "energy"),
                           ProjectOn("a3", "chillers", "cooling"),
                           Approval("a4", "chillers"), site}));
  v1::EventData categories = Tariff("t2", 1500);
  categories.mutable_tariff_change()->add_product_categories("autos");
  categories.mutable_tariff_change()->add_product_categories("auto-parts");
  seeds.emplace_back("terms-and-categories",
                     Request("us-japan", {Terms("t1", "US"), categories}));
  // Every change an amendment makes, on the fuzzer's seeded deal
  // (seed-*) and on events earlier in the request; and a restatement.
  v1::EventData revise = WithId(
      "m1",
      pactlog::testing::ReviseEvent("seed-approval", Money(4'000'000'000'000)));
  pactlog::domain::ToProtoTime(Date(2025, 12, 1),
                               revise.mutable_effective_time());
  seeds.emplace_back(
      "amendments",
      Request("us-japan",
              {revise,
               WithId("m2", pactlog::testing::CorrectEvent(
                                "seed-disbursement",
                                Disbursement("", "westinghouse"))),
               WithId("m3", pactlog::testing::RaiseFirmnessEvent(
                                "seed-deal", v1::FIRMNESS_CONFIRMED)),
               Project("m4", "tdk"),
               WithId("m5", pactlog::testing::WithdrawEvent(
                                "m4", "the sponsor pulled out")),
               Allocation("m6", "cooling", &cap, ""),
               WithId("m7", pactlog::testing::RetractEvent(
                                "m6", "no such allocation was made"))}));
  v1::EventData restating = Project("r2", "three-projects-named");
  restating.add_restates("r1");
  seeds.emplace_back(
      "restates",
      Request("us-japan", {Project("r1", "three-projects"), restating}));
  v1::AppendRequest exact = Request("us-japan", {Tariff("j4", 1500)});
  exact.mutable_expected_version()->set_exact(4);
  seeds.emplace_back("expected-version", exact);
  v1::AppendRequest negative = Request("us-japan", {Approval("j5", "tdk")});
  negative.mutable_events(0)
      ->mutable_approval()
      ->mutable_amount()
      ->set_minor_units(-5);
  seeds.emplace_back("invalid-negative-money", negative);
  for (const auto& [name, request] : seeds) {
    Write(dir / name, request.SerializeAsString());
  }
}

// The fuzzer's layout of one entry.
void AddEntry(int family, const std::string& key, const std::string& value,
              std::string* out) {
  out->push_back(static_cast<char>(family));
  out->push_back(static_cast<char>(key.size()));
  out->append(key);
  out->push_back(static_cast<char>(value.size() & 0xff));
  out->push_back(static_cast<char>(value.size() >> 8));
  out->append(value);
}

// Writes `events` through the real log, then dumps the database.
std::string DumpLog(const fs::path& scratch,
                    const std::vector<v1::Event>& events) {
  fs::remove_all(scratch);
  {
    pactlog::storage::RocksDbOptions options;
    options.path = scratch.string();
    auto log = pactlog::storage::OpenRocksDbEventLog(options);
    if (!log.ok() || !(*log)->Append(events).ok()) {
      std::cerr << "fuzz_make_corpus: cannot write a log\n";
      std::exit(1);
    }
  }
  std::vector<std::string> names;
  rocksdb::DBOptions options;
  if (!rocksdb::DB::ListColumnFamilies(options, scratch.string(), &names)
           .ok()) {
    std::exit(1);
  }
  // The fuzzer's column family numbers.
  const std::vector<std::string> order = {"events", "deal_index", "event_ids",
                                          "meta",   "default",    "snapshots"};
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::OpenForReadOnly(options, scratch.string(), descriptors,
                                    &handles, &raw)
           .ok()) {
    std::exit(1);
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string out(1, '\0');  // flags: the dump carries meta itself
  for (size_t i = 0; i < names.size(); ++i) {
    int family = -1;
    for (size_t f = 0; f < order.size(); ++f) {
      if (order[f] == names[i]) family = static_cast<int>(f);
    }
    if (family < 0) continue;
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), handles[i]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      AddEntry(family, it->key().ToString(), it->value().ToString(), &out);
    }
  }
  for (auto* handle : handles) {
    db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  return out;
}

std::vector<v1::Event> Events() {
  const v1::AppendRequest request = Request(
      "us-japan", {Deal("e1"), Project("e2", "westinghouse"),
                   Approval("e3", "westinghouse"),
                   Disbursement("e4", "westinghouse"), Tariff("e5", 2500)});
  std::vector<v1::Event> events;
  for (int i = 0; i < request.events_size(); ++i) {
    v1::Event event;
    event.set_sequence(i + 1);
    event.set_deal_id(request.deal_id());
    event.set_deal_version(i + 1);
    pactlog::domain::ToProtoTime(Date(2026, 1, 5),
                                 event.mutable_recorded_time());
    event.set_actor(request.actor());
    *event.mutable_data() = request.events(i);
    events.push_back(std::move(event));
  }
  return events;
}

// Events() and two amendments after them, with the references the ledger
// resolves: a revision of the approval and a correction of the
// disbursement.
std::vector<v1::Event> AmendedEvents() {
  std::vector<v1::Event> events = Events();
  v1::EventData revise =
      WithId("e6", pactlog::testing::ReviseEvent("e3", Money(500'000'000'000)));
  pactlog::domain::ToProtoTime(Date(2025, 12, 1),
                               revise.mutable_effective_time());
  v1::EventData replacement = Disbursement("", "westinghouse");
  *replacement.mutable_disbursement()->mutable_amount() = Money(90'000'000'000);
  v1::EventData correct =
      WithId("e7", pactlog::testing::CorrectEvent("e4", replacement));
  *correct.mutable_effective_time() = events[3].data().effective_time();
  const std::pair<v1::EventData, const v1::Event*> amendments[] = {
      {revise, &events[2]}, {correct, &events[3]}};
  for (const auto& [data, target] : amendments) {
    v1::Event event = events.back();
    event.set_sequence(event.sequence() + 1);
    event.set_deal_version(event.deal_version() + 1);
    *event.mutable_data() = data;
    pactlog::domain::MakeReference(*target, event.add_references());
    events.push_back(std::move(event));
  }
  return events;
}

void StoredEvents(const fs::path& dir, const fs::path& scratch) {
  fs::create_directories(dir);
  const std::vector<v1::Event> events = Events();
  const std::string full = DumpLog(scratch, events);
  Write(dir / "log-5-events", full);
  Write(dir / "log-2-events",
        DumpLog(scratch,
                std::vector<v1::Event>(events.begin(), events.begin() + 2)));
  // The same log with the format byte of one value flipped, and with the
  // meta entry gone (flags ask the fuzzer to write it back).
  std::string damaged = full;
  const size_t first_value = 1 + 2 + 8 + 2;
  damaged[first_value] = '\x02';
  Write(dir / "log-bad-format-byte", damaged);
  Write(dir / "log-7-events-amended", DumpLog(scratch, AmendedEvents()));
  Write(dir / "empty-with-format-version", std::string(1, '\x01'));
  fs::remove_all(scratch);
}

// stored_event_fuzzer's layout of one record.
void AddRecord(int kind, const std::string& bytes, std::string* out) {
  out->push_back(static_cast<char>(kind));
  out->push_back(static_cast<char>(bytes.size() & 0xff));
  out->push_back(static_cast<char>(bytes.size() >> 8));
  out->append(bytes);
}

std::string EventRecords(const std::vector<v1::Event>& events) {
  namespace format = ::pactlog::storage::internal;
  std::string out;
  for (const v1::Event& event : events) {
    auto value = format::EncodeEventValue(event);
    if (!value.ok()) std::exit(1);
    AddRecord(0, *value, &out);
    AddRecord(1, format::DealIndexKey(event.deal_id(), event.deal_version()),
              &out);
  }
  return out;
}

std::string SnapshotRecord(const std::vector<v1::Event>& events) {
  namespace format = ::pactlog::storage::internal;
  pactlog::domain::DealState state;
  for (const v1::Event& event : events) state.Apply(event);
  pactlog::internal::DealSnapshot snapshot;
  state.ToSnapshot(&snapshot);
  const std::string key =
      format::DealIndexKey(state.deal_id(), state.last_sequence());
  std::string entry(1, static_cast<char>(key.size()));
  entry += key;
  entry += snapshot.SerializeAsString();
  std::string out;
  AddRecord(2, entry, &out);
  AddRecord(3,
            format::EncodeCheckpoint(
                {.sequence = state.last_sequence(), .deal_count = 1}),
            &out);
  return out;
}

void StoredBytes(const fs::path& dir) {
  fs::create_directories(dir);
  const std::vector<v1::Event> events = Events();
  const std::string all = EventRecords(events);
  Write(dir / "events-5", all);
  // A checkpoint after three events, then the two after it.
  Write(dir / "snapshot-3-then-2-events",
        SnapshotRecord({events.begin(), events.begin() + 3}) +
            EventRecords({events.begin() + 3, events.end()}));
  // The first value's format byte flipped (record header: 3 bytes).
  std::string damaged = all;
  damaged[3] = '\x02';
  Write(dir / "events-bad-format-byte", damaged);
  // Amendments folded on top of a snapshot that holds their targets.
  const std::vector<v1::Event> amended = AmendedEvents();
  Write(dir / "snapshot-5-then-2-amendments",
        SnapshotRecord({amended.begin(), amended.begin() + 5}) +
            EventRecords({amended.begin() + 5, amended.end()}));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_corpus OUT_DIR\n";
    return 2;
  }
  const fs::path out = argv[1];
  AppendRequests(out / "append_request_fuzzer");
  StoredBytes(out / "stored_event_fuzzer");
  StoredEvents(
      out / "stored_database_fuzzer",
      fs::temp_directory_path() / absl::StrCat("pactlog-corpus-", getpid()));
  std::cout << "fuzz_make_corpus: wrote seeds under " << out << "\n";
  return 0;
}
