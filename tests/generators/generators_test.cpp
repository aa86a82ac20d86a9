// The trace generators: every generated trace and every shrink of one is a
// valid trace that survives a trip through the trace file format; every
// layout class, operation and protocol choice is reached; the same seed
// gives the same trace.
#include "properties/generators.hpp"
#include "properties/oracle.hpp"
#include "properties/trace_format.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

namespace busmap {
namespace {

GeneratorOptions opts(std::size_t steps = 40) {
  GeneratorOptions o;
  o.max_steps = steps;
  return o;
}

GeneratedCase generate(std::uint64_t seed, int size = 100, std::size_t steps = 40) {
  return gen_case(opts(steps))(rc::Random(seed), size).value();
}

/// Everything a generated trace promises, as gtest failures naming it.
void expect_valid(const Trace &t, std::size_t max_steps) {
  SCOPED_TRACE(write_trace(t));
  EXPECT_EQ(t.layout.validate(), "");
  ASSERT_FALSE(t.ops.empty());
  EXPECT_EQ(t.ops.front().kind, OpKind::Load);
  EXPECT_LE(t.ops.size(), max_steps);
  const std::uint64_t section_mask = t.layout.config.section_size() - 1;
  for (const auto &op : t.ops) {
    switch (op.kind) {
    case OpKind::Add:
      EXPECT_EQ(op.addr & section_mask, 0u) << format_op(op);
      EXPECT_GE(op.sections, 1u);
      EXPECT_LE(op.sections, (1ull << (64 - t.layout.config.section_shift)) -
                                 (op.addr >> t.layout.config.section_shift))
          << format_op(op) << " runs past 2^64";
      break;
    case OpKind::Online:
    case OpKind::Offline:
    case OpKind::Remove:
      EXPECT_EQ(op.addr & section_mask, 0u) << format_op(op);
      EXPECT_FALSE(op.migrate_fail && op.veto != Veto::None) << format_op(op);
      break;
    case OpKind::FaultAlloc:
    case OpKind::FaultHcall:
      EXPECT_GE(op.nth, 1u);
      break;
    default:
      break;
    }
  }
  // One to one onto a trace file: reading the file back gives the trace.
  const Trace back = parse_trace(write_trace(t), "generated.trace");
  EXPECT_EQ(back.ops, t.ops);
  EXPECT_EQ(write_trace(back), write_trace(t));
}

TEST(Generators, GeneratedTracesAreValidAndRoundTrip) {
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    const auto c = generate(seed, static_cast<int>(seed % 101), 1 + seed % 60);
    expect_valid(c.trace, 1 + seed % 60);
    EXPECT_EQ(c.intents.size(), c.trace.ops.size() - 1);
  }
}

TEST(Generators, SameSeedSameTrace) {
  for (std::uint64_t seed : {1ull, 42ull, 0xdeadbeefull}) {
    EXPECT_EQ(write_trace(generate(seed).trace), write_trace(generate(seed).trace));
  }
  EXPECT_NE(write_trace(generate(1).trace), write_trace(generate(2).trace));
}

TEST(Generators, EveryClassOperationAndPathIsReached) {
  std::set<std::string> classes;
  std::set<OpKind> kinds;
  std::set<Intent> intents;
  std::set<std::int64_t> codes;
  bool veto_before = false, veto_after = false, migrate_fail = false, top = false, near_top = false,
       above_2_55 = false, x86 = false, gigantic = false;
  for (std::uint64_t seed = 0; seed < 600; ++seed) {
    const auto c = generate(seed);
    classes.insert(c.layout_class);
    intents.insert(c.intents.begin(), c.intents.end());
    x86 |= c.trace.layout.config.section_shift == 27;
    gigantic |= !c.trace.layout.gigantic.empty();
    for (const auto &b : c.trace.layout.blocks)
      near_top |= b.base >= (1ull << 63) && b.base >= ~0ull - (1ull << 30);
    for (const auto &op : c.trace.ops) {
      kinds.insert(op.kind);
      veto_before |= op.veto == Veto::Before;
      veto_after |= op.veto == Veto::After;
      migrate_fail |= op.migrate_fail;
      if (op.kind == OpKind::FaultHcall)
        codes.insert(op.code);
      top |= op.kind == OpKind::Translate && op.addr == ~0ull;
      above_2_55 |= op.addr >= (1ull << 55);
    }
  }
  for (const auto &lc : layout_classes())
    EXPECT_TRUE(classes.count(lc.name)) << "layout class never generated: " << lc.name;
  EXPECT_EQ(classes.size(), layout_classes().size());
  for (int k = 0; k <= static_cast<int>(OpKind::FaultHcall); ++k)
    EXPECT_TRUE(kinds.count(static_cast<OpKind>(k)))
        << "operation never generated: " << to_string(static_cast<OpKind>(k));
  for (std::size_t i = 0; i < IntentCount; ++i)
    EXPECT_TRUE(intents.count(static_cast<Intent>(i)))
        << "intent never used: " << to_string(static_cast<Intent>(i));
  EXPECT_EQ(codes.size(), 4u) << "each injected firmware error code";
  EXPECT_TRUE(veto_before && veto_after && migrate_fail);
  EXPECT_TRUE(top) << "a translation of the last byte of the 64-bit space";
  EXPECT_TRUE(near_top) << "a block in the last GiB of the 64-bit space";
  EXPECT_TRUE(above_2_55);
  EXPECT_TRUE(x86 && gigantic);
}

TEST(Generators, LayoutClassesHaveTheirShape) {
  for (const auto &lc : layout_classes()) {
    const auto gen = gen_layout(lc.name);
    for (std::uint64_t seed = 0; seed < 40; ++seed) {
      const ClassedLayout cl = gen(rc::Random(seed), 100).value();
      SCOPED_TRACE(std::string(lc.name) + "\n" + write_layout(cl.layout));
      EXPECT_EQ(cl.layout_class, lc.name);
      ASSERT_EQ(cl.layout.validate(), "");
      ASSERT_FALSE(cl.layout.blocks.empty());
      std::uint64_t sections = 0;
      for (const auto &b : cl.layout.blocks)
        sections += b.sections;
      const std::string name = lc.name;
      if (name == "tiny") {
        EXPECT_EQ(sections, 1u);
      } else if (name == "large") {
        EXPECT_GE(sections, 256u);
      } else if (name == "x86-64") {
        EXPECT_EQ(cl.layout.config.section_shift, 27u);
      }
      if (name == "gigantic") {
        ASSERT_FALSE(cl.layout.gigantic.empty());
        // Every gigantic page lies inside the partition's blocks.
        for (auto g : cl.layout.gigantic) {
          std::uint64_t covered = 0;
          for (const auto &b : cl.layout.blocks)
            if (b.base >= g && b.base - g < (1ull << cl.layout.config.gigantic_shift))
              covered += b.sections << cl.layout.config.section_shift;
          EXPECT_EQ(covered, 1ull << cl.layout.config.gigantic_shift);
        }
      }
    }
  }
  EXPECT_THROW(gen_layout("no-such-class"), std::invalid_argument);
}

/// Walks `depth` levels of the shrink tree, `width` candidates per level.
void expect_shrinks_valid(const rc::Shrinkable<GeneratedCase> &s, int depth, int width,
                          std::size_t max_steps, std::size_t &seen) {
  if (depth == 0)
    return;
  auto seq = s.shrinks();
  for (int i = 0; i < width; ++i) {
    auto next = seq.next();
    if (!next)
      return;
    ++seen;
    expect_valid(next->value().trace, max_steps);
    expect_shrinks_valid(*next, depth - 1, width, max_steps, seen);
  }
}

TEST(Generators, ShrinksStayValid) {
  std::size_t seen = 0;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const auto root = gen_case(opts())(rc::Random(seed), 100);
    expect_shrinks_valid(root, 3, 6, 40, seen);
  }
  EXPECT_GT(seen, 100u) << "the shrink tree was explored";
}

std::uint64_t total_sections(const Layout &l) {
  std::uint64_t n = 0;
  for (const auto &b : l.blocks)
    n += b.sections;
  return n;
}

TEST(Generators, LayoutShrinksBeforeOperations) {
  // Every candidate registers its whole layout page by page, so the machine
  // shrinks first: the first shrink of a trace on a big layout is a smaller
  // layout, and shorter traces of one layout come after the layout's shrinks.
  const auto root = gen_case(opts())(rc::Random(7), 100);
  const auto value = root.value();
  ASSERT_GT(value.trace.ops.size(), 4u);
  ASSERT_GT(total_sections(value.trace.layout), 1u);
  auto shrinks = root.shrinks();
  auto first = shrinks.next();
  ASSERT_TRUE(first);
  EXPECT_NE(write_layout(first->value().trace.layout), write_layout(value.trace.layout));
  bool shorter_same_layout = false;
  while (auto s = shrinks.next())
    if (write_layout(s->value().trace.layout) == write_layout(value.trace.layout) &&
        s->value().trace.ops.size() < value.trace.ops.size())
      shorter_same_layout = true;
  EXPECT_TRUE(shorter_same_layout) << "the operations shrink too";
}

// The longest expansion of one gene: a load inside an offline window on a
// loaded driver is unload, GOING_OFFLINE, load, translate, the migrated
// phase and OFFLINE.  (A bound of three per gene, from before the window
// intents, failed on a fresh seed of the property below.)
TEST(Generators, AWindowGeneIsAtMostSixOperations) {
  ClassedLayout l{"test", parse_layout("busmap-layout 1\nblock 0x0 sections=16 online\n"
                                       "block 0x10000000 sections=16 online\n",
                                       "two.layout")};
  StepGene g;
  g.intent = Intent::LoadInOfflineWindow;
  g.section = 1; // odd: the migrated phase too
  const auto c = concretize(l, {g}, opts(10));
  ASSERT_EQ(c.trace.ops.size(), 1 + MaxOpsPerGene) << write_trace(c.trace);
  EXPECT_EQ(c.trace.ops[1].kind, OpKind::Unload);
  EXPECT_EQ(c.trace.ops[5].phase, HotplugPhase::Migrated);
}

// The property form: any intents over any layout make a valid trace.
RC_GTEST_PROP(GeneratorProperty, ConcretizedTracesAreValid, ()) {
  const auto layout = *gen_layout();
  const auto steps = *rc::gen::container<std::vector<StepGene>>(gen_step());
  const auto c = concretize(layout, steps, opts(1000));
  RC_ASSERT(c.trace.layout.validate().empty());
  RC_ASSERT(c.trace.ops.front().kind == OpKind::Load);
  RC_ASSERT(c.trace.ops.size() <= MaxOpsPerGene * steps.size() + 1); // the load, then genes
  RC_ASSERT(parse_trace(write_trace(c.trace), "p.trace").ops == c.trace.ops);
}

} // namespace
} // namespace busmap
