// The exploration end to end on small fleets: a failure that needs two
// faults to coincide is found, shrunk to those two, and replays from its
// file; the same seed gives the same runs for any --jobs; coverage names
// the checks no run reached.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>

#include "fleet/actors/run.hpp"
#include "fleet/explore/explore.hpp"
#include "fleet/scenario/loader.hpp"

namespace fleet::explore {
namespace {

const std::string data = FLEET_EXPLORE_TEST_DATA;

/// Whether a cloud outage and a partition were in effect at the same time.
bool outage_meets_partition(const actors::run_result& r) {
  for (const actors::fault_outcome& a : r.faults) {
    if (a.kind != "cloud_outage") continue;
    for (const actors::fault_outcome& b : r.faults) {
      if (b.kind == "partition" && a.at < b.at + b.length && b.at < a.at + a.length) return true;
    }
  }
  return false;
}

/// A test-only expectation, a function of the run's record: no outage may
/// meet a partition. Nothing in the product is wrong; the coincidence is.
judge_fn coincidence_judge() {
  return [](const scenario::scenario&, const actors::run_result& r) {
    const bool met = outage_meets_partition(r);
    return std::vector<actors::expectation_result>{{"coincidence", !met, met ? "an outage met a partition" : ""}};
  };
}

options small(std::uint64_t runs, std::uint32_t jobs) {
  options o;
  o.runs = runs;
  o.jobs = jobs;
  o.seed = 11;
  o.judge = coincidence_judge();
  o.shrink_runs = 60;
  return o;
}

std::multiset<std::string> kinds(const std::vector<std::string>& kept) {
  std::multiset<std::string> out;
  for (const std::string& k : kept) out.insert(k.substr(0, k.find(' ')));
  return out;
}

TEST(explore, finds_a_two_fault_coincidence_and_shrinks_it_to_those_two) {
  const explore_result r = explore(data + "/coincidence.textproto", small(8, 2));
  ASSERT_TRUE(r.value) << (r.errors.empty() ? "" : scenario::to_string(r.errors.front()));
  const exploration& ex = *r.value;
  EXPECT_TRUE(ex.errors.empty());
  ASSERT_FALSE(ex.failures.empty()) << "no run of 8 met an outage with a partition";
  const failure& f = ex.failures.front();
  EXPECT_EQ(f.expectation, "coincidence");
  EXPECT_TRUE(f.full.replayed);
  EXPECT_GT(f.full.events, 2u) << "the drawn schedule had more than the two that matter";
  ASSERT_TRUE(f.minimal);
  EXPECT_EQ(f.minimal->events, 2u);
  EXPECT_EQ(kinds(f.minimal->kept), (std::multiset<std::string>{"cloud_outage", "partition"}));
  EXPECT_TRUE(f.minimal->replayed);
  EXPECT_LE(f.minimal->devices, 200u);
  // For bench/README.md's figure (time to find and shrink it): what the shrink spent.
  ::testing::Test::RecordProperty("failing_run", static_cast<int>(f.run));
  ::testing::Test::RecordProperty("shrink_runs", static_cast<int>(f.shrink_runs));
  ::testing::Test::RecordProperty("shrunk_devices", static_cast<int>(f.minimal->devices));

  // The written file, loaded as `fleetsim run` loads it, replays to the same trace.
  for (const reproducer* rep : {&f.full, &*f.minimal}) {
    SCOPED_TRACE(rep->file);
    const std::string path = ::testing::TempDir() + rep->file;
    std::ofstream(path) << rep->text;
    scenario::load_result loaded = scenario::load_file(path);
    ASSERT_TRUE(loaded.value) << scenario::to_string(loaded.errors.front());
    EXPECT_EQ(loaded.value->device_count(), rep->devices);
    actors::run_options one;
    const actors::run_result again = actors::run(*loaded.value, one);
    EXPECT_EQ(again.trace_hash, rep->trace_hash);
    EXPECT_TRUE(outage_meets_partition(again));
    std::remove(path.c_str());
  }
}

TEST(explore, the_same_seed_gives_the_same_runs_for_any_jobs) {
  const explore_result one = explore(data + "/coincidence.textproto", small(6, 1));
  const explore_result two = explore(data + "/coincidence.textproto", small(6, 2));
  ASSERT_TRUE(one.value && two.value);
  ASSERT_EQ(one.value->runs.size(), 6u);
  ASSERT_EQ(two.value->runs.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    SCOPED_TRACE("run " + std::to_string(i));
    const run_record& a = one.value->runs[i];
    const run_record& b = two.value->runs[i];
    EXPECT_EQ(a.seed, b.seed);
    EXPECT_EQ(a.result.trace_hash, b.result.trace_hash);
    EXPECT_EQ(a.result.first_failure(), b.result.first_failure());
    ASSERT_EQ(a.schedule.size(), b.schedule.size());
    for (std::size_t k = 0; k < a.schedule.size(); ++k) EXPECT_EQ(describe(a.schedule[k]), describe(b.schedule[k]));
  }
  ASSERT_EQ(one.value->failures.size(), two.value->failures.size());
  for (std::size_t k = 0; k < one.value->failures.size(); ++k) {
    const failure& a = one.value->failures[k];
    const failure& b = two.value->failures[k];
    EXPECT_EQ(a.full.text, b.full.text);
    ASSERT_EQ(a.minimal.has_value(), b.minimal.has_value());
    if (a.minimal) {
      EXPECT_EQ(a.minimal->text, b.minimal->text);
    }
  }
  // A control: another seed draws other runs.
  options other = small(6, 2);
  other.seed = 12;
  const explore_result three = explore(data + "/coincidence.textproto", other);
  ASSERT_TRUE(three.value);
  EXPECT_NE(three.value->runs[0].seed, one.value->runs[0].seed);
  EXPECT_NE(three.value->runs[0].result.trace_hash, one.value->runs[0].result.trace_hash);
}

TEST(explore, coverage_lists_a_check_no_run_reached_as_unreached) {
  options o;
  o.runs = 2;
  o.jobs = 2;
  const explore_result r = explore(data + "/unreached.textproto", o);
  ASSERT_TRUE(r.value) << (r.errors.empty() ? "" : scenario::to_string(r.errors.front()));
  const std::vector<std::string>& unreached = r.value->cover.unreached;
  // No deployment: nothing downloads a chunk, so the tampering is never tried.
  EXPECT_NE(std::find(unreached.begin(), unreached.end(), "tampered_image: chunk_digest_mismatch"), unreached.end());
  // The control: the rogue offers reach devices at every update check, and a signature check stops them.
  const auto rogue = std::find_if(r.value->cover.attacks.begin(), r.value->cover.attacks.end(),
                                  [](const attack_reach& a) { return a.kind == "rogue_image"; });
  ASSERT_NE(rogue, r.value->cover.attacks.end());
  EXPECT_GT(rogue->stopped, 0u);
  const bool some_signature_check = std::find(unreached.begin(), unreached.end(), "rogue_image: unknown_signing_key") ==
                                        unreached.end() ||
                                    std::find(unreached.begin(), unreached.end(), "rogue_image: bad_signature") ==
                                        unreached.end();
  EXPECT_TRUE(some_signature_check);
}

// The file's own faults are part of what it means: a shrink keeps them and
// reduces only what it drew.
TEST(explore, a_shrink_keeps_the_files_own_faults) {
  const std::string path = ::testing::TempDir() + "own.textproto";
  std::ifstream in(data + "/coincidence.textproto");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text.insert(text.find("expect {"), "fault { name: \"own\" at: \"7h30m\" duration: \"10m\" fraction: 0.1 offline {} }\n");
  std::ofstream(path) << text;
  const explore_result r = explore(path, small(8, 2));
  ASSERT_TRUE(r.value) << (r.errors.empty() ? "" : scenario::to_string(r.errors.front()));
  ASSERT_FALSE(r.value->failures.empty());
  const failure& f = r.value->failures.front();
  ASSERT_TRUE(f.minimal);
  EXPECT_EQ(f.minimal->events, 3u);
  EXPECT_EQ(f.minimal->kept.front(), "(the file's) offline at 7h30m for 10m, fraction 0.1");
  EXPECT_TRUE(f.minimal->replayed);
  std::remove(path.c_str());
}

TEST(explore, refuses_a_file_with_nothing_to_draw) {
  const std::string path = ::testing::TempDir() + "nothing.textproto";
  std::ifstream in(data + "/coincidence.textproto");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text = text.substr(0, text.find("explore {"));
  std::ofstream(path) << text;
  const explore_result r = explore(path, small(1, 1));
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("nothing to draw"), std::string::npos);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace fleet::explore
