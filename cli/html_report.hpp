#pragma once
// The HTML report of `fleetsim run --html` and `fleetsim explore --html`: one
// self-contained page (inline CSS and script, no URL to fetch, so it opens
// offline and can be mailed or kept as a CI artifact) that draws the JSON
// report as charts and tables.

#include <string>

#include <nlohmann/json.hpp>

namespace fleet::cli {

/// The page for `report`: report_json()'s object, or `fleetsim explore`'s
/// report (its "command" is "explore"), which the same script draws as the
/// exploration's summary. The report is embedded whole as JSON and drawn by
/// the page's own script, so the page shows exactly what the JSON says.
std::string html_report(const nlohmann::ordered_json& report);

/// `json_text` made safe inside an HTML <script> element: every "</" becomes
/// "<\/" (the same string to a JSON parser), so no data can close the element.
std::string script_safe(std::string json_text);

}  // namespace fleet::cli
