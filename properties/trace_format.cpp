//===- properties/trace_format.cpp - .trace and .layout files -------------===//
//
// The reader is a line parser in three small layers: a Line splits one line
// into tokens with their columns (a `#` ends it), the value readers turn a
// token into a number, an address or a name, and the Reader walks the lines,
// filling a header (magic, impl, mode, expect, config, blocks, gigantic
// pages) and then the operations.  Every error goes through Reader::fail so
// it always carries file, line and column.
//
// The layout is validated when the header ends, piece by piece so that an
// error points at the block or gigantic line that breaks a rule, with
// Layout::validate()'s own words.
//
//===----------------------------------------------------------------------===//
#include "properties/trace_format.hpp"

#include "platform/input_limits.hpp"
#include "platform/profile.hpp"
#include "properties/oracle.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>
#include <unordered_set>
#include <variant>

namespace busmap {

ParseError::ParseError(std::string file_, int line_, int column_, const std::string &message_)
    : std::runtime_error(line_ > 0 ? fmt::format("{}:{}:{}: {}", file_, line_, column_, message_)
                                   : fmt::format("{}: {}", file_, message_)),
      file(std::move(file_)), line(line_), column(column_), message(message_) {}

namespace {

constexpr std::string_view TraceMagic = "busmap-trace";
constexpr std::string_view LayoutMagic = "busmap-layout";

// --- The configuration fields, by name. ------------------------------------

// Adding a field to PlatformConfig changes its size: add it to config_fields
// below too, or traces would silently drop it.
static_assert(sizeof(PlatformConfig) == 8 * sizeof(std::uint32_t) + 4 * sizeof(std::uint64_t),
              "PlatformConfig changed: update config_fields in trace_format.cpp");

struct ConfigField {
  const char *name;
  std::variant<std::uint32_t PlatformConfig::*, std::uint64_t PlatformConfig::*> member;
  int group;  // fields of one group share a `config` line when written
  bool hex;   // addresses and byte counts are written in hex

  std::uint64_t get(const PlatformConfig &c) const {
    return std::visit([&](auto m) { return static_cast<std::uint64_t>(c.*m); }, member);
  }
  std::uint64_t max() const {
    return std::holds_alternative<std::uint32_t PlatformConfig::*>(member)
               ? std::numeric_limits<std::uint32_t>::max()
               : std::numeric_limits<std::uint64_t>::max();
  }
  void set(PlatformConfig &c, std::uint64_t v) const {
    std::visit([&](auto m) { c.*m = static_cast<std::remove_reference_t<decltype(c.*m)>>(v); },
               member);
  }
};

const ConfigField config_fields[] = {
    {"section_shift", &PlatformConfig::section_shift, 0, false},
    {"page_shift", &PlatformConfig::page_shift, 0, false},
    {"hw_page_shift", &PlatformConfig::hw_page_shift, 0, false},
    {"block_shift", &PlatformConfig::block_shift, 0, false},
    {"gigantic_shift", &PlatformConfig::gigantic_shift, 0, false},
    {"phys_bits", &PlatformConfig::phys_bits, 0, false},
    {"max_rpages", &PlatformConfig::max_rpages, 1, false},
    {"max_mrs", &PlatformConfig::max_mrs, 1, false},
    {"bus_start", &PlatformConfig::bus_start, 1, true},
    {"footprint_base", &PlatformConfig::footprint_base, 2, true},
    {"footprint_per_hw_page", &PlatformConfig::footprint_per_hw_page, 2, true},
    {"max_alloc_bytes", &PlatformConfig::max_alloc_bytes, 2, true},
};

const ConfigField *find_config_field(std::string_view name) {
  for (const auto &f : config_fields)
    if (name == f.name)
      return &f;
  return nullptr;
}

std::string config_field_names() {
  std::string s;
  for (const auto &f : config_fields)
    s += fmt::format("{}{}", s.empty() ? "" : ", ", f.name);
  return s;
}

// --- Names of enumerated values. -------------------------------------------

struct HcallCode {
  const char *name;
  std::int64_t value;
};
const HcallCode hcall_codes[] = {
    {"H_SUCCESS", BUSMAP_H_SUCCESS},     {"H_BUSY", BUSMAP_H_BUSY},
    {"H_PAGE_REGISTERED", BUSMAP_H_PAGE_REGISTERED}, {"H_HARDWARE", BUSMAP_H_HARDWARE},
    {"H_PARAMETER", BUSMAP_H_PARAMETER}, {"H_RESOURCE", BUSMAP_H_RESOURCE},
};

const OpKind op_kinds[] = {OpKind::Load,       OpKind::Unload,     OpKind::Add,
                           OpKind::Online,     OpKind::Offline,    OpKind::Remove,
                           OpKind::Translate,  OpKind::FaultAlloc, OpKind::FaultHcall,
                           OpKind::Xmit,       OpKind::Rx,         OpKind::Dma};

std::optional<OpKind> find_op(std::string_view word) {
  for (OpKind k : op_kinds)
    if (word == to_string(k))
      return k;
  return std::nullopt;
}

const Invariant *find_invariant(std::string_view id) {
  for (const auto &i : invariants())
    if (id == i.id)
      return &i;
  return nullptr;
}

std::string invariant_ids() {
  std::string s;
  for (const auto &i : invariants())
    s += fmt::format("{}{}", s.empty() ? "" : ", ", i.id);
  return s;
}

// --- Tokens. -----------------------------------------------------------------

struct Token {
  std::string_view text;
  int column; // 1-based

  /// For `key=value` tokens: the parts, and the value's column.
  std::string_view key() const { return text.substr(0, text.find('=')); }
  bool has_value() const { return text.find('=') != std::string_view::npos; }
  Token value() const {
    auto eq = text.find('=');
    return {text.substr(eq + 1), column + static_cast<int>(eq) + 1};
  }
};

/// Shown in messages: short, and printable whatever the file held.
std::string quote(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40))
    out += (c >= 0x20 && c < 0x7f) ? std::string(1, c) : fmt::format("\\x{:02x}", (unsigned char)c);
  if (s.size() > 40)
    out += "...";
  return "'" + out + "'";
}

std::vector<Token> split_line(std::string_view line) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (i < line.size()) {
    if (blank(line[i])) {
      ++i;
      continue;
    }
    if (line[i] == '#')
      break;
    std::size_t start = i;
    while (i < line.size() && !blank(line[i]) && line[i] != '#')
      ++i;
    tokens.push_back({line.substr(start, i - start), static_cast<int>(start) + 1});
  }
  return tokens;
}

// --- The reader. -----------------------------------------------------------

/// Where a header element was written, for errors found after the header.
struct Origin {
  int line, column;
};

class Reader {
public:
  Reader(std::string_view text, const std::string &file, std::string_view magic, int version)
      : text_(text), file_(file), magic_(magic), max_version_(version) {}

  TraceFile read_trace();
  Layout read_layout();

private:
  // Line iteration: next_line() skips blank and comment-only lines.
  bool next_line();
  [[noreturn]] void fail(int column, const std::string &message) const {
    throw ParseError(file_, line_no_, column, message);
  }
  [[noreturn]] void fail_at(Origin o, const std::string &message) const {
    throw ParseError(file_, o.line, o.column, message);
  }
  int end_column() const { return static_cast<int>(line_.size()) + 1; }

  // Values.
  std::uint64_t number(const Token &t, std::string_view what, std::uint64_t max) const;
  std::uint64_t address(const Token &t) const;
  std::int64_t hcall_code(const Token &t) const;
  Veto veto(const Token &t) const;
  Race race(const Token &t) const;
  HotplugPhase phase(OpKind kind, const Token &t) const;
  void check_phase_options(const Op &op, std::size_t from) const;
  const Token &arg(std::size_t i, std::string_view expected) const;
  void no_more_args(std::size_t from, std::string_view expected) const;

  // Header.
  void read_magic();
  bool read_layout_line();                  // config, block, gigantic
  bool read_trace_header_line(TraceFile &); // impl, mode, expect
  void read_config();
  void read_profile(TraceFile &);
  void read_block();
  void read_gigantic();
  void finish_layout();
  void count_hw_pages(std::uint64_t sections, Origin at);

  // Operations.
  Op read_op(OpKind kind);
  void read_op_options(Op &op, std::size_t from, std::initializer_list<std::string_view> allowed,
                       std::initializer_list<std::string_view> required);

  std::string_view text_;
  std::string file_;
  std::string_view magic_;
  int max_version_;  // the newest version this magic has
  int version_ = 1;  // the file's
  const Profile *profile_ = nullptr; // a version-2 file's profile line
  std::size_t pos_ = 0;
  int line_no_ = 0;
  std::string_view line_;
  std::vector<Token> tokens_;

  Layout layout_;
  std::set<std::string, std::less<>> config_seen_;
  std::set<std::string, std::less<>> header_seen_;
  std::optional<Origin> last_config_;
  std::vector<Origin> block_origins_, gigantic_origins_;
  std::unordered_set<std::uint64_t> gigantic_seen_; // a linear duplicate check
  unsigned __int128 hw_pages_ = 0; // of the layout and every add so far (limits::MaxHwPages)
};

bool Reader::next_line() {
  while (pos_ < text_.size()) {
    auto nl = text_.find('\n', pos_);
    if (nl == std::string_view::npos)
      nl = text_.size();
    line_ = text_.substr(pos_, nl - pos_);
    pos_ = nl + 1;
    ++line_no_;
    tokens_ = split_line(line_);
    if (!tokens_.empty())
      return true;
  }
  return false;
}

std::uint64_t Reader::number(const Token &t, std::string_view what, std::uint64_t max) const {
  std::string_view s = t.text;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (s.empty() || ec == std::errc::invalid_argument || end != s.data() + s.size())
    fail(t.column, fmt::format("expected {} (a decimal or 0x-prefixed hex number), found {}", what,
                               quote(t.text)));
  if (ec == std::errc::result_out_of_range || v > max)
    fail(t.column, fmt::format("{} {} is out of range (at most {:#x})", what, quote(t.text), max));
  return v;
}

std::uint64_t Reader::address(const Token &t) const {
  if (!(t.text.size() > 2 && t.text[0] == '0' && (t.text[1] == 'x' || t.text[1] == 'X')))
    fail(t.column, fmt::format("expected a hex address like 0x10000000, found {}", quote(t.text)));
  return number(t, "a hex address", std::numeric_limits<std::uint64_t>::max());
}

std::int64_t Reader::hcall_code(const Token &t) const {
  for (const auto &c : hcall_codes)
    if (t.text == c.name)
      return c.value;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
  if (t.text.empty() || ec != std::errc() || end != t.text.data() + t.text.size())
    fail(t.column, fmt::format("expected a firmware return code (H_BUSY, H_HARDWARE, "
                               "H_PARAMETER, H_RESOURCE, ... or a decimal integer), found {}",
                               quote(t.text)));
  return v;
}

Veto Reader::veto(const Token &t) const {
  if (t.text == "before")
    return Veto::Before;
  if (t.text == "after")
    return Veto::After;
  fail(t.column, fmt::format("expected veto=before or veto=after, found veto={}", t.text));
}

// race=AT:ADDR: the preemption point (from 1) and the address translated there.
Race Reader::race(const Token &t) const {
  const auto colon = t.text.find(':');
  if (colon == std::string_view::npos)
    fail(t.column, fmt::format("expected race=AT:ADDR (e.g. race=3:0x1000), found race={}",
                               quote(t.text)));
  Race r;
  r.at = static_cast<std::uint32_t>(number({t.text.substr(0, colon), t.column}, "race's AT",
                                           std::numeric_limits<std::uint32_t>::max()));
  if (r.at == 0)
    fail(t.column, "race's AT counts the step's platform callbacks from 1, found 0");
  r.addr = address({t.text.substr(colon + 1), t.column + static_cast<int>(colon) + 1});
  return r;
}

const Token &Reader::arg(std::size_t i, std::string_view expected) const {
  if (i >= tokens_.size())
    fail(end_column(), fmt::format("expected {} after {}", expected, quote(tokens_[0].text)));
  return tokens_[i];
}

void Reader::no_more_args(std::size_t from, std::string_view expected) const {
  if (from < tokens_.size())
    fail(tokens_[from].column,
         fmt::format("unexpected {}; expected {}", quote(tokens_[from].text), expected));
}

// --- Header. -----------------------------------------------------------------

void Reader::read_magic() {
  if (!next_line())
    throw ParseError(file_, 1, 1,
                     fmt::format("empty file: expected the first line '{} {}'", magic_,
                                 max_version_));
  if (tokens_[0].text != magic_)
    fail(tokens_[0].column, fmt::format("expected the first line '{} {}', found {}", magic_,
                                        max_version_, quote(tokens_[0].text)));
  const Token &v = arg(1, "the format version");
  const auto version = number(v, "the format version", std::numeric_limits<int>::max());
  if (version < 1 || version > static_cast<std::uint64_t>(max_version_))
    fail(v.column, fmt::format("unsupported format version {} (this busmap reads version{} {})",
                               v.text, max_version_ > 1 ? "s 1 to" : "", max_version_));
  version_ = static_cast<int>(version);
  no_more_args(2, "end of line after the version");
}

bool Reader::read_layout_line() {
  std::string_view word = tokens_[0].text;
  if (word == "config")
    read_config();
  else if (word == "block")
    read_block();
  else if (word == "gigantic")
    read_gigantic();
  else
    return false;
  return true;
}

void Reader::read_config() {
  arg(1, "KEY=VALUE");
  for (std::size_t i = 1; i < tokens_.size(); ++i) {
    const Token &t = tokens_[i];
    const ConfigField *f = t.has_value() ? find_config_field(t.key()) : nullptr;
    if (t.key() == "footprint_per_section")
      fail(t.column, "footprint_per_section is gone: the bound is footprint_base + "
                     "footprint_per_hw_page x the HW pages of present memory (docs/ORACLE.md); "
                     "write footprint_per_hw_page=N");
    if (!f)
      fail(t.column, fmt::format("expected KEY=VALUE with KEY one of {}; found {}",
                                 config_field_names(), quote(t.text)));
    if (!config_seen_.insert(std::string(t.key())).second)
      fail(t.column, fmt::format("duplicate config key '{}'", t.key()));
    f->set(layout_.config, number(t.value(), f->name, f->max()));
  }
  last_config_ = Origin{line_no_, tokens_[0].column};
}

void Reader::read_block() {
  BlockSpec b;
  const Token &base = arg(1, "the block's base address");
  b.base = address(base);
  bool have_sections = false, have_state = false;
  for (std::size_t i = 2; i < tokens_.size(); ++i) {
    const Token &t = tokens_[i];
    if (t.has_value() && t.key() == "sections" && !have_sections) {
      b.sections = number(t.value(), "sections", std::numeric_limits<std::uint64_t>::max());
      have_sections = true;
    } else if ((t.text == "online" || t.text == "offline") && !have_state) {
      b.state = t.text == "online" ? BlockState::Online : BlockState::Offline;
      have_state = true;
    } else {
      fail(t.column, fmt::format("expected {} in a block line, found {}",
                                 have_sections && have_state ? "end of line"
                                 : have_sections            ? "online or offline"
                                 : have_state               ? "sections=N"
                                                            : "sections=N and online|offline",
                                 quote(t.text)));
    }
  }
  if (!have_sections || !have_state)
    fail(end_column(), fmt::format("expected {} to end the block line",
                                   have_sections ? "online or offline" : "sections=N"));
  if (layout_.blocks.size() >= limits::MaxBlocks)
    fail(tokens_[0].column, fmt::format("more than {} blocks, the cap of limits::MaxBlocks",
                                        limits::MaxBlocks));
  layout_.blocks.push_back(b);
  block_origins_.push_back({line_no_, base.column});
}

void Reader::read_gigantic() {
  const Token &base = arg(1, "the gigantic page's base address");
  std::uint64_t g = address(base);
  no_more_args(2, "end of line after the gigantic page address");
  if (layout_.gigantic.size() >= limits::MaxGiganticPages)
    fail(tokens_[0].column, fmt::format("more than {} gigantic pages, the cap of "
                                        "limits::MaxGiganticPages", limits::MaxGiganticPages));
  if (!gigantic_seen_.insert(g).second)
    fail(base.column, fmt::format("duplicate gigantic page {:#x}", g));
  layout_.gigantic.push_back(g);
  gigantic_origins_.push_back({line_no_, base.column});
}

/// Validates the layout when the header is complete, blaming the first
/// line that breaks a rule: the configuration, then each block against the
/// one before it, then each gigantic page.
void Reader::finish_layout() {
  Origin config_at = last_config_.value_or(Origin{1, 1});
  if (auto e = layout_.config.validate(); !e.empty())
    fail_at(config_at, "invalid configuration: " + e);
  // A version-2 trace is held to its profile (portable when it names none);
  // version 1 keeps its meaning: any configuration validate() accepts.
  const bool held = profile_ || (version_ >= 2 && magic_ == TraceMagic);
  const Profile *profile = profile_ ? profile_ : held ? &default_profile() : nullptr;
  if (profile)
    if (auto e = profile->admits(layout_.config); !e.empty())
      fail_at(config_at, "invalid configuration: " + e);
  for (std::size_t i = 0; i < layout_.blocks.size(); ++i) {
    Layout pair{layout_.config, {}, {}};
    if (i > 0)
      pair.blocks.push_back(layout_.blocks[i - 1]);
    pair.blocks.push_back(layout_.blocks[i]);
    if (auto e = pair.validate(); !e.empty())
      fail_at(block_origins_[i], "invalid layout: " + e);
    count_hw_pages(layout_.blocks[i].sections, block_origins_[i]);
  }
  for (std::size_t i = 0; i < layout_.gigantic.size(); ++i) {
    Layout one{layout_.config, {}, {layout_.gigantic[i]}};
    if (auto e = one.validate(); !e.empty())
      fail_at(gigantic_origins_[i], "invalid layout: " + e);
  }
  if (auto e = layout_.validate(); !e.empty())
    fail_at(config_at, "invalid layout: " + e);
}

/// Adds `sections` of present memory, refusing at `at` a trace the harness
/// could not check in a case timeout (a 2^40-section block would never end).
void Reader::count_hw_pages(std::uint64_t sections, Origin at) {
  hw_pages_ += static_cast<unsigned __int128>(sections) * layout_.config.hw_pages_per_section();
  if (auto e = limits::size_error(0, hw_pages_); !e.empty())
    fail_at(at, fmt::format("the {} holds {}", magic_ == TraceMagic ? "trace" : "layout", e));
}

bool Reader::read_trace_header_line(TraceFile &tf) {
  std::string_view word = tokens_[0].text;
  if (word != "impl" && word != "mode" && word != "expect" && word != "profile")
    return false;
  if (!header_seen_.insert(std::string(word)).second)
    fail(tokens_[0].column, fmt::format("duplicate '{}' line", word));
  if (word == "profile") {
    read_profile(tf);
  } else if (word == "impl") {
    tf.impl = std::string(arg(1, "an implementation name").text);
    no_more_args(2, "end of line after the implementation name");
  } else if (word == "mode") {
    const Token &m = arg(1, "strict or lenient");
    if (m.text != "strict" && m.text != "lenient")
      fail(m.column, fmt::format("expected strict or lenient, found {}", quote(m.text)));
    tf.trace.mode = m.text == "strict" ? Mode::Strict : Mode::Lenient;
    no_more_args(2, "end of line after the mode");
  } else {
    const Token &v = arg(1, "pass or fail");
    if (v.text == "pass") {
      no_more_args(2, "end of line after 'expect pass'");
    } else if (v.text == "fail") {
      const Token &id = arg(2, "the invariant id that fails");
      if (!find_invariant(id.text))
        fail(id.column, fmt::format("unknown invariant {}; expected one of {}", quote(id.text),
                                    invariant_ids()));
      tf.trace.expect_fail = std::string(id.text);
      no_more_args(3, "end of line after the invariant id");
    } else {
      fail(v.column, fmt::format("expected pass or fail, found {}", quote(v.text)));
    }
  }
  return true;
}

/// `profile NAME` (version 2): the layout's defaults become the profile's
/// common configuration, so it must come before config, block and gigantic.
void Reader::read_profile(TraceFile &tf) {
  if (version_ < 2)
    fail(tokens_[0].column, "a 'profile' line needs format version 2 (first line 'busmap-trace 2')");
  if (!config_seen_.empty() || !layout_.blocks.empty() || !layout_.gigantic.empty())
    fail(tokens_[0].column, "the 'profile' line comes before config, block and gigantic lines");
  const Token &n = arg(1, "a profile name");
  profile_ = find_profile(n.text);
  if (!profile_)
    fail(n.column, fmt::format("unknown profile {}; expected one of {}", quote(n.text),
                               profile_names()));
  no_more_args(2, "end of line after the profile name");
  tf.trace.profile = profile_->name;
  layout_.config = common_config(*profile_, profile_->geometries.front());
}

// --- Operations. -------------------------------------------------------------

/// Options written bare, without "=value".
static bool is_flag(std::string_view key) { return key == "migrate-fail" || key == "sticky"; }

void Reader::read_op_options(Op &op, std::size_t from,
                             std::initializer_list<std::string_view> allowed,
                             std::initializer_list<std::string_view> required) {
  std::set<std::string_view> seen;
  auto listing = [&] {
    std::string s;
    for (auto a : allowed)
      s += fmt::format("{}{}{}", s.empty() ? "" : ", ", a,
                       is_flag(a)          ? ""
                       : a == "veto"       ? "=before|after"
                       : a == "race"       ? "=AT:ADDR"
                       : a != "phase"      ? "=N"
                       : op.kind == OpKind::Online ? "=going|done|cancel"
                                                   : "=going|migrated|done|cancel");
    return s;
  };
  for (std::size_t i = from; i < tokens_.size(); ++i) {
    const Token &t = tokens_[i];
    std::string_view key = t.key();
    bool flag = is_flag(key);
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end() || flag == t.has_value())
      fail(t.column, fmt::format("unexpected {} after {}; expected {}", quote(t.text),
                                 to_string(op.kind),
                                 allowed.size() ? listing() : std::string("end of line")));
    if (!seen.insert(key).second && key != "race") // races: as many as wanted
      fail(t.column, fmt::format("duplicate '{}'", key));
    if (key == "sections")
      op.sections = number(t.value(), "sections", std::numeric_limits<std::uint64_t>::max());
    else if (key == "nth") {
      op.nth = static_cast<std::uint32_t>(
          number(t.value(), "nth", std::numeric_limits<std::uint32_t>::max()));
      if (op.nth == 0)
        fail(t.value().column, "nth counts from 1 (nth=1 is the next one), found nth=0");
    } else if (key == "count") {
      op.count = static_cast<std::uint32_t>(
          number(t.value(), "count", std::numeric_limits<std::uint32_t>::max()));
      if (op.count == 0)
        fail(t.value().column, "count=0 fails nothing; a fault that never ends is spelled "
                               "'sticky'");
    } else if (key == "sticky")
      op.count = FaultPlan::Sticky;
    else if (key == "len") {
      op.len = static_cast<std::uint32_t>(number(t.value(), "len", MaxFrameBytes));
      if (op.len == 0)
        fail(t.value().column, fmt::format("len counts bytes, 1..{}; found len=0", MaxFrameBytes));
    }
    else if (key == "code")
      op.code = hcall_code(t.value());
    else if (key == "veto")
      op.veto = veto(t.value());
    else if (key == "phase")
      op.phase = phase(op.kind, t.value());
    else if (key == "race")
      op.races.push_back(race(t.value()));
    else
      op.migrate_fail = true;
  }
  if (seen.count("count") && seen.count("sticky"))
    fail(end_column(), "count= and sticky exclude each other: a fault fails count calls or "
                       "every call");
  for (auto r : required)
    if (!seen.count(r))
      fail(end_column(), fmt::format("expected {}=... in a {} line", r, to_string(op.kind)));
  check_phase_options(op, from);
}

// veto= belongs to the GOING_* event, migrate-fail to the atomic offline
// (a split one spells it phase=cancel).
void Reader::check_phase_options(const Op &op, std::size_t from) const {
  if (op.phase == HotplugPhase::Atomic || op.phase == HotplugPhase::Going)
    if (!op.migrate_fail || op.phase == HotplugPhase::Atomic)
      return;
  for (std::size_t i = from; i < tokens_.size(); ++i) {
    const std::string_view key = tokens_[i].key();
    if (key == "veto" && op.phase != HotplugPhase::Going)
      fail(tokens_[i].column, fmt::format("veto= goes with the GOING_* event: {} phase=going, "
                                          "not phase={}",
                                          to_string(op.kind), to_string(op.phase)));
    if (key == "migrate-fail")
      fail(tokens_[i].column, "migrate-fail is the atomic offline's; a split offline ends with "
                              "phase=cancel");
  }
}

HotplugPhase Reader::phase(OpKind kind, const Token &t) const {
  for (auto p : {HotplugPhase::Going, HotplugPhase::Migrated, HotplugPhase::Done,
                 HotplugPhase::Cancel})
    if (t.text == to_string(p) && (kind == OpKind::Offline || p != HotplugPhase::Migrated))
      return p;
  fail(t.column, fmt::format("expected phase={}, found phase={}",
                             kind == OpKind::Online ? "going|done|cancel"
                                                    : "going|migrated|done|cancel",
                             t.text));
}

Op Reader::read_op(OpKind kind) {
  Op op;
  op.kind = kind;
  bool takes_address = kind != OpKind::Load && kind != OpKind::Unload &&
                       kind != OpKind::FaultAlloc && kind != OpKind::FaultHcall &&
                       kind != OpKind::Dma;
  std::size_t from = 1;
  if (takes_address) {
    op.addr = address(arg(1, "a hex address"));
    from = 2;
  }
  switch (kind) {
  case OpKind::Add: read_op_options(op, from, {"sections"}, {"sections"}); break;
  case OpKind::Online: read_op_options(op, from, {"phase", "veto", "race"}, {}); break;
  case OpKind::Offline:
    read_op_options(op, from, {"phase", "veto", "migrate-fail", "race"}, {});
    break;
  case OpKind::FaultAlloc: read_op_options(op, from, {"nth", "count", "sticky"}, {"nth"}); break;
  case OpKind::Xmit:
  case OpKind::Rx: read_op_options(op, from, {"len"}, {}); break;
  case OpKind::FaultHcall:
    read_op_options(op, from, {"nth", "code", "count", "sticky"}, {"nth", "code"});
    break;
  default: read_op_options(op, from, {}, {}); break;
  }
  return op;
}

TraceFile Reader::read_trace() {
  TraceFile tf;
  read_magic();
  bool in_header = true;
  while (next_line()) {
    const Token &word = tokens_[0];
    if (in_header && (read_trace_header_line(tf) || read_layout_line()))
      continue;
    auto kind = find_op(word.text);
    if (!kind) {
      bool header_word = word.text == "impl" || word.text == "mode" || word.text == "expect" ||
                         word.text == "profile" ||
                         word.text == "config" || word.text == "block" || word.text == "gigantic";
      if (header_word)
        fail(word.column, fmt::format("header line {} after the first operation; the header "
                                      "comes before the operations",
                                      quote(word.text)));
      fail(word.column,
           fmt::format("expected {}an operation (load, unload, add, online, offline, remove, "
                       "translate, fault-alloc, fault-hcall, xmit, rx, dma), found {}",
                       in_header ? "a header line (impl, profile, mode, expect, config, block, "
                                   "gigantic) "
                                   "or "
                                 : "",
                       quote(word.text)));
    }
    if (in_header) {
      finish_layout();
      in_header = false;
    }
    if (tf.trace.ops.size() >= limits::MaxOps)
      fail(word.column, fmt::format("more than {} operations, the cap of limits::MaxOps",
                                    limits::MaxOps));
    tf.trace.ops.push_back(read_op(*kind));
    if (*kind == OpKind::Add)
      count_hw_pages(tf.trace.ops.back().sections, Origin{line_no_, word.column});
  }
  if (in_header) {
    finish_layout();
  }
  tf.trace.layout = std::move(layout_);
  return tf;
}

Layout Reader::read_layout() {
  read_magic();
  while (next_line())
    if (!read_layout_line())
      fail(tokens_[0].column,
           fmt::format("expected config, block or gigantic in a layout file, found {}",
                       quote(tokens_[0].text)));
  finish_layout();
  return std::move(layout_);
}

std::string read_file(const std::string &path) {
  try {
    return limits::read_input_file(path);
  } catch (const limits::InputError &e) {
    throw ParseError(path, 0, 0, e.reason);
  }
}

// --- Writer. -------------------------------------------------------------------

void write_comment(std::string &out, std::string_view comment) {
  while (!comment.empty()) {
    auto nl = comment.find('\n');
    std::string_view line = comment.substr(0, nl);
    out += line.empty() ? "#\n" : fmt::format("# {}\n", line);
    if (nl == std::string_view::npos)
      break;
    comment.remove_prefix(nl + 1);
  }
}

void write_layout_body(std::string &out, const Layout &layout) {
  int group = -1;
  for (const auto &f : config_fields) {
    out += f.group != group ? (group < 0 ? "config" : "\nconfig") : "";
    group = f.group;
    std::uint64_t v = f.get(layout.config);
    out += f.hex ? fmt::format(" {}={:#x}", f.name, v) : fmt::format(" {}={}", f.name, v);
  }
  out += "\n";
  for (const auto &b : layout.blocks)
    out += fmt::format("block {:#x} sections={} {}\n", b.base, b.sections, to_string(b.state));
  for (auto g : layout.gigantic)
    out += fmt::format("gigantic {:#x}\n", g);
}

void write_expectation(std::string &out, const Trace &trace) {
  if (trace.expect_fail.empty()) {
    out += "# expected verdict: the trace holds\nexpect pass\n";
    return;
  }
  const Invariant *inv = find_invariant(trace.expect_fail);
  out += fmt::format("# expected verdict: fails, invariant {}{}\n", trace.expect_fail,
                     inv ? fmt::format(" ({})", inv->title) : "");
  out += fmt::format("expect fail {}\n", trace.expect_fail);
}

/// A portable trace whose configuration the portable profile does not admit
/// comes from a version-1 file (which admits any configuration validate()
/// accepts): only version 1 says that again, so it is written as version 1.
bool needs_version_1(const Trace &trace) {
  const Profile &portable = default_profile();
  return trace.profile == portable.name && !portable.admits(trace.layout.config).empty();
}

} // namespace

// --- Public API. -----------------------------------------------------------------

TraceFile parse_trace_file(std::string_view text, const std::string &file_name) {
  return Reader(text, file_name, TraceMagic, TraceFormatVersion).read_trace();
}

Trace parse_trace(std::string_view text, const std::string &file_name) {
  return parse_trace_file(text, file_name).trace;
}

TraceFile read_trace_file_with_impl(const std::string &path) {
  return parse_trace_file(read_file(path), path);
}

Trace read_trace_file(const std::string &path) { return read_trace_file_with_impl(path).trace; }

std::string write_trace(const Trace &trace, std::string_view comment, std::string_view impl) {
  const bool v1 = needs_version_1(trace);
  std::string out = fmt::format("{} {}\n", TraceMagic, v1 ? 1 : TraceFormatVersion);
  write_comment(out, comment);
  if (!impl.empty())
    out += fmt::format("impl {}\n", impl);
  if (!v1)
    out += fmt::format("profile {}\n", trace.profile);
  out += fmt::format("mode {}\n", to_string(trace.mode));
  write_expectation(out, trace);
  write_layout_body(out, trace.layout);
  out += "\n";
  for (const auto &op : trace.ops)
    out += format_op(op) + "\n";
  return out;
}

std::string write_trace(const TraceFile &file, std::string_view comment) {
  return write_trace(file.trace, comment, file.impl);
}

Layout parse_layout(std::string_view text, const std::string &file_name) {
  return Reader(text, file_name, LayoutMagic, LayoutFormatVersion).read_layout();
}

Layout read_layout_file(const std::string &path) { return parse_layout(read_file(path), path); }

std::string write_layout(const Layout &layout) {
  std::string out = fmt::format("{} {}\n", LayoutMagic, LayoutFormatVersion);
  write_layout_body(out, layout);
  return out;
}

} // namespace busmap
