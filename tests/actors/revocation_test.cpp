// A revoked OS in a run: the operator revokes trust in the OS a small fleet
// runs and deploys its fix as a repair; a quarter of the fleet is switched
// off across the revocation. Every device heals (restricted session, repair,
// reboot, full attestation), none is trusted on the revoked OS after the
// revocation, the spoofers asking for a restricted session get nothing, and
// the trace does not depend on the thread count.
#include <gtest/gtest.h>

#include <string>

#include "fleet/actors/run.hpp"
#include "fleet_text.hpp"

namespace fleet::actors {
namespace {

constexpr int devices = 40;
const char* const fix = "image { name: \"os\" version: \"1.0.1\" component: OS product: \"thermostat\" security_version: 2 size: \"32KiB\" }\n"
                        "deployment { name: \"os-fix\" image: \"os@1.0.1\" group: \"Production\" start: \"1d12h\" repair: true }\n";
const char* const revocation = "cloud { revoke { image: \"os@1.0.0\" at: \"1d12h\" } }\n";
const char* const dark = "fault { at: \"1d\" duration: \"1d\" fraction: 0.25 offline {} }\n";
const char* const spoofers = "attack { at: \"1d14h\" count: 5 spoofed_identity {} }\n";

run_result run_with(const std::string& extra, std::uint32_t threads = 1) {
  run_options options;
  options.threads = threads;
  return run(testing::load(testing::staged_rollout(devices) + extra), options);
}

TEST(revocation_run, every_device_heals_and_none_is_trusted_on_the_revoked_os) {
  const run_result r = run_with(std::string(fix) + revocation + dark + spoofers);
  ASSERT_TRUE(r.complete);
  ASSERT_EQ(r.revocations.size(), 1u);
  const revocation_outcome& o = r.revocations.front();
  EXPECT_EQ(o.image, "os@1.0.0");
  EXPECT_EQ(o.affected_online + o.affected_offline, static_cast<std::uint64_t>(devices));
  EXPECT_GT(o.affected_offline, 0u);
  EXPECT_EQ(o.healed_online, o.affected_online);
  EXPECT_EQ(o.healed_offline, o.affected_offline);
  EXPECT_GE(o.online_healed_100.count(), 0);
  EXPECT_LE(o.online_healed_50, o.online_healed_99);
  EXPECT_LE(o.online_healed_99, o.online_healed_100);
  EXPECT_EQ(o.certificates_on_revoked, 0u);
  // The ones switched off and those whose renewal came first healed through a restricted session.
  EXPECT_GE(r.counters.restricted_sessions, o.affected_offline);
  // Healed: on the fix, attested.
  EXPECT_EQ(r.timeline.back().states.at("attested"), static_cast<std::uint64_t>(devices));
  EXPECT_EQ(r.counters.updates_committed, 2u * devices) << "the app release and the OS fix";
  EXPECT_EQ(r.counters.bricked, 0u);
  ASSERT_EQ(r.attacks.size(), 1u);
  EXPECT_EQ(r.attacks.front().restricted_sessions, 0u);
  EXPECT_EQ(r.attacks.front().stopped, r.attacks.front().tried);
  EXPECT_GT(r.attacks.front().tried, 0u);
}

// Control: without the revocation nobody is refused a certificate; the fix
// still goes out as an ordinary update, and no device counts as affected.
TEST(revocation_run, without_the_revocation_no_restricted_session_is_granted) {
  const run_result r = run_with(std::string(fix) + dark);
  ASSERT_TRUE(r.complete);
  EXPECT_TRUE(r.revocations.empty());
  EXPECT_EQ(r.counters.restricted_sessions, 0u);
  EXPECT_EQ(r.counters.updates_committed, 2u * devices);
}

// Without a repair to take, the devices on the revoked OS stay restricted:
// never trusted again, never healed, still running.
TEST(revocation_run, without_a_repair_nobody_heals_and_nobody_is_trusted) {
  const run_result r = run_with(revocation);
  ASSERT_TRUE(r.complete);
  ASSERT_EQ(r.revocations.size(), 1u);
  const revocation_outcome& o = r.revocations.front();
  EXPECT_EQ(o.affected_online, static_cast<std::uint64_t>(devices));
  EXPECT_EQ(o.healed_online, 0u);
  EXPECT_EQ(o.certificates_on_revoked, 0u);
  EXPECT_EQ(o.online_healed_50.count(), -1);
  EXPECT_GE(r.counters.restricted_sessions, static_cast<std::uint64_t>(devices));
  EXPECT_EQ(r.timeline.back().states.count("attested"), 0u);
  EXPECT_EQ(r.counters.bricked, 0u);
}

TEST(revocation_run, the_same_trace_on_one_and_two_threads) {
  const std::string extra = std::string(fix) + revocation + dark + spoofers;
  const run_result one = run_with(extra, 1);
  const run_result two = run_with(extra, 2);
  EXPECT_EQ(one.trace_hash, two.trace_hash);
  EXPECT_NE(one.trace_hash, run_with(std::string(fix) + dark + spoofers, 1).trace_hash);
}

}  // namespace
}  // namespace fleet::actors
