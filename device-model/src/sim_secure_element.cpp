#include "fleet/device/sim_secure_element.hpp"

#include "fleet/check.hpp"

namespace fleet::device {

crypto::signing_key_pair device_signing_key(std::uint64_t run_seed, std::uint64_t device_index) {
  crypto::random_stream key_stream(run_seed, device_index, "device-key");
  return crypto::signing_key_from_seed(key_stream.next_seed());
}

sim_secure_element::sim_secure_element(std::uint64_t run_seed, std::uint64_t device_index)
    : trng_(run_seed, device_index, "trng") {
  const crypto::signing_key_pair pair = device_signing_key(run_seed, device_index);
  secret_key_ = pair.secret_key_bytes;
  public_key_ = pair.public_key_bytes;
}

crypto::signature sim_secure_element::sign(std::string_view message) {
  return crypto::sign(message, secret_key_);
}

std::uint32_t sim_secure_element::read_counter(fw::component c) const {
  FLEET_CHECK(fw::index_of(c) < counters_.size(), "component out of range");
  return counters_[fw::index_of(c)];
}

void sim_secure_element::advance_counter(fw::component c, std::uint32_t value) {
  FLEET_CHECK(fw::index_of(c) < counters_.size(), "component out of range");
  std::uint32_t& counter = counters_[fw::index_of(c)];
  if (value > counter) counter = value;  // monotonic: a lower value changes nothing
}

void sim_secure_element::begin_measured_boot() { measurement_ = crypto::digest{}; }

void sim_secure_element::extend_measurement(const crypto::digest& stage) {
  crypto::sha256_stream h;
  h.update(crypto::as_view(measurement_));
  h.update(crypto::as_view(stage));
  measurement_ = h.finish();
}

void sim_secure_element::random(std::uint8_t* out, std::size_t size) { trng_.fill(out, size); }

std::string_view sim_secure_element::key_store() const {
  return key_store_ ? std::string_view(*key_store_) : std::string_view();
}

void sim_secure_element::store_key_store(std::string_view signed_store) {
  key_store_ = std::make_unique<std::string>(signed_store);
}

}  // namespace fleet::device
