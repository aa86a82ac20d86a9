//===- properties/machine_filter.hpp - a LayoutFilter from words -*- C++ -*-===//
//
// Parses the machine a run is about from the words a user types: a profile
// name, layout class names and KEY=VALUE settings (the CLI's --profile,
// --class, --config and the gtest entry point's BUSMAP_PROFILE,
// BUSMAP_CLASS, BUSMAP_CONFIG).  Every error is std::invalid_argument with
// a message that names the allowed values or range.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PROPERTIES_MACHINE_FILTER_HPP
#define BUSMAP_PROPERTIES_MACHINE_FILTER_HPP

#include "properties/generators.hpp"

#include <string>
#include <vector>

namespace busmap {

/// `profile` empty: the default profile.  Checks that each class is one of
/// the profile's and each setting a known key with a value in range.
LayoutFilter make_filter(const std::string &profile, const std::vector<std::string> &classes,
                         const std::vector<std::string> &configs);

/// Splits "a,b c" at commas and blanks (the environment variables' lists).
std::vector<std::string> split_list(const std::string &text);

} // namespace busmap

#endif // BUSMAP_PROPERTIES_MACHINE_FILTER_HPP
