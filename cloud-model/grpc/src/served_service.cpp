#include "fleet/cloud_server/served_service.hpp"

#include <algorithm>
#include <utility>

#include "fleet/cloud_server/command_executor.hpp"

namespace fleet::cloud_server {
namespace {

constexpr std::uint64_t replay_progress_every = 10'000;

}  // namespace

served_service::served_service(served_settings settings) : settings_(std::move(settings)) {
  header_.seed = settings_.seed;
  header_.wall_clock_at_zero_us = settings_.utc_now_us();
  if (settings_.state_path) {
    journal_ = std::make_unique<journal>(*settings_.state_path, settings_.state_bytes_max);
    if (const auto h = journal_->header()) {
      header_ = *h;
    } else {
      journal_->write_header(header_);
    }
  }
  root_ = cloud::service_root_of(header_.seed);
  cloud::service_settings s;
  s.seed = header_.seed;
  s.wall_clock_at_zero = cloud::duration{header_.wall_clock_at_zero_us};
  service_ = std::make_unique<cloud::security_service>(root_, s);
  if (!journal_) return;

  const std::uint64_t total = journal_->commands();
  journal_->replay([&](const state::Command& command, std::uint64_t position) {
    state::Outcome ignored;
    (void)execute(*service_, command, ignored);
    last_now_ = std::max(last_now_, cloud::sim_time{command.now_us()});
    if (settings_.replay_progress && (position % replay_progress_every == 0 || position == total)) {
      settings_.replay_progress(position, total);
    }
  });
  replayed_ = total;
}

served_service::~served_service() = default;

cloud::sim_time served_service::now() {
  const cloud::sim_time wall{settings_.utc_now_us() - header_.wall_clock_at_zero_us};
  last_now_ = std::max(last_now_, wall);
  return last_now_;
}

grpc::Status served_service::submit(state::Command command, state::Outcome& outcome) {
  std::lock_guard<std::mutex> lock(mutex_);
  command.set_now_us(now().count());
  if (journal_) {
    try {
      journal_->append(command);
    } catch (const journal_full& e) {
      return {grpc::StatusCode::RESOURCE_EXHAUSTED, std::string("nothing changed: ") + e.what()};
    } catch (const journal_error& e) {
      return {grpc::StatusCode::UNAVAILABLE, std::string("state not written, nothing changed: ") + e.what()};
    }
  }
  return execute(*service_, command, outcome);
}

cloud::duration served_service::tick() {
  bool due = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    due = service_->next_deadline() <= now();
  }
  if (due) {
    // Journaled like any change: the timers' effects must replay too.
    state::Command command;
    command.mutable_tick();
    state::Outcome ignored;
    (void)submit(std::move(command), ignored);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  return service_->next_deadline() - last_now_;  // `never` stays far away
}

}  // namespace fleet::cloud_server
