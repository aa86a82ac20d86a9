/*
 * vetoing_driver.c - a small bus-map driver with the eHCA policy.
 *
 * It builds the canonical map once at load (the online sections in
 * ascending order, section i at bus_start + i * section size), registers
 * one MR over them, and while loaded refuses every memory hotplug request
 * with NOTIFY_BAD, logging why.  Small enough to read in one go; it is
 * the driver of the packaging test's consumer project.
 *
 * Built with VETOING_PLANTED_BUG, it translates the last byte of every
 * section through the next section's slot: the bug the consumer's kept
 * regression trace must catch (tests/packaging/run_consumer.cmake).
 */
#include <busmap/driver.h>

struct vmap {
	const struct busmap_platform *p;
	uint64_t *sections; /* ascending section numbers */
	uint64_t n, cap;
	uint64_t handle;
};

static int count_ram(void *arg, uint64_t start_pfn, uint64_t nr_pages)
{
	struct vmap *m = arg;
	uint32_t shift = m->p->section_shift - m->p->page_shift;
	uint64_t s, end = (start_pfn + nr_pages) >> shift;

	for (s = start_pfn >> shift; s < end; s++) {
		if (m->p->is_gigantic(m->p->ctx, s << shift) ||
		    !m->p->is_online(m->p->ctx, s << shift))
			continue; /* ABI 2: the walk reports offline blocks too */
		if (m->sections)
			m->sections[m->n] = s;
		m->n++;
	}
	return 0;
}

/* Registers every HW page of every section, max_rpages at a time. */
static int register_all(struct vmap *m)
{
	const struct busmap_platform *p = m->p;
	uint64_t per_section = (uint64_t)1 << (p->section_shift - p->hw_page_shift);
	uint64_t total = m->n * per_section, done = 0;
	uint64_t *buf = p->alloc(p->ctx, p->max_rpages * sizeof(uint64_t));
	int64_t rc = BUSMAP_H_SUCCESS;

	if (!buf)
		return -1;
	while (done < total) {
		uint32_t k = 0;

		while (k < p->max_rpages && done + k < total) {
			uint64_t i = done + k;

			buf[k++] = (m->sections[i / per_section] << p->section_shift) +
				   ((i % per_section) << p->hw_page_shift);
		}
		rc = p->h_register_pages(p->ctx, m->handle, buf, k);
		done += k;
		if (rc != (done == total ? BUSMAP_H_SUCCESS : BUSMAP_H_PAGE_REGISTERED))
			break;
	}
	p->free(p->ctx, buf);
	return done == total && rc == BUSMAP_H_SUCCESS ? 0 : -1;
}

static void vmap_free(struct vmap *m)
{
	if (m->n)
		m->p->h_free_mr(m->p->ctx, m->handle);
	if (m->sections)
		m->p->free(m->p->ctx, m->sections);
	m->p->free(m->p->ctx, m);
}

/* The map and its MR over what is online now; 0, or -1 with m freed. */
static int vmap_build(struct vmap *m)
{
	const struct busmap_platform *p = m->p;

	p->walk_ram(p->ctx, count_ram, m);
	m->cap = m->n;
	m->n = 0;
	if (!m->cap)
		return 0;
	m->sections = p->alloc(p->ctx, m->cap * sizeof(uint64_t));
	if (!m->sections) {
		vmap_free(m);
		return -1;
	}
	p->walk_ram(p->ctx, count_ram, m);
	if (p->h_alloc_mr(p->ctx, p->bus_start, m->n << p->section_shift,
			  &m->handle) != BUSMAP_H_SUCCESS) {
		m->n = 0;
		vmap_free(m);
		return -1;
	}
	if (register_all(m)) {
		vmap_free(m);
		return -1;
	}
	return 0;
}

/*
 * The memory hotplug lock is held across the walk and the registration:
 * an offline in progress would otherwise end with its block's pages in
 * the MR, since the GOING_OFFLINE that would have been vetoed was sent
 * before this driver was there to hear it.
 */
static void *vmap_load(const struct busmap_platform *p)
{
	struct vmap *m = p->alloc(p->ctx, sizeof(*m));
	int rc;

	if (!m)
		return 0;
	m->p = p; /* alloc() zeroes the rest */
	p->get_online_mems(p->ctx);
	rc = vmap_build(m);
	p->put_online_mems(p->ctx);
	return rc ? 0 : m;
}

static void vmap_unload(void *drv)
{
	vmap_free(drv);
}

static int vmap_notify(void *drv, enum busmap_mem_action action, uint64_t start_pfn,
		       uint64_t nr_pages)
{
	struct vmap *m = drv;

	(void)start_pfn;
	(void)nr_pages;
	if (action != BUSMAP_MEM_GOING_ONLINE && action != BUSMAP_MEM_GOING_OFFLINE)
		return BUSMAP_NOTIFY_OK;
	m->p->log(m->p->ctx, BUSMAP_LOG_WARNING,
		  "vetoing: memory hotplug refused while the adapter is present");
	return BUSMAP_NOTIFY_BAD;
}

static uint64_t vmap_translate(void *drv, uint64_t addr)
{
	struct vmap *m = drv;
	uint64_t s = addr >> m->p->section_shift, lo = 0, hi = m->n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (m->sections[mid] < s)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == m->n || m->sections[lo] != s)
		return BUSMAP_INVALID;
#ifdef VETOING_PLANTED_BUG
	if ((~addr & (((uint64_t)1 << m->p->section_shift) - 1)) == 0)
		lo++;
#endif
	return m->p->bus_start + (lo << m->p->section_shift) +
	       (addr & (((uint64_t)1 << m->p->section_shift) - 1));
}

const struct busmap_driver vetoing_driver = {
	BUSMAP_ABI_VERSION,
	"vetoing",
	"canonical map built at load; refuses memory hotplug (eHCA policy)",
	BUSMAP_DRIVER_CANONICAL | BUSMAP_DRIVER_REJECTS_HOTPLUG,
	vmap_load,
	vmap_unload,
	vmap_notify,
	vmap_translate,
};
