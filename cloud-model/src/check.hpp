#pragma once
// Invariant checks that stay on in every build (TigerBeetle keeps its
// assertions in production): a broken invariant stops the program with the
// place and the reason instead of corrupting a rollout silently.

#include <cstdio>
#include <cstdlib>

#define FLEET_CLOUD_CHECK(cond, what)                                         \
  do {                                                                        \
    if (!(cond)) {                                                            \
      std::fprintf(stderr, "%s:%d: cloud-model invariant broken: %s (%s)\n",  \
                   __FILE__, __LINE__, what, #cond);                          \
      std::abort();                                                           \
    }                                                                         \
  } while (false)
