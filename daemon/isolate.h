/* SPDX-License-Identifier: MIT */
/*
 * isolate.h - ustackd's privilege stages (see isolate.c).
 */
#ifndef USTACKD_ISOLATE_H
#define USTACKD_ISOLATE_H

/* Drop every capability once the privileged fds are open; dies on failure. */
void isolate_drop_caps(void);

#endif /* USTACKD_ISOLATE_H */
