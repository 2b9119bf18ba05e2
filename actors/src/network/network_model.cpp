#include "network/network_model.hpp"

#include <algorithm>
#include <cmath>

namespace fleet::actors {
namespace {

constexpr double z99 = 2.326347874;  // the standard normal's 99th percentile
constexpr double two_pi = 6.283185307179586;
// The window: a quarter of the median latency, within [1 ms, 20 ms]. Shorter
// windows cost more of them; latencies below it are raised to it.
constexpr duration lookahead_min{1'000};
constexpr duration lookahead_max{20'000};

}  // namespace

network_model::network_model(const input::network& net) {
  const double median = std::max<double>(1.0, static_cast<double>(net.latency_median.count()));
  const double p99 = std::max<double>(median, static_cast<double>(net.latency_p99.count()));
  mu_ = std::log(median);
  sigma_ = std::log(p99 / median) / z99;
  loss_ = net.loss;
  bytes_per_us_ = std::max(1e-9, static_cast<double>(net.download_bytes_per_second) / 1e6);
  lookahead_ = std::clamp(net.latency_median / 4, lookahead_min, lookahead_max);
}

std::optional<duration> network_model::delay(crypto::random_stream& link, std::size_t bytes, bool transfer,
                                             std::uint64_t link_bytes_per_second) const {
  if (loss_ > 0 && link.chance(loss_)) return std::nullopt;
  // Box-Muller from two uniform draws in (0, 1].
  const double u1 = 1.0 - link.unit();
  const double u2 = link.unit();
  const double normal = std::sqrt(-2.0 * std::log(u1)) * std::cos(two_pi * u2);
  double us = std::exp(mu_ + sigma_ * normal);
  double rate = transfer ? bytes_per_us_ : 0;  // bytes per microsecond; 0: the size costs no time
  if (link_bytes_per_second > 0) {
    const double link_rate = static_cast<double>(link_bytes_per_second) / 1e6;
    rate = transfer ? std::min(rate, link_rate) : link_rate;
  }
  if (rate > 0) us += static_cast<double>(bytes) / rate;
  const auto d = duration{static_cast<std::int64_t>(std::min(us, 3.6e9))};  // an hour at most
  return std::max(d, lookahead_);
}

}  // namespace fleet::actors
