/*
 * owner.c (template) - ks_port_owner for a kernel: which tasks see which
 * sockets under /net (src/netfs, docs/netfs.md).
 *
 * Return the address of the object that stands for the calling task's
 * namespace: its process (each process sees its own sockets, as
 * PatchworkOS), its process group or session, or a namespace object that
 * children inherit (Plan 9's name spaces). The identity must not be 0 and
 * must not be given to another namespace while sockets stamped with it
 * live (free the object after its last socket, or never reuse it).
 *
 * This template has one namespace for every task: everybody sees every
 * socket. Replace current_namespace() with your kernel's own.
 */
#include <ksock/port.h>

static char ks_template_namespace; /* one namespace: its address is the identity */

uintptr_t ks_port_owner(void)
{
	return (uintptr_t)&ks_template_namespace;
}
