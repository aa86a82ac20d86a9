//===- platform/fault.hpp - an injected failure of one kind of call -*- C++ -*-===//
//
// A FaultPlan says which of the coming calls of one kind (kernel
// allocations, or firmware calls) fail: the nth call from now, and the
// count-1 calls after it.  Count 0 is a persistent fault: every call from
// the nth on fails until another fault is armed.
//
// Why persistent faults: real firmware that answers H_HARDWARE does not
// answer H_SUCCESS on the retry, and a kernel under memory pressure keeps
// failing GFP_KERNEL allocations.  With only one-shot faults a driver that
// retries every failure forever would always pass; with a persistent one it
// hangs, which the harness reports as `timeout`.
//
// The allocator and the firmware each hold one plan; arming a new fault
// replaces the one armed before, consumed or not.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_PLATFORM_FAULT_HPP
#define BUSMAP_PLATFORM_FAULT_HPP

#include <cstdint>

namespace busmap {

class FaultPlan {
public:
  /// The count of a persistent fault.
  static constexpr std::uint32_t Sticky = 0;

  void arm(std::uint32_t nth, std::uint32_t count) {
    countdown_ = nth;
    count_ = count;
    failing_ = false;
  }
  /// Called once per call of the kind: true when this call must fail.
  bool take() {
    if (!failing_) {
      if (countdown_ == 0 || --countdown_ != 0)
        return false;
      failing_ = true;
      left_ = count_;
    }
    ++consumed_;
    if (count_ != Sticky && --left_ == 0)
      failing_ = false;
    return true;
  }
  /// Calls still to fail, or to wait for before failing.
  bool armed() const { return countdown_ != 0 || failing_; }
  std::uint64_t consumed() const { return consumed_; }

private:
  std::uint32_t countdown_ = 0; // calls until the first failure; 0: none pending
  std::uint32_t count_ = 1;     // failures in a row once it fires; Sticky: forever
  std::uint32_t left_ = 0;      // failures still to come while failing_
  bool failing_ = false;
  std::uint64_t consumed_ = 0;  // failed calls over the plan's life
};

} // namespace busmap

#endif // BUSMAP_PLATFORM_FAULT_HPP
