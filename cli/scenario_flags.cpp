#include "scenario_flags.hpp"

#include "fleet/scenario/limits.hpp"

namespace fleet::cli {
namespace {

/// `word` as a POSIX shell reads it back: as it is when it holds nothing
/// the shell treats specially, else in single quotes ([ and ] glob: quoted).
std::string shell_quoted(const std::string& word) {
  bool plain = !word.empty();
  for (const char c : word) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      std::string_view("_-.,:/=@%+").find(c) != std::string_view::npos;
    plain = plain && safe;
  }
  if (plain) return word;
  std::string quoted = "'";
  for (const char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace

void add_scenario_flags(CLI::App& cmd, scenario_flags& flags) {
  cmd.add_option("--duration", flags.duration,
                 "Simulated time the run lasts, over the scenario's duration (e.g. 2d, 36h), checked as in the file")
      ->type_name("D");
  cmd.add_option("--set", flags.sets,
                 "Set a field of the scenario over what the file says, checked as in the file: PATH by the schema's "
                 "field names, lists indexed from 0 (fleet.network.loss=0.02, "
                 "deployment[0].rollout.in_flight_limit=100); repeatable, at most " +
                     std::to_string(scenario::overrides_max))
      ->type_name("PATH=VALUE")
      ->check(CLI::Validator(
          [](std::string& text) {
            return text.find('=') == std::string::npos ? "must be PATH=VALUE (no = in " + text + ")" : std::string{};
          },
          ""));
}

std::vector<scenario::field_override> overrides_of(const scenario_flags& flags) {
  std::vector<scenario::field_override> overrides;
  if (!flags.duration.empty()) overrides.push_back({"--duration " + flags.duration, "duration", flags.duration});
  for (const std::string& set : flags.sets) {
    const std::size_t equals = set.find('=');  // the validator saw one
    overrides.push_back({"--set " + set, set.substr(0, equals), set.substr(equals + 1)});
  }
  return overrides;
}

std::string replay_words(const scenario_flags& flags) {
  std::string words;
  if (!flags.duration.empty()) words += " --duration " + shell_quoted(flags.duration);
  for (const std::string& set : flags.sets) words += " --set " + shell_quoted(set);
  return words;
}

}  // namespace fleet::cli
