/*
 * init.c - ks_init(): registers the built-in families, once: AF_UNIX, then
 * AF_INET (src/inet/sock_inet.c: UDP on loopback).
 */
#include "socket.h"

int ks_inet_init(void); /* src/inet/sock_inet.h */

#include <ksock/ksock.h>

int ks_init(void)
{
	static int done;

	if (__atomic_exchange_n(&done, 1, __ATOMIC_ACQ_REL))
		return 0;
	ks_registry_init();
	int err = ks_unix_init();
	return err ? err : ks_inet_init();
}
