#pragma once
// Invariant checks that stay on in every build (TigerBeetle keeps its
// assertions in production): a broken invariant stops the program with the
// place and the reason, instead of corrupting a simulated fleet silently.
// Expected failures (bad input, refused requests) are values, never this.

#include <cstdio>
#include <cstdlib>

#define FLEET_CHECK(cond, what)                                                        \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: invariant broken: %s (%s)\n", __FILE__, __LINE__,   \
                   what, #cond);                                                       \
      std::abort();                                                                    \
    }                                                                                  \
  } while (false)
