// What `fleetsim run` shows while it goes: the status block and the plain
// line on a snapshot built by hand, and the block redrawn in place.
#include "live_status.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>

namespace fleet::cli {
namespace {

using namespace std::chrono_literals;

actors::live_snapshot sample_snapshot() {
  actors::live_snapshot s;
  s.reached = 36h;
  s.end = 4 * 24h;
  s.devices = 1000;
  s.groups = {"Production", "Field Test"};
  s.states_by_group = {{0, 20, 900, 30, 0}, {0, 0, 50, 0, 0}};
  actors::deployment_snapshot d;
  d.name = "app-1.1.0";
  d.state = "running";
  d.wave = 2;
  d.succeeded = 4512;
  d.failed = 12;
  s.deployments = {d};
  s.events = 1234567;
  return s;
}

TEST(status_lines, time_states_each_rollout_and_the_engine) {
  const auto lines = status_lines(sample_snapshot(), 30.0, 48213.7);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "fleetsim run: 1d12h of 4d simulated (37.5 %), 30.0 s wall, ETA 50.0 s");
  EXPECT_EQ(lines[1], "  devices   20 running, 950 attested, 30 trial");
  EXPECT_EQ(lines[2], "  rollout   app-1.1.0 wave 2 running (4,512 succeeded, 12 failed)");
  EXPECT_EQ(lines[3], "  engine    48,213 events/s, 1,234,567 events");
}

TEST(status_lines, no_eta_before_one_percent_and_done_at_the_end) {
  actors::live_snapshot s = sample_snapshot();
  s.reached = 30min;  // 0.5 % of 4 days
  EXPECT_NE(status_lines(s, 2.0, 0)[0].find("ETA -"), std::string::npos);
  s.reached = s.end;
  s.complete = true;
  EXPECT_NE(status_lines(s, 2.0, 0)[0].find(", done"), std::string::npos);
}

TEST(status_lines, a_deployment_not_started_says_so) {
  actors::live_snapshot s = sample_snapshot();
  s.deployments[0].wave = 0;
  s.deployments[0].state = "scheduled";
  EXPECT_EQ(status_lines(s, 1.0, 0)[2], "  rollout   app-1.1.0 not started (4,512 succeeded, 12 failed)");
}

TEST(status_line, everything_on_one_line) {
  EXPECT_EQ(status_line(sample_snapshot(), 30.0, 10.0),
            "fleetsim run: 1d12h of 4d simulated (37.5 %), 30.0 s wall, ETA 50.0 s; 20 running, 950 attested, "
            "30 trial; app-1.1.0 wave 2 running (4,512 succeeded, 12 failed); 10 events/s");
}

std::string written(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string text;
  for (int c = std::fgetc(f); c != EOF; c = std::fgetc(f)) text += static_cast<char>(c);
  return text;
}

TEST(live_status, a_terminal_gets_the_block_redrawn_in_place_and_cleared) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  live_status status(f, /*terminal=*/true);
  status.show(sample_snapshot());
  status.show(sample_snapshot());
  status.clear();
  const std::string text = written(f);
  std::fclose(f);
  // Four lines, then up four lines and erase before the second block, and again to clear.
  EXPECT_EQ(text.find("\x1b[4A\x1b[J"), text.find("fleetsim run:", 1) - std::string("\x1b[4A\x1b[J").size());
  EXPECT_EQ(text.substr(text.size() - 7), "\x1b[4A\x1b[J");
}

TEST(live_status, a_pipe_gets_a_plain_line_every_few_seconds_and_the_last_one) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  live_status status(f, /*terminal=*/false, std::chrono::seconds(3600));
  status.show(sample_snapshot());  // within the hour: nothing
  actors::live_snapshot end = sample_snapshot();
  end.complete = true;
  end.reached = end.end;
  status.show(end);  // the end is always shown
  status.clear();    // nothing to clear off a pipe
  const std::string text = written(f);
  std::fclose(f);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
  EXPECT_NE(text.find("4d of 4d simulated (100.0 %)"), std::string::npos);
}

}  // namespace
}  // namespace fleet::cli
