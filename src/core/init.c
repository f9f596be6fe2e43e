/*
 * init.c - ks_init(): registers the built-in families, once.
 */
#include "socket.h"

#include <ksock/ksock.h>

int ks_init(void)
{
	static int done;

	if (__atomic_exchange_n(&done, 1, __ATOMIC_ACQ_REL))
		return 0;
	ks_registry_init();
	return ks_unix_init();
}
