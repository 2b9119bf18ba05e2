#pragma once
// Reads a scenario file: text format against proto/scenario.proto, then every
// semantic rule (docs/scenarios.md). Errors are values, each with the line and
// column of the field at fault; nothing is thrown.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fleet/scenario/diagnostic.hpp"
#include "fleet/scenario/scenario.hpp"

namespace fleet::scenario {

struct load_result {
  std::optional<scenario> value;   ///< set exactly when `errors` is empty
  std::vector<diagnostic> errors;  ///< in file order (line, column), at most errors_max + 1
};

/// Reads and checks the file at `path`; diagnostics name the file as `path`.
load_result load_file(const std::string& path);
/// Checks `text` as if read from a file called `file_name`.
load_result load_text(std::string_view text, const std::string& file_name);

}  // namespace fleet::scenario
