#pragma once
// One thing wrong with a scenario file, with where it is.

#include <cstdint>
#include <string>

namespace fleet::scenario {

/// A place in a file: 1-based line and column (a tab advances the column to
/// the next multiple of 8, as protobuf counts). 0: unknown, e.g. an unreadable
/// file.
struct location {
  int line = 0;
  int column = 0;
};

/// An error refuses the file; a warning says that a valid file cannot do
/// what it seems to (warnings.hpp).
enum class severity : std::uint8_t { error, warning };

struct diagnostic {
  std::string file;
  location where;
  std::string message;
  severity level = severity::error;
};

/// "file:line:col: message", or "file: message" when the place is unknown;
/// a warning's message starts with "warning: ".
std::string to_string(const diagnostic& d);

}  // namespace fleet::scenario
