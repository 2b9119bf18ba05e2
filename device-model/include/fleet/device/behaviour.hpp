#pragma once
// How the software above the boot chain behaves, per image version: scenario
// data, one immutable table shared by every device (never copied per device).
// sim_runtime draws each device's outcomes from it with the device's
// "runtime" stream.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fleet/fw/types.hpp"
#include "fleet/wire/version.hpp"

namespace fleet::device {

/// Entries a behaviour table holds at most.
inline constexpr std::size_t behaviour_entries_max = 4096;

struct version_behaviour {
  /// Crashes per hour of uptime once ready (exponential time to crash).
  double crash_rate_per_hour = 0;
  /// Chance that a start fails to boot, on every revision without an override.
  double boot_failure_probability = 0;
  /// Per hardware revision overrides of boot_failure_probability.
  std::vector<std::pair<std::string, double>> boot_failure_by_revision;
  /// Chance that the software boots but reports unhealthy instead of ready.
  double health_check_failure_probability = 0;
  /// Time from start to ready (or to the failure report); a slow boot.
  fw::duration boot_duration = std::chrono::seconds(5);
  /// A leak: crashes exactly this long after start, whatever the draws say.
  std::optional<fw::duration> leak_crash_after;
  /// How long in total the application puts off an OS update once it is
  /// downloaded (the firmware caps the total at its os_deferral_max, 24 h).
  fw::duration os_update_deferral{0};
  /// What a random crash reports (a leak reports signal 9, the OOM killer).
  std::int32_t crash_exit_status = 0;
  std::int32_t crash_signal = 11;

  double boot_failure_for(std::string_view hardware_revision) const;
};

class behaviour_model {
 public:
  /// Every version not in the table behaves like `fallback` (by default: boots
  /// in 5 s, never crashes, never fails).
  explicit behaviour_model(version_behaviour fallback = {});

  /// Adds or replaces the behaviour of (image name, version). Setup only:
  /// the table is read concurrently by every device afterwards.
  void set(std::string image_name, const wire::version& v, version_behaviour b);
  /// The behaviour of (image name, version), or the fallback when unknown.
  const version_behaviour& lookup(std::string_view image_name, const wire::version& v) const;
  std::size_t size() const { return table_.size(); }

 private:
  using key = std::pair<std::string, wire::version>;
  struct key_less {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      const std::string_view an(a.first);
      const std::string_view bn(b.first);
      if (an != bn) return an < bn;
      return a.second < b.second;
    }
  };
  std::map<key, version_behaviour, key_less> table_;
  version_behaviour fallback_;
};

}  // namespace fleet::device
