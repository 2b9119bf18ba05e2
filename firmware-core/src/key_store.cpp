#include "key_store.hpp"

#include <algorithm>

#include "fleet/wire/limits.hpp"

namespace fleet::fw {
namespace {

bool parse_store(const std::string& bytes, key_store& out) {
  if (bytes.size() > wire::envelope_bytes_max) return false;
  wire::KeyStore store;
  if (!store.ParseFromString(bytes)) return false;
  if (store.keys_size() > static_cast<int>(wire::key_store_keys_max) ||
      store.revoked_key_ids_size() > static_cast<int>(wire::key_store_keys_max)) {
    return false;
  }
  key_store parsed;
  parsed.version = store.version();
  for (const wire::TrustedImageKey& k : store.keys()) {
    trusted_signing_key key;
    key.id = k.id();
    if (!crypto::to_array(k.public_key(), key.key)) return false;
    parsed.keys.push_back(key);
  }
  parsed.revoked.assign(store.revoked_key_ids().begin(), store.revoked_key_ids().end());
  out = std::move(parsed);
  return true;
}

}  // namespace

bool key_store::revokes(std::uint32_t id) const {
  return std::find(revoked.begin(), revoked.end(), id) != revoked.end();
}

const crypto::public_key* key_store::find(std::uint32_t id) const {
  for (const auto& k : keys) {
    if (k.id == id) return &k.key;
  }
  return nullptr;
}

std::optional<key_store> read_key_store(std::string_view signed_store_bytes) {
  if (signed_store_bytes.empty()) return std::nullopt;
  wire::SignedKeyStore signed_store;
  if (!signed_store.ParseFromArray(signed_store_bytes.data(), static_cast<int>(signed_store_bytes.size()))) {
    return std::nullopt;
  }
  key_store out;
  if (!parse_store(signed_store.key_store(), out)) return std::nullopt;
  return out;
}

reject_reason verify_key_store(const wire::SignedKeyStore& signed_store, const crypto::public_key& service_root,
                               key_store& out) {
  if (signed_store.key_store().size() > wire::envelope_bytes_max) return reject_reason::oversized;
  // Signature first: nothing an unverified store says is trusted.
  if (!crypto::verify(signed_store.key_store(), signed_store.signature(), service_root)) {
    return reject_reason::bad_signature;
  }
  if (!parse_store(signed_store.key_store(), out)) return reject_reason::malformed;
  return reject_reason::none;
}

}  // namespace fleet::fw
