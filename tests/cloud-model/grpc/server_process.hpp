#pragma once
// For tests that run the real binary: `fleetsim cloud serve` as a child
// process, its port read from the line it prints first.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace fleet::cloud_server {

/// `fleetsim cloud serve` as a child process, its port read from what it prints.
class server_process {
 public:
  /// `fleetsim cloud serve --listen LISTEN` and `extra_args`; with
  /// `with_stderr`, what it prints on stderr is read too (said_before()).
  explicit server_process(const std::vector<std::string>& extra_args, const std::string& listen = "127.0.0.1:0",
                          bool with_stderr = false) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    if (with_stderr) posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<std::string> args = {FLEETSIM_BINARY, "cloud", "serve", "--listen", listen};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, FLEETSIM_BINARY, &actions, nullptr, argv.data(), environ) != 0) {
      throw std::runtime_error("cannot start " + std::string(FLEETSIM_BINARY));
    }
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    output_ = fdopen(out[0], "r");
    // "fleetsim cloud: listening on HOST:PORT (...)"
    const std::string marker = "listening on ";
    for (std::string text = next_line();; text = next_line()) {
      if (text.empty()) throw std::runtime_error("the server stopped before listening: " + said_before_);
      const auto at = text.find(marker);
      if (at == std::string::npos) {
        said_before_ += text;
        continue;
      }
      const std::string address = text.substr(at + marker.size(), text.find(' ', at + marker.size()) - at - marker.size());
      port_ = std::stoi(address.substr(address.rfind(':') + 1));
      break;
    }
  }
  ~server_process() {
    if (pid_ > 0) kill_now();
    if (output_ != nullptr) std::fclose(output_);
  }
  void kill_now() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
  }
  /// SIGTERM, and the exit status.
  int stop() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  int port() const { return port_; }
  /// What it printed before the line that says where it listens.
  const std::string& said_before() const { return said_before_; }
  /// The next line it prints; empty at the end of its output.
  std::string next_line() {
    char line[512] = {};
    return std::fgets(line, sizeof line, output_) == nullptr ? std::string{} : std::string(line);
  }

 private:
  pid_t pid_ = 0;
  FILE* output_ = nullptr;
  int port_ = 0;
  std::string said_before_;
};

}  // namespace fleet::cloud_server
