#include "live_status.hpp"

#include "fleet/scenario/units.hpp"
#include "text_format.hpp"

namespace fleet::cli {
namespace {

using scenario::format_count;

double share_of_run(const actors::live_snapshot& s) {
  return s.end.count() > 0 ? static_cast<double>(s.reached.count()) / static_cast<double>(s.end.count()) : 1.0;
}

/// "ETA 41 s" from the pace so far; nothing to say before 1 % or at the end.
std::string eta_text(const actors::live_snapshot& s, double wall_seconds) {
  const double share = share_of_run(s);
  if (s.complete || share >= 1) return "done";
  if (share < 0.01) return "ETA -";
  return "ETA " + seconds_text(wall_seconds * (1 - share) / share);
}

std::string time_text(const actors::live_snapshot& s, double wall_seconds) {
  return sim_time_text(s.reached) + " of " + scenario::format_duration(s.end) + " simulated (" +
         formatted("%.1f", 100 * share_of_run(s)) + " %), " + seconds_text(wall_seconds) + " wall, " +
         eta_text(s, wall_seconds);
}

/// "9,812 attested, 120 running, 18 off" (states with no device left out).
std::string states_text(const actors::live_snapshot& s) {
  std::string text;
  for (std::size_t st = 0; st < actors::device_state_names.size(); ++st) {
    std::uint64_t n = 0;
    for (const auto& group : s.states_by_group) n += group[st];
    if (n == 0) continue;
    text += (text.empty() ? "" : ", ") + format_count(n) + " " + actors::device_state_names[st];
  }
  return text.empty() ? "none" : text;
}

/// "v1.1 wave 2 running (4,512 succeeded, 12 failed)"
std::string deployment_text(const actors::deployment_snapshot& d) {
  std::string text = d.name + " ";
  text += d.wave == 0 ? std::string("not started") : "wave " + std::to_string(d.wave) + " " + d.state;
  return text + " (" + format_count(d.succeeded) + " succeeded, " + format_count(d.failed) + " failed)";
}

}  // namespace

std::vector<std::string> status_lines(const actors::live_snapshot& s, double wall_seconds, double events_per_second) {
  std::vector<std::string> lines;
  lines.push_back("fleetsim run: " + time_text(s, wall_seconds));
  lines.push_back("  devices   " + states_text(s));
  for (const actors::deployment_snapshot& d : s.deployments) lines.push_back("  rollout   " + deployment_text(d));
  lines.push_back("  engine    " + format_count(static_cast<std::uint64_t>(events_per_second)) + " events/s, " +
                  format_count(s.events) + " events");
  return lines;
}

std::string status_line(const actors::live_snapshot& s, double wall_seconds, double events_per_second) {
  std::string line = "fleetsim run: " + time_text(s, wall_seconds) + "; " + states_text(s);
  for (const actors::deployment_snapshot& d : s.deployments) line += "; " + deployment_text(d);
  return line + "; " + format_count(static_cast<std::uint64_t>(events_per_second)) + " events/s";
}

live_status::live_status(std::FILE* out, bool terminal, std::chrono::seconds plain_every)
    : out_(out),
      terminal_(terminal),
      plain_every_(plain_every),
      start_(std::chrono::steady_clock::now()),
      last_shown_(start_),
      last_rate_at_(start_) {}

void live_status::show(const actors::live_snapshot& s) {
  const auto now = std::chrono::steady_clock::now();
  const double since_rate = std::chrono::duration<double>(now - last_rate_at_).count();
  if (since_rate > 0 && s.events >= last_events_) {
    events_per_second_ = static_cast<double>(s.events - last_events_) / since_rate;
  }
  last_rate_at_ = now;
  last_events_ = s.events;
  const double wall = std::chrono::duration<double>(now - start_).count();
  if (!terminal_) {
    if (now - last_shown_ < plain_every_ && !s.complete) return;
    last_shown_ = now;
    std::fprintf(out_, "%s\n", status_line(s, wall, events_per_second_).c_str());
    std::fflush(out_);
    return;
  }
  clear();
  const std::vector<std::string> lines = status_lines(s, wall, events_per_second_);
  for (const std::string& line : lines) std::fprintf(out_, "%s\n", line.c_str());
  lines_on_screen_ = lines.size();
  std::fflush(out_);
}

void live_status::clear() {
  if (!terminal_ || lines_on_screen_ == 0) return;
  // Up to the block's first line, then erase to the end of the screen.
  std::fprintf(out_, "\x1b[%zuA\x1b[J", lines_on_screen_);
  lines_on_screen_ = 0;
  std::fflush(out_);
}

}  // namespace fleet::cli
