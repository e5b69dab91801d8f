#include "ledger/committer.h"

#include <memory>
#include <utility>

namespace pactlog::ledger {

void AnswerBatch(const CommitContext& context,
                 std::vector<PendingAppend>& pending,
                 std::vector<absl::Status>& results,
                 pactlog::v1::Durability durability) {
  uint64_t unsynced = 0;
  for (size_t i = 0; i < pending.size(); ++i) {
    if (!results[i].ok()) continue;
    pending[i].response->set_durability(durability);
    if (durability == pactlog::v1::DURABILITY_COMMITTED_MAJORITY) ++unsynced;
  }
  context.state->CountRequests(pending.size(), unsynced);
  for (size_t i = 0; i < pending.size(); ++i) {
    pending[i].done(std::move(results[i]));
  }
}

void PublishCommitted(const CommitContext& context, Batch& batch,
                      absl::Time last_recorded) {
  const uint64_t count = batch.events().size();
  context.state->Commit(batch.staged_deals(), count,
                        AppliedHead{
                            .sequence = batch.events().back().sequence(),
                            .hash = batch.chain_head(),
                            .recorded_time = last_recorded,
                        });
  // Moved, not copied: the subscription window keeps them.
  const Ledger::CommittedEvents committed =
      std::make_shared<const std::vector<pactlog::v1::Event>>(
          std::move(batch.events()));
  for (const Ledger::CommitObserver& observer : *context.observers) {
    observer(committed);
  }
  context.checkpointer->Committed(*committed);
}

}  // namespace pactlog::ledger
