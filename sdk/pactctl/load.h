// pactctl load: records a JSON-lines file of pactlog.v1.AppendRequest (one
// request per line, Protobuf's JSON mapping).
//
// The whole file is checked first (every line parses, every event carries
// its own event_id), so a malformed file records nothing. Then the requests
// are appended with up to `parallel` in flight: each deal's requests one
// after another in file order, different deals side by side (the server
// commits concurrent appends in one synced write). Each event's own id makes
// a re-run after an interruption idempotent: what was recorded comes back
// "already recorded" and is not written again.
#ifndef PACTLOG_SDK_PACTCTL_LOAD_H_
#define PACTLOG_SDK_PACTCTL_LOAD_H_

#include <string>

#include "pactlog/client/client.h"
#include "sdk/pactctl/commands.h"

namespace pactlog::pactctl {

// Parses one line of a load file into *request, enum values in any
// spelling as ParseEventsJson, an event that names no firmness reported:
// INVALID_ARGUMENT naming the problem if it is not an AppendRequest in
// JSON, holds no event, or an event lacks its event_id.
[[nodiscard]] absl::Status ParseLoadLine(absl::string_view line,
                                         v1::AppendRequest* request);

// `progress`: draw a progress bar on output.err (for a terminal). Returns
// an exit code as in commands.h. A request the server rejects stops the
// load and is reported as FILE:LINE (the earliest such line); requests of
// other deals that were in flight may have been recorded meanwhile, which a
// re-run after the fix skips.
int RunLoad(client::Client& client, const Output& output,
            const std::string& path, bool progress, int parallel);

}  // namespace pactlog::pactctl

#endif  // PACTLOG_SDK_PACTCTL_LOAD_H_
