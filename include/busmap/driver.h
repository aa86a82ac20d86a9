/*
 * busmap/driver.h - the driver ABI of busmap-oracle.
 *
 * A bus-map driver is judged by the oracle through this plain C interface
 * and nothing else: the built-in drivers, the mutants and every plugin
 * shared object all fill in the same `struct busmap_driver`.  The platform
 * side (the simulated kernel and firmware) hands the driver a
 * `struct busmap_platform` with the services a real kernel driver would
 * call: a memory allocator, a log, walk_system_ram_range(), the
 * gigantic-page query and the three MR hypervisor calls.
 *
 * Stability rules: the names below are fixed; fields are only ever added at
 * the end of a struct, and any change a driver could observe bumps
 * BUSMAP_ABI_VERSION.  The header compiles as C89/C11 and C++ and uses no
 * compiler extensions, so kernel-style driver code can include it as is.
 *
 * Versions.  ABI 2 adds, at the ends of the two structs, what Linux gives
 * a driver against hotplug (is_online, the hotplug lock) and the device's
 * data path (descriptors, stopping traffic, rewriting posted receive
 * buffers), and it changes one meaning: walk_ram reports every block the
 * partition has added, online or not, as Linux's walk_system_ram_range()
 * does.  A driver built against ABI 1 still loads and runs with ABI 1's
 * meaning (walk_ram reports online memory only, no new callbacks, no data
 * path).  To build a driver against ABI 1 with this header, define
 * BUSMAP_ABI_VERSION to 1 before including it.
 *
 * Trust.  A plugin is trusted code, like a kernel module.  The harness
 * runs it only in child processes (its constructors and
 * busmap_driver_entry() included), each with a deadline, a memory limit,
 * its own process group and captured output, so a driver that crashes,
 * hangs, calls exit(), forks or floods stdout gets a verdict and cannot
 * take the harness down.  It does not protect against a driver that sets
 * out to deceive the harness: one that kills its parent, forges the
 * answer on the harness's pipe or leaves its process group.  A plugin is
 * loaded afresh in each case's process, so its global state is per case.
 */
#ifndef BUSMAP_DRIVER_H
#define BUSMAP_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The newest ABI, which this header describes unless told otherwise. */
#define BUSMAP_ABI_CURRENT 2
/* The oldest ABI the harness still loads. */
#define BUSMAP_ABI_OLDEST 1
#ifndef BUSMAP_ABI_VERSION
#define BUSMAP_ABI_VERSION BUSMAP_ABI_CURRENT
#endif

/* translate() answers this for an address that has no bus mapping. */
#define BUSMAP_INVALID (~(uint64_t)0)

/* The memory hotplug notifier events, in the order Linux defines them. */
enum busmap_mem_action {
	BUSMAP_MEM_GOING_ONLINE,
	BUSMAP_MEM_ONLINE,
	BUSMAP_MEM_CANCEL_ONLINE,
	BUSMAP_MEM_GOING_OFFLINE,
	BUSMAP_MEM_OFFLINE,
	BUSMAP_MEM_CANCEL_OFFLINE
};

/* A notifier's answer.  Only the GOING_* answers can veto an event. */
enum { BUSMAP_NOTIFY_OK = 0, BUSMAP_NOTIFY_BAD = 1 };

/*
 * Firmware (hypervisor call) return codes.  The values are those of the
 * PAPR hcall interface the eHEA and eHCA drivers were written against, so a
 * driver ported from there keeps its constants.
 */
#define BUSMAP_H_SUCCESS 0         /* done; for register: MR now complete */
#define BUSMAP_H_BUSY 1            /* try again later */
#define BUSMAP_H_PAGE_REGISTERED 15 /* pages taken, MR not complete yet */
#define BUSMAP_H_HARDWARE (-1)     /* firmware or adapter error */
#define BUSMAP_H_PARAMETER (-4)    /* bad handle, page, length or order */
#define BUSMAP_H_RESOURCE (-16)    /* out of MRs, or length > partition memory */

/*
 * The firmware contract: every rule the platform enforces on the three MR
 * calls, the code each answers and what a driver should do about it.  Each
 * rule carries a tag, [fw-...], that platform/firmware.cpp and
 * platform/partition.cpp put at the code enforcing it and docs/ORACLE.md
 * gives the source of; tests/platform/firmware_contract_test.cpp keeps the
 * three in step.  "Partition memory" is every block the hypervisor has
 * assigned and not yet reclaimed, online or not.
 *
 * h_alloc_mr(bus_start, length, &handle):
 *   H_SUCCESS      the MR exists, empty; *handle names it.
 *   [fw-alloc-shape] H_PARAMETER: handle is NULL, length is 0, bus_start or
 *     length is not a multiple of the HW page (1 << hw_page_shift), or the
 *     range runs past the end of the 64-bit bus space.  A driver bug.
 *   [fw-alloc-length] H_RESOURCE: length exceeds partition memory.  Declare
 *     what is mapped, never a guess (duplicate entries, a highest-section
 *     bound or gigantic pages counted in make it too long).
 *   [fw-alloc-limit] H_RESOURCE: max_mrs MRs are live (an orphan, see
 *     below, counts).  Free the old MR first or fail cleanly.
 *   [fw-alloc-overlap] H_PARAMETER: the range overlaps a live MR's (an
 *     orphan's included): a bus address names one MR.  To rebuild at the
 *     same bus start, free the old MR first.
 *
 * h_register_pages(handle, phys_pages, count):
 *   [fw-reg-positional] pages take the MR's next positions, in order; every
 *     call answers H_PAGE_REGISTERED until the declared length is reached,
 *     the completing call H_SUCCESS.  The device reaches an MR only once
 *     it is complete.  Anything else refuses the whole call, nothing taken:
 *   [fw-reg-handle] H_PARAMETER: the handle was never allocated or is freed.
 *   [fw-reg-shape] H_PARAMETER: count is 0 or above max_rpages, or
 *     phys_pages is NULL.  Read max_rpages; do not assume 512.
 *   [fw-reg-past-declared] H_PARAMETER: more pages than the declared
 *     length has left.
 *   [fw-page-aligned] H_PARAMETER: a page address is not HW-page aligned.
 *   [fw-page-partition] H_PARAMETER: a page is not partition memory.
 *   [fw-page-gigantic] H_PARAMETER: a page lies in a gigantic page (ask
 *     is_gigantic() and leave those out).
 *   After a refusal the MR stays incomplete: free it.
 *
 * h_free_mr(handle):
 *   H_SUCCESS      the MR and its pages are released.
 *   [fw-free-handle] H_PARAMETER: unknown or already freed handle; the
 *     oracle counts it as a double free.
 *   [fw-free-busy] H_BUSY or a long-busy code (9900..9905, Linux's
 *     H_IS_LONG_BUSY): nothing done, try again.  A second busy answer to
 *     the retry orphans the MR, so a bounded retry may give up then.
 *   [fw-free-error] any other error orphans the MR at once: the firmware
 *     keeps it and its pages, and it is no longer the driver's to free.
 *     Log it and forget the handle (eHEA: "destroy MR failed").
 *
 * [fw-fault] Any call may answer an error (H_HARDWARE, H_BUSY, H_PARAMETER,
 *   H_RESOURCE or another code) without doing anything: the fault
 *   injection of the traces.  Treat every answer other than those above as
 *   failure: free what was built, log an error, and veto the event or stay
 *   inoperable (no MR, every translation BUSMAP_INVALID).
 *
 * [fw-reclaim-held] The hypervisor cannot reclaim an offline block while a
 *   live MR (an orphan's included) holds one of its pages.  Take a block's
 *   pages out of every MR when its GOING_OFFLINE is accepted.
 */

/* Log levels, as the kernel's KERN_* numbers. */
#define BUSMAP_LOG_ERR 3
#define BUSMAP_LOG_WARNING 4
#define BUSMAP_LOG_INFO 6
#define BUSMAP_LOG_DEBUG 7

/*
 * What the platform (kernel + firmware) gives a driver.  Every callback
 * takes `ctx` first.  Physical addresses and page frame numbers use the
 * full 64 bits; a pfn counts kernel pages of (1 << page_shift) bytes.
 */
struct busmap_platform {
	void *ctx;
	uint32_t section_shift; /* bus-map granularity: 24 = 16 MiB sections */
	uint32_t page_shift;    /* kernel page, the notifier's unit: 16 = 64 KiB */
	uint32_t hw_page_shift; /* MR registration page: 12 = 4 KiB */
	uint32_t max_rpages;    /* pages per h_register_pages call: 512 */
	uint32_t max_mrs;       /* MRs the firmware grants this adapter */
	uint64_t bus_start;     /* first bus address: 0x8000000000000000 */

	/* Zeroed memory, or NULL when the allocation fails. */
	void *(*alloc)(void *ctx, size_t bytes);
	void (*free)(void *ctx, void *p);
	void (*log)(void *ctx, int level, const char *msg);
	/*
	 * Calls cb for each System RAM range in ascending order, like
	 * walk_system_ram_range(); stops at and returns the first nonzero
	 * value cb returns, else 0.  ABI 2: every block the partition has
	 * added and the hypervisor has not reclaimed, in any hotplug phase
	 * (offline ones included: add_memory() creates the resource, not
	 * onlining), adjacent blocks merged into one range.  ABI 1: online
	 * blocks only.  Use is_online() to tell online memory.
	 */
	int (*walk_ram)(void *ctx,
			int (*cb)(void *arg, uint64_t start_pfn, uint64_t nr_pages),
			void *arg);
	/* Nonzero when the pfn lies in a gigantic page: keep it out of MRs. */
	int (*is_gigantic)(void *ctx, uint64_t pfn);

	/* Allocate an MR of `length` bytes of bus space at `bus_start`. */
	int64_t (*h_alloc_mr)(void *ctx, uint64_t bus_start, uint64_t length,
			      uint64_t *handle);
	/*
	 * Register `count` (<= max_rpages) pages at the MR's next positions;
	 * phys_pages holds their HW-page-aligned physical addresses.  Answers
	 * H_PAGE_REGISTERED until the declared length is complete, then
	 * H_SUCCESS.
	 */
	int64_t (*h_register_pages)(void *ctx, uint64_t handle,
				    const uint64_t *phys_pages, uint32_t count);
	int64_t (*h_free_mr)(void *ctx, uint64_t handle);

#if BUSMAP_ABI_VERSION >= 2
	/* --- ABI 2: hotplug. --- */
	/*
	 * Nonzero when the pfn's block is online, going online, or going
	 * offline with its pages not yet migrated (its section is still
	 * online), like pfn_to_online_page() != NULL.
	 */
	int (*is_online)(void *ctx, uint64_t pfn);
	/*
	 * The memory hotplug lock taken for reading, like get_online_mems()
	 * and put_online_mems().  While a driver holds it no online or
	 * offline is in progress: a load that takes it while one is between
	 * its GOING_* and its final event waits until that one ends.  Linux
	 * holds the notifier chain's lock only while the chain runs, so a
	 * load that does not take it can see an OFFLINE whose GOING_OFFLINE
	 * it never saw.  Not to be taken inside notify().
	 */
	void (*get_online_mems)(void *ctx);
	void (*put_online_mems)(void *ctx);

	/* --- ABI 2: the device's data path. --- */
	uint32_t max_sg; /* entries per transmit descriptor */
	/*
	 * Post one transmit descriptor of `count` (1..max_sg) entries, each a
	 * bus address and a length in bytes.  Answers 0, or -1 when traffic
	 * is stopped or the entries are malformed (nothing posted).
	 */
	int (*post_tx)(void *ctx, const uint64_t *bus_addrs, const uint32_t *lens,
		       uint32_t count);
	/* Post one receive buffer at `bus_addr`; 0, or -1 as for post_tx. */
	int (*post_rx)(void *ctx, uint64_t bus_addr, uint32_t len);
	/*
	 * Stop the device's queues (like netif_tx_stop_all_queues and
	 * eHEA's STOP_XFER): in-flight transmits complete, no post is taken
	 * until start_traffic(); posted receive buffers stay posted.
	 */
	void (*stop_traffic)(void *ctx);
	void (*start_traffic)(void *ctx);
	/*
	 * Rewrite every posted receive buffer's bus address: xlate is called
	 * with the physical address the buffer was posted for and answers its
	 * new bus address, as eHEA rewrites its receive queues after a
	 * re-registration.  A buffer xlate answers BUSMAP_INVALID for (its
	 * memory is no longer mapped, e.g. going offline) is taken back from
	 * the device and given back to the stack, as a driver drops a
	 * receive buffer it can no longer map.  Answers the number of buffers
	 * still posted.  Only while traffic is stopped; else -1 and nothing
	 * changes.  The device transfers nothing while stopped: no packet is
	 * received and no transmit is read until start_traffic().
	 */
	int (*rewrite_rx)(void *ctx, uint64_t (*xlate)(void *arg, uint64_t phys_addr),
			  void *arg);

	/* --- ABI 2: what the data path and notify() share. --- */
	/*
	 * A lock word in the driver's memory, zero when free, like a kernel
	 * mutex: lock() waits until no other thread holds the word and takes
	 * it, unlock() gives it back.  Not recursive, and not held when
	 * notify() returns.  A translation racing an event (docs/CHECKING.md)
	 * that finds the word held waits until the driver's thread unlocks it,
	 * as a real data path would.
	 */
	void (*lock)(void *ctx, uint32_t *word);
	void (*unlock)(void *ctx, uint32_t *word);
	/*
	 * Read-copy update, as the kernel's rcu_read_lock(), rcu_read_unlock()
	 * and synchronize_rcu(): translate(), xmit() and refill_rx() bracket
	 * their reads of the driver's tables with the first two; an update
	 * publishes a new table (a release store), calls synchronize_rcu(),
	 * which returns once every read section that began before it has
	 * ended, and only then frees what it replaced.  A read section calls
	 * no other callback and does not span calls into the driver.
	 */
	void (*rcu_read_lock)(void *ctx);
	void (*rcu_read_unlock)(void *ctx);
	void (*synchronize_rcu)(void *ctx);
#endif
};

/* The driver promises the canonical rank layout; the oracle checks it exactly. */
#define BUSMAP_DRIVER_CANONICAL (1u << 0)
/* The driver vetoes hotplug while loaded (eHCA policy). */
#define BUSMAP_DRIVER_REJECTS_HOTPLUG (1u << 1)

/* What a driver gives the platform. */
struct busmap_driver {
	uint32_t abi_version; /* BUSMAP_ABI_VERSION the driver was built against */
	const char *name;
	const char *description;
	uint32_t flags; /* BUSMAP_DRIVER_* */

	/* Build the map from walk_ram and register the MR; NULL on failure. */
	void *(*load)(const struct busmap_platform *p);
	/* Free every allocation and every MR. */
	void (*unload)(void *drv);
	/* Answer a memory hotplug event for [start_pfn, start_pfn + nr_pages). */
	int (*notify)(void *drv, enum busmap_mem_action action,
		      uint64_t start_pfn, uint64_t nr_pages);
	/*
	 * Bus address of phys_addr, or BUSMAP_INVALID.  For a driver with a
	 * data path (ABI 2, xmit and refill_rx set) it may run on another
	 * thread while notify() handles an event, whenever traffic is not
	 * stopped (at a platform callback in a trace's races; on several
	 * threads in real parallel in busmap stress), as the data path
	 * translating a buffer of the stack; its answer is posted at once and
	 * read through the MRs live then.  Other drivers are never raced.
	 */
	uint64_t (*translate)(void *drv, uint64_t phys_addr);

#if BUSMAP_ABI_VERSION >= 2
	/* --- ABI 2: the data path; NULL for a driver without one. --- */
	/*
	 * The stack sends `len` bytes at phys_addr: translate the buffer and
	 * post it with post_tx, split where its bus addresses stop being
	 * contiguous.  Answers 0 when posted, -1 when dropped (a miss must be
	 * dropped, never posted as BUSMAP_INVALID).
	 */
	int (*xmit)(void *drv, uint64_t phys_addr, uint32_t len);
	/* Post a receive buffer at phys_addr with post_rx; 0 or -1 as xmit. */
	int (*refill_rx)(void *drv, uint64_t phys_addr, uint32_t len);
#endif
};

/* A plugin shared object exports this symbol. */
#define BUSMAP_DRIVER_ENTRY_SYMBOL "busmap_driver_entry"
typedef const struct busmap_driver *(*busmap_driver_entry_fn)(void);
const struct busmap_driver *busmap_driver_entry(void);

#ifdef __cplusplus
}
#endif

#endif /* BUSMAP_DRIVER_H */
