/*
 * A driver plugin that aborts in load(): the failing driver of the test
 * that `busmap check` survives a driver crashing while its failure is
 * drawn (the picture is skipped with a reason; the run and its trace file
 * go on).  Plain C, built as a MODULE like any driver plugin.
 */
#include "busmap/driver.h"

#include <stdlib.h>

static void *crash_load(const struct busmap_platform *p)
{
	(void)p;
	abort();
}

static void crash_unload(void *drv)
{
	(void)drv;
}

static int crash_notify(void *drv, enum busmap_mem_action action, uint64_t start_pfn,
			uint64_t nr_pages)
{
	(void)drv;
	(void)action;
	(void)start_pfn;
	(void)nr_pages;
	return 0;
}

static uint64_t crash_translate(void *drv, uint64_t phys_addr)
{
	(void)drv;
	(void)phys_addr;
	return BUSMAP_INVALID;
}

static const struct busmap_driver crash_driver = {
	.abi_version = BUSMAP_ABI_VERSION,
	.name = "test-crash-on-load",
	.description = "aborts in load (test plugin)",
	.flags = 0,
	.load = crash_load,
	.unload = crash_unload,
	.notify = crash_notify,
	.translate = crash_translate,
};

const struct busmap_driver *busmap_driver_entry(void)
{
	return &crash_driver;
}
