//===- impl/driver_object.hpp - a driver object in platform memory -*- C++ -*-===//
//
// The small C-style drivers (ehca, identity-dup, lazy) keep the same four
// things beside their map: the platform they were loaded on (`p`), their
// one MR (`mr`) and the page-list buffer of max_rpages entries (`buf`), all
// in memory from the platform allocator so the oracle accounts every byte.
// These two functions are the one place such a driver object is made and
// unmade, so a driver file only says what is particular to it.
//
//===----------------------------------------------------------------------===//
#ifndef BUSMAP_IMPL_DRIVER_OBJECT_HPP
#define BUSMAP_IMPL_DRIVER_OBJECT_HPP

#include "impl/mr_register.hpp"

#include <cstdint>
#include <new>

namespace busmap::impl {

/// A D built in platform memory with its page-list buffer; null when the
/// object itself cannot be allocated.  A missing buffer (buf == nullptr) is
/// the caller's failure to report, after which it calls destroy_driver().
template <class D> D *create_driver(const busmap_platform &p) {
  void *mem = p.alloc(p.ctx, sizeof(D));
  if (!mem)
    return nullptr;
  D *d = new (mem) D(p);
  d->buf = static_cast<std::uint64_t *>(p.alloc(p.ctx, sizeof(std::uint64_t) * p.max_rpages));
  return d;
}

/// Gives back the MR (retrying the free, as at unload), the buffer and the object.
template <class D> void destroy_driver(D *d) {
  mr_release_retrying(d->p, d->mr);
  if (d->buf)
    d->p.free(d->p.ctx, d->buf);
  const busmap_platform p = d->p;
  d->~D();
  p.free(p.ctx, d);
}

} // namespace busmap::impl

#endif // BUSMAP_IMPL_DRIVER_OBJECT_HPP
