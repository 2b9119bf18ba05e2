#include "fleet/crypto/crypto.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <vector>

namespace fleet::crypto {
namespace {

// Each thread tallies in a block of its own: with one shared block, two
// threads doing crypto at once passed its cache line back and forth at
// every operation. A block has one writer; relaxed atomics let a reading
// from another thread sum them without a data race.
struct alignas(64) atomic_counts {
  std::atomic<std::uint64_t> signs{0}, verifies{0}, key_exchanges{0}, macs{0}, hash_calls{0},
      hashed_bytes{0}, blake2b_bytes{0};
};

op_counts read(const atomic_counts& c) {
  op_counts out;
  out.signs = c.signs.load(std::memory_order_relaxed);
  out.verifies = c.verifies.load(std::memory_order_relaxed);
  out.key_exchanges = c.key_exchanges.load(std::memory_order_relaxed);
  out.macs = c.macs.load(std::memory_order_relaxed);
  out.hash_calls = c.hash_calls.load(std::memory_order_relaxed);
  out.hashed_bytes = c.hashed_bytes.load(std::memory_order_relaxed);
  out.blake2b_bytes = c.blake2b_bytes.load(std::memory_order_relaxed);
  return out;
}

void clear(atomic_counts& c) {
  for (auto* counter : {&c.signs, &c.verifies, &c.key_exchanges, &c.macs, &c.hash_calls, &c.hashed_bytes,
                        &c.blake2b_bytes}) {
    counter->store(0, std::memory_order_relaxed);
  }
}

// Every block handed out, and what the threads that ended had counted. A
// thread's block goes back when it ends, so explorations that start and
// stop thread pools run after run keep as many blocks as threads live at once.
struct tally_book {
  std::mutex lock;
  std::deque<atomic_counts> blocks;  // a deque: blocks never move
  std::vector<atomic_counts*> unused;
  op_counts ended;
};

tally_book& book() {
  // Never destroyed: threads may still end (and return their block) while
  // the process exits.
  static tally_book* const b = new tally_book;
  return *b;
}

struct thread_tally {
  atomic_counts* block;
  thread_tally() {
    tally_book& b = book();
    std::lock_guard<std::mutex> hold(b.lock);
    if (b.unused.empty()) {
      block = &b.blocks.emplace_back();
    } else {
      block = b.unused.back();
      b.unused.pop_back();
    }
  }
  ~thread_tally() {
    tally_book& b = book();
    std::lock_guard<std::mutex> hold(b.lock);
    b.ended += read(*block);
    clear(*block);
    b.unused.push_back(block);
  }
  thread_tally(const thread_tally&) = delete;
  thread_tally& operator=(const thread_tally&) = delete;
};

atomic_counts& counts() {
  thread_local const thread_tally mine;
  return *mine.block;
}

// Only this thread writes its block: a load and a store, no locked add.
void add(std::atomic<std::uint64_t>& counter, std::uint64_t n) {
  counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// libsodium must be initialised once before use; failure is unrecoverable.
void ensure_sodium() {
  static const bool ready = [] { return sodium_init() >= 0; }();
  if (!ready) std::abort();
}

}  // namespace

std::string to_hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool from_hex(std::string_view hex, std::uint8_t* out, std::size_t size) {
  if (hex.size() != 2 * size) return false;
  for (std::size_t i = 0; i < size; ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

signing_key_pair signing_key_from_seed(const seed& s) {
  ensure_sodium();
  signing_key_pair kp;
  crypto_sign_seed_keypair(kp.public_key_bytes.data(), kp.secret_key_bytes.data(), s.data());
  return kp;
}

signature sign(std::string_view message, const secret_key& key) {
  ensure_sodium();
  signature sig{};
  crypto_sign_detached(sig.data(), nullptr, bytes_of(message), message.size(), key.data());
  add(counts().signs, 1);
  return sig;
}

bool verify(std::string_view message, std::string_view signature_bytes, const public_key& key) {
  ensure_sodium();
  if (signature_bytes.size() != crypto_sign_BYTES) return false;
  add(counts().verifies, 1);
  return crypto_sign_verify_detached(bytes_of(signature_bytes), bytes_of(message), message.size(),
                                     key.data()) == 0;
}

namespace {

// OpenSSL 3 looks an algorithm up by name, under a lock, each time EVP_sha256()
// is passed to an init; fetched once, the lookup is gone. Hashes are mostly
// small (evidence, certificates, bindings), where that lookup and a context
// allocated a call cost as much as the hashing.
const EVP_MD* sha256_algorithm() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) std::abort();
  return md;
}

// One context a thread for one-shot hashes, reset by each init.
EVP_MD_CTX* one_shot_context() {
  struct owned {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~owned() { EVP_MD_CTX_free(ctx); }
  };
  thread_local const owned context;
  if (context.ctx == nullptr) std::abort();
  return context.ctx;
}

}  // namespace

digest sha256(std::string_view data) {
  digest out{};
  unsigned int len = 0;
  EVP_MD_CTX* const ctx = one_shot_context();
  if (EVP_DigestInit_ex2(ctx, sha256_algorithm(), nullptr) != 1 || EVP_DigestUpdate(ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, out.data(), &len) != 1) {
    std::abort();
  }
  add(counts().hash_calls, 1);
  add(counts().hashed_bytes, data.size());
  return out;
}

sha256_stream::sha256_stream() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) std::abort();
  EVP_DigestInit_ex2(static_cast<EVP_MD_CTX*>(ctx_), sha256_algorithm(), nullptr);
}

sha256_stream::~sha256_stream() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void sha256_stream::update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
  add(counts().hashed_bytes, data.size());
}

digest sha256_stream::finish() {
  digest out{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out.data(), &len);
  add(counts().hash_calls, 1);
  return out;
}

device_id derive_device_id(const public_key& device_public_key) {
  ensure_sodium();
  device_id id{};
  crypto_hash_sha512(id.data(), device_public_key.data(), device_public_key.size());
  add(counts().hash_calls, 1);
  add(counts().hashed_bytes, device_public_key.size());
  return id;
}

exchange_key_pair exchange_key_from_secret(const seed& secret) {
  ensure_sodium();
  exchange_key_pair kp;
  kp.secret_key_bytes = secret;
  crypto_scalarmult_base(kp.public_key_bytes.data(), secret.data());
  add(counts().key_exchanges, 1);
  return kp;
}

bool exchange_shared_secret(const seed& own_secret, const public_key& peer_public, seed& shared) {
  ensure_sodium();
  static_assert(crypto_scalarmult_BYTES == std::tuple_size<seed>::value, "X25519 output is 32 bytes");
  add(counts().key_exchanges, 1);
  return crypto_scalarmult(shared.data(), own_secret.data(), peer_public.data()) == 0;
}

seed session_key_from(const seed& shared, const public_key& device_share, const public_key& service_share,
                      std::uint64_t session_id) {
  ensure_sodium();
  std::array<std::uint8_t, 8> id_bytes{};
  for (std::size_t i = 0; i < id_bytes.size(); ++i) id_bytes[i] = static_cast<std::uint8_t>(session_id >> (8 * i));
  seed key{};
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, key.size());
  crypto_generichash_update(&st, shared.data(), shared.size());
  crypto_generichash_update(&st, device_share.data(), device_share.size());
  crypto_generichash_update(&st, service_share.data(), service_share.size());
  crypto_generichash_update(&st, id_bytes.data(), id_bytes.size());
  crypto_generichash_final(&st, key.data(), key.size());
  add(counts().hash_calls, 1);
  const std::size_t hashed = shared.size() + device_share.size() + service_share.size() + id_bytes.size();
  add(counts().hashed_bytes, hashed);
  add(counts().blake2b_bytes, hashed);
  return key;
}

bool derive_session_key(const seed& own_secret, const public_key& own_public,
                        const public_key& peer_public, bool own_is_device, std::uint64_t session_id,
                        seed& session_key) {
  seed shared{};
  if (!exchange_shared_secret(own_secret, peer_public, shared)) return false;
  const public_key& device_share = own_is_device ? own_public : peer_public;
  const public_key& service_share = own_is_device ? peer_public : own_public;
  session_key = session_key_from(shared, device_share, service_share, session_id);
  sodium_memzero(shared.data(), shared.size());
  return true;
}

mac compute_mac(std::string_view message, const seed& key) {
  ensure_sodium();
  mac out{};
  crypto_generichash(out.data(), out.size(), bytes_of(message), message.size(), key.data(),
                     key.size());
  add(counts().macs, 1);
  add(counts().hashed_bytes, message.size());
  add(counts().blake2b_bytes, message.size());
  return out;
}

bool verify_mac(std::string_view message, std::string_view mac_bytes, const seed& key) {
  if (mac_bytes.size() != std::tuple_size<mac>::value) return false;
  mac expected = compute_mac(message, key);
  return sodium_memcmp(expected.data(), bytes_of(mac_bytes), expected.size()) == 0;
}

digest blake2b(std::string_view data) {
  ensure_sodium();
  digest out{};
  crypto_generichash(out.data(), out.size(), bytes_of(data), data.size(), nullptr, 0);
  add(counts().hash_calls, 1);
  add(counts().hashed_bytes, data.size());
  add(counts().blake2b_bytes, data.size());
  return out;
}

op_counts counted_ops() {
  tally_book& b = book();
  std::lock_guard<std::mutex> hold(b.lock);
  op_counts total = b.ended;
  for (const atomic_counts& block : b.blocks) total += read(block);
  return total;
}

op_counts operator-(const op_counts& later, const op_counts& earlier) {
  op_counts d;
  d.signs = later.signs - earlier.signs;
  d.verifies = later.verifies - earlier.verifies;
  d.key_exchanges = later.key_exchanges - earlier.key_exchanges;
  d.macs = later.macs - earlier.macs;
  d.hash_calls = later.hash_calls - earlier.hash_calls;
  d.hashed_bytes = later.hashed_bytes - earlier.hashed_bytes;
  d.blake2b_bytes = later.blake2b_bytes - earlier.blake2b_bytes;
  return d;
}

op_counts& operator+=(op_counts& total, const op_counts& more) {
  total.signs += more.signs;
  total.verifies += more.verifies;
  total.key_exchanges += more.key_exchanges;
  total.macs += more.macs;
  total.hash_calls += more.hash_calls;
  total.hashed_bytes += more.hashed_bytes;
  total.blake2b_bytes += more.blake2b_bytes;
  return total;
}

}  // namespace fleet::crypto
