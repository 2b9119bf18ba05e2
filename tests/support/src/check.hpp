#pragma once
// Broken invariants of the test support (a test misusing it) stop the program.

#include <cstdio>
#include <cstdlib>

namespace fleet::testing {

inline void check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fleet::testing: %s\n", what);
  std::abort();
}

}  // namespace fleet::testing
