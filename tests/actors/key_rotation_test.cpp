// A leaked image-signing key in a run, answered by key rotation: a mirror
// holding the fleet's key serves its own build with a genuine-looking
// signature. After the operator's rotation every device takes the trusted
// key store with its next certificate and refuses the build
// (revoked_signing_key); without the rotation the build installs and runs.
#include <gtest/gtest.h>

#include <string>

#include "attack_checks.hpp"
#include "fleet/actors/run.hpp"
#include "fleet_text.hpp"

namespace fleet::actors {
namespace {

constexpr int devices = 40;
const char* const leak = "attack { name: \"leak\" at: \"2d2h\" duration: \"1d\" fraction: 0.5 leaked_signing_key {} }\n";
const char* const rotation = "cloud { image_key_rotation { at: \"1d\" } }\n";

run_result run_with(const std::string& extra, std::uint32_t threads = 1) {
  run_options options;
  options.threads = threads;
  return run(testing::load(testing::staged_rollout(devices) + extra), options);
}

std::uint64_t running(const run_result& r, const std::string& version) {
  const auto& versions = r.timeline.back().app_versions;
  const auto it = versions.find(version);
  return it == versions.end() ? 0 : it->second;
}

TEST(key_rotation_run, every_device_takes_the_store_and_refuses_the_leaked_key) {
  const run_result r = run_with(std::string(rotation) + leak);
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.counters.key_stores_taken, static_cast<std::uint64_t>(devices));
  testing::expect_stopped_by(r, {"revoked_signing_key"});
  EXPECT_EQ(running(r, "99.0.0"), 0u);
  // The release the old key signed still runs everywhere, and attests.
  EXPECT_EQ(running(r, "1.1.0"), static_cast<std::uint64_t>(devices));
  EXPECT_EQ(r.timeline.back().states.at("attested"), static_cast<std::uint64_t>(devices));
}

// The rotation is what stops it: the same run without one.
TEST(key_rotation_run, without_the_rotation_the_leaked_build_runs) {
  const run_result r = run_with(leak);
  ASSERT_EQ(r.attacks.size(), 1u);
  EXPECT_GT(r.attacks.front().got_through, 0u);
  EXPECT_EQ(r.counters.key_stores_taken, 0u);
  EXPECT_GT(r.counters.unsigned_code_started, 0u);
  EXPECT_EQ(running(r, "99.0.0"), r.attacks.front().got_through);
}

TEST(key_rotation_run, the_same_trace_on_one_and_two_threads) {
  const run_result one = run_with(std::string(rotation) + leak, 1);
  const run_result two = run_with(std::string(rotation) + leak, 2);
  EXPECT_EQ(one.trace_hash, two.trace_hash);
  EXPECT_NE(one.trace_hash, run_with(leak, 1).trace_hash);
}

}  // namespace
}  // namespace fleet::actors
