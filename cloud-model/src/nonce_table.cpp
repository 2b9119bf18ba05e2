#include "fleet/cloud/nonce_table.hpp"

#include <cstring>

#include "fleet/check.hpp"

namespace fleet::cloud {

const char* name_of(nonce_refusal r) {
  switch (r) {
    case nonce_refusal::none: return "none";
    case nonce_refusal::outstanding_max: return "outstanding_max";
    case nonce_refusal::tracked_max: return "tracked_max";
  }
  return "?";
}

const char* name_of(nonce_status s) {
  switch (s) {
    case nonce_status::valid: return "valid";
    case nonce_status::unknown: return "unknown";
    case nonce_status::wrong_device: return "wrong_device";
    case nonce_status::reused: return "reused";
    case nonce_status::expired: return "expired";
    case nonce_status::superseded: return "superseded";
  }
  return "?";
}

std::size_t nonce_table::nonce_hash::operator()(const nonce& n) const {
  std::size_t h = 0;
  std::memcpy(&h, n.data(), sizeof h);
  return h;
}

nonce_table::nonce_table(const nonce_limits& limits) : limits_(limits) {
  FLEET_CHECK(limits_.lifetime.count() > 0, "nonce lifetime must be positive");
  FLEET_CHECK(limits_.retained_for.count() >= 0, "nonce retention must not be negative");
  FLEET_CHECK(limits_.per_device_max > 0 && limits_.outstanding_max > 0 &&
                        limits_.tracked_max >= limits_.outstanding_max,
                    "nonce limits inconsistent");
}

void nonce_table::release(entry& e, state to) {
  FLEET_CHECK(e.st == state::outstanding, "nonce released twice");
  FLEET_CHECK(outstanding_ > 0, "outstanding count underflow");
  --outstanding_;
  e.st = to;
}

bool nonce_table::drop_front_if_done() {
  if (fifo_.empty()) return false;
  auto it = entries_.find(fifo_.front().value);
  FLEET_CHECK(it != entries_.end(), "nonce FIFO and map disagree");
  if (it->second.st == state::outstanding) return false;
  entries_.erase(it);
  fifo_.pop_front();
  if (released_ > 0) --released_;
  return true;
}

void nonce_table::expire(sim_time now) {
  // Past its lifetime a nonce stops counting as outstanding ...
  while (released_ < fifo_.size() && now >= fifo_[released_].issued_at + limits_.lifetime) {
    entry& e = entries_.at(fifo_[released_].value);
    if (e.st == state::outstanding) release(e, state::expired);
    ++released_;
  }
  // ... and is forgotten once it has been kept long enough to name late uses.
  const duration kept = limits_.lifetime + limits_.retained_for;
  while (!fifo_.empty() && now >= fifo_.front().issued_at + kept) drop_front_if_done();
}

sim_time nonce_table::next_deadline() const {
  if (released_ < fifo_.size()) return fifo_[released_].issued_at + limits_.lifetime;
  return never;
}

issued_nonce nonce_table::issue(sim_time now, device_index device, crypto::random_stream& random, bool from_home) {
  FLEET_CHECK(device < limits_.devices_max, "device index past devices_max");
  FLEET_CHECK(fifo_.empty() || now >= fifo_.back().issued_at, "time went backwards");
  expire(now);
  if (outstanding_ >= limits_.outstanding_max) return {nonce_refusal::outstanding_max, {}};
  // Room goes to waiting devices first: done entries were kept only for naming.
  if (fifo_.size() >= limits_.tracked_max && !drop_front_if_done()) {
    return {nonce_refusal::tracked_max, {}};
  }
  if (issued_to_.size() <= device) issued_to_.resize(std::size_t{device} + 1, {0, 0});
  const std::uint8_t serial = issued_to_[device][from_home ? 1 : 0]++;
  issued_nonce out;
  // 256 random bits collide with nothing in practice; the loop makes it certain.
  for (int draws = 0;; ++draws) {
    FLEET_CHECK(draws < 8, "random stream keeps repeating nonces");
    random.fill(out.value.data(), out.value.size());
    if (entries_.emplace(out.value, entry{now, device, state::outstanding, serial, from_home}).second) break;
  }
  fifo_.push_back({now, out.value});
  ++outstanding_;
  return out;
}

bool nonce_table::superseded(const entry& e) const {
  // Unsigned arithmetic: how many were issued to the device after this one.
  const auto newer = static_cast<std::uint8_t>(issued_to_[e.device][e.from_home ? 1 : 0] - 1 - e.serial);
  return newer >= limits_.per_device_max;
}

nonce_status nonce_table::check(sim_time now, device_index device, const nonce& value) {
  expire(now);
  auto it = entries_.find(value);
  if (it == entries_.end()) return nonce_status::unknown;
  const entry& e = it->second;
  if (e.device != device) return nonce_status::wrong_device;
  switch (e.st) {
    case state::used: return nonce_status::reused;
    case state::expired: return nonce_status::expired;
    case state::outstanding: break;
  }
  if (superseded(e)) return nonce_status::superseded;
  return nonce_status::valid;
}

void nonce_table::consume(sim_time now, device_index device, const nonce& value) {
  FLEET_CHECK(check(now, device, value) == nonce_status::valid, "consuming a nonce that is not valid");
  entry& e = entries_.at(value);
  release(e, state::used);
}

}  // namespace fleet::cloud
