#include "fleet/testing/device_world.hpp"

#include <algorithm>

namespace fleet::testing {

device_world::device_world(world_options options)
    : options_(std::move(options)),
      keys_(1),
      config_(keys_.make_device_config(default_product, options_.hardware_revision,
                                       options_.trusted_image_keys)),
      cloud_(keys_, cloud_options{default_epoch_us, options_.seed}),
      factory_(options_.factory.empty() ? factory_images(keys_) : options_.factory) {
  config_.guardian = options_.guardian;
  if (options_.rom) config_.rom_keys = *options_.rom;
  device::device_spec spec;
  spec.run_seed = options_.seed;
  spec.device_index = 0;
  spec.config = &config_;
  spec.behaviour = &behaviour_;
  spec.guardian = options_.guardian;
  device_ = std::make_unique<device::simulated_device>(spec, store_);
  if (options_.guardian) {
    // A guardian leaves the factory holding the image its legacy device runs,
    // so it knows (and has verified) what it fronts.
    factory_.push_back(make_image(keys_, wire::LEGACY_FIRMWARE, "1.0.0", 1, 64 * 1024));
  }
  for (std::size_t i = 0; i < factory_.size(); ++i) {
    device::provision(device_->flash(), static_cast<fw::component>(i), fw::slot::a, factory_[i]);
    cloud_.add_known_good(factory_[i]);
  }
  cloud_.register_device(device_->secure_element().device_public_key());
}

void device_world::power_on() {
  scratch_.clear();
  device_->handle(now_, fw::power_on{}, scratch_);
  take(scratch_);
}

void device_world::cut_power() {
  scratch_.clear();
  device_->cut_power(now_, scratch_);
  take(scratch_);
}

void device_world::publish(const wire::built_image& image) {
  store_.register_image(image);
  cloud_.publish(image);
}

void device_world::behave(const wire::built_image& image, device::version_behaviour b) {
  behaviour_.set(image.manifest.image_name(), *wire::parse_version(image.manifest.version()), std::move(b));
}

std::size_t device_world::count(fw::record_kind kind) const {
  return static_cast<std::size_t>(std::count_if(records_.begin(), records_.end(),
                                                [&](const fw::record& r) { return r.kind == kind; }));
}

void device_world::inject(const std::string& bytes) {
  scratch_.clear();
  device_->handle(now_, fw::message{bytes}, scratch_);
  take(scratch_);
}

void device_world::take(const fw::outputs& out) {
  for (const auto& o : out) {
    if (const auto* s = std::get_if<fw::send>(&o)) {
      sent_by_device_.push_back(s->bytes);
      if (!link_down) link_.push_back({now_ + options_.latency, false, s->bytes});
    } else if (const auto* r = std::get_if<fw::record>(&o)) {
      records_.push_back(*r);
    }
  }
}

// One event at time `at`: the device's own deadline first, then the link.
void device_world::step(fw::sim_time at) {
  now_ = at;
  if (device_->next_deadline() <= at) {
    scratch_.clear();
    device_->advance(at, scratch_);
    take(scratch_);
    return;
  }
  in_flight m = std::move(link_.front());
  link_.pop_front();
  if (link_down) return;
  if (m.to_device) {
    scratch_.clear();
    device_->handle(at, fw::message{std::move(m.bytes)}, scratch_);
    take(scratch_);
    return;
  }
  cloud_endpoint& cloud = options_.endpoint != nullptr ? *options_.endpoint : cloud_;
  for (auto& reply : cloud.handle(at, m.bytes)) {
    if (tamper_to_device) tamper_to_device(reply);
    sent_to_device_.push_back(reply);
    link_.push_back({at + options_.latency, true, std::move(reply)});
  }
}

void device_world::run_until(fw::sim_time until) {
  run_until([] { return false; }, until - now_);
}

bool device_world::run_until(const std::function<bool()>& done, fw::duration limit) {
  const fw::sim_time end = now_ + limit;
  for (std::uint64_t steps = 0;; ++steps) {
    if (steps == world_steps_max) {
      stuck_ = true;
      return done();
    }
    fw::sim_time next = device_->next_deadline();
    if (!link_.empty()) next = std::min(next, link_.front().arrives);
    if (next > end) {
      now_ = end;
      return done();
    }
    step(next);
    if (done()) return true;
  }
}

}  // namespace fleet::testing
