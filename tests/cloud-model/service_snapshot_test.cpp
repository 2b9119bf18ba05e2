// Snapshots of the security service (security_service::save / restore):
// a service restored from a snapshot answers every later request and
// operator call as the original does, byte for byte. The original runs a
// realistic mix (a real firmware core that attests, downloads a staged
// rollout and reports; scripted devices with real Ed25519 evidence and
// session MACs; telemetry; rate-limited, refused and junk requests; a
// clone, blocked and unblocked; a key rotation that revokes), and at
// several points a twin is restored from its snapshot. From then on every
// request and call goes to the original and to each twin; their replies,
// answers, counters, device views and final snapshots must be identical.
//
// The comparison can fail: a twin restored from a snapshot with one field
// left out (set to its default, as a save() that forgot it would) answers
// differently and is caught (a_field_left_out_is_caught).
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "service_fixture.hpp"
#include "service_state.pb.h"
#include "fleet/testing/evidence.hpp"
#include "fleet/testing/images.hpp"

namespace fleet::cloud {
namespace {

using namespace std::chrono_literals;

std::string render(const device_view& v) {
  std::ostringstream o;
  o << v.index << ' ' << crypto::to_hex(crypto::as_view(v.record.public_key)) << ' ' << v.record.tenant << ' '
    << v.record.group << ' ' << v.record.last_update_request.count() << ' ' << v.record.last_attestation.count() << ' '
    << v.record.last_os_version.to_string() << ' ' << static_cast<int>(v.record.last_attestation_verdict) << ' '
    << v.telemetry.stored << ' ' << v.telemetry.next_event_number << ' ' << v.telemetry.device_dropped << ' '
    << v.telemetry.store_dropped << ' ' << v.telemetry.gaps << ' ' << v.quarantined << v.blocked << v.session_live
    << ' ' << v.shard;
  return o.str();
}

std::string render(const rollout_status& s) {
  std::ostringstream o;
  o << name_of(s.state) << ' ' << name_of(s.paused_by) << ' ' << s.current_wave << ' ' << s.devices << ' '
    << s.in_flight << ' ' << s.attempts.offers << ' ' << s.attempts.notified << ' ' << s.attempts.succeeded << ' '
    << s.attempts.failed << ' ' << s.attempts.timed_out << ' ' << s.offers_per_minute.value_or(-1) << ' '
    << s.transitions;
  for (const auto& w : s.waves) o << " [" << w.devices << ' ' << w.done << ' ' << w.opened_at.count() << ']';
  for (const auto c : s.refused) o << ' ' << c;
  for (const auto c : s.reports) o << ' ' << c;
  return o.str();
}

std::string render(const service_counters& c) {
  std::ostringstream o;
  for (const std::uint64_t v : {c.requests, c.ignored, c.invalid, c.rate_limited, c.unauthenticated,
                                c.attestation_failed, c.not_found, c.certificates_issued,
                                c.certificate_checks_refused, c.clones_flagged, c.revocations, c.blocked_refused,
                                c.update_checks, c.offers, c.chunks_served, c.update_results, c.telemetry_batches}) {
    o << v << ' ';
  }
  return o.str();
}

/// A device driven by the test: real keys, evidence and session MACs.
struct scripted_device {
  crypto::signing_key_pair key{};
  crypto::device_id id{};
  std::string hex;
  source_id source = 0;
  std::uint64_t sequence = 0;
  crypto::random_stream stream;
  std::uint64_t session = 0;
  crypto::seed session_key{};
  std::uint64_t events = 0;
};

/// The original service and its twins: every request and operator call goes
/// to all of them; a twin that answers differently is counted.
struct twins {
  twins() : fixture(default_settings(3)) {}

  std::vector<std::string> exchange(sim_time now, std::string_view request, source_id source) {
    const auto replies = fixture.service.handle(now, request, source);
    for (std::size_t i = 0; i < copies.size(); ++i) {
      if (copies[i]->handle(now, request, source) != replies) ++mismatches[i];
    }
    return replies;
  }

  /// An operator call on every service; its rendered answers must agree.
  void each(const std::function<std::string(security_service&)>& call) {
    const std::string answer = call(fixture.service);
    for (std::size_t i = 0; i < copies.size(); ++i) {
      if (call(*copies[i]) != answer) ++mismatches[i];
    }
  }

  /// A twin restored from `snapshot` (the original's now by default).
  void add_twin(const parts* snapshot = nullptr) {
    auto copy = std::make_unique<security_service>(fixture.keys.service_root, default_settings(3));
    const parts own = saved(fixture.service);
    const restore_status r = restore_into(*copy, snapshot != nullptr ? *snapshot : own);
    ASSERT_TRUE(r.ok()) << r.problem;
    copies.push_back(std::move(copy));
    mismatches.push_back(0);
  }

  /// What an operator sees of every device, every deployment, the counters.
  void compare_views(sim_time now) {
    each([&](security_service& s) {
      std::string out = render(s.counters());
      for (const auto& hex : hexes) {
        const auto v = s.show_device(hex);
        out += v.ok() ? render(v.value) : v.message;
        out += '\n';
      }
      for (deployment_id id = 1; id <= s.deployments(); ++id) out += render(s.deployment_status(id).value) + '\n';
      out += s.export_error_reports(now, fixture.tenant).value;
      return out;
    });
  }

  service_fixture fixture;
  std::vector<std::unique_ptr<security_service>> copies;
  std::vector<std::uint64_t> mismatches;
  std::vector<std::string> hexes;
};

class twin_endpoint : public testing::cloud_endpoint {
 public:
  twin_endpoint(twins& t, source_id source) : twins_(t), source_(source) {}
  std::vector<std::string> handle(fw::sim_time now, std::string_view request) override {
    return twins_.exchange(now, request, source_);
  }

 private:
  twins& twins_;
  source_id source_;
};

/// The run: a real device and scripted ones; `snapshot_at(step)` is called
/// between the steps, where the test adds twins.
struct mixed_run {
  explicit mixed_run(twins& all) : t(all), link(all, 1) {
    world = t.fixture.make_world(link);
    t.hexes.push_back(crypto::to_hex(crypto::as_view(world->id())));
    boot = testing::stages_of(t.fixture.factory);
    for (std::uint64_t i = 0; i < 6; ++i) {
      scripted_device d;
      d.stream = crypto::random_stream(11, i, "snapshot-test-device");
      d.key = crypto::signing_key_from_seed(d.stream.next_seed());
      d.hex = t.fixture.enroll(d.key.public_key_bytes);
      crypto::from_hex(d.hex, d.id);
      d.source = 100 + i;
      t.hexes.push_back(d.hex);
      devices.push_back(d);
    }
  }

  sim_time now() const { return world->now(); }

  wire::Envelope send(scripted_device& d, const wire::Envelope& e, source_id from = 0) {
    return reply_of(t.exchange(now(), wire::serialize(e), from == 0 ? d.source : from));
  }

  bool attest(scripted_device& d, source_id from = 0) {
    wire::Envelope challenge;
    challenge.set_device_id(crypto::to_string(d.id));
    challenge.set_sequence(++d.sequence);
    challenge.mutable_challenge_request();
    const wire::Envelope nonce = send(d, challenge, from);
    if (!nonce.has_challenge()) return false;
    testing::evidence_spec spec;
    spec.nonce = nonce.challenge().nonce();
    spec.device_key = d.key.public_key_bytes;
    spec.boot = boot;
    spec.rollback_counters.assign(rollback_counters_max, 1);
    const crypto::exchange_key_pair share = crypto::exchange_key_from_secret(d.stream.next_seed());
    spec.session_key = share.public_key_bytes;
    const wire::Envelope issued = send(
        d, testing::signed_evidence_envelope(d.id, ++d.sequence, testing::make_evidence(spec), d.key.secret_key_bytes),
        from);
    if (!issued.has_certificate_issued()) return false;
    crypto::public_key service_share{};
    crypto::to_array(issued.certificate_issued().session_public_key(), service_share);
    crypto::seed shared{};
    EXPECT_TRUE(crypto::exchange_shared_secret(share.secret_key_bytes, service_share, shared));
    d.session = issued.certificate_issued().session_id();
    d.session_key = crypto::session_key_from(shared, share.public_key_bytes, service_share, d.session);
    return true;
  }

  /// A session request with `body` set by `fill`.
  wire::Envelope in_session(scripted_device& d, const std::function<void(wire::Envelope&)>& fill) {
    wire::Envelope e;
    e.set_device_id(crypto::to_string(d.id));
    e.set_sequence(++d.sequence);
    e.set_session_id(d.session);
    fill(e);
    e.set_mac(crypto::to_string(crypto::compute_mac(wire::mac_input(e), d.session_key)));
    last_request = e;
    return send(d, e);
  }

  wire::Envelope telemetry(scripted_device& d, int events) {
    return in_session(d, [&](wire::Envelope& e) {
      wire::TelemetryBatch* b = e.mutable_telemetry();
      b->set_first_event_number(d.events);
      for (int i = 0; i < events; ++i) {
        wire::DeviceEvent* ev = b->add_events();
        ev->set_kind(i % 2 == 0 ? wire::EVENT_BOOTED : wire::EVENT_APP_CRASH);
        ev->set_device_time_us(testing::default_epoch_us + now().count() + i);
        ev->set_exit_status(i);
        ev->set_version("1.0." + std::to_string(i % 3));
      }
      d.events += static_cast<std::uint64_t>(events);
    });
  }

  wire::Envelope update_check(scripted_device& d) {
    return in_session(d, [&](wire::Envelope& e) {
      wire::UpdateCheck* c = e.mutable_update_check();
      c->set_product(testing::default_product);
      c->set_hardware_revision(testing::default_hardware_revision);
      for (const auto& image : t.fixture.factory) {
        wire::InstalledComponent* i = c->add_installed();
        i->set_component(image.manifest.component());
        i->set_version(image.manifest.version());
      }
    });
  }

  void run(const std::function<void(int step)>& snapshot_at) {
    // 1: a rollout with a ramp starts; the real device boots, attests and
    // downloads; scripted devices attest and report.
    const auto app_spec = testing::image_spec_for(wire::APP, "1.1.0");
    const wire::built_image app =
        testing::make_image(t.fixture.keys, app_spec, testing::factory_image_bytes(wire::APP));
    t.each([&](security_service& s) {
      const auto r = s.upload_image(now(), app_spec, testing::image_content(app));
      return r.message + crypto::to_hex(crypto::as_view(r.value));
    });
    rollout_policy policy = staged_policy(now());
    policy.waves = wave_plan::by_percent({100});
    policy.ramp = ramp_policy{2, 2, ramp_basis::notified, 2, 100};
    t.each([&](security_service& s) {
      deployment_spec spec;
      spec.group = t.fixture.production;
      spec.images = {app.image_digest};
      spec.policy = policy;
      spec.name = "app 1.1.0";
      const auto r = s.create_deployment(now(), spec);
      return r.message + std::to_string(r.value.id) + " " + std::to_string(r.value.devices);
    });
    world->power_on();
    ASSERT_TRUE(world->run_until([&] { return attested(*world); }, 10min));
    world->run_for(10min);
    for (auto& d : devices) ASSERT_TRUE(attest(d));
    for (auto& d : devices) telemetry(d, 3);
    snapshot_at(1);

    // 2: devices check for updates (the ramp refuses some) and report.
    world->run_for(3min);
    for (auto& d : devices) update_check(d);
    for (auto& d : devices) telemetry(d, 2);
    const wire::Envelope replayed = last_request;
    snapshot_at(2);

    // 3: abuse: a challenge flood (rate limited), junk, a bad MAC, a replay,
    // an unknown device, an unreadable envelope.
    scripted_device& flooder = devices[0];
    for (int i = 0; i < 60; ++i) {
      wire::Envelope c;
      c.set_device_id(crypto::to_string(flooder.id));
      c.set_sequence(++flooder.sequence);
      c.mutable_challenge_request();
      send(flooder, c, 777);
    }
    wire::Envelope junk;
    junk.set_device_id(crypto::to_string(devices[1].id));
    junk.mutable_evidence()->set_evidence("junk");
    send(devices[1], junk, 778);
    wire::Envelope forged;
    forged.set_device_id(crypto::to_string(devices[2].id));
    forged.set_sequence(++devices[2].sequence);
    forged.set_session_id(devices[2].session);
    forged.mutable_update_check()->set_product(testing::default_product);
    forged.set_mac(std::string(32, 'x'));
    send(devices[2], forged);
    send(devices[5], replayed);  // a copy of a request already served
    wire::Envelope stranger;
    stranger.set_device_id(std::string(64, 's'));
    stranger.mutable_challenge_request();
    t.exchange(now(), wire::serialize(stranger), 779);
    t.exchange(now(), "not an envelope", 780);
    world->run_for(1min);
    snapshot_at(3);

    // 4: a clone: device 3's identity attests from a second place while its
    // session is live: flagged, blocked, revoked; the operator unblocks it.
    attest(devices[3], 900);
    t.each([&](security_service& s) { return std::to_string(s.counters().clones_flagged); });
    t.each([&](security_service& s) { return s.unblock_device(devices[3].hex).message; });
    // 5: the image-signing key leaks: rotated, the previous revoked.
    t.each([&](security_service& s) {
      const auto r = s.rotate_image_signing_key(now(), key_rotation::revoke_previous);
      return r.message + std::to_string(r.value);
    });
    snapshot_at(4);

    // 6: life goes on: re-attestation, checks, telemetry, the rollout advances.
    for (int round = 0; round < 3; ++round) {
      world->run_for(9h);
      for (auto& d : devices) {
        if (round == 1) attest(d);
        update_check(d);
        telemetry(d, 1 + round);
      }
      t.each([&](security_service& s) {
        s.advance(now());
        return std::to_string(s.next_deadline().count());
      });
    }
    t.each([&](security_service& s) { return name_of(s.pause(now(), 1).value); });
    t.each([&](security_service& s) { return s.resume(now(), 1).message; });
    world->run_for(30min);
  }

  twins& t;
  twin_endpoint link;
  std::unique_ptr<device_world> world;
  std::vector<testing::booted_stage> boot;
  std::vector<scripted_device> devices;
  wire::Envelope last_request;  ///< the last session request a scripted device sent
};

TEST(service_snapshot, a_restored_service_answers_every_later_request_as_the_original) {
  twins t;
  mixed_run run(t);
  run.run([&](int) { t.add_twin(); });
  t.compare_views(run.now());
  ASSERT_EQ(t.copies.size(), 4u);
  for (std::size_t i = 0; i < t.copies.size(); ++i) {
    SCOPED_TRACE("twin restored at step " + std::to_string(i + 1));
    EXPECT_EQ(t.mismatches[i], 0u);
    const parts twin = saved(*t.copies[i]), original = saved(t.fixture.service);
    ASSERT_EQ(twin.size(), original.size());
    for (std::size_t p = 0; p < twin.size(); ++p) EXPECT_TRUE(twin[p] == original[p]) << "final state, part " << p + 1;
  }
  // The run did what it is meant to exercise (else the comparison proves little).
  const service_counters& c = t.fixture.service.counters();
  EXPECT_GT(c.rate_limited, 0u);
  EXPECT_GT(c.clones_flagged, 0u);
  EXPECT_GT(c.offers, 0u);
  EXPECT_GT(c.chunks_served, 0u);
  EXPECT_GT(c.telemetry_batches, 10u);
  EXPECT_GT(c.unauthenticated + c.attestation_failed, 0u);
  EXPECT_GT(t.fixture.service.key_store().key_store().size(), 0u);
}

/// Sets one field of the snapshot to its default, as a save() that forgot it would.
struct left_out {
  const char* field;
  std::function<void(state::ServicePart&)> clear;
};

TEST(service_snapshot, a_field_left_out_is_caught) {
  const left_out cases[] = {
      {"service draws", [](state::ServicePart& p) { if (p.has_core()) p.mutable_core()->clear_draws(); }},
      {"CA next serial",
       [](state::ServicePart& p) { if (p.has_ca()) p.mutable_ca()->set_next_serial(1); }},
      {"session sequences",
       [](state::ServicePart& p) {
         if (p.has_sessions()) for (auto& s : *p.mutable_sessions()->mutable_slots()) s.set_last_sequence(0);
       }},
      {"known-good sets",
       [](state::ServicePart& p) { if (p.has_verifier()) p.mutable_verifier()->clear_known_good(); }},
      {"telemetry numbering",
       [](state::ServicePart& p) {
         if (p.has_telemetry()) for (auto& l : *p.mutable_telemetry()->mutable_logs()) l.set_next_number(0);
       }},
  };
  for (const left_out& c : cases) {
    SCOPED_TRACE(c.field);
    twins t;
    mixed_run run(t);
    run.run([&](int step) {
      if (step != 2) return;
      parts snapshot = saved(t.fixture.service);
      for (std::string& bytes : snapshot) {
        state::ServicePart p;
        ASSERT_TRUE(p.ParseFromString(bytes));
        c.clear(p);
        bytes = p.SerializeAsString();
      }
      t.add_twin(&snapshot);
      t.add_twin();  // control: the same snapshot, whole
    });
    t.compare_views(run.now());
    ASSERT_EQ(t.copies.size(), 2u);
    EXPECT_EQ(t.mismatches[1], 0u) << "control: the whole snapshot";
    EXPECT_GT(t.mismatches[0], 0u) << "a twin without this field answered as the original";
  }
}

TEST(service_snapshot, a_snapshot_that_does_not_fit_is_refused_with_what_is_wrong) {
  service_fixture f(default_settings(3));
  const parts whole = saved(f.service);
  struct damage {
    const char* expected;
    std::function<void(parts&)> apply;
  };
  const damage cases[] = {
      {"service core", [](parts& p) { p.erase(p.begin()); }},
      {"missing", [](parts& p) { p.pop_back(); }},
      {"more parts", [](parts& p) { p.push_back(p.back()); }},
      {"another seed",
       [](parts& p) {
         state::ServicePart core;
         core.ParseFromString(p[0]);
         core.mutable_core()->set_seed(8);
         p[0] = core.SerializeAsString();
       }},
      {"device ID is not 64 bytes",
       [](parts& p) {
         state::ServicePart registry;
         registry.ParseFromString(p[1]);
         registry.mutable_registry()->add_devices()->set_id("short");
         p[1] = registry.SerializeAsString();
       }},
      {"past devices_max",
       [](parts& p) {
         for (std::string& bytes : p) {
           state::ServicePart part;
           part.ParseFromString(bytes);
           if (!part.has_sessions()) continue;
           state::SessionSlot* s = part.mutable_sessions()->add_slots();
           s->set_device(4'000'000);
           s->set_id((std::uint64_t{1} << 32) | 4'000'000);
           bytes = part.SerializeAsString();
           return;
         }
       }},
  };
  for (const damage& d : cases) {
    SCOPED_TRACE(d.expected);
    parts p = whole;
    d.apply(p);
    security_service fresh(f.keys.service_root, default_settings(3));
    const restore_status r = restore_into(fresh, p);
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.problem.find(d.expected), std::string::npos) << r.problem;
  }
  security_service fresh(f.keys.service_root, default_settings(3));
  EXPECT_TRUE(restore_into(fresh, whole).ok()) << "control: the whole snapshot";
  EXPECT_FALSE(restore_into(fresh, whole).ok()) << "a service that holds state takes no snapshot";
}

}  // namespace
}  // namespace fleet::cloud
