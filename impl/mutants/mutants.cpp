// The table of the mutant zoo: deliberately broken drivers, each with the
// invariant expected to catch it.
#include "impl/registry.hpp"

namespace busmap {

std::span<const Implementation> builtin_mutants() { return {}; }

} // namespace busmap
