#include "ledger/local_committer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace pactlog::ledger {

LocalCommitter::LocalCommitter(CommitContext context) : context_(context) {}

void LocalCommitter::CommitBatch(std::vector<PendingAppend>& pending) {
  const AppliedHead head = context_.state->head();
  const absl::Time now = std::max(context_.clock->Now(), head.recorded_time);
  Batch batch(*context_.log, *context_.state, now, head.hash);
  std::vector<absl::Status> results(pending.size());
  std::vector<bool> needs_write(pending.size(), false);
  for (size_t i = 0; i < pending.size(); ++i) {
    bool write = false;
    results[i] =
        batch.Prepare(*pending[i].request, pending[i].response, &write);
    needs_write[i] = write;
  }

  if (!batch.events().empty()) {
    const absl::Status written = context_.log->Append(batch.events());
    if (written.ok()) {
      PublishCommitted(context_, batch, now);
    } else {
      for (size_t i = 0; i < pending.size(); ++i) {
        if (results[i].ok() && needs_write[i]) {
          results[i] = absl::UnavailableError(absl::StrCat(
              "the write to the log failed and nothing of this request was "
              "recorded; retry: ",
              written.message()));
        }
      }
    }
  }
  AnswerBatch(context_, pending, results, durability());
}

bool LocalCommitter::AwaitApplied(uint64_t sequence,
                                  absl::Time deadline) const {
  return context_.state->applied_sequence() >= sequence;
}

}  // namespace pactlog::ledger
