//===- smt/word.hpp - a Z3 bit-vector word for the layout templates -*- C++ -*-===//
//
// The symbolic machine word that include/busmap/layout_arith.hpp (and the
// driver's radix index) are instantiated over to be proved.  The templates
// are written for unsigned C++ integers, so this word gives every operator
// its *unsigned* meaning and refuses what would silently change it:
//
//   * <, <=, >, >=, /, %, >> are the unsigned bit-vector operations (Z3's own
//     C++ operators on bit-vectors are the signed ones);
//   * a comparison yields a SymBool, which has no conversion to bool: an
//     `if (a < b)` in a template fails to compile instead of silently taking
//     one branch; the only ways to use it are select() and the proof's
//     assertions;
//   * there is no conversion from integers: a constant is lit(like, v), with
//     the width of `like`, so widths stay explicit and equal; mixing widths
//     throws (Z3 would too, with a less helpful message);
//   * lit() and select() live in this namespace, found by argument lookup from
//     the templates exactly like the uint64_t overloads of busmap::arith.
//
// The static_asserts at the bottom keep these refusals from eroding.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_SMT_WORD_HPP
#define BUSMAP_SMT_WORD_HPP

#include <z3++.h>

#include <concepts>
#include <cstdint>
#include <string>
#include <type_traits>

namespace busmap::smt {

/// A symbolic truth value: the result of comparing words.
class SymBool {
public:
  explicit SymBool(z3::expr e);
  const z3::expr &expr() const { return e_; }
  /// Deleted: a symbolic condition has no single truth value to branch on.
  explicit operator bool() const = delete;

  friend SymBool operator&&(const SymBool &a, const SymBool &b) { return SymBool(a.e_ && b.e_); }
  friend SymBool operator||(const SymBool &a, const SymBool &b) { return SymBool(a.e_ || b.e_); }
  friend SymBool operator!(const SymBool &a) { return SymBool(!a.e_); }

private:
  z3::expr e_;
};

SymBool implies(const SymBool &a, const SymBool &b);
SymBool iff(const SymBool &a, const SymBool &b);
SymBool sym_true(z3::context &c);

/// A symbolic unsigned machine word of a fixed width.
class Word {
public:
  explicit Word(z3::expr e);
  /// A free variable of `width` bits.
  static Word var(z3::context &c, const std::string &name, unsigned width);
  /// A variable no other term shares (bound variables of quantifiers).
  static Word fresh(z3::context &c, const char *prefix, unsigned width);
  /// The constant `v` of `width` bits.
  static Word constant(z3::context &c, std::uint64_t v, unsigned width);

  const z3::expr &expr() const { return e_; }
  unsigned width() const { return e_.get_sort().bv_size(); }
  z3::context &ctx() const { return e_.ctx(); }
  explicit operator bool() const = delete;

  friend Word operator+(const Word &a, const Word &b);
  friend Word operator-(const Word &a, const Word &b);
  friend Word operator*(const Word &a, const Word &b);
  friend Word operator/(const Word &a, const Word &b); // unsigned
  friend Word operator%(const Word &a, const Word &b); // unsigned
  friend Word operator&(const Word &a, const Word &b);
  friend Word operator|(const Word &a, const Word &b);
  friend Word operator^(const Word &a, const Word &b);
  friend Word operator<<(const Word &a, const Word &b);
  friend Word operator>>(const Word &a, const Word &b); // logical
  friend Word operator~(const Word &a);

  friend SymBool operator==(const Word &a, const Word &b);
  friend SymBool operator!=(const Word &a, const Word &b);
  friend SymBool operator<(const Word &a, const Word &b); // unsigned
  friend SymBool operator<=(const Word &a, const Word &b);
  friend SymBool operator>(const Word &a, const Word &b);
  friend SymBool operator>=(const Word &a, const Word &b);

private:
  z3::expr e_;
};

/// The constant `v` with the width of `like` (v is truncated to it, as a
/// cast of the same constant to the concrete word type would be).
Word lit(const Word &like, std::uint64_t v);
/// c ? a : b as a term; both arms are always built.
Word select(const SymBool &c, const Word &a, const Word &b);
/// Zero-extension and truncation: the only width changes, both explicit.
Word widen(const Word &w, unsigned width);
/// widen() to the width of `like`: the symbolic twin of arith::widen_like.
Word widen_like(const Word &w, const Word &like);
Word narrow(const Word &w, unsigned width);
/// True when a + b does not wrap (the sum of the mathematical integers fits).
SymBool add_fits(const Word &a, const Word &b);
/// True when a << b loses no set bit and the shift is below the width.
SymBool shl_fits(const Word &a, const Word &b);

// --- The refusals, checked at compile time. -------------------------------
template <class T>
concept BranchableOn = requires(const T &t) { static_cast<bool>(t); };
template <class T>
concept MixesWithInt = requires(const T &t) { t + 1; } || requires(const T &t) { t < 0; } ||
                       requires(const T &t) { t == 0; };
template <class T>
concept MixesWithZ3Expr = requires(const T &t, const z3::expr &e) { t + e; } ||
                          requires(const T &t, const z3::expr &e) { t < e; };

static_assert(!BranchableOn<SymBool>, "a symbolic comparison must not convert to bool");
static_assert(!BranchableOn<Word>, "a symbolic word must not convert to bool");
static_assert(!std::is_convertible_v<std::uint64_t, Word>, "constants come from lit()");
static_assert(!std::is_convertible_v<z3::expr, Word>, "raw Z3 terms carry signed operators");
static_assert(!MixesWithInt<Word>, "no arithmetic with plain integers: use lit()");
static_assert(!MixesWithZ3Expr<Word>, "no arithmetic with raw Z3 terms");
static_assert(std::same_as<decltype(std::declval<Word>() < std::declval<Word>()), SymBool>);

} // namespace busmap::smt

#endif // BUSMAP_SMT_WORD_HPP
