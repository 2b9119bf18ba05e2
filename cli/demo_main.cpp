// The single-device demo `make run` runs until the fleet engine lands: one
// device's life against the security service, told from the simulation's
// own state. Every fact printed is read from the firmware's records and
// counters, the simulated hardware, the service's state (registry,
// deployments, counters, telemetry) or the messages on the link; the demo
// only decides what to do next.
#include <CLI/CLI.hpp>

#include <array>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fleet/testing/device_world.hpp"
#include "fleet/wire/envelope.hpp"

namespace {

using namespace fleet;
using namespace std::chrono_literals;
using fw::record_kind;

std::string sim_clock_text(fw::sim_time t) {
  const std::int64_t ms = t.count() / 1000;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%3lldd %02lld:%02lld:%02lld.%03lld",
                static_cast<long long>(ms / 86400000), static_cast<long long>(ms / 3600000 % 24),
                static_cast<long long>(ms / 60000 % 60), static_cast<long long>(ms / 1000 % 60),
                static_cast<long long>(ms % 1000));
  return buf;
}

std::string utc_text(std::int64_t wall_us) {
  const std::time_t secs = static_cast<std::time_t>(wall_us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

std::string hex12(std::string_view bytes) { return crypto::to_hex(bytes).substr(0, 12); }
std::string minutes_text(fw::duration d) {
  const auto min = std::chrono::duration_cast<std::chrono::minutes>(d).count();
  return min < 120 ? std::to_string(min) + " min" : std::to_string(min / 60) + " h " + std::to_string(min % 60) + " min";
}

/// Drives the world and stamps every firmware record with the simulated time
/// it appeared at (records carry no time of their own).
class story {
 public:
  story(testing::device_world& w, bool quiet) : w_(w), quiet_(quiet) {}

  void say(fw::sim_time at, const std::string& line) const {
    if (!quiet_) std::printf("[%s] %s\n", sim_clock_text(at).c_str(), line.c_str());
  }
  void say(const std::string& line) const { say(w_.now(), line); }

  /// Runs until `done` holds; false (and the reason noted) after `limit`.
  bool until(const std::function<bool()>& done, fw::duration limit, const std::string& what) {
    stamp();
    if (done() || w_.run_until([&] { stamp(); return done(); }, limit)) return true;
    if (failure_.empty()) failure_ = what + " did not happen within " + minutes_text(limit);
    return false;
  }

  /// Waits for the next record of `kind` not consumed yet; its index or -1.
  long next(record_kind kind, fw::duration limit) {
    auto& from = cursor_[static_cast<std::size_t>(kind)];
    long found = -1;
    const auto scan = [&] {
      for (std::size_t i = from; i < w_.records().size(); ++i) {
        if (w_.records()[i].kind == kind) { found = static_cast<long>(i); return true; }
      }
      return false;
    };
    if (!until(scan, limit, std::string("record ") + fw::name_of(kind))) return -1;
    from = static_cast<std::size_t>(found) + 1;
    return found;
  }

  const fw::record& record(long i) const { return w_.records()[static_cast<std::size_t>(i)]; }
  fw::sim_time time_of(long i) const { return stamps_[static_cast<std::size_t>(i)]; }
  const std::string& failure() const { return failure_; }
  /// False (and `what` noted) when `holds` is false: the state is not what the story needs.
  bool check(bool holds, const std::string& what) {
    if (!holds && failure_.empty()) failure_ = what;
    return holds;
  }

  /// The stages started by the boot that ended with record `booted`.
  std::string chain_of(long booted) const {
    std::vector<std::string> stages;
    for (long i = booted - 1; i >= 0 && record(i).kind != record_kind::booted; --i) {
      if (record(i).kind == record_kind::software_started) {
        stages.insert(stages.begin(), std::string(fw::name_of(record(i).comp)) + " " +
                                          record(i).version.to_string());
      }
    }
    std::string text;
    for (const auto& s : stages) text += (text.empty() ? "" : ", ") + s;
    return text + " (measured, " + std::to_string(stages.size()) + " stages verified)";
  }

 private:
  void stamp() {
    while (stamps_.size() < w_.records().size()) stamps_.push_back(w_.now());
  }

  testing::device_world& w_;
  bool quiet_;
  std::vector<fw::sim_time> stamps_;
  std::array<std::size_t, static_cast<std::size_t>(record_kind::count_)> cursor_{};
  std::string failure_;
};

/// The report of `outcome` for app `version` the device sent and the service acked.
std::optional<wire::UpdateResult> report_of(const testing::device_world& w, wire::UpdateOutcome outcome,
                                            const std::string& version) {
  for (const auto& r : w.update_reports()) {
    if (r.acked && r.result.outcome() == outcome && r.result.version() == version) return r.result;
  }
  return std::nullopt;
}

/// The last message of this kind on the link, in either direction.
std::optional<wire::Envelope> last_on_link(const std::vector<std::string>& sent, wire::Envelope::BodyCase body) {
  for (auto it = sent.rbegin(); it != sent.rend(); ++it) {
    wire::Envelope e;
    if (e.ParseFromString(*it) && e.body_case() == body) return e;
  }
  return std::nullopt;
}

void print_summary(testing::device_world& w, const crypto::op_counts& ops) {
  const auto& s = w.firmware().stats();
  const auto& c = w.service().counters();
  const auto stored = w.show().telemetry.stored;
  std::printf("summary after %s of simulated time:\n", sim_clock_text(w.now()).c_str());
  std::printf("  crypto (device + cloud): %llu signs, %llu verifies, %llu key exchanges, %llu MACs, "
              "%llu bytes hashed in %llu hashes\n",
              static_cast<unsigned long long>(ops.signs), static_cast<unsigned long long>(ops.verifies),
              static_cast<unsigned long long>(ops.key_exchanges), static_cast<unsigned long long>(ops.macs),
              static_cast<unsigned long long>(ops.hashed_bytes),
              static_cast<unsigned long long>(ops.hash_calls));
  std::printf("  flash writes: %llu\n", static_cast<unsigned long long>(w.device().flash().writes_done()));
  std::printf("  firmware: %u boots, %u attestations, %u requests (%u timed out), %llu chunks, "
              "%u committed, %u rolled back, %u app crashes, %llu telemetry events uploaded, "
              "%llu dropped\n",
              s.boots, s.attestations, s.requests_sent, s.request_timeouts,
              static_cast<unsigned long long>(s.chunks_downloaded), s.updates_committed,
              s.updates_rolled_back, s.app_crashes, static_cast<unsigned long long>(s.telemetry_uploaded),
              static_cast<unsigned long long>(s.telemetry_dropped));
  std::string reasons;
  for (std::size_t r = 0; r < fw::reject_reason_count; ++r) {
    if (s.rejected[r] != 0) {
      reasons += std::string(reasons.empty() ? " (" : ", ") +
                 fw::name_of(static_cast<fw::reject_reason>(r)) + " " + std::to_string(s.rejected[r]);
    }
  }
  std::printf("  rejected inputs: %llu%s\n", static_cast<unsigned long long>(s.rejected_total()),
              reasons.empty() ? "" : (reasons + ")").c_str());
  std::printf("  service: %llu requests, %llu certificates, %llu update checks, %llu offers, %llu chunks served, "
              "%llu update reports, %llu telemetry events stored\n",
              static_cast<unsigned long long>(c.requests), static_cast<unsigned long long>(c.certificates_issued),
              static_cast<unsigned long long>(c.update_checks), static_cast<unsigned long long>(c.offers),
              static_cast<unsigned long long>(c.chunks_served), static_cast<unsigned long long>(c.update_results),
              static_cast<unsigned long long>(stored));
}

/// What the deployment of `image` has counted so far.
std::string deployment_text(testing::device_world& w, const wire::built_image& image) {
  const cloud::rollout_status s = w.setup().status_of(image.image_digest);
  return "deployment #" + std::to_string(*w.setup().deployment_of(image.image_digest)) + " " +
         cloud::name_of(s.state) + ": " + std::to_string(s.attempts.succeeded) + " succeeded, " +
         std::to_string(s.attempts.failed) + " failed of " + std::to_string(s.devices) + " device(s)";
}

/// Publishes `image`, then follows it to its outcome: `commit` or rollback.
bool follow_update(story& st, testing::device_world& w, const wire::built_image& built, bool commit) {
  const wire::version before = w.firmware().running_version(fw::component::app);
  const auto counter_before = w.device().secure_element().read_counter(fw::component::app);
  const auto offers = w.service().counters().offers;
  const auto chunks_before = w.firmware().stats().chunks_downloaded;
  const wire::built_image image = w.publish(built);
  const std::string v = image.manifest.version();
  st.say("operator uploads app " + v + " (security version " + std::to_string(image.manifest.security_version()) +
         ", " + std::to_string(image.chunks.size()) + " chunks of " +
         std::to_string(image.manifest.chunk_size_bytes()) + " bytes); the service signs it with image key " +
         std::to_string(image.manifest.signing_key_id()) + " and deploys it to Production (" +
         deployment_text(w, image) + ")");
  if (!st.until([&] { return w.service().counters().offers > offers; }, 26h, "update offer of " + v)) return false;
  st.say("update check: the service offers app " + v);
  long i = st.next(record_kind::update_downloaded, 1h);
  if (i < 0) return false;
  const auto& slot = w.device().flash().info(fw::component::app, fw::other(w.firmware().active_slot(fw::component::app)));
  st.say(st.time_of(i), "downloaded app " + st.record(i).version.to_string() + ": " +
                            std::to_string(w.firmware().stats().chunks_downloaded - chunks_before) + " chunks, " +
                            std::to_string(slot.image ? slot.image->size_bytes : 0) +
                            " bytes in the inactive slot, every chunk and the whole image verified");
  if ((i = st.next(record_kind::update_installed, 1h)) < 0) return false;
  st.say(st.time_of(i), "installed app " + st.record(i).version.to_string() + " as a trial");
  if ((i = st.next(record_kind::booted, 1h)) < 0) return false;
  const fw::sim_time trial_boot = st.time_of(i);
  st.say(st.time_of(i), std::string("trial boot: ") + st.chain_of(i) +
                            (w.firmware().trial_pending() ? ", trial pending" : ""));
  st.say(st.time_of(i), "health window: the trial must run healthy for " +
                            minutes_text(w.config().timers.health_window) + " after it reports ready");
  if (commit) {
    if ((i = st.next(record_kind::update_committed, 1h)) < 0) return false;
    const auto counter = w.device().secure_element().read_counter(fw::component::app);
    st.say(st.time_of(i), "committed app " + st.record(i).version.to_string() + ": anti-rollback counter now " +
                              std::to_string(counter));
    if (!st.check(w.firmware().running_version(fw::component::app) == *wire::parse_version(v) &&
                      counter == image.manifest.security_version(),
                  "after the commit the device runs app " +
                      w.firmware().running_version(fw::component::app).to_string() + " with counter " +
                      std::to_string(counter) + ", not " + v)) {
      return false;
    }
    if (!st.until([&] { return report_of(w, wire::COMMITTED, v).has_value(); }, 1h, "COMMITTED report")) return false;
    st.say("the service acked the report: app " + v + " COMMITTED (" + deployment_text(w, image) + ")");
    return st.check(w.setup().status_of(image.image_digest).attempts.succeeded == 1,
                    "the deployment of app " + v + " did not count the success");
  }
  if ((i = st.next(record_kind::app_crashed, 1h)) < 0) return false;
  st.say(st.time_of(i), "app " + st.record(i).version.to_string() + " crashed " +
                            minutes_text(st.time_of(i) - trial_boot) + " after the trial boot");
  if ((i = st.next(record_kind::update_rolled_back, 1h)) < 0) return false;
  st.say(st.time_of(i), "rolled back app " + st.record(i).version.to_string());
  if ((i = st.next(record_kind::booted, 1h)) < 0) return false;
  const auto counter = w.device().secure_element().read_counter(fw::component::app);
  st.say(st.time_of(i), "booted: " + st.chain_of(i) + ", anti-rollback counter " + std::to_string(counter));
  if (!st.check(w.firmware().running_version(fw::component::app) == before && counter == counter_before &&
                    w.count(record_kind::boot_fallback) == 0,
                "after the rollback the device runs app " +
                    w.firmware().running_version(fw::component::app).to_string() + " with counter " +
                    std::to_string(counter) + " (" + std::to_string(w.count(record_kind::boot_fallback)) +
                    " boot fallbacks), not app " + before.to_string() + " with counter " +
                    std::to_string(counter_before))) {
    return false;
  }
  if (!st.until([&] { return report_of(w, wire::ROLLED_BACK, v).has_value(); }, 1h, "ROLLED_BACK report")) return false;
  const auto r = report_of(w, wire::ROLLED_BACK, v);
  st.say("the service acked the report: app " + r->version() + " ROLLED_BACK (\"" + r->reason() + "\"), image " +
         hex12(r->image_digest()) + "... (" + deployment_text(w, image) + ")");
  return st.check(w.setup().status_of(image.image_digest).attempts.failed == 1,
                  "the deployment of app " + v + " did not count the failure");
}

bool run_story(story& st, testing::device_world& w, const wire::built_image& good,
               const wire::built_image& bad) {
  const std::string id = hex12(crypto::as_view(w.id()));
  w.power_on();
  long i = st.next(record_kind::booted, 1min);
  if (i < 0) return false;
  st.say(st.time_of(i), "device " + id + "... booted: " + st.chain_of(i) + ", measurement " +
                            hex12(crypto::as_view(w.device().secure_element().measurement())) + "...");
  if ((i = st.next(record_kind::attested, 5min)) < 0) return false;
  const auto evidence = last_on_link(w.sent_by_device(), wire::Envelope::kEvidence);
  const auto issued = last_on_link(w.sent_to_device(), wire::Envelope::kCertificateIssued);
  wire::Evidence ev;
  wire::Certificate cert;
  if (!st.check(evidence && issued && ev.ParseFromString(evidence->evidence().evidence()) &&
                    cert.ParseFromString(issued->certificate_issued().certificate().certificate()),
                "no evidence and certificate on the link")) {
    return false;
  }
  if (!st.check(w.show().record.last_attestation_verdict == cloud::attestation_verdict::passed,
                "the service's registry does not record the attestation as passed")) {
    return false;
  }
  const std::int64_t device_now = w.device().clock().wall_time_us(w.now());
  const std::int64_t not_after = w.firmware().certificate_not_after_us();
  st.say(st.time_of(i), "attested: the service verified the evidence (" + std::to_string(ev.boot_size()) +
                            " measured stages, recorded as passed); certificate #" + std::to_string(cert.serial()) +
                            " from tenant CA " +
                            std::to_string(cert.issuer_ca_id()) + ", valid until " + utc_text(not_after) + " (" +
                            minutes_text(fw::duration(not_after - device_now)) + " from now)");
  if (!follow_update(st, w, good, true)) return false;
  return follow_update(st, w, bad, false);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fleetsim single-device demo: boot, attestation, an update committed, a bad one rolled back"};
  std::uint64_t seed = 1;
  bool quiet = false;
  app.add_option("--seed", seed, "run seed (the same seed replays the same run)");
  app.add_flag("--quiet", quiet, "print only the summary");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    app.exit(e);  // message on stderr
    return 2;
  }

  testing::world_options options;
  options.seed = seed;
  testing::device_world w(options);
  // Images are built (signed, hashed) before counting: the count is the run's.
  const auto good = testing::make_image(w.keys(), wire::APP, "1.1.0", 2);
  const auto bad = testing::make_image(w.keys(), wire::APP, "1.2.0", 3);
  device::version_behaviour leaky;
  leaky.leak_crash_after = 1min;
  w.behave(bad, leaky);

  const auto ops_before = crypto::counted_ops();
  story st(w, quiet);
  if (!quiet) std::printf("fleetsim demo, seed %llu\n", static_cast<unsigned long long>(seed));
  const bool ok = run_story(st, w, good, bad);
  print_summary(w, crypto::counted_ops() - ops_before);
  if (!ok) {
    std::fprintf(stderr, "fleetsim-demo: story incomplete (seed %llu): %s\n",
                 static_cast<unsigned long long>(seed), st.failure().c_str());
    return 1;
  }
  return 0;
}
