#include "network/fault_spells.hpp"

#include <algorithm>
#include <cmath>

#include "network/seed_hash.hpp"

namespace fleet::actors {
namespace {

constexpr double day_us = 86'400e6;
/// Spells expected per block: a question walks about this many draws.
constexpr double spells_per_block = 8;

/// The i-th uniform draw in [0, 1) of a block seeded `seed`.
double draw(std::uint64_t seed, std::uint64_t i) {
  return static_cast<double>(mix(seed + i * 0x9e3779b97f4a7c15ull) >> 11) * 0x1.0p-53;
}

}  // namespace

fault_spells::fault_spells(const input::fault& f, std::uint64_t run_seed, std::uint64_t salt)
    : window_start_(f.at), window_end_(f.at + f.length), spell_(std::max(f.spell, duration{1})) {
  const double stretch_us = 2.0 * static_cast<double>(spell_.count());
  stretches_ = static_cast<std::uint64_t>(std::ceil(static_cast<double>(f.length.count()) / stretch_us));
  chance_ = std::min(1.0, f.rate_per_day.value_or(0) * stretch_us / day_us);
  log_miss_ = chance_ < 1 ? std::log1p(-chance_) : 0;
  block_stretches_ = chance_ > 0 ? static_cast<std::uint64_t>(std::ceil(spells_per_block / chance_)) : 1;
  base_ = mix(mix(run_seed) ^ mix(salt));
}

std::uint64_t fault_spells::stretch_of(duration t) const {
  return static_cast<std::uint64_t>((t - window_start_).count() / (2 * spell_.count()));
}

template <typename Visit>
void fault_spells::walk_block(std::uint64_t entity, std::uint64_t block, std::uint64_t last, Visit&& visit) const {
  if (chance_ <= 0) return;
  const std::uint64_t seed = mix(mix(base_ ^ entity) ^ block);
  const std::uint64_t first = block * block_stretches_;
  const std::uint64_t end = std::min({first + block_stretches_, stretches_, last + 1});
  std::uint64_t i = 0;
  for (std::uint64_t k = first;; ++k) {
    // Stretches without a spell before the next one: geometric, from one draw.
    if (chance_ < 1) {
      const double skip = std::floor(std::log1p(-draw(seed, i++)) / log_miss_);
      k += static_cast<std::uint64_t>(std::min(skip, static_cast<double>(block_stretches_)));
    }
    if (k >= end) return;
    const duration offset{static_cast<std::int64_t>(draw(seed, i++) * static_cast<double>(spell_.count()))};
    visit(spell_at{k, window_start_ + 2 * spell_ * static_cast<std::int64_t>(k) + offset});
  }
}

std::optional<fault_spells::duration> fault_spells::covering(std::uint64_t entity, duration t) const {
  if (t < window_start_ || t >= window_end_) return std::nullopt;
  const std::uint64_t k = stretch_of(t);
  std::optional<duration> found;
  walk_block(entity, k / block_stretches_, k, [&](const spell_at& s) {
    if (s.stretch == k && s.start <= t && t < s.start + length_from(s.start)) found = s.start;
  });
  return found;
}

std::vector<fault_spells::duration> fault_spells::starts(std::uint64_t entity, duration until) const {
  std::vector<duration> out;
  const duration end = std::min(until, window_end_);
  if (end <= window_start_) return out;
  const std::uint64_t last = stretch_of(end - duration{1});
  for (std::uint64_t b = 0; b <= last / block_stretches_; ++b) {
    walk_block(entity, b, last, [&](const spell_at& s) {
      if (s.start < end) out.push_back(s.start);
    });
  }
  return out;
}

fault_spells::duration fault_spells::length_from(duration start) const {
  return std::min(spell_, window_end_ - start);
}

}  // namespace fleet::actors
