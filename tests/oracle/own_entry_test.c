/*
 * own_entry_test.c - a driver that posts a receive entry of its own, for
 * the oracle's dma-not-live rule.
 *
 * It registers every block the RAM walk reports, offline ones included (as
 * eHEA's busmap does: the walk reports what add_memory() created), answers
 * translations for online memory only, vetoes every hotplug request, and at
 * load posts one receive entry outside refill_rx (a buffer of its own, not
 * the stack's).  With `own_entry_offline` set, that entry's bus address is
 * the first offline section's: the device then writes into memory the
 * kernel does not use, which only dma-not-live can tell.  Without it the
 * entry points at online memory and the driver holds.
 */
#include <busmap/driver.h>

int own_entry_offline;

struct own {
	const struct busmap_platform *p;
	uint64_t first, n;   /* the walk's one range, in sections */
	uint64_t handle;
};

static int range(void *arg, uint64_t start_pfn, uint64_t nr_pages)
{
	struct own *o = arg;
	uint32_t shift = o->p->section_shift - o->p->page_shift;

	if (o->n)
		return 1; /* one range is all this test needs */
	o->first = start_pfn >> shift;
	o->n = nr_pages >> shift;
	return 0;
}

static int register_range(struct own *o)
{
	const struct busmap_platform *p = o->p;
	uint64_t per_section = (uint64_t)1 << (p->section_shift - p->hw_page_shift);
	uint64_t total = o->n * per_section, done = 0;
	uint64_t *buf = p->alloc(p->ctx, p->max_rpages * sizeof(uint64_t));
	int64_t rc = BUSMAP_H_SUCCESS;

	if (!buf)
		return -1;
	while (done < total && (rc == BUSMAP_H_SUCCESS || rc == BUSMAP_H_PAGE_REGISTERED)) {
		uint32_t k = 0;

		for (; k < p->max_rpages && done + k < total; k++)
			buf[k] = (o->first << p->section_shift) + ((done + k) << p->hw_page_shift);
		rc = p->h_register_pages(p->ctx, o->handle, buf, k);
		done += k;
	}
	p->free(p->ctx, buf);
	return rc == BUSMAP_H_SUCCESS ? 0 : -1;
}

static uint64_t entry_section(const struct own *o, int offline)
{
	uint64_t s;

	for (s = o->first; s < o->first + o->n; s++)
		if (!o->p->is_online(o->p->ctx, s << (o->p->section_shift - o->p->page_shift)) ==
		    !!offline)
			return s;
	return o->first;
}

static void *own_load(const struct busmap_platform *p)
{
	struct own *o = p->alloc(p->ctx, sizeof(*o));

	if (!o)
		return 0;
	o->p = p;
	p->get_online_mems(p->ctx);
	p->walk_ram(p->ctx, range, o);
	if (!o->n || p->h_alloc_mr(p->ctx, p->bus_start, o->n << p->section_shift, &o->handle) !=
			     BUSMAP_H_SUCCESS) {
		p->put_online_mems(p->ctx);
		p->free(p->ctx, o);
		return 0;
	}
	if (register_range(o)) {
		p->h_free_mr(p->ctx, o->handle);
		p->put_online_mems(p->ctx);
		p->free(p->ctx, o);
		return 0;
	}
	p->put_online_mems(p->ctx);
	p->post_rx(p->ctx,
		   p->bus_start + ((entry_section(o, own_entry_offline) - o->first) << p->section_shift),
		   1514);
	return o;
}

static void own_unload(void *drv)
{
	struct own *o = drv;

	o->p->stop_traffic(o->p->ctx);
	o->p->h_free_mr(o->p->ctx, o->handle);
	o->p->free(o->p->ctx, o);
}

static int own_notify(void *drv, enum busmap_mem_action action, uint64_t start_pfn,
		      uint64_t nr_pages)
{
	struct own *o = drv;

	(void)start_pfn;
	(void)nr_pages;
	if (action != BUSMAP_MEM_GOING_ONLINE && action != BUSMAP_MEM_GOING_OFFLINE)
		return BUSMAP_NOTIFY_OK;
	o->p->log(o->p->ctx, BUSMAP_LOG_WARNING, "own-entry: memory hotplug refused");
	return BUSMAP_NOTIFY_BAD;
}

static uint64_t own_translate(void *drv, uint64_t addr)
{
	struct own *o = drv;
	uint64_t s = addr >> o->p->section_shift;

	if (s < o->first || s >= o->first + o->n ||
	    !o->p->is_online(o->p->ctx, addr >> o->p->page_shift))
		return BUSMAP_INVALID;
	return o->p->bus_start + (addr - (o->first << o->p->section_shift));
}

static int own_no_buffer(void *drv, uint64_t phys_addr, uint32_t len)
{
	(void)drv;
	(void)phys_addr;
	(void)len;
	return -1; /* the stack's buffers are dropped: this test posts its own */
}

const struct busmap_driver own_entry_driver = {
	BUSMAP_ABI_VERSION,
	"own-entry",
	"registers every reported block, posts a receive entry of its own at load",
	BUSMAP_DRIVER_REJECTS_HOTPLUG,
	own_load,
	own_unload,
	own_notify,
	own_translate,
	own_no_buffer,
	own_no_buffer,
};
