#pragma once
// Simulated Pluton-like secure element. The device key pair is derived from
// the device's "device-key" stream; the secret half never leaves this object
// (there is no accessor). Signing and measurement hashing go through the
// counted fleet::crypto primitives: they are firmware crypto.

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "fleet/crypto/crypto.hpp"
#include "fleet/crypto/random_stream.hpp"
#include "fleet/fw/hal.hpp"

namespace fleet::device {

/// The key pair made at manufacture for device `device_index` of a run.
/// The secure element holds it; an attack that extracts a device's key
/// (a cloned identity) gets it from here too.
crypto::signing_key_pair device_signing_key(std::uint64_t run_seed, std::uint64_t device_index);

class sim_secure_element final : public fw::secure_element_hal {
 public:
  sim_secure_element(std::uint64_t run_seed, std::uint64_t device_index);

  const crypto::public_key& device_public_key() const override { return public_key_; }
  crypto::signature sign(std::string_view message) override;
  std::uint32_t read_counter(fw::component c) const override;
  void advance_counter(fw::component c, std::uint32_t value) override;
  void begin_measured_boot() override;
  /// register = SHA-256(register || stage).
  void extend_measurement(const crypto::digest& stage) override;
  const crypto::digest& measurement() const override { return measurement_; }
  /// Bytes from the device's "trng" stream.
  void random(std::uint8_t* out, std::size_t size) override;
  std::string_view key_store() const override;
  void store_key_store(std::string_view signed_store) override;

 private:
  crypto::secret_key secret_key_{};
  crypto::public_key public_key_{};
  crypto::digest measurement_{};
  std::array<std::uint32_t, fw::component_count> counters_{};
  crypto::random_stream trng_;
  /// Null until a store is taken: most runs never rotate a key, and a
  /// million devices would each carry an empty string.
  std::unique_ptr<std::string> key_store_;
};

}  // namespace fleet::device
