#include "fleet/actors/metrics_exporter.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <set>

namespace fleet::actors {
namespace {

using labels = std::map<std::string, std::string>;
template <class T>
using family = prometheus::Family<T>;

/// A counter copied from a cumulative tally: it only moves forward.
void advance(prometheus::Counter& c, double total) {
  const double now = c.Value();
  if (total > now) c.Increment(total - now);
}

double seconds(duration d) { return static_cast<double>(d.count()) / 1e6; }

std::uint64_t resident_bytes() {
  long pages = 0, resident = 0;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  const int read = std::fscanf(f, "%ld %ld", &pages, &resident);
  std::fclose(f);
  return read == 2 ? static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)) : 0;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

constexpr std::array<const char*, 6> update_outcomes{"downloaded", "installed", "committed",
                                                     "rolled_back", "rejected",  "failed"};
constexpr std::array<const char*, 8> request_results{"served",    "rate_limited", "unauthenticated", "attestation_failed",
                                                     "invalid",   "not_found",    "ignored",         "dropped_by_outage"};
constexpr std::array<const char*, 7> rollout_states{"scheduled", "running",   "paused",            "halted",
                                                    "aborted",   "completed", "rollback_requested"};
constexpr std::array<const char*, 7> rollout_outcomes{"pending",  "in_flight", "succeeded",          "failed",
                                                      "rejected", "timed_out", "failed_after_commit"};
/// The cloud-initiated rollback's devices, by how far they got.
constexpr std::array<const char*, 5> rollback_stages{"took", "offered", "committed", "failed", "rejected"};
constexpr std::array<const char*, 5> attempt_results{"offered", "succeeded", "failed", "rejected", "timed_out"};

/// A transition that stopped the rollout, or paused it on the policy's word.
bool is_halt(const deployment_transition& t) {
  return t.state == "halted" || t.state == "aborted" || t.state == "rollback_requested" ||
         (t.state == "paused" && t.reason == "gate_failed");
}

}  // namespace

struct metrics_exporter::families {
  explicit families(prometheus::Registry& r)
      : devices(gauge(r, "fleetsim_devices", "Devices by group and state")),
        devices_by_version(gauge(r, "fleetsim_devices_by_version", "Devices by group and the app version they run")),
        boots(counter(r, "fleetsim_boots_total", "Boots of every device")),
        app_crashes(counter(r, "fleetsim_app_crashes_total", "App crashes")),
        attestations(counter(r, "fleetsim_attestations_total", "Attestations as the devices saw them, by result")),
        certificates(counter(r, "fleetsim_certificates_total", "Certificates issued, presented ones refused, revoked")),
        clones(counter(r, "fleetsim_clones_flagged_total", "Identities the cloud flagged as cloned")),
        attestation_time(histogram(r, "fleetsim_attestation_duration_seconds",
                                   "Simulated seconds from a device's first challenge request to its certificate")),
        updates(counter(r, "fleetsim_updates_total", "Update steps and outcomes reported by the devices")),
        rollout_wave(gauge(r, "fleetsim_rollout_wave", "The wave open now, from 1; 0 before the start")),
        rollout_state(gauge(r, "fleetsim_rollout_state", "1 for the deployment's state now")),
        rollout_devices(gauge(r, "fleetsim_rollout_devices", "The deployment's devices by where they stand")),
        rollout_attempts(counter(r, "fleetsim_rollout_attempts_total", "Update attempts by result")),
        rollout_halts(counter(r, "fleetsim_rollout_halts_total", "Rollout stopped or paused by policy or operator")),
        rollout_rolled_back(gauge(r, "fleetsim_rollout_rolled_back_devices",
                                  "The cloud-initiated rollback: devices that took the failed image, and of them those "
                                  "offered the rollback image, that committed it, whose last attempt failed, that refused it")),
        messages(counter(r, "fleetsim_messages_total", "Messages sent, both ways")),
        messages_lost(counter(r, "fleetsim_messages_lost_total", "Messages lost, by cause")),
        requests(counter(r, "fleetsim_cloud_requests_total", "Requests at the cloud's endpoint, by how they were answered")),
        message_latency(histogram(r, "fleetsim_message_latency_seconds",
                                  "Simulated one-way latency of the devices' messages to the cloud")),
        faults_injected(counter(r, "fleetsim_faults_injected_total",
                                "Devices a fault acted on (a cloud outage: each outage begun; a torn write: when it tears)")),
        faults_armed(counter(r, "fleetsim_faults_armed_total",
                             "Torn writes armed (power loss during a flash write), fired or not")),
        faults_active(gauge(r, "fleetsim_faults_active", "The scenario's faults in progress")),
        attacks_tried(counter(r, "fleetsim_attacks_tried_total", "Attack attempts")),
        attacks_stopped(counter(r, "fleetsim_attacks_stopped_total", "Attack attempts a defence refused")),
        attacks_through(counter(r, "fleetsim_attacks_got_through_total", "Attack attempts that got what they were after")),
        attacks_stopped_by(counter(r, "fleetsim_attacks_stopped_by_total",
                                   "Attack attempts stopped, by the check that stopped them (where the attack names it)")),
        run_info(gauge(r, "fleetsim_run_info", "Which run this is")),
        sim_time(gauge(r, "fleetsim_sim_time_seconds", "Simulated time reached")),
        sim_length(gauge(r, "fleetsim_sim_length_seconds", "The scenario's length, simulated seconds")),
        run_complete(gauge(r, "fleetsim_run_complete", "1 once the run reached its end")),
        events(counter(r, "fleetsim_engine_events_total", "Events handled by devices and the cloud")),
        events_per_second(gauge(r, "fleetsim_engine_events_per_second", "Events per wall second, last interval")),
        windows(counter(r, "fleetsim_engine_windows_total", "Steps of the partitions' event loops, summed")),
        barriers(counter(r, "fleetsim_engine_barriers_total", "Stretches the partitions ran between two waits for all of them")),
        control_ticks(counter(r, "fleetsim_engine_control_ticks_total", "Control ticks at which the fleet-wide control decided")),
        speed_ratio(gauge(r, "fleetsim_engine_speed_ratio", "Simulated seconds per wall second, last interval")),
        actors(gauge(r, "fleetsim_engine_actors", "CAF actors hosting the run, by kind")),
        snapshot_time(gauge(r, "fleetsim_engine_snapshot_seconds", "Wall seconds the last snapshot took (a pass over the fleet)")),
        engine_devices(gauge(r, "fleetsim_engine_devices", "Devices in the run")),
        resident(gauge(r, "fleetsim_process_resident_memory_bytes", "Resident set size")),
        cpu(counter(r, "fleetsim_process_cpu_seconds_total", "CPU time of the process")),
        expectation(gauge(r, "fleetsim_expectation_passed", "1 held, 0 failed; set at the end of a complete run")) {}

  static family<prometheus::Gauge>& gauge(prometheus::Registry& r, const char* name, const char* help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(r);
  }
  static family<prometheus::Counter>& counter(prometheus::Registry& r, const char* name, const char* help) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(r);
  }
  static family<prometheus::Histogram>& histogram(prometheus::Registry& r, const char* name, const char* help) {
    return prometheus::BuildHistogram().Name(name).Help(help).Register(r);
  }

  family<prometheus::Gauge>& devices;
  family<prometheus::Gauge>& devices_by_version;
  family<prometheus::Counter>& boots;
  family<prometheus::Counter>& app_crashes;
  family<prometheus::Counter>& attestations;
  family<prometheus::Counter>& certificates;
  family<prometheus::Counter>& clones;
  family<prometheus::Histogram>& attestation_time;
  family<prometheus::Counter>& updates;
  family<prometheus::Gauge>& rollout_wave;
  family<prometheus::Gauge>& rollout_state;
  family<prometheus::Gauge>& rollout_devices;
  family<prometheus::Counter>& rollout_attempts;
  family<prometheus::Counter>& rollout_halts;
  family<prometheus::Gauge>& rollout_rolled_back;
  family<prometheus::Counter>& messages;
  family<prometheus::Counter>& messages_lost;
  family<prometheus::Counter>& requests;
  family<prometheus::Histogram>& message_latency;
  family<prometheus::Counter>& faults_injected;
  family<prometheus::Counter>& faults_armed;
  family<prometheus::Gauge>& faults_active;
  family<prometheus::Counter>& attacks_tried;
  family<prometheus::Counter>& attacks_stopped;
  family<prometheus::Counter>& attacks_through;
  family<prometheus::Counter>& attacks_stopped_by;
  family<prometheus::Gauge>& run_info;
  family<prometheus::Gauge>& sim_time;
  family<prometheus::Gauge>& sim_length;
  family<prometheus::Gauge>& run_complete;
  family<prometheus::Counter>& events;
  family<prometheus::Gauge>& events_per_second;
  family<prometheus::Counter>& windows;
  family<prometheus::Counter>& barriers;
  family<prometheus::Counter>& control_ticks;
  family<prometheus::Gauge>& speed_ratio;
  family<prometheus::Gauge>& actors;
  family<prometheus::Gauge>& snapshot_time;
  family<prometheus::Gauge>& engine_devices;
  family<prometheus::Gauge>& resident;
  family<prometheus::Counter>& cpu;
  family<prometheus::Gauge>& expectation;
};

metrics_exporter::metrics_exporter(const std::string& address)
    : registry_(std::make_shared<prometheus::Registry>()),
      f_(std::make_unique<families>(*registry_)),
      last_at_(std::chrono::steady_clock::now()) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(address, 1);
  } catch (const std::exception& e) {
    throw metrics_error("cannot listen on " + address + ": " + e.what());
  }
  exposer_->RegisterCollectable(registry_);
  for (const char* r : {"issued", "refused", "revoked"}) f_->certificates.Add({{"result", r}});
  for (const char* r : request_results) f_->requests.Add({{"result", r}});
  f_->clones.Add({});
}

metrics_exporter::metrics_exporter(const std::string& address, const input::run_input& s)
    : metrics_exporter(address) {
  const prometheus::Histogram::BucketBoundaries bounds(sim_histogram::bounds.begin(), sim_histogram::bounds.end());
  message_latency_.histogram = &f_->message_latency.Add({}, bounds);
  attestation_time_.histogram = &f_->attestation_time.Add({}, bounds);

  // Every series the scenario can have, at 0.
  f_->run_info.Add({{"scenario", s.name}, {"seed", std::to_string(s.seed)}}).Set(1);
  f_->sim_length.Add({}).Set(seconds(s.length));
  f_->engine_devices.Add({}).Set(static_cast<double>(s.device_count()));
  for (const auto& g : s.fleet.groups) {
    for (const char* state : device_state_names) f_->devices.Add({{"group", g.name}, {"state", state}});
  }
  f_->boots.Add({});
  f_->app_crashes.Add({});
  for (const char* r : {"accepted", "failed", "restricted"}) f_->attestations.Add({{"result", r}});
  for (const char* o : update_outcomes) f_->updates.Add({{"outcome", o}});
  for (const auto& d : s.deployments) {
    f_->rollout_wave.Add({{"deployment", d.name}});
    for (const char* st : rollout_states) f_->rollout_state.Add({{"deployment", d.name}, {"state", st}});
    for (const char* o : rollout_outcomes) f_->rollout_devices.Add({{"deployment", d.name}, {"outcome", o}});
    for (const char* r : attempt_results) f_->rollout_attempts.Add({{"deployment", d.name}, {"result", r}});
    for (const char* st : rollback_stages) f_->rollout_rolled_back.Add({{"deployment", d.name}, {"stage", st}});
  }
  f_->messages.Add({});
  for (const char* c : {"network", "fault"}) f_->messages_lost.Add({{"cause", c}});
  for (const auto& fault : s.faults) {
    const labels kind{{"kind", input::kind_name(fault.kind)}};
    f_->faults_injected.Add(kind);
    f_->faults_active.Add(kind);
    // The kind that arms torn writes (when during a flash write): at 0 for any other moment.
    if (std::holds_alternative<input::power_loss>(fault.kind)) f_->faults_armed.Add(kind);
  }
  for (const auto& attack : s.attacks) {
    const labels kind{{"kind", input::kind_name(attack.kind)}};
    f_->attacks_tried.Add(kind);
    f_->attacks_stopped.Add(kind);
    f_->attacks_through.Add(kind);
  }
  f_->run_complete.Add({});
  f_->windows.Add({});
  f_->barriers.Add({});
  f_->control_ticks.Add({});
}

metrics_exporter::~metrics_exporter() = default;

int metrics_exporter::port() const {
  const std::vector<int> ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

void metrics_exporter::publish(const live_snapshot& s) {
  publish_fleet(s);
  publish_network(s);
  publish_cloud(s);
  publish_rollouts(s);
  publish_chaos(s);
  publish_engine(s);
}

void metrics_exporter::publish_fleet(const live_snapshot& s) {
  for (std::size_t g = 0; g < s.groups.size(); ++g) {
    for (std::size_t st = 0; st < device_state_names.size(); ++st) {
      f_->devices.Add({{"group", s.groups[g]}, {"state", device_state_names[st]}})
          .Set(static_cast<double>(s.states_by_group[g][st]));
    }
  }
  for (auto& [key, gauge] : version_gauges_) gauge->Set(0);
  for (std::size_t g = 0; g < s.groups.size(); ++g) {
    for (const auto& [version, n] : s.versions_by_group[g]) {
      prometheus::Gauge*& gauge = version_gauges_[{s.groups[g], version}];
      if (gauge == nullptr) gauge = &f_->devices_by_version.Add({{"group", s.groups[g]}, {"version", version}});
      gauge->Set(static_cast<double>(n));
    }
  }
  const run_counters& c = s.counters;
  advance(f_->boots.Add({}), static_cast<double>(c.boots));
  advance(f_->app_crashes.Add({}), static_cast<double>(c.app_crashes));
  advance(f_->attestations.Add({{"result", "accepted"}}), static_cast<double>(c.attestations));
  advance(f_->attestations.Add({{"result", "failed"}}), static_cast<double>(c.attestation_failures));
  advance(f_->attestations.Add({{"result", "restricted"}}), static_cast<double>(c.restricted_sessions));
  const std::array<std::uint64_t, update_outcomes.size()> updates{c.updates_downloaded, c.updates_installed,
                                                                   c.updates_committed,  c.updates_rolled_back,
                                                                   c.updates_rejected,   c.updates_failed};
  for (std::size_t o = 0; o < updates.size(); ++o) {
    advance(f_->updates.Add({{"outcome", update_outcomes[o]}}), static_cast<double>(updates[o]));
  }
  feed(attestation_time_, s.attestation_time);
}

void metrics_exporter::publish_cloud(const live_snapshot& s) {
  advance(f_->certificates.Add({{"result", "issued"}}), static_cast<double>(s.counters.certificates_issued));
  advance(f_->certificates.Add({{"result", "refused"}}), static_cast<double>(s.certificates_refused));
  advance(f_->certificates.Add({{"result", "revoked"}}), static_cast<double>(s.certificates_revoked));
  advance(f_->clones.Add({}), static_cast<double>(s.clones_flagged));
  const cloud_request_counts& r = s.requests;
  const std::array<std::uint64_t, request_results.size()> by_result{
      r.served, r.rate_limited, r.unauthenticated, r.attestation_failed, r.invalid, r.not_found, r.ignored,
      r.dropped_by_outage};
  for (std::size_t i = 0; i < by_result.size(); ++i) {
    advance(f_->requests.Add({{"result", request_results[i]}}), static_cast<double>(by_result[i]));
  }
}

void metrics_exporter::publish_network(const live_snapshot& s) {
  advance(f_->messages.Add({}), static_cast<double>(s.counters.messages_sent));
  advance(f_->messages_lost.Add({{"cause", "network"}}), static_cast<double>(s.counters.messages_lost));
  advance(f_->messages_lost.Add({{"cause", "fault"}}), static_cast<double>(s.counters.messages_lost_to_faults));
  feed(message_latency_, s.message_latency);
}

void metrics_exporter::publish_rollouts(const live_snapshot& s) {
  for (const deployment_snapshot& d : s.deployments) {
    f_->rollout_wave.Add({{"deployment", d.name}}).Set(d.wave);
    for (const char* st : rollout_states) {
      f_->rollout_state.Add({{"deployment", d.name}, {"state", st}}).Set(d.state == st ? 1 : 0);
    }
    for (std::size_t o = 0; o < rollout_outcomes.size(); ++o) {
      f_->rollout_devices.Add({{"deployment", d.name}, {"outcome", rollout_outcomes[o]}}).Set(d.by_outcome[o]);
    }
    const std::array<std::uint64_t, attempt_results.size()> attempts{d.offered, d.succeeded, d.failed, d.rejected,
                                                                      d.timed_out};
    for (std::size_t a = 0; a < attempts.size(); ++a) {
      advance(f_->rollout_attempts.Add({{"deployment", d.name}, {"result", attempt_results[a]}}),
              static_cast<double>(attempts[a]));
    }
    const rollback_figures& back = d.rollback;
    const std::array<std::uint64_t, rollback_stages.size()> stages{back.took, back.offered, back.committed, back.failed,
                                                                    back.rejected};
    for (std::size_t k = 0; k < stages.size(); ++k) {
      f_->rollout_rolled_back.Add({{"deployment", d.name}, {"stage", rollback_stages[k]}})
          .Set(static_cast<double>(stages[k]));
    }
    std::map<std::string, std::uint64_t> halts;
    for (const deployment_transition& t : d.transitions) {
      if (is_halt(t)) ++halts[t.reason];
    }
    for (const auto& [reason, n] : halts) {
      advance(f_->rollout_halts.Add({{"deployment", d.name}, {"reason", reason}}), static_cast<double>(n));
    }
  }
}

void metrics_exporter::publish_chaos(const live_snapshot& s) {
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> faults;  // kind -> (injected, active)
  std::map<std::string, std::uint64_t> armed;  // only the kinds that arm: no series at 0 for the others
  for (const fault_snapshot& f : s.faults) {
    faults[f.kind].first += f.injected;
    faults[f.kind].second += f.active ? 1 : 0;
    if (f.armed > 0) armed[f.kind] += f.armed;
  }
  for (const auto& [kind, figures] : faults) {
    advance(f_->faults_injected.Add({{"kind", kind}}), static_cast<double>(figures.first));
    f_->faults_active.Add({{"kind", kind}}).Set(static_cast<double>(figures.second));
  }
  for (const auto& [kind, n] : armed) advance(f_->faults_armed.Add({{"kind", kind}}), static_cast<double>(n));
  std::map<std::string, attack_outcome> attacks;
  for (const attack_outcome& a : s.attacks) {
    attack_outcome& sum = attacks[a.kind];
    sum.tried += a.tried;
    sum.stopped += a.stopped;
    sum.got_through += a.got_through;
    for (const auto& [check, n] : a.stopped_by) sum.stopped_by[check] += n;
  }
  for (const auto& [kind, a] : attacks) {
    advance(f_->attacks_tried.Add({{"kind", kind}}), static_cast<double>(a.tried));
    advance(f_->attacks_stopped.Add({{"kind", kind}}), static_cast<double>(a.stopped));
    advance(f_->attacks_through.Add({{"kind", kind}}), static_cast<double>(a.got_through));
    // The checks are named by the code (reject reasons, the cloud's refusals): a bounded set.
    for (const auto& [check, n] : a.stopped_by) {
      advance(f_->attacks_stopped_by.Add({{"kind", kind}, {"check", check}}), static_cast<double>(n));
    }
  }
}

void metrics_exporter::publish_engine(const live_snapshot& s) {
  const auto now = std::chrono::steady_clock::now();
  const double wall = std::chrono::duration<double>(now - last_at_).count();
  if (wall > 0 && s.events >= last_events_) {
    f_->events_per_second.Add({}).Set(static_cast<double>(s.events - last_events_) / wall);
    f_->speed_ratio.Add({}).Set(seconds(s.reached - last_reached_) / wall);
  }
  last_at_ = now;
  last_events_ = s.events;
  last_reached_ = s.reached;
  f_->sim_time.Add({}).Set(seconds(s.reached));
  f_->run_complete.Add({}).Set(s.complete ? 1 : 0);
  advance(f_->events.Add({}), static_cast<double>(s.events));
  advance(f_->windows.Add({}), static_cast<double>(s.windows));
  advance(f_->barriers.Add({}), static_cast<double>(s.barriers));
  advance(f_->control_ticks.Add({}), static_cast<double>(s.control_ticks));
  f_->actors.Add({{"kind", "partition"}}).Set(s.partitions);
  f_->snapshot_time.Add({}).Set(s.taking_seconds);
  f_->resident.Add({}).Set(static_cast<double>(resident_bytes()));
  advance(f_->cpu.Add({}), cpu_seconds());
}

void metrics_exporter::publish_service(const live_snapshot& s) {
  publish_cloud(s);
  publish_rollouts(s);
}

void metrics_exporter::publish_expectations(const std::vector<expectation_result>& results) {
  for (const expectation_result& e : results) f_->expectation.Add({{"expectation", e.name}}).Set(e.passed ? 1 : 0);
}

void metrics_exporter::feed(histogram_feed& into, const sim_histogram& now) {
  std::vector<double> increments(now.counts().size());
  bool any = false;
  for (std::size_t b = 0; b < increments.size(); ++b) {
    increments[b] = static_cast<double>(now.counts()[b] - into.published.counts()[b]);
    any = any || increments[b] > 0;
  }
  if (!any) return;
  into.histogram->ObserveMultiple(increments, now.sum_seconds() - into.published.sum_seconds());
  into.published = now;
}

}  // namespace fleet::actors
