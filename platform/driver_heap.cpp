// The malloc interposer behind platform/driver_heap.hpp.
//
// Normal builds define malloc and its family here and forward to glibc's
// own entry points (__libc_malloc, ...), the documented way of replacing
// glibc's malloc; the object is linked into the program itself (a static
// library, never a shared object), so every allocation in the process,
// the driver plugin's included, comes through it.  Under a sanitizer that
// owns malloc (ASan, TSan, MSan) a second definition would fight its
// interceptors, so the same counting is done from compiler-rt's
// allocation hooks instead.
#include "platform/driver_heap.hpp"

#include <atomic>
#include <cerrno>
#include <cstddef>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||                     \
    __has_feature(memory_sanitizer)
#define BUSMAP_HEAP_HOOKS 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define BUSMAP_HEAP_HOOKS 1
#endif

#if defined(__SANITIZE_ADDRESS__)
#define BUSMAP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BUSMAP_ASAN 1
#endif
#endif

#ifdef BUSMAP_HEAP_HOOKS
#if __has_include(<sanitizer/allocator_interface.h>)
#include <sanitizer/allocator_interface.h>
#else
// GCC's libsanitizer exports the interface but ships no header for it.
extern "C" {
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));
size_t __sanitizer_get_allocated_size(const volatile void *p);
int __sanitizer_get_ownership(const volatile void *p);
}
#endif
#else
#include <malloc.h>
#endif

namespace busmap::driver_heap {

namespace {

// Both constant-initialised: malloc may run before any constructor.
constinit thread_local int depth = 0;
constinit std::atomic<std::int64_t> net_bytes{0};

bool in_driver() { return depth > 0; }
void add(std::size_t bytes) { net_bytes.fetch_add(static_cast<std::int64_t>(bytes), std::memory_order_relaxed); }
void take(std::size_t bytes) { net_bytes.fetch_sub(static_cast<std::int64_t>(bytes), std::memory_order_relaxed); }

} // namespace

std::int64_t balance() { return net_bytes.load(std::memory_order_relaxed); }

#ifdef BUSMAP_ASAN
bool asan_owns_heap() { return true; }
#else
bool asan_owns_heap() { return false; }
#endif

DriverCode::DriverCode() noexcept { ++depth; }
DriverCode::~DriverCode() { --depth; }
PlatformCode::PlatformCode() noexcept : saved_(depth) { depth = 0; }
PlatformCode::~PlatformCode() { depth = saved_; }

#ifdef BUSMAP_HEAP_HOOKS

namespace {

void on_malloc(const volatile void *, std::size_t bytes) {
  if (in_driver())
    add(bytes);
}

// Runs before the chunk is released, so its size can still be asked.
void on_free(const volatile void *p) {
  if (in_driver() && p && __sanitizer_get_ownership(p))
    take(__sanitizer_get_allocated_size(p));
}

const bool hooks_installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) != 0;

} // namespace

bool counting() { return hooks_installed; }

#else

bool counting() { return true; }

namespace {
void counted_in(void *p) {
  if (p && in_driver())
    add(::malloc_usable_size(p));
}
/// The size the balance holds for `p` when driver code frees it, else 0.
std::size_t counted_size(void *p) { return p && in_driver() ? ::malloc_usable_size(p) : 0; }
void uncount(std::size_t bytes) {
  if (bytes)
    take(bytes);
}
void counted_out(void *p) { uncount(counted_size(p)); }
} // namespace

#endif

} // namespace busmap::driver_heap

#ifndef BUSMAP_HEAP_HOOKS

// glibc's own allocator, which stays the one that does the work.
extern "C" {
void *__libc_malloc(std::size_t);
void *__libc_calloc(std::size_t, std::size_t);
void *__libc_realloc(void *, std::size_t);
void *__libc_memalign(std::size_t, std::size_t);
void *__libc_valloc(std::size_t);
void *__libc_pvalloc(std::size_t);
void __libc_free(void *);
}

using busmap::driver_heap::counted_in;
using busmap::driver_heap::counted_out;

extern "C" {

void *malloc(std::size_t bytes) noexcept {
  void *p = __libc_malloc(bytes);
  counted_in(p);
  return p;
}

void *calloc(std::size_t n, std::size_t size) noexcept {
  void *p = __libc_calloc(n, size);
  counted_in(p);
  return p;
}

// A failed realloc leaves the old block as it was, and counted as it was;
// the old block's size is read before realloc may release it.
void *realloc(void *old, std::size_t bytes) noexcept {
  const std::size_t old_size = busmap::driver_heap::counted_size(old);
  void *p = __libc_realloc(old, bytes);
  if (p || bytes == 0)
    busmap::driver_heap::uncount(old_size);
  counted_in(p);
  return p;
}

void free(void *p) noexcept {
  counted_out(p);
  __libc_free(p);
}

void *memalign(std::size_t alignment, std::size_t bytes) noexcept {
  void *p = __libc_memalign(alignment, bytes);
  counted_in(p);
  return p;
}

void *aligned_alloc(std::size_t alignment, std::size_t bytes) noexcept {
  return memalign(alignment, bytes);
}

int posix_memalign(void **out, std::size_t alignment, std::size_t bytes) noexcept {
  const bool power_of_two = alignment != 0 && (alignment & (alignment - 1)) == 0;
  if (!power_of_two || alignment % sizeof(void *) != 0)
    return EINVAL;
  void *p = memalign(alignment, bytes);
  if (!p)
    return ENOMEM;
  *out = p;
  return 0;
}

void *valloc(std::size_t bytes) noexcept {
  void *p = __libc_valloc(bytes);
  counted_in(p);
  return p;
}

void *pvalloc(std::size_t bytes) noexcept {
  void *p = __libc_pvalloc(bytes);
  counted_in(p);
  return p;
}

} // extern "C"

#endif
