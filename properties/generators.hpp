//===- properties/generators.hpp - RapidCheck generators of traces -*- C++ -*-===//
//
// Random hotplug traces that reach deep states and shrink to small ones.
//
// A generated case has two layers.  The *genes* are what RapidCheck draws
// and shrinks: a layout class with its shape parameters, and a list of step
// intents ("online an offline block", "translate the last byte of a
// section", "arm a firmware fault 3 calls ahead"), each holding small
// integers that pick among candidates rather than raw addresses.  The
// *concretizer* then walks the intents over a prediction of the block
// states and turns each into one trace operation on a real address.
//
// Why two layers: an intent stays meaningful whatever shrinking removes
// before it (a pick is taken modulo the candidates that exist at that
// point), so every shrink RapidCheck proposes is again a valid trace, and
// uniform choice over raw operations would almost never online the block
// that was just added or offline one that is online.  The result is a plain
// Trace, so the shrunk counterexample maps one to one onto a trace file.
//
// Shrinking is RapidCheck's own: the layout shrinks first, toward fewer,
// smaller, lower blocks and simpler classes (every candidate registers the
// whole layout, so a small one early makes the rest cheap); then the intent
// list shrinks by removing elements, and each intent's fields toward the
// simplest choice (no veto, the most recent block, the first section, the
// next call).
// A fixed layout (GeneratorOptions::fixed_layout) is never shrunk: the
// user chose that machine, so only its operations are generated.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_GENERATORS_HPP
#define BUSMAP_PROPERTIES_GENERATORS_HPP

#include "platform/profile.hpp"
#include "properties/trace.hpp"

#include <rapidcheck.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace busmap {

/// A family of realistic starting layouts.
struct LayoutClass {
  const char *name;
  const char *description;
  unsigned weight; // relative frequency in generated traces
};
/// Every layout class, simplest first (shrinking moves toward the front).
const std::vector<LayoutClass> &layout_classes();

/// What a step is meant to do; the concretizer picks its target.
enum class Intent {
  Translate,    // a device translates an address (see Probe)
  Online,       // online an offline block
  Offline,      // offline an online block
  Remove,       // the hypervisor reclaims an offline block
  Add,          // the hypervisor assigns a new block (see Placement)
  FaultAlloc,   // arm an allocation failure
  FaultHcall,   // arm a firmware error
  Reload,       // unload when loaded, load when not
  OnlineAgain,  // out of order: online an online block
  OfflineAgain, // out of order: offline an offline block
  RemoveOnline, // out of order: remove an online block
  OnAbsent,     // out of order: online/offline/remove memory that is not there
  LoadAgain,    // out of order: load while loaded
  AddOnline,    // assign a new block and online it at once (DLPAR add)
  // Hotplug windows: each emits a whole split operation, so a shrink that
  // drops one never leaves a window open.
  SplitHotplug,         // online/offline in phases, translations in the window
  LoadInOfflineWindow,  // (unload,) GOING_OFFLINE, load, translate, OFFLINE or cancel
  UnloadInOnlineWindow, // (load,) GOING_ONLINE, translate, unload, ONLINE or cancel
  // The data path (see Concretizer::data_path for the addresses).
  Xmit, // the stack sends a buffer
  Rx,   // the stack posts a receive buffer
  Dma,  // the device performs what is posted
};
const char *to_string(Intent i);
inline constexpr std::size_t IntentCount = 20;

/// Which address a Translate intent probes.
enum class Probe { First, Last, Inner, Absent, Top };
/// Where an Add intent puts the new block (InGap: at the start or, for an
/// odd `section`, in the middle of a gap, far from any mapped neighbour;
/// Boundary: across 2^k, k from the section shift to the profile's width
/// picked by `section`, where multi-level tables split their index).
enum class Placement { AfterLast, InGap, Readd, NearTop, Boundary };
/// A fault armed just before an online or offline, so that it hits the
/// allocations and firmware calls of the driver's map update.
enum class FaultBefore { None, Alloc, Hcall };

/// One step's genes.  `pick` and `section` select among the candidates
/// that exist when the step runs (modulo their count); 0 is the most
/// recently touched block.
struct StepGene {
  Intent intent = Intent::Translate;
  std::uint32_t pick = 0;
  std::uint32_t section = 0;
  Probe probe = Probe::First;
  Veto veto = Veto::None;
  bool migrate_fail = false;
  std::uint32_t nth = 1;
  std::int64_t code = 0;
  std::uint32_t count = 1; // faults: calls failing in a row, FaultPlan::Sticky for all
  std::uint32_t add_blocks = 1;
  Placement placement = Placement::AfterLast;
  FaultBefore fault = FaultBefore::None;
};

/// The most operations one gene concretizes to: LoadInOfflineWindow on a
/// loaded driver (unload, GOING_OFFLINE, load, translate, the migrated phase,
/// OFFLINE).  The other window intents make at most five, every other intent
/// at most three (a fault, an add, an online).
inline constexpr std::size_t MaxOpsPerGene = 6;

/// A layout with the name the statistics give its family.
struct ClassedLayout {
  std::string layout_class;
  Layout layout;
};

/// One platform setting fixed for a whole run (`--config KEY=VALUE`): a
/// key of SettingRange or hw_page_shift/phys_bits (profile.hpp set_setting).
struct ConfigOverride {
  std::string key;
  std::uint64_t value = 0;
};

/// Which layouts to generate: the profile's classes (or those of `classes`
/// that it has), over its geometries, with `overrides` applied.
struct LayoutFilter {
  const Profile *profile = nullptr; // nullptr: the default profile
  std::vector<std::string> classes; // empty: every class of the profile
  std::vector<ConfigOverride> overrides;
};

struct GeneratorOptions {
  std::size_t max_steps = 40; // operations per trace, the initial load included
  Mode mode = Mode::Strict;
  /// The machine: profile, layout classes and fixed settings.
  LayoutFilter layouts;
  /// Every trace starts from this layout (e.g. one imported from a real
  /// machine) instead of a generated one; only the operations vary.
  std::optional<ClassedLayout> fixed_layout;
};

/// A generated trace, with what the statistics need to know about it.
struct GeneratedCase {
  Trace trace;
  std::string layout_class;
  std::vector<Intent> intents; // the intent behind each op after the initial load
};

/// A layout of the named class, or of any class (weighted) when `name` is
/// empty, on `profile`.  Throws std::invalid_argument for a class the
/// profile does not have.
rc::Gen<ClassedLayout> gen_layout(const std::string &name = {},
                                  const Profile &profile = default_profile());
rc::Gen<ClassedLayout> gen_layout(const LayoutFilter &filter);
/// "tiny, dense, ...": the profile's layout classes, for messages.
std::string class_names(const Profile &profile);
rc::Gen<StepGene> gen_step();
rc::Gen<GeneratedCase> gen_case(const GeneratorOptions &options);
rc::Gen<Trace> gen_trace(const GeneratorOptions &options);

/// The trace the intents make over `layout` (ops[0] is always `load`).
GeneratedCase concretize(const ClassedLayout &layout, const std::vector<StepGene> &steps,
                         const GeneratorOptions &options);

} // namespace busmap

#endif // BUSMAP_PROPERTIES_GENERATORS_HPP
