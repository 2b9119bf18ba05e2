#pragma once
// Making a failure small (delta debugging over its faults and attacks, then
// narrower spans and smaller shares, then fewer devices) and writing it out.

#include <optional>
#include <string>
#include <vector>

#include "fleet/explore/explore.hpp"

namespace fleet::explore {

/// What every candidate run of one exploration shares.
struct shrink_context {
  const scenario::Scenario& base;  ///< the file without its faults, attacks and explore section
  const std::vector<event>& own;   ///< the file's own faults and attacks
  const judge_fn& judge;
  const std::string& path;
  std::uint64_t min_devices = 1;  ///< the file's floor
  std::uint64_t groups = 1;       ///< a device a group at least
  std::optional<std::uint64_t> devices;  ///< the size the runs were given, if any
  std::uint64_t file_devices = 0;        ///< the size they ran at
};

struct shrink_outcome {
  std::vector<event> events;
  std::optional<std::uint64_t> devices;
  std::uint32_t runs = 0;  ///< candidate runs spent
  std::string trace_hash;  ///< of the run of the shrunk schedule
};

/// The smallest schedule found, within `budget` runs, on which `expectation`
/// still fails: the file's own faults and attacks, and of the drawn ones a
/// 1-minimal set (removing any one makes it pass) when the budget allowed.
/// Deterministic.
shrink_outcome shrink(const shrink_context& ctx, const std::vector<event>& events, std::uint64_t seed,
                      const std::string& expectation, std::uint32_t budget, const std::string& trace_hash);

/// The scenario that replays `events`, checked by running it again from its
/// text: `trace_hash` (the run it stands for) and `expectation` failing.
reproducer write_reproducer(const shrink_context& ctx, const std::vector<event>& events, std::uint64_t seed,
                            std::optional<std::uint64_t> devices, std::uint64_t device_count,
                            const std::string& expectation, const std::string& trace_hash, const std::string& file,
                            const std::string& headline);

}  // namespace fleet::explore
