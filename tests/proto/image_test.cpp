#include "fleet/wire/image.hpp"

#include <gtest/gtest.h>

namespace fleet::wire {
namespace {

TEST(image, build_chunks_hashes_and_signs) {
  crypto::seed s{};
  auto key = crypto::signing_key_from_seed(s);
  image_spec spec;
  spec.image_name = "app";
  spec.version = "1.0.0";
  spec.chunk_size_bytes = 1024;
  auto content = synthetic_image_content("app", "1.0.0", 2500);
  auto img = build_image(spec, content, key.secret_key_bytes);
  ASSERT_EQ(img.chunks.size(), 3u);
  EXPECT_EQ(img.chunks[2].size(), 452u);
  EXPECT_EQ(img.manifest.chunk_digests_size(), 3);
  EXPECT_EQ(img.manifest.size_bytes(), 2500u);
  EXPECT_TRUE(crypto::verify(img.signed_manifest.manifest(), img.signed_manifest.signature(),
                             key.public_key_bytes));
  EXPECT_EQ(img.image_digest, crypto::sha256(content));
}

TEST(image, synthetic_content_is_deterministic_and_distinct) {
  EXPECT_EQ(synthetic_image_content("a", "1.0.0", 64), synthetic_image_content("a", "1.0.0", 64));
  EXPECT_NE(synthetic_image_content("a", "1.0.0", 64), synthetic_image_content("a", "1.0.1", 64));
}

}  // namespace
}  // namespace fleet::wire
