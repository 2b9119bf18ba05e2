// Cloud benchmarks (bench/README.md says what each figure means):
//  (a) attestations verified per second on one core by the attestation
//      verifier, beside the raw Ed25519 verify rate of the same evidence in
//      the same rounds; then with the session opened as well, and the
//      service's whole path (challenge and evidence through
//      security_service::handle). Devices build and sign their evidence
//      outside the measured spans.
//  (b) the rollout controller of one deployment over 1,000,000 devices:
//      construction, CPU per decide and per report, heap per targeted device,
//      under a staged policy with devices checking in in a seeded random order.
// Benchmarks report; they never fail on a figure.
#include <CLI/CLI.hpp>
#include <malloc.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fleet/check.hpp"
#include "fleet/cloud/attestation_verifier.hpp"
#include "fleet/cloud/registry.hpp"
#include "fleet/cloud/rollout_controller.hpp"
#include "fleet/cloud/security_service.hpp"
#include "fleet/cloud/session_table.hpp"
#include "fleet/crypto/random_stream.hpp"
#include "fleet/wire/envelope.hpp"
#include "fleet/testing/evidence.hpp"
#include "fleet/testing/images.hpp"
#include "fleet/testing/service_endpoint.hpp"
#include "fleet/testing/test_keys.hpp"
#include "common.hpp"

namespace {

using namespace fleet;
using namespace std::chrono_literals;
using bench::spread;
using bench::spread_of;
using cloud::device_index;
using cloud::sim_time;

constexpr double target_share_of_raw = 0.8;  // issue 3: the verifier at >= 80 % of raw Ed25519
constexpr cloud::source_id home = 1;         // the verifier's devices all speak from one place: no clones

/// Through the service, each device speaks from its own place, as in a
/// fleet: requests before authentication are charged to their source.
cloud::source_id place_of(std::size_t device) { return static_cast<cloud::source_id>(device + 1); }

// ==================================================== (a) attestation

/// The device side: N devices with keys from seeded streams, building and
/// signing evidence as firmware-core's on_challenge does.
class device_side {
 public:
  device_side(std::size_t n, std::uint64_t seed) {
    devices_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      device d;
      d.stream = crypto::random_stream(seed, i, "bench-device");
      d.key = crypto::signing_key_from_seed(d.stream.next_seed());
      d.id = crypto::derive_device_id(d.key.public_key_bytes);
      devices_.push_back(d);
    }
  }

  std::size_t size() const { return devices_.size(); }
  const crypto::public_key& key(std::size_t i) const { return devices_[i].key.public_key_bytes; }
  const crypto::device_id& id(std::size_t i) const { return devices_[i].id; }
  std::string hex_id(std::size_t i) const { return crypto::to_hex(crypto::as_view(devices_[i].id)); }

  wire::Envelope challenge_request(std::size_t i) {
    wire::Envelope env;
    env.set_device_id(crypto::to_string(devices_[i].id));
    env.set_sequence(++devices_[i].sequence);
    env.mutable_challenge_request();
    return env;
  }

  /// An update check authenticated by `certificate` and a proof of possession by the device key.
  wire::Envelope certificate_request(std::size_t i, const wire::SignedCertificate& certificate) {
    device& d = devices_[i];
    wire::Envelope env;
    env.set_device_id(crypto::to_string(d.id));
    env.set_sequence(++d.sequence);
    *env.mutable_certificate() = certificate;
    env.mutable_update_check()->set_product(testing::default_product);
    wire::prove_possession(env, d.key.secret_key_bytes);
    return env;
  }

  /// Evidence for `nonce` after booting `boot`, with a fresh X25519 share, signed.
  wire::Envelope evidence(std::size_t i, std::string nonce, const std::vector<testing::booted_stage>& boot) {
    device& d = devices_[i];
    testing::evidence_spec spec;
    spec.nonce = std::move(nonce);
    spec.device_key = d.key.public_key_bytes;
    spec.boot = boot;
    spec.rollback_counters.assign(cloud::rollback_counters_max, 1);
    spec.session_key = crypto::exchange_key_from_secret(d.stream.next_seed()).public_key_bytes;
    return testing::signed_evidence_envelope(d.id, ++d.sequence, testing::make_evidence(spec),
                                             d.key.secret_key_bytes);
  }

 private:
  struct device {
    crypto::random_stream stream;
    crypto::signing_key_pair key{};
    crypto::device_id id{};
    std::uint64_t sequence = 0;
  };
  std::vector<device> devices_;
};

/// Claims every device in requests of at most claim_ids_max IDs (`claim`
/// gets a request's hex IDs), then calls `each(i, hex_id)` on its devices.
template <class Claim, class Each>
void enroll(const device_side& devices, Claim claim, Each each) {
  for (std::size_t from = 0; from < devices.size(); from += cloud::claim_ids_max) {
    const std::size_t to = std::min(devices.size(), from + cloud::claim_ids_max);
    std::vector<std::string> hex;
    for (std::size_t i = from; i < to; ++i) hex.push_back(devices.hex_id(i));
    claim(hex);
    for (std::size_t i = from; i < to; ++i) each(i, hex[i - from]);
  }
}

/// Default nonce limits, widened so that every device can hold one nonce.
cloud::nonce_limits nonce_limits_for(std::size_t devices) {
  cloud::nonce_limits l;
  const auto n = static_cast<std::uint32_t>(devices);
  l.outstanding_max = std::max(l.outstanding_max, n);
  l.tracked_max = std::max(l.tracked_max, 2 * n);
  return l;
}

/// The verifier and session table over the real registry, as a service shard
/// holds them, with the factory boot chain known good.
struct verifier_world {
  verifier_world(const device_side& devices, const std::vector<testing::booted_stage>& factory, std::uint64_t seed)
      : sessions({}, lookup()),
        verifier({nonce_limits_for(devices.size())}, lookup(), sessions),
        boot(factory),
        random(seed, 0, "bench-cloud") {
    const cloud::tenant_id tenant = registry.create_tenant("bench").id;
    const cloud::product_id product_id = registry.create_product(tenant, product).id;
    const cloud::group_id group = registry.default_group_of(product_id, cloud::default_group::production);
    enroll(
        devices, [&](const std::vector<std::string>& hex) { registry.claim(tenant, hex); },
        [&](std::size_t i, const std::string&) {
          const auto index = registry.find(devices.id(i));
          FLEET_CHECK(index.has_value(), "claimed device not in the registry");
          FLEET_CHECK(registry.move(*index, group) == cloud::move_result::moved, "device not moved to Production");
          FLEET_CHECK(registry.register_key(*index, devices.key(i)) == cloud::key_result::registered, "key refused");
        });
    for (const auto& s : boot) verifier.known_good().add(product, s.manifest_digest, s.component, s.version);
  }

  cloud::device_lookup lookup() {
    return [this](const crypto::device_id& id) -> std::optional<cloud::registered_device> {
      const auto index = registry.find(id);
      const cloud::device_record* rec = index ? registry.device(*index) : nullptr;
      if (rec == nullptr || !rec->key_registered) return std::nullopt;
      return cloud::registered_device{*index, rec->public_key, product};
    };
  }

  cloud::registry registry;
  std::string product = testing::default_product;
  cloud::session_table sessions;
  cloud::attestation_verifier verifier;
  std::vector<testing::booted_stage> boot;
  crypto::random_stream random;
};

/// The whole security service, the devices enrolled in its Production group.
struct service_world {
  service_world(const device_side& devices, std::uint64_t seed)
      : service(keys.service_root, settings(devices, seed)) {
    const cloud::tenant_id tenant = service.create_tenant("bench").value;
    const cloud::product_id product = service.create_product(tenant, testing::default_product).value;
    const cloud::group_id group = service.default_group_of(product, cloud::default_group::production).value;
    boot = testing::stages_of(testing::upload_factory_images(service, keys));
    enroll(
        devices, [&](const std::vector<std::string>& hex) { service.claim_devices(tenant, hex); },
        [&](std::size_t i, const std::string& hex) {
          FLEET_CHECK(service.register_device_key(devices.key(i)).ok(), "device key refused");
          FLEET_CHECK(service.move_device(hex, group).ok(), "device not moved to Production");
        });
  }

  static cloud::service_settings settings(const device_side& devices, std::uint64_t seed) {
    cloud::service_settings s;
    s.seed = seed;
    s.wall_clock_at_zero = std::chrono::microseconds(testing::default_epoch_us);
    s.attestation.nonces = nonce_limits_for(devices.size());
    return s;
  }

  testing::test_keys keys{1};
  cloud::security_service service;
  std::vector<testing::booted_stage> boot;  ///< the factory chain as the service signed it
};

/// CPU time and crypto operations of the measured spans of one pass.
struct pass {
  double seconds = 0;
  crypto::op_counts ops;
  std::uint64_t ok = 0;  ///< attestations that went through

  template <class Work>
  void measure(Work&& work) {
    const auto ops0 = crypto::counted_ops();
    seconds += bench::cpu_span(work);
    ops += crypto::counted_ops() - ops0;
  }
};

/// Each device asks the verifier for a nonce and signs its evidence: set-up, not measured.
std::vector<wire::Envelope> evidence_for_all(verifier_world& w, device_side& devices, sim_time now) {
  std::vector<wire::Envelope> out;
  out.reserve(devices.size());
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const cloud::challenge_result c = w.verifier.challenge(now, devices.challenge_request(i), w.random);
    FLEET_CHECK(c.ok(), "challenge refused while preparing evidence");
    out.push_back(devices.evidence(i, crypto::to_string(c.value), w.boot));
  }
  return out;
}

pass raw_verify(const std::vector<wire::Envelope>& evidence, const device_side& devices) {
  pass p;
  p.measure([&] {
    for (std::size_t i = 0; i < evidence.size(); ++i) {
      const wire::SignedEvidence& e = evidence[i].evidence();
      p.ok += crypto::verify(e.evidence(), e.signature(), devices.key(i));
    }
  });
  return p;
}

/// verifier.verify() on each evidence; with `open_sessions`, then the session.
pass verifier_verify(verifier_world& w, const std::vector<wire::Envelope>& evidence, sim_time now,
                     bool open_sessions) {
  pass p;
  p.measure([&] {
    for (const wire::Envelope& e : evidence) {
      const cloud::attestation_result r = w.verifier.verify(now, e, home);
      if (!open_sessions || !r.ok()) {
        p.ok += r.ok();
        continue;
      }
      p.ok += w.sessions
                  .open(now, r.facts.device, home, r.facts.session_public_key, now + 24h, e.sequence(), w.random)
                  .ok();
    }
  });
  return p;
}

/// Every device attests through security_service::handle: all challenges
/// (measured), the devices sign (not measured), all evidence (measured).
/// Requests are 100 us apart, so the default rate limits admit them all.
/// The certificates issued go to `certificates` (by device).
pass service_attest(service_world& w, device_side& devices, sim_time start,
                    std::vector<wire::SignedCertificate>& certificates) {
  const std::size_t n = devices.size();
  const auto at = [&](std::size_t k) { return start + static_cast<std::int64_t>(k) * 100us; };
  std::vector<std::string> requests(n), replies(n);
  for (std::size_t i = 0; i < n; ++i) requests[i] = wire::serialize(devices.challenge_request(i));
  pass p;
  const auto exchange = [&](std::size_t first_slot) {
    for (std::size_t i = 0; i < n; ++i) {
      if (requests[i].empty()) continue;
      std::vector<std::string> r = w.service.handle(at(first_slot + i), requests[i], place_of(i));
      replies[i] = r.empty() ? std::string() : std::move(r.front());
    }
  };
  p.measure([&] { exchange(0); });
  for (std::size_t i = 0; i < n; ++i) {
    wire::Envelope reply;
    const bool nonce = reply.ParseFromString(replies[i]) && reply.has_challenge();
    requests[i] = nonce ? wire::serialize(devices.evidence(i, reply.challenge().nonce(), w.boot)) : std::string();
    replies[i].clear();
  }
  p.measure([&] { exchange(n); });
  certificates.assign(n, {});
  for (std::size_t i = 0; i < n; ++i) {
    wire::Envelope reply;
    if (!reply.ParseFromString(replies[i]) || !reply.has_certificate_issued()) continue;
    ++p.ok;
    certificates[i] = reply.certificate_issued().certificate();
  }
  return p;
}

/// Every attested device presents its certificate instead of a session, in
/// an update check with a proof of possession (signed by the device: not
/// measured), through handle(): the CA's checks and the proof, two Ed25519
/// verifies a request. `proof_only` times the proof's verify alone over the
/// same requests, its input built beforehand: what proof of possession adds.
pass certificate_requests(service_world& w, device_side& devices, sim_time start,
                          const std::vector<wire::SignedCertificate>& certificates, pass& proof_only) {
  const std::size_t n = devices.size();
  std::vector<std::string> requests(n), proof_inputs(n), proofs(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (certificates[i].certificate().empty()) continue;
    const wire::Envelope env = devices.certificate_request(i, certificates[i]);
    requests[i] = wire::serialize(env);
    proof_inputs[i] = wire::certificate_proof_input(env);
    proofs[i] = env.certificate_proof();
  }
  pass p;
  std::vector<std::string> replies(n);
  p.measure([&] {
    for (std::size_t i = 0; i < n; ++i) {
      if (requests[i].empty()) continue;
      std::vector<std::string> r =
          w.service.handle(start + static_cast<std::int64_t>(i) * 100us, requests[i], place_of(i));
      replies[i] = r.empty() ? std::string() : std::move(r.front());
    }
  });
  for (const std::string& bytes : replies) {
    wire::Envelope reply;
    p.ok += reply.ParseFromString(bytes) && reply.has_update_offer();
  }
  proof_only.measure([&] {
    for (std::size_t i = 0; i < n; ++i) {
      if (!requests[i].empty()) proof_only.ok += crypto::verify(proof_inputs[i], proofs[i], devices.key(i));
    }
  });
  return p;
}

struct attestation_figures {
  std::size_t devices = 0, rounds = 0;
  // Per round, in attestations per second.
  std::vector<double> raw, verifier, session, service;
  std::uint64_t raw_ok = 0, verifier_ok = 0, session_ok = 0, service_ok = 0;
  crypto::op_counts raw_ops, verifier_ops, session_ops, service_ops;  ///< all rounds
  // Certificates presented with a proof of possession, in requests per second.
  std::vector<double> presented, proof;
  std::uint64_t presented_ok = 0, proof_ok = 0;
  crypto::op_counts presented_ops, proof_ops;
};

/// Shares of raw, round by round (each pass against the raw pass of its round).
std::vector<double> shares(const std::vector<double>& rates, const std::vector<double>& raw) {
  std::vector<double> out;
  for (std::size_t r = 0; r < rates.size(); ++r) out.push_back(rates[r] / raw[r]);
  return out;
}

attestation_figures measure_attestation(std::size_t n, std::size_t rounds, std::uint64_t seed) {
  attestation_figures a;
  a.devices = n;
  a.rounds = rounds;
  device_side devices(n, seed);
  const testing::test_keys keys(1);
  verifier_world vw(devices, testing::stages_of(testing::factory_images(keys)), seed);
  service_world sw(devices, seed);

  const auto rate = [&](const pass& p) { return static_cast<double>(n) / p.seconds; };
  const auto keep = [&](const pass& p, std::vector<double>& rates, std::uint64_t& ok, crypto::op_counts& ops) {
    rates.push_back(rate(p));
    ok += p.ok;
    ops += p.ops;
  };
  // Each pass an hour of simulated time after the last: the last pass's
  // nonces have expired and go at the first (unmeasured) challenge of the next.
  // Raw and verifier passes run on the same evidence, their order alternating.
  for (std::size_t r = 0; r < rounds; ++r) {
    const sim_time now = sim_time(1h) * static_cast<std::int64_t>(2 * r + 1);
    const auto evidence = evidence_for_all(vw, devices, now);
    const auto raw = [&] { keep(raw_verify(evidence, devices), a.raw, a.raw_ok, a.raw_ops); };
    if (r % 2 == 0) raw();
    keep(verifier_verify(vw, evidence, now, false), a.verifier, a.verifier_ok, a.verifier_ops);
    if (r % 2 == 1) raw();
    const sim_time later = now + 1h;
    const auto more = evidence_for_all(vw, devices, later);
    keep(verifier_verify(vw, more, later, true), a.session, a.session_ok, a.session_ops);
    std::vector<wire::SignedCertificate> certificates;
    keep(service_attest(sw, devices, now, certificates), a.service, a.service_ok, a.service_ops);
    pass proof_only;
    keep(certificate_requests(sw, devices, now + 10min, certificates, proof_only), a.presented, a.presented_ok,
         a.presented_ops);
    keep(proof_only, a.proof, a.proof_ok, a.proof_ops);
  }
  return a;
}

// ================================================= (b) rollout controller

constexpr cloud::duration sim_step = 1min;
constexpr std::size_t steps_per_check_in = 60;  // every device checks for updates hourly
constexpr std::size_t steps_max = 7 * 24 * 60;  // a week of simulated time at most
constexpr std::size_t report_delay_max = 120;   // steps: the longest attempt below

/// Waves of 1, 10, 50 and 100 %, an exponential ramp, an in-flight cap, a
/// success gate, aborts and a rollback rule: a cautious production rollout.
cloud::rollout_policy staged_policy() {
  cloud::rollout_policy p;
  p.waves = cloud::wave_plan::by_percent({1, 10, 50, 100});
  p.ramp = cloud::ramp_policy{200, 2, cloud::ramp_basis::notified, 1000, 50'000};
  p.in_flight_limit = 50'000;
  p.gate = {0.9, 1h, cloud::gate_action::next_wave};
  p.abort.failed = cloud::abort_rule{0.1, 500};
  p.abort.timed_out = cloud::abort_rule{0.1, 500};
  p.device_timeout = 6h;
  p.retries = {1, 0, 2};
  p.rollback.failed_share = 0.05;
  return p;
}

struct pending_report {
  device_index device;
  wire::UpdateOutcome outcome;
};

/// What an offered device goes on to report, drawn from `random`, in steps
/// after the offer: most download, install and commit; some roll back, fail
/// the download, reject the manifest, or are never heard of again.
void schedule_attempt(crypto::random_stream& random, device_index d, std::size_t step,
                      std::vector<std::vector<pending_report>>& due) {
  const auto at = [&](std::uint64_t after, wire::UpdateOutcome o) { due[step + after].push_back({d, o}); };
  const double u = random.unit();
  const std::uint64_t downloaded = 5 + random.below(40);
  const std::uint64_t installed = downloaded + 1 + random.below(5);
  const std::uint64_t health = installed + 10 + random.below(60);
  if (u < 0.002) return;  // lost: times out
  if (u < 0.004) return at(1, wire::REJECTED);
  if (u < 0.007) return at(downloaded, wire::FAILED);
  at(downloaded, wire::DOWNLOADED);
  at(installed, wire::INSTALLED);
  at(health, u < 0.022 ? wire::ROLLED_BACK : wire::COMMITTED);
}

bool final_state(cloud::rollout_state s) {
  return s == cloud::rollout_state::completed || s == cloud::rollout_state::aborted ||
         s == cloud::rollout_state::halted || s == cloud::rollout_state::rollback_requested;
}

struct rollout_round {
  double construct_s = 0, decide_s = 0, report_s = 0, advance_s = 0;
  std::uint64_t decides = 0, reports = 0, advances = 0;
  std::int64_t heap_constructed = 0, heap_end = 0;
  std::uint64_t offers = 0, repeats = 0;
  std::array<std::uint64_t, cloud::offer_refusal_count> refused{};
  std::array<std::uint64_t, cloud::report_result_count> report_results{};
  cloud::rollout_state state = cloud::rollout_state::scheduled;
  double sim_hours = 0;
  cloud::attempt_counts attempts;
};

rollout_round run_rollout(std::uint32_t n, std::uint64_t seed) {
  const cloud::rollout_policy policy = staged_policy();
  FLEET_CHECK(cloud::validate(policy).empty(), "bench rollout policy invalid");
  crypto::random_stream order_random(seed, 0, "bench-check-in-order");
  crypto::random_stream outcome_random(seed, 0, "bench-update-outcomes");
  std::vector<device_index> order(n);
  std::iota(order.begin(), order.end(), device_index{0});
  std::vector<std::vector<pending_report>> due(steps_max + report_delay_max);
  std::vector<cloud::offer_decision> decisions(n / steps_per_check_in + 1);
  std::vector<cloud::report_result> results;

  rollout_round r;
  malloc_trim(0);
  const std::int64_t heap0 = bench::heap_bytes();
  std::optional<cloud::rollout_controller> c;
  r.construct_s = bench::cpu_span([&] { c.emplace(policy, cloud::deployment_params{seed, n, {}}, sim_time{0}); });
  r.heap_constructed = bench::heap_bytes() - heap0;

  std::size_t step = 0;
  for (; step < steps_max && !final_state(c->state()); ++step) {
    const sim_time now = sim_step * static_cast<std::int64_t>(step);
    // Reports that arrive by now, then the host's timer, then the check-ins.
    auto& arriving = due[step];
    results.resize(arriving.size());
    r.report_s += bench::cpu_span([&] {
      for (std::size_t k = 0; k < arriving.size(); ++k) {
        results[k] = c->report(now, arriving[k].device, arriving[k].outcome);
      }
    });
    for (const auto res : results) ++r.report_results[static_cast<std::size_t>(res)];
    r.reports += arriving.size();
    std::vector<pending_report>().swap(arriving);
    if (c->next_deadline() <= now) {
      r.advance_s += bench::cpu_span([&] { c->advance(now); });
      ++r.advances;
    }

    const std::size_t slot = step % steps_per_check_in;
    if (slot == 0) {  // a new hour: a new seeded order of check-ins
      for (std::size_t k = order.size(); k > 1; --k) std::swap(order[k - 1], order[order_random.below(k)]);
    }
    const std::size_t begin = slot * n / steps_per_check_in, end = (slot + 1) * n / steps_per_check_in;
    r.decide_s += bench::cpu_span([&] {
      for (std::size_t k = begin; k < end; ++k) decisions[k - begin] = c->decide(now, order[k]);
    });
    r.decides += end - begin;
    for (std::size_t k = begin; k < end; ++k) {
      const cloud::offer_decision& d = decisions[k - begin];
      if (!d.offer) {
        ++r.refused[static_cast<std::size_t>(d.refusal)];
      } else if (d.repeat) {
        ++r.repeats;
      } else {
        ++r.offers;
        schedule_attempt(outcome_random, order[k], step, due);
      }
    }
  }
  r.state = c->state();
  r.attempts = c->status().attempts;
  r.sim_hours = static_cast<double>(step) / 60.0;
  for (auto& bucket : due) std::vector<pending_report>().swap(bucket);  // the host's, not the controller's
  results = {};
  malloc_trim(0);
  r.heap_end = bench::heap_bytes() - heap0;
  return r;
}

struct rollout_result {
  std::uint32_t devices = 0;
  std::vector<rollout_round> rounds;
  bool rounds_agree = true;  ///< same decisions every round (determinism)
};

rollout_result measure_rollout(std::uint32_t n, std::size_t rounds, std::uint64_t seed) {
  rollout_result out;
  out.devices = n;
  for (std::size_t i = 0; i < rounds; ++i) {
    out.rounds.push_back(run_rollout(n, seed));
    const rollout_round& a = out.rounds.front();
    const rollout_round& b = out.rounds.back();
    out.rounds_agree = out.rounds_agree && a.decides == b.decides && a.offers == b.offers &&
                       a.refused == b.refused && a.report_results == b.report_results && a.state == b.state;
  }
  return out;
}

// ============================================================= report

template <class Round, class Figure>
spread over(const std::vector<Round>& rounds, Figure figure) {
  std::vector<double> v;
  for (const auto& r : rounds) v.push_back(figure(r));
  return spread_of(v);
}

double ns_per(double seconds, std::uint64_t calls) {
  return calls == 0 ? 0 : seconds * 1e9 / static_cast<double>(calls);
}

/// The rollout's timings over the rounds.
struct rollout_timing {
  spread construct_ms, decide_ns, report_ns, advance_us;
  spread per_device_ns;  ///< decide, report and advance over the whole rollout, per targeted device
};

rollout_timing timing_of(const rollout_result& b) {
  rollout_timing t;
  t.construct_ms = over(b.rounds, [](const rollout_round& r) { return r.construct_s * 1e3; });
  t.decide_ns = over(b.rounds, [](const rollout_round& r) { return ns_per(r.decide_s, r.decides); });
  t.report_ns = over(b.rounds, [](const rollout_round& r) { return ns_per(r.report_s, r.reports); });
  t.advance_us = over(b.rounds, [](const rollout_round& r) { return r.advance_s * 1e6; });
  t.per_device_ns = over(b.rounds, [&](const rollout_round& r) {
    return (r.decide_s + r.report_s + r.advance_s) * 1e9 / static_cast<double>(b.devices);
  });
  return t;
}

std::string ops_per(const crypto::op_counts& o, std::uint64_t attestations) {
  const auto per = [&](std::uint64_t v) { return static_cast<double>(v) / static_cast<double>(attestations); };
  char buf[160];
  std::snprintf(buf, sizeof buf, "%.0f verify, %.0f sign, %.0f X25519, %.0f MAC, %.0f hashes of %.0f B",
                per(o.verifies), per(o.signs), per(o.key_exchanges), per(o.macs), per(o.hash_calls),
                per(o.hashed_bytes));
  return buf;
}

void print_rate(const char* what, const std::vector<double>& rates) {
  const spread s = spread_of(rates);
  std::printf("  %-28s %7.0f /s [%.0f, %.0f]  %6.1f us", what, s.median, s.min, s.max, 1e6 / s.median);
}

/// A path's rate and its share of the raw verify rate of the same rounds.
void print_share(const char* what, const std::vector<double>& rates, const std::vector<double>& raw, bool target) {
  print_rate(what, rates);
  const spread share = spread_of(shares(rates, raw));
  std::printf("  %3.0f %% of raw [%.0f, %.0f]", share.median * 100, share.min * 100, share.max * 100);
  if (target) {
    std::printf("  target >= %.0f %%: %s", target_share_of_raw * 100,
                share.median >= target_share_of_raw ? "PASS" : "MISS");
  }
  std::printf("\n");
}

void print(const attestation_figures& a) {
  const std::uint64_t total = a.devices * a.rounds;
  std::printf("(a) attestation on one core: %zu devices, %zu rounds; median [min, max] over rounds\n", a.devices,
              a.rounds);
  const auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf("  how the run went             of %llu each: %llu raw verified, %llu verify() ok, %llu sessions opened, "
              "%llu certificates\n",
              u(total), u(a.raw_ok), u(a.verifier_ok), u(a.session_ok), u(a.service_ok));
  print_rate("raw Ed25519 verify", a.raw);
  std::printf("\n");
  print_share("verifier verify()", a.verifier, a.raw, true);
  print_share("verify() + session open", a.session, a.raw, false);
  print_share("service challenge+evidence", a.service, a.raw, false);
  std::printf("  crypto per attestation       raw:      %s\n", ops_per(a.raw_ops, total).c_str());
  std::printf("                               verify(): %s\n", ops_per(a.verifier_ops, total).c_str());
  std::printf("                               +session: %s\n", ops_per(a.session_ops, total).c_str());
  std::printf("                               service:  %s\n", ops_per(a.service_ops, total).c_str());
  std::printf("  certificates presented       of %llu each: %llu served, %llu proofs verified\n", u(total),
              u(a.presented_ok), u(a.proof_ok));
  print_rate("request with proof, handle()", a.presented);
  std::printf("\n");
  print_rate("the proof's verify alone", a.proof);
  std::printf("  %3.0f %% of the request\n", spread_of(shares(a.presented, a.proof)).median * 100);
  std::printf("  crypto per request           %s\n", ops_per(a.presented_ops, total).c_str());
}

void print(const rollout_result& b) {
  const rollout_round& f = b.rounds.front();
  const auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf("(b) rollout controller: %u devices, waves 1/10/50/100 %%, ramp 200/min x2 per 1000 notified up to "
              "50000/min,\n    in flight <= 50000, gate 90 %% and 1 h, hourly check-ins in a seeded random order; "
              "%zu rounds\n",
              b.devices, b.rounds.size());
  std::printf("  how the run went             %s after %.1f h simulated, %llu advance() calls by the host; rounds %s\n",
              cloud::name_of(f.state), f.sim_hours, u(f.advances), b.rounds_agree ? "agree" : "DIFFER");
  std::printf("    decides                    %llu: %llu offers, %llu repeats", u(f.decides), u(f.offers),
              u(f.repeats));
  for (std::size_t k = 0; k < f.refused.size(); ++k) {
    if (f.refused[k] != 0) std::printf(", %llu %s", u(f.refused[k]), cloud::name_of(cloud::offer_refusal(k)));
  }
  std::printf("\n    reports                    %llu:", u(f.reports));
  for (std::size_t k = 0; k < f.report_results.size(); ++k) {
    if (f.report_results[k] != 0) {
      std::printf(" %llu %s", u(f.report_results[k]), cloud::name_of(cloud::report_result(k)));
    }
  }
  std::printf("\n    attempts                   %llu succeeded, %llu failed, %llu rejected, %llu timed out\n",
              u(f.attempts.succeeded), u(f.attempts.failed), u(f.attempts.rejected), u(f.attempts.timed_out));
  const rollout_timing t = timing_of(b);
  const auto line = [](const char* what, const spread& s, const char* unit) {
    std::printf("  %-28s %6.1f %s [%.1f, %.1f]\n", what, s.median, unit, s.min, s.max);
  };
  line("construction", t.construct_ms, "ms");
  line("decide", t.decide_ns, "ns");
  line("report", t.report_ns, "ns");
  line("advance, whole run", t.advance_us, "us");
  line("controller CPU per device", t.per_device_ns, "ns");
  std::printf("  heap per targeted device     %6.2f B after construction, %.2f B at the end\n",
              static_cast<double>(f.heap_constructed) / b.devices, static_cast<double>(f.heap_end) / b.devices);
}

nlohmann::json to_json(const spread& s) { return {{"min", s.min}, {"median", s.median}, {"max", s.max}}; }

nlohmann::json to_json(const crypto::op_counts& o, std::uint64_t attestations) {
  const auto per = [&](std::uint64_t v) { return static_cast<double>(v) / static_cast<double>(attestations); };
  return {{"verifies", per(o.verifies)}, {"signs", per(o.signs)}, {"key_exchanges", per(o.key_exchanges)},
          {"macs", per(o.macs)}, {"hash_calls", per(o.hash_calls)}, {"hashed_bytes", per(o.hashed_bytes)}};
}

void write_json(const std::string& path, const attestation_figures& a, const rollout_result& b) {
  const std::uint64_t total = a.devices * a.rounds;
  const auto path_json = [&](const std::vector<double>& rates, std::uint64_t ok, const crypto::op_counts& ops) {
    return nlohmann::json{{"per_second", to_json(spread_of(rates))},
                          {"share_of_raw", to_json(spread_of(shares(rates, a.raw)))},
                          {"ok", ok},
                          {"ops_per_attestation", to_json(ops, total)}};
  };
  nlohmann::json j;
  j["attestation"] = {{"devices", a.devices},
                      {"rounds", a.rounds},
                      {"attestations", total},
                      {"target_share_of_raw", target_share_of_raw},
                      {"raw_verify", path_json(a.raw, a.raw_ok, a.raw_ops)},
                      {"verifier", path_json(a.verifier, a.verifier_ok, a.verifier_ops)},
                      {"verifier_and_session", path_json(a.session, a.session_ok, a.session_ops)},
                      {"service", path_json(a.service, a.service_ok, a.service_ops)},
                      {"certificate_request", path_json(a.presented, a.presented_ok, a.presented_ops)},
                      {"proof_of_possession_verify", path_json(a.proof, a.proof_ok, a.proof_ops)}};
  const rollout_round& f = b.rounds.front();
  const rollout_timing t = timing_of(b);
  nlohmann::json refused, reports;
  for (std::size_t k = 0; k < f.refused.size(); ++k) refused[cloud::name_of(cloud::offer_refusal(k))] = f.refused[k];
  for (std::size_t k = 0; k < f.report_results.size(); ++k) {
    reports[cloud::name_of(cloud::report_result(k))] = f.report_results[k];
  }
  j["rollout"] = {
      {"devices", b.devices},
      {"rounds", b.rounds.size()},
      {"rounds_agree", b.rounds_agree},
      {"final_state", cloud::name_of(f.state)},
      {"simulated_hours", f.sim_hours},
      {"decides", f.decides},
      {"offers", f.offers},
      {"repeats", f.repeats},
      {"refused", refused},
      {"reports", f.reports},
      {"report_results", reports},
      {"construction_ms", to_json(t.construct_ms)},
      {"decide_ns", to_json(t.decide_ns)},
      {"report_ns", to_json(t.report_ns)},
      {"advance_us", to_json(t.advance_us)},
      {"controller_ns_per_device", to_json(t.per_device_ns)},
      {"heap_bytes_per_device_constructed", static_cast<double>(f.heap_constructed) / b.devices},
      {"heap_bytes_per_device_end", static_cast<double>(f.heap_end) / b.devices}};
  std::ofstream(path) << j.dump(2) << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fleetsim cloud benchmarks: attestations verified per second, rollout controller cost per device"};
  std::uint32_t devices = 1'000'000;
  std::size_t attestations = 20'000, rounds = 3;
  std::uint64_t seed = 1;
  std::string json;
  app.add_option("--devices", devices, "devices targeted by the rollout in (b)")
      ->check(CLI::Range(1u, cloud::devices_max));
  app.add_option("--attestations", attestations, "devices attesting in each pass of (a)")
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--rounds", rounds, "repetitions of each measurement")->check(CLI::Range(1, 100));
  app.add_option("--seed", seed, "run seed");
  app.add_option("--json", json, "also write the figures to this file");
  if (const auto stop = bench::parse(app, argc, argv)) return *stop;
  const auto a = measure_attestation(attestations, rounds, seed);
  print(a);
  std::fflush(stdout);
  const auto b = measure_rollout(devices, rounds, seed);
  print(b);
  if (!json.empty()) write_json(json, a, b);
  return 0;
}
