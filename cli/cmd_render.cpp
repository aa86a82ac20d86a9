// `busmap render FILE.trace|FILE.layout -o OUT.svg [--step N | --timeline]
// [--impl NAME | --plugin PATH.so]`: a picture of a layout, of a trace's
// partition after step N (default: the step the oracle rejects, else the
// end), or with --timeline of every step side by side; see
// report/render.hpp and report/timeline.hpp for what is drawn.  Drawing runs the driver's steps,
// so it runs in a child process like a check's case (--case-timeout,
// --memory-limit): a driver that crashes or hangs gets exit 1 and a
// message, not a dead renderer.
#include "cli/command.hpp"
#include "cli/isolation_args.hpp"
#include "cli/numbers.hpp"
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
  bool timeline = false;
  IsolationArgs isolation;
};


const busmap_driver &driver_for(const RenderArgs &a, const TraceFile &tf,
                                std::optional<Plugin> &plugin) {
  if (!a.plugin.empty()) {
    try {
      return plugin.emplace(Plugin::open(a.plugin, a.isolation.options())).driver();
    } catch (const PluginError &e) {
      throw BadInput(e.what());
    }
  }
  const std::string name = !a.impl.empty() ? a.impl : !tf.impl.empty() ? tf.impl : "simple";
  if (const Implementation *i = find_implementation(name))
    return *i->driver;
  throw BadInput(fmt::format("unknown implementation '{}' (busmap list shows them)", name));
}

/// Draws `trace` as `driver` runs it, in a child process: drawing runs
/// every step of the driver, which may crash or hang (properties/isolation.hpp).
/// Answers the summary line, or none (said on stderr) when the driver did
/// not return: that is a verdict on the driver, exit 1, not bad input.
std::optional<std::string> draw_in_child(const RenderArgs &a, const Trace &trace, const busmap_driver &driver,
                          const report::RenderOptions &options, std::ostringstream &svg) {
  const Isolated drawn = run_isolated(
      [&](ChildChannel &) -> std::string {
        std::ostringstream out;
        report::RenderResult r;
        try {
          r = a.timeline ? report::render_timeline_svg(trace, driver, out, options)
                         : report::render_trace_svg(trace, driver, out, options);
        } catch (const std::invalid_argument &e) {
          return fmt::format("E{}: {}", a.file, e.what());
        }
        std::string summary =
            a.timeline ? fmt::format("{}, the timeline of {} steps", driver.name, trace.ops.size())
                       : fmt::format("{} after step {} of {}", driver.name, r.step, trace.ops.size());
        if (r.violation)
          summary += fmt::format(" (the oracle rejects step {}: {})", r.violation->step + 1,
                                 r.violation->invariant);
        return "K" + summary + '\n' + out.str();
      },
      a.isolation.options());
  if (drawn.status != Isolated::Status::Finished) {
    std::fprintf(stderr, "busmap render: %s: not drawn: %s did not return while the trace's "
                         "steps ran: %s\n",
                 a.file.c_str(), driver.name, drawn.what.c_str());
    return std::nullopt;
  }
  if (drawn.payload.starts_with('E'))
    throw BadInput(drawn.payload.substr(1));
  const std::size_t eol = drawn.payload.find('\n');
  svg << std::string_view(drawn.payload).substr(eol + 1);
  return drawn.payload.substr(1, eol - 1);
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
      if (a.step || a.timeline || !a.impl.empty() || !a.plugin.empty())
        throw BadInput(fmt::format("{}: a layout has no steps and no driver: --step, --timeline, "
                                   "--impl and --plugin are for traces", a.file));
      report::render_layout_svg(parse_layout(text, a.file), svg, options);
      summary = "the layout";
    } else {
      const TraceFile tf = parse_trace_file(text, a.file);
      std::optional<Plugin> plugin;
      const busmap_driver &driver = driver_for(a, tf, plugin);
      const auto drawn = draw_in_child(a, tf.trace, driver, options, svg);
      if (!drawn)
        return ExitFailed;
      summary = *drawn;
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
  auto *step = app.add_option("--step", a->step,
                               "draw the partition after this many operations (0: the starting "
                               "layout; default: the failing step, else the end)")
                   ->transform(whole_number());
  app.add_flag("--timeline", a->timeline,
               "draw every step side by side: memory phases, MR coverage, the driver's answers, "
               "notifier answers and faults, the failing step and address in red")
      ->excludes(step);
  auto *impl = app.add_option("--impl", a->impl,
                              "built-in implementation (default: the trace's impl, else simple)");
  app.add_option("--plugin", a->plugin, "driver shared object exporting busmap_driver_entry")
      ->excludes(impl);
  a->isolation.add_to(app);
  return [a] { return render_command(*a); };
}

const Registrar registrar{{"render", "draw a layout or a trace's partition as SVG", setup}};

} // namespace
} // namespace busmap::cli
