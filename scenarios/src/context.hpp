#pragma once
// What the loader's checks share: the diagnostics of one file, and the names
// the sections resolve each other's references by.

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "fleet/scenario/diagnostic.hpp"

namespace fleet::scenario {

class context {
 public:
  explicit context(std::string file) : file_(std::move(file)) {}

  /// Records one error; past errors_max they are only counted.
  void error(location where, std::string message);
  bool failed() const { return !errors_.empty() || dropped_ > 0; }
  /// The errors, plus a last line saying how many were not shown.
  std::vector<diagnostic> take();

 private:
  std::string file_;
  std::vector<diagnostic> errors_;
  std::size_t dropped_ = 0;
};

/// Where each name was first defined, to resolve references and to say where
/// the first of two duplicates is.
struct named {
  std::size_t index = 0;
  location where;
  /// False when the definition itself is broken in a way references cannot
  /// look past (an image of an unknown product): its error is reported once,
  /// where it is defined, and references to it stay silent.
  bool usable = true;
};
using name_table = std::map<std::string, named, std::less<>>;

struct names {
  name_table products;
  name_table groups;  ///< by group_key
  name_table images;  ///< by "name@version"
};

/// Groups are named per product: two products may both have "Production".
inline std::string group_key(const std::string& product, const std::string& group) { return product + '\n' + group; }

}  // namespace fleet::scenario
