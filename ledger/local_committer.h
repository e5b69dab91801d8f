// LocalCommitter: group commit on the local EventLog, which is the log of
// record (the single-node ledger).
//
// CommitBatch() checks every request of the group in order against the
// live state including everything ahead of it in the group, writes all
// accepted events in ONE synced EventLog::Append, then makes them live
// and answers each request. So two requests can never both pass a rule
// only one of them may pass, and nothing is acknowledged before it is on
// disk. If the write fails, no request that needed it is acknowledged
// (they get UNAVAILABLE) and the live state is unchanged.
//
// Thread-safety: see ledger/committer.h.
#ifndef PACTLOG_LEDGER_LOCAL_COMMITTER_H_
#define PACTLOG_LEDGER_LOCAL_COMMITTER_H_

#include <vector>

#include "ledger/committer.h"

namespace pactlog::ledger {

class LocalCommitter final : public Committer {
 public:
  explicit LocalCommitter(CommitContext context);

  [[nodiscard]] absl::Status Start() override { return absl::OkStatus(); }
  void AbortStart() override {}
  void Stop() override {}
  void CommitBatch(std::vector<PendingAppend>& batch) override;
  [[nodiscard]] bool AwaitApplied(uint64_t sequence,
                                  absl::Time deadline) const override;
  pactlog::v1::Durability durability() const override {
    return pactlog::v1::DURABILITY_SYNCED_LOCAL;
  }
  bool replicated() const override { return false; }
  ApplierStats applier_stats() const override { return {}; }
  bool halted() const override { return false; }

 private:
  const CommitContext context_;
};

}  // namespace pactlog::ledger

#endif  // PACTLOG_LEDGER_LOCAL_COMMITTER_H_
