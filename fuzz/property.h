// What a fuzz target does when one of its properties does not hold: print
// the property and abort, so that libFuzzer keeps the input as a crash.
// Shared by the targets in fuzz/.
#ifndef PACTLOG_FUZZ_PROPERTY_H_
#define PACTLOG_FUZZ_PROPERTY_H_

#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace pactlog::fuzz {

[[noreturn]] inline void Violated(const std::string& what) {
  std::fprintf(stderr, "PROPERTY VIOLATED: %s\n", what.c_str());
  std::abort();
}

// Violated() unless `status` is OK or has one of the `allowed` codes.
inline void ExpectCode(const absl::Status& status,
                       std::initializer_list<absl::StatusCode> allowed,
                       const std::string& what) {
  if (status.ok()) return;
  for (absl::StatusCode code : allowed) {
    if (status.code() == code) return;
  }
  Violated(absl::StrCat(what, ": ", status.ToString()));
}

}  // namespace pactlog::fuzz

#endif  // PACTLOG_FUZZ_PROPERTY_H_
