// Power loss at every flash write of an update, of a rollback, and of the
// metadata writes among them: after power returns the device runs a valid
// image, the update resumes or restarts, and it is never bricked.
#include <gtest/gtest.h>

#include "fleet/testing/device_world.hpp"

namespace fleet::fw {
namespace {

using namespace std::chrono_literals;
using testing::device_world;
using testing::make_image;

struct scenario {
  const char* name;
  wire::Component component;
  bool bad_build;  ///< the new image crashes in its trial: the end is a rollback
};

void PrintTo(const scenario& s, std::ostream* os) { *os << s.name; }

struct outcome {
  std::uint64_t writes = 0;  ///< flash writes from publish to the end
  bool bricked = false;
  bool finished = false;  ///< committed (good build) or rolled back (bad build)
  wire::version running{};
  std::size_t power_losses = 0;
  std::uint64_t chunks_downloaded = 0;
  bool stuck = false;
};

// Runs the scenario; with `cut_at` > 0 the cut_at-th flash write after the
// image is published is torn by a power loss.
outcome run(const scenario& s, std::uint64_t seed, std::uint32_t cut_at, wire::built_image& image) {
  testing::world_options options;
  options.seed = seed;
  device_world w(options);
  w.power_on();
  EXPECT_TRUE(w.run_until([&] { return w.firmware().has_certificate(); }, 1min));
  w.run_for(1min);  // the first update check is answered before the image exists
  image = make_image(w.keys(), s.component, "1.1.0", 2);
  if (s.bad_build) {
    device::version_behaviour crash;
    crash.leak_crash_after = 2min;
    w.behave(image, crash);
  }
  image = w.publish(image);
  const std::uint64_t writes_before = w.device().flash().writes_done();
  if (cut_at > 0) w.device().arm_power_cut(cut_at);
  const auto end_kind = s.bad_build ? record_kind::update_rolled_back : record_kind::update_committed;
  outcome o;
  o.finished = w.run_until([&] { return w.count(end_kind) > 0 || w.count(record_kind::bricked) > 0; }, 3 * 24h);
  w.run_for(10min);  // let the final boot settle
  o.writes = w.device().flash().writes_done() - writes_before;
  o.bricked = w.count(record_kind::bricked) > 0 || w.firmware().state() == device_state::bricked;
  o.running = w.firmware().running_version(*from_wire(s.component));
  o.power_losses = w.count(record_kind::powered_off);
  o.chunks_downloaded = w.firmware().stats().chunks_downloaded;
  o.stuck = w.stuck();
  return o;
}

class power_loss : public ::testing::TestWithParam<scenario> {};

TEST_P(power_loss, at_every_flash_write_the_device_recovers) {
  const scenario& s = GetParam();
  wire::built_image image;
  const outcome reference = run(s, 1, 0, image);
  ASSERT_TRUE(reference.finished);
  ASSERT_FALSE(reference.bricked);
  ASSERT_EQ(reference.power_losses, 0u);
  const std::size_t chunks = image.chunks.size();
  ASSERT_GT(reference.writes, 2 * chunks);  // chunk and progress per chunk, and more
  const wire::version expected = s.bad_build ? wire::version{1, 0, 0} : wire::version{1, 1, 0};
  EXPECT_EQ(reference.running, expected);

  for (std::uint64_t seed : {1u, 2u}) {
    for (std::uint32_t k = 1; k <= reference.writes; ++k) {
      SCOPED_TRACE("seed=" + std::to_string(seed) + " power lost at write " + std::to_string(k) +
                   " of " + std::to_string(reference.writes));
      const outcome o = run(s, seed, k, image);
      EXPECT_FALSE(o.stuck);
      EXPECT_FALSE(o.bricked);
      EXPECT_EQ(o.power_losses, 1u);
      EXPECT_TRUE(o.finished);
      EXPECT_EQ(o.running, expected);
      // Resumed, not restarted: at most the chunk being written is fetched again.
      EXPECT_LE(o.chunks_downloaded, chunks + 1);
      if (HasFailure()) return;  // one failing write says it all; the rest would repeat it
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    updates, power_loss,
    ::testing::Values(scenario{"app", wire::APP, false}, scenario{"os", wire::OS, false},
                      scenario{"app_rollback", wire::APP, true}),
    [](const ::testing::TestParamInfo<scenario>& p) { return p.param.name; });

}  // namespace
}  // namespace fleet::fw
