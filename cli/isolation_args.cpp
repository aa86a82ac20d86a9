// The isolation options of cli/isolation_args.hpp.
#include "cli/isolation_args.hpp"

#include "cli/numbers.hpp"

#include <chrono>

namespace busmap::cli {

void IsolationArgs::add_to(CLI::App &app) {
  app.add_option("--case-timeout", case_timeout_ms,
                 "milliseconds a single trace may run before it counts as a hang")
      ->capture_default_str()
      ->transform(whole_number(1, std::uint64_t{24} * 3600 * 1000));
  app.add_option("--memory-limit", memory_limit_mib,
                 memory_limit_applies()
                     ? "MiB of address space a trace's process may use (0: no limit)"
                     : "MiB of address space a trace's process may use (0: no limit; not "
                       "applied in this sanitizer build)")
      ->transform(whole_number())
      ->capture_default_str();
  app.add_flag("--no-fork", no_fork,
               "run driver code in this process (for debuggers; a crash then ends the run)");
}

IsolationOptions IsolationArgs::options() const {
  IsolationOptions o;
  o.timeout = std::chrono::milliseconds(case_timeout_ms);
  o.memory_limit_mib = memory_limit_mib;
  o.fork_child = !no_fork;
  return o;
}

} // namespace busmap::cli
