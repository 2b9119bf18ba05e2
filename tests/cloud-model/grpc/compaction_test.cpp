// Compaction of the state file (served_service, journal::compact): a
// compacted journal restarts to the same state as one never restarted, and
// compaction keeps the file's size to the state's, not the history's.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <functional>
#include <string>
#include <vector>

#include "fleet/cloud_server/served_service.hpp"
#include "fleet/crypto/random_stream.hpp"
#include "fleet/testing/evidence.hpp"
#include "fleet/testing/images.hpp"
#include "fleet/testing/service_endpoint.hpp"
#include "fleet/testing/test_keys.hpp"
#include "fleet/wire/envelope.hpp"
#include "service_state.pb.h"
#include "temp_dir.hpp"

namespace fleet::cloud_server {
namespace {

constexpr std::int64_t t0_us = fleet::testing::default_epoch_us;

/// A call's status and outcome, for comparing two services' answers.
using answer = std::pair<int, std::string>;

answer submit(served_service& s, const state::Command& c) {
  state::Outcome out;
  const grpc::Status status = s.submit(c, out);
  return {status.error_code(), out.SerializeAsString()};
}

std::vector<std::string> snapshot_of(served_service& s) {
  return s.read([](const cloud::security_service& service, cloud::sim_time) {
    std::vector<std::string> parts;
    service.save([&](const state::ServicePart& p) { parts.push_back(p.SerializeAsString()); });
    return parts;
  });
}


/// Devices that attest with real evidence, through served_service::submit.
struct attesting_fleet {
  explicit attesting_fleet(std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      device d;
      d.stream = crypto::random_stream(3, i, "compaction-test-device");
      d.key = crypto::signing_key_from_seed(d.stream.next_seed());
      d.id = crypto::derive_device_id(d.key.public_key_bytes);
      devices.push_back(d);
    }
  }

  /// The set-up commands: tenant, product, factory images, each device's key, claim and move.
  std::vector<state::Command> setup(const std::function<state::Outcome(const state::Command&)>& run) {
    std::vector<state::Command> all;
    auto go = [&](const state::Command& c) {
      all.push_back(c);
      return run(c);
    };
    state::Command c;
    c.mutable_create_tenant()->set_name("contoso");
    const std::uint32_t tenant = go(c).tenant().id();
    c.mutable_create_product()->set_tenant(tenant);
    c.mutable_create_product()->set_name(testing::default_product);
    const std::uint32_t production = go(c).product().groups(2).id();
    const testing::test_keys keys{1};
    for (const wire::built_image& image : testing::factory_images(keys)) {
      api::ImageSpec* spec = c.mutable_upload_image()->mutable_spec();
      spec->set_component(image.manifest.component());
      spec->set_image_name(image.manifest.image_name());
      spec->set_version(image.manifest.version());
      spec->set_product(image.manifest.product());
      spec->set_security_version(image.manifest.security_version());
      spec->set_expires_at_utc_us(image.manifest.expires_at_us());
      spec->set_chunk_size_bytes(image.manifest.chunk_size_bytes());
      c.mutable_upload_image()->set_content(testing::image_content(image));
      go(c);
    }
    for (device& d : devices) {
      const std::string hex = crypto::to_hex(crypto::as_view(d.id));
      c.mutable_register_device_key()->set_public_key(crypto::to_string(d.key.public_key_bytes));
      go(c);
      c.mutable_claim_devices()->set_tenant(tenant);
      c.mutable_claim_devices()->add_device_ids(hex);
      go(c);
      c.mutable_move_device()->set_device_id(hex);
      c.mutable_move_device()->set_group(production);
      go(c);
    }
    return all;
  }

  struct device {
    crypto::random_stream stream;
    crypto::signing_key_pair key{};
    crypto::device_id id{};
    std::uint64_t sequence = 0;
  };
  std::vector<device> devices;
};

state::Command exchange(const wire::Envelope& e, std::uint64_t source) {
  state::Command c;
  c.mutable_device()->set_envelope(wire::serialize(e));
  c.mutable_device()->set_source(source);
  return c;
}

/// One attestation of device `i` on `s` (challenge, then evidence signed for
/// the nonce it got): the two commands, and the stages its evidence reports.
std::vector<answer> attest(served_service& s, attesting_fleet::device& d, std::uint64_t source,
                           const std::vector<testing::booted_stage>& boot, std::vector<state::Command>* sent) {
  std::vector<answer> out;
  wire::Envelope challenge;
  challenge.set_device_id(crypto::to_string(d.id));
  challenge.set_sequence(++d.sequence);
  challenge.mutable_challenge_request();
  state::Command first = exchange(challenge, source);
  if (sent != nullptr) sent->push_back(first);
  state::Outcome reply;
  const grpc::Status status = s.submit(first, reply);
  out.emplace_back(status.error_code(), reply.SerializeAsString());
  if (!reply.device_reply().has_challenge()) return out;
  testing::evidence_spec spec;
  spec.nonce = reply.device_reply().challenge().nonce();
  spec.device_key = d.key.public_key_bytes;
  spec.boot = boot;
  spec.rollback_counters.assign(cloud::rollback_counters_max, 1);
  spec.session_key = crypto::exchange_key_from_secret(d.stream.next_seed()).public_key_bytes;
  state::Command second = exchange(
      testing::signed_evidence_envelope(d.id, ++d.sequence, testing::make_evidence(spec), d.key.secret_key_bytes),
      source);
  if (sent != nullptr) sent->push_back(second);
  out.push_back(submit(s, second));
  return out;
}

std::vector<testing::booted_stage> boot_of(served_service& s) {
  return s.read([](const cloud::security_service& service, cloud::sim_time) {
    std::vector<wire::built_image> images;
    for (const cloud::stored_image* image : service.images().all()) images.push_back(testing::built_from(*image));
    std::sort(images.begin(), images.end(), [](const wire::built_image& a, const wire::built_image& b) {
      return a.manifest.component() < b.manifest.component();
    });
    return testing::stages_of(images);
  });
}

TEST(compaction, a_compacted_journal_restarts_to_the_same_state) {
  fleet::testing::temp_dir dir;
  std::int64_t utc = t0_us;
  served_settings durable;
  durable.state_path = dir.file("state.db");
  durable.utc_now_us = [&] { return utc; };
  durable.compaction.tail_bytes_min = 16 * 1024;  // compacts every few attestations
  durable.compaction.snapshot_multiple = 1;
  served_settings in_memory;
  in_memory.utc_now_us = [&] { return utc; };
  served_service twin(in_memory);  // never restarted: what the state must be

  attesting_fleet fleet(8);
  attesting_fleet twin_fleet(8);  // the same devices, drawing the same keys
  auto a = std::make_unique<served_service>(durable);
  fleet.setup([&](const state::Command& c) {
    state::Outcome out;
    EXPECT_TRUE(a->submit(c, out).ok());
    return out;
  });
  twin_fleet.setup([&](const state::Command& c) {
    state::Outcome out;
    EXPECT_TRUE(twin.submit(c, out).ok());
    return out;
  });
  const auto boot = boot_of(*a);
  std::uint64_t restored = 0;
  for (int round = 0; round < 12; ++round) {
    for (std::size_t i = 0; i < fleet.devices.size(); ++i) {
      utc += 250'000;
      const auto mine = attest(*a, fleet.devices[i], i + 1, boot, nullptr);
      const auto theirs = attest(twin, twin_fleet.devices[i], i + 1, boot, nullptr);
      EXPECT_TRUE(mine == theirs) << "round " << round << ", device " << i;
    }
    // Restart after a clean stop: compacted, restored from the snapshot.
    a.reset();
    a = std::make_unique<served_service>(durable);
    restored += a->restored_through() > 0 && a->replayed() == 0;
  }
  EXPECT_EQ(restored, 12u);
  EXPECT_EQ(snapshot_of(*a), snapshot_of(twin)) << "the restarted state differs";
  // Control: the twin's state is not trivially the same as any state.
  EXPECT_GT(twin.read([](const cloud::security_service& s, cloud::sim_time) { return s.counters().certificates_issued; }),
            80u);
}

TEST(compaction, a_snapshot_and_the_commands_after_it_restart_to_the_same_state) {
  // As after a crash: the last snapshot was taken past a bound, the commands
  // after it are replayed on top of it.
  fleet::testing::temp_dir dir;
  std::int64_t utc = t0_us;
  served_settings durable;
  durable.state_path = dir.file("state.db");
  durable.utc_now_us = [&] { return utc; };
  durable.compaction.tail_bytes_min = 16 * 1024;
  durable.compaction.snapshot_multiple = 1;
  served_settings in_memory;
  in_memory.utc_now_us = [&] { return utc; };
  served_service twin(in_memory);
  attesting_fleet fleet(6), twin_fleet(6);
  std::vector<std::string> before_restart;
  std::uint64_t compactions = 0;
  {
    served_settings crashes = durable;
    crashes.compaction.at_shutdown = false;  // stops as a crash would: the tail stays
    served_service a(crashes);
    fleet.setup([&](const state::Command& c) {
      state::Outcome out;
      a.submit(c, out);
      return out;
    });
    twin_fleet.setup([&](const state::Command& c) {
      state::Outcome out;
      twin.submit(c, out);
      return out;
    });
    const auto boot = boot_of(a);
    for (int round = 0; round < 10; ++round) {
      for (std::size_t i = 0; i < fleet.devices.size(); ++i) {
        utc += 250'000;
        attest(a, fleet.devices[i], i + 1, boot, nullptr);
        attest(twin, twin_fleet.devices[i], i + 1, boot, nullptr);
      }
    }
    compactions = a.compactions();
    before_restart = snapshot_of(a);
  }
  EXPECT_GT(compactions, 0u) << "the bound was passed: compacted while running";
  served_service restarted(durable);
  EXPECT_GT(restarted.restored_through(), 0u);
  EXPECT_GT(restarted.replayed(), 0u) << "commands after the snapshot are replayed";
  EXPECT_EQ(snapshot_of(restarted), before_restart);
  EXPECT_EQ(snapshot_of(restarted), snapshot_of(twin));
}

TEST(compaction, keeps_the_file_to_the_state_not_the_history) {
  // The same attestations with and without compaction: without, the file
  // grows with every one; with, it stays within a bound of the state.
  std::uintmax_t bytes[2] = {0, 0};
  std::uint64_t snapshot = 0;
  for (const bool compact : {false, true}) {
    fleet::testing::temp_dir dir;
    std::int64_t utc = t0_us;
    served_settings settings;
    settings.state_path = dir.file("state.db");
    settings.utc_now_us = [&] { return utc; };
    settings.compaction.enabled = compact;
    settings.compaction.tail_bytes_min = 256 * 1024;
    settings.compaction.snapshot_multiple = 2;
    settings.compaction.at_shutdown = false;
    served_service s(settings);
    attesting_fleet fleet(20);
    fleet.setup([&](const state::Command& c) {
      state::Outcome out;
      s.submit(c, out);
      return out;
    });
    const auto boot = boot_of(s);
    for (int round = 0; round < 150; ++round) {
      for (std::size_t i = 0; i < fleet.devices.size(); ++i) {
        utc += 100'000;
        attest(s, fleet.devices[i], i + 1, boot, nullptr);
      }
    }
    s.read([](const cloud::security_service&, cloud::sim_time) { return 0; });
    bytes[compact] = testing::state_bytes(*settings.state_path);
    if (compact) {
      snapshot = 0;
      for (const auto& part : snapshot_of(s)) snapshot += part.size();
    }
  }
  // 3,000 attestations: about 2 MB of history; the state of 20 devices is a few tens of kB.
  EXPECT_GT(bytes[0], 1'500'000u) << "control: without compaction the file holds the history";
  // Snapshot, a tail below its bound (2 x snapshot, at least 256 KiB), and SQLite's pages.
  EXPECT_LT(bytes[1], 2 * (snapshot + 3 * 256 * 1024)) << "with compaction, snapshot " << snapshot;
  EXPECT_LT(bytes[1] * 2, bytes[0]);
}

}  // namespace
}  // namespace fleet::cloud_server
