#include "fleet/cloud/rollout_policy.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace fleet::cloud {

wave_plan wave_plan::by_percent(std::vector<double> cumulative) {
  wave_plan p;
  p.by = kind::percent;
  p.cumulative_percent = std::move(cumulative);
  return p;
}

wave_plan wave_plan::by_count(std::vector<std::uint32_t> wave_sizes) {
  wave_plan p;
  p.by = kind::count;
  p.cumulative_percent.clear();
  p.sizes = std::move(wave_sizes);
  return p;
}

std::size_t wave_plan::wave_count() const {
  return by == kind::percent ? cumulative_percent.size() : sizes.size() + 1;
}

std::vector<std::uint64_t> wave_ends(const wave_plan& plan, std::uint32_t devices) {
  std::vector<std::uint64_t> ends;
  if (plan.by == wave_plan::kind::percent) {
    for (std::size_t i = 0; i + 1 < plan.cumulative_percent.size(); ++i) {
      // Percent to parts per million first, then integer ceiling: no float fuzz
      // in the count (1 % of 1,000,000 is exactly 10,000).
      const auto ppm = static_cast<std::uint64_t>(std::llround(plan.cumulative_percent[i] * 1e4));
      ends.push_back((std::uint64_t{devices} * ppm + 999'999) / 1'000'000);
    }
  } else {
    std::uint64_t total = 0;
    for (std::uint32_t size : plan.sizes) {
      total += size;
      ends.push_back(std::min<std::uint64_t>(total, devices));
    }
  }
  return ends;
}

namespace {

std::string text(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::string text(duration d) { return std::to_string(d.count()) + " us"; }

std::string indexed(const char* field, std::size_t i) {
  return std::string(field) + "[" + std::to_string(i) + "]";
}

class checker {
 public:
  void fail(std::string field, std::string problem) {
    errors_.push_back({std::move(field), std::move(problem)});
  }
  /// NaN fails every comparison, so ranges are written to reject it.
  void unit_interval(const std::string& field, double v, bool zero_allowed) {
    const bool ok = zero_allowed ? (v >= 0 && v <= 1) : (v > 0 && v <= 1);
    if (!ok) fail(field, std::string("must be in ") + (zero_allowed ? "[0, 1]" : "(0, 1]") + ", is " + text(v));
  }
  std::vector<policy_error> take() { return std::move(errors_); }

 private:
  std::vector<policy_error> errors_;
};

void check_waves(const wave_plan& w, checker& c) {
  if (w.wave_count() > waves_max) {
    c.fail("waves", "at most " + std::to_string(waves_max) + " waves, has " + std::to_string(w.wave_count()));
  }
  if (w.by == wave_plan::kind::percent) {
    if (w.cumulative_percent.empty()) {
      c.fail("waves.cumulative_percent", "must list at least one wave (the last is 100)");
      return;
    }
    double previous = 0;
    for (std::size_t i = 0; i < w.cumulative_percent.size(); ++i) {
      const double p = w.cumulative_percent[i];
      if (!(p > 0 && p <= 100)) {
        c.fail(indexed("waves.cumulative_percent", i), "must be in (0, 100], is " + text(p));
      } else if (i > 0 && !(p > previous)) {
        c.fail(indexed("waves.cumulative_percent", i),
               "must be greater than the previous wave (" + text(previous) + "), is " + text(p));
      }
      previous = p;
    }
    if (w.cumulative_percent.back() != 100) {
      c.fail("waves.cumulative_percent", "the last wave must reach 100, reaches " + text(w.cumulative_percent.back()));
    }
  } else {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < w.sizes.size(); ++i) {
      if (w.sizes[i] == 0) c.fail(indexed("waves.sizes", i), "must be at least 1 device");
      total += w.sizes[i];
    }
    if (total > devices_max) {
      c.fail("waves.sizes", "add up to " + std::to_string(total) + ", more than devices_max (" +
                                std::to_string(devices_max) + ")");
    }
  }
}

void check_ramp(const ramp_policy& r, checker& c) {
  if (!(r.base_per_minute > 0 && r.base_per_minute <= offers_per_minute_max)) {
    c.fail("ramp.base_per_minute", "must be in (0, " + text(offers_per_minute_max) + "], is " + text(r.base_per_minute));
  }
  if (!(r.max_per_minute >= r.base_per_minute && r.max_per_minute <= offers_per_minute_max)) {
    c.fail("ramp.max_per_minute", "must be in [base_per_minute (" + text(r.base_per_minute) + "), " +
                                      text(offers_per_minute_max) + "], is " + text(r.max_per_minute));
  }
  if (!(r.increment_factor > 1 && std::isfinite(r.increment_factor))) {
    c.fail("ramp.increment_factor", "must be greater than 1, is " + text(r.increment_factor));
  }
  if (r.step_devices == 0) c.fail("ramp.step_devices", "must be at least 1 device");
}

void check_abort(const char* field, const std::optional<abort_rule>& rule, checker& c) {
  if (!rule) return;
  // A zero threshold would abort on the first finished attempt, success or not.
  c.unit_interval(std::string(field) + ".threshold", rule->threshold, /*zero_allowed=*/false);
  if (rule->min_sample == 0) c.fail(std::string(field) + ".min_sample", "must be at least 1 attempt");
}

void check_retries(const char* field, std::uint32_t retries, checker& c) {
  if (retries > retries_max) {
    c.fail(field, "at most " + std::to_string(retries_max) + ", is " + std::to_string(retries));
  }
}

}  // namespace

std::vector<policy_error> validate(const rollout_policy& p) {
  checker c;
  if (p.start_at.count() < 0) c.fail("start_at", "must not be negative, is " + text(p.start_at));
  check_waves(p.waves, c);
  if (p.ramp) check_ramp(*p.ramp, c);
  if (p.in_flight_limit == 0 || p.in_flight_limit > in_flight_limit_max) {
    c.fail("in_flight_limit", "must be in [1, " + std::to_string(in_flight_limit_max) + "], is " +
                                  std::to_string(p.in_flight_limit));
  }
  c.unit_interval("gate.success_threshold", p.gate.success_threshold, /*zero_allowed=*/true);
  if (p.gate.min_wave_duration.count() < 0) {
    c.fail("gate.min_wave_duration", "must not be negative, is " + text(p.gate.min_wave_duration));
  }
  check_abort("abort.failed", p.abort.failed, c);
  check_abort("abort.rejected", p.abort.rejected, c);
  check_abort("abort.timed_out", p.abort.timed_out, c);
  check_abort("abort.any", p.abort.any, c);
  if (p.device_timeout.count() <= 0 || p.device_timeout > device_timeout_max) {
    c.fail("device_timeout", "must be in (0, " + text(device_timeout_max) + "], is " + text(p.device_timeout));
  }
  check_retries("retries.failed", p.retries.failed, c);
  check_retries("retries.rejected", p.retries.rejected, c);
  check_retries("retries.timed_out", p.retries.timed_out, c);
  if (p.windows.size() > maintenance_windows_max) {
    c.fail("windows", "at most " + std::to_string(maintenance_windows_max) + ", has " + std::to_string(p.windows.size()));
  }
  for (std::size_t i = 0; i < p.windows.size(); ++i) {
    const maintenance_window& w = p.windows[i];
    if (w.start_of_day.count() < 0 || w.start_of_day >= day) {
      c.fail(indexed("windows", i) + ".start_of_day", "must be in [0, 24h), is " + text(w.start_of_day));
    }
    if (w.length.count() <= 0 || w.length > day) {
      c.fail(indexed("windows", i) + ".length", "must be in (0, 24h], is " + text(w.length));
    }
  }
  if (p.rollback.failed_share) c.unit_interval("rollback.failed_share", *p.rollback.failed_share, false);
  if (p.rollback.failed_devices && *p.rollback.failed_devices == 0) {
    c.fail("rollback.failed_devices", "must be at least 1 device");
  }
  return c.take();
}

std::string rollback_target_problem(const rollback_image_facts& failed, const rollback_image_facts& target) {
  const std::string of_failed = " than \"" + failed.ref + "\"";
  if (target.product != failed.product) {
    return "\"" + target.ref + "\" is for product \"" + target.product + "\", the failed image for \"" +
           failed.product + "\"";
  }
  if (!(target.version > failed.version)) {
    return "\"" + target.ref + "\" is not newer" + of_failed +
           ": devices that committed it refuse an image that is not newer (not_newer); roll forward to the old "
           "content under a higher version";
  }
  if (target.security_version < failed.security_version) {
    return "\"" + target.ref + "\" has security version " + std::to_string(target.security_version) +
           ", below the " + std::to_string(failed.security_version) + " of \"" + failed.ref +
           "\": the anti-rollback counter of devices that committed it refuses it (rollback)";
  }
  if (!target.hardware_revisions.empty()) {
    // Every revision the failed image went to must be able to go back.
    const std::vector<std::string>& needed = failed.hardware_revisions;
    if (needed.empty()) {
      return "\"" + target.ref + "\" runs on some hardware revisions only, \"" + failed.ref + "\" on all of them";
    }
    for (const std::string& rev : needed) {
      bool found = false;
      for (const std::string& have : target.hardware_revisions) found = found || have == rev;
      if (!found) {
        return "\"" + target.ref + "\" does not run on hardware revision \"" + rev + "\", which \"" + failed.ref +
               "\" runs on";
      }
    }
  }
  return {};
}

}  // namespace fleet::cloud
