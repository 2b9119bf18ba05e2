#pragma once
// One visitor from several lambdas, for std::visit over a variant: each
// alternative gets its own lambda, and a missing one does not compile.

namespace fleet {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

}  // namespace fleet
