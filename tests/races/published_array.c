// SPDX-License-Identifier: MIT
/*
 * published_array.c - a canonical bus-map driver whose lookup takes no lock,
 * written against include/busmap/driver.h alone, as a driver author outside
 * this tree would: the test of tests/races/race_test.cpp that a correct
 * lock-free driver passes with a translation racing every platform callback.
 *
 * The map is one sorted array of section numbers behind one pointer.  An
 * update builds the new array beside the old one, registers the MR over it,
 * and only then publishes it (a release store) and frees the old one, so a
 * lookup on another CPU sees the old map or the new one, never a freed or
 * half-built array.  (A kernel driver would also wait for readers between
 * the publish and the free: rcu_assign_pointer() and kfree_rcu().)
 *
 * Hotplug timing is strict mode's: map at GOING_ONLINE, unmap at
 * GOING_OFFLINE, undo on the CANCELs.  A GOING_* that cannot be applied is
 * vetoed with the old map and MR restored; a CANCEL that cannot be applied
 * leaves the driver inoperable (no MR, every lookup a miss).
 *
 * The data path is the plainest one: xmit posts one entry per HW page of the
 * buffer, refill_rx a buffer that is one run of bus space.  An update stops
 * traffic before anything changes and restarts it once the new MR and map
 * are in place and the posted receive buffers are rewritten, so a
 * translation with traffic running always answers for the live MR.
 *
 * Built three ways (tests/races/CMakeLists.txt):
 *   default           the old array is freed at the publish, traffic stopped;
 *   RCU               lookups are RCU read sections; an update that only
 *                     appends sections (every mapped one keeps its bus
 *                     address) restarts traffic first and publishes the new
 *                     array under running lookups, and every replaced array
 *                     is freed after the restart, once synchronize_rcu()
 *                     says no lookup that began before the publish still
 *                     runs (rcu_assign_pointer(), then synchronize_rcu()
 *                     and kfree(), as a kernel driver frees a replaced table);
 *   RCU NO_GRACE      the same with the synchronize_rcu() left out: a bug
 *                     only a lookup on another CPU shows (busmap stress);
 *   LOCKED            lookups hold the driver's lock word; an append is
 *                     published after the restart, the old array swapped
 *                     out and freed under the lock, so a lookup that comes
 *                     meanwhile waits for it (spin_lock() around the table,
 *                     kfree() under it).
 */
#include <busmap/driver.h>

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct table {
	size_t count;
	uint64_t section[];	/* ascending */
};

struct drv {
	const struct busmap_platform *p;
	_Atomic(struct table *) map;	/* NULL: inoperable */
	struct table *retired;		/* RCU: replaced, freed after a grace period */
	uint32_t lock;			/* LOCKED: held by lookups and by the publish */
	uint64_t *pages;		/* one h_register_pages call's worth */
	uint64_t handle;
	int has_mr;
};

static struct table *table_new(const struct busmap_platform *p, size_t count)
{
	/* alloc() zeroes: count starts at 0 */
	return p->alloc(p->ctx, sizeof(struct table) + count * sizeof(uint64_t));
}

/* Makes `next` what lookups read, then frees the table they read before
 * (with RCU: keeps it for free_retired()). */
static void publish(struct drv *d, struct table *next)
{
	struct table *old;

#ifdef LOCKED
	d->p->lock(d->p->ctx, &d->lock);
	old = atomic_exchange_explicit(&d->map, next, memory_order_acq_rel);
	if (old)
		d->p->free(d->p->ctx, old);
	d->p->unlock(d->p->ctx, &d->lock);
	return;
#endif
	old = atomic_exchange_explicit(&d->map, next, memory_order_acq_rel);

	if (!old)
		return;
#ifdef RCU
	if (d->retired)	/* only while load() collects: no lookup runs yet */
		d->p->free(d->p->ctx, d->retired);
	d->retired = old;
#else
	d->p->free(d->p->ctx, old);
#endif
}

/* RCU: once every lookup that may still read it has ended, the replaced table goes. */
static void free_retired(struct drv *d)
{
#ifdef RCU
	if (!d->retired)
		return;
#ifndef NO_GRACE
	d->p->synchronize_rcu(d->p->ctx);
#endif
	d->p->free(d->p->ctx, d->retired);
	d->retired = NULL;
#else
	(void)d;
#endif
}

/* `old` with [first, first + count) added (minus gigantic pages) or taken out. */
static struct table *edited(struct drv *d, const struct table *old, uint64_t first,
			    uint64_t count, int add)
{
	const struct busmap_platform *p = d->p;
	uint32_t to_pfn = p->section_shift - p->page_shift;
	struct table *t = table_new(p, old->count + (add ? count : 0));
	size_t i = 0;
	uint64_t s;

	if (!t)
		return NULL;
	while (i < old->count && old->section[i] < first)
		t->section[t->count++] = old->section[i++];
	if (add)
		for (s = first; s < first + count; s++)
			if (!p->is_gigantic(p->ctx, s << to_pfn))
				t->section[t->count++] = s;
	while (i < old->count && old->section[i] < first + count)
		i++;
	while (i < old->count)
		t->section[t->count++] = old->section[i++];
	return t;
}

#if defined(RCU) || defined(LOCKED)
/* `t` only adds sections above all of `old`'s: every mapped section keeps its bus address. */
static int appends(const struct table *old, const struct table *t)
{
	return t->count > old->count &&
	       !memcmp(t->section, old->section, old->count * sizeof(uint64_t));
}
#endif

static int same(const struct table *a, const struct table *b)
{
	return a->count == b->count &&
	       !memcmp(a->section, b->section, a->count * sizeof(uint64_t));
}

/* --- The MR ---------------------------------------------------------------- */

static int drop_mr(struct drv *d)
{
	const struct busmap_platform *p = d->p;

	if (!d->has_mr)
		return 0;
	if (p->h_free_mr(p->ctx, d->handle) != BUSMAP_H_SUCCESS &&
	    p->h_free_mr(p->ctx, d->handle) != BUSMAP_H_SUCCESS)
		return -1;
	d->has_mr = 0;
	return 0;
}

/* Replaces the MR by one over every HW page of `t`, in bus order. */
static int register_mr(struct drv *d, const struct table *t)
{
	const struct busmap_platform *p = d->p;
	uint64_t per_section = (uint64_t)1 << (p->section_shift - p->hw_page_shift);
	int64_t rc = BUSMAP_H_SUCCESS;
	uint32_t fill = 0;
	size_t i;
	uint64_t k;

	if (drop_mr(d))
		return -1;
	if (!t->count)
		return 0;
	if (p->h_alloc_mr(p->ctx, p->bus_start, (uint64_t)t->count << p->section_shift,
			  &d->handle) != BUSMAP_H_SUCCESS)
		return -1;
	d->has_mr = 1;
	for (i = 0; i < t->count; i++) {
		for (k = 0; k < per_section; k++) {
			d->pages[fill++] = (t->section[i] << p->section_shift) +
					   (k << p->hw_page_shift);
			if (fill < p->max_rpages && !(i + 1 == t->count && k + 1 == per_section))
				continue;
			rc = p->h_register_pages(p->ctx, d->handle, d->pages, fill);
			fill = 0;
			if (rc != BUSMAP_H_SUCCESS && rc != BUSMAP_H_PAGE_REGISTERED)
				goto failed;
		}
	}
	if (rc == BUSMAP_H_SUCCESS)
		return 0;
failed:
	drop_mr(d);
	return -1;
}

/* --- The driver ABI ------------------------------------------------------- */

static uint64_t pa_translate(void *drv, uint64_t phys_addr);

static uint64_t rx_xlate(void *arg, uint64_t phys_addr)
{
	return pa_translate(arg, phys_addr);
}

/* The MR and the map are in place again: new addresses, then traffic. */
static void restart(struct drv *d)
{
	d->p->rewrite_rx(d->p->ctx, rx_xlate, d);
	d->p->start_traffic(d->p->ctx);
	free_retired(d);
}

static void pa_unload(void *drv)
{
	struct drv *d = drv;
	const struct busmap_platform *p = d->p;

	p->stop_traffic(p->ctx);
	drop_mr(d);
	publish(d, NULL);
	free_retired(d);
	if (d->pages)
		p->free(p->ctx, d->pages);
	p->free(p->ctx, d);
}

static int collect(void *arg, uint64_t start_pfn, uint64_t nr_pages)
{
	struct drv *d = arg;
	const struct busmap_platform *p = d->p;
	uint32_t to_pfn = p->section_shift - p->page_shift;
	uint64_t s;

	for (s = start_pfn >> to_pfn; s < (start_pfn + nr_pages) >> to_pfn; s++) {
		struct table *t;

		if (!p->is_online(p->ctx, s << to_pfn))
			continue;
		t = edited(d, atomic_load_explicit(&d->map, memory_order_relaxed), s, 1, 1);
		if (!t)
			return 1;
		publish(d, t);
	}
	return 0;
}

static void *pa_load(const struct busmap_platform *p)
{
	struct drv *d = p->alloc(p->ctx, sizeof(*d));
	int rc;

	if (!d)
		return NULL;
	d->p = p;
	d->pages = p->alloc(p->ctx, p->max_rpages * sizeof(uint64_t));
	atomic_init(&d->map, table_new(p, 0));
	if (!d->pages || !atomic_load(&d->map))
		goto failed;
	p->get_online_mems(p->ctx);
	rc = p->walk_ram(p->ctx, collect, d);
	p->put_online_mems(p->ctx);
	if (!rc && !register_mr(d, atomic_load(&d->map))) {
		p->start_traffic(p->ctx);	/* the port opens with its MR */
		return d;
	}
failed:
	p->log(p->ctx, BUSMAP_LOG_ERR, "published-array: load failed");
	pa_unload(d);
	return NULL;
}

static int update(struct drv *d, uint64_t start_pfn, uint64_t nr_pages, int add, int may_veto)
{
	const struct busmap_platform *p = d->p;
	uint32_t to_pfn = p->section_shift - p->page_shift;
	struct table *old = atomic_load_explicit(&d->map, memory_order_relaxed);
	struct table *t;

	if (!old)
		return BUSMAP_NOTIFY_OK;	/* inoperable: nothing mapped */
	p->stop_traffic(p->ctx);
	t = edited(d, old, start_pfn >> to_pfn, nr_pages >> to_pfn, add);
	if (t && same(t, old)) {
		p->free(p->ctx, t);
		p->start_traffic(p->ctx);
		return BUSMAP_NOTIFY_OK;
	}
	if (t && !register_mr(d, t)) {
#if defined(RCU) || defined(LOCKED)
		if (appends(old, t)) {
			/* The old map still answers right through the new MR, so
			 * traffic restarts first and the new map is published
			 * under running lookups, the old one freed after them. */
			restart(d);
			publish(d, t);
			free_retired(d);
			return BUSMAP_NOTIFY_OK;
		}
#endif
		publish(d, t);
		restart(d);
		return BUSMAP_NOTIFY_OK;
	}
	if (t)
		p->free(p->ctx, t);
	if (may_veto && !register_mr(d, old)) {
		restart(d);
		p->log(p->ctx, BUSMAP_LOG_WARNING, "published-array: cannot update the map; vetoed");
		return BUSMAP_NOTIFY_BAD;
	}
	p->log(p->ctx, BUSMAP_LOG_ERR, "published-array: cannot update the map; inoperable");
	drop_mr(d);
	publish(d, NULL);
	free_retired(d);
	return BUSMAP_NOTIFY_OK;
}

static int pa_notify(void *drv, enum busmap_mem_action action, uint64_t start_pfn,
		     uint64_t nr_pages)
{
	struct drv *d = drv;

	switch (action) {
	case BUSMAP_MEM_GOING_ONLINE:
		return update(d, start_pfn, nr_pages, 1, 1);
	case BUSMAP_MEM_CANCEL_ONLINE:
		return update(d, start_pfn, nr_pages, 0, 0);
	case BUSMAP_MEM_GOING_OFFLINE:
		return update(d, start_pfn, nr_pages, 0, 1);
	case BUSMAP_MEM_CANCEL_OFFLINE:
		return update(d, start_pfn, nr_pages, 1, 0);
	default:
		return BUSMAP_NOTIFY_OK;
	}
}

static uint64_t lookup(const struct drv *d, uint64_t phys_addr)
{
	const struct table *t = atomic_load_explicit(&d->map, memory_order_acquire);
	uint32_t shift = d->p->section_shift;
	uint64_t s = phys_addr >> shift;
	size_t lo = 0, hi;

	if (!t)
		return BUSMAP_INVALID;
	hi = t->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->section[mid] < s)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == t->count || t->section[lo] != s)
		return BUSMAP_INVALID;
	return d->p->bus_start + ((uint64_t)lo << shift) + (phys_addr & (((uint64_t)1 << shift) - 1));
}

static uint64_t pa_translate(void *drv, uint64_t phys_addr)
{
	struct drv *d = drv;
	uint64_t bus;

#ifdef RCU
	d->p->rcu_read_lock(d->p->ctx);
#elif defined(LOCKED)
	d->p->lock(d->p->ctx, &d->lock);
#endif
	bus = lookup(d, phys_addr);
#ifdef RCU
	d->p->rcu_read_unlock(d->p->ctx);
#elif defined(LOCKED)
	d->p->unlock(d->p->ctx, &d->lock);
#endif
	return bus;
}

/* One entry per HW page: the plainest descriptor the adapter takes. */
static int pa_xmit(void *drv, uint64_t phys_addr, uint32_t len)
{
	struct drv *d = drv;
	const struct busmap_platform *p = d->p;
	uint64_t bus[16], page = (uint64_t)1 << p->hw_page_shift, at;
	uint32_t lens[16], n = 0, done = 0, chunk;

	while (done < len) {
		at = phys_addr + done;
		chunk = (uint32_t)(page - (at & (page - 1)));
		if (chunk > len - done)
			chunk = len - done;
		if (n == 16 || n == p->max_sg)
			return -1;	/* too scattered */
		bus[n] = pa_translate(d, at);
		if (bus[n] == BUSMAP_INVALID)
			return -1;	/* not mapped: drop the packet */
		lens[n++] = chunk;
		done += chunk;
	}
	return p->post_tx(p->ctx, bus, lens, n);
}

static int pa_refill_rx(void *drv, uint64_t phys_addr, uint32_t len)
{
	struct drv *d = drv;
	uint64_t b = pa_translate(d, phys_addr);

	if (b == BUSMAP_INVALID || len == 0 ||
	    pa_translate(d, phys_addr + (len - 1)) != b + (len - 1))
		return -1;	/* not mapped, or not one run of bus space */
	return d->p->post_rx(d->p->ctx, b, len);
}

#if defined(LOCKED)
#define NAME "published-array-locked"
#elif defined(RCU) && defined(NO_GRACE)
#define NAME "published-array-rcu-no-grace"
#elif defined(RCU)
#define NAME "published-array-rcu"
#else
#define NAME "published-array"
#endif

static const struct busmap_driver driver = {
	.abi_version = BUSMAP_ABI_VERSION,
	.name = NAME,
	.description = "Sorted section array behind one pointer, read with no lock; "
		       "the new array is published before the old one is freed.",
	.flags = BUSMAP_DRIVER_CANONICAL,
	.load = pa_load,
	.unload = pa_unload,
	.notify = pa_notify,
	.translate = pa_translate,
	.xmit = pa_xmit,
	.refill_rx = pa_refill_rx,
};

__attribute__((visibility("default"))) const struct busmap_driver *busmap_driver_entry(void)
{
	return &driver;
}
