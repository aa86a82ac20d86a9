/*
 * misbehave_plugin.c - the example driver with one misbehaviour, chosen at
 * run time, for the tests of the isolation layer (properties/isolation.hpp).
 *
 * The driver is examples/c-driver/example_driver.c, compiled into this
 * shared object with its entry point renamed, so everything it does is
 * correct except the one thing BUSMAP_TEST_MISBEHAVE names:
 *
 *   ctor-segv, ctor-hang       in the shared object's constructor
 *   entry-abort, entry-hang    in busmap_driver_entry()
 *   notify-exit0, notify-_exit0, notify-abort, notify-segv, notify-stack,
 *   notify-kill, notify-hang   in the first notify(GOING_ONLINE)
 *   unload-hang, unload-abort  in unload()
 *   load-fork                  load() forks; both processes go on
 *   load-linger                load() forks a grandchild that sleeps
 *   load-thread                load() starts a thread that outlives unload()
 *   load-print                 load() writes 8 MiB to stdout
 *   translate-flaky            one translation in about 3000 is wrong, at
 *                              random (time and pid seeded)
 *   alternate                  every other process that loads the shared
 *                              object translates everything wrong: the
 *                              constructor counts processes in the file
 *                              BUSMAP_TEST_STATE (the 2nd, 4th, ... are
 *                              wrong), a flaky driver that is deterministic
 *
 * Unset or unknown: the example driver as it is.  Reading the mode from the
 * environment keeps it one shared object instead of one per misbehaviour.
 */
#define _GNU_SOURCE
#include "busmap/driver.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

const struct busmap_driver *example_driver_entry(void);

static struct busmap_driver table;
static int wrong_in_this_process;
static const struct busmap_driver *example;

static int mode_is(const char *m)
{
	const char *v = getenv("BUSMAP_TEST_MISBEHAVE");
	return v && strcmp(v, m) == 0;
}

static void hang(void)
{
	for (;;)
		pause();
}

static void segv(void)
{
	volatile int *null = NULL;
	*null = 1;
}

/* Deep enough to overflow any stack; volatile so it is not folded away. */
static int recurse(int depth)
{
	volatile char frame[4096];
	frame[0] = (char)depth;
	return depth < (1 << 30) ? recurse(depth + 1) + frame[0] : 0;
}

static int (*volatile recurse_ptr)(int) = recurse;

/* One more process has loaded us: answers how many have, this one included. */
static long count_process(void)
{
	const char *path = getenv("BUSMAP_TEST_STATE");
	long n = 0;
	FILE *f = path ? fopen(path, "r") : NULL;
	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = 0;
		fclose(f);
	}
	f = path ? fopen(path, "w") : NULL;
	if (f) {
		fprintf(f, "%ld\n", ++n);
		fclose(f);
	}
	return n;
}

__attribute__((constructor)) static void misbehave_ctor(void)
{
	if (mode_is("alternate"))
		wrong_in_this_process = count_process() % 2 == 0;
	if (mode_is("ctor-segv"))
		segv();
	if (mode_is("ctor-hang"))
		hang();
}

static void *spin(void *drv)
{
	for (;;)
		example->translate(drv, 0);
	return NULL;
}

static void *misbehave_load(const struct busmap_platform *p)
{
	void *drv = example->load(p);
	if (mode_is("load-fork"))
		(void)fork();
	if (mode_is("load-linger") && fork() == 0)
		hang();
	if (mode_is("load-thread") && drv) {
		pthread_t t;
		if (pthread_create(&t, NULL, spin, drv) == 0)
			pthread_detach(t);
	}
	if (mode_is("load-print")) {
		static char line[1024];
		memset(line, 'x', sizeof line - 1);
		for (int i = 0; i < 8 * 1024; i++)
			puts(line);
	}
	return drv;
}

static int misbehave_notify(void *drv, enum busmap_mem_action action, uint64_t start_pfn,
			    uint64_t nr_pages)
{
	if (action == BUSMAP_MEM_GOING_ONLINE) {
		if (mode_is("notify-exit0"))
			exit(0);
		if (mode_is("notify-_exit0"))
			_exit(0);
		if (mode_is("notify-abort"))
			abort();
		if (mode_is("notify-segv"))
			segv();
		if (mode_is("notify-stack"))
			recurse_ptr(0);
		if (mode_is("notify-kill"))
			raise(SIGKILL);
		if (mode_is("notify-hang"))
			hang();
	}
	return example->notify(drv, action, start_pfn, nr_pages);
}

static void misbehave_unload(void *drv)
{
	if (mode_is("unload-hang"))
		hang();
	if (mode_is("unload-abort"))
		abort();
	example->unload(drv);
}

static uint64_t misbehave_translate(void *drv, uint64_t phys_addr)
{
	static unsigned seed;
	uint64_t bus = example->translate(drv, phys_addr);
	if (wrong_in_this_process && bus != BUSMAP_INVALID)
		return bus + 1;
	if (!mode_is("translate-flaky"))
		return bus;
	if (!seed)
		seed = (unsigned)time(NULL) ^ (unsigned)getpid() << 16;
	return rand_r(&seed) % 3000 == 0 && bus != BUSMAP_INVALID ? bus + 1 : bus;
}

EXPORT const struct busmap_driver *busmap_driver_entry(void)
{
	if (mode_is("entry-abort"))
		abort();
	if (mode_is("entry-hang"))
		hang();
	example = example_driver_entry();
	table = *example;
	table.name = "misbehave";
	table.description = "the example driver with one misbehaviour (test plugin)";
	table.load = misbehave_load;
	table.notify = misbehave_notify;
	table.unload = misbehave_unload;
	table.translate = misbehave_translate;
	return &table;
}
