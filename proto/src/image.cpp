#include "fleet/wire/image.hpp"

#include "fleet/crypto/random_stream.hpp"
#include "fleet/wire/envelope.hpp"

namespace fleet::wire {

std::string synthetic_image_content(const std::string& image_name, const std::string& version,
                                    std::uint64_t size_bytes) {
  crypto::digest d = crypto::blake2b(image_name + "@" + version);
  std::uint64_t seed = 0;
  for (int i = 0; i < 8; ++i) seed = (seed << 8) | d[static_cast<std::size_t>(i)];
  crypto::random_stream stream(seed, size_bytes, "image-content");
  std::string content(size_bytes, '\0');
  stream.fill(reinterpret_cast<std::uint8_t*>(content.data()), content.size());
  return content;
}

SignedManifest sign_manifest(const Manifest& manifest, const crypto::secret_key& signing_key) {
  SignedManifest signed_manifest;
  signed_manifest.set_manifest(serialize(manifest));
  signed_manifest.set_signature(
      crypto::to_string(crypto::sign(signed_manifest.manifest(), signing_key)));
  return signed_manifest;
}

built_image build_image(const image_spec& spec, const std::string& content,
                        const crypto::secret_key& signing_key) {
  built_image out;
  Manifest& m = out.manifest;
  m.set_component(spec.component);
  m.set_image_name(spec.image_name);
  m.set_version(spec.version);
  m.set_product(spec.product);
  m.set_security_version(spec.security_version);
  m.set_size_bytes(content.size());
  m.set_chunk_size_bytes(spec.chunk_size_bytes);
  for (const auto& rev : spec.hardware_revisions) m.add_hardware_revisions(rev);
  m.set_expires_at_us(spec.expires_at_us);
  m.set_signing_key_id(spec.signing_key_id);
  for (std::size_t offset = 0; offset < content.size(); offset += spec.chunk_size_bytes) {
    out.chunks.push_back(content.substr(offset, spec.chunk_size_bytes));
    m.add_chunk_digests(crypto::to_string(crypto::sha256(out.chunks.back())));
  }
  out.image_digest = crypto::sha256(content);
  m.set_image_digest(crypto::to_string(out.image_digest));
  out.signed_manifest = sign_manifest(m, signing_key);
  out.manifest_digest = crypto::sha256(out.signed_manifest.manifest());
  return out;
}

}  // namespace fleet::wire
