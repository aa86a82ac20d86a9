// `busmap render FILE.trace|FILE.layout -o OUT.svg [--step N] [--impl NAME |
// --plugin PATH.so]`: a picture of a layout, or of a trace's partition
// after step N (default: the step the oracle rejects, else the end); see
// report/render.hpp for what is drawn.
#include "cli/command.hpp"
#include "cli/output.hpp"
#include "impl/registry.hpp"
#include "properties/plugin.hpp"
#include "properties/trace_format.hpp"
#include "report/render.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>

namespace busmap::cli {
namespace {

struct RenderArgs {
  std::string file, out, impl, plugin;
  std::optional<std::size_t> step;
};


const busmap_driver &driver_for(const RenderArgs &a, const TraceFile &tf,
                                std::optional<Plugin> &plugin) {
  if (!a.plugin.empty()) {
    try {
      return plugin.emplace(Plugin::open(a.plugin)).driver();
    } catch (const PluginError &e) {
      throw BadInput(e.what());
    }
  }
  const std::string name = !a.impl.empty() ? a.impl : !tf.impl.empty() ? tf.impl : "simple";
  if (const Implementation *i = find_implementation(name))
    return *i->driver;
  throw BadInput(fmt::format("unknown implementation '{}' (busmap list shows them)", name));
}

int render_command(const RenderArgs &a) {
  report::RenderOptions options;
  options.title = a.file;
  options.step = a.step;
  std::ostringstream svg;
  std::string summary;
  // Read once, as a regular file: opening a FIFO to peek at its first line would block.
  const std::string text = read_input(a.file);
  try {
    if (text.starts_with("busmap-layout")) {
      if (a.step || !a.impl.empty() || !a.plugin.empty())
        throw BadInput(fmt::format("{}: a layout has no steps and no driver: --step, --impl "
                                   "and --plugin are for traces", a.file));
      report::render_layout_svg(parse_layout(text, a.file), svg, options);
      summary = "the layout";
    } else {
      const TraceFile tf = parse_trace_file(text, a.file);
      std::optional<Plugin> plugin;
      const busmap_driver &driver = driver_for(a, tf, plugin);
      const auto r = report::render_trace_svg(tf.trace, driver, svg, options);
      summary = fmt::format("{} after step {} of {}", driver.name, r.step, tf.trace.ops.size());
      if (r.violation)
        summary += fmt::format(" (the oracle rejects step {}: {})", r.violation->step + 1,
                               r.violation->invariant);
    }
  } catch (const ParseError &e) {
    throw BadInput(e.what());
  } catch (const std::invalid_argument &e) {
    throw BadInput(fmt::format("{}: {}", a.file, e.what()));
  }
  write_output_file(a.out, svg.str());
  std::printf("wrote %s: %s\n", a.out.c_str(), summary.c_str());
  return ExitOk;
}

Run setup(CLI::App &app) {
  auto a = std::make_shared<RenderArgs>();
  app.add_option("file", a->file, "a .trace or .layout file")->required();
  app.add_option("-o,--output", a->out, "the SVG file to write")->required();
  app.add_option("--step", a->step,
                 "draw the partition after this many operations (0: the starting layout; "
                 "default: the failing step, else the end)");
  auto *impl = app.add_option("--impl", a->impl,
                              "built-in implementation (default: the trace's impl, else simple)");
  app.add_option("--plugin", a->plugin, "driver shared object exporting busmap_driver_entry")
      ->excludes(impl);
  return [a] { return render_command(*a); };
}

const Registrar registrar{{"render", "draw a layout or a trace's partition as SVG", setup}};

} // namespace
} // namespace busmap::cli
