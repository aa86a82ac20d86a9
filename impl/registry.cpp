// The lookup over the built-in drivers and mutants.
#include "impl/registry.hpp"

namespace busmap {

const Implementation *find_implementation(std::string_view name) {
  for (auto list : {builtin_drivers(), builtin_mutants()})
    for (const auto &i : list)
      if (name == i.driver->name)
        return &i;
  return nullptr;
}

} // namespace busmap
