#include "fleet/scenario/diagnostic.hpp"

namespace fleet::scenario {

std::string to_string(const diagnostic& d) {
  if (d.where.line <= 0) return d.file + ": " + d.message;
  return d.file + ":" + std::to_string(d.where.line) + ":" + std::to_string(d.where.column) + ": " + d.message;
}

}  // namespace fleet::scenario
