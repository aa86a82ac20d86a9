/*
 * broken_table.c - plugins that must be refused before the oracle calls them.
 *
 * One source, one shared object per defect, picked by BROKEN_* at compile
 * time: a table from another ABI version, an entry that answers NULL, a
 * NULL mandatory callback, and a shared object without the entry symbol.
 */
#include <busmap/driver.h>

#include <stddef.h>

#define EXPORT __attribute__((visibility("default")))
/* Each variant leaves some of these unused. */
#define MAYBE_UNUSED __attribute__((unused))

static void *broken_load(const struct busmap_platform *p)
{
	(void)p;
	return NULL;
}

static void broken_unload(void *drv)
{
	(void)drv;
}

static int broken_notify(void *drv, enum busmap_mem_action action,
			 uint64_t start_pfn, uint64_t nr_pages)
{
	(void)drv;
	(void)action;
	(void)start_pfn;
	(void)nr_pages;
	return BUSMAP_NOTIFY_OK;
}

static MAYBE_UNUSED uint64_t broken_translate(void *drv, uint64_t phys_addr)
{
	(void)drv;
	(void)phys_addr;
	return BUSMAP_INVALID;
}

static MAYBE_UNUSED const struct busmap_driver broken_driver = {
#ifdef BROKEN_ABI_VERSION
	.abi_version = BUSMAP_ABI_VERSION + 41,
#else
	.abi_version = BUSMAP_ABI_VERSION,
#endif
	.name = "broken",
	.description = "a plugin the loader must refuse",
	.load = broken_load,
	.unload = broken_unload,
	.notify = broken_notify,
#ifndef BROKEN_NULL_CALLBACK
	.translate = broken_translate,
#endif
};

#ifdef BROKEN_NO_ENTRY
/* Exports a driver under the wrong name: no busmap_driver_entry. */
EXPORT const struct busmap_driver *busmap_driver_entry_v0(void);
EXPORT const struct busmap_driver *busmap_driver_entry_v0(void)
#else
EXPORT const struct busmap_driver *busmap_driver_entry(void)
#endif
{
#ifdef BROKEN_NULL_TABLE
	return NULL;
#else
	return &broken_driver;
#endif
}
