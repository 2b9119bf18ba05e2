// Seeded random input: mutated envelopes (bit flips, truncations, splices,
// garbage, and well-formed envelopes with wrong fields) fed to the core
// while idle and while each kind of request is on the wire. Nothing may
// crash it, change what is committed in flash and the secure element, or
// be accepted where a session MAC or a signature is required; afterwards
// the device still completes an update.
#include <gtest/gtest.h>

#include "fleet/crypto/random_stream.hpp"
#include "fleet/testing/device_world.hpp"
#include "fleet/wire/envelope.hpp"
#include "fleet/wire/limits.hpp"

namespace fleet::fw {
namespace {

using namespace std::chrono_literals;
using testing::device_world;
using testing::make_image;

constexpr std::size_t idle_inputs = 20'000;
constexpr std::size_t inputs_per_waiting_request = 16'000;

/// Everything a message must never change: flash metadata and headers,
/// counters and measurement in the secure element.
std::string committed_state(device_world& w) {
  auto& flash = w.device().flash();
  std::string s;
  for (std::uint32_t sector = 0; sector < 2; ++sector) s += std::string(flash.read_metadata(sector)) + '|';
  for (std::size_t c = 0; c < component_count; ++c) {
    for (slot sl : {slot::a, slot::b}) s += std::string(flash.read_header(static_cast<component>(c), sl)) + '|';
    s += std::to_string(w.device().secure_element().read_counter(static_cast<component>(c))) + '|';
  }
  s += crypto::to_string(w.device().secure_element().measurement());
  return s;
}

class mutator {
 public:
  mutator(std::uint64_t seed, std::vector<std::string> corpus) : rng_(seed, 0, "fuzz"), corpus_(std::move(corpus)) {}

  /// A mutated message; `sequence` and `device_id` are patched in first
  /// most of the time so that mutations reach past the cheap checks.
  std::string next(std::uint64_t sequence, const std::string& device_id) {
    std::string bytes = corpus_[rng_.below(corpus_.size())];
    wire::Envelope env;
    if (rng_.chance(0.8) && env.ParseFromString(bytes)) {
      env.set_sequence(rng_.chance(0.9) ? sequence : rng_.next());
      if (rng_.chance(0.9)) env.set_device_id(device_id);
      bytes = wire::serialize(env);
    }
    const std::uint64_t rounds = 1 + rng_.below(4);
    for (std::uint64_t i = 0; i < rounds; ++i) mutate(bytes);
    return bytes;
  }

 private:
  void mutate(std::string& b) {
    switch (rng_.below(7)) {
      case 0:  // flip one bit
        if (!b.empty()) b[rng_.below(b.size())] ^= static_cast<char>(1u << rng_.below(8));
        break;
      case 1:  // set one byte
        if (!b.empty()) b[rng_.below(b.size())] = static_cast<char>(rng_.below(256));
        break;
      case 2:  // truncate
        b.resize(rng_.below(b.size() + 1));
        break;
      case 3: {  // insert random bytes
        std::string extra(rng_.below(16) + 1, '\0');
        rng_.fill(reinterpret_cast<std::uint8_t*>(extra.data()), extra.size());
        b.insert(rng_.below(b.size() + 1), extra);
        break;
      }
      case 4: {  // splice in the tail of another message
        const std::string& other = corpus_[rng_.below(corpus_.size())];
        b = b.substr(0, rng_.below(b.size() + 1)) + other.substr(rng_.below(other.size() + 1));
        break;
      }
      case 5: {  // pure garbage, sometimes past the size limit
        std::size_t n = rng_.chance(0.05) ? wire::envelope_bytes_max + 1 + rng_.below(64) : rng_.below(300);
        b.assign(n, '\0');
        rng_.fill(reinterpret_cast<std::uint8_t*>(b.data()), b.size());
        break;
      }
      default:  // unchanged: a well-formed envelope with patched fields
        break;
    }
  }

  crypto::random_stream rng_;
  std::vector<std::string> corpus_;
};

// Replies from a whole update lifecycle of ANOTHER device (another seed:
// other keys, sessions and nonces), as an attacker would have captured
// them: challenges, certificates, offers, chunks, acks, telemetry acks.
// (A world with the device's own seed would replay its genuine replies.)
std::vector<std::string> reply_corpus() {
  testing::world_options other_device;
  other_device.seed = 99;
  device_world w(other_device);
  w.power_on();
  w.run_for(1min);
  w.publish(make_image(w.keys(), wire::APP, "1.1.0", 2));
  w.run_until([&] { return w.count(record_kind::update_committed) == 1; }, 26h);
  w.run_for(10min);
  EXPECT_EQ(w.count(record_kind::update_committed), 1u);
  auto corpus = w.sent_to_device();
  wire::Envelope error;
  error.mutable_error()->set_code(wire::ERROR_NOT_FOUND);
  corpus.push_back(wire::serialize(error));
  return corpus;
}

wire::Envelope::BodyCase last_request(device_world& w) {
  wire::Envelope env;
  env.ParseFromString(w.sent_by_device().back());
  return env.body_case();
}

TEST(fuzz, a_hundred_thousand_mutated_envelopes_change_nothing_committed) {
  const auto corpus = reply_corpus();
  ASSERT_GT(corpus.size(), 10u);
  mutator mutate(42, corpus);

  device_world w;
  w.power_on();
  w.run_for(1min);  // attested, first check and telemetry done: idle
  const std::string id = crypto::to_string(w.id());
  std::size_t injected = 0;

  // Idle: nothing is waiting for an answer, so nothing may be accepted.
  {
    const std::string before = committed_state(w);
    const auto rejected_before = w.firmware().stats().rejected_total();
    const auto sends_before = w.sent_by_device().size();
    for (std::size_t i = 0; i < idle_inputs; ++i, ++injected) w.inject(mutate.next(1 + i % 50, id));
    EXPECT_EQ(w.firmware().stats().rejected_total() - rejected_before, idle_inputs);
    EXPECT_EQ(w.sent_by_device().size(), sends_before);
    EXPECT_EQ(committed_state(w), before);
    EXPECT_EQ(w.firmware().state(), device_state::running);
  }

  // With each kind of request on the wire (its real answer lost).
  w.publish(make_image(w.keys(), wire::APP, "1.1.0", 2));
  using body = wire::Envelope::BodyCase;
  for (body waiting : {body::kUpdateCheck, body::kChunkRequest, body::kUpdateResult, body::kTelemetry,
                       body::kChallengeRequest, body::kEvidence}) {
    SCOPED_TRACE("waiting for the answer to body case " + std::to_string(waiting));
    w.link_down = false;
    const std::size_t sent = w.sent_by_device().size();
    ASSERT_TRUE(w.run_until([&] { return w.sent_by_device().size() > sent && last_request(w) == waiting; }, 3 * 24h));
    w.link_down = true;
    const std::string before = committed_state(w);
    const auto accepted_before = w.firmware().stats().requests_sent;
    for (std::size_t i = 0; i < inputs_per_waiting_request; ++i, ++injected) {
      wire::Envelope request;
      request.ParseFromString(w.sent_by_device().back());
      w.inject(mutate.next(request.sequence(), id));
      ASSERT_EQ(w.firmware().state(), device_state::running);
    }
    EXPECT_EQ(committed_state(w), before);
    if (waiting != body::kChallengeRequest) {
      // MAC'd or signed answers: no mutation gets through, so no new request.
      EXPECT_EQ(w.firmware().stats().requests_sent, accepted_before);
    }
  }
  EXPECT_GE(injected, 100'000u);

  // Still a working device: it finishes the update it was doing.
  w.link_down = false;
  EXPECT_TRUE(w.run_until([&] { return w.count(record_kind::update_committed) == 1; }, 3 * 24h));
  EXPECT_EQ(w.firmware().running_version(component::app), (wire::version{1, 1, 0}));
  EXPECT_EQ(w.count(record_kind::bricked), 0u);
}

}  // namespace
}  // namespace fleet::fw
