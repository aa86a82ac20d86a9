// libFuzzer target: the ppc64 device-tree importer (import_drconf_node in
// layouts/devicetree.cpp), fed a packed ibm,dynamic-reconfiguration-memory
// node: entries ibm,lmb-size and ibm,dynamic-memory or
// ibm,dynamic-memory-v2 (v2 read when present, as the kernel does; see
// fuzz_input.hpp).  Any input either is refused with an ImportError or gives
// a valid layout.  Seeds: the nodes under tests/fixtures/layouts/, packed by
// busmap_fuzz_seed.
#include "fuzz/fuzz_input.hpp"

using namespace busmap;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const auto entries = fuzz::unpack_tree(fuzz::as_text(data, size));
  const auto v2 = fuzz::content_of(entries, "ibm,dynamic-memory-v2");
  const layouts::DrconfNode node{
      .node = "fuzz-drconf",
      .lmb_size = fuzz::content_of(entries, "ibm,lmb-size").value_or(""),
      .dynamic_memory = v2 ? *v2 : fuzz::content_of(entries, "ibm,dynamic-memory").value_or(""),
      .v2 = v2.has_value()};
  fuzz::import_with_every_option(size, false, [&](const layouts::ImportOptions &options) {
    return layouts::import_drconf_node(node, options);
  });
  return 0;
}
