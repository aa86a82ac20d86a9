// libFuzzer target: the /proc/iomem importer (layouts/iomem.cpp and the
// range arithmetic of layouts/ranges.cpp it feeds), under both machine
// kinds, both roundings and a --block-size.  Any input either is refused
// with an ImportError or gives a valid layout.  Seeds:
// tests/fixtures/layouts/*/iomem.
#include "fuzz/fuzz_input.hpp"

using namespace busmap;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  fuzz::import_with_every_option(size, true, [&](const layouts::ImportOptions &options) {
    return layouts::import_iomem_text(fuzz::as_text(data, size), "fuzz.iomem", options);
  });
  return 0;
}
