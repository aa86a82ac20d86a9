/*
 * vetoing_plugin.c - the vetoing driver as a plugin, for `busmap check
 * --plugin` and the regression cases busmap_add_trace_tests registers.
 */
#include <busmap/driver.h>

extern const struct busmap_driver vetoing_driver;

const struct busmap_driver *busmap_driver_entry(void)
{
	return &vetoing_driver;
}
