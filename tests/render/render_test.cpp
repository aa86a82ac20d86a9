// The SVG renderer: the picture is well-formed XML (parsed with
// Boost.PropertyTree's XML reader), and it holds what it must: blocks by
// phase, holes between far-apart memory, gigantic pages, the MR, one band
// per translated run, and, for a failing trace, the verdict banner and the
// failing step's memory outlined, with wrong translations marked wrong.
#include "impl/drivers.hpp"
#include "layouts/import.hpp"
#include "report/render.hpp"
#include "report/scene.hpp"

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

namespace busmap::report {
namespace {

namespace pt = boost::property_tree;

/// Parses the SVG (throwing on malformed XML) and collects every element's
/// class attribute, so a test can count `rect` of class "block online".
struct Svg {
  explicit Svg(const std::string &text) {
    std::istringstream in(text);
    pt::read_xml(in, tree);
    walk(tree.get_child("svg"), "svg");
  }
  std::size_t count(const std::string &element, const std::string &cls) const {
    std::size_t n = 0;
    for (const auto &[e, c] : classes)
      n += e == element && c == cls;
    return n;
  }
  bool has_id(const std::string &id) const { return ids.count(id) != 0; }

  pt::ptree tree;
  std::vector<std::pair<std::string, std::string>> classes;
  std::set<std::string> ids;

private:
  void walk(const pt::ptree &node, const std::string &name) {
    if (auto attrs = node.get_child_optional("<xmlattr>")) {
      classes.emplace_back(name, attrs->get("class", ""));
      if (auto id = attrs->get_optional<std::string>("id"))
        ids.insert(*id);
    }
    for (const auto &[child, sub] : node)
      if (child != "<xmlattr>")
        walk(sub, child);
  }
};

/// With BUSMAP_RENDER_KEEP=DIR set, the pictures are kept there to look at.
void keep(const std::string &name, const std::string &svg) {
  if (const char *dir = std::getenv("BUSMAP_RENDER_KEEP"))
    std::ofstream(std::string(dir) + "/" + name + ".svg") << svg;
}

Layout two_far_nodes_with_a_gigantic_page() {
  Layout l;
  l.blocks = {{0x0, 32, BlockState::Online},
              {0x100000000, 16, BlockState::Offline},
              {0x200000000000, 1024, BlockState::Online}}; // 32 TiB, 16 GiB of sections
  l.gigantic = {0x200000000000};
  return l;
}

TEST(RenderLayout, BlocksHolesAndGiganticPages) {
  std::ostringstream out;
  RenderOptions options;
  options.title = "far <nodes> & a gigantic page"; // must come out escaped
  render_layout_svg(two_far_nodes_with_a_gigantic_page(), out, options);
  keep("layout-far-nodes", out.str());
  const Svg svg(out.str());
  EXPECT_EQ(svg.count("rect", "block online"), 2u);
  EXPECT_EQ(svg.count("rect", "block offline"), 1u);
  EXPECT_EQ(svg.count("rect", "gigantic"), 1u);
  EXPECT_EQ(svg.count("g", "hole"), 2u); // 512 MiB..4 GiB, and 4.25 GiB..32 TiB
  EXPECT_EQ(svg.tree.get<std::string>("svg.title"), options.title);
  EXPECT_FALSE(svg.has_id("bus")); // a layout has no driver, so no bus side
  EXPECT_NE(out.str().find("hole 32.0 TiB"), std::string::npos)
      << "the far gap is labelled with its size";
}

TEST(RenderLayout, ImportedPowerPartitionShowsTheDlparHole) {
  const auto imported =
      layouts::import_devicetree(std::filesystem::path(BUSMAP_LAYOUT_FIXTURES) / "power-dlpar");
  std::ostringstream out;
  render_layout_svg(imported.layout, out);
  keep("layout-power-dlpar", out.str());
  const Svg svg(out.str());
  EXPECT_EQ(svg.count("rect", "block online"), 27u);
  EXPECT_EQ(svg.count("g", "hole"), 1u); // LMBs 12-15; the reserved LMB 31 is past the end
}

/// The simple driver, except that from 1 GiB on it translates one
/// section too high: the device then reads a page other than the driver's.
busmap_driver skewed_simple() {
  busmap_driver d = drivers::simple;
  d.name = "skewed";
  d.translate = [](void *drv, std::uint64_t addr) -> std::uint64_t {
    const std::uint64_t bus = drivers::simple.translate(drv, addr);
    return bus != BUSMAP_INVALID && addr >= 0x40000000 ? bus + (1u << 24) : bus;
  };
  return d;
}

Trace small_trace() {
  Trace t;
  t.layout.blocks = {{0x0, 16, BlockState::Online},
                     {0x10000000, 16, BlockState::Online},
                     {0x40000000, 16, BlockState::Offline}};
  t.ops = {{OpKind::Load},
           {OpKind::Online, 0x40000000},
           {OpKind::Translate, 0x40000010},
           {OpKind::Offline, 0x10000000},
           {OpKind::Unload}};
  return t;
}

TEST(RenderTrace, FailingStepIsHighlightedAndWrongTranslationsMarked) {
  const busmap_driver skewed = skewed_simple();
  std::ostringstream out;
  const auto r = render_trace_svg(small_trace(), skewed, out);
  keep("trace-skewed", out.str());
  ASSERT_TRUE(r.violation.has_value());
  EXPECT_EQ(r.violation->invariant, "device-view");
  EXPECT_EQ(r.step, r.violation->step + 1) << "by default the failing step is drawn";
  const Svg svg(out.str());
  EXPECT_TRUE(svg.has_id("verdict"));
  EXPECT_EQ(svg.count("g", "fail"), 1u);
  EXPECT_EQ(svg.count("rect", "failing"), 1u);
  EXPECT_GE(svg.count("path", "band wrong"), 1u);
  EXPECT_EQ(svg.count("path", "band ok"), 1u); // the first two blocks are right
  EXPECT_EQ(r.violation->step, 1u);            // online 0x40000000
  EXPECT_EQ(svg.count("rect", "mr complete"), 1u);
}

TEST(RenderTrace, PassingTraceDrawsTheEndState) {
  Trace t = small_trace();
  t.ops.pop_back(); // keep the driver loaded so translations are drawn
  std::ostringstream out;
  const auto r = render_trace_svg(t, drivers::simple, out);
  keep("trace-simple", out.str());
  EXPECT_FALSE(r.violation.has_value());
  EXPECT_EQ(r.step, t.ops.size());
  // After offlining 0x10000000: sections 0-15 and 0x40000000's 16 are
  // mapped, canonically to consecutive bus slots: one band each side of
  // the hole.
  EXPECT_EQ(r.translated_sections, 32u);
  const Svg svg(out.str());
  EXPECT_EQ(svg.count("g", "pass"), 1u);
  EXPECT_EQ(svg.count("rect", "failing"), 0u);
  EXPECT_EQ(svg.count("path", "band ok"), 2u);
  EXPECT_EQ(svg.count("path", "band wrong"), 0u);
  EXPECT_EQ(svg.count("rect", "block offline"), 1u);
}

/// simple, but its unload frees nothing: a leak that only an unload shows.
busmap_driver leaky_simple() {
  busmap_driver d = drivers::simple;
  d.name = "leaky";
  d.unload = [](void *) {};
  return d;
}

TEST(RenderTrace, FailureInTheImplicitUnloadDrawsTheEndOfTheTrace) {
  Trace t = small_trace();
  t.ops.pop_back(); // no explicit unload: the oracle's implicit one finds the leak
  const busmap_driver leaky = leaky_simple();
  std::ostringstream out;
  const auto r = render_trace_svg(t, leaky, out);
  keep("trace-leaky", out.str());
  ASSERT_TRUE(r.violation.has_value());
  EXPECT_EQ(r.violation->step, t.ops.size()) << "the step after the trace";
  EXPECT_NE(r.violation->op.find("implicit"), std::string::npos) << r.violation->op;
  EXPECT_EQ(r.step, t.ops.size());
  EXPECT_NE(out.str().find("what its end implies: unload"), std::string::npos);
  EXPECT_EQ(Svg(out.str()).count("g", "fail"), 1u);
}

TEST(RenderTrace, StepChoosesTheStateDrawn) {
  std::ostringstream before, loaded;
  RenderOptions o;
  o.step = 0;
  EXPECT_EQ(render_trace_svg(small_trace(), drivers::simple, before, o).translated_sections, 0u);
  EXPECT_EQ(Svg(before.str()).count("rect", "mr complete"), 0u);
  o.step = 1;
  EXPECT_EQ(render_trace_svg(small_trace(), drivers::simple, loaded, o).translated_sections, 32u);
  o.step = 6;
  std::ostringstream past;
  EXPECT_THROW(render_trace_svg(small_trace(), drivers::simple, past, o), std::invalid_argument);
}

TEST(RenderTrace, StepPastTheRejectedOneIsRefused) {
  const busmap_driver skewed = skewed_simple(); // rejected at step 2
  std::ostringstream out;
  RenderOptions o;
  o.step = 4;
  EXPECT_THROW(render_trace_svg(small_trace(), skewed, out, o), std::invalid_argument);
}

/// simple, except that it also maps an address no memory is at: the
/// oracle's exact-miss probe of the top of the space catches it.
busmap_driver maps_the_top() {
  busmap_driver d = drivers::simple;
  d.name = "maps-the-top";
  d.translate = [](void *drv, std::uint64_t addr) -> std::uint64_t {
    return addr == ~0ull ? 0x8000000000000000ull : drivers::simple.translate(drv, addr);
  };
  return d;
}

TEST(RenderTrace, AnExactMissFailureDrawsTheWronglyMappedAbsentAddress) {
  const busmap_driver top = maps_the_top();
  std::ostringstream out;
  const auto r = render_trace_svg(small_trace(), top, out);
  keep("trace-exact-miss", out.str());
  ASSERT_TRUE(r.violation.has_value());
  EXPECT_EQ(r.violation->invariant, "exact-miss");
  ASSERT_TRUE(r.violation->address.has_value());
  EXPECT_EQ(*r.violation->address, ~0ull);
  EXPECT_EQ(r.violation->answer, 0x8000000000000000ull);
  const Svg svg(out.str());
  EXPECT_EQ(svg.count("g", "failed-probe"), 1u);
  EXPECT_EQ(svg.count("circle", "failed-probe"), 1u);
  EXPECT_EQ(svg.count("path", "failed-probe-line"), 1u) << "drawn to the bus address answered";
  EXPECT_EQ(svg.count("rect", "block absent"), 1u) << "the absent section is drawn";
}

TEST(RenderTrace, DeviceViewNamesTheDriversAnswerAsActual) {
  const busmap_driver skewed = skewed_simple();
  std::ostringstream out;
  const auto r = render_trace_svg(small_trace(), skewed, out);
  ASSERT_TRUE(r.violation.has_value());
  EXPECT_EQ(r.violation->expected.find("0x80"), std::string::npos) << r.violation->expected;
  EXPECT_EQ(r.violation->actual.rfind("driver answered 0x", 0), 0u) << r.violation->actual;
  EXPECT_NE(r.violation->actual.find(", device reaches 0x"), std::string::npos);
  EXPECT_EQ(Svg(out.str()).count("circle", "failed-probe"), 1u);
}

TEST(RenderTimeline, OneColumnPerStepWithTheFailingStepMarked) {
  const busmap_driver skewed = skewed_simple();
  std::ostringstream out;
  RenderOptions o;
  o.title = "timeline <skewed>";
  const auto r = render_timeline_svg(small_trace(), skewed, out, o);
  keep("timeline-skewed", out.str());
  ASSERT_TRUE(r.violation.has_value());
  const Svg svg(out.str());
  // The start, load, and the rejected online: the run stops there.
  EXPECT_EQ(svg.count("g", "step") + svg.count("g", "step failing-step"), 3u);
  EXPECT_EQ(svg.count("g", "step failing-step"), 1u);
  EXPECT_EQ(svg.count("rect", "failing"), 1u);
  EXPECT_EQ(svg.count("circle", "failed-probe"), 1u);
  EXPECT_GE(svg.count("rect", "answer wrong"), 1u);
  EXPECT_GE(svg.count("rect", "coverage"), 2u) << "MR coverage after load and after the online";
  EXPECT_EQ(svg.count("rect", "block offline"), 2u) << "0x40000000 offline at the start and after load";
  const std::string text = out.str();
  EXPECT_NE(text.find("GOING_ONLINE: OK"), std::string::npos) << "the notifier's answer";
  EXPECT_NE(text.find("timeline &lt;skewed&gt;"), std::string::npos);
}

TEST(RenderTimeline, PassingTraceHasEveryStepAndTheClosingUnload) {
  Trace t = small_trace();
  t.ops.pop_back();
  t.ops.insert(t.ops.begin() + 1, Op{OpKind::FaultAlloc});
  std::ostringstream out;
  const auto r = render_timeline_svg(t, drivers::simple, out);
  keep("timeline-simple", out.str());
  EXPECT_FALSE(r.violation.has_value());
  const Svg svg(out.str());
  EXPECT_EQ(svg.count("g", "step"), t.ops.size() + 2) << "the start, each op, the implicit unload";
  EXPECT_EQ(svg.count("g", "step failing-step"), 0u);
  EXPECT_NE(out.str().find("fault armed"), std::string::npos);
  EXPECT_NE(out.str().find("1 fault hit"), std::string::npos) << "the online's allocation failed";
}

} // namespace
} // namespace busmap::report
