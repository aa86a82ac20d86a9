// The Z3 word of smt/word.hpp: unsigned meanings, explicit widths, and the
// layout templates instantiated over it computing what uint64_t computes.
// (The refusals that must not compile are static_asserts in word.hpp.)
#include "busmap/layout_arith.hpp"
#include "impl/radix_index.hpp"
#include "smt/word.hpp"

#include <gtest/gtest.h>

namespace busmap::smt {
namespace {

/// True when `b` holds in every model (its negation is unsatisfiable).
bool valid(z3::context &c, const SymBool &b) {
  z3::solver s(c);
  s.add(!b.expr());
  return s.check() == z3::unsat;
}

std::uint64_t value(const Word &w) { return w.expr().simplify().get_numeral_uint64(); }

TEST(SmtWord, ComparisonsAndDivisionAreUnsigned) {
  z3::context c;
  const Word top = Word::constant(c, ~0ull, 64), one = Word::constant(c, 1, 64);
  EXPECT_TRUE(valid(c, top > one));  // signed: -1 < 1
  EXPECT_EQ(value(top / Word::constant(c, 2, 64)), ~0ull / 2);
  EXPECT_EQ(value(top % Word::constant(c, 10, 64)), ~0ull % 10);
  EXPECT_EQ(value(top >> one), ~0ull >> 1); // logical, not arithmetic
}

TEST(SmtWord, WidthsAreExplicit) {
  z3::context c;
  const Word a = Word::var(c, "a", 64), b = Word::var(c, "b", 32);
  EXPECT_THROW((void)(a + b), std::invalid_argument);
  EXPECT_THROW((void)(a < b), std::invalid_argument);
  EXPECT_EQ(lit(b, 0x1FFFFFFFFull).width(), 32u);
  EXPECT_EQ(value(lit(b, 0x1FFFFFFFFull)), 0xFFFFFFFFu);
  EXPECT_EQ(widen(b, 64).width(), 64u);
  EXPECT_THROW((void)widen(a, 32), std::invalid_argument);
}

TEST(SmtWord, OverflowPredicates) {
  z3::context c;
  const Word top = Word::constant(c, ~0ull, 64), one = Word::constant(c, 1, 64);
  EXPECT_TRUE(valid(c, !add_fits(top, one)));
  EXPECT_TRUE(valid(c, add_fits(top - one, one)));
  EXPECT_TRUE(valid(c, !shl_fits(Word::constant(c, 3, 64), Word::constant(c, 63, 64))));
  EXPECT_TRUE(valid(c, shl_fits(one, Word::constant(c, 63, 64))));
}

// The templates of layout_arith.hpp, over constants, give the uint64_t answers.
TEST(SmtWord, LayoutTemplatesAgreeWithTheMachineWord) {
  z3::context c;
  const std::uint64_t bus = 0x8000000000000000ull, shift = 24;
  for (std::uint64_t addr : {0ull, 0x1234567ull, 0x1000000000000123ull, ~0ull})
    for (std::uint64_t slot : {0ull, 5ull, ~0ull}) {
      auto w = [&](std::uint64_t v) { return Word::constant(c, v, 64); };
      EXPECT_EQ(value(arith::translate_slot(w(bus), w(slot), w(shift), w(addr))),
                arith::translate_slot(bus, slot, shift, addr));
      EXPECT_EQ(value(arith::offset_in_section(w(addr), w(shift))),
                arith::offset_in_section(addr, shift));
    }
  for (std::uint32_t slot : {0u, 3u, 7u, 0xFFFFFFFFu}) {
    const Word s = Word::constant(c, slot, 32), r = Word::constant(c, 3, 32),
               n = Word::constant(c, 2, 32);
    EXPECT_EQ(value(radix::slot_after_insert_run(s, r, n)), radix::slot_after_insert_run(slot, 3u, 2u));
    EXPECT_EQ(value(radix::slot_after_remove_run(s, r, n)), radix::slot_after_remove_run(slot, 3u, 2u));
  }
}

} // namespace
} // namespace busmap::smt
