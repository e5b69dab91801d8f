// Shell completion for pactctl, generated from its CLI11 definition: the
// subcommands, each one's options (the top-level options too, which
// pactctl takes after the subcommand as well), and the values of an option
// or positional argument when they are a known set (enum names) or a file.
// Pure functions of the definition; thread-compatible.
#ifndef PACTLOG_SDK_PACTCTL_COMPLETION_H_
#define PACTLOG_SDK_PACTCTL_COMPLETION_H_

#include <CLI/CLI.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace pactlog::pactctl {

// What the definition does not say about the values of options and
// positionals.
struct CompletionHints {
  // The values an option takes, e.g. the sectors of --sector.
  std::map<const CLI::Option*, std::vector<std::string>> values;
  // The options whose value is a local file.
  std::set<const CLI::Option*> files;
};

// A bash script defining the completion function _`command` for `app` and
// registering it (`complete -F`); `source <(pactctl completion bash)`.
std::string BashCompletion(const CLI::App& app, const CompletionHints& hints,
                           const std::string& command);

// A zsh script (#compdef) for `app`: saved as _`command` in a directory of
// $fpath, or sourced after compinit (`source <(pactctl completion zsh)`).
std::string ZshCompletion(const CLI::App& app, const CompletionHints& hints,
                          const std::string& command);

}  // namespace pactlog::pactctl

#endif  // PACTLOG_SDK_PACTCTL_COMPLETION_H_
