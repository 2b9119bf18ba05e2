#include "fleet/scenario/diagnostic.hpp"

namespace fleet::scenario {

std::string to_string(const diagnostic& d) {
  const std::string message = d.level == severity::warning ? "warning: " + d.message : d.message;
  if (d.where.line <= 0) return d.file + ": " + message;
  return d.file + ":" + std::to_string(d.where.line) + ":" + std::to_string(d.where.column) + ": " + message;
}

}  // namespace fleet::scenario
