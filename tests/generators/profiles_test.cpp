// Machine profiles in generation: per profile, every generated layout and
// configuration is one the profile admits and lies below its physical
// width; the firmware settings vary (the measured share of traces with a
// varied value of each, fixed seeds 0..599); adds land across power-of-two
// boundaries, the 128 GiB one of eHEA's directories among them; no-RAM
// partitions appear only where the profile allows them; --config and
// --class narrow generation, and bad values are refused naming what is
// allowed.
#include "platform/profile.hpp"
#include "properties/generators.hpp"
#include "properties/machine_filter.hpp"
#include "properties/oracle.hpp"
#include "properties/trace_format.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace busmap {
namespace {

constexpr std::uint64_t Cases = 600;

GeneratedCase generate(const LayoutFilter &f, std::uint64_t seed) {
  GeneratorOptions o;
  o.layouts = f;
  return gen_case(o)(rc::Random(seed), 100).value();
}

LayoutFilter on(const char *profile) { return make_filter(profile, {}, {}); }

/// The end of the block at `first` of `sections` sections, in sections.
bool below_width(const PlatformConfig &c, std::uint64_t addr, std::uint64_t sections) {
  const std::uint64_t first = addr >> c.section_shift;
  return first < c.section_limit() && sections <= c.section_limit() - first;
}

bool any_online(const Layout &l) {
  for (const auto &b : l.blocks)
    if (b.state == BlockState::Online)
      return true;
  return false;
}

class EveryProfile : public ::testing::TestWithParam<const char *> {};

TEST_P(EveryProfile, GeneratesOnlyWhatTheProfileAdmits) {
  const LayoutFilter f = on(GetParam());
  const Profile &p = *f.profile;
  for (std::uint64_t seed = 0; seed < Cases; ++seed) {
    const GeneratedCase c = generate(f, seed);
    const Trace &t = c.trace;
    const PlatformConfig &cfg = t.layout.config;
    SCOPED_TRACE(write_trace(t));
    EXPECT_EQ(t.profile, p.name);
    EXPECT_EQ(p.admits(cfg), "");
    EXPECT_EQ(t.layout.validate(), "");
    EXPECT_TRUE(p.has_class(c.layout_class)) << c.layout_class;
    if (!p.no_ram) {
      EXPECT_TRUE(any_online(t.layout));
    }
    for (const auto &op : t.ops) {
      if (op.kind == OpKind::Add) {
        EXPECT_TRUE(below_width(cfg, op.addr, op.sections)) << format_op(op);
      }
      if (op.kind == OpKind::Translate && cfg.phys_bits < 64) {
        EXPECT_LT(op.addr >> cfg.phys_bits, 1u) << format_op(op);
      }
    }
    // The trace file keeps the profile.
    EXPECT_EQ(parse_trace(write_trace(t), "generated.trace").profile, p.name);
  }
}

TEST_P(EveryProfile, FirmwareSettingsVaryAboutAThirdOfTheTime) {
  const LayoutFilter f = on(GetParam());
  std::map<std::string, std::uint64_t> varied;
  for (std::uint64_t seed = 0; seed < Cases; ++seed) {
    const PlatformConfig c = generate(f, seed).trace.layout.config;
    for (const auto &r : f.profile->settings) {
      std::uint64_t v = 0;
      get_setting(c, r.key, v);
      varied[r.key] += v != r.common;
    }
  }
  // Drawn: the common value 12 in 18, so about 1/3 varied (measured with
  // these seeds: 31-36% for each setting on each profile).
  for (const auto &r : f.profile->settings) {
    EXPECT_GT(varied[r.key], Cases / 5) << r.key;
    EXPECT_LT(varied[r.key], Cases / 2) << r.key;
  }
}

TEST_P(EveryProfile, AddsLandAcrossPowerOfTwoBoundaries) {
  const LayoutFilter f = on(GetParam());
  std::uint64_t traces_with = 0;
  std::set<std::uint32_t> ks;
  for (std::uint64_t seed = 0; seed < Cases; ++seed) {
    const Trace t = generate(f, seed).trace;
    const PlatformConfig &c = t.layout.config;
    bool found = false;
    for (const auto &op : t.ops) {
      if (op.kind != OpKind::Add)
        continue;
      const std::uint64_t first = op.addr >> c.section_shift, end = first + op.sections;
      for (std::uint32_t k = c.block_shift + 1; k < c.phys_bits; ++k) {
        const std::uint64_t at = 1ull << (k - c.section_shift);
        if (first < at && at < end) {
          ks.insert(k);
          found = true;
        }
      }
    }
    traces_with += found;
  }
  // Measured with these seeds: 20-30% of traces add a block across 2^k
  // (k above the block size, so the boundary falls between two blocks).
  EXPECT_GT(traces_with, Cases / 10);
  EXPECT_GT(ks.size(), 10u) << "boundaries of many sizes";
}

INSTANTIATE_TEST_SUITE_P(Profiles, EveryProfile, ::testing::Values("portable", "ppc64", "x86-64"),
                         [](const auto &info) {
                           std::string s = info.param;
                           for (auto &ch : s)
                             ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           return s;
                         });

TEST(Profiles, Ppc64ReachesEheaDirectoryBoundaryWithAFaultInTheOnline) {
  // 2^37 = 128 GiB: two of eHEA's 8192-entry directories of 16 MiB sections.
  const LayoutFilter f = on("ppc64");
  std::uint64_t hits = 0;
  for (std::uint64_t seed = 0; seed < 3000; ++seed) {
    const Trace t = generate(f, seed).trace;
    const std::uint64_t at = (1ull << 37) >> t.layout.config.section_shift;
    for (std::size_t i = 2; i < t.ops.size(); ++i) {
      const Op &add = t.ops[i - 2], &fault = t.ops[i - 1], &online = t.ops[i];
      const std::uint64_t first = add.addr >> t.layout.config.section_shift;
      hits += add.kind == OpKind::Add && first < at && at < first + add.sections &&
              fault.kind == OpKind::FaultAlloc && online.kind == OpKind::Online &&
              online.addr == add.addr;
    }
  }
  EXPECT_GE(hits, 1u);
}

TEST(Profiles, GeometryVariantsAreAllReached) {
  std::set<std::pair<std::string, std::uint32_t>> seen; // profile, phys_bits
  std::set<std::uint32_t> ppc64_hw;
  for (const char *name : {"ppc64", "x86-64"}) {
    const LayoutFilter f = on(name);
    for (std::uint64_t seed = 0; seed < Cases; ++seed) {
      const PlatformConfig c = generate(f, seed).trace.layout.config;
      seen.insert({name, c.phys_bits});
      if (std::string(name) == "ppc64")
        ppc64_hw.insert(c.hw_page_shift);
    }
  }
  EXPECT_TRUE(seen.count({"ppc64", 51}) && seen.count({"ppc64", 46}));
  EXPECT_TRUE(seen.count({"x86-64", 46}) && seen.count({"x86-64", 52}));
  EXPECT_EQ(ppc64_hw, (std::set<std::uint32_t>{12, 16}));
}

TEST(Profiles, PortableKeepsTheFull64BitSpaceAndNoRamPartitions) {
  const Profile &p = default_profile();
  EXPECT_STREQ(p.name, "portable");
  EXPECT_EQ(p.max_phys_bits(), 64u);
  EXPECT_TRUE(p.no_ram && p.top_of_64);
  for (const Profile &q : profiles()) {
    if (&q != &p) {
      EXPECT_TRUE(!q.no_ram && !q.top_of_64 && q.max_phys_bits() < 64) << q.name;
    }
  }
}

TEST(Profiles, ConfigOverrideHoldsForEveryTrace) {
  const LayoutFilter f = make_filter("ppc64", {"numa"}, {"max_rpages=256", "bus_start=0x0"});
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    const GeneratedCase c = generate(f, seed);
    EXPECT_EQ(c.layout_class, "numa");
    EXPECT_EQ(c.trace.layout.config.max_rpages, 256u);
    EXPECT_EQ(c.trace.layout.config.bus_start, 0u);
  }
  const LayoutFilter hw = make_filter("portable", {}, {"hw_page_shift=16"});
  for (std::uint64_t seed = 0; seed < 100; ++seed)
    EXPECT_EQ(generate(hw, seed).trace.layout.config.page_shift, 16u) << "only 64 KiB geometries";
}

/// The message of make_filter's exception, or "" when it accepts.
std::string refusal(const std::string &profile, std::vector<std::string> classes,
                    std::vector<std::string> configs) {
  try {
    make_filter(profile, classes, configs);
  } catch (const std::invalid_argument &e) {
    return e.what();
  }
  return "";
}

TEST(Profiles, BadValuesAreRefusedNamingTheAllowedOnes) {
  EXPECT_EQ(refusal("sparc", {}, {}), "unknown profile 'sparc'; allowed: portable, ppc64, x86-64");
  EXPECT_NE(refusal("ppc64", {"x86-64"}, {}).find("allowed: tiny, dense, ppc64-lmb"),
            std::string::npos);
  EXPECT_NE(refusal("ppc64", {}, {"max_rpages=1024"}).find("allowed: [0x1, 0x200]"),
            std::string::npos);
  EXPECT_NE(refusal("x86-64", {}, {"phys_bits=51"}).find("46 or 52 on x86-64"), std::string::npos);
  EXPECT_NE(refusal("ppc64", {}, {"colour=red"}).find("KEY one of max_rpages"), std::string::npos);
  EXPECT_NE(refusal("ppc64", {}, {"max_mrs=two"}).find("--config max_mrs='two': expected a whole number (decimal or 0x hex)"), std::string::npos);
  // Each fine alone, impossible together: 46 bits go with 4 KiB pages, 64 KiB HW pages not.
  EXPECT_NE(refusal("ppc64", {}, {"phys_bits=46", "hw_page_shift=16"}), "");
  EXPECT_EQ(refusal("x86-64", {"numa", "dense"}, {"max_mrs=1", "phys_bits=52"}), "");
}

} // namespace
} // namespace busmap
