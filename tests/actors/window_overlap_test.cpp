// What a second thread could have given the windows run inline: the
// arithmetic of the bound, and that the engine fills it from the windows
// it ran inline and only from those.
#include "fleet/actors/window_overlap.hpp"

#include <gtest/gtest.h>

#include "fleet/actors/run.hpp"
#include "fleet_text.hpp"

namespace fleet::actors {
namespace {

TEST(window_overlap, a_window_on_two_threads_takes_its_longest_host_or_half_the_sum) {
  window_overlap o;
  o.add_window(1.0, 1.0);  // one host: nothing to share
  o.add_window(4.0, 1.0);  // four equal hosts: two each
  o.add_window(3.0, 2.5);  // one long host: it alone sets the time
  EXPECT_DOUBLE_EQ(o.hosts_seconds(), 8.0);
  EXPECT_DOUBLE_EQ(o.two_threads_seconds(), 1.0 + 2.0 + 2.5);
}

run_result small_run(std::uint32_t threads) {
  run_options o;
  o.threads = threads;
  o.parallel_events_min = 0;  // with threads > 1, every window goes to the actors
  return run(testing::load(testing::staged_rollout(40)), o);
}

TEST(window_overlap, the_engine_times_the_windows_it_runs_inline) {
  const run_result one = small_run(1);
  ASSERT_EQ(one.parallel_windows, 0u);
  EXPECT_GT(one.inline_overlap.hosts_seconds(), 0);
  EXPECT_LE(one.inline_overlap.two_threads_seconds(), one.inline_overlap.hosts_seconds());
  EXPECT_GE(one.inline_overlap.two_threads_seconds(), one.inline_overlap.hosts_seconds() / 2);
}

TEST(window_overlap, windows_on_the_actors_are_not_counted) {
  const run_result two = small_run(2);
  ASSERT_EQ(two.parallel_windows, two.windows);
  EXPECT_EQ(two.inline_overlap.hosts_seconds(), 0);
}

}  // namespace
}  // namespace fleet::actors
