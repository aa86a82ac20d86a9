// The consumer's test: runs the oracle, from the installed package, on the
// C driver of this project, on a trace written in the file format, and
// holds a built-in driver to the same trace.  Exit 0 when both verdicts are
// the expected ones.
#include "impl/registry.hpp"
#include "properties/oracle.hpp"
#include "properties/trace_format.hpp"

#include <cstdio>

extern "C" const busmap_driver vetoing_driver;

static const char *const trace_text = R"(busmap-trace 1
mode strict
expect pass
block 0x0 sections=16 online
block 0x100000000 sections=16 online
block 0x200000000 sections=16 offline
load
translate 0x100000010
online 0x200000000
offline 0x0
translate 0x200000000
translate 0xfff
unload
)";

static bool holds(const busmap_driver &driver, const busmap::Trace &trace) {
  const busmap::Verdict v = busmap::Oracle(driver).run(trace);
  std::printf("%s: %s", driver.name, v.describe().c_str());
  return v.pass();
}

int main() {
  const busmap::Trace trace = busmap::parse_trace(trace_text, "consumer.trace");
  const busmap::Implementation *simple = busmap::find_implementation("simple");
  if (!simple) {
    std::puts("the installed registry has no `simple` driver");
    return 1;
  }
  return holds(vetoing_driver, trace) && holds(*simple->driver, trace) ? 0 : 1;
}
