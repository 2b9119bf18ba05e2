#pragma once
// Reads a scenario file: text format against proto/scenario.proto, then every
// semantic rule (docs/scenarios.md). Errors are values, each with the line and
// column of the field at fault; nothing is thrown.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fleet/scenario/diagnostic.hpp"
#include "fleet/scenario/scenario.hpp"
#include "fleet/scenario/warnings.hpp"

namespace fleet::scenario {

class Scenario;  // proto/scenario.proto's message (scenario.pb.h)

struct load_result {
  std::optional<scenario> value;   ///< set exactly when `errors` is empty
  std::vector<diagnostic> errors;  ///< in file order (line, column), at most errors_max + 1
  /// With `value`: where its fields stand in the file, for warnings(). Kept
  /// apart from the warnings themselves so that a caller that changes the
  /// scenario (`--devices`) warns about what it runs.
  scenario_places places;
  /// With `value`: the file's message as parsed, the overrides set and not
  /// rescaled. What `fleetsim explore` adds its draws to and writes back.
  std::shared_ptr<const Scenario> message;
};

/// A field of the scenario set from the command line, over what the file says.
struct field_override {
  std::string flag;   ///< as written ("--set fleet.network.loss=0.02", "--duration 2d"): names it in errors
  std::string path;   ///< fields from the top, by their schema names: "deployment[0].rollout.in_flight_limit"
  std::string value;  ///< a string field takes it as it is; any other as protobuf text format ("0.02", "true", "APP")
};

/// Reads the file at `path`, sets `overrides` in order on what it parsed,
/// then checks the result as it checks a file: a value an override sets
/// gets the errors it would get in the file, at the place of that field in
/// the file (or of the message that lacks it). An unknown path or a value
/// of the wrong type is an error naming the override's flag, with no place.
/// At most overrides_max.
load_result load_file(const std::string& path, const std::vector<field_override>& overrides);
load_result load_text(std::string_view text, const std::string& file_name,
                      const std::vector<field_override>& overrides);

/// The same, then rescaled to `devices` when given (`--devices`, after the
/// overrides; rescale.hpp). A refusal is one diagnostic: at the field that
/// sets the floor `devices` falls below (the file's `min_devices`, an abort
/// rule's min_sample) or the scaled count that crosses its limit, with no
/// place when there are fewer devices than groups or more than the limit.
/// A file's own `devices` field rescales it the same way when `devices` is
/// not given; a refusal of no other field is then placed at that field.
load_result load_file(const std::string& path, const std::vector<field_override>& overrides,
                      std::optional<std::uint64_t> devices);
load_result load_text(std::string_view text, const std::string& file_name,
                      const std::vector<field_override>& overrides, std::optional<std::uint64_t> devices);

/// Reads and checks the file at `path`; diagnostics name the file as `path`.
load_result load_file(const std::string& path);
/// Checks `text` as if read from a file called `file_name`.
load_result load_text(std::string_view text, const std::string& file_name);

}  // namespace fleet::scenario
