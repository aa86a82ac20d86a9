/*
 * The example driver (examples/c-driver) wrapped to misbehave in one way
 * each, chosen at build time, for the tests of text that is not UTF-8 and
 * of plain malloc by driver code (issue 15, findings 4 and 10):
 *
 *   LATIN1        a Latin-1 name and description, a Latin-1 log line at load
 *   LATIN1_ABORT  Latin-1 bytes (and a control byte) on stderr, then abort
 *                 in load
 *   HEAP_HOLD     64 MiB from plain malloc at load, freed at unload (never
 *                 touched: malloc of a large size maps pages lazily)
 *   HEAP_SCRATCH  plain malloc freed within the same callback (load,
 *                 notify): nothing is held, the driver is correct
 *   PLATFORM_HOG  twenty 200 MiB requests to the platform allocator at load,
 *                 kept until unload
 *   LATIN1_HOG    LATIN1 and PLATFORM_HOG: a failure (footprint, found
 *                 before issue 15 too) whose report carries Latin-1 text
 *
 * The example's own code is included, not copied, and stays correct: what
 * the tests see is only the wrapper's doing.
 */
#ifdef LATIN1_HOG
#define LATIN1
#define PLATFORM_HOG
#endif

#define busmap_driver_entry example_driver_entry
#include "../../examples/c-driver/example_driver.c"
#undef busmap_driver_entry

#include <stdio.h>
#include <stdlib.h>

#if defined(LATIN1) || defined(LATIN1_ABORT)
#define WRAPPED_NAME "pilote-\xe9t\xe9"             /* "pilote-été" in Latin-1 */
#define WRAPPED_DESCRIPTION "d\xe9mo Latin-1 \xff"
#else
#define WRAPPED_NAME "wrapped-example"
#define WRAPPED_DESCRIPTION "the example driver, wrapped (test plugin)"
#endif

#define HOLD_BYTES ((size_t)64 << 20)
#define HOG_CALLS 20
#define HOG_BYTES ((size_t)200 << 20)

static void *held[HOG_CALLS]; /* one instance at a time: the harness loads one */

static void scratch(void)
{
#ifdef HEAP_SCRATCH
	char *buf = malloc(1 << 20);

	if (buf) {
		buf[0] = 1;
		free(buf);
	}
#endif
}

static void *wrapped_load(const struct busmap_platform *p)
{
#ifdef LATIN1
	p->log(p->ctx, BUSMAP_LOG_INFO, "chargement: m\xe9moire \xe0 jour \xc3");
#endif
#ifdef LATIN1_ABORT
	fputs("pilote: \xe9\xe9 erreur fatale \x01\xff\n", stderr);
	fflush(stderr);
	abort();
#endif
#ifdef HEAP_HOLD
	held[0] = malloc(HOLD_BYTES);
#endif
#ifdef PLATFORM_HOG
	for (int i = 0; i < HOG_CALLS; ++i)
		held[i] = p->alloc(p->ctx, HOG_BYTES);
#endif
	scratch();
	return example_load(p);
}

static void wrapped_unload(void *drv)
{
	const struct busmap_platform *p = ((struct example_map *)drv)->p;

	example_unload(drv);
	for (int i = 0; i < HOG_CALLS; ++i) {
		if (!held[i])
			continue;
#ifdef PLATFORM_HOG
		p->free(p->ctx, held[i]);
#else
		free(held[i]);
#endif
		held[i] = NULL;
	}
	(void)p;
}

static int wrapped_notify(void *drv, enum busmap_mem_action action, uint64_t start_pfn,
			  uint64_t nr_pages)
{
	scratch();
	return example_notify(drv, action, start_pfn, nr_pages);
}

static const struct busmap_driver wrapped_driver = {
	.abi_version = BUSMAP_ABI_VERSION,
	.name = WRAPPED_NAME,
	.description = WRAPPED_DESCRIPTION,
	.flags = BUSMAP_DRIVER_CANONICAL,
	.load = wrapped_load,
	.unload = wrapped_unload,
	.notify = wrapped_notify,
	.translate = example_translate,
};

EXPORT const struct busmap_driver *busmap_driver_entry(void);
EXPORT const struct busmap_driver *busmap_driver_entry(void)
{
	return &wrapped_driver;
}
