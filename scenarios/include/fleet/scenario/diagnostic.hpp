#pragma once
// One thing wrong with a scenario file, with where it is.

#include <string>

namespace fleet::scenario {

/// A place in a file: 1-based line and column (a tab advances the column to
/// the next multiple of 8, as protobuf counts). 0: unknown, e.g. an unreadable
/// file.
struct location {
  int line = 0;
  int column = 0;
};

struct diagnostic {
  std::string file;
  location where;
  std::string message;
};

/// "file:line:col: message", or "file: message" when the place is unknown.
std::string to_string(const diagnostic& d);

}  // namespace fleet::scenario
