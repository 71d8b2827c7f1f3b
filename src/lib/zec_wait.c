/*
 * zec_wait.c - the per-thread hook zec_before_wait() runs.
 */
#include "zec_wait.h"

#include <stddef.h>

static _Thread_local zec_wait_hook t_hook;
static _Thread_local void *t_arg;

void zec_before_wait(void)
{
	zec_wait_hook hook = t_hook;

	if (!hook)
		return;
	t_hook = NULL;
	hook(t_arg);
}

void zec_wait_set_hook(zec_wait_hook hook, void *arg)
{
	t_hook = hook;
	t_arg = arg;
}
