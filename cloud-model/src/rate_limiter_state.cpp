// The rate limiter in a snapshot: every device bucket, the source buckets
// (sorted by source so the same state saves to the same bytes; their order
// in the map changes no answer, rate_limiter.cpp), both global pools, counters.
#include <algorithm>

#include "fleet/cloud/rate_limiter.hpp"
#include "state_codec.hpp"

namespace fleet::cloud {

void token_bucket::save(state::TokenBucketState& out) const {
  out.set_tokens(tokens_);
  out.set_last(codec::us(last_));
}

restore_status token_bucket::restore(const state::TokenBucketState& in) {
  if (in.tokens() > burst_) return refused("a bucket holds more than its burst");
  tokens_ = in.tokens();
  last_ = codec::time(in.last());
  return restored();
}

void rate_limiter::save(state::RateLimiterState& out) const {
  out.mutable_device_tokens()->Reserve(static_cast<int>(devices_.size()));
  out.mutable_device_last()->Reserve(static_cast<int>(devices_.size()));
  for (const device_bucket& b : devices_) {
    out.add_device_tokens(b.tokens);
    out.add_device_last(codec::us(b.last));
  }
  std::vector<source_id> sources;
  sources.reserve(sources_.size());
  for (const auto& entry : sources_) sources.push_back(entry.first);
  std::sort(sources.begin(), sources.end());
  for (const source_id s : sources) {
    state::SourceBucket* b = out.add_sources();
    b->set_source(s);
    sources_.at(s).save(*b->mutable_bucket());
  }
  attestation_pool_.save(*out.mutable_attestation_pool());
  other_pool_.save(*out.mutable_other_pool());
  codec::put_counts(out.mutable_admitted(), counters_.admitted);
  for (const auto& by_reason : counters_.refused) codec::put_counts(out.mutable_refused(), by_reason);
}

restore_status rate_limiter::restore(const state::RateLimiterState& in) {
  if (in.device_tokens_size() != in.device_last_size()) return refused("device buckets: tokens and times differ in count");
  if (static_cast<std::uint64_t>(in.device_tokens_size()) > limits_.devices_max) {
    return refused("more device buckets than devices_max");
  }
  devices_.resize(static_cast<std::size_t>(in.device_tokens_size()));
  for (std::size_t d = 0; d < devices_.size(); ++d) {
    const std::uint32_t tokens = in.device_tokens(static_cast<int>(d));
    if (tokens > device_burst_milli_) return refused("a device bucket holds more than its burst");
    devices_[d].tokens = tokens;
    devices_[d].last = codec::time(in.device_last(static_cast<int>(d)));
    if (devices_[d].last.count() < -1) return refused("a device bucket's time is before zero");
  }
  if (static_cast<std::size_t>(in.sources_size()) > limits_.sources_max) return refused("more sources than sources_max");
  for (const auto& s : in.sources()) {
    token_bucket bucket(limits_.per_source);
    if (auto r = bucket.restore(s.bucket()); !r.ok()) return r;
    if (!sources_.emplace(s.source(), bucket).second) return refused("a source saved twice");
  }
  if (auto r = codec::within("attestation pool", attestation_pool_.restore(in.attestation_pool())); !r.ok()) return r;
  if (auto r = codec::within("other pool", other_pool_.restore(in.other_pool())); !r.ok()) return r;
  if (!codec::take_counts(in.admitted(), counters_.admitted)) return refused("admitted counters of another size");
  if (static_cast<std::size_t>(in.refused_size()) != counters_.refused.size() * rate_refusal_count) {
    return refused("refusal counters of another size");
  }
  int at = 0;
  for (auto& by_reason : counters_.refused) {
    for (auto& c : by_reason) c = in.refused(at++);
  }
  return restored();
}

}  // namespace fleet::cloud
