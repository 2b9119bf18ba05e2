#include "timing.hpp"

#include "fleet/scenario/limits.hpp"

namespace fleet::scenario {

timing read_timing(checker& c, const std::string& at_text, const std::string& duration_text, bool lasts,
                   const std::string& what, const char* kind, duration run_length) {
  timing t;
  if (at_text.empty()) {
    c.fail("at", "missing: when the " + what + " happens, e.g. \"2d\"");
  } else if (const auto when = c.duration("at", at_text, duration{0})) {
    if (c.before_end("at", *when, run_length)) t.at = *when;
  }
  if (lasts) {
    if (duration_text.empty()) {
      c.fail("duration", std::string("missing: how long the ") + kind + " lasts");
    } else if (const auto d = c.duration("duration", duration_text, duration{0})) {
      if (c.duration_in("duration", *d, duration{0}, run_duration_max, /*min_open=*/true)) t.length = *d;
    }
  } else if (!duration_text.empty()) {
    c.fail("duration", std::string("a ") + kind + " happens at an instant: no duration");
  }
  return t;
}

}  // namespace fleet::scenario
