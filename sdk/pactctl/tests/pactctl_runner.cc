#include "sdk/pactctl/tests/pactctl_runner.h"

#include <fcntl.h>
#include <google/protobuf/struct.pb.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

#ifndef PACTCTL_PATH
#define PACTCTL_PATH "pactctl"
#endif

namespace pactlog::testing {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

std::vector<std::string> JsonArray(const std::string& json) {
  google::protobuf::ListValue list;
  auto status = google::protobuf::util::JsonStringToMessage(json, &list);
  EXPECT_TRUE(status.ok()) << status << " in " << json;
  std::vector<std::string> items;
  for (const google::protobuf::Value& value : list.values()) {
    std::string item;
    EXPECT_TRUE(google::protobuf::util::MessageToJsonString(value, &item).ok());
    items.push_back(std::move(item));
  }
  return items;
}

Pactctl::Pactctl(const std::string& dir, std::vector<std::string> args,
                 const std::string& input, std::vector<std::string> env) {
  args.insert(args.begin(), PACTCTL_PATH);
  Start(dir, std::move(args), input, std::move(env));
}

Pactctl Pactctl::Program(const std::string& dir, std::vector<std::string> argv,
                         const std::string& input,
                         std::vector<std::string> env) {
  Pactctl process;
  process.Start(dir, std::move(argv), input, std::move(env));
  return process;
}

void Pactctl::Start(const std::string& dir, std::vector<std::string> args,
                    const std::string& input, std::vector<std::string> env) {
  static int counter = 0;
  std::string base = absl::StrCat(dir, "/pactctl-", ++counter);
  out_path_ = base + ".out";
  err_path_ = base + ".err";
  std::string in_path = base + ".in";
  std::ofstream(in_path) << input;
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls.
  std::vector<char*> envp;
  for (char** var = environ; *var != nullptr; ++var) {
    const absl::string_view name =
        absl::string_view(*var).substr(0, absl::string_view(*var).find('='));
    const bool replaced =
        std::any_of(env.begin(), env.end(), [&](const std::string& given) {
          return absl::StartsWith(given, absl::StrCat(name, "="));
        });
    if (!replaced) envp.push_back(*var);
  }
  for (std::string& var : env) envp.push_back(var.data());
  envp.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    int in = open(in_path.c_str(), O_RDONLY);
    int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
}

Result Pactctl::Wait() {
  int status = 0;
  waitpid(pid_, &status, 0);
  Result run;
  run.exit_code =
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = ReadAll(out_path_);
  run.err = ReadAll(err_path_);
  return run;
}

std::string Pactctl::out() const { return ReadAll(out_path_); }
std::string Pactctl::err() const { return ReadAll(err_path_); }
void Pactctl::Signal(int signal) { kill(pid_, signal); }

}  // namespace pactlog::testing
