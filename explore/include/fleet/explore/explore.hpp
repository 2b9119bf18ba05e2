#pragma once
// `fleetsim explore`: a scenario run under many derived seeds, each run
// with a random schedule of faults and attacks drawn on top of the file's
// own (its `explore` section), every run judged; each failure kept as a
// standalone scenario that replays it, then shrunk by delta debugging
// (docs/explore.md). Sits above the scenarios, the checkers and the engine,
// below the command line. Reads the scenario file and nothing else: what
// to write where is the caller's.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fleet/actors/run.hpp"
#include "fleet/scenario/diagnostic.hpp"
#include "fleet/scenario/scenario.hpp"
#include "scenario.pb.h"

namespace fleet::explore {

/// Runs one exploration makes at most (`--runs`).
inline constexpr std::uint64_t runs_max = 1'000'000;
/// Runs at a time (`--jobs`).
inline constexpr std::uint32_t jobs_max = 64;
/// Runs one shrink may spend, by default and at most (`--shrink-runs`).
inline constexpr std::uint32_t shrink_runs_default = 200;
inline constexpr std::uint32_t shrink_runs_max = 10'000;
/// Failures shrunk: the first run failing each expectation, at most this many.
inline constexpr std::size_t shrinks_max = 8;

/// One fault or attack of a run's schedule, as a scenario file writes it.
struct event {
  bool is_attack = false;
  scenario::Fault fault;    ///< when !is_attack
  scenario::Attack attack;  ///< when is_attack
  bool drawn = true;        ///< false: one of the file's own
};

/// The schema name of the event's kind: "power_loss", "tampered_image".
std::string kind_of(const event& e);
/// One line: "power_loss at 2h13m (fraction 0.05, write 3)".
std::string describe(const event& e);

/// The seed of run `index` of an exploration seeded `seed`: a splitmix
/// step, so neighbouring runs share nothing. It is both the scenario's run
/// seed and the seed of the run's schedule.
std::uint64_t run_seed(std::uint64_t seed, std::uint64_t index);

/// The schedule of a run seeded `seed`: between plan.events_min and
/// events_max faults and attacks of the plan's kinds, each at a point of
/// [from, to), its intensity drawn from the plan's ranges. `file` is the
/// file's message: an attack kind that names an image, and every kind the
/// file has, starts from the file's own first entry of that kind.
std::vector<event> draw_schedule(const scenario::Scenario& file, const scenario::explore_plan& plan,
                                 std::uint64_t seed);

/// The standalone scenario of a run: `base` (the file's message without its
/// faults, attacks and explore section) with `events` in order, `seed` set,
/// and the fleet size set when given; `comment` heads it, each line "# ".
std::string scenario_text(const scenario::Scenario& base, const std::vector<event>& events, std::uint64_t seed,
                          std::optional<std::uint64_t> devices, const std::string& comment);

/// Drawn faults and attacks are named "drawn-K-KIND".
inline constexpr const char* drawn_prefix = "drawn-";

/// The verdicts on one run; by default the scenario's own expectations
/// (checkers::check_expectations), a drawn attack that nothing judged
/// (neither stopped nor through: it reached no one) left out. A test may
/// pass its own.
using judge_fn = std::function<std::vector<actors::expectation_result>(const scenario::scenario&,
                                                                      const actors::run_result&)>;
judge_fn expectations_judge();

/// One scenario text loaded, run on one engine thread, and judged.
struct trial {
  std::string load_error;  ///< set when the text did not load (nothing ran)
  std::string trace_hash;
  std::vector<actors::expectation_result> verdicts;
  std::vector<actors::attack_outcome> attacks;
  std::vector<actors::fault_outcome> faults;
  std::uint64_t devices = 0;
  bool failed(const std::string& expectation) const;
  /// The first expectation that failed; empty when none did.
  std::string first_failure() const;
};
trial run_text(const std::string& text, const std::string& file_name, const judge_fn& judge);

/// One run of an exploration.
struct run_record {
  std::uint64_t index = 0;
  std::uint64_t seed = 0;
  std::vector<event> schedule;  ///< the drawn events only
  trial result;
};

/// A scenario written out to replay a failure.
struct reproducer {
  std::string file;         ///< a name for it: "run-3-seed-123.textproto", "run-3-min.textproto"
  std::string text;
  std::string trace_hash;   ///< of the run it replays
  bool replayed = false;    ///< loaded again from `text` and run: the same trace_hash, the expectation failing
  std::size_t events = 0;   ///< faults and attacks in it, the file's own included
  std::uint64_t devices = 0;
  std::vector<std::string> kept;  ///< describe() of each event in it
};

/// A failing run, kept and shrunk.
struct failure {
  std::uint64_t run = 0;   ///< index
  std::uint64_t seed = 0;
  std::string expectation;  ///< the first that failed: shrinking keeps it failing
  reproducer full;
  std::optional<reproducer> minimal;  ///< when shrunk
  std::uint32_t shrink_runs = 0;      ///< runs the shrink took
};

/// Which check stopped how many attempts of an attack kind.
struct check_reach {
  std::string check;        ///< a stopped_by name: "chunk_digest_mismatch"
  std::uint64_t stopped = 0;
  std::uint64_t runs = 0;   ///< runs in which it stopped something
  bool catalogued = true;   ///< false: seen, but not in the catalogue of the kind's defences
};
struct attack_reach {
  std::string kind;
  std::uint64_t runs = 0;  ///< runs with an attack of the kind
  std::uint64_t tried = 0, stopped = 0, got_through = 0;
  std::vector<check_reach> checks;  ///< the catalogue's in its order, then others seen, by name
};
/// What faults of a kind did over the runs.
struct fault_reach {
  std::string kind;
  std::uint64_t runs = 0;
  std::uint64_t devices_hit = 0;
  std::uint64_t armed = 0, writes_torn = 0;  ///< power loss during a flash write
  /// Drawn power losses during a flash write, by the write aimed at (1: the first): torn writes.
  std::map<std::uint32_t, std::uint64_t> torn_by_write;
  /// Power losses during a flash write, by the kind of write torn: "erase",
  /// "header", "chunk", "metadata" (every kind listed, 0 when never torn).
  std::map<std::string, std::uint64_t> torn_by_write_kind;
  /// The states of the devices it met (fault_outcome::device_states: a
  /// device fault when it acted, a link fault or an outage a request each),
  /// summed over the runs.
  std::map<std::string, std::uint64_t> device_states;
  /// The same devices by the update step they were at ("none",
  /// "downloading", "staged", "trial": fault_outcome::update_steps), summed.
  std::map<std::string, std::uint64_t> update_steps;
};
struct coverage {
  std::vector<attack_reach> attacks;  ///< every kind the exploration could draw or the file has, by name
  std::vector<fault_reach> faults;
  /// "kind: check" for each check of the catalogue that stopped nothing,
  /// "power_loss: KIND write" for each kind of flash write no power loss
  /// tore, "KIND in STATE" for each device, link or cloud fault kind that
  /// never met a device running, attested or in a trial boot, and "KIND at
  /// STEP" for each that never met a device downloading, staged or on trial
  /// in an update.
  std::vector<std::string> unreached;
};

/// The checks that can stop an attack of `kind` (stopped_by names), from
/// docs/scenarios.md's attack tables; empty for a kind counted without a
/// check (a flood's requests refused for their rate).
const std::vector<std::string>& defences_of(const std::string& kind);

/// Coverage over `runs`; `kinds` are the attack kinds and fault kinds that
/// could occur (a kind never met still lists its checks as unreached).
coverage coverage_of(const std::vector<run_record>& runs, const std::vector<std::string>& attack_kinds,
                     const std::vector<std::string>& fault_kinds);

struct progress {
  std::uint64_t done = 0;
  std::uint64_t failed = 0;
  std::uint64_t planned = 0;  ///< options::runs: the most there will be
  bool shrinking = false;
};

struct options {
  std::uint64_t runs = 100;
  std::optional<std::uint64_t> devices;  ///< rescale, as `fleetsim run --devices`
  std::uint32_t jobs = 1;
  std::uint64_t seed = 1;
  bool shrink = true;
  std::uint32_t shrink_runs = shrink_runs_default;
  judge_fn judge;  ///< none: expectations_judge()
  /// Asked before each run starts; false: no further run (a time budget, Ctrl-C).
  std::function<bool()> keep_going;
  /// Called from worker threads, one at a time, after each run.
  std::function<void(const progress&)> on_progress;
};

struct exploration {
  std::string scenario;  ///< the file's name field
  std::uint64_t seed = 0;
  std::uint64_t devices = 0;
  std::vector<run_record> runs;  ///< by index, whatever the jobs
  std::vector<failure> failures;  ///< by run index
  coverage cover;
  std::vector<std::string> errors;  ///< runs whose drawn scenario did not load: a defect of the drawing
};

struct explore_result {
  std::optional<exploration> value;
  std::vector<scenario::diagnostic> errors;  ///< the file, the flags: nothing ran
};

/// Explores the scenario file at `path`. Deterministic: the same file and
/// options give the same runs, failures and shrunk reproducers for any
/// `jobs` (and with `keep_going`, the same prefix of runs).
explore_result explore(const std::string& path, const options& o);

}  // namespace fleet::explore
