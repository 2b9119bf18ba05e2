#pragma once
// What `fleetsim run` prints at the end: the one-screen summary and the
// one-line verdict with its exit code.

#include <string>

#include "fleet/actors/run.hpp"
#include "report_json.hpp"

namespace fleet::cli {

/// The run on one screen (under 20 lines of at most about 100 columns), one
/// line per subject: time and cost, events, attestation, updates,
/// devices and boots, network, security, crypto, each deployment, the fleet at the end,
/// the trace hash. Ends with a newline.
std::string summary(const actors::run_result& result, const run_context& context);

/// "PASS", "FAIL", or "NOT JUDGED" when the run stopped before the end (`judged` false).
const char* expectation_label(const actors::expectation_result& e, bool judged);

/// One line per failed expectation, "fleetsim run: FAIL NAME: DETAIL\n", for
/// --quiet (which prints no summary); empty when the run was interrupted.
std::string failure_lines(const actors::run_result& result);

/// Where the report went: `path` empty when none was asked for; `error` set
/// when it could not be written.
struct report_outcome {
  std::string path;
  std::string error;
};

/// One line, no newline: complete (with how the expectations went, and the
/// command that replays a failed run) or where it was interrupted, and the report.
std::string verdict(const actors::run_result& result, const run_context& context, const report_outcome& report);

/// exit_run_failed when the run did not complete or its report (if asked
/// for) could not be written (an interrupted run was not judged over its
/// whole length: no verdict to give); otherwise exit_expectation_failed
/// when an expectation failed, exit_ok when all held.
int exit_code(const actors::run_result& result, const report_outcome& report);

}  // namespace fleet::cli
