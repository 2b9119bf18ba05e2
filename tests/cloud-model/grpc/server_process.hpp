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
  /// `fleetsim cloud serve --listen 127.0.0.1:0` and `extra_args`.
  explicit server_process(const std::vector<std::string>& extra_args) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<std::string> args = {FLEETSIM_BINARY, "cloud", "serve", "--listen", "127.0.0.1:0"};
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
    char line[512] = {};
    if (std::fgets(line, sizeof line, output_) == nullptr) throw std::runtime_error("the server printed nothing");
    const std::string text(line);
    const auto colon = text.find("127.0.0.1:");
    if (colon == std::string::npos) throw std::runtime_error("unexpected first line: " + text);
    port_ = std::stoi(text.substr(colon + 10));
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
  /// The next line it prints; empty at the end of its output.
  std::string next_line() {
    char line[512] = {};
    return std::fgets(line, sizeof line, output_) == nullptr ? std::string{} : std::string(line);
  }

 private:
  pid_t pid_ = 0;
  FILE* output_ = nullptr;
  int port_ = 0;
};

}  // namespace fleet::cloud_server
