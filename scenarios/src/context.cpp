#include "context.hpp"

#include <algorithm>
#include <tuple>

#include "fleet/scenario/limits.hpp"

namespace fleet::scenario {

void context::error(location where, std::string message) {
  if (errors_.size() == errors_max) {
    ++dropped_;
    return;
  }
  errors_.push_back({file_, where, std::move(message)});
}

std::vector<diagnostic> context::take() {
  // The checks run section by section; a reader goes through the file.
  std::stable_sort(errors_.begin(), errors_.end(), [](const diagnostic& a, const diagnostic& b) {
    return std::tie(a.where.line, a.where.column) < std::tie(b.where.line, b.where.column);
  });
  if (dropped_ > 0) {
    errors_.push_back(
        {file_,
         {},
         "stopped after " + std::to_string(errors_max) + " errors; " + std::to_string(dropped_) + " more not shown"});
    dropped_ = 0;
  }
  return std::move(errors_);
}

}  // namespace fleet::scenario
