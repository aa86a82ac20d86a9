// The Z3 word of smt/word.hpp: each operator maps to the unsigned bit-vector
// operation, after checking that both sides have the same width.
#include "smt/word.hpp"

#include <stdexcept>

namespace busmap::smt {

namespace {

void same_width(const Word &a, const Word &b, const char *op) {
  if (a.width() != b.width())
    throw std::invalid_argument(std::string("smt::Word ") + op + ": widths " +
                                std::to_string(a.width()) + " and " +
                                std::to_string(b.width()) + " differ");
}

template <class F> Word combine(const Word &a, const Word &b, const char *op, F f) {
  same_width(a, b, op);
  return Word(f(a.expr(), b.expr()));
}

template <class F> SymBool compare(const Word &a, const Word &b, const char *op, F f) {
  same_width(a, b, op);
  return SymBool(f(a.expr(), b.expr()));
}

} // namespace

SymBool::SymBool(z3::expr e) : e_(std::move(e)) {
  if (!e_.is_bool())
    throw std::invalid_argument("smt::SymBool needs a Boolean term");
}

SymBool implies(const SymBool &a, const SymBool &b) { return SymBool(z3::implies(a.expr(), b.expr())); }
SymBool iff(const SymBool &a, const SymBool &b) { return SymBool(a.expr() == b.expr()); }
SymBool sym_true(z3::context &c) { return SymBool(c.bool_val(true)); }

Word::Word(z3::expr e) : e_(std::move(e)) {
  if (!e_.is_bv())
    throw std::invalid_argument("smt::Word needs a bit-vector term");
}

Word Word::var(z3::context &c, const std::string &name, unsigned width) {
  return Word(c.bv_const(name.c_str(), width));
}

Word Word::fresh(z3::context &c, const char *prefix, unsigned width) {
  Z3_ast a = Z3_mk_fresh_const(c, prefix, c.bv_sort(width));
  c.check_error();
  return Word(z3::expr(c, a));
}

Word Word::constant(z3::context &c, std::uint64_t v, unsigned width) {
  if (width < 64)
    v &= (std::uint64_t{1} << width) - 1;
  return Word(c.bv_val(v, width));
}

Word operator+(const Word &a, const Word &b) {
  return combine(a, b, "+", [](auto &x, auto &y) { return x + y; });
}
Word operator-(const Word &a, const Word &b) {
  return combine(a, b, "-", [](auto &x, auto &y) { return x - y; });
}
Word operator*(const Word &a, const Word &b) {
  return combine(a, b, "*", [](auto &x, auto &y) { return x * y; });
}
Word operator/(const Word &a, const Word &b) {
  return combine(a, b, "/", [](auto &x, auto &y) { return z3::udiv(x, y); });
}
Word operator%(const Word &a, const Word &b) {
  return combine(a, b, "%", [](auto &x, auto &y) { return z3::urem(x, y); });
}
Word operator&(const Word &a, const Word &b) {
  return combine(a, b, "&", [](auto &x, auto &y) { return x & y; });
}
Word operator|(const Word &a, const Word &b) {
  return combine(a, b, "|", [](auto &x, auto &y) { return x | y; });
}
Word operator^(const Word &a, const Word &b) {
  return combine(a, b, "^", [](auto &x, auto &y) { return x ^ y; });
}
Word operator<<(const Word &a, const Word &b) {
  return combine(a, b, "<<", [](auto &x, auto &y) { return z3::shl(x, y); });
}
Word operator>>(const Word &a, const Word &b) {
  return combine(a, b, ">>", [](auto &x, auto &y) { return z3::lshr(x, y); });
}
Word operator~(const Word &a) { return Word(~a.expr()); }

SymBool operator==(const Word &a, const Word &b) {
  return compare(a, b, "==", [](auto &x, auto &y) { return x == y; });
}
SymBool operator!=(const Word &a, const Word &b) {
  return compare(a, b, "!=", [](auto &x, auto &y) { return x != y; });
}
SymBool operator<(const Word &a, const Word &b) {
  return compare(a, b, "<", [](auto &x, auto &y) { return z3::ult(x, y); });
}
SymBool operator<=(const Word &a, const Word &b) {
  return compare(a, b, "<=", [](auto &x, auto &y) { return z3::ule(x, y); });
}
SymBool operator>(const Word &a, const Word &b) {
  return compare(a, b, ">", [](auto &x, auto &y) { return z3::ugt(x, y); });
}
SymBool operator>=(const Word &a, const Word &b) {
  return compare(a, b, ">=", [](auto &x, auto &y) { return z3::uge(x, y); });
}

Word lit(const Word &like, std::uint64_t v) { return Word::constant(like.ctx(), v, like.width()); }

Word select(const SymBool &c, const Word &a, const Word &b) {
  same_width(a, b, "select");
  return Word(z3::ite(c.expr(), a.expr(), b.expr()));
}

Word widen_like(const Word &w, const Word &like) { return widen(w, like.width()); }

Word widen(const Word &w, unsigned width) {
  if (width < w.width())
    throw std::invalid_argument("smt::widen to a narrower width");
  return width == w.width() ? w : Word(z3::zext(w.expr(), width - w.width()));
}

Word narrow(const Word &w, unsigned width) {
  if (width > w.width() || width == 0)
    throw std::invalid_argument("smt::narrow to a wider width");
  return width == w.width() ? w : Word(w.expr().extract(width - 1, 0));
}

SymBool add_fits(const Word &a, const Word &b) {
  same_width(a, b, "add_fits");
  const unsigned w = a.width();
  const Word sum = widen(a, w + 1) + widen(b, w + 1);
  return (sum >> lit(sum, w)) == lit(sum, 0);
}

SymBool shl_fits(const Word &a, const Word &b) {
  same_width(a, b, "shl_fits");
  return b < lit(b, a.width()) && ((a << b) >> b) == a;
}

} // namespace busmap::smt
