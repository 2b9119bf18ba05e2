#pragma once
// Simulated raw flash behind fw::flash_hal, compact enough for a million
// devices: a slot is a reference to a registered image in the shared
// chunk_store plus how many of its chunks were written in order; only bytes
// that differ from the image (torn writes, bit rot, attacker bytes,
// out-of-order writes) live in a per-slot overlay, allocated when first needed.
//
// Faults happen here, decided by the device's seeded "flash" stream:
// power cuts tear the write in progress and refuse every later write until
// power returns; bits rot on request.
//
// Conventions:
// - An unwritten or erased header, chunk or metadata sector reads as an empty
//   view (not as 0xFF bytes): the firmware sees "nothing there".
// - writes_done() counts every write-type call (erase_slot, write_header,
//   write_chunk, write_metadata) made while powered, the torn one included;
//   calls refused for lack of power are not counted.
// - Returned views stay valid until the next call on the flash (in practice
//   longer: they point into the store or into overlay nodes).

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "fleet/crypto/random_stream.hpp"
#include "fleet/device/chunk_store.hpp"
#include "fleet/fw/hal.hpp"
#include "fleet/wire/image.hpp"

namespace fleet::device {

/// Bytes of one metadata sector.
inline constexpr std::size_t metadata_sector_bytes_max = 64;  // the record is 57 bytes
inline constexpr std::uint32_t metadata_sector_count = 2;
/// Largest header a slot holds: a signed manifest fits in one envelope.
inline constexpr std::size_t header_bytes_max = 128 * 1024;

/// Where a rotten bit landed.
struct rot_site {
  enum class area : std::uint8_t { metadata, header, chunk } where = area::chunk;
  fw::component comp = fw::component::bootloader;
  fw::slot which = fw::slot::a;
  std::uint32_t index = 0;  ///< chunk index, or metadata sector
  std::uint64_t bit = 0;    ///< bit within that chunk, header or sector
};

/// How a slot is held, for tests and memory accounting.
struct slot_info {
  enum class header_kind : std::uint8_t { empty, image, own_bytes };
  header_kind header = header_kind::empty;
  const stored_image* image = nullptr;  ///< chunk base (may differ from the header)
  std::uint32_t chunks_in_order = 0;    ///< prefix of image chunks written
  std::size_t overlay_chunks = 0;       ///< chunks held in the overlay
  /// True when the slot is exactly a registered image: header and every chunk.
  bool intact() const {
    return header == header_kind::image && image != nullptr &&
           chunks_in_order == image->chunks.size() && overlay_chunks == 0;
  }
};

/// The kinds of flash write, as a torn one is told apart (which step of an
/// update, or the update metadata, a power loss reached).
enum class write_kind : std::uint8_t { erase, header, chunk, metadata };
inline constexpr std::size_t write_kind_count = 4;
/// "erase", "header", "chunk", "metadata".
const char* name_of(write_kind k);

class sim_flash final : public fw::flash_hal {
 public:
  /// `store` must outlive the flash. The "flash" stream of (run_seed,
  /// device_index) decides torn bytes and random bit rot.
  sim_flash(chunk_store& store, std::uint64_t run_seed, std::uint64_t device_index);
  ~sim_flash() override;
  sim_flash(const sim_flash&) = delete;
  sim_flash& operator=(const sim_flash&) = delete;

  // fw::flash_hal
  std::string_view read_header(fw::component c, fw::slot s) override;
  std::string_view read_chunk(fw::component c, fw::slot s, std::uint32_t index) override;
  fw::flash_status erase_slot(fw::component c, fw::slot s) override;
  fw::flash_status write_header(fw::component c, fw::slot s, std::string_view bytes) override;
  fw::flash_status write_chunk(fw::component c, fw::slot s, std::uint32_t index,
                               std::string_view bytes) override;
  std::string_view read_metadata(std::uint32_t sector) override;
  fw::flash_status write_metadata(std::uint32_t sector, std::string_view bytes) override;
  std::size_t metadata_sector_bytes() const override { return metadata_sector_bytes_max; }

  // ------------------------------------------------------------- power
  /// The `writes_from_now`-th write-type call from now (1: the next one) is
  /// torn and returns power_lost; later writes change nothing and return
  /// power_lost until restore_power(). Must be >= 1.
  void arm_power_cut(std::uint32_t writes_from_now);
  /// Power goes now: the next write (and every later one) fails, nothing torn.
  void cut_power_now();
  /// Power is back. A cut armed but not reached yet stays armed (a fired
  /// cut has disarmed itself), so a host may arm a cut before power_on.
  void restore_power();
  bool powered() const { return powered_; }
  bool power_cut_armed() const { return cut_countdown_ != 0; }
  /// Armed cuts that tore a write. A cut disarmed by cut_power_now() before
  /// its write came is not one: it was armed, it never fired.
  std::uint32_t cuts_fired() const { return cuts_fired_; }
  /// The kind of the write the last fired cut tore (erase before any fired).
  write_kind last_torn() const { return last_torn_; }
  std::uint64_t writes_done() const { return writes_done_; }

  // ----------------------------------------------------------- bit rot
  // Each flips exactly one stored bit; false (nothing changed) when the bit
  // lies outside what is stored there.
  bool rot_bit(fw::component c, fw::slot s, std::uint32_t chunk_index, std::uint64_t bit);
  bool rot_header_bit(fw::component c, fw::slot s, std::uint64_t bit);
  bool rot_metadata_bit(std::uint32_t sector, std::uint64_t bit);
  /// Flips one bit chosen uniformly among every stored bit; nullopt when the
  /// flash holds nothing.
  std::optional<rot_site> rot_random_bit();

  // ------------------------------------------------------- inspection
  slot_info info(fw::component c, fw::slot s) const;
  /// Heap bytes this flash owns (overlays), excluding the shared store.
  std::size_t heap_bytes() const;
  chunk_store& store() const { return *store_; }

 private:
  struct overlay_chunk {
    std::string_view shared;  ///< interned bytes, when `owned` is not used
    std::string owned;
    bool is_shared = true;
    std::string_view view() const { return is_shared ? shared : std::string_view(owned); }
  };
  struct slot_overlay {
    std::string header;  ///< used when header_ == header_kind::own_bytes
    std::map<std::uint32_t, overlay_chunk> chunks;
  };
  struct slot_state {
    const stored_image* image = nullptr;
    std::unique_ptr<slot_overlay> overlay;
    std::uint32_t prefix = 0;
    slot_info::header_kind header = slot_info::header_kind::empty;
  };
  enum class gate : std::uint8_t { proceed, torn, refused };

  /// `kind`: what is written, remembered when the cut tears it.
  gate pass_gate(write_kind kind);
  slot_state& at(fw::component c, fw::slot s);
  const slot_state& at(fw::component c, fw::slot s) const;
  static slot_overlay& overlay_of(slot_state& s);
  static void drop_overlay_if_empty(slot_state& s);
  static std::string_view header_of(const slot_state& s);
  static std::string_view chunk_of(const slot_state& s, std::uint32_t index);
  /// One past the highest chunk index that holds bytes.
  static std::uint32_t chunk_extent(const slot_state& s);

  void set_header(slot_state& s, std::string_view bytes);
  void set_own_header(slot_state& s, std::string bytes);
  void set_chunk(slot_state& s, std::uint32_t index, std::string_view bytes);
  void set_erased(slot_state& s, std::uint32_t index);
  /// Moves the slot's chunk base to `image`, keeping every chunk's bytes.
  void rebase(slot_state& s, const stored_image* image);
  /// Folds overlay chunks that continue the in-order prefix into it.
  static void absorb(slot_state& s);
  /// A torn write: a random prefix of `wanted`, then what was there (0xFF
  /// past the old bytes), as long as `wanted`.
  std::string torn(std::string_view before, std::string_view wanted);
  void tear_erase(slot_state& s);

  chunk_store* store_;
  crypto::random_stream rng_;
  std::array<slot_state, fw::component_count * 2> slots_;
  std::array<std::array<char, metadata_sector_bytes_max>, metadata_sector_count> metadata_{};
  std::array<std::uint8_t, metadata_sector_count> metadata_size_{};
  // Here it fills padding (a million devices). At most 256 faults x 100 a day x 365 days: 32 bits hold it.
  std::uint32_t cuts_fired_ = 0;
  std::uint64_t writes_done_ = 0;
  std::uint32_t cut_countdown_ = 0;  ///< 0: no cut armed
  bool powered_ = true;
  write_kind last_torn_ = write_kind::erase;
};

/// Factory provisioning: registers `image` in the flash's store and writes
/// its header and every chunk through the normal write path. Requires power
/// and no armed cut.
void provision(sim_flash& flash, fw::component c, fw::slot s, const wire::built_image& image);

}  // namespace fleet::device
