// libFuzzer target: whatever bytes a damaged or foreign database holds, the
// event log and the replay that rebuilds deal states answer with a Status
// and never crash. The slow companion of stored_event_fuzzer (which fuzzes
// the same decoders without a database, thousands of inputs a second):
// this one opens a real RocksDB database per input, a handful a second, so
// it also covers the open path, the format check and the column families.
//
// The input is a list of RocksDB entries, written with plain RocksDB into
// the column families of the on-disk format (storage/FORMAT.md) of a fresh
// database; then the database is opened with OpenRocksDbEventLog and read
// through every method of storage::EventLog, and finally replayed by
// ledger::Ledger::Recover, which folds every event through DealState::Apply.
// So the target follows the real decoding whatever the format becomes: it
// goes through the public interface, not through a copy of the decoder.
//
// Input layout (all of it optional; a truncated entry is dropped):
//   flags: 1 byte. bit 0: also write meta/format_version = "1" first (so
//          that most inputs get past the format check); bit 1: add a
//          column family this build does not know.
//   entries: { cf: 1 byte (mod 6: events, deal_index, event_ids, meta,
//              default, snapshots); key length: 1 byte; key; value length: 2
//              bytes little-endian; value }...
//
// Properties: opening fails only with DATA_LOSS, FAILED_PRECONDITION,
// UNAVAILABLE or INVALID_ARGUMENT; reads fail only with DATA_LOSS or
// NOT_FOUND (Get beyond the log); a scan visits strictly increasing
// sequences; the replay fails only with DATA_LOSS, and when it succeeds
// every replayed deal renders.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "fuzz/property.h"
#include "google/protobuf/stubs/logging.h"
#include "ledger/ledger.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"
#include "storage/rocksdb_event_log.h"

namespace {

namespace v1 = ::pactlog::v1;
using ::pactlog::fuzz::ExpectCode;
using ::pactlog::fuzz::Violated;

// Column families of format version 1, in the order the input's cf byte
// picks them.
constexpr const char* kColumnFamilies[] = {"events", "deal_index", "event_ids",
                                           "meta",   "default",    "snapshots"};
constexpr int kPactlogFamilies = 6;
constexpr char kUnknownFamily[] = "zz-from-the-future";
// Reads per input are bounded so one input cannot run for long.
constexpr int kMaxVisits = 2000;

// Every input's database lives in memory: no files, no fsyncs, so the
// fuzzer runs thousands of inputs a second instead of a handful.
rocksdb::Env* MemoryEnv() {
  static rocksdb::Env* const env = rocksdb::NewMemEnv(rocksdb::Env::Default());
  return env;
}

constexpr char kScratchPath[] = "/pactlog-fuzz/db";

struct Entry {
  int family;
  std::string key;
  std::string value;
};

struct Input {
  bool format_version = false;
  bool unknown_family = false;
  std::vector<Entry> entries;
};

Input Decode(const uint8_t* data, size_t size) {
  Input input;
  if (size == 0) return input;
  input.format_version = data[0] & 1;
  input.unknown_family = data[0] & 2;
  size_t at = 1;
  while (at + 2 <= size) {
    Entry entry;
    entry.family = data[at] % kPactlogFamilies;
    const size_t key_size = data[at + 1];
    at += 2;
    if (at + key_size + 2 > size) break;
    entry.key.assign(reinterpret_cast<const char*>(data + at), key_size);
    at += key_size;
    const size_t value_size = data[at] | (size_t{data[at + 1]} << 8);
    at += 2;
    if (at + value_size > size) break;
    entry.value.assign(reinterpret_cast<const char*>(data + at), value_size);
    at += value_size;
    input.entries.push_back(std::move(entry));
  }
  return input;
}

// Writes the entries into a fresh database with plain RocksDB.
void WriteDatabase(const std::string& path, const Input& input) {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  // Only a scratch writer: no background work, no statistics threads.
  options.max_background_jobs = 1;
  options.stats_dump_period_sec = 0;
  options.stats_persist_period_sec = 0;
  options.avoid_flush_during_shutdown = true;
  options.env = MemoryEnv();
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : kColumnFamilies) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  if (input.unknown_family) {
    descriptors.emplace_back(kUnknownFamily, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status =
      rocksdb::DB::Open(options, path, descriptors, &handles, &raw);
  if (!status.ok())
    Violated("cannot create the scratch database: " + status.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteBatch batch;
  if (input.format_version) {
    batch.Put(handles[3], "format_version", "1").PermitUncheckedError();
  }
  if (input.unknown_family) {
    batch.Put(handles.back(), "k", "v").PermitUncheckedError();
  }
  for (const Entry& entry : input.entries) {
    batch.Put(handles[entry.family], entry.key, entry.value)
        .PermitUncheckedError();
  }
  status = db->Write(rocksdb::WriteOptions(), &batch);
  if (!status.ok())
    Violated("cannot write the scratch database: " + status.ToString());
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  db->Close().PermitUncheckedError();
}

void ReadEverything(const pactlog::storage::EventLog& log, const Input& input) {
  const uint64_t last = log.LastSequence();
  int visits = 0;
  uint64_t previous = 0;
  std::set<std::string> deal_ids;
  const absl::Status scanned = log.Scan(0, [&](const v1::Event& event) {
    if (event.sequence() <= previous || event.sequence() > last) {
      Violated(absl::StrCat("scan visited sequence ", event.sequence(),
                            " after ", previous, " in a log ending at ", last));
    }
    previous = event.sequence();
    deal_ids.insert(event.deal_id());
    return ++visits < kMaxVisits;
  });
  ExpectCode(scanned, {absl::StatusCode::kDataLoss}, "Scan");

  for (uint64_t sequence : {uint64_t{0}, uint64_t{1}, last, last + 1}) {
    ExpectCode(log.Get(sequence).status(),
               {absl::StatusCode::kDataLoss, absl::StatusCode::kNotFound},
               "Get");
  }
  for (const Entry& entry : input.entries) {
    switch (entry.family) {
      case 1: {  // deal_index: the deal id is the key up to its NUL.
        const std::string deal = entry.key.substr(0, entry.key.find('\0'));
        deal_ids.insert(deal);
        break;
      }
      case 2:
        ExpectCode(log.FindEventId(entry.key).status(),
                   {absl::StatusCode::kDataLoss}, "FindEventId");
        break;
      default:
        break;
    }
  }
  for (const std::string& deal : deal_ids) {
    uint64_t version = 0;
    visits = 0;
    const absl::Status status =
        log.ScanDeal(deal, 0, [&](const v1::Event& event) {
          if (event.deal_id() != deal || event.deal_version() <= version) {
            Violated(absl::StrCat("ScanDeal(", deal, ") visited version ",
                                  event.deal_version(), " of deal ",
                                  event.deal_id(), " after version ", version));
          }
          version = event.deal_version();
          return ++visits < kMaxVisits;
        });
    ExpectCode(status, {absl::StatusCode::kDataLoss}, "ScanDeal");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Undecodable strings are expected here; protobuf would log each one.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Input input = Decode(data, size);
  const std::string path = kScratchPath;
  {
    // The previous input's database.
    rocksdb::Options options;
    options.env = MemoryEnv();
    rocksdb::DestroyDB(path, options).PermitUncheckedError();
  }
  WriteDatabase(path, input);

  pactlog::storage::RocksDbOptions options;
  options.path = path;
  options.sync = false;  // in memory
  options.env = MemoryEnv();
  auto opened = pactlog::storage::OpenRocksDbEventLog(options);
  if (!opened.ok()) {
    ExpectCode(
        opened.status(),
        {absl::StatusCode::kDataLoss, absl::StatusCode::kFailedPrecondition,
         absl::StatusCode::kUnavailable, absl::StatusCode::kInvalidArgument},
        "OpenRocksDbEventLog");
    return 0;
  }
  ReadEverything(**opened, input);

  // The start-up replay over the same log.
  pactlog::util::ManualClock clock(
      absl::FromCivil(absl::CivilDay(2026, 1, 5), absl::UTCTimeZone()));
  pactlog::ledger::LedgerOptions ledger_options;
  ledger_options.clock = &clock;
  pactlog::ledger::Ledger ledger(std::move(*opened), ledger_options);
  const absl::Status recovered = ledger.Recover();
  ExpectCode(recovered, {absl::StatusCode::kDataLoss}, "Recover");
  if (recovered.ok()) {
    // As GetDeal would render them; a replayed deal may lack its
    // announcement in a foreign log.
    for (const auto& deal : ledger.Deals("", 1000)) {
      v1::DealState out;
      deal->ToProto(clock.Now(), &out);
    }
  }
  ledger.Stop();
  return 0;
}
