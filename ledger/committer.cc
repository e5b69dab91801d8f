#include "ledger/committer.h"

#include <memory>
#include <utility>

namespace pactlog::ledger {

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
