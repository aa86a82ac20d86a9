// SPDX-License-Identifier: MIT
/*
 * example_driver.c - a small canonical bus-map driver as a busmap plugin.
 *
 * This is the shape of a real adapter driver's bus map reduced to what the
 * oracle judges: it keeps the sections it maps in one sorted array, and the
 * bus address of a physical address is
 *
 *	bus_start + rank of its section in the array * section size + offset
 *
 * which is the canonical (eHEA) layout.  One MR covers the whole array; it
 * cannot be resized, so every change to the array frees the MR and
 * registers a new one, page by page in bus order, max_rpages at a time.
 *
 * Hotplug timing follows strict mode: a block is mapped at GOING_ONLINE
 * (its pages reach the allocator before ONLINE) and unmapped at
 * GOING_OFFLINE (before its pages are migrated); a CANCEL undoes the
 * matching GOING.  Adding and removing are set operations, so an event the
 * driver never saw the GOING of (another notifier vetoed first) is
 * harmless.  Sections inside gigantic pages are never mapped.
 *
 * When an allocation or a firmware call fails, the driver logs it, drops
 * its MR (so no lookup can return an address the device cannot reach) and
 * answers NOTIFY_BAD; every later change tries to register again.  Only a
 * CANCEL_OFFLINE that cannot get memory to take its sections back leaves
 * the array short of online memory; the driver is then inoperable (no MR,
 * every lookup a miss) until it is loaded again.
 *
 * ABI 2 (the default): walk_ram reports every block the partition has
 * added, offline ones too, so the load keeps only the sections is_online()
 * answers for, and takes the memory hotplug lock (get_online_mems) around
 * the walk, so that a load during an online or offline waits for it to end
 * and never sees a block in mid-operation.  Built with BUSMAP_ABI_VERSION
 * defined to 1 (the busmap_example_driver_abi1 target), the same source is
 * an ABI 1 driver: the walk reports online memory only, and there is no
 * is_online() nor lock to call.
 *
 * Build: see CMakeLists.txt next to this file; load it with
 *	busmap replay some.trace --plugin ./libbusmap_example_driver.so
 */
#include <busmap/driver.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

struct example_map {
	const struct busmap_platform *p;
	uint64_t *sections;	/* mapped section numbers, ascending */
	size_t nr_sections;
	uint64_t *page_buf;	/* one h_register_pages call's worth */
	uint64_t mr_handle;
	int has_mr;
	int stale;		/* the array lacks online memory: no MR until reload */
};

static void example_log(struct example_map *map, const char *msg)
{
	map->p->log(map->p->ctx, BUSMAP_LOG_ERR, msg);
}

static int section_is_gigantic(const struct busmap_platform *p, uint64_t section)
{
	return p->is_gigantic(p->ctx, section << (p->section_shift - p->page_shift));
}

/* Index of the first mapped section >= section. */
static size_t lower_bound(const struct example_map *map, uint64_t section)
{
	size_t lo = 0, hi = map->nr_sections;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (map->sections[mid] < section)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* --- The MR ------------------------------------------------------------ */

/*
 * A live MR must not outlive the sections it was built over, so a failed
 * free (H_BUSY, a firmware hiccup) is tried once more before giving up.
 * Given up, the MR is the firmware's: the driver forgets it and translates
 * nothing (inoperable) until a later event builds a new one, since the
 * section array may no longer match the pages the old MR holds.
 */
static int drop_mr(struct example_map *map)
{
	const struct busmap_platform *p = map->p;
	int tries;

	if (!map->has_mr)
		return 0;
	map->has_mr = 0;
	for (tries = 0; tries < 2; tries++)
		if (p->h_free_mr(p->ctx, map->mr_handle) == BUSMAP_H_SUCCESS)
			return 0;
	return -1;
}

/* Registers every HW page of every mapped section, in bus order. */
static int register_pages(struct example_map *map)
{
	const struct busmap_platform *p = map->p;
	uint64_t per_section = (uint64_t)1 << (p->section_shift - p->hw_page_shift);
	uint32_t fill = 0;
	size_t i;
	uint64_t k;
	int64_t rc;

	for (i = 0; i < map->nr_sections; i++) {
		for (k = 0; k < per_section; k++) {
			map->page_buf[fill++] = (map->sections[i] << p->section_shift) +
						(k << p->hw_page_shift);
			if (fill < p->max_rpages &&
			    !(i + 1 == map->nr_sections && k + 1 == per_section))
				continue;
			rc = p->h_register_pages(p->ctx, map->mr_handle,
						 map->page_buf, fill);
			fill = 0;
			if (rc == BUSMAP_H_SUCCESS)
				return i + 1 == map->nr_sections &&
				       k + 1 == per_section ? 0 : -1;
			if (rc != BUSMAP_H_PAGE_REGISTERED)
				return -1;
		}
	}
	return -1;	/* the firmware never reported the MR complete */
}

/* Replaces the MR by one over the current section array. */
static int rebuild_mr(struct example_map *map)
{
	const struct busmap_platform *p = map->p;
	uint64_t length = (uint64_t)map->nr_sections << p->section_shift;

	if (drop_mr(map)) {
		example_log(map, "example: h_free_mr failed; inoperable");
		return -1;
	}
	if (!map->nr_sections)
		return 0;
	if (p->h_alloc_mr(p->ctx, p->bus_start, length, &map->mr_handle) !=
	    BUSMAP_H_SUCCESS) {
		example_log(map, "example: h_alloc_mr failed");
		return -1;
	}
	map->has_mr = 1;
	if (register_pages(map)) {
		example_log(map, "example: h_register_pages failed, MR dropped");
		drop_mr(map);
		return -1;
	}
	return 0;
}

/* --- The section array -------------------------------------------------- */

static void free_if(const struct busmap_platform *p, void *ptr)
{
	if (ptr)
		p->free(p->ctx, ptr);
}

/*
 * Merges [first, first + count) minus gigantic sections into the array and
 * answers whether it changed (1), or -1 when out of memory.  The new array
 * is allocated before the old one is freed, so a failed allocation leaves
 * the map as it was.
 */
static int map_sections(struct example_map *map, uint64_t first, uint64_t count)
{
	const struct busmap_platform *p = map->p;
	size_t at = lower_bound(map, first);
	size_t after = lower_bound(map, first + count);
	size_t old = map->nr_sections;
	uint64_t *merged, *stale_array;
	size_t n = at;
	uint64_t s;

	if (!count)
		return 0;
	merged = p->alloc(p->ctx, (map->nr_sections + count) * sizeof(*merged));
	if (!merged) {
		example_log(map, "example: out of memory for the section map");
		return -1;
	}
	/* memcpy() from the NULL array of an empty map is undefined, even for 0 bytes. */
	if (at)
		memcpy(merged, map->sections, at * sizeof(*merged));
	for (s = first; s < first + count; s++)
		if (!section_is_gigantic(p, s))
			merged[n++] = s;
	if (after < old)
		memcpy(merged + n, map->sections + after,
		       (old - after) * sizeof(*merged));
	n += old - after;
	/*
	 * Publish the new array before freeing the old one: the data path
	 * translates with no lock and may run while free() does.
	 */
	stale_array = map->sections;
	map->sections = merged;
	map->nr_sections = n;
	free_if(p, stale_array);
	return n != old;
}

/* Removes [first, first + count); answers whether it changed.  Never allocates. */
static int unmap_sections(struct example_map *map, uint64_t first, uint64_t count)
{
	size_t at = lower_bound(map, first);
	size_t after = lower_bound(map, first + count);

	if (at == after)
		return 0;
	memmove(map->sections + at, map->sections + after,
		(map->nr_sections - after) * sizeof(*map->sections));
	map->nr_sections -= after - at;
	return 1;
}

/* --- The driver ABI ------------------------------------------------------ */

#if BUSMAP_ABI_VERSION >= 2
/* Maps the online sections of a walked range, one section at a time. */
static int walk_cb(void *arg, uint64_t start_pfn, uint64_t nr_pages)
{
	struct example_map *map = arg;
	const struct busmap_platform *p = map->p;
	uint32_t shift = p->section_shift - p->page_shift;
	uint64_t s, first = start_pfn >> shift, count = nr_pages >> shift;

	for (s = first; s - first < count; s++)
		if (p->is_online(p->ctx, s << shift) &&
		    map_sections(map, s, 1) < 0)
			return 1;
	return 0;
}

static int walk_online(struct example_map *map)
{
	const struct busmap_platform *p = map->p;
	int rc;

	p->get_online_mems(p->ctx);
	rc = p->walk_ram(p->ctx, walk_cb, map);
	p->put_online_mems(p->ctx);
	return rc;
}
#else
/* ABI 1: the walk reports online memory only. */
static int walk_cb(void *arg, uint64_t start_pfn, uint64_t nr_pages)
{
	struct example_map *map = arg;
	uint32_t shift = map->p->section_shift - map->p->page_shift;

	return map_sections(map, start_pfn >> shift, nr_pages >> shift) < 0;
}

static int walk_online(struct example_map *map)
{
	return map->p->walk_ram(map->p->ctx, walk_cb, map);
}
#endif

/* --- The data path (ABI 2) ------------------------------------------------ */

static uint64_t example_translate(void *drv, uint64_t phys_addr);

#if BUSMAP_ABI_VERSION >= 2
#define EXAMPLE_MAX_ENTRIES 32	/* a 64 KiB packet crosses at most 17 4 KiB pages */

static void stop_traffic(struct example_map *map)
{
	map->p->stop_traffic(map->p->ctx);
}

static void start_traffic(struct example_map *map)
{
	map->p->start_traffic(map->p->ctx);
}

static uint64_t rx_xlate(void *arg, uint64_t phys_addr)
{
	return example_translate(arg, phys_addr);
}

/*
 * The MR is replaced with the port stopped: in-flight sends finish through
 * the old MR, and posted receive buffers get their new bus addresses (or
 * are handed back when their memory is no longer mapped) before traffic
 * restarts.  Without an MR the port stays stopped until a rebuild works.
 */
static int rebuild(struct example_map *map)
{
	const struct busmap_platform *p = map->p;
	int rc;

	stop_traffic(map);
	rc = rebuild_mr(map);
	if (rc == 0) {
		p->rewrite_rx(p->ctx, rx_xlate, map);
		start_traffic(map);
	}
	return rc;
}

/* One descriptor, split where bus addresses stop being contiguous. */
static int example_xmit(void *drv, uint64_t phys_addr, uint32_t len)
{
	struct example_map *map = drv;
	const struct busmap_platform *p = map->p;
	uint64_t bus[EXAMPLE_MAX_ENTRIES], page = (uint64_t)1 << p->hw_page_shift;
	uint32_t lens[EXAMPLE_MAX_ENTRIES], n = 0, done = 0, chunk;
	uint32_t limit = p->max_sg < EXAMPLE_MAX_ENTRIES ? p->max_sg : EXAMPLE_MAX_ENTRIES;
	uint64_t at, b;

	while (done < len) {
		at = phys_addr + done;
		chunk = (uint32_t)(page - (at & (page - 1)));
		if (chunk > len - done)
			chunk = len - done;
		b = example_translate(map, at);
		if (b == BUSMAP_INVALID)
			return -1;	/* not mapped: drop the packet */
		if (n > 0 && bus[n - 1] + lens[n - 1] == b) {
			lens[n - 1] += chunk;
		} else {
			if (n == limit)
				return -1;	/* too scattered for one descriptor */
			bus[n] = b;
			lens[n++] = chunk;
		}
		done += chunk;
	}
	return p->post_tx(p->ctx, bus, lens, n);
}

static int example_refill_rx(void *drv, uint64_t phys_addr, uint32_t len)
{
	struct example_map *map = drv;
	const struct busmap_platform *p = map->p;
	uint64_t b = example_translate(map, phys_addr), last;

	if (b == BUSMAP_INVALID || len == 0)
		return -1;
	last = phys_addr + (len - 1);
	if (example_translate(map, last) != b + (len - 1))
		return -1;	/* not one contiguous run of bus space */
	return p->post_rx(p->ctx, b, len);
}
#else
static void stop_traffic(struct example_map *map)
{
	(void)map;
}

static void start_traffic(struct example_map *map)
{
	(void)map;
}

static int rebuild(struct example_map *map)
{
	return rebuild_mr(map);
}
#endif

static void example_unload(void *drv)
{
	struct example_map *map = drv;
	const struct busmap_platform *p = map->p;

	stop_traffic(map);	/* close the port before its MR goes */
	if (drop_mr(map))
		example_log(map, "example: h_free_mr failed at unload");
	free_if(p, map->sections);
	free_if(p, map->page_buf);
	p->free(p->ctx, map);
}

static void *example_load(const struct busmap_platform *p)
{
	struct example_map *map = p->alloc(p->ctx, sizeof(*map));

	if (!map) {
		p->log(p->ctx, BUSMAP_LOG_ERR, "example: out of memory at load");
		return NULL;
	}
	map->p = p;
	map->page_buf = p->alloc(p->ctx, p->max_rpages * sizeof(*map->page_buf));
	if (!map->page_buf || walk_online(map) ||
	    rebuild(map)) {
		example_log(map, "example: load failed");
		example_unload(map);
		return NULL;
	}
	return map;
}

static int example_notify(void *drv, enum busmap_mem_action action,
			  uint64_t start_pfn, uint64_t nr_pages)
{
	struct example_map *map = drv;
	uint32_t shift = map->p->section_shift - map->p->page_shift;
	uint64_t first = start_pfn >> shift, count = nr_pages >> shift;
	int changed;

	if (action == BUSMAP_MEM_ONLINE || action == BUSMAP_MEM_OFFLINE)
		return BUSMAP_NOTIFY_OK;	/* already done at GOING_* */
	if (map->stale)
		return BUSMAP_NOTIFY_OK;	/* maps nothing, blocks nothing */
	/*
	 * The map changes only while the port is stopped: a packet translated
	 * with the new map before the new MR is in place would be sent through
	 * the old MR, to the wrong page.
	 */
	stop_traffic(map);
	if (action == BUSMAP_MEM_GOING_ONLINE || action == BUSMAP_MEM_CANCEL_OFFLINE)
		changed = map_sections(map, first, count);
	else
		changed = unmap_sections(map, first, count);
	if (changed < 0 && action == BUSMAP_MEM_CANCEL_OFFLINE) {
		/* stopped for good: nothing left to reach */
		if (drop_mr(map))
			example_log(map, "example: h_free_mr failed");
		example_log(map, "example: driver inoperable until reloaded");
		map->stale = 1;
		return BUSMAP_NOTIFY_OK;
	}
	if (changed < 0) {	/* out of memory: the map is as it was */
		if (map->has_mr)
			start_traffic(map);
		return BUSMAP_NOTIFY_BAD;
	}
	/* Unchanged but without an MR: an earlier rebuild failed, try again. */
	if (changed || !map->has_mr)
		return rebuild(map) ? BUSMAP_NOTIFY_BAD : BUSMAP_NOTIFY_OK;
	start_traffic(map);	/* the map and the MR are as they were */
	return BUSMAP_NOTIFY_OK;
}

static uint64_t example_translate(void *drv, uint64_t phys_addr)
{
	struct example_map *map = drv;
	uint32_t shift = map->p->section_shift;
	uint64_t section = phys_addr >> shift;
	size_t rank = lower_bound(map, section);

	if (!map->has_mr || rank == map->nr_sections ||
	    map->sections[rank] != section)
		return BUSMAP_INVALID;
	return map->p->bus_start + ((uint64_t)rank << shift) +
	       (phys_addr & (((uint64_t)1 << shift) - 1));
}

static const struct busmap_driver example_driver = {
	.abi_version = BUSMAP_ABI_VERSION,
	.name = "c-example",
	.description = "example plugin in C: sorted section array, canonical layout",
	.flags = BUSMAP_DRIVER_CANONICAL,
	.load = example_load,
	.unload = example_unload,
	.notify = example_notify,
	.translate = example_translate,
#if BUSMAP_ABI_VERSION >= 2
	.xmit = example_xmit,
	.refill_rx = example_refill_rx,
#endif
};

EXPORT const struct busmap_driver *busmap_driver_entry(void)
{
	return &example_driver;
}
