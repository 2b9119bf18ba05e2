#pragma once
// `fleetsim run --junit FILE`: the run's expectations as JUnit XML, the
// format CI systems (Jenkins, GitLab, GitHub's test reporters) read, one
// test case per expectation as Gatling writes one per assertion.

#include <string>

#include "fleet/actors/run.hpp"
#include "report_json.hpp"

namespace fleet::cli {

/// One <testsuite> named after the scenario with one <testcase> per
/// expectation, in the scenario's order: a failed one holds a <failure>
/// whose message is what the run showed; on an interrupted run every one is
/// <skipped> (not judged). The seed, the replay command and the trace hash
/// are <properties>, the replay command also in <system-out>.
std::string junit_report(const actors::run_result& result, const run_context& context);

/// `text` as XML character data or an attribute value: &, <, >, " and '
/// escaped, and the control characters XML 1.0 does not allow (all below
/// 0x20 but tab, newline and carriage return) written as U+FFFD.
std::string xml_escaped(const std::string& text);

}  // namespace fleet::cli
