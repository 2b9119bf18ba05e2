#pragma once
// The syntax step: protobuf text format against scenario.proto, every error
// the parser finds with its line and column, and the place of every field.

#include <string>
#include <string_view>

#include "context.hpp"
#include "scenario.pb.h"
#include "source_map.hpp"

namespace fleet::scenario {

/// Parses `text` (at most file_bytes_max) into `out` and records where each
/// field stood in `fields`; false (with the errors in `ctx`) when the text is
/// too large or not a valid Scenario.
bool parse_text(std::string_view text, Scenario& out, source_map::tree& fields, context& ctx);

/// The bytes of the file at `path`, up to one past file_bytes_max; on
/// failure `error` says why ("cannot read: No such file or directory").
bool read_file(const std::string& path, std::string& out, std::string& error);

}  // namespace fleet::scenario
