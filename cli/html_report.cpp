#include "html_report.hpp"

#include "html_report_assets.hpp"  // generated from html_report.css and html_report.js

namespace fleet::cli {

std::string script_safe(std::string json_text) {
  // "<" only occurs inside JSON strings, where "\u003c" means the same
  // character. Escaping every one, not just "</", also defuses "<!--", which
  // would otherwise change how the HTML parser looks for the closing tag.
  static constexpr std::string_view escaped = "\\u003c";
  std::string out;
  out.reserve(json_text.size());
  for (const char c : json_text) {
    if (c == '<') {
      out += escaped;
    } else {
      out += c;
    }
  }
  return out;
}

std::string html_report(const nlohmann::ordered_json& report) {
  // Invalid UTF-8 in a name becomes U+FFFD rather than a throw: the page is
  // written after the run, and losing it for one bad byte would be worse.
  const std::string data = script_safe(report.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  std::string page;
  page.reserve(data.size() + html_assets::style.size() + html_assets::script.size() + 1024);
  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // Nothing may be fetched: the page is one file that must work offline, and
  // a report from an untrusted scenario must not call anywhere.
  page += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n";
  page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  // The page draws a run's report or, by its "command" field, an explore report.
  const auto command = report.is_object() ? report.find("command") : report.end();
  const bool explore = command != report.end() && *command == "explore";
  page += explore ? "<title>fleetsim explore report</title>\n<style>\n" : "<title>fleetsim run report</title>\n<style>\n";
  page += html_assets::style;
  page += "</style>\n</head>\n<body>\n<main id=\"report\">\n";
  page += "<noscript><p>This report is drawn by the script inside this file: allow JavaScript to see it. "
          "The data is in the page source, as the JSON report.</p></noscript>\n</main>\n";
  page += "<script type=\"application/json\" id=\"report-data\">";
  page += data;
  page += "</script>\n<script>\n";
  page += html_assets::script;
  page += "</script>\n</body>\n</html>\n";
  return page;
}

}  // namespace fleet::cli
